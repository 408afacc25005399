//! Postman environment and globals files: set one variable (type `secret`, enabled) with the same
//! byte-exact edits as collections, or create the file in the app's export shape.

use crate::error::Malformed as NotACollection;
use crate::json::edit::{
    self, Edits, NewValue, Style, append_elements, delete_entries, insert_members, json_string,
};
use crate::json::scan::{self, Array, KeepAll, Kind, Node, Object};

/// Environment or globals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Environment,
    Globals,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Environment => "environment",
            Scope::Globals => "globals",
        }
    }
}

/// A scanned environment or globals file.
#[derive(Debug)]
pub struct EnvFile {
    pub root: Object,
}

impl EnvFile {
    pub fn values(&self) -> Option<&Array> {
        self.root.get("values").and_then(Node::as_array)
    }
}

/// Reads `bytes` as an environment or globals file.
pub fn read(bytes: &[u8]) -> Result<EnvFile, NotACollection> {
    let scanned = scan::scan(bytes, &KeepAll)?;
    let Node::Object(root) = scanned.root else {
        return Err(NotACollection {
            offset: Some(0),
            message: "found a JSON value that is not an object; an environment file is an object with \"values\"".into(),
        });
    };
    match root.get("values") {
        Some(Node::Array(_)) => Ok(EnvFile { root: *root }),
        Some(other) => Err(NotACollection {
            offset: Some(other.span().start),
            message: format!("\"values\" is {}, expected an array of variables", other.kind().described()),
        }),
        None if root.get("info").is_some() => Err(NotACollection {
            offset: Some(root.span.start),
            message: "this is a collection, not an environment file; pass the environment (or let the tool create one)".into(),
        }),
        None => Err(NotACollection {
            offset: Some(root.span.start),
            message: "this is not a Postman environment or globals file (it has no \"values\")".into(),
        }),
    }
}

/// A new file holding only `name` = `value`, as the Postman app exports it.
pub fn create(scope: Scope, name: &str, value: &str, id: &str, now: &str) -> Vec<u8> {
    let entry = NewValue::Object(vec![
        ("key".into(), NewValue::str(name)),
        ("value".into(), NewValue::str(value)),
        ("type".into(), NewValue::str("secret")),
        ("enabled".into(), NewValue::Raw("true".into())),
    ]);
    let doc = NewValue::Object(vec![
        ("id".into(), NewValue::str(id)),
        (
            "name".into(),
            NewValue::str(match scope {
                Scope::Environment => "postman-cognito",
                Scope::Globals => "Globals",
            }),
        ),
        ("values".into(), NewValue::Array(vec![entry])),
        (
            "_postman_variable_scope".into(),
            NewValue::str(scope.as_str()),
        ),
        ("_postman_exported_at".into(), NewValue::str(now)),
        (
            "_postman_exported_using".into(),
            NewValue::str(concat!("postman-cognito/", env!("CARGO_PKG_VERSION"))),
        ),
    ]);
    let style = Style {
        eol: Some("\n"),
        indent: "\t".into(),
        colon: ": ".into(),
    };
    let mut text = style.render(&doc, "");
    text.push('\n');
    text.into_bytes()
}

/// The new content of an environment or globals file that sets `name` to `value`: `existing`
/// (its bytes and what they hold) edited byte-exactly, or a new file in the app's export shape.
pub fn with_variable(
    existing: Option<(&[u8], &EnvFile)>,
    scope: Scope,
    name: &str,
    value: &str,
) -> Vec<u8> {
    match existing {
        Some((bytes, env)) => edit::apply(bytes, &set_variable(bytes, env, name, value)),
        None => {
            let now = crate::jwt::rfc3339(crate::jwt::now());
            create(scope, name, value, &uuid_v4(), &now)
        }
    }
}

/// A random UUID (v4) for a new environment file's `id`.
fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    let _ = getrandom::fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        h[0..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..16].concat()
    )
}

/// The edits that make variable `name` hold `value`, typed `secret` and enabled; duplicates of
/// the variable are collapsed into the first.
pub fn set_variable(src: &[u8], env: &EnvFile, name: &str, value: &str) -> Vec<edit::Edit> {
    let style = Style::detect(src, &env.root);
    let mut edits = Edits::default();
    let Some(values) = env.values() else {
        return Vec::new();
    };
    let found: Vec<(usize, &Object)> = values
        .elements
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let o = e.as_object()?;
            (o.get("key")?.as_str()? == name).then_some((i, o))
        })
        .collect();
    match found.first() {
        None => {
            let entry = template(src, values, name, value);
            append_elements(&mut edits, src, &style, values, &[entry]);
        }
        Some(&(_, o)) => {
            let mut add = Vec::new();
            match o.get("value") {
                Some(v) if v.as_str() == Some(value) => {}
                Some(v) => edits.replace(v.span(), json_string(value)),
                None => add.push(("value".to_string(), NewValue::str(value))),
            }
            match o.get("type") {
                Some(t) if t.as_str() == Some("secret") => {}
                Some(t) => edits.replace(t.span(), json_string("secret")),
                None => add.push(("type".to_string(), NewValue::str("secret"))),
            }
            if let Some(e) = o.get("enabled")
                && e.kind() == Kind::Bool
                && e.span().end - e.span().start == 5
            {
                edits.replace(e.span(), "true");
            }
            if let Some(d) = o.get("disabled")
                && d.kind() == Kind::Bool
                && d.span().end - d.span().start == 4
            {
                edits.replace(d.span(), "false");
            }
            insert_members(&mut edits, src, &style, o, &add, false);
            let remove: Vec<usize> = found[1..].iter().map(|(i, _)| *i).collect();
            delete_entries(
                &mut edits,
                values.span,
                &edit::element_spans(values),
                &remove,
            );
        }
    }
    edits.sorted().unwrap_or_default()
}

/// A new entry laid out like the last one when that is a plain `{key, value, type, enabled}`.
fn template(src: &[u8], values: &Array, name: &str, value: &str) -> NewValue {
    let plain = values
        .elements
        .last()
        .and_then(Node::as_object)
        .filter(|o| {
            o.members.iter().map(|m| m.key.as_str()).collect::<Vec<_>>()
                == ["key", "value", "type", "enabled"]
                && o.members[0].value.as_str().is_some()
                && o.members[2].value.as_str().is_some()
                && o.members[3].value.kind() == Kind::Bool
        });
    let Some(o) = plain else {
        return NewValue::Object(vec![
            ("key".into(), NewValue::str(name)),
            ("value".into(), NewValue::str(value)),
            ("type".into(), NewValue::str("secret")),
            ("enabled".into(), NewValue::Raw("true".into())),
        ]);
    };
    let base = o.span.start;
    let local = |n: &Node| scan::Span {
        start: n.span().start - base,
        end: n.span().end - base,
    };
    let mut e = Edits::default();
    e.replace(local(&o.members[0].value), json_string(name));
    e.replace(local(&o.members[1].value), json_string(value));
    e.replace(local(&o.members[2].value), json_string("secret"));
    e.replace(local(&o.members[3].value), "true");
    let bytes = edit::apply(
        &src[o.span.start..o.span.end],
        &e.sorted().unwrap_or_default(),
    );
    NewValue::Raw(String::from_utf8(bytes).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(src: &str, name: &str, value: &str) -> String {
        let env = read(src.as_bytes()).unwrap();
        String::from_utf8(edit::apply(
            src.as_bytes(),
            &set_variable(src.as_bytes(), &env, name, value),
        ))
        .unwrap()
    }

    #[test]
    fn appends_like_the_last_entry_and_edits_in_place() {
        let src = "{\n\t\"values\": [\n\t\t{\n\t\t\t\"key\": \"host\",\n\t\t\t\"value\": \"h\",\n\t\t\t\"type\": \"text\",\n\t\t\t\"enabled\": true\n\t\t}\n\t]\n}";
        let out = set(src, "token", "abc");
        assert!(out.ends_with("\t\t},\n\t\t{\n\t\t\t\"key\": \"token\",\n\t\t\t\"value\": \"abc\",\n\t\t\t\"type\": \"secret\",\n\t\t\t\"enabled\": true\n\t\t}\n\t]\n}"), "{out}");
        let again = set(&out, "token", "def");
        assert_eq!(again, out.replace("\"abc\"", "\"def\""));
        assert_eq!(set(&again, "token", "def"), again, "idempotent");
        let disabled = "{\"values\": [{\"key\": \"token\", \"value\": \"x\", \"enabled\": false}, {\"key\": \"token\", \"value\": \"y\"}]}";
        assert_eq!(
            set(disabled, "token", "t"),
            "{\"values\": [{\"key\": \"token\", \"value\": \"t\", \"enabled\": true, \"type\": \"secret\"}]}"
        );
    }

    #[test]
    fn created_files_read_back() {
        let bytes = create(
            Scope::Globals,
            "token",
            "abc",
            "id-1",
            "2026-01-01T00:00:00Z",
        );
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["_postman_variable_scope"], "globals");
        assert_eq!(v["values"][0]["type"], "secret");
        assert!(read(&bytes).is_ok());
        assert!(
            read(b"{\"info\": {}}")
                .unwrap_err()
                .message
                .contains("collection")
        );
    }
}

/// A variable file read: JSON (the app's export), YAML (Postman v12) or a Bruno environment
/// (`.bru`), told apart by the file's extension here and nowhere else.
pub enum VarFile {
    Json(EnvFile),
    Yaml(crate::yaml::Doc),
    Bru(crate::bru::File),
}

fn bru_error(e: crate::bru::BruError) -> NotACollection {
    NotACollection {
        offset: Some(e.offset),
        message: e.message,
    }
}

fn yaml_error(e: crate::yaml::YamlError) -> NotACollection {
    NotACollection {
        offset: Some(e.offset),
        message: e.message,
    }
}

impl VarFile {
    /// Reads `bytes`, the content of the variable file at `path`.
    pub fn read(path: &std::path::Path, bytes: &[u8]) -> Result<VarFile, NotACollection> {
        if bru::is_bru(path) {
            crate::bru::read(bytes).map(VarFile::Bru).map_err(bru_error)
        } else if yaml::is_yaml(path) {
            yaml::read(bytes).map(VarFile::Yaml).map_err(yaml_error)
        } else {
            read(bytes).map(VarFile::Json)
        }
    }

    /// The new content of `bytes` (read as `self`) with each of `vars` set, type secret and
    /// enabled; a file that cannot take them is refused with its place.
    pub fn with(
        &self,
        bytes: &[u8],
        scope: Scope,
        vars: &[(&str, &str)],
    ) -> Result<Vec<u8>, NotACollection> {
        let mut out = bytes.to_vec();
        for (i, (name, value)) in vars.iter().enumerate() {
            // Each variable is set on what the one before left, read again.
            let now = if i == 0 {
                None
            } else {
                Some(match self {
                    VarFile::Json(_) => VarFile::Json(read(&out)?),
                    VarFile::Yaml(_) => VarFile::Yaml(yaml::read(&out).map_err(yaml_error)?),
                    VarFile::Bru(_) => VarFile::Bru(crate::bru::read(&out).map_err(bru_error)?),
                })
            };
            let doc = now.as_ref().unwrap_or(self);
            out = match doc {
                VarFile::Json(env) => with_variable(Some((&out, env)), scope, name, value),
                VarFile::Yaml(d) => {
                    yaml::with_variable(Some((&out, d)), scope, name, value).map_err(yaml_error)?
                }
                VarFile::Bru(f) => bru::with_variable(&out, f, name, value)?,
            };
        }
        Ok(out)
    }

    /// A new variable file at `path` holding only `vars`, in its format's export shape.
    pub fn create(path: &std::path::Path, scope: Scope, vars: &[(&str, &str)]) -> Vec<u8> {
        let Some(((first, value), rest)) = vars.split_first() else {
            return Vec::new();
        };
        let new = if bru::is_bru(path) {
            bru::create(first, value)
        } else if yaml::is_yaml(path) {
            yaml::create(scope, first, value)
        } else {
            with_variable(None, scope, first, value)
        };
        match VarFile::read(path, &new) {
            Ok(doc) if !rest.is_empty() => doc.with(&new, scope, rest).unwrap_or(new),
            _ => new,
        }
    }

    /// The file's name and its variables as the runners read them (`key`, `value`, `enabled`
    /// and the rest of each entry), for an environment handed over whole.
    pub fn values(&self, bytes: &[u8]) -> (String, Vec<serde_json::Value>) {
        match self {
            VarFile::Bru(f) => (
                "environment".to_string(),
                f.block("vars")
                    .map(|b| {
                        b.pairs
                            .iter()
                            .map(|p| {
                                serde_json::json!({"key": p.key, "value": p.value, "enabled": !p.disabled})
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            VarFile::Yaml(doc) => {
                let title = doc
                    .root
                    .get("name")
                    .and_then(crate::yaml::Node::as_str)
                    .unwrap_or("environment")
                    .to_string();
                let values = yaml::variables(doc)
                    .into_iter()
                    .map(|(key, value, enabled)| {
                        serde_json::json!({"key": key, "value": value, "enabled": enabled})
                    })
                    .collect();
                (title, values)
            }
            VarFile::Json(_) => {
                // Checked strict JSON: serde_json reads it as the scanner did.
                let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
                let doc: serde_json::Value = serde_json::from_slice(text).unwrap_or_default();
                let title = doc
                    .get("name")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("environment")
                    .to_string();
                (title, doc["values"].as_array().cloned().unwrap_or_default())
            }
        }
    }
}

/// Bruno's environments (`environments/<name>.bru`): `vars { NAME: value }`, and the names of
/// its secrets in `vars:secret [ ... ]`, whose values Bruno keeps out of the file.
pub mod bru {
    use super::NotACollection;
    use crate::bru::File;
    use crate::splice::{Edits, Span};

    pub fn is_bru(path: &std::path::Path) -> bool {
        path.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("bru"))
    }

    /// A new environment holding `name`.
    pub fn create(name: &str, value: &str) -> Vec<u8> {
        format!("vars {{\n  {name}: {value}\n}}\n").into_bytes()
    }

    /// `src` (read as `file`) with `name` set to `value` in its `vars` block (added when it has
    /// none). A name the environment keeps secret is refused: Bruno keeps its value out of the
    /// file, and so does this tool.
    pub fn with_variable(
        src: &[u8],
        file: &File,
        name: &str,
        value: &str,
    ) -> Result<Vec<u8>, NotACollection> {
        if let Some(secret) = file.block("vars:secret") {
            let body = String::from_utf8_lossy(&src[secret.body.clone()]);
            if body.split(['\n', '\r']).any(|l| l.trim() == name) {
                return Err(NotACollection {
                    offset: Some(secret.span.start),
                    message: format!(
                        "{name} is a secret of this Bruno environment (vars:secret), whose value \
                         Bruno keeps out of the file; postman-cognito writes none there either: \
                         hand the token to `bru run` with `postman-cognito exec`"
                    ),
                });
            }
        }
        if value.contains(['\n', '\r']) {
            return Err(NotACollection {
                offset: None,
                message: "a value of several lines cannot be written into a Bruno environment"
                    .into(),
            });
        }
        let nl = file.newline;
        let mut edits = Edits::default();
        match file.block("vars") {
            Some(b) => match b.get(name) {
                Some(p) => edits.replace(
                    Span {
                        start: p.value_span.start,
                        end: p.value_span.end,
                    },
                    value,
                ),
                None => {
                    let indent = crate::bru::indent(src, b);
                    edits.insert(b.body.end, format!("{indent}{name}: {value}{nl}"));
                }
            },
            None => {
                // After a blank line, when the file has anything.
                let lead = match src {
                    [] => String::new(),
                    [.., b'\n'] => nl.to_string(),
                    _ => format!("{nl}{nl}"),
                };
                edits.insert(
                    src.len(),
                    format!("{lead}vars {{{nl}  {name}: {value}{nl}}}{nl}"),
                );
            }
        }
        let edits = edits.sorted().map_err(|m| NotACollection {
            offset: None,
            message: m,
        })?;
        Ok(crate::splice::apply(src, &edits))
    }
}

/// Environment and globals files in YAML (Postman v12: `postman/environments/*.yaml`):
/// `name` and `values: [{key, value, enabled, type}]`, edited line by line.
pub mod yaml {
    use super::Scope;
    use crate::splice::Edits;
    use crate::yaml::edit::{self as yedit, holds, scalar};
    use crate::yaml::{self, Doc, Node, YamlError};

    /// Whether `path` names a YAML file.
    pub fn is_yaml(path: &std::path::Path) -> bool {
        path.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
    }

    /// Reads `bytes` as a YAML environment or globals file.
    pub fn read(bytes: &[u8]) -> Result<Doc, YamlError> {
        let doc = yaml::read(bytes)?;
        if doc.root.as_map().is_none() {
            return Err(YamlError {
                offset: doc.root.span.start,
                message: "expected a mapping with name: and values: (a Postman environment)".into(),
            });
        }
        if doc.root.get("$kind").is_some() {
            return Err(YamlError {
                offset: doc.root.span.start,
                message: "this is a v3 collection file, not an environment; pass the \
                          environment (or let the tool create one)"
                    .into(),
            });
        }
        match doc.root.get("values") {
            None => Ok(doc),
            Some(v) if v.as_seq().is_some() || v.is_null() => Ok(doc),
            Some(v) => Err(YamlError {
                offset: v.span.start,
                message: "values: is not a list of variables".into(),
            }),
        }
    }

    /// A new YAML file holding only `name` = `value`.
    pub fn create(scope: Scope, name: &str, value: &str) -> Vec<u8> {
        let title = match scope {
            Scope::Environment => "postman-cognito",
            Scope::Globals => "Globals",
        };
        format!(
            "name: {title}\nvalues:\n  - key: {}\n    value: {}\n    enabled: true\n    type: \
             secret\n",
            scalar(name),
            scalar(value)
        )
        .into_bytes()
    }

    /// The new content that sets `name` to `value` (type `secret`, enabled).
    pub fn with_variable(
        existing: Option<(&[u8], &Doc)>,
        scope: Scope,
        name: &str,
        value: &str,
    ) -> Result<Vec<u8>, YamlError> {
        let Some((src, doc)) = existing else {
            return Ok(create(scope, name, value));
        };
        if doc.root.get("values").is_none()
            && let Some(vars) = doc.root.entry("variables")
        {
            return bruno_variable(src, doc, vars, name, value);
        }
        let mut edits = Edits::default();
        let nl = doc.newline;
        let unit = yedit::indent_unit(src, &doc.root);
        let fresh = |indent: &str| {
            vec![
                format!("{indent}- key: {}", scalar(name)),
                format!("{indent}  value: {}", scalar(value)),
                format!("{indent}  enabled: true"),
                format!("{indent}  type: secret"),
            ]
        };
        match doc.root.entry("values") {
            None => {
                let mut lines = vec!["values:".to_string()];
                lines.extend(fresh(&unit));
                yedit::append_entries(src, &doc.root, &lines, nl, &mut edits)?;
            }
            Some(e) if e.value.as_seq().is_none_or(<[Node]>::is_empty) => {
                let lines: Vec<String> = fresh("").into_iter().collect();
                yedit::replace_value(src, e, &lines, &unit, nl, &mut edits)?;
            }
            Some(e) => {
                let items = e.value.as_seq().unwrap_or_default();
                match items
                    .iter()
                    .find(|i| i.get("key").and_then(Node::as_str) == Some(name))
                {
                    None => {
                        let item: Vec<String> = fresh("")
                            .into_iter()
                            .map(|l| l.trim_start_matches("- ").trim_start().to_string())
                            .collect();
                        yedit::append_items(src, e, &[item], nl, &mut edits)?;
                    }
                    Some(item) => {
                        let value_json = serde_json::to_string(value).expect("a string");
                        let mut missing = Vec::new();
                        for (k, want, json) in [
                            ("value", scalar(value), value_json.as_str()),
                            ("enabled", "true".into(), "true"),
                            ("type", "secret".into(), "\"secret\""),
                        ] {
                            match item.entry(k) {
                                Some(e) if holds(&e.value, json) => {}
                                Some(e) => yedit::set_value(src, e, &want, &mut edits)?,
                                None => missing.push(format!("{k}: {want}")),
                            }
                        }
                        if !missing.is_empty() {
                            yedit::append_entries(src, item, &missing, nl, &mut edits)?;
                        }
                    }
                }
            }
        }
        let edits = edits.sorted().map_err(|m| YamlError {
            offset: 0,
            message: m,
        })?;
        Ok(crate::json::edit::apply(src, &edits))
    }

    /// A Bruno environment in YAML (`variables: [{name, value, secret}]`) with `name` set to
    /// `value`; a variable it keeps secret (`secret: true`: Bruno keeps its value out of the
    /// file) is refused.
    fn bruno_variable(
        src: &[u8],
        doc: &Doc,
        vars: &crate::yaml::Entry,
        name: &str,
        value: &str,
    ) -> Result<Vec<u8>, YamlError> {
        let mut edits = Edits::default();
        let items = vars.value.as_seq().unwrap_or_default();
        let item = items
            .iter()
            .find(|i| i.get("name").and_then(Node::as_str) == Some(name));
        match item {
            Some(i) if i.get("secret").and_then(Node::as_str) == Some("true") => {
                return Err(YamlError {
                    offset: i.span.start,
                    message: format!(
                        "{name} is a secret of this Bruno environment (secret: true), whose \
                         value Bruno keeps out of the file; postman-cognito writes none there \
                         either: hand the token to `bru run` with `postman-cognito exec`"
                    ),
                });
            }
            Some(i) => match i.entry("value") {
                Some(e) => yedit::set_value(src, e, &scalar(value), &mut edits)?,
                None => yedit::append_entries(
                    src,
                    i,
                    &[format!("value: {}", scalar(value))],
                    doc.newline,
                    &mut edits,
                )?,
            },
            None if items.is_empty() => {
                let unit = yedit::indent_unit(src, &doc.root);
                let lines = vec![
                    format!("- name: {}", scalar(name)),
                    format!("  value: {}", scalar(value)),
                ];
                yedit::replace_value(src, vars, &lines, &unit, doc.newline, &mut edits)?;
            }
            None => {
                let item = vec![
                    format!("name: {}", scalar(name)),
                    format!("value: {}", scalar(value)),
                ];
                yedit::append_items(src, vars, &[item], doc.newline, &mut edits)?;
            }
        }
        let edits = edits.sorted().map_err(|m| YamlError {
            offset: 0,
            message: m,
        })?;
        Ok(crate::json::edit::apply(src, &edits))
    }

    /// The variables of a YAML environment, for merging: (key, value, enabled).
    pub fn variables(doc: &Doc) -> Vec<(String, String, bool)> {
        doc.root
            .get("values")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|i| {
                let key = i.get("key")?.as_str()?.to_string();
                let value = i
                    .get("value")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_string();
                let enabled = i.get("enabled").and_then(Node::as_str) != Some("false");
                Some((key, value, enabled))
            })
            .collect()
    }
}

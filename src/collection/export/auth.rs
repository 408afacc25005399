//! A JSON export's collection-level auth block: make it OAuth 2.0 holding the token, in the params shape
//! of the file (v2.1 `[{key, value, type}]`, v2.0 `{key: value}`), touching only what must change.

use super::{Collection, NotACollection, Version};
use crate::json::edit::{
    self, Edits, NewValue, Style, append_elements, delete_entries, insert_members, json_string,
};
use crate::json::scan::{Array, Node, Object};

pub use crate::collection::TokenAuth as RootAuth;

/// What the root auth was before, for the report: "oauth2", "bearer", "none" (no auth key)...
pub type PreviousType = String;

/// Adds to `edits` what makes the root auth OAuth 2.0 with the token.
pub fn patch_root(
    src: &[u8],
    coll: &Collection,
    style: &Style,
    want: &RootAuth,
    edits: &mut Edits,
) -> Result<PreviousType, NotACollection> {
    let root = &coll.root;
    let Some(member) = root.member("auth") else {
        let block = new_auth_block(coll.version, want);
        insert_root_auth(src, root, style, block, edits);
        return Ok("none (no auth key)".into());
    };
    match &member.value {
        Node::Object(auth) => patch_auth_object(src, coll.version, style, auth, want, edits),
        Node::Other { span, kind } if *kind == crate::json::scan::Kind::Null => {
            let at = edit::line_indent(src, member.key_span.start);
            let text = style.render(&new_auth_block(coll.version, want), at);
            edits.replace(*span, text);
            Ok("null".into())
        }
        other => Err(NotACollection {
            offset: Some(other.span().start),
            message: format!(
                "the collection's \"auth\" is {}, expected an object such as \
                 {{\"type\": \"oauth2\", ...}}",
                other.kind().described()
            ),
        }),
    }
}

/// Adds to `edits` what makes the root auth `awsv4` with `want`'s params. An `awsv4` block
/// whose params already hold these values is left as it is; any other auth is replaced whole
/// (the credentials of another auth type are of no use to SigV4), and a missing one added.
pub fn patch_root_awsv4(
    src: &[u8],
    coll: &Collection,
    style: &Style,
    want: &crate::collection::AwsV4Auth,
    edits: &mut Edits,
) -> Result<PreviousType, NotACollection> {
    let params: Vec<(String, String)> = want
        .params()
        .into_iter()
        .map(|(k, v)| (k.to_string(), json_string(&v)))
        .collect();
    let block = auth_block(coll.version, "awsv4", &params);
    let root = &coll.root;
    let Some(member) = root.member("auth") else {
        insert_root_auth(src, root, style, block, edits);
        return Ok("none (no auth key)".into());
    };
    let previous = match &member.value {
        Node::Object(o) => o
            .get("type")
            .and_then(Node::as_str)
            .unwrap_or("none (no type)")
            .to_string(),
        other => other.kind().described().to_string(),
    };
    if let Node::Object(o) = &member.value
        && previous == "awsv4"
        && want.params().iter().all(|(k, v)| {
            super::auth_param(o, "awsv4", k).and_then(Node::as_str) == Some(v.as_str())
        })
    {
        return Ok(previous);
    }
    let at = edit::line_indent(src, member.key_span.start);
    edits.replace(member.value.span(), style.render(&block, at));
    Ok(previous)
}

/// Puts a new `auth` member after `item` (where the Postman app writes it), else at the end.
fn insert_root_auth(src: &[u8], root: &Object, style: &Style, block: NewValue, edits: &mut Edits) {
    let new = [("auth".to_string(), block)];
    match root.index_of("item") {
        Some(i) if i + 1 < root.members.len() => {
            // Insert between `item` and the next member, with the separator the file uses
            // there (`,\n  `, ` ,\n  `, or a comma-first `\n, `), so the layout stays its own.
            let next = &root.members[i + 1];
            let sep =
                std::str::from_utf8(&src[root.members[i].value.span().end..next.key_span.start])
                    .unwrap_or(", ");
            let colon = std::str::from_utf8(&src[next.key_span.end..next.value.span().start])
                .unwrap_or(": ");
            let at = edit::line_indent(src, next.key_span.start);
            let text = format!(
                "{}{colon}{}{sep}",
                json_string("auth"),
                style.render(&new[0].1, at)
            );
            edits.insert(next.key_span.start, text);
        }
        _ => insert_members(edits, src, style, root, &new, false),
    }
}

fn new_auth_block(version: Version, want: &RootAuth) -> NewValue {
    auth_block(version, "oauth2", &wanted_params(want))
}

/// An auth object of type `ty` with `params` ((key, JSON text of the value)), in the params
/// shape of `version`.
pub(crate) fn auth_block(version: Version, ty: &str, params: &[(String, String)]) -> NewValue {
    NewValue::Object(vec![
        ("type".into(), NewValue::str(ty)),
        (ty.into(), new_params(version, params)),
    ])
}

/// The params a fresh block gets, in the order the Postman app writes them.
/// (key, JSON text of the value).
pub(crate) fn wanted_params(want: &RootAuth) -> Vec<(String, String)> {
    let mut v = vec![
        ("accessToken".to_string(), json_string(want.token)),
        ("tokenType".to_string(), json_string("Bearer")),
        ("addTokenTo".to_string(), json_string("header")),
    ];
    if let Some(p) = want.header_prefix {
        v.push(("headerPrefix".to_string(), json_string(p)));
    }
    v.extend(want.extra.iter().cloned());
    v
}

fn new_params(version: Version, params: &[(String, String)]) -> NewValue {
    match version {
        Version::V2_1 => NewValue::Array(params.iter().map(|(k, v)| list_entry(k, v)).collect()),
        Version::V2_0 => NewValue::Object(
            params
                .iter()
                .map(|(k, v)| (k.clone(), NewValue::Raw(v.clone())))
                .collect(),
        ),
    }
}

/// A v2.1 entry; `value` is JSON text.
fn list_entry(key: &str, value: &str) -> NewValue {
    NewValue::Object(vec![
        ("key".into(), NewValue::str(key)),
        ("value".into(), NewValue::Raw(value.to_string())),
        (
            "type".into(),
            NewValue::str(if value.starts_with('"') {
                "string"
            } else {
                "boolean"
            }),
        ),
    ])
}

/// Whether `node` already holds the JSON value `json` (strings compared decoded).
fn holds(src: &[u8], node: &Node, json: &str) -> bool {
    if json.starts_with('"') {
        serde_json::from_str::<String>(json).ok().as_deref() == node.as_str()
    } else {
        let span = node.span();
        &src[span.start..span.end] == json.as_bytes()
    }
}

fn patch_auth_object(
    src: &[u8],
    version: Version,
    style: &Style,
    auth: &Object,
    want: &RootAuth,
    edits: &mut Edits,
) -> Result<PreviousType, NotACollection> {
    let previous = match auth.get("type") {
        None => "none (no type)".to_string(),
        Some(t) => t.as_str().map_or_else(|| "null".into(), str::to_string),
    };
    // Members to add before the others (`type`, where the app writes it) and after them.
    let mut front = Vec::new();
    let mut back = Vec::new();
    match auth.get("type") {
        Some(Node::String(s)) if s.text == "oauth2" => {}
        Some(t) => edits.replace(t.span(), json_string("oauth2")),
        None => front.push(("type".to_string(), NewValue::str("oauth2"))),
    }
    if auth.get("oauth2").is_none() {
        back.push((
            "oauth2".to_string(),
            new_params(version, &wanted_params(want)),
        ));
    }
    if auth.members.is_empty() {
        // `{}`: one edit writes the whole object.
        front.append(&mut back);
        insert_members(edits, src, style, auth, &front, false);
    } else {
        insert_members(edits, src, style, auth, &front, true);
        insert_members(edits, src, style, auth, &back, false);
    }
    match auth.get("oauth2") {
        None => {}
        Some(Node::Array(list)) => {
            Params::List(list).patch(src, style, want, edits);
        }
        Some(Node::Object(map)) => {
            Params::Map(map).patch(src, style, want, edits);
        }
        Some(other) if other.kind() == crate::json::scan::Kind::Null => {
            let at = edit::line_indent(src, other.span().start);
            let text = style.render(&new_params(version, &wanted_params(want)), at);
            edits.replace(other.span(), text);
        }
        Some(other) => {
            return Err(NotACollection {
                offset: Some(other.span().start),
                message: format!(
                    "the collection's \"auth.oauth2\" is {}, expected {}",
                    other.kind().described(),
                    match version {
                        Version::V2_1 => "an array of {\"key\", \"value\"} entries",
                        Version::V2_0 => "an object of settings",
                    }
                ),
            });
        }
    }
    Ok(previous)
}

/// The oauth2 params in either shape.
enum Params<'a> {
    List(&'a Array),
    Map(&'a Object),
}

/// What one param must become.
enum Want<'a> {
    /// Exactly this value, duplicates collapsed into one.
    Exactly(&'a str),
    /// This value when absent, or when the value in force is not acceptable.
    Default(&'a str, fn(&Node) -> bool),
}

impl Params<'_> {
    fn patch(&self, src: &[u8], style: &Style, want: &RootAuth, edits: &mut Edits) {
        let token = json_string(want.token);
        let (bearer, header) = (json_string("Bearer"), json_string("header"));
        let prefix = want.header_prefix.map(json_string);
        let mut wants: Vec<(&str, Want)> = vec![
            ("accessToken", Want::Exactly(&token)),
            (
                "tokenType",
                Want::Default(&bearer, |n| n.as_str().is_some()),
            ),
            (
                "addTokenTo",
                Want::Default(&header, |n| {
                    matches!(n.as_str(), Some("header" | "queryParams"))
                }),
            ),
        ];
        if let Some(p) = &prefix {
            wants.push(("headerPrefix", Want::Exactly(p)));
        }
        for (k, v) in want.extra {
            wants.push((k.as_str(), Want::Exactly(v)));
        }
        let mut missing: Vec<(&str, &str)> = Vec::new();
        let mut remove: Vec<usize> = Vec::new();
        for (key, w) in &wants {
            let found = self.find(key);
            let value = match w {
                Want::Exactly(v) | Want::Default(v, _) => *v,
            };
            let Some(&(keep_at, _)) = found.first() else {
                missing.push((key, value));
                continue;
            };
            match w {
                Want::Exactly(v) => {
                    self.set(src, style, keep_at, v, edits);
                    remove.extend(found[1..].iter().map(|(i, _)| *i));
                }
                Want::Default(v, ok) => {
                    // The runtime uses the last entry: judge and fix that one.
                    let &(last_at, node) = found.last().expect("found is not empty");
                    if !node.is_some_and(ok) {
                        self.set(src, style, last_at, v, edits);
                    }
                }
            }
        }
        remove.sort_unstable();
        match self {
            Params::List(list) => {
                delete_entries(edits, list.span, &edit::element_spans(list), &remove);
                let new = missing
                    .iter()
                    .map(|(k, v)| template_entry(src, list, k, v))
                    .collect::<Vec<_>>();
                append_elements(edits, src, style, list, &new);
            }
            Params::Map(map) => {
                // A kept object has unique keys, so nothing was found twice.
                let new: Vec<(String, NewValue)> = missing
                    .iter()
                    .map(|(k, v)| (k.to_string(), NewValue::Raw(v.to_string())))
                    .collect();
                insert_members(edits, src, style, map, &new, false);
            }
        }
    }

    /// Indices of the entries for `key`, with their value node (if the entry has one).
    fn find(&self, key: &str) -> Vec<(usize, Option<&Node>)> {
        match self {
            Params::List(list) => list
                .elements
                .iter()
                .enumerate()
                .filter_map(|(i, e)| {
                    let o = e.as_object()?;
                    (o.get("key")?.as_str()? == key).then(|| (i, o.get("value")))
                })
                .collect(),
            Params::Map(map) => map
                .members
                .iter()
                .enumerate()
                .filter(|(_, m)| m.key == key)
                .map(|(i, m)| (i, Some(&m.value)))
                .collect(),
        }
    }

    /// Sets entry `at` to the JSON value `value`, unless it already is exactly that.
    fn set(&self, src: &[u8], style: &Style, at: usize, value: &str, edits: &mut Edits) {
        let (entry_obj, node) = match self {
            Params::List(list) => {
                let Some(o) = list.elements[at].as_object() else {
                    return;
                };
                (Some(o), o.get("value"))
            }
            Params::Map(map) => (None, Some(&map.members[at].value)),
        };
        match (node, entry_obj) {
            (Some(n), _) if holds(src, n, value) => {}
            (Some(n), _) => edits.replace(n.span(), value.to_string()),
            (None, Some(o)) => insert_members(
                edits,
                src,
                style,
                o,
                &[("value".into(), NewValue::Raw(value.to_string()))],
                false,
            ),
            (None, None) => {}
        }
    }
}

/// A new list entry laid out exactly like the last entry when that one is a plain
/// `{key, value, type}` object; otherwise rendered in the document's style.
fn template_entry(src: &[u8], list: &Array, key: &str, value: &str) -> NewValue {
    let plain = list.elements.last().and_then(Node::as_object).filter(|o| {
        o.members.len() == 3
            && ["key", "value", "type"]
                .iter()
                .zip(&o.members)
                .all(|(k, m)| m.key == *k && m.value.as_str().is_some())
    });
    let Some(o) = plain.filter(|_| value.starts_with('"')) else {
        return list_entry(key, value);
    };
    let mut e = Edits::default();
    let base = o.span.start;
    let shift = |n: &Node| {
        let s = n.span();
        crate::json::scan::Span {
            start: s.start - base,
            end: s.end - base,
        }
    };
    e.replace(shift(&o.members[0].value), json_string(key));
    e.replace(shift(&o.members[1].value), value.to_string());
    e.replace(shift(&o.members[2].value), json_string("string"));
    let sorted = e.sorted().unwrap_or_default();
    let bytes = edit::apply(&src[o.span.start..o.span.end], &sorted);
    NewValue::Raw(String::from_utf8(bytes).unwrap_or_else(|_| String::from("{}")))
}

//! `--keep` JSONPath expressions (RFC 9535, evaluated by jsonpath-rust) turned into the set
//! of folders and requests to leave alone, and `--assign` patterns (name paths, or the same
//! JSONPath form) turned into the folders and requests that send an identity's variable.

use std::collections::{HashMap, HashSet};

use jsonpath_rust::JsonPath;

/// `--assign PATTERN=VARIABLE`: the folders or requests `pattern` names send `{{variable}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assign {
    pub pattern: String,
    pub variable: String,
}

/// Item positions (indices through nested `item` arrays): the ones whose subtree is left
/// alone, and the ones assigned an identity's variable.
#[derive(Debug, Default, Clone)]
pub struct KeepSet {
    kept: HashSet<Vec<usize>>,
    assigned: HashMap<Vec<usize>, String>,
}

impl KeepSet {
    /// Nothing kept, nothing assigned.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the item at `index` is left alone, with everything under it.
    pub fn contains(&self, index: &[usize]) -> bool {
        self.kept.contains(index)
    }

    /// The variable the item at `index` is made to send, if it is assigned one.
    pub fn assigned(&self, index: &[usize]) -> Option<&str> {
        self.assigned.get(index).map(String::as_str)
    }

    /// Whether any item is assigned a variable.
    pub fn assigns(&self) -> bool {
        !self.assigned.is_empty()
    }
}

/// What the paths matched in one collection.
#[derive(Debug, Default)]
pub struct Resolved {
    pub set: KeepSet,
    /// For each path, how many folders or requests it matched here.
    pub matched: Vec<usize>,
    /// For each assignment, how many folders or requests it matched here.
    pub assign_matched: Vec<usize>,
}

/// Why `--keep` could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeepError {
    /// The expression does not parse.
    Syntax { path: String, message: String },
    /// The expression selects the collection itself, whose auth is the point of the run.
    Root { path: String },
    /// The document could not be read as JSON for path evaluation.
    Document(String),
    /// An assignment that cannot be made (a bad pattern, the whole collection, two variables
    /// for one item, an item `--keep` leaves alone).
    Assign { pattern: String, message: String },
}

/// Evaluates `paths` and `assigns` against the collection in `bytes` (already known to be
/// valid JSON).
pub fn resolve(bytes: &[u8], paths: &[String], assigns: &[Assign]) -> Result<Resolved, KeepError> {
    if paths.is_empty() && assigns.is_empty() {
        return Ok(Resolved::default());
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut de = serde_json::Deserializer::from_slice(text);
    de.disable_recursion_limit();
    let doc: serde_json::Value =
        serde::Deserialize::deserialize(&mut de).map_err(|e| KeepError::Document(e.to_string()))?;
    // The Postman API's wrapper: paths are read in the collection it holds.
    if doc.get("info").is_none()
        && let Some(inner) = doc.get("collection").filter(|c| c.get("info").is_some())
    {
        return resolve_value(inner, paths, assigns);
    }
    resolve_value(&doc, paths, assigns)
}

/// Evaluates `paths` and `assigns` against a collection already read as a JSON value (a v3
/// tree's logical form included).
pub fn resolve_value(
    doc: &serde_json::Value,
    paths: &[String],
    assigns: &[Assign],
) -> Result<Resolved, KeepError> {
    let mut out = resolve_keep(doc, paths)?;
    for a in assigns {
        let refuse = |message: String| KeepError::Assign {
            pattern: a.pattern.clone(),
            message,
        };
        let found = if a.pattern.starts_with('$') {
            let found = doc
                .query_only_path(&a.pattern)
                .map_err(|e| refuse(format!("not a valid JSONPath: {e}")))?;
            let mut items = Vec::new();
            for normalized in found {
                let segments = segments(&normalized);
                if segments.is_empty() {
                    return Err(refuse("selects the whole collection".into()));
                }
                items.extend(item_index(&segments));
            }
            items
        } else {
            by_names(doc, &a.pattern).map_err(refuse)?
        };
        out.assign_matched.push(found.len());
        for index in found {
            if (1..=index.len()).any(|n| out.set.kept.contains(&index[..n])) {
                return Err(refuse(format!(
                    "names {}, which --keep leaves as it is",
                    place(doc, &index)
                )));
            }
            match out.set.assigned.get(&index) {
                Some(v) if *v != a.variable => {
                    return Err(refuse(format!(
                        "gives {} {{{{{}}}}}, and another assignment gives it {{{{{v}}}}}",
                        place(doc, &index),
                        a.variable
                    )));
                }
                _ => {
                    out.set.assigned.insert(index, a.variable.clone());
                }
            }
        }
    }
    Ok(out)
}

/// The folders or requests a name path selects: names from the top, `/` between them, `*` for
/// any one name, `**` for any names (none included); a trailing `/**` names the folder itself,
/// everything under it inheriting its auth.
fn by_names(doc: &serde_json::Value, pattern: &str) -> Result<Vec<Vec<usize>>, String> {
    let trimmed = pattern.strip_suffix("/**").unwrap_or(pattern);
    let parts: Vec<&str> = trimmed.split('/').collect();
    if trimmed.is_empty() || parts.iter().any(|p| p.is_empty()) || trimmed == "**" {
        return Err(
            "is not a name path: write folder names from the top, with / between them (Admin, \
             Admin/Reports, **/Admin), or a JSONPath ($..item[?(@.name == 'Admin')])"
                .into(),
        );
    }
    let mut found = Vec::new();
    walk_names(doc, &parts, &mut Vec::new(), &mut found);
    found.sort();
    found.dedup();
    Ok(found)
}

fn walk_names(
    node: &serde_json::Value,
    parts: &[&str],
    index: &mut Vec<usize>,
    found: &mut Vec<Vec<usize>>,
) {
    let Some((first, rest)) = parts.split_first() else {
        found.push(index.clone());
        return;
    };
    let items = node.get("item").and_then(serde_json::Value::as_array);
    if *first == "**" {
        // None skipped, or one more level.
        walk_names(node, rest, index, found);
        for (i, item) in items.into_iter().flatten().enumerate() {
            index.push(i);
            walk_names(item, parts, index, found);
            index.pop();
        }
        return;
    }
    for (i, item) in items.into_iter().flatten().enumerate() {
        let name = item.get("name").and_then(serde_json::Value::as_str);
        if *first == "*" || name == Some(*first) {
            index.push(i);
            walk_names(item, rest, index, found);
            index.pop();
        }
    }
}

/// The folder or request at `index`, by its names (`Admin / Reports`).
fn place(doc: &serde_json::Value, index: &[usize]) -> String {
    let mut node = doc;
    let mut names = Vec::new();
    for i in index {
        node = &node["item"][*i];
        names.push(node["name"].as_str().unwrap_or("(unnamed)").to_string());
    }
    names.join(" / ")
}

fn resolve_keep(doc: &serde_json::Value, paths: &[String]) -> Result<Resolved, KeepError> {
    let mut out = Resolved::default();
    for path in paths {
        let found = doc.query_only_path(path).map_err(|e| KeepError::Syntax {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let mut count = 0;
        for normalized in found {
            let segments = segments(&normalized);
            if segments.is_empty() {
                return Err(KeepError::Root { path: path.clone() });
            }
            if let Some(index) = item_index(&segments) {
                out.set.kept.insert(index);
                count += 1;
            }
        }
        out.matched.push(count);
    }
    Ok(out)
}

#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// Splits a normalized path such as `$['item'][0]['name']` into its segments.
fn segments(path: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut chars = path.trim_start_matches('$').chars().peekable();
    while chars.next() == Some('[') {
        if chars.peek() == Some(&'\'') {
            chars.next();
            let mut key = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            key.push(n);
                        }
                    }
                    '\'' => break,
                    c => key.push(c),
                }
            }
            out.push(Segment::Key(key));
            chars.next(); // ']'
        } else {
            let digits: String = chars.by_ref().take_while(|c| *c != ']').collect();
            match digits.parse() {
                Ok(n) => out.push(Segment::Index(n)),
                Err(_) => return out,
            }
        }
    }
    out
}

/// The index path of the deepest folder or request a match is in, if it is in one.
fn item_index(segments: &[Segment]) -> Option<Vec<usize>> {
    let mut index = Vec::new();
    let mut rest = segments;
    while let [Segment::Key(k), Segment::Index(i), tail @ ..] = rest {
        if k != "item" {
            break;
        }
        index.push(*i);
        rest = tail;
    }
    (!index.is_empty()).then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"info": {}, "item": [
        {"name": "Auth", "item": [{"name": "Get token", "request": {}}]},
        {"name": "Users", "request": {"auth": {"type": "basic"}}}
    ]}"#;

    #[test]
    fn matches_map_to_item_positions() {
        let r = resolve(
            DOC.as_bytes(),
            &[
                "$..item[?(@.name == 'Get token')]".into(),
                "$.item[1].request.auth".into(),
                "$.info".into(),
                "$..item[?(@.name == 'Nope')]".into(),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(r.matched, vec![1, 1, 0, 0]);
        assert!(r.set.contains(&[0, 0]));
        assert!(r.set.contains(&[1]));
        assert_eq!(r.set.kept.len(), 2);
    }

    #[test]
    fn root_and_syntax_errors() {
        assert!(matches!(
            resolve(DOC.as_bytes(), &["$".into()], &[]),
            Err(KeepError::Root { .. })
        ));
        assert!(matches!(
            resolve(DOC.as_bytes(), &["$.item[".into()], &[]),
            Err(KeepError::Syntax { .. })
        ));
    }

    fn assign(pattern: &str, variable: &str) -> Assign {
        Assign {
            pattern: pattern.into(),
            variable: variable.into(),
        }
    }

    #[test]
    fn name_paths_select_items_from_the_top() {
        let at = |pattern: &str| {
            let r = resolve(DOC.as_bytes(), &[], &[assign(pattern, "t")]).unwrap();
            let mut v: Vec<Vec<usize>> = r.set.assigned.into_keys().collect();
            v.sort();
            v
        };
        assert_eq!(at("Auth"), vec![vec![0]]);
        assert_eq!(at("Auth/**"), vec![vec![0]]);
        assert_eq!(at("Auth/Get token"), vec![vec![0, 0]]);
        assert_eq!(at("*/Get token"), vec![vec![0, 0]]);
        assert_eq!(at("**/Get token"), vec![vec![0, 0]]);
        assert_eq!(at("Get token"), Vec::<Vec<usize>>::new());
        assert_eq!(at("$..item[?(@.name == 'Users')]"), vec![vec![1]]);
        for bad in ["", "/Auth", "Auth//x", "**", "$"] {
            assert!(
                matches!(
                    resolve(DOC.as_bytes(), &[], &[assign(bad, "t")]),
                    Err(KeepError::Assign { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn two_variables_for_one_item_or_an_assignment_under_keep_are_refused() {
        let two = [assign("Auth", "a"), assign("$.item[0]", "b")];
        assert!(matches!(
            resolve(DOC.as_bytes(), &[], &two),
            Err(KeepError::Assign { .. })
        ));
        let same = [assign("Auth", "a"), assign("$.item[0]", "a")];
        assert!(resolve(DOC.as_bytes(), &[], &same).is_ok());
        assert!(matches!(
            resolve(
                DOC.as_bytes(),
                &["$.item[0]".into()],
                &[assign("Auth/*", "a")]
            ),
            Err(KeepError::Assign { .. })
        ));
    }

    #[test]
    fn quoted_keys_parse() {
        assert_eq!(
            segments(r"$['it\'em'][3]"),
            vec![Segment::Key("it'em".into()), Segment::Index(3)]
        );
    }
}

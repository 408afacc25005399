//! `--keep` JSONPath expressions (RFC 9535, evaluated by jsonpath-rust) turned into the set
//! of folders and requests to leave alone.

use std::collections::HashSet;

use jsonpath_rust::JsonPath;

/// Item positions (indices through nested `item` arrays) whose subtree is left alone.
pub type KeepSet = HashSet<Vec<usize>>;

/// What the paths matched in one collection.
#[derive(Debug, Default)]
pub struct Resolved {
    pub set: KeepSet,
    /// For each path, how many folders or requests it matched here.
    pub matched: Vec<usize>,
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
}

/// Evaluates `paths` against the collection in `bytes` (already known to be valid JSON).
pub fn resolve(bytes: &[u8], paths: &[String]) -> Result<Resolved, KeepError> {
    let out = Resolved::default();
    if paths.is_empty() {
        return Ok(out);
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut de = serde_json::Deserializer::from_slice(text);
    de.disable_recursion_limit();
    let doc: serde_json::Value =
        serde::Deserialize::deserialize(&mut de).map_err(|e| KeepError::Document(e.to_string()))?;
    resolve_value(&doc, paths)
}

/// Evaluates `paths` against a collection already read as a JSON value (a v3 tree's logical
/// form included).
pub fn resolve_value(doc: &serde_json::Value, paths: &[String]) -> Result<Resolved, KeepError> {
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
                out.set.insert(index);
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
        )
        .unwrap();
        assert_eq!(r.matched, vec![1, 1, 0, 0]);
        assert!(r.set.contains(&vec![0, 0]));
        assert!(r.set.contains(&vec![1]));
        assert_eq!(r.set.len(), 2);
    }

    #[test]
    fn root_and_syntax_errors() {
        assert!(matches!(
            resolve(DOC.as_bytes(), &["$".into()]),
            Err(KeepError::Root { .. })
        ));
        assert!(matches!(
            resolve(DOC.as_bytes(), &["$.item[".into()]),
            Err(KeepError::Syntax { .. })
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

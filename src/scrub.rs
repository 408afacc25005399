//! Live tokens out of files meant for git: every `accessToken` (oauth2) or `token` (bearer)
//! value that is a JWT, in any auth block of a collection (the collection's, folders',
//! requests', and the copies in saved responses), and every JWT value in an environment or
//! globals file, is emptied or replaced by a `{{variable}}` reference. Byte-exact.

use crate::json::edit::{Edit, Edits, json_string};
use crate::json::scan::{Node, Object};

/// One live token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where: a JSONPath-like location such as `$.item[2].request.auth.bearer[0].value`.
    pub place: String,
    /// Byte offset of the value.
    pub offset: usize,
}

/// Whether `s` is a JWT (three base64url parts, a JSON header), not a `{{variable}}`.
pub fn is_jwt(s: &str) -> bool {
    let s = s.trim();
    s.starts_with("eyJ") && s.matches('.').count() == 2 && crate::jwt::claims(s).is_ok()
}

/// Finds the tokens in a collection (any auth object anywhere) and the edits replacing them
/// with `replacement` (`""` or `{{NAME}}`).
pub fn collection(root: &Node, replacement: &str) -> (Vec<Found>, Vec<Edit>) {
    let mut w = Walk {
        found: Vec::new(),
        edits: Edits::default(),
        replacement,
    };
    w.node(root, "$".to_string());
    (w.found, w.edits.sorted().unwrap_or_default())
}

/// Finds the JWT values of an environment or globals file and the edits emptying them.
pub fn environment(root: &Object) -> (Vec<Found>, Vec<Edit>) {
    let mut found = Vec::new();
    let mut edits = Edits::default();
    if let Some(values) = root.get("values").and_then(Node::as_array) {
        for (i, e) in values.elements.iter().enumerate() {
            if let Some(v) = e.as_object().and_then(|o| o.get("value"))
                && v.as_str().is_some_and(is_jwt)
            {
                found.push(Found {
                    place: format!("$.values[{i}].value"),
                    offset: v.span().start,
                });
                edits.replace(v.span(), "\"\"");
            }
        }
    }
    (found, edits.sorted().unwrap_or_default())
}

struct Walk<'a> {
    found: Vec<Found>,
    edits: Edits,
    replacement: &'a str,
}

impl Walk<'_> {
    fn node(&mut self, n: &Node, at: String) {
        match n {
            Node::Object(o) => {
                if o.get("type").is_some() {
                    self.auth(o, &at);
                }
                for m in &o.members {
                    self.node(&m.value, format!("{at}.{}", m.key));
                }
            }
            Node::Array(a) => {
                for (i, e) in a.elements.iter().enumerate() {
                    self.node(e, format!("{at}[{i}]"));
                }
            }
            _ => {}
        }
    }

    /// An auth-shaped object: its bearer `token` and oauth2 `accessToken` params.
    fn auth(&mut self, o: &Object, at: &str) {
        for (ty, key) in [("bearer", "token"), ("oauth2", "accessToken")] {
            match o.get(ty) {
                Some(Node::Array(list)) => {
                    for (i, e) in list.elements.iter().enumerate() {
                        let Some(entry) = e.as_object() else { continue };
                        if entry.get("key").and_then(Node::as_str) == Some(key)
                            && let Some(v) = entry.get("value")
                        {
                            self.value(v, format!("{at}.{ty}[{i}].value"));
                        }
                    }
                }
                Some(Node::Object(map)) => {
                    if let Some(v) = map.get(key) {
                        self.value(v, format!("{at}.{ty}.{key}"));
                    }
                }
                _ => {}
            }
        }
    }

    fn value(&mut self, v: &Node, place: String) {
        if v.as_str().is_some_and(is_jwt) {
            self.found.push(Found {
                place,
                offset: v.span().start,
            });
            self.edits.replace(v.span(), json_string(self.replacement));
        }
    }
}

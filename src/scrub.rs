//! Live tokens out of files meant for git: every JWT in a Postman collection, environment or
//! globals file, wherever it is: auth blocks (the collection's, folders', requests', and the
//! copies in saved responses), variables, headers, `oauth2` params such as `refreshToken` or
//! `id_token`, environment values, and JWTs inside longer strings (a `Bearer eyJ…` header, a
//! saved login response's body). A string that is a JWT is replaced by `""` or a
//! `{{variable}}` reference; a JWT inside a longer string by the same text. Byte-exact.

use crate::json::edit::{Edit, Edits, json_string};
use crate::json::scan::{Node, Object, Span};

/// One live token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where: a JSONPath-like location such as `$.item[2].request.auth.bearer[0].value`.
    pub place: String,
    /// Byte offset of the token.
    pub offset: usize,
}

/// Whether `s` is a JWT (three base64url parts, a JSON header), not a `{{variable}}`.
pub fn is_jwt(s: &str) -> bool {
    let s = s.trim();
    s.starts_with("eyJ") && s.matches('.').count() == 2 && crate::jwt::claims(s).is_ok()
}

/// Finds the tokens in the file `src` whose top-level object is `root`, and the edits that
/// replace them with `replacement` (`""` or `{{NAME}}`).
pub fn find(src: &[u8], root: &Object, replacement: &str) -> (Vec<Found>, Vec<Edit>) {
    let quoted = json_string(replacement);
    let mut w = Walk {
        src,
        found: Vec::new(),
        edits: Edits::default(),
        whole: quoted.clone(),
        inner: quoted[1..quoted.len() - 1].to_string(),
    };
    w.object(root, "$");
    (w.found, w.edits.sorted().unwrap_or_default())
}

struct Walk<'a> {
    src: &'a [u8],
    found: Vec<Found>,
    edits: Edits,
    /// The replacement of a whole string, as JSON text.
    whole: String,
    /// The replacement of a JWT inside a string, as JSON string content.
    inner: String,
}

impl Walk<'_> {
    fn object(&mut self, o: &Object, at: &str) {
        for m in &o.members {
            self.node(&m.value, format!("{at}.{}", m.key));
        }
    }

    fn node(&mut self, n: &Node, at: String) {
        match n {
            Node::Object(o) => self.object(o, &at),
            Node::Array(a) => {
                for (i, e) in a.elements.iter().enumerate() {
                    self.node(e, format!("{at}[{i}]"));
                }
            }
            Node::String(_) => self.string(n, at),
            _ => {}
        }
    }

    fn string(&mut self, n: &Node, place: String) {
        let span = n.span();
        if n.as_str().is_some_and(is_jwt) {
            self.found.push(Found {
                place,
                offset: span.start,
            });
            self.edits.replace(span, self.whole.clone());
            return;
        }
        // JWTs inside a longer string: the raw text between the quotes (a JWT needs no escape).
        let body = &self.src[span.start + 1..span.end - 1];
        for r in crate::redact::jwt_spans(body) {
            let text = std::str::from_utf8(&body[r.clone()]).unwrap_or_default();
            if crate::jwt::claims(text).is_err() {
                continue;
            }
            let at = span.start + 1;
            self.found.push(Found {
                place: place.clone(),
                offset: at + r.start,
            });
            self.edits.replace(
                Span {
                    start: at + r.start,
                    end: at + r.end,
                },
                self.inner.clone(),
            );
        }
    }
}

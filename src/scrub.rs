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

/// The same search in a YAML file (a v3 collection's files, a YAML environment): every scalar
/// that is a JWT becomes `replacement` (quoted: `"{{token}}"` or `""`), a JWT inside a longer
/// scalar the replacement's text; a plain scalar that would start with `{` is quoted. Block
/// scalars (`|`, `>`) have the JWT replaced inside them.
pub fn find_yaml(
    src: &[u8],
    root: &crate::yaml::Node,
    replacement: &str,
) -> (Vec<Found>, Vec<Edit>) {
    use crate::yaml::{Style, Value};
    let mut found = Vec::new();
    let mut edits = Edits::default();
    let mut stack = vec![(root, "$".to_string())];
    while let Some((n, at)) = stack.pop() {
        match &n.value {
            Value::Map(m) => {
                for e in m.iter().rev() {
                    stack.push((&e.value, format!("{at}.{}", e.key.as_str().unwrap_or("?"))));
                }
            }
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push((item, format!("{at}[{i}]")));
                }
            }
            Value::Alias => {}
            Value::Scalar { text, style } => {
                if is_jwt(text) && !text.trim().contains(char::is_whitespace) {
                    found.push(Found {
                        place: at,
                        offset: n.span.start,
                    });
                    if *style == Style::Block {
                        replace_inside(src, n.span, replacement, &mut found, &mut edits, None);
                    } else {
                        edits.replace(n.span, json_string(replacement));
                    }
                    continue;
                }
                let raw = &src[n.span.start..n.span.end.min(src.len())];
                if crate::redact::jwt_spans(raw).is_empty() {
                    continue;
                }
                let starts = crate::redact::jwt_spans(raw)
                    .first()
                    .is_some_and(|r| raw[..r.start].iter().all(u8::is_ascii_whitespace));
                if *style == Style::Plain && starts && replacement.starts_with('{') {
                    // `eyJ… rest` as a plain scalar: quoted whole, with the JWT replaced.
                    let mut new = text.clone();
                    for r in crate::redact::jwt_spans(text.as_bytes()).iter().rev() {
                        if crate::jwt::claims(&text[r.clone()]).is_ok() {
                            new.replace_range(r.clone(), replacement);
                        }
                    }
                    found.push(Found {
                        place: at,
                        offset: n.span.start,
                    });
                    edits.replace(n.span, json_string(&new));
                } else {
                    replace_inside(src, n.span, replacement, &mut found, &mut edits, Some(at));
                }
            }
        }
    }
    found.sort_by_key(|f| f.offset);
    found.dedup_by_key(|f| f.offset);
    (found, edits.sorted().unwrap_or_default())
}

/// Replaces each JWT within `span` of `src` by `replacement`'s text, recording each when
/// `place` is given.
fn replace_inside(
    src: &[u8],
    span: Span,
    replacement: &str,
    found: &mut Vec<Found>,
    edits: &mut Edits,
    place: Option<String>,
) {
    let body = &src[span.start..span.end.min(src.len())];
    for r in crate::redact::jwt_spans(body) {
        let text = std::str::from_utf8(&body[r.clone()]).unwrap_or_default();
        if crate::jwt::claims(text).is_err() {
            continue;
        }
        if let Some(p) = &place {
            found.push(Found {
                place: p.clone(),
                offset: span.start + r.start,
            });
        }
        edits.replace(
            Span {
                start: span.start + r.start,
                end: span.start + r.end,
            },
            replacement.to_string(),
        );
    }
}

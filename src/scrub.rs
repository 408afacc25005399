//! Live tokens out of files meant for git: every token Cognito issues (id and access tokens,
//! which are JWTs; refresh tokens, which are encrypted JWTs of five parts) in a Postman
//! collection, environment or globals file, wherever it is: auth blocks (the collection's,
//! folders', requests', and the copies in saved responses), variables, headers, `oauth2` params
//! such as `refreshToken` or `id_token`, environment values, and tokens inside longer strings (a
//! `Bearer eyJ…` header, a saved login response's body), and the AWS temporary credentials an
//! identity pool gives (an `ASIA…` access key id, a session token). Strings are searched as they are
//! decoded, so a token written with `\u0065` escapes is found too. A string that is a token is
//! replaced by `""` or a `{{variable}}` reference; a token inside a longer string by the same
//! text. Byte-exact: only the strings that held a token change.

use crate::json::edit::{Edit, Edits, json_string};
use crate::json::scan::{Node, Object, Span};
use crate::redact::{Shape, TokenSpan, secret_spans};

/// One live token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where: a JSONPath-like location such as `$.item[2].request.auth.bearer[0].value`.
    pub place: String,
    /// Byte offset of the token (or of the string holding it).
    pub offset: usize,
}

/// Whether a token found by shape is live: a JWS whose payload holds claims, or a JWE (its
/// payload is encrypted, so its shape is all that can be judged: it is taken as live).
fn is_live(text: &str, span: &TokenSpan) -> bool {
    match span.shape {
        Shape::Jwe | Shape::AwsKeyId | Shape::AwsSessionToken => true,
        Shape::Jws => crate::jwt::claims(&text[span.range.clone()]).is_ok(),
    }
}

/// The live tokens in `text`.
pub fn live_tokens(text: &str) -> Vec<TokenSpan> {
    secret_spans(text.as_bytes())
        .into_iter()
        .filter(|s| is_live(text, s))
        .collect()
}

/// Whether `s` is one live token (white space around it aside), not a `{{variable}}`.
pub fn is_token(s: &str) -> bool {
    let t = s.trim();
    matches!(live_tokens(t).as_slice(), [one] if one.range == (0..t.len()))
}

/// `text` with each live token replaced by `with`; `None` when it holds none.
fn replaced(text: &str, with: &str) -> Option<String> {
    let spans = live_tokens(text);
    if spans.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in spans {
        out.push_str(&text[at..s.range.start]);
        out.push_str(with);
        at = s.range.end;
    }
    out.push_str(&text[at..]);
    Some(out)
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
        inner: replacement.to_string(),
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
    /// The replacement of a token inside a string, as text.
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
        let Some(text) = n.as_str() else { return };
        if is_token(text) {
            self.found.push(Found {
                place,
                offset: span.start,
            });
            self.edits.replace(span, self.whole.clone());
            return;
        }
        let Some(new) = replaced(text, &self.inner) else {
            return;
        };
        let body = &self.src[span.start + 1..span.end - 1];
        if body == text.as_bytes() {
            let quoted = json_string(&self.inner);
            let inner = &quoted[1..quoted.len() - 1];
            // No escapes: each token is replaced where it stands.
            for s in live_tokens(text) {
                let at = span.start + 1;
                self.found.push(Found {
                    place: place.clone(),
                    offset: at + s.range.start,
                });
                self.edits.replace(
                    Span {
                        start: at + s.range.start,
                        end: at + s.range.end,
                    },
                    inner.to_string(),
                );
            }
        } else {
            // Escapes (`\u0065yJ…`, `\/`): the decoded string is written again, whole.
            self.found.push(Found {
                place,
                offset: span.start,
            });
            self.edits.replace(span, json_string(&new));
        }
    }
}

/// The same search in a YAML file (a v3 collection's files, a YAML environment): every scalar
/// that is a token becomes `replacement` (quoted: `"{{token}}"` or `""`), a token inside a
/// longer scalar the replacement's text; a plain scalar that would start with `{` is quoted, and
/// a scalar whose token is written with escapes is written again, double-quoted. Block scalars
/// (`|`, `>`) have the token replaced inside them.
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
                let raw = &src[n.span.start..n.span.end.min(src.len())];
                let raw_text = std::str::from_utf8(raw).unwrap_or_default();
                let decoded_tokens = live_tokens(text);
                if decoded_tokens.is_empty() {
                    continue;
                }
                let in_raw = live_tokens(raw_text);
                if in_raw.len() < decoded_tokens.len() {
                    // Written with escapes: the decoded scalar again, double-quoted.
                    let new = replaced(text, replacement).unwrap_or_default();
                    found.push(Found {
                        place: at,
                        offset: n.span.start,
                    });
                    edits.replace(n.span, json_string(&new));
                    continue;
                }
                if is_token(text) {
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
                let starts = in_raw
                    .first()
                    .is_some_and(|r| raw[..r.range.start].iter().all(u8::is_ascii_whitespace));
                if *style == Style::Plain && starts && replacement.starts_with('{') {
                    // `eyJ… rest` as a plain scalar: quoted whole, with the token replaced.
                    let new = replaced(text, replacement).unwrap_or_default();
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

/// Replaces each live token within `span` of `src` by `replacement`'s text, recording each when
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
    let text = std::str::from_utf8(body).unwrap_or_default();
    for r in live_tokens(text) {
        if let Some(p) = &place {
            found.push(Found {
                place: p.clone(),
                offset: span.start + r.range.start,
            });
        }
        edits.replace(
            Span {
                start: span.start + r.range.start,
                end: span.start + r.range.end,
            },
            replacement.to_string(),
        );
    }
}

/// The live tokens in a text file of `NAME=value` lines (a `.env` file), and the edits that
/// empty them. Every token on a line is found, whatever the quoting.
pub fn find_lines(src: &[u8], replacement: &str) -> (Vec<Found>, Vec<Edit>) {
    let text = String::from_utf8_lossy(src);
    let mut found = Vec::new();
    let mut edits = Edits::default();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let name = line.split('=').next().unwrap_or("").trim();
        for r in live_tokens(line) {
            found.push(Found {
                place: name.to_string(),
                offset: at + r.range.start,
            });
            edits.replace(
                Span {
                    start: at + r.range.start,
                    end: at + r.range.end,
                },
                replacement.to_string(),
            );
        }
        at += line.len();
    }
    (found, edits.sorted().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refresh token as Cognito issues it: a JWE of five parts (RSA-OAEP, A256GCM).
    const REFRESH: &str = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.\
        c29tZS1lbmNyeXB0ZWQta2V5LWJ5dGVz.aXYtYnl0ZXM.Y2lwaGVydGV4dC1ieXRlcy1oZXJl.dGFn";
    const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJ0b2tlbl91c2UiOiJpZCIsImV4cCI6OTl9.c2ln";

    #[test]
    fn refresh_tokens_and_jwts_are_tokens_variables_are_not() {
        assert!(is_token(REFRESH));
        assert!(is_token(JWT));
        assert!(!is_token("{{token}}"));
        assert!(!is_token(&format!("Bearer {JWT}")));
        // A JWT followed by a period and a word is still found, on its own.
        let prose = format!("see {JWT}.and more");
        assert_eq!(live_tokens(&prose).len(), 1);
        assert_eq!(&prose[live_tokens(&prose)[0].range.clone()], JWT);
        // Not a JSON header: not a token.
        assert!(live_tokens("eyJub3QganNvbg.eyJ4IjoxfQ.c2ln").is_empty());
    }

    #[test]
    fn escaped_tokens_are_found_and_the_string_written_again() {
        let escaped = JWT.replacen('e', "\\u0065", 1);
        let src = format!("{{\"h\": \"Bearer {escaped}\", \"r\": \"{REFRESH}\"}}");
        let scanned = crate::json::scan::scan(src.as_bytes(), &crate::json::scan::KeepAll).unwrap();
        let crate::json::scan::Node::Object(root) = scanned.root else {
            panic!()
        };
        let (found, edits) = find(src.as_bytes(), &root, "{{token}}");
        assert_eq!(found.len(), 2);
        let out = String::from_utf8(crate::json::edit::apply(src.as_bytes(), &edits)).unwrap();
        assert_eq!(out, "{\"h\": \"Bearer {{token}}\", \"r\": \"{{token}}\"}");
    }

    #[test]
    fn dotenv_lines() {
        let src = format!("A=1\nTOKEN=\"{JWT}\"\nR={REFRESH}\n");
        let (found, edits) = find_lines(src.as_bytes(), "");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].place, "TOKEN");
        let out = String::from_utf8(crate::json::edit::apply(src.as_bytes(), &edits)).unwrap();
        assert_eq!(out, "A=1\nTOKEN=\"\"\nR=\n");
    }
}

//! Hiding secrets in text meant for people: the token just written, and anything shaped like a
//! JWT (three base64url parts starting with `eyJ`).

/// What stands in for a hidden token.
pub const MASK: &str = "<redacted>";

/// `text` with every occurrence of each secret and every JWT-shaped string masked.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(s, MASK);
    }
    mask_jwts(&out)
}

fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

/// Which kind of token a span holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A signed JWT (JWS compact form, three parts): Cognito's id and access tokens.
    Jws,
    /// An encrypted JWT (JWE compact form, five parts): Cognito's refresh tokens.
    Jwe,
    /// A temporary AWS access key id (`ASIA` and 16 more), as an identity pool gives it.
    AwsKeyId,
    /// An AWS session token (STS's base64, by its known beginnings).
    AwsSessionToken,
}

/// A token found in text: where, and which kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSpan {
    pub range: std::ops::Range<usize>,
    pub shape: Shape,
}

/// The JSON object a base64url part decodes to, if it does.
fn json_part(part: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(m) => Some(m),
        _ => None,
    }
}

/// The tokens Cognito issues, found in `text` by their shape: runs of base64url parts joined by
/// dots that start with `eyJ` (the base64 of `{"`) on a word boundary, whose first part decodes
/// to a JSON header. Five parts with `enc` in the header are a JWE (a refresh token); three
/// parts are a JWS (an id or access token). Shape only: [`crate::jwt::claims`] reads a JWS.
pub fn token_spans(text: &[u8]) -> Vec<TokenSpan> {
    let mut spans = Vec::new();
    let mut i = 0;
    while let Some(off) = text[i..].windows(3).position(|w| w == b"eyJ") {
        let start = i + off;
        let boundary = start == 0 || !(is_b64url(text[start - 1]) || text[start - 1] == b'.');
        // The ends of up to five parts (a JWE's second part may be empty).
        let mut ends = Vec::with_capacity(5);
        let mut end = start;
        loop {
            while end < text.len() && is_b64url(text[end]) {
                end += 1;
            }
            ends.push(end);
            if ends.len() == 5 || end >= text.len() || text[end] != b'.' {
                break;
            }
            end += 1;
        }
        let header = json_part(&text[start..ends[0]]);
        let part = |n: usize| &text[ends[n - 1] + 1..ends[n]];
        let found = match &header {
            Some(h) if boundary && h.contains_key("enc") && ends.len() == 5 => {
                // iv, ciphertext and tag are never empty.
                (2..5)
                    .all(|n| !part(n).is_empty())
                    .then_some((ends[4], Shape::Jwe))
            }
            Some(h) if boundary && h.contains_key("alg") && ends.len() >= 3 => {
                (!part(1).is_empty() && ends[2] - start > 20).then_some((ends[2], Shape::Jws))
            }
            _ => None,
        };
        match found {
            Some((end, shape)) => {
                spans.push(TokenSpan {
                    range: start..end,
                    shape,
                });
                i = end;
            }
            None => i = start + 3,
        }
        if i + 3 > text.len() {
            break;
        }
    }
    spans
}

/// The beginnings of STS session tokens (base64 of their binary header): today's
/// `IQoJb3JpZ2luX2Vj` ("origin_ec"), and the older `FwoGZXIvYXdz`, `FQoGZXIvYXdz`, `AQoDYXdz`.
const SESSION_TOKEN_STARTS: &[&[u8]] = &[
    b"IQoJb3JpZ2luX2Vj",
    b"FwoGZXIvYXdz",
    b"FQoGZXIvYXdz",
    b"AQoDYXdz",
];

/// The AWS credentials in `text` by their shape: temporary access key ids (`ASIA` + 16 of
/// `A-Z2-7`, on word boundaries) and session tokens (a base64 run of 100 or more characters
/// that starts as STS's do).
fn aws_spans(text: &[u8]) -> Vec<TokenSpan> {
    let word = |c: u8| c.is_ascii_alphanumeric();
    let b64 = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=');
    let mut spans = Vec::new();
    let mut i = 0;
    while i < text.len() {
        // Every form starts with `A`, `F` or `I`: the rest of the bytes are passed over at once.
        if !matches!(text[i], b'A' | b'F' | b'I') {
            i += 1;
            continue;
        }
        let boundary = i == 0 || !(b64(text[i - 1]) || text[i - 1] == b'-' || text[i - 1] == b'_');
        if boundary && text[i..].starts_with(b"ASIA") {
            let end = i + 20;
            let key = text.get(i + 4..end);
            if key.is_some_and(|k| {
                k.iter()
                    .all(|c| c.is_ascii_uppercase() || (b'2'..=b'7').contains(c))
            }) && !text.get(end).is_some_and(|c| word(*c))
            {
                spans.push(TokenSpan {
                    range: i..end,
                    shape: Shape::AwsKeyId,
                });
                i = end;
                continue;
            }
        }
        if boundary
            && SESSION_TOKEN_STARTS
                .iter()
                .any(|p| text[i..].starts_with(p))
        {
            let len = text[i..].iter().take_while(|c| b64(**c)).count();
            if len >= 100 {
                spans.push(TokenSpan {
                    range: i..i + len,
                    shape: Shape::AwsSessionToken,
                });
                i += len;
                continue;
            }
        }
        i += 1;
    }
    spans
}

/// Every secret `text` holds by its shape: Cognito's tokens ([`token_spans`]) and AWS
/// temporary credentials, in order.
pub fn secret_spans(text: &[u8]) -> Vec<TokenSpan> {
    let mut spans = token_spans(text);
    let jwts = spans.clone();
    spans.extend(aws_spans(text).into_iter().filter(|a| {
        !jwts
            .iter()
            .any(|j| j.range.start < a.range.end && a.range.start < j.range.end)
    }));
    spans.sort_by_key(|s| s.range.start);
    spans
}

/// Masks the tokens in `text` (see [`token_spans`]).
pub fn mask_jwts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for span in secret_spans(text.as_bytes()) {
        out.push_str(&text[copied..span.range.start]);
        out.push_str(MASK);
        copied = span.range.end;
    }
    out.push_str(&text[copied..]);
    out
}

/// `url` with any user name and password (`https://user:pw@host/`) replaced by `***`, for
/// messages; works on text that does not parse as a URL too.
pub fn without_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..scheme_end], &rest[at..]),
        None => url.to_string(),
    }
}

/// `text` with control characters shown as escapes (`\x1b`), so that a file or item name cannot
/// drive the terminal (an OSC 52 sequence writes the clipboard); line breaks and tabs stay, and
/// a carriage return only before a line break.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let bad = |(i, c): (usize, char)| {
        c.is_control() && c != '\n' && c != '\t' && !(c == '\r' && text[i + 1..].starts_with('\n'))
    };
    if !text.char_indices().any(bad) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        if bad((i, c)) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `text` (a value the tool did not write: a file or item name, a message from a server, a
/// value from the config file) on one line: line breaks and every other control character shown
/// as escapes (`\\n`, `\\u{1b}`), so that it can neither drive a terminal nor start a line of
/// its own (a CI log reads `::add-mask::` or `::error::` at the start of a line as a command).
pub fn inline(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A path shown by [`inline`].
pub fn path(p: &std::path::Path) -> String {
    inline(&p.display().to_string()).into_owned()
}

/// `.shown()`: a path as messages show it ([`path`]).
pub trait Shown {
    fn shown(&self) -> String;
}

impl Shown for std::path::Path {
    fn shown(&self) -> String {
        path(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_and_control_characters_are_hidden() {
        assert_eq!(
            without_userinfo("http://user:pw@127.0.0.1:9/x@y"),
            "http://***@127.0.0.1:9/x@y"
        );
        assert_eq!(without_userinfo("https://h/p"), "https://h/p");
        assert_eq!(without_userinfo("not a url"), "not a url");
        assert_eq!(
            printable("a\x1b]52;c;aGk=\x07b\r\nc\td\re"),
            "a\\u{1b}]52;c;aGk=\\u{7}b\r\nc\td\\re"
        );
    }

    #[test]
    fn masks_tokens_and_jwts() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        let text = format!("a \"{jwt}\" b s3cret-token c");
        let r = redact(&text, &["s3cret-token"]);
        assert_eq!(r, "a \"<redacted>\" b <redacted> c");
        assert_eq!(mask_jwts("eyJ not a token"), "eyJ not a token");
    }
}

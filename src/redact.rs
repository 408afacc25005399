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

/// The byte ranges of `eyJ….….…` runs in `text`: a JWT's header always starts with `eyJ`
/// (base64 of `{"`). Shape only; [`crate::jwt::claims`] tells a real one.
pub fn jwt_spans(text: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    let mut i = 0;
    while let Some(off) = text[i..].windows(3).position(|w| w == b"eyJ") {
        let start = i + off;
        let boundary = start == 0 || !is_b64url(text[start - 1]);
        let mut end = start;
        let mut dots = 0;
        while end < text.len() && (is_b64url(text[end]) || (text[end] == b'.' && dots < 2)) {
            if text[end] == b'.' {
                dots += 1;
            }
            end += 1;
        }
        if boundary && dots == 2 && end - start > 20 {
            spans.push(start..end);
        }
        i = end.max(start + 3);
    }
    spans
}

/// Masks the JWT-shaped runs of `text` (see [`jwt_spans`]).
pub fn mask_jwts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for span in jwt_spans(text.as_bytes()) {
        out.push_str(&text[copied..span.start]);
        out.push_str(MASK);
        copied = span.end;
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

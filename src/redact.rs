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

/// Masks `eyJ…​.…​.…` runs: a JWT's header always starts with `eyJ` (base64 of `{"`).
pub fn mask_jwts(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while let Some(off) = text[i..].find("eyJ") {
        let start = i + off;
        let boundary = start == 0 || !is_b64url(b[start - 1]);
        let mut end = start;
        let mut dots = 0;
        while end < b.len() && (is_b64url(b[end]) || (b[end] == b'.' && dots < 2)) {
            if b[end] == b'.' {
                dots += 1;
            }
            end += 1;
        }
        if boundary && dots == 2 && end - start > 20 {
            out.push_str(&text[copied..start]);
            out.push_str(MASK);
            copied = end;
        }
        i = end.max(start + 3);
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_tokens_and_jwts() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        let text = format!("a \"{jwt}\" b s3cret-token c");
        let r = redact(&text, &["s3cret-token"]);
        assert_eq!(r, "a \"<redacted>\" b <redacted> c");
        assert_eq!(mask_jwts("eyJ not a token"), "eyJ not a token");
    }
}

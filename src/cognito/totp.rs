//! TOTP codes (RFC 6238: HMAC-SHA1, 6 digits, 30 s) for SOFTWARE_TOKEN_MFA, computed by
//! totp-rs from a base32 secret read as leniently as authenticator apps do: any case, spaces
//! and padding ignored, trailing bits dropped.

use crate::error::Failure;

/// Decodes RFC 4648 base32 leniently; `None` on a character outside the alphabet.
pub fn base32(secret: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in secret
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=' && *c != '-')
    {
        let v = match c.to_ascii_uppercase() {
            u @ 'A'..='Z' => u as u32 - 'A' as u32,
            d @ '2'..='7' => d as u32 - '2' as u32 + 26,
            _ => return None,
        };
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The 6-digit code for `secret` at `unix_time`.
pub fn code(secret: &str, unix_time: u64) -> Result<String, Failure> {
    let bytes = base32(secret).ok_or_else(|| {
        Failure::usage("COGNITO_TOTP_SECRET is not a base32 secret").with_hint(
            "use the secret shown when the authenticator was set up (letters A-Z and digits 2-7)",
        )
    })?;
    let totp = totp_rs::Builder::new()
        .with_secret(bytes)
        .build_noncompliant();
    Ok(totp.generate(unix_time).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vector() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s -> 94287082 (8 digits).
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(base32(secret).unwrap(), b"12345678901234567890");
        assert_eq!(code(secret, 59).unwrap(), "287082");
        assert_eq!(
            code(&secret.to_lowercase(), 1_111_111_109).unwrap(),
            "081804"
        );
    }

    #[test]
    fn lenient_like_authenticator_apps() {
        assert_eq!(base32("mzxw 6===").unwrap(), b"foo");
        assert_eq!(base32("MZXW6YQ=").unwrap(), b"foob");
        assert!(base32("asdfasdfasdf").is_some());
        assert!(base32("not base32 !").is_none());
        assert!(code("1", 0).is_err());
    }
}

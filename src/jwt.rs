//! Reading a Cognito JWT's claims (without verifying its signature: that is the API's job) and
//! checking that it is the token the user asked for, for this client and pool, and not expired.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// Which of Cognito's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Id,
    Access,
}

impl TokenKind {
    pub fn token_use(self) -> &'static str {
        match self {
            TokenKind::Id => "id",
            TokenKind::Access => "access",
        }
    }
}

/// The claims this tool looks at.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Claims {
    pub token_use: Option<String>,
    pub aud: Option<serde_json::Value>,
    pub client_id: Option<String>,
    pub iss: Option<String>,
    pub exp: Option<i64>,
    #[serde(rename = "cognito:username")]
    pub cognito_username: Option<String>,
    pub username: Option<String>,
}

/// Decodes the payload of a JWT. The error never contains the token.
pub fn claims(token: &str) -> Result<Claims, String> {
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("it is not a JWT (three dot-separated parts)".into());
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| "its payload is not base64url".to_string())?;
    serde_json::from_slice(&bytes).map_err(|_| "its payload is not a JSON object of claims".into())
}

/// What the token must be.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    pub kind: TokenKind,
    pub client_id: &'a str,
    pub pool_id: &'a str,
    /// With an endpoint override (an emulator) the issuer may be any URL.
    pub any_issuer: bool,
    /// Seconds since the epoch.
    pub now: i64,
}

/// Checks `c` against `want`; the error says what is wrong in a sentence.
pub fn check(c: &Claims, want: &Expected) -> Result<(), String> {
    let token_use = c.token_use.as_deref().unwrap_or("(none)");
    if token_use != want.kind.token_use() {
        return Err(format!(
            "its token_use is {token_use:?}, but --token {} wants {:?}",
            want.kind.token_use(),
            want.kind.token_use()
        ));
    }
    let audience = match want.kind {
        TokenKind::Id => match &c.aud {
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => vec![],
        },
        TokenKind::Access => c.client_id.iter().cloned().collect(),
    };
    if !audience.iter().any(|a| a == want.client_id) {
        return Err(format!(
            "it was issued for client {:?}, not {:?}",
            audience.join(", "),
            want.client_id
        ));
    }
    let iss = c.iss.as_deref().unwrap_or("");
    if !want.any_issuer && !issuer_matches(iss, want.pool_id) {
        return Err(format!(
            "its issuer {iss:?} is not the user pool {:?}",
            want.pool_id
        ));
    }
    match c.exp {
        None => Err("it has no expiry (exp)".into()),
        Some(exp) if exp <= want.now => Err(format!(
            "it expired at {} (the clock here says {})",
            rfc3339(exp),
            rfc3339(want.now)
        )),
        Some(_) => Ok(()),
    }
}

/// Both AWS issuer forms: `https://cognito-idp.{region}.amazonaws.com/{pool}` and
/// `https://issuer-cognito-idp.{region}.amazonaws.com/{pool}`, and the FIPS host's
/// `https://cognito-idp-fips.{region}.amazonaws.com/{pool}` (GovCloud). The region may differ
/// from the pool id's prefix: a replica of a multi-Region user pool serves the same pool id
/// from its own Region.
fn issuer_matches(iss: &str, pool_id: &str) -> bool {
    let iss = iss.trim_end_matches('/');
    let Some(region) = [
        "https://cognito-idp.",
        "https://issuer-cognito-idp.",
        "https://cognito-idp-fips.",
    ]
    .iter()
    .find_map(|p| iss.strip_prefix(p))
    .and_then(|rest| rest.strip_suffix(&format!(".amazonaws.com/{pool_id}"))) else {
        return false;
    };
    !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Seconds since the epoch as `2026-11-29T05:00:00Z`.
pub fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| secs.to_string())
}

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod issuer_tests {
    use super::issuer_matches;

    #[test]
    fn every_issuer_form_of_the_pool_and_its_replicas() {
        let pool = "us-east-1_AbC";
        for iss in [
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC",
            "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC/",
            "https://cognito-idp-fips.us-east-1.amazonaws.com/us-east-1_AbC",
            // A replica in another Region serves the same pool id.
            "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC",
        ] {
            assert!(issuer_matches(iss, pool), "{iss}");
        }
        for iss in [
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other",
            "https://cognito-idp.evil.example/x.amazonaws.com/us-east-1_AbC",
            "https://cognito-idp..amazonaws.com/us-east-1_AbC",
            "http://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC",
        ] {
            assert!(!issuer_matches(iss, pool), "{iss}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: serde_json::Value) -> String {
        format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(payload.to_string())
        )
    }

    const POOL: &str = "us-east-1_AbC";

    fn want(kind: TokenKind) -> Expected<'static> {
        Expected {
            kind,
            client_id: "client1",
            pool_id: POOL,
            any_issuer: false,
            now: 1_000,
        }
    }

    #[test]
    fn accepts_the_right_tokens() {
        for iss in [
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC",
            "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC",
            "https://cognito-idp-fips.us-east-1.amazonaws.com/us-east-1_AbC",
        ] {
            let id = jwt(
                serde_json::json!({"token_use": "id", "aud": "client1", "iss": iss, "exp": 2000}),
            );
            check(&claims(&id).unwrap(), &want(TokenKind::Id)).unwrap();
            let access = jwt(
                serde_json::json!({"token_use": "access", "client_id": "client1", "iss": iss, "exp": 2000}),
            );
            check(&claims(&access).unwrap(), &want(TokenKind::Access)).unwrap();
        }
    }

    #[test]
    fn refuses_with_a_reason() {
        let iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC";
        let cases = [
            (
                serde_json::json!({"token_use": "access", "client_id": "client1", "iss": iss, "exp": 2000}),
                "token_use",
            ),
            (
                serde_json::json!({"token_use": "id", "aud": "other", "iss": iss, "exp": 2000}),
                "issued for client",
            ),
            (
                serde_json::json!({"token_use": "id", "aud": "client1", "iss": "https://evil/x", "exp": 2000}),
                "issuer",
            ),
            (
                serde_json::json!({"token_use": "id", "aud": "client1", "iss": iss, "exp": 999}),
                "expired at 1970",
            ),
            (
                serde_json::json!({"token_use": "id", "aud": "client1", "iss": iss}),
                "no expiry",
            ),
        ];
        for (payload, says) in cases {
            let e = check(
                &claims(&jwt(payload.clone())).unwrap(),
                &want(TokenKind::Id),
            )
            .unwrap_err();
            assert!(e.contains(says), "{payload}: {e}");
        }
        let mut any = want(TokenKind::Id);
        any.any_issuer = true;
        let local = jwt(
            serde_json::json!({"token_use": "id", "aud": "client1", "iss": "http://127.0.0.1:9229/local_x", "exp": 2000}),
        );
        check(&claims(&local).unwrap(), &any).unwrap();
        assert!(claims("not-a-jwt").is_err());
        assert!(claims("a.!!!.c").is_err());
    }
}

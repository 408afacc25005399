//! Where the token comes from. Commands ask a [`TokenSource`]: a token handed in on standard
//! input or in `POSTMAN_COGNITO_TOKEN`, or Cognito itself (`cognito::source`).

use secrecy::{ExposeSecret, SecretString};

use std::time::Duration;

use crate::cognito::source::CognitoSettings;
use crate::error::Failure;
use crate::secrets_input::StdinSecrets;

/// The environment variable a token may be handed in.
pub const TOKEN_ENV: &str = "POSTMAN_COGNITO_TOKEN";

pub use crate::token::{Token, TokenSet, TokenSource};

/// What a token handed in must pass, as a fetched one does.
#[derive(Debug, Clone)]
pub struct GivenChecks {
    /// It must stay valid this long.
    pub min_ttl: Duration,
    /// When a pool and client are known: its claims are checked against them.
    pub cognito: Option<Box<CognitoSettings>>,
}

/// Where `refresh` gets the token it writes.
#[derive(Debug)]
pub enum TokenFrom {
    /// `--token-stdin`.
    Stdin(GivenChecks),
    /// `POSTMAN_COGNITO_TOKEN`.
    Env(SecretString, GivenChecks),
    /// A Cognito sign-in (or the cache).
    Cognito(Box<CognitoSettings>),
    /// Only `{{NAME}}` is written: no token is needed.
    NotNeeded,
}

/// Gets the token `from` names (never called for [`TokenFrom::NotNeeded`]).
pub fn fetch(
    from: &TokenFrom,
    env: &crate::env::Env,
    ui: &crate::ui::Ui,
) -> Result<Token, Failure> {
    use TokenFrom;
    match from {
        TokenFrom::Stdin(checks) => given(GivenToken::Stdin(StdinSecrets::default()), checks),
        TokenFrom::Env(t, checks) => given(GivenToken::Env(t.clone()), checks),
        TokenFrom::Cognito(s) => crate::cognito::source::CognitoSource::new(
            (**s).clone(),
            StdinSecrets::default(),
            env.clone(),
            ui.clone(),
        )
        .fetch(),
        TokenFrom::NotNeeded => Err(Failure::internal("no token source was planned")),
    }
}

/// Each source's token, in order. Sign-ins run side by side; two identities of one user
/// (its id and its access token) sign in once, the second waiting on the cache entry's lock.
pub fn fetch_all(
    sources: &[&TokenFrom],
    env: &crate::env::Env,
    ui: &crate::ui::Ui,
) -> Result<Vec<Token>, Failure> {
    if let [one] = sources {
        return Ok(vec![fetch(one, env, ui)?]);
    }
    std::thread::scope(|scope| {
        let running: Vec<_> = sources
            .iter()
            .map(|from| scope.spawn(|| fetch(from, env, ui)))
            .collect();
        running
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Failure::internal("a sign-in panicked")))
            })
            .collect()
    })
}

/// A token handed in, checked as a fetched one is: a JWT that has not expired and stays valid
/// for `--min-ttl`, whose claims fit the pool and client when they are known. Refused with
/// exit 5 otherwise, before anything is written.
fn given(mut g: GivenToken, checks: &GivenChecks) -> Result<Token, Failure> {
    use crate::error::Exit;
    let token = g.fetch()?;
    let refuse = |why: String| {
        Failure::new(
            Exit::Auth,
            format!("refusing the token from {}: {why}", token.source),
        )
        .with_hint("hand in a current id or access token (a JWT), or let postman-cognito sign in")
    };
    let claims = crate::jwt::claims(token.value.expose_secret())
        .map_err(|e| refuse(format!("it is not a JWT ({e})")))?;
    let now = crate::jwt::now();
    let exp = claims
        .exp
        .ok_or_else(|| refuse("it has no expiry (exp)".into()))?;
    if exp <= now {
        return Err(refuse(format!(
            "it expired at {}",
            crate::jwt::rfc3339(exp)
        )));
    }
    let min_ttl = i64::try_from(checks.min_ttl.as_secs()).unwrap_or(i64::MAX);
    if exp - now < min_ttl {
        return Err(refuse(format!(
            "it expires at {} (in {} min), sooner than --min-ttl {}",
            crate::jwt::rfc3339(exp),
            (exp - now) / 60,
            humantime::format_duration(checks.min_ttl)
        )));
    }
    if let Some(s) = &checks.cognito {
        let want = crate::jwt::Expected {
            kind: s.kind,
            client_id: &s.client_id,
            pool_id: &s.pool_id,
            any_issuer: s.endpoint_overridden,
            now,
        };
        crate::jwt::check(&claims, &want).map_err(refuse)?;
    }
    Ok(token)
}

/// A token the user hands in: read from standard input or taken from the environment.
pub enum GivenToken {
    Stdin(StdinSecrets),
    Env(SecretString),
}

impl TokenSource for GivenToken {
    fn fetch(&mut self) -> Result<Token, Failure> {
        let (raw, from, kind) = match self {
            GivenToken::Stdin(stdin) => (
                stdin.take("--token-stdin", "the token")?,
                "standard input",
                "stdin",
            ),
            GivenToken::Env(v) => (v.clone(), TOKEN_ENV, "environment"),
        };
        let value = checked(raw, from)?;
        let expires_at = crate::jwt::claims(value.expose_secret())
            .ok()
            .and_then(|c| c.exp);
        Ok(Token {
            value,
            kind,
            source: from.into(),
            expires_at,
            set: None,
        })
    }
}

/// Trims the token and refuses empty or multi-part input without echoing it.
fn checked(raw: SecretString, from: &str) -> Result<SecretString, Failure> {
    let t = raw.expose_secret().trim();
    if t.is_empty() {
        return Err(Failure::usage(format!("the token from {from} is empty")));
    }
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Failure::usage(format!(
            "the token from {from} contains white space or control characters; pass exactly \
             one token"
        )));
    }
    Ok(SecretString::from(t.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_token_is_trimmed_and_checked() {
        let mut g = GivenToken::Env(" abc.def.ghi\n".to_string().into());
        assert_eq!(g.fetch().unwrap().value.expose_secret(), "abc.def.ghi");
        let checks = GivenChecks {
            min_ttl: std::time::Duration::from_secs(600),
            cognito: None,
        };
        let e = given(GivenToken::Env("abc.def.ghi".to_string().into()), &checks).unwrap_err();
        assert_eq!(e.exit, crate::error::Exit::Auth);
        assert!(e.message.contains("not a JWT"), "{}", e.message);
        let mut two = GivenToken::Env("a b".to_string().into());
        let e = two.fetch().unwrap_err();
        assert!(!e.message.contains("a b"));
    }
}

//! A token and where it came from: what every token source returns.

use secrecy::SecretString;

use crate::error::Failure;

/// A token to write, never shown in `Debug` output.
#[derive(Debug, Clone)]
pub struct Token {
    pub value: SecretString,
    /// Where it came from, as a stable value for `--json`: `stdin`, `environment`,
    /// `cognito-sign-in`, `cognito-cache` or `cognito-refresh`.
    pub kind: &'static str,
    /// Where it came from, in words ("standard input", "Cognito srp sign-in ...").
    pub source: String,
    /// Seconds since the epoch, when known.
    pub expires_at: Option<i64>,
    /// All the tokens of a sign-in, when the token came from one.
    pub set: Option<TokenSet>,
}

/// The tokens a sign-in returned.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub id: Option<SecretString>,
    pub access: SecretString,
    pub refresh: Option<SecretString>,
    /// The `cognito:username` claim (the name SECRET_HASH needs when refreshing).
    pub username: Option<String>,
}

/// Anything that can produce a token.
pub trait TokenSource {
    fn fetch(&mut self) -> Result<Token, Failure>;
}

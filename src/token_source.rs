//! Where the token comes from. Commands ask a [`TokenSource`]; today a token handed in on
//! standard input or in `POSTMAN_COGNITO_TOKEN`, later Cognito itself.

use std::io::{IsTerminal, Read};

use secrecy::{ExposeSecret, SecretString};

use crate::error::Failure;

/// The environment variable a token may be handed in.
pub const TOKEN_ENV: &str = "POSTMAN_COGNITO_TOKEN";

/// A token to write, never shown in `Debug` output.
#[derive(Debug, Clone)]
pub struct Token {
    pub value: SecretString,
    /// Where it came from, for the report ("standard input", "POSTMAN_COGNITO_TOKEN", ...).
    pub source: String,
}

/// Anything that can produce a token.
pub trait TokenSource {
    fn fetch(&mut self) -> Result<Token, Failure>;
}

/// A token the user hands in: read from standard input or taken from the environment.
pub enum GivenToken {
    Stdin,
    Env(SecretString),
}

impl GivenToken {
    /// `--token-stdin` wins over the environment; neither is a usage error.
    pub fn choose(stdin: bool, env: Option<String>) -> Result<Self, Failure> {
        match (stdin, env) {
            (true, _) => Ok(GivenToken::Stdin),
            (false, Some(v)) if !v.trim().is_empty() => Ok(GivenToken::Env(v.into())),
            _ => Err(Failure::usage("no token to write").with_hint(format!(
                "pipe one in with --token-stdin (e.g. `printf %s \"$TOKEN\" | postman-cognito \
                 refresh --token-stdin api.json`) or set {TOKEN_ENV}; tokens are never taken \
                 from the command line"
            ))),
        }
    }
}

impl TokenSource for GivenToken {
    fn fetch(&mut self) -> Result<Token, Failure> {
        match self {
            GivenToken::Stdin => {
                let stdin = std::io::stdin();
                let mut text = String::new();
                if stdin.is_terminal() {
                    eprint!("Paste the token and press Enter: ");
                    stdin.read_line(&mut text)
                } else {
                    stdin.lock().take(1 << 20).read_to_string(&mut text)
                }
                .map_err(|e| {
                    Failure::usage(format!("could not read the token from standard input: {e}"))
                })?;
                let token = checked(SecretString::from(text), "standard input")?;
                Ok(Token {
                    value: token,
                    source: "standard input".into(),
                })
            }
            GivenToken::Env(v) => Ok(Token {
                value: checked(v.clone(), TOKEN_ENV)?,
                source: TOKEN_ENV.into(),
            }),
        }
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
        let mut g = GivenToken::choose(false, Some(" abc.def.ghi\n".into())).unwrap();
        assert_eq!(g.fetch().unwrap().value.expose_secret(), "abc.def.ghi");
        assert!(GivenToken::choose(false, None).is_err());
        assert!(GivenToken::choose(false, Some("  ".into())).is_err());
        let mut two = GivenToken::choose(false, Some("a b".into())).unwrap();
        let e = two.fetch().unwrap_err();
        assert!(!e.message.contains("a b"));
    }
}

//! Secrets given to the tool: from environment variables, from standard input (one per line,
//! in a fixed order, for the `--*-stdin` flags), or typed at a hidden prompt when a person is
//! at a terminal. Never from the command line.

use std::collections::VecDeque;
use std::io::{IsTerminal, Read};

use secrecy::SecretString;

use crate::error::Failure;

/// Largest standard input read for secrets.
const MAX_STDIN: u64 = 1 << 20;

/// Reads standard input once and hands out its lines.
#[derive(Default)]
pub struct StdinSecrets {
    lines: Option<VecDeque<String>>,
}

impl StdinSecrets {
    /// The next line of standard input for `flag` (e.g. `--password-stdin`), or a hidden prompt
    /// when standard input is a terminal.
    pub fn take(&mut self, flag: &str, what: &str) -> Result<SecretString, Failure> {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return prompt(&format!("{what}: ")).ok_or_else(|| {
                Failure::usage(format!(
                    "could not read {what} from the terminal for {flag}"
                ))
            });
        }
        let lines = match &mut self.lines {
            Some(l) => l,
            None => {
                let mut text = String::new();
                stdin
                    .lock()
                    .take(MAX_STDIN)
                    .read_to_string(&mut text)
                    .map_err(|e| {
                        Failure::usage(format!("cannot read standard input for {flag}: {e}"))
                    })?;
                self.lines.insert(
                    text.lines()
                        .map(|l| l.trim_end_matches('\r').to_string())
                        .collect(),
                )
            }
        };
        match lines.pop_front() {
            Some(l) if !l.trim().is_empty() => Ok(SecretString::from(l.trim().to_string())),
            _ => Err(Failure::usage(format!(
                "{flag}: standard input has no line for {what}"
            ))
            .with_hint(
                "give one secret per line, in this order: the token, password or refresh token, \
                 then the new password",
            )),
        }
    }
}

/// A secret from an environment variable, if set and not blank.
pub fn env_secret(name: &str) -> Option<SecretString> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| SecretString::from(v.trim().to_string()))
}

/// Whether a person can be asked: stderr is a terminal (CI, hooks with redirected output and
/// tests are not).
pub fn interactive() -> bool {
    std::io::stderr().is_terminal()
}

/// A hidden prompt on the terminal; `None` when there is none.
pub fn prompt(text: &str) -> Option<SecretString> {
    rpassword::prompt_password(text)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(|s| SecretString::from(s.trim().to_string()))
}

//! postman-cognito: put a fresh Amazon Cognito token into Postman collections.
//!
//! `run` turns parsed arguments into checked options and runs the command; everything that
//! touches a file or a token lives in the modules below.

pub mod atomic;
pub mod cli;
pub mod cognito;
pub mod collection;
pub mod error;
pub mod json;
pub mod jwt;
pub mod redact;
pub mod refresh;
pub mod report;
pub mod secrets_input;
pub mod settings;
pub mod token_source;

use std::io::Write;

use secrecy::ExposeSecret;

use cli::{Cli, Command, InheritArg};
use collection::inherit::Policy;
use error::{Exit, Failure};

/// Runs the parsed command line, writing reports to the given streams.
pub fn run(cli: Cli, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<Exit, Failure> {
    match cli.command {
        Command::Refresh(a) => {
            let opts = refresh::Options {
                files: a.collections,
                output: a.output,
                policy: match a.inherit {
                    InheritArg::Tokens => Policy::Tokens,
                    InheritArg::All => Policy::All,
                    InheritArg::None => Policy::None,
                },
                keep: a.keep,
                header_prefix: a.header_prefix,
                check: a.check,
                diff: a.diff,
                json: a.json,
            };
            let mut source = settings::token_source(a.token_stdin, &a.cognito)?;
            refresh::run(&opts, source.as_mut(), stdout, stderr)
        }
        Command::Token(a) => {
            let mut source = settings::cognito_source(&a.cognito)?;
            let token = token_source::TokenSource::fetch(&mut source)?;
            let out = if a.json {
                report::token_json(&token)
            } else {
                format!("{}\n", token.value.expose_secret())
            };
            stdout.write_all(out.as_bytes()).map_err(|e| {
                Failure::io(format!("cannot write the token to standard output: {e}"))
            })?;
            if let Some(exp) = token.expires_at {
                let _ = writeln!(stderr, "{}", report::expiry_line(exp));
            }
            Ok(Exit::Ok)
        }
    }
}

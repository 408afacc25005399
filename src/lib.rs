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
pub mod redact;
pub mod refresh;
pub mod report;
pub mod token_source;

use std::io::Write;

use cli::{Cli, Command, InheritArg};
use collection::inherit::Policy;
use error::{Exit, Failure};
use token_source::{GivenToken, TOKEN_ENV};

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
            let mut source = GivenToken::choose(a.token_stdin, std::env::var(TOKEN_ENV).ok())?;
            refresh::run(&opts, &mut source, stdout, stderr)
        }
    }
}

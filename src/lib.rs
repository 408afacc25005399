//! postman-cognito: put a fresh Amazon Cognito token into Postman collections.
//!
//! `run` turns parsed arguments into checked options and runs the command; everything that
//! touches a file or a token lives in the modules below.

pub mod atomic;
pub mod cache;
pub mod cli;
pub mod cognito;
pub mod collection;
pub mod config;
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

use clap::ArgMatches;
use secrecy::ExposeSecret;

use cli::{CacheCommand, Cli, Command, ConfigCommand};
use error::{Exit, Failure};
use settings::Resolver;

/// Runs the parsed command line, writing reports to the given streams. `matches` (when the
/// arguments came from clap) tells flags from environment variables in `config show`.
pub fn run(
    cli: Cli,
    matches: Option<&ArgMatches>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Exit, Failure> {
    let sub = |name: &str| matches.and_then(|m| m.subcommand_matches(name));
    match cli.command {
        Command::Refresh(a) => {
            let mut r = Resolver::new(&a.cognito, sub("refresh"))?;
            let rs = settings::refresh_settings(&a, &mut r)?;
            let opts = refresh::Options {
                files: rs.files,
                output: a.output,
                policy: rs.policy,
                keep: rs.keep,
                header_prefix: rs.header_prefix,
                check: a.check,
                diff: a.diff,
                json: a.json,
            };
            let mut source = settings::token_source(a.token_stdin, &a.cognito, &mut r)?;
            refresh::run(&opts, source.as_mut(), stdout, stderr)
        }
        Command::Token(a) => {
            let mut r = Resolver::new(&a.cognito, sub("token"))?;
            let mut source = settings::cognito_source(&a.cognito, &mut r)?;
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
        Command::Config(ConfigCommand::Show(a)) => {
            let m = sub("config").and_then(|m| m.subcommand_matches("show"));
            let mut r = Resolver::new(&a.cognito, m)?;
            settings::show_settings(&a.cognito, &mut r)?;
            let file = r
                .config
                .as_ref()
                .map(|c| format!("{} (profile {})", c.path.display(), c.name));
            report::config_show(file.as_deref(), &r.shown, a.json, stdout)
                .map_err(|e| Failure::io(format!("cannot write to standard output: {e}")))?;
            Ok(Exit::Ok)
        }
        Command::Cache(CacheCommand::Clear(a)) => {
            let m = sub("cache").and_then(|m| m.subcommand_matches("clear"));
            let mut r = Resolver::new(&a.cognito, m)?;
            let dir = cache::default_dir()
                .ok_or_else(|| Failure::io("no cache folder: set XDG_CACHE_HOME or HOME"))?;
            let cache = cache::Cache::open(dir)?;
            let key = if a.cognito.profile.is_some() || a.cognito.user_pool_id.is_some() {
                let s = settings::cognito_settings(&a.cognito, &mut r)?.ok_or_else(|| {
                    Failure::usage("the profile names no user pool, so it has no cache entry")
                })?;
                Some(s.cache_key())
            } else {
                None
            };
            let n = cache.clear(key.as_ref())?;
            let _ = writeln!(
                stderr,
                "removed {n} cached token file{} from {}",
                if n == 1 { "" } else { "s" },
                cache.dir().display()
            );
            Ok(Exit::Ok)
        }
    }
}

//! postman-cognito: put a fresh Amazon Cognito token into Postman collections.
//!
//! `run` turns parsed arguments into checked options and runs the command; everything that
//! touches a file or a token lives in the modules below.

pub mod atomic;
pub mod cache;
pub mod check;
pub mod cli;
pub mod cognito;
pub mod collection;
pub mod config;
pub mod environment;
pub mod error;
pub mod git;
pub mod hooks;
pub mod json;
pub mod jwt;
pub mod redact;
pub mod refresh;
pub mod report;
pub mod scrub;
pub mod secrets_input;
pub mod settings;
pub mod token_source;

use std::io::Write;

use clap::ArgMatches;
use secrecy::ExposeSecret;

use cli::{
    CacheCommand, Cli, CognitoArgs, Command, ConfigCommand, HookArg, HookCommand, ProfileArgs,
};
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
            let mut variable_files = Vec::new();
            if let Some(f) = &a.env_file {
                variable_files.push((f.clone(), environment::Scope::Environment));
            }
            if let Some(f) = &a.globals_file {
                variable_files.push((f.clone(), environment::Scope::Globals));
            }
            let token_var = a
                .token_var
                .clone()
                .or_else(|| (!variable_files.is_empty()).then(|| "token".to_string()));
            if let Some(n) = &token_var
                && (n.is_empty() || n.contains("{") || n.contains("}"))
            {
                return Err(Failure::usage(format!(
                    "--token-var {n:?}: give the bare variable name, e.g. --token-var token"
                )));
            }
            let opts = refresh::Options {
                files: rs.files,
                output: a.output,
                policy: rs.policy,
                keep: rs.keep,
                header_prefix: rs.header_prefix,
                check: a.check,
                diff: a.diff,
                json: a.json,
                token_var,
                variable_files,
                allow_tracked_token: a.allow_tracked_token,
                grant_settings: Vec::new(),
            };
            let (mut source, cognito) = settings::token_source(a.token_stdin, &a.cognito, &mut r)?;
            let mut opts = opts;
            opts.grant_settings =
                settings::grant_settings(cognito.as_ref(), a.write_grant_settings)?;
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
        Command::Scrub(a) => {
            let mut r = Resolver::new(&profile_only(&a.profile), sub("scrub"))?;
            let cs = settings::collection_settings(
                &a.files,
                None,
                &[],
                None,
                settings::TRACKED_POSTMAN_FILES,
                &mut r,
            )?;
            scrub::run(&cs.files, a.token_var.as_deref(), a.check, stderr)
        }
        Command::Check(a) => {
            let mut args = profile_only(&a.profile);
            args.min_ttl = a.min_ttl;
            let mut r = Resolver::new(&args, sub("check"))?;
            let cs = settings::collection_settings(
                &a.collections,
                a.inherit,
                &a.keep,
                None,
                settings::TRACKED_COLLECTIONS,
                &mut r,
            )?;
            let min_ttl = r
                .config
                .as_ref()
                .and_then(|c| c.profile.min_ttl.as_ref())
                .and_then(|s| humantime::parse_duration(s.get_ref()).ok());
            let min_ttl = a
                .min_ttl
                .map(Into::into)
                .or(min_ttl)
                .unwrap_or(std::time::Duration::from_secs(600));
            check::run(
                &cs.files,
                cs.policy,
                &cs.keep,
                i64::try_from(min_ttl.as_secs()).unwrap_or(i64::MAX),
                stdout,
                stderr,
                a.json,
            )
        }
        Command::Hook(HookCommand::Install { hook, force }) => {
            let path = hooks::install(hook_of(hook), force)?;
            let _ = writeln!(stderr, "installed {}", path.display());
            Ok(Exit::Ok)
        }
        Command::Hook(HookCommand::Uninstall { hook }) => {
            let removed = hooks::uninstall(hook.map(hook_of))?;
            let _ = writeln!(
                stderr,
                "removed {} postman-cognito hook{}",
                removed.len(),
                if removed.len() == 1 { "" } else { "s" }
            );
            Ok(Exit::Ok)
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "postman-cognito", stdout);
            Ok(Exit::Ok)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd)
                .render(stdout)
                .map_err(|e| Failure::io(format!("cannot write the man page: {e}")))?;
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

fn profile_only(p: &ProfileArgs) -> CognitoArgs {
    CognitoArgs {
        config: p.config.clone(),
        profile: p.profile.clone(),
        ..CognitoArgs::default()
    }
}

fn hook_of(h: HookArg) -> hooks::Hook {
    match h {
        HookArg::PrePush => hooks::Hook::PrePush,
        HookArg::PreCommit => hooks::Hook::PreCommit,
    }
}

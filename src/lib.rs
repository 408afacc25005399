//! postman-cognito: put a fresh Amazon Cognito token into Postman collections.
//!
//! The data flows one way: arguments → a checked plan (`settings`) → inputs read and checked
//! (`collection::file`) → the token (`token_source`, `cognito`) → edits (`collection`, `json`,
//! `environment`) → staged writes renamed into place (`atomic`) → the report (`report`, `ui`).
//! ARCHITECTURE.md is the map.

// Arguments and settings: what to do.
pub mod cli; //           clap definitions only
pub mod config; //        postman-cognito.toml and its profiles
pub mod env; //           the environment snapshot, taken once
pub mod keys; //          the table of settings: names, flags, variables, defaults
pub mod settings;
pub mod urls; //          the rule for every URL that gets a secret //      flags + environment + profile → one checked Plan per command

// The commands: each acts on its plan.
pub mod commands; //      refresh, check, scrub, token, config show, cache clear, hooks
pub mod exec; //          exec's view of a runner's command line, its environment, reports
pub mod hooks; //         the git hook scripts

// Reading and editing Postman files, byte-exactly.
pub mod collection; //    the loader, the root auth, inheritance and --keep
pub mod environment; //   environment and globals files
pub mod json; //          the span scanner and the span edits
pub mod scrub; //         finding live tokens in files meant for git
pub mod splice; //        byte-range edits that keep every other byte (JSON and YAML alike)
pub mod yaml; //          the YAML reader with spans and the line edits (v3 collections)

// Tokens: where they come from and what they must be.
pub mod cache; //         the token cache
pub mod cognito; //       the Cognito client, SRP, challenges, the OAuth 2.0 flows
pub mod jwt; //           claims and checks
pub mod secrets_input; // secrets from standard input and the terminal
pub mod token; //         a token and where it came from
pub mod token_source; //  a token handed in, or Cognito

// Writing and reporting.
pub mod atomic; //        staged temporary files renamed into place
pub mod error; //         the typed failure and the exit codes
pub mod folder; //        a collection kept as a folder of files, read and written through descriptors
pub mod fsat; //          files reached through their folder's descriptor, never through a link
pub mod git; //           tracked files and the hooks folder
pub mod redact; //        masking tokens in what is shown
pub mod report; //        human and JSON reports, diffs
pub mod trust; //         files that must be the caller's own: config, cache
pub mod ui; //            the one way out to stderr

use std::io::Write;

use cli::Cli;
use error::{Exit, Failure};
use settings::{Env, Plan};
use ui::Ui;

/// Runs the parsed command line against the environment `env`: the report goes to `stdout`,
/// every other line through `ui`.
pub fn run(cli: Cli, env: &Env, stdout: &mut dyn Write, ui: &mut Ui) -> Result<Exit, Failure> {
    match settings::resolve(cli, env, ui)? {
        Plan::Refresh(p) => commands::refresh::run(&p, stdout, ui),
        Plan::Token(p) => commands::token(&p, stdout, ui),
        Plan::Exec(p) => commands::exec::run(&p, stdout, ui),
        Plan::Check(p) => commands::check::run(&p, stdout, ui),
        Plan::Scrub(p) => commands::scrub::run(&p, stdout, ui),
        Plan::ConfigShow(p) => commands::config_show(&p, stdout),
        Plan::CacheClear(p) => commands::cache_clear(&p, ui),
        Plan::HookInstall { hook, force } => commands::hook_install(hook, force, ui),
        Plan::HookUninstall { hook } => commands::hook_uninstall(hook, ui),
        Plan::HookRun { hook, settings } => commands::hook_run(hook, &settings, ui),
        Plan::Profiles(names) => commands::profiles(&names, stdout),
        Plan::Completions(shell) => commands::completions(shell, stdout),
        Plan::Man { dir } => commands::man(dir.as_deref(), stdout, ui),
    }
}

//! postman-cognito: put a fresh Amazon Cognito token into Postman collections.
//!
//! The data flows one way: arguments → a checked plan (`settings`) → inputs read and checked
//! (`collection::file`) → the token (`token_source`, `cognito`) → edits (`collection`, `json`,
//! `environment`) → staged writes renamed into place (`atomic`) → the report (`report`, `ui`).
//! ARCHITECTURE.md is the map.

// The modules, in layers from the bottom up: each imports only modules of the layers below it
// (tests/it/structure.rs keeps it so; ARCHITECTURE.md draws the map).

// 1. Small shared types.
pub mod env; //           the environment snapshot, taken once
pub mod error; //         the typed failure, malformed input, the exit codes
pub mod fsat; //          files reached through their folder's descriptor, never through a link
pub mod jwt; //           claims and checks
pub mod keys; //          the table of settings: names, flags, variables, defaults
pub mod redact; //        masking tokens, token shapes, escaping what the tool did not write
pub mod splice; //        byte-range edits that keep every other byte (JSON and YAML alike)
pub mod trust; //         files that must be the caller's own: config
pub mod urls; //          the rule for every URL that gets a secret

// 2. Readers, writers and the terminal.
pub mod atomic; //        staged temporary files renamed into place
pub mod bru; //           Bruno's .bru reader with spans
pub mod cli; //           clap definitions only
pub mod folder; //        a collection kept as a folder of files, read and written through descriptors
pub mod json; //          the JSON span scanner and the span edits
pub mod secrets_input; // secrets from standard input and the terminal
pub mod token; //         a token and where it came from
pub mod ui; //            the one way out to stderr
pub mod yaml; //          the YAML reader with spans and the line edits

// 3. Files and the machine.
pub mod cache; //         the token cache
pub mod config; //        postman-cognito.toml and its profiles
pub mod environment; //   environment and globals files (JSON, YAML): one dispatch point
pub mod git; //           tracked files, staged and pushed files, the hooks folder
pub mod scrub; //         finding live tokens in JSON, YAML and .env text

// 4. The seams: collections, and Cognito.
pub mod cognito; //       the Cognito client, SRP, challenges, the OAuth 2.0 flows
pub mod collection; //    the collection seam: a Document per format, the writer

// 5. What the commands are made of.
pub mod hooks; //         the git hook scripts and what they check
pub mod reference; //     docs/reference.md, generated from the command line and the table
pub mod report; //        human and JSON reports, diffs
pub mod runner; //        the runner seam: exec's runners, their channels, what they write
pub mod token_source; //  a token handed in, or Cognito

// 6. Arguments, environment and profile → one checked Plan per command.
pub mod settings;

// 7. The commands: each acts on its plan.
pub mod commands;

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

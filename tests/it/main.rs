//! The integration tests, in one binary (one link per change, as just and ripgrep do): the
//! postman-cognito binary against fixtures, real collections and real peers.
//!
//! Tests that need a peer (moto, cognito-local, newman) or privileges are `#[ignore]`d with
//! the reason, so that a plain `cargo test` runs the fast tier and lists them as ignored;
//! `scripts/test` starts the peers and runs them all (`--include-ignored`), skipping none.

mod support;

mod bruno;
mod cli;
mod cognito_local;
mod cognito_ministack;
mod cognito_moto;
mod config_cache;
mod conventions;
mod end_to_end;
mod exec;
mod fail_closed;
mod faults;
mod fuzz_regressions;
mod git_safety;
mod hardening;
mod hooks;
mod hosted_ui;
mod identities;
mod identities_run;
mod identity_pools;
mod machine_tokens;
mod modern_pools;
mod newman;
mod packaging;
mod patch;
mod plan;
mod promises;
mod reference;
mod runners;
mod seams;
mod secrets;
mod snapshots;
mod srp_verifier;
mod structure;
mod v3;
mod wild;

//! Command-line definitions only (clap derive). Values are raw; `lib::run` checks them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Put a fresh Amazon Cognito token into Postman collections, so Newman and the Postman app
/// send it on every request.
#[derive(Debug, Parser)]
#[command(name = "postman-cognito", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the token into each collection's OAuth 2.0 auth and make its children inherit it.
    Refresh(RefreshArgs),
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Collections to update (Postman format v2.0 or v2.1, as exported).
    #[arg(required = true, value_name = "COLLECTION")]
    pub collections: Vec<PathBuf>,

    /// Read the token from standard input (else from POSTMAN_COGNITO_TOKEN).
    #[arg(long)]
    pub token_stdin: bool,

    /// Text sent before the token in the Authorization header; '' sends the raw token.
    /// Without it, an existing headerPrefix is left alone (the default sends "Bearer").
    #[arg(long, value_name = "PREFIX")]
    pub header_prefix: Option<String>,

    /// Which folders and requests lose their own auth to inherit the collection's.
    #[arg(long, value_enum, default_value_t = InheritArg::Tokens)]
    pub inherit: InheritArg,

    /// Leave the folders or requests this JSONPath (RFC 9535) matches, and all under them,
    /// as they are. Repeatable.
    #[arg(long, value_name = "JSONPATH")]
    pub keep: Vec<String>,

    /// Write nothing; exit 1 if any collection would change.
    #[arg(long)]
    pub check: bool,

    /// Print a unified diff of each change, tokens masked (with --check: a dry run).
    #[arg(long)]
    pub diff: bool,

    /// Print the report as JSON on standard output.
    #[arg(long)]
    pub json: bool,

    /// Write the result to this file instead of in place (one collection only).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InheritArg {
    /// Children holding a copy of a token (oauth2, bearer) inherit; other auth is kept.
    Tokens,
    /// Every folder and request inherits.
    All,
    /// Only the collection's own auth is touched.
    None,
}

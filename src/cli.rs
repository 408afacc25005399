//! Command-line definitions only (clap derive). Values are raw; `lib::run` checks them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Put a fresh Amazon Cognito token into Postman collections, so Newman and the Postman app
/// send it on every request.
#[derive(Debug, Parser)]
#[command(name = "postman-cognito", version, about, long_about = None, args_override_self = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the token into each collection's OAuth 2.0 auth and make its children inherit it.
    Refresh(RefreshArgs),
    /// Sign in to Cognito and print the token (for `newman --env-var` and curl).
    Token(TokenArgs),
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub cognito: CognitoArgs,

    /// Print the id and access tokens and their expiry as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Where to sign in, and how. Secrets come from the environment or standard input only.
#[derive(Debug, Args, Clone)]
pub struct CognitoArgs {
    /// The user pool, e.g. us-east-1_AbCdEf123 (its prefix is the region).
    #[arg(long, env = "COGNITO_USER_POOL_ID", value_name = "ID")]
    pub user_pool_id: Option<String>,

    /// The app client id.
    #[arg(long, env = "COGNITO_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,

    /// The user to sign in as.
    #[arg(long, env = "COGNITO_USERNAME", value_name = "NAME")]
    pub username: Option<String>,

    /// AWS region (else AWS_REGION, AWS_DEFAULT_REGION, or the pool id's prefix).
    #[arg(long)]
    pub region: Option<String>,

    /// cognito-idp endpoint (else AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, AWS_ENDPOINT_URL,
    /// or the regional AWS endpoint). Plain http only to loopback.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// How to sign in.
    #[arg(long, value_enum, default_value_t = FlowArg::Srp)]
    pub flow: FlowArg,

    /// Which token to use: id (what an API Gateway Cognito authorizer without scopes wants) or
    /// access.
    #[arg(long, value_enum, default_value_t = TokenArg::Id)]
    pub token: TokenArg,

    /// Read the password from standard input (else COGNITO_PASSWORD, else a hidden prompt).
    #[arg(long)]
    pub password_stdin: bool,

    /// Read the refresh token from standard input (else COGNITO_REFRESH_TOKEN).
    #[arg(long)]
    pub refresh_token_stdin: bool,

    /// When Cognito requires a new password, read it from standard input (after the password).
    #[arg(long)]
    pub new_password_stdin: bool,

    /// Time allowed to connect to Cognito.
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub connect_timeout: humantime::Duration,

    /// Time allowed for one call to Cognito, from connect to the last byte.
    #[arg(long, value_name = "DURATION", default_value = "20s")]
    pub timeout: humantime::Duration,

    /// Further tries on throttling, server and network errors (never on a refused sign-in).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,

    /// Say what is being done on stderr (never secrets).
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlowArg {
    /// USER_SRP_AUTH: the password never leaves the machine (allowed by default).
    Srp,
    /// USER_PASSWORD_AUTH: the client must allow it.
    Password,
    /// REFRESH_TOKEN_AUTH with a refresh token from COGNITO_REFRESH_TOKEN or stdin.
    Refresh,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenArg {
    Id,
    Access,
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Collections to update (Postman format v2.0 or v2.1, as exported).
    #[arg(required = true, value_name = "COLLECTION")]
    pub collections: Vec<PathBuf>,

    #[command(flatten)]
    pub cognito: CognitoArgs,

    /// Read a token you already have from standard input, instead of signing in.
    /// (Without Cognito settings, POSTMAN_COGNITO_TOKEN is used.)
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

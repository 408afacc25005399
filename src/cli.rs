//! Command-line definitions only (clap derive). Values are raw; `settings::resolve` checks them
//! and reads the environment (clap reads no variable itself).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Deserialize;

/// Put a fresh Amazon Cognito token into Postman collections, so Newman and the Postman app
/// send it on every request.
#[derive(Debug, Parser)]
#[command(name = "postman-cognito", version, about, long_about = None, args_override_self = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    #[command(flatten)]
    pub global: GlobalArgs,
}

/// The heading of the options every command takes.
const GLOBAL: &str = "Options every command takes";
/// The heading of the sign-in options.
pub const SIGN_IN: &str = "Signing in";
/// The heading of the options that choose what is printed.
const OUTPUT: &str = "Output";

/// Options every command takes, before or after its name (`postman-cognito --profile ci refresh`).
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Config file (default: postman-cognito.toml in this folder or one above, up to the repo
    /// root or the home folder).
    #[arg(long, global = true, value_name = "FILE", help_heading = GLOBAL)]
    pub config: Option<PathBuf>,

    /// Profile of the config file to use (else POSTMAN_COGNITO_PROFILE).
    #[arg(long, global = true, value_name = "NAME", help_heading = GLOBAL)]
    pub profile: Option<String>,

    /// Say what is being done on stderr (never secrets).
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub verbose: bool,

    /// Print only warnings and errors on stderr (for CI logs): nothing on success.
    #[arg(short, long, global = true, conflicts_with = "verbose", help_heading = GLOBAL)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the token into each collection's OAuth 2.0 auth and make its children inherit it.
    Refresh(RefreshArgs),
    /// Sign in and run newman or the Postman CLI with the token as an environment variable,
    /// handed over in memory: never on a command line, never in a file that outlives the run.
    Exec(ExecArgs),
    /// Sign in to Cognito and print the token (for curl and scripts).
    Token(TokenArgs),
    /// Show the settings in force (secrets redacted) and where each one came from.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage the token cache.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Remove live tokens (JWTs) from collections and environment files before they are
    /// committed.
    Scrub(ScrubArgs),
    /// Check collections offline: OAuth 2.0 root auth with a token or variable, a token that
    /// stays valid, children that inherit. Exit 1 on any problem.
    Check(CheckArgs),
    /// Install or remove the git hooks (pre-push runs `check`, pre-commit runs `scrub --check`).
    #[command(subcommand)]
    Hook(HookCommand),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write a page per command into a folder.
    Man {
        /// Write postman-cognito.1 and postman-cognito-<command>.1 into this folder.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ScrubArgs {
    /// Collections and environment or globals files; default: the profile's collections, else
    /// the Postman files git tracks here.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Replace tokens in collections with {{NAME}} instead of emptying them.
    #[arg(long, value_name = "NAME")]
    pub token_var: Option<String>,

    /// Write nothing; exit 1 if any file holds a live token.
    #[arg(long)]
    pub check: bool,

    /// Pass over named files that are not Postman files (for hook managers that hand over
    /// every staged .json file).
    #[arg(long)]
    pub skip_other_files: bool,

    /// Print what was found (and removed) as JSON on standard output.
    #[arg(long, help_heading = OUTPUT)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Collections; default: the profile's collections, else the collections git tracks here.
    #[arg(value_name = "COLLECTION")]
    pub collections: Vec<PathBuf>,

    /// The inherit policy children are checked against.
    #[arg(long, value_enum)]
    pub inherit: Option<InheritArg>,

    /// Folders or requests (JSONPath) not checked for inheritance. Repeatable.
    #[arg(long, value_name = "JSONPATH")]
    pub keep: Vec<String>,

    /// A literal token must stay valid this long.
    #[arg(long, value_name = "DURATION")]
    pub min_ttl: Option<humantime::Duration>,

    /// The identities the collection may send (NAME=PROFILE, or NAME): a folder that sends
    /// another variable the collection does not define is a problem. Repeatable; replaces the
    /// profile's identities
    #[arg(long = "identity", value_name = "NAME=PROFILE")]
    pub identities: Vec<String>,

    /// Also print the problems as JSON on standard output.
    #[arg(long, help_heading = OUTPUT)]
    pub json: bool,

    /// Pass over named files that are not Postman collections (for hook managers that hand
    /// over every staged .json file).
    #[arg(long)]
    pub skip_other_files: bool,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write the hook into the repo's hooks folder (core.hooksPath honoured).
    Install {
        #[arg(value_enum)]
        hook: HookArg,
        /// Replace a hook postman-cognito did not write (it is kept as a backup).
        #[arg(long)]
        force: bool,
    },
    /// Remove postman-cognito's hooks (never anyone else's), putting back a hook that
    /// --force moved aside.
    Uninstall {
        #[arg(value_enum)]
        hook: Option<HookArg>,
    },
    /// What the installed hooks run: pre-commit checks the staged Postman files for live
    /// tokens; pre-push checks the collections in the commits being pushed (their refs on
    /// standard input, as git gives them). Exit 1 stops the commit or push.
    Run {
        #[arg(value_enum)]
        hook: HookArg,
        /// What git passes the hook (pre-push: the remote's name and URL); not used.
        #[arg(hide = true, trailing_var_arg = true, allow_hyphen_values = true)]
        git_args: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HookArg {
    PrePush,
    PreCommit,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the resolved settings: flags, then environment variables, then the profile, then
    /// defaults.
    Show(Box<ConfigShowArgs>),
    /// Print the names of the profiles in the config files found (for shell completion).
    Profiles,
}

#[derive(Debug, Args)]
pub struct ConfigShowArgs {
    #[command(flatten)]
    pub cognito: CognitoArgs,

    /// Print them as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Delete cached tokens: the profile's entry with --profile, else all of them.
    Clear(CacheClearArgs),
}

/// Which cache entry: what names it (the pool, the client, the user, the flow, the endpoint).
#[derive(Debug, Args)]
pub struct CacheClearArgs {
    /// The user pool whose entry to delete (else COGNITO_USER_POOL_ID).
    #[arg(long, value_name = "ID")]
    pub user_pool_id: Option<String>,

    /// The app client id (else COGNITO_CLIENT_ID).
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// The user (else COGNITO_USERNAME).
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,

    /// The flow the entry was signed in with.
    #[arg(long, value_enum)]
    pub flow: Option<FlowArg>,

    /// AWS region (else AWS_REGION, AWS_DEFAULT_REGION, or the pool id's prefix).
    #[arg(long)]
    pub region: Option<String>,

    /// The cognito-idp endpoint the entry was signed in at.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

impl CacheClearArgs {
    /// These settings as sign-in settings (the rest unset).
    pub fn cognito(&self) -> CognitoArgs {
        CognitoArgs {
            user_pool_id: self.user_pool_id.clone(),
            client_id: self.client_id.clone(),
            username: self.username.clone(),
            flow: self.flow,
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            ..CognitoArgs::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The variable that holds the token: newman and the Postman CLI {{token}}, Bruno
    /// {{process.env.COGNITO_TOKEN}}, Hoppscotch <<token>>, Hurl {{token}}, k6
    /// __ENV.COGNITO_TOKEN
    #[arg(long, value_name = "NAME")]
    pub token_var: Option<String>,

    /// Run any command, the token in its environment as variable NAME (as `op run` does)
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,

    /// The command, after `--`: newman run, postman collection run, bru run, hopp test, hurl,
    /// k6 run, or with --env any command.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,

    #[command(flatten)]
    pub cognito: CognitoArgs,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Print the id and access tokens and their expiry as one JSON object.
    #[arg(long, help_heading = OUTPUT)]
    pub json: bool,

    #[command(flatten)]
    pub cognito: CognitoArgs,
}

/// Where to sign in, and how. Secrets come from the environment or standard input only.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = SIGN_IN)]
pub struct CognitoArgs {
    /// Another identity: variable NAME gets the token of profile PROFILE's sign-in
    /// (NAME=PROFILE, NAME=PROFILE:access for its access token, NAME=:access for this sign-in's
    /// access token). Repeatable; replaces the profile's identities. `token --identity NAME`
    /// prints that identity's token
    #[arg(long = "identity", value_name = "NAME=PROFILE")]
    pub identities: Vec<String>,

    /// Neither read nor write the token cache.
    #[arg(long)]
    pub no_cache: bool,

    /// Use a cached token only if it stays valid this long.
    #[arg(long, value_name = "DURATION")]
    pub min_ttl: Option<humantime::Duration>,

    /// The user pool, e.g. us-east-1_AbCdEf123 (its prefix is the region) (else
    /// COGNITO_USER_POOL_ID).
    #[arg(long, value_name = "ID")]
    pub user_pool_id: Option<String>,

    /// The app client id (else COGNITO_CLIENT_ID).
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// An identity pool, e.g. us-east-1:0f1e2d3c-... (its prefix is the region): exec and
    /// --env-file also hand over the user's AWS credentials from it, as aws_access_key_id,
    /// aws_secret_access_key and aws_session_token (else COGNITO_IDENTITY_POOL_ID).
    #[arg(long, value_name = "ID")]
    pub identity_pool_id: Option<String>,

    /// The user to sign in as (else COGNITO_USERNAME).
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,

    /// AWS region (else AWS_REGION, AWS_DEFAULT_REGION, or the pool id's prefix).
    #[arg(long)]
    pub region: Option<String>,

    /// cognito-idp endpoint (else AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, AWS_ENDPOINT_URL,
    /// or the regional AWS endpoint). Plain http only to loopback.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Allow plain http to this one host besides loopback: an emulator reached by name
    /// (cognito-local in docker compose, localstack). Never a real Cognito host.
    #[arg(long, value_name = "HOST")]
    pub allow_http_host: Option<String>,

    /// How to sign in.
    #[arg(long, value_enum)]
    pub flow: Option<FlowArg>,

    /// Which token to use: id (what an API Gateway Cognito authorizer without scopes wants) or
    /// access.
    #[arg(long, value_enum)]
    pub token: Option<TokenArg>,

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
    #[arg(long, value_name = "DURATION")]
    pub connect_timeout: Option<humantime::Duration>,

    /// Time allowed for one call to Cognito, from connect to the last byte.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<humantime::Duration>,

    /// Further tries on throttling, server and network errors (never on a refused sign-in).
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,

    /// The pool's domain for the OAuth 2.0 flows: https://<prefix>.auth.<region>.amazoncognito.com
    /// or a custom domain (else read from the pool's OIDC discovery document).
    #[arg(long, value_name = "URL")]
    pub domain: Option<String>,

    /// OAuth scopes.
    #[arg(long, value_name = "SCOPES")]
    pub scope: Option<String>,

    /// How the client authenticates at the token endpoint.
    #[arg(long, value_enum, value_name = "HOW")]
    pub client_auth: Option<ClientAuthArg>,

    /// Port for the browser's callback (http://localhost:PORT/callback).
    #[arg(long, value_name = "PORT")]
    pub callback_port: Option<u16>,

    /// How long to wait for the browser sign-in.
    #[arg(long, value_name = "DURATION")]
    pub browser_timeout: Option<humantime::Duration>,

    /// --flow browser: go straight to this identity provider (its name in the pool, e.g. a
    /// SAML or OIDC provider), skipping the Hosted UI's chooser.
    #[arg(long, value_name = "NAME", conflicts_with = "idp_identifier")]
    pub identity_provider: Option<String>,

    /// --flow browser: go straight to the identity provider with this identifier (e.g. the
    /// users' e-mail domain).
    #[arg(long, value_name = "ID")]
    pub idp_identifier: Option<String>,

    /// When Cognito requires the user to set up MFA (MFA_SETUP), enrol a new TOTP
    /// authenticator and show its secret once (to store as COGNITO_TOTP_SECRET).
    #[arg(long)]
    pub setup_mfa: bool,

    /// A user attribute to send with a new password when Cognito requires it
    /// (NEW_PASSWORD_REQUIRED with required attributes); repeatable.
    #[arg(long = "attribute", value_name = "NAME=VALUE")]
    pub attributes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientAuthArg {
    /// HTTP Basic: Authorization: Basic base64(client_id:secret).
    Basic,
    /// client_id and client_secret in the form body.
    Body,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowArg {
    /// USER_SRP_AUTH: the password never leaves the machine (allowed by default; else
    /// USER_AUTH with PASSWORD_SRP).
    Srp,
    /// USER_PASSWORD_AUTH: the client must allow it (else USER_AUTH with PASSWORD).
    Password,
    /// USER_AUTH, the choice-based flow (Essentials pools): PASSWORD_SRP, else what the pool
    /// offers (PASSWORD, or EMAIL_OTP / SMS_OTP typed on a terminal).
    UserAuth,
    /// Refresh with a refresh token from COGNITO_REFRESH_TOKEN or stdin
    /// (GetTokensFromRefreshToken, else REFRESH_TOKEN_AUTH).
    Refresh,
    /// The Hosted UI in the system browser: authorization code with PKCE (needs --domain).
    Browser,
    /// OAuth 2.0 client credentials for machine clients (access token only): the domain's
    /// /oauth2/token, or GetClientToken when the pool has no domain.
    ClientCredentials,
    /// GetClientToken: a machine client's access token from the cognito-idp API, no domain
    /// needed (the client allows ALLOW_CLIENT_TOKEN_AUTH).
    ClientToken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenArg {
    Id,
    Access,
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Collections to update: Postman v2.0 or v2.1 exports (.json), or v3 collection folders;
    /// default: the profile's `collections`.
    #[arg(value_name = "COLLECTION")]
    pub collections: Vec<PathBuf>,

    /// Read a token you already have from standard input, instead of signing in.
    /// (Without Cognito settings, POSTMAN_COGNITO_TOKEN is used.)
    #[arg(long)]
    pub token_stdin: bool,

    /// Text sent before the token in the Authorization header; '' sends the raw token.
    #[arg(long, value_name = "PREFIX")]
    pub header_prefix: Option<String>,

    /// Which folders and requests lose their own auth to inherit the collection's.
    #[arg(long, value_enum)]
    pub inherit: Option<InheritArg>,

    /// Leave the folders or requests this JSONPath (RFC 9535) matches, and all under them,
    /// as they are. Repeatable.
    #[arg(long, value_name = "JSONPATH")]
    pub keep: Vec<String>,

    /// Make the folders or requests PATTERN names send {{VARIABLE}} (another identity's
    /// token): PATTERN is a name path from the top ('Admin/**', '**/Reports') or a JSONPath.
    /// Repeatable; replaces the profile's assign
    #[arg(long, value_name = "PATTERN=VARIABLE")]
    pub assign: Vec<String>,

    /// With --identity-pool-id: the AWS service the collection's awsv4 auth signs for
    /// (execute-api for API Gateway, appsync, lambda)
    #[arg(long, value_name = "SERVICE")]
    pub aws_service: Option<String>,

    /// With --identity-pool-id: the AWS Region the collection's awsv4 auth signs for (where
    /// the API is; the identity pool's unless given)
    #[arg(long, value_name = "REGION")]
    pub aws_region: Option<String>,

    /// Write {{NAME}} into the collection instead of the token (keep the token out of git).
    #[arg(long, value_name = "NAME")]
    pub token_var: Option<String>,

    /// Write the token into this Postman environment file as variable NAME (type secret);
    /// created if missing. Implies --token-var token unless given.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,

    /// The same for a Postman globals file.
    #[arg(long, value_name = "FILE")]
    pub globals_file: Option<PathBuf>,

    /// Do not warn when a live token is written into a file git tracks.
    #[arg(long)]
    pub allow_tracked_token: bool,

    /// Write the grant settings the Postman app needs to get a token itself (grant type, auth
    /// and token URLs, client id, scope, PKCE) [default: true when the domain is known].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub write_grant_settings: Option<bool>,

    /// Write nothing; exit 1 if any collection would change.
    #[arg(long, help_heading = OUTPUT)]
    pub check: bool,

    /// Print a unified diff of each change on stdout, <new token> where the token goes.
    /// Without --check the files are written too (unlike black --diff): add --check for a dry
    /// run.
    #[arg(long, help_heading = OUTPUT)]
    pub diff: bool,

    /// Print the report as JSON on standard output.
    #[arg(long, help_heading = OUTPUT)]
    pub json: bool,

    /// Write the result to this file instead of in place (one collection file only).
    #[arg(short, long, value_name = "FILE", help_heading = OUTPUT)]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub cognito: CognitoArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InheritArg {
    /// Children holding a copy of a token (oauth2, bearer) inherit; other auth is kept.
    Tokens,
    /// Every folder and request inherits.
    All,
    /// Only the collection's own auth is touched.
    None,
}

/// Two or three examples of every command, shown after its options (`-h` and `--help`).
pub const EXAMPLES: &[(&str, &[(&str, &str)])] = &[
    (
        "refresh",
        &[
            (
                "refresh --token-var token api.postman_collection.json",
                "offline, once: the collection sends {{token}}; commit it",
            ),
            (
                "refresh api.postman_collection.json",
                "sign in and write the token itself (for the Postman app)",
            ),
            (
                "refresh --check --diff",
                "what would change in the profile's collections; nothing written",
            ),
        ],
    ),
    (
        "exec",
        &[
            (
                "exec -- newman run api.postman_collection.json -e staging.json",
                "sign in, run newman with {{token}} in memory",
            ),
            (
                "exec -- postman collection run postman/collections/API",
                "the same with the Postman CLI and a v3 folder",
            ),
            (
                "--profile admin exec --token-var token_admin -- npx newman run api.json",
                "another profile, another variable",
            ),
        ],
    ),
    (
        "token",
        &[
            ("token", "sign in (or use the cache) and print the id token"),
            (
                "token --token access --json",
                "the access token, with its expiry, as JSON",
            ),
        ],
    ),
    (
        "check",
        &[
            ("check", "the collections git tracks here: ready for a run?"),
            (
                "check --inherit all --min-ttl 1h api.postman_collection.json",
                "stricter",
            ),
        ],
    ),
    (
        "scrub",
        &[
            (
                "scrub --check",
                "exit 1 if a file git tracks holds a live token",
            ),
            (
                "scrub --token-var token api.postman_collection.json",
                "replace each token with {{token}}",
            ),
        ],
    ),
    (
        "config",
        &[
            (
                "config show",
                "every setting in force, and where it came from",
            ),
            (
                "--profile ci config show --json",
                "the same for another profile, as JSON",
            ),
        ],
    ),
    (
        "config show",
        &[
            (
                "config show",
                "every setting in force, and where it came from",
            ),
            (
                "--profile ci config show --json",
                "the same for another profile, as JSON",
            ),
        ],
    ),
    (
        "config profiles",
        &[("config profiles", "the profiles of the config files found")],
    ),
    (
        "cache",
        &[
            ("cache clear", "delete every cached token"),
            (
                "--profile ci cache clear",
                "delete the profile's entry only",
            ),
        ],
    ),
    (
        "cache clear",
        &[
            ("cache clear", "delete every cached token"),
            (
                "--profile ci cache clear",
                "delete the profile's entry only",
            ),
        ],
    ),
    (
        "hook",
        &[
            (
                "hook install pre-commit",
                "stop commits of files that hold a live token",
            ),
            (
                "hook install pre-push",
                "stop pushes of collections that are not ready",
            ),
            ("hook uninstall", "remove both (never another tool's hook)"),
        ],
    ),
    (
        "hook install",
        &[
            (
                "hook install pre-commit",
                "stop commits of files that hold a live token",
            ),
            (
                "hook install pre-push --force",
                "replace a hook of another tool (kept as a backup)",
            ),
        ],
    ),
    (
        "hook uninstall",
        &[
            ("hook uninstall", "remove both hooks"),
            ("hook uninstall pre-push", "remove one"),
        ],
    ),
    (
        "hook run",
        &[("hook run pre-commit", "what the installed hook runs")],
    ),
    (
        "completions",
        &[
            (
                "completions bash > ~/.local/share/bash-completion/completions/postman-cognito",
                "bash",
            ),
            ("completions zsh > ~/.zfunc/_postman-cognito", "zsh"),
        ],
    ),
    (
        "man",
        &[
            ("man | man -l -", "read the page"),
            ("man --dir ./man", "a page per command"),
        ],
    ),
];

/// The examples of the command at `path` ("config show"), as help text.
fn examples(path: &str) -> Option<String> {
    let (_, list) = EXAMPLES.iter().find(|(p, _)| *p == path)?;
    let width = list.iter().map(|(c, _)| c.len()).max().unwrap_or(0) + 16;
    let mut out = String::from("Examples:\n");
    for (cmd, what) in *list {
        out.push_str(&format!(
            "  postman-cognito {cmd:<w$}  # {what}\n",
            w = width - 16
        ));
    }
    Some(out)
}

/// `arg` with its default from the settings table appended to its help (`[default: 10m]`), so
/// that each default is written once, in the table.
fn with_default(arg: clap::Arg) -> clap::Arg {
    use crate::keys::DefaultValue;
    let Some(long) = arg.get_long().map(|l| format!("--{l}")) else {
        return arg;
    };
    if !arg.get_action().takes_values() {
        return arg;
    }
    let Some(key) = crate::keys::ALL
        .iter()
        .find(|k| k.flag == Some(long.as_str()))
    else {
        return arg;
    };
    let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
    let default = match key.default {
        DefaultValue::Value(v) => v,
        // A derived default the help does not already explain.
        DefaultValue::Derived(how) if !help.contains("(else") => how,
        _ => return arg,
    };
    arg.help(format!("{help} [default: {default}]"))
}

/// `cmd` and every command under it, at `path`, with table defaults, examples and the tail.
fn finish_help(cmd: clap::Command, path: &str, tail: &str) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    let mut cmd = cmd.mut_args(with_default);
    let examples = examples(path);
    if let Some(e) = &examples {
        cmd = cmd.after_help(e.clone());
    }
    cmd = cmd.after_long_help(format!(
        "{}{tail}",
        examples.map(|e| e + "\n").unwrap_or_default()
    ));
    for name in names {
        let sub = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        cmd = cmd.mut_subcommand(&name, |s| finish_help(s, &sub, tail));
    }
    cmd
}

/// The command line with what `--help` and the man pages add: each default from the settings
/// table, two or three examples of every command, and after the options the environment
/// variables (from the settings table), the exit codes and the files.
pub fn command() -> clap::Command {
    let tail = help_tail(false);
    finish_help(<Cli as clap::CommandFactory>::command(), "", &tail)
}

/// Every environment variable the tool reads, with what it sets: the settings table's, then the
/// others.
pub fn environment_rows() -> Vec<(String, String)> {
    let mut env = Vec::new();
    for key in crate::keys::ALL {
        for var in key.env {
            let what = if key.secret {
                format!(
                    "the {} (a secret: read, never shown)",
                    key.name.replace('_', " ")
                )
            } else {
                format!("{} ({})", key.name, key.flag.unwrap_or("profile"))
            };
            env.push((var.to_string(), what));
        }
    }
    for (var, what) in [
        (
            "POSTMAN_COGNITO_TOKEN",
            "a token to write instead of signing in (refresh, exec)",
        ),
        (
            "POSTMAN_COGNITO_CONFIG",
            "the config file, as --config (the flag wins)",
        ),
        (
            "XDG_CACHE_HOME",
            "the token cache's parent folder (absolute paths only)",
        ),
        (
            "XDG_CONFIG_HOME",
            "your own config file's parent folder (else ~/.config)",
        ),
        (
            "AWS_CONFIG_FILE, AWS_PROFILE",
            "the AWS shared config file and its profile, read for a cognito-idp endpoint_url",
        ),
        (
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
            "true: ignore the AWS endpoint variables and the AWS config file",
        ),
        (
            "AWS_USE_FIPS_ENDPOINT",
            "true: the FIPS cognito-idp endpoint (the US regions that have one)",
        ),
        (
            "BROWSER, DISPLAY, WAYLAND_DISPLAY",
            "--flow browser: which browser opens the sign-in page, and whether one can",
        ),
        (
            "HTTPS_PROXY, NO_PROXY",
            "the proxy for https calls; plain http never uses one",
        ),
        (
            "GITHUB_ACTIONS",
            "exec masks the token in the job's log when it is true",
        ),
    ] {
        env.push((var.to_string(), what.to_string()));
    }
    env
}

/// ENVIRONMENT, EXIT STATUS and FILES, as text (or as roff with `roff`).
pub fn help_tail(roff: bool) -> String {
    let mut out = String::new();
    let mut section = |name: &str, rows: Vec<(String, String)>| {
        if roff {
            out.push_str(&format!(".SH \"{name}\"\n"));
            for (k, v) in rows {
                let esc = |t: &str| t.replace('\\', "\\\\").replace('-', "\\-");
                out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", esc(&k), esc(&v)));
            }
        } else {
            out.push_str(&format!("{name}:\n"));
            for (k, v) in rows {
                out.push_str(&format!("  {k:<34} {v}\n"));
            }
            out.push('\n');
        }
    };
    section("ENVIRONMENT", environment_rows());
    let codes = crate::error::EXIT_CODES
        .iter()
        .map(|(c, w)| (c.to_string(), w.to_string()))
        .collect();
    section("EXIT STATUS", codes);
    let files = [
        (
            "postman-cognito.toml",
            "the config file: from the working folder up to the repo root or the home folder",
        ),
        (
            "$XDG_CACHE_HOME/postman-cognito/",
            "the token cache (0700; entries 0600)",
        ),
    ]
    .iter()
    .map(|(f, w)| (f.to_string(), w.to_string()))
    .collect();
    section("FILES", files);
    out
}

impl Cli {
    /// The command's name in `--json` documents, when `--json` was asked for.
    pub fn json_command(&self) -> Option<&'static str> {
        match &self.command {
            Command::Refresh(a) if a.json => Some("refresh"),
            Command::Token(a) if a.json => Some("token"),
            Command::Check(a) if a.json => Some("check"),
            Command::Scrub(a) if a.json => Some("scrub"),
            Command::Config(ConfigCommand::Show(a)) if a.json => Some("config-show"),
            _ => None,
        }
    }
}

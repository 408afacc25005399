//! Raw arguments, the environment and the config profile turned into checked settings, with
//! where each value came from. Precedence: flags, then environment variables, then the
//! profile, then defaults.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Serialize;

use crate::cli::{ClientAuthArg, CognitoArgs, FlowArg, InheritArg, RefreshArgs, TokenArg};
use crate::cognito::api::CallPolicy;
use crate::cognito::oauth::ClientAuth;
use crate::cognito::source::{
    CLIENT_SECRET_ENV, CognitoSettings, CognitoSource, Flow, OAuthSettings, PASSWORD_ENV,
    REFRESH_TOKEN_ENV, SecretFrom, Secrets, TOTP_SECRET_ENV,
};

/// The scopes asked for in the Hosted UI by default (what the Postman app's Cognito guides use).
pub const DEFAULT_SCOPE: &str = "openid email phone profile aws.cognito.signin.user.admin";
use crate::collection::inherit::Policy;
use crate::config::{self, Loaded};
use crate::error::Failure;
use crate::jwt::TokenKind;
use crate::secrets_input::{StdinSecrets, env_secret};
use crate::token_source::{GivenToken, TOKEN_ENV, TokenSource};

/// One resolved setting, for `config show`.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub key: String,
    /// The value, or `<redacted>` for secrets; `None` when unset.
    pub value: Option<String>,
    pub source: String,
}

/// Resolves values in precedence order and remembers where each came from.
pub struct Resolver<'a> {
    matches: Option<&'a ArgMatches>,
    pub config: Option<Loaded>,
    pub shown: Vec<Shown>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl<'a> Resolver<'a> {
    /// Finds and loads the config file named by `--config`, or found from the current folder.
    pub fn new(args: &CognitoArgs, matches: Option<&'a ArgMatches>) -> Result<Self, Failure> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let config = match config::find(args.config.as_deref(), &cwd)? {
            Some(path) => Some(config::load(&path, args.profile.as_deref())?),
            None if args.profile.is_some() => {
                return Err(Failure::usage(format!(
                    "profile {:?} asked for, but there is no {} here or above (up to the repo root)",
                    args.profile.as_deref().unwrap_or_default(),
                    config::FILE_NAME
                ))
                .with_hint("create one, or name it with --config"));
            }
            None => None,
        };
        Ok(Resolver {
            matches,
            config,
            shown: Vec::new(),
        })
    }

    fn profile_label(&self) -> String {
        self.config
            .as_ref()
            .map(|c| format!("profile {} in {}", c.name, c.path.display()))
            .unwrap_or_default()
    }

    /// Where a value clap produced came from: the flag, or its environment variable.
    fn cli_origin(&self, id: &str, flag: &str, env_name: Option<&str>) -> String {
        match self.matches.and_then(|m| m.value_source(id)) {
            Some(ValueSource::EnvVariable) => format!("env {}", env_name.unwrap_or("?")),
            _ => format!("flag {flag}"),
        }
    }

    /// flag/env (from clap) > profile > default, recording the origin.
    #[allow(clippy::too_many_arguments)]
    fn pick<T: Clone>(
        &mut self,
        key: &str,
        flag: &str,
        env_name: Option<&str>,
        cli: Option<T>,
        profile: Option<T>,
        default: Option<T>,
        show: impl Fn(&T) -> String,
    ) -> Option<T> {
        let id = key;
        let (value, source) = if let Some(v) = cli {
            let o = self.cli_origin(id, flag, env_name);
            (Some(v), o)
        } else if let Some(v) = profile {
            (Some(v), self.profile_label())
        } else if let Some(v) = default {
            (Some(v), "default".to_string())
        } else {
            (None, "not set".to_string())
        };
        self.shown.push(Shown {
            key: key.to_string(),
            value: value.as_ref().map(&show),
            source,
        });
        value
    }

    fn profile(&self) -> config::Profile {
        self.config
            .as_ref()
            .map(|c| c.profile.clone())
            .unwrap_or_default()
    }

    /// A duration from the profile (checked, with the file's line on error).
    fn profile_duration(
        &self,
        v: &Option<toml::Spanned<String>>,
        key: &str,
    ) -> Result<Option<Duration>, Failure> {
        match (v, &self.config) {
            (Some(s), Some(c)) => humantime::parse_duration(s.get_ref())
                .map(Some)
                .map_err(|e| {
                    c.bad_value(
                        s.span(),
                        key,
                        &format!("{e}; write it like \"10m\" or \"45s\""),
                    )
                }),
            _ => Ok(None),
        }
    }
}

/// Checks the Cognito settings; `None` when no pool is named anywhere.
pub fn cognito_settings(
    args: &CognitoArgs,
    r: &mut Resolver,
) -> Result<Option<CognitoSettings>, Failure> {
    resolve_cognito(args, r, true)
}

/// Resolves every setting for `config show`, without failing on ones that are missing.
pub fn show_settings(args: &CognitoArgs, r: &mut Resolver) -> Result<(), Failure> {
    resolve_cognito(args, r, false).map(|_| ())
}

fn resolve_cognito(
    args: &CognitoArgs,
    r: &mut Resolver,
    strict: bool,
) -> Result<Option<CognitoSettings>, Failure> {
    let p = r.profile();
    let pool_id = r.pick(
        "user_pool_id",
        "--user-pool-id",
        Some("COGNITO_USER_POOL_ID"),
        args.user_pool_id.clone(),
        p.user_pool_id.clone(),
        None,
        Clone::clone,
    );
    let client_id = r.pick(
        "client_id",
        "--client-id",
        Some("COGNITO_CLIENT_ID"),
        args.client_id.clone(),
        p.client_id.clone(),
        None,
        Clone::clone,
    );
    let username = r.pick(
        "username",
        "--username",
        Some("COGNITO_USERNAME"),
        args.username.clone(),
        p.username.clone(),
        None,
        Clone::clone,
    );
    let flow_arg = r.pick(
        "flow",
        "--flow",
        None,
        args.flow,
        p.flow,
        Some(FlowArg::Srp),
        |f| format!("{f:?}").to_lowercase(),
    );
    let token_arg = r.pick(
        "token",
        "--token",
        None,
        args.token,
        p.token,
        Some(TokenArg::Id),
        |t| format!("{t:?}").to_lowercase(),
    );
    let region_env = env("AWS_REGION")
        .map(|v| (v, "AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION").map(|v| (v, "AWS_DEFAULT_REGION")));
    let endpoint_env = env("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
        .map(|v| (v, "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"))
        .or_else(|| env("AWS_ENDPOINT_URL").map(|v| (v, "AWS_ENDPOINT_URL")));
    let pool_region = pool_id
        .as_deref()
        .and_then(|id| id.split_once('_'))
        .map(|(r, _)| r.to_string());
    let region = pick_with_env(
        r,
        "region",
        "--region",
        args.region.clone(),
        region_env,
        p.region.clone(),
        pool_region.clone(),
        "the pool id",
    );
    let endpoint = pick_with_env(
        r,
        "endpoint_url",
        "--endpoint-url",
        args.endpoint_url.clone(),
        endpoint_env,
        p.endpoint_url.clone(),
        region
            .as_ref()
            .map(|reg| format!("https://cognito-idp.{reg}.amazonaws.com/")),
        "default for the region",
    );
    let overridden = r
        .shown
        .last()
        .is_some_and(|s| s.source != "default for the region");
    let min_ttl = r.pick(
        "min_ttl",
        "--min-ttl",
        None,
        args.min_ttl.map(Duration::from),
        r.profile_duration(&p.min_ttl, "min_ttl")?,
        Some(Duration::from_secs(600)),
        |d| humantime::format_duration(*d).to_string(),
    );
    let connect_timeout = r.pick(
        "connect_timeout",
        "--connect-timeout",
        None,
        args.connect_timeout.map(Duration::from),
        r.profile_duration(&p.connect_timeout, "connect_timeout")?,
        Some(Duration::from_secs(5)),
        |d| humantime::format_duration(*d).to_string(),
    );
    let timeout = r.pick(
        "timeout",
        "--timeout",
        None,
        args.timeout.map(Duration::from),
        r.profile_duration(&p.timeout, "timeout")?,
        Some(Duration::from_secs(20)),
        |d| humantime::format_duration(*d).to_string(),
    );
    let retries = r.pick(
        "retries",
        "--retries",
        None,
        args.retries,
        p.retries,
        Some(3),
        u32::to_string,
    );
    let secrets = secret_sources(args, &p, r);
    let domain = r.pick(
        "domain",
        "--domain",
        None,
        args.domain.clone(),
        p.domain.clone(),
        None,
        Clone::clone,
    );
    let cc = flow_arg == Some(FlowArg::ClientCredentials);
    let default_scope = if cc {
        String::new()
    } else {
        DEFAULT_SCOPE.to_string()
    };
    let scope = r.pick(
        "scope",
        "--scope",
        None,
        args.scope.clone(),
        p.scope.clone(),
        Some(default_scope),
        Clone::clone,
    );
    let client_auth = r.pick(
        "client_auth",
        "--client-auth",
        None,
        args.client_auth,
        p.client_auth,
        Some(ClientAuthArg::Basic),
        |a| format!("{a:?}").to_lowercase(),
    );
    let callback_port = r.pick(
        "callback_port",
        "--callback-port",
        None,
        args.callback_port,
        p.callback_port,
        None,
        u16::to_string,
    );
    let oauth = OAuthSettings {
        domain,
        scope: scope.unwrap_or_default(),
        client_auth: match client_auth.unwrap_or(ClientAuthArg::Basic) {
            ClientAuthArg::Basic => ClientAuth::Basic,
            ClientAuthArg::Body => ClientAuth::Body,
        },
        callback_port,
        browser_timeout: args
            .browser_timeout
            .map_or(Duration::from_secs(300), Into::into),
    };
    let cache_dir = if args.no_cache {
        None
    } else {
        crate::cache::default_dir()
    };
    r.shown.push(Shown {
        key: "cache".into(),
        value: cache_dir.as_ref().map(|d| d.display().to_string()),
        source: if args.no_cache {
            "flag --no-cache".into()
        } else {
            "default".into()
        },
    });

    let Some(pool_id) = pool_id else {
        return Ok(None);
    };
    if !strict
        && (client_id.is_none() || (username.is_none() && flow_arg != Some(FlowArg::Refresh)))
    {
        return Ok(None);
    }
    let Some((pool_prefix, pool_name)) = pool_id
        .split_once('_')
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
    else {
        return Err(Failure::usage(format!(
            "user pool id {pool_id:?} is not a user pool id; it looks like us-east-1_AbCdEf123"
        )));
    };
    let _ = pool_name;
    let client_id = client_id.ok_or_else(|| {
        Failure::usage(
            "no app client: give --client-id, set COGNITO_CLIENT_ID, or client_id in the profile",
        )
    })?;
    let flow = match flow_arg.unwrap_or(FlowArg::Srp) {
        FlowArg::Srp => Flow::Srp,
        FlowArg::Password => Flow::Password,
        FlowArg::Refresh => Flow::Refresh,
        FlowArg::Browser => Flow::Browser,
        FlowArg::ClientCredentials => Flow::ClientCredentials,
    };
    let token_given = args.token.or(p.token);
    if flow == Flow::ClientCredentials && token_given == Some(TokenArg::Id) {
        return Err(Failure::usage(
            "--flow client-credentials gives an access token only (a machine has no user, so no id token)",
        )
        .with_hint("use --token access, and an API Gateway authorizer with OAuth scopes"));
    }
    if matches!(flow, Flow::Srp | Flow::Password) && username.is_none() {
        return Err(Failure::usage(format!(
            "--flow {} needs a user: give --username, set COGNITO_USERNAME, or username in the profile",
            flow.as_str()
        )));
    }
    let region = region.unwrap_or_else(|| pool_prefix.to_string());
    if region != pool_prefix {
        eprintln!(
            "postman-cognito: warning: region {region} differs from the pool id's region {pool_prefix}; \
             Cognito only knows the pool in {pool_prefix}"
        );
    }
    let endpoint =
        endpoint.unwrap_or_else(|| format!("https://cognito-idp.{region}.amazonaws.com/"));
    check_endpoint(&endpoint)?;
    if args.password_stdin && args.refresh_token_stdin {
        return Err(Failure::usage(
            "--password-stdin and --refresh-token-stdin cannot both be given",
        ));
    }
    Ok(Some(CognitoSettings {
        pool_id,
        client_id,
        username,
        region,
        endpoint,
        endpoint_overridden: overridden,
        flow,
        kind: match (flow, token_arg.unwrap_or(TokenArg::Id)) {
            (Flow::ClientCredentials, _) | (_, TokenArg::Access) => TokenKind::Access,
            (_, TokenArg::Id) => TokenKind::Id,
        },
        oauth,
        secrets,
        new_password_stdin: args.new_password_stdin,
        cache_dir,
        min_ttl: min_ttl.unwrap_or(Duration::from_secs(600)),
        policy: CallPolicy {
            connect_timeout: connect_timeout.unwrap_or(Duration::from_secs(5)),
            timeout: timeout.unwrap_or(Duration::from_secs(20)),
            retries: retries.unwrap_or(3),
            backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            verbose: args.verbose,
        },
    }))
}

/// flag > environment variable > profile > default, for values clap does not read from the
/// environment itself (several variables apply).
#[allow(clippy::too_many_arguments)]
fn pick_with_env(
    r: &mut Resolver,
    key: &str,
    flag: &str,
    cli: Option<String>,
    env_value: Option<(String, &str)>,
    profile: Option<String>,
    default: Option<String>,
    default_label: &str,
) -> Option<String> {
    let (value, source) = if let Some(v) = cli {
        (Some(v), format!("flag {flag}"))
    } else if let Some((v, name)) = env_value {
        (Some(v), format!("env {name}"))
    } else if let Some(v) = profile {
        (Some(v), r.profile_label())
    } else if let Some(v) = default {
        (Some(v), default_label.to_string())
    } else {
        (None, "not set".into())
    };
    r.shown.push(Shown {
        key: key.into(),
        value: value.clone(),
        source,
    });
    value
}

/// Where each secret may come from, in order, and what `config show` says of them.
fn secret_sources(args: &CognitoArgs, p: &config::Profile, r: &mut Resolver) -> Secrets {
    let mut password = Vec::new();
    if args.password_stdin {
        password.push(SecretFrom::Stdin("--password-stdin"));
    }
    password.push(SecretFrom::Env(PASSWORD_ENV.into()));
    if let Some(v) = &p.password_env {
        password.push(SecretFrom::Env(v.clone()));
    }
    if let Some(c) = &p.password_command {
        password.push(SecretFrom::Command(c.clone()));
    }
    let mut refresh = Vec::new();
    if args.refresh_token_stdin {
        refresh.push(SecretFrom::Stdin("--refresh-token-stdin"));
    }
    refresh.push(SecretFrom::Env(REFRESH_TOKEN_ENV.into()));
    if let Some(v) = &p.refresh_token_env {
        refresh.push(SecretFrom::Env(v.clone()));
    }
    let mut client_secret = vec![CLIENT_SECRET_ENV.to_string()];
    client_secret.extend(p.client_secret_env.clone());
    let mut totp = vec![TOTP_SECRET_ENV.to_string()];
    totp.extend(p.totp_secret_env.clone());
    let label = r.profile_label();
    for (key, list) in [("password", &password), ("refresh_token", &refresh)] {
        r.shown.push(describe_secret(key, list, &label));
    }
    for (key, names) in [("client_secret", &client_secret), ("totp_secret", &totp)] {
        let list: Vec<SecretFrom> = names.iter().map(|n| SecretFrom::Env(n.clone())).collect();
        r.shown.push(describe_secret(key, &list, &label));
    }
    Secrets {
        password,
        refresh,
        client_secret,
        totp,
    }
}

fn describe_secret(key: &str, list: &[SecretFrom], profile: &str) -> Shown {
    let found = list.iter().find_map(|s| match s {
        SecretFrom::Stdin(flag) => Some(format!("flag {flag}")),
        SecretFrom::Env(name) => env_secret(name).map(|_| format!("env {name}")),
        SecretFrom::Command(_) => Some(format!("password_command ({profile})")),
    });
    Shown {
        key: key.into(),
        value: found.as_ref().map(|_| "<redacted>".to_string()),
        source: found.unwrap_or_else(|| "not set".into()),
    }
}

/// The Postman app's OAuth 2.0 settings for the collection (as params of JSON text), so that a
/// person can press "Get New Access Token": on by default when the domain is known.
pub fn grant_settings(
    s: Option<&CognitoSettings>,
    write: Option<bool>,
) -> Result<Vec<(String, String)>, Failure> {
    use crate::json::edit::json_string;
    let domain = s.and_then(|s| s.oauth.domain.as_deref());
    let (Some(s), Some(domain)) = (s, domain) else {
        if write == Some(true) {
            return Err(Failure::usage("--write-grant-settings needs the pool's domain").with_hint(
                "give --domain https://<prefix>.auth.<region>.amazoncognito.com (or domain in the profile)",
            ));
        }
        return Ok(Vec::new());
    };
    if write == Some(false) {
        return Ok(Vec::new());
    }
    let ep = crate::cognito::oauth::from_domain(domain);
    let cc = s.flow == Flow::ClientCredentials;
    let text = |k: &str, v: &str| (k.to_string(), json_string(v));
    let mut v = vec![
        text(
            "grant_type",
            if cc {
                "client_credentials"
            } else {
                "authorization_code_with_pkce"
            },
        ),
        text("accessTokenUrl", &ep.token),
        text("clientId", &s.client_id),
        text("scope", &s.oauth.scope),
        text(
            "client_authentication",
            match s.oauth.client_auth {
                ClientAuth::Basic => "header",
                ClientAuth::Body => "body",
            },
        ),
        text("tokenName", "Cognito"),
    ];
    if !cc {
        v.push(text("authUrl", &ep.authorize));
        v.push(text("redirect_uri", "https://oauth.pstmn.io/v1/callback"));
        v.push(text("challengeAlgorithm", "S256"));
        v.push(("useBrowser".to_string(), "true".to_string()));
    }
    Ok(v)
}

/// Picks the token source for `refresh`: `--token-stdin`, else Cognito when a pool is named
/// (flag, environment or profile), else `POSTMAN_COGNITO_TOKEN`. Also returns the Cognito
/// settings when there are any.
pub fn token_source(
    token_stdin: bool,
    c: &CognitoArgs,
    r: &mut Resolver,
) -> Result<(Box<dyn TokenSource>, Option<CognitoSettings>), Failure> {
    let settings = cognito_settings(c, r)?;
    let kept = settings.clone();
    let source: Box<dyn TokenSource> = match (token_stdin, settings) {
        (true, Some(_)) if c.user_pool_id.is_some() => {
            return Err(Failure::usage(
                "--token-stdin and --user-pool-id (or COGNITO_USER_POOL_ID) are two token sources",
            )
            .with_hint(
                "drop --token-stdin to sign in to Cognito, or unset the pool to write a token you have",
            ));
        }
        (true, _) => Box::new(GivenToken::Stdin(StdinSecrets::default())),
        (false, Some(s)) => Box::new(CognitoSource::new(s, StdinSecrets::default())),
        (false, None) => match env_secret(TOKEN_ENV) {
            Some(t) => Box::new(GivenToken::Env(t)),
            None => {
                return Err(Failure::usage("no token source").with_hint(format!(
                    "sign in to Cognito with --user-pool-id, --client-id and --username (or \
                     COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID, COGNITO_USERNAME, or a profile in {}), \
                     or hand in a token with --token-stdin or {TOKEN_ENV}; tokens are never taken \
                     from the command line",
                    config::FILE_NAME
                )));
            }
        },
    };
    Ok((source, kept))
}

/// The Cognito source for `token`, which needs a pool.
pub fn cognito_source(c: &CognitoArgs, r: &mut Resolver) -> Result<CognitoSource, Failure> {
    let s = cognito_settings(c, r)?.ok_or_else(|| {
        Failure::usage("no user pool: give --user-pool-id, set COGNITO_USER_POOL_ID, or user_pool_id in the profile")
    })?;
    Ok(CognitoSource::new(s, StdinSecrets::default()))
}

/// The collection-side settings of `refresh`: files (from the profile when none are named),
/// inherit policy, keep paths and header prefix.
pub struct RefreshSettings {
    pub files: Vec<PathBuf>,
    pub policy: Policy,
    pub keep: Vec<String>,
    pub header_prefix: Option<String>,
}

pub fn refresh_settings(a: &RefreshArgs, r: &mut Resolver) -> Result<RefreshSettings, Failure> {
    collection_settings(
        &a.collections,
        a.inherit,
        &a.keep,
        a.header_prefix.clone(),
        &[],
        r,
    )
}

/// Files, inherit policy, keep paths and header prefix, for `refresh` and `check`. With no
/// files named: the profile's `collections`, else the git-tracked files matching `tracked`.
pub fn collection_settings(
    collections: &[PathBuf],
    inherit: Option<InheritArg>,
    keep: &[String],
    header_prefix: Option<String>,
    tracked: &[&str],
    r: &mut Resolver,
) -> Result<RefreshSettings, Failure> {
    let a = CollectionArgs {
        collections: collections.to_vec(),
        inherit,
        keep: keep.to_vec(),
        header_prefix,
    };
    let p = r.profile();
    let inherit = r.pick(
        "inherit",
        "--inherit",
        None,
        a.inherit,
        p.inherit,
        Some(InheritArg::Tokens),
        |i| format!("{i:?}").to_lowercase(),
    );
    let keep = r.pick(
        "keep",
        "--keep",
        None,
        (!a.keep.is_empty()).then(|| a.keep.clone()),
        p.keep.clone(),
        Some(vec![]),
        |k| k.join(", "),
    );
    let header_prefix = r.pick(
        "header_prefix",
        "--header-prefix",
        None,
        a.header_prefix.clone(),
        p.header_prefix.clone(),
        None,
        |h| format!("{h:?}"),
    );
    let files = if !a.collections.is_empty() {
        a.collections.clone()
    } else if tracked.is_empty()
        || r.config
            .as_ref()
            .is_some_and(|c| c.profile.collections.is_some())
    {
        profile_collections(r)?
    } else {
        let found = crate::git::tracked(tracked);
        if found.is_empty() {
            return Err(Failure::usage(format!(
                "no files: name them, list collections in {}, or run inside a git repo tracking {}",
                config::FILE_NAME,
                tracked.join(" or ")
            )));
        }
        found
    };
    Ok(RefreshSettings {
        files,
        policy: match inherit.unwrap_or(InheritArg::Tokens) {
            InheritArg::Tokens => Policy::Tokens,
            InheritArg::All => Policy::All,
            InheritArg::None => Policy::None,
        },
        keep: keep.unwrap_or_default(),
        header_prefix,
    })
}

struct CollectionArgs {
    collections: Vec<PathBuf>,
    inherit: Option<InheritArg>,
    keep: Vec<String>,
    header_prefix: Option<String>,
}

/// The Postman files `scrub` and `check` look at by default in a git repo.
pub const TRACKED_COLLECTIONS: &[&str] = &["*.postman_collection.json"];
pub const TRACKED_POSTMAN_FILES: &[&str] = &[
    "*.postman_collection.json",
    "*.postman_environment.json",
    "*.postman_globals.json",
];

/// The profile's `collections`, globbed relative to the config file's folder.
fn profile_collections(r: &Resolver) -> Result<Vec<PathBuf>, Failure> {
    let none = || {
        Failure::usage("no collections to refresh").with_hint(format!(
            "name them (postman-cognito refresh api.json) or list them in {} as collections = [\"*.postman_collection.json\"]",
            config::FILE_NAME
        ))
    };
    let Some(c) = &r.config else {
        return Err(none());
    };
    let Some(patterns) = &c.profile.collections else {
        return Err(none());
    };
    let mut files = Vec::new();
    for pat in patterns {
        let full = if Path::new(pat).is_absolute() {
            PathBuf::from(pat)
        } else {
            c.dir().join(pat)
        };
        let text = full.to_string_lossy().to_string();
        let matched: Vec<PathBuf> = glob::glob(&text)
            .map_err(|e| {
                Failure::usage(format!(
                    "{}: collections: {pat:?} is not a valid pattern: {e}",
                    c.path.display()
                ))
            })?
            .filter_map(Result::ok)
            .collect();
        if matched.is_empty() {
            return Err(Failure::usage(format!(
                "{}: collections: {pat:?} matches no file (profile {:?})",
                c.path.display(),
                c.name
            )));
        }
        files.extend(matched);
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// Refuses plain http unless the host is loopback: a password must never cross a network in clear.
pub fn check_endpoint(url: &str) -> Result<(), Failure> {
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        Failure::usage(format!("the endpoint {url:?} is not a URL: {e}"))
            .with_hint("e.g. --endpoint-url https://cognito-idp.us-east-1.amazonaws.com/")
    })?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        "http" => Err(Failure::usage(format!(
            "refusing plain http to {}: it would send credentials across the network in clear",
            parsed.host_str().unwrap_or("?")
        ))
        .with_hint(
            "use https, or a loopback address (127.0.0.1, ::1, localhost) for a local emulator",
        )),
        other => Err(Failure::usage(format!(
            "the endpoint scheme {other:?} is not http or https"
        ))),
    }
}

fn is_loopback(u: &reqwest::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_only_to_loopback() {
        for ok in [
            "https://cognito-idp.us-east-1.amazonaws.com/",
            "http://127.0.0.1:5000",
            "http://[::1]:80/",
            "http://localhost:9229",
            "http://127.8.9.10/",
        ] {
            check_endpoint(ok).unwrap();
        }
        for bad in [
            "http://10.0.0.1:5000",
            "http://example.com/",
            "ftp://127.0.0.1/",
            "not a url",
            "http://127.0.0.1.example.com/",
        ] {
            assert!(check_endpoint(bad).is_err(), "{bad}");
        }
    }
}

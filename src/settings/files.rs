//! The file side of the settings: which collections (named, the profile's, or the ones git
//! tracks), the inherit policy, `--keep`, the header prefix, `--token-var` and the variable
//! files; and the plans of `refresh`, `check` and `scrub`.

use crate::redact::Shown as _;
use std::path::{Path, PathBuf};

use crate::cli::{CheckArgs, ExecArgs, GlobalArgs, InheritArg, RefreshArgs, ScrubArgs};
use crate::cognito::oauth::ClientAuth;
use crate::cognito::source::{CognitoSettings, Flow};
use crate::collection::Policy;
use crate::config;
use crate::environment::Scope;
use crate::error::Failure;
use crate::token_source::TOKEN_ENV;
use crate::ui::Ui;

use super::cognito::{dur, value};
use super::{CheckPlan, Env, ExecPlan, GivenChecks, RefreshPlan, Resolver, ScrubPlan, TokenFrom};
use crate::keys;

/// The collections of a run and how their children are treated.
#[derive(Debug, Clone)]
pub struct Collections {
    pub files: Vec<PathBuf>,
    pub policy: Policy,
    pub keep: Vec<String>,
    /// Where the keep paths came from, for messages: `--keep`, or the profile's key.
    pub keep_source: String,
    pub header_prefix: Option<String>,
}

pub fn refresh(
    a: RefreshArgs,
    g: &GlobalArgs,
    env: &Env,
    ui: &mut Ui,
) -> Result<RefreshPlan, Failure> {
    let mut r = Resolver::new(env, g, ui)?;
    let collections = collections(
        &a.collections,
        a.inherit,
        &a.keep,
        a.header_prefix.clone(),
        Tracked::Nothing,
        &mut r,
    )?;
    if a.output.is_some() && collections.files.len() != 1 {
        return Err(Failure::usage("--output takes exactly one collection")
            .with_hint("drop --output to update several collections in place"));
    }
    let mut variable_files = Vec::new();
    variable_files.extend(a.env_file.clone().map(|f| (f, Scope::Environment)));
    variable_files.extend(a.globals_file.clone().map(|f| (f, Scope::Globals)));
    let p = r.profile();
    let implied = (!variable_files.is_empty()).then(|| keys::DEFAULT_TOKEN_VAR.to_string());
    let token_var = r
        .pick_derived(&keys::TOKEN_VAR, a.token_var.clone(), p.token_var, implied)?
        .map(|n| token_var(&n))
        .transpose()?;
    if a.output.as_deref() == Some(Path::new("-")) && (a.json || a.diff) {
        return Err(Failure::usage(
            "-o - writes the collection to standard output, so --json and --diff cannot go there too",
        ));
    }
    let cognito = super::cognito::resolve(&a.cognito, &mut r, true)?;
    let grant_settings = grant_settings(cognito.as_ref(), a.write_grant_settings)?;
    let needs_token = token_var.is_none() || !variable_files.is_empty();
    let pool_named =
        a.cognito.user_pool_id.is_some() || env.get(keys::USER_POOL_ID.env[0]).is_some();
    let min_ttl = min_ttl(cognito.as_ref(), &a.cognito, &mut r)?;
    let token = token_from(
        a.token_stdin,
        pool_named,
        cognito,
        needs_token,
        min_ttl,
        env,
    )?;
    Ok(RefreshPlan {
        collections,
        output: a.output,
        check: a.check,
        diff: a.diff,
        json: a.json,
        token_var,
        variable_files,
        allow_tracked_token: a.allow_tracked_token,
        grant_settings,
        token,
        env: env.clone(),
    })
}

pub fn exec(a: ExecArgs, g: &GlobalArgs, env: &Env, ui: &mut Ui) -> Result<ExecPlan, Failure> {
    let (runner, command) = crate::runner::parse(&a.command)?;
    let mut r = Resolver::new(env, g, ui)?;
    let p = r.profile();
    let name = r.pick_derived(
        &keys::TOKEN_VAR,
        a.token_var.clone(),
        p.token_var,
        Some(keys::DEFAULT_TOKEN_VAR.to_string()),
    )?;
    let token_var = token_var(name.as_deref().unwrap_or(keys::DEFAULT_TOKEN_VAR))?;
    let cognito = super::cognito::resolve(&a.cognito, &mut r, true)?;
    let min_ttl = min_ttl(cognito.as_ref(), &a.cognito, &mut r)?;
    let mut withheld: Vec<String> = keys::ALL
        .iter()
        .filter(|k| k.secret)
        .flat_map(|k| k.env.iter().map(|v| (*v).to_string()))
        .collect();
    if let Some(c) = &cognito {
        let s = &c.secrets;
        for from in [&s.password, &s.refresh, &s.client_secret, &s.totp]
            .into_iter()
            .flatten()
        {
            if let crate::cognito::source::SecretFrom::Env(name) = from {
                withheld.push(name.clone());
            }
        }
    }
    withheld.extend(
        env.names()
            .filter(|n| n.starts_with("POSTMAN_COGNITO_"))
            .map(str::to_string),
    );
    withheld.push(TOKEN_ENV.to_string());
    withheld.sort();
    withheld.dedup();
    let token = token_from(false, false, cognito, true, min_ttl, env)?;
    Ok(ExecPlan {
        token,
        token_var,
        runner,
        command,
        withheld,
        env: env.clone(),
    })
}

pub fn check(a: CheckArgs, g: &GlobalArgs, env: &Env, ui: &mut Ui) -> Result<CheckPlan, Failure> {
    let mut r = Resolver::new(env, g, ui)?;
    let collections = collections(
        &a.collections,
        a.inherit,
        &a.keep,
        None,
        Tracked::Documents,
        &mut r,
    )?;
    let p = r.profile();
    let min_ttl = r.pick(&keys::MIN_TTL, dur(a.min_ttl), p.min_ttl.map(|d| d.0))?;
    Ok(CheckPlan {
        collections,
        skip_other_files: a.skip_other_files,
        min_ttl: value(&keys::MIN_TTL, min_ttl)?,
        json: a.json,
    })
}

pub fn scrub(a: ScrubArgs, g: &GlobalArgs, env: &Env, ui: &mut Ui) -> Result<ScrubPlan, Failure> {
    let mut r = Resolver::new(env, g, ui)?;
    let p = r.profile();
    let token_var = r
        .pick(&keys::TOKEN_VAR, a.token_var.clone(), p.token_var)?
        .as_deref()
        .map(token_var)
        .transpose()?;
    let files = files(&a.files, Tracked::Files, &r)?;
    Ok(ScrubPlan {
        files,
        json: a.json,
        skip_other_files: a.skip_other_files,
        token_var,
        check: a.check,
    })
}

/// What `hook run` checks against: the profile's collection patterns (absolute) and the
/// settings `check` uses.
pub fn hook_run(
    p: &GlobalArgs,
    env: &Env,
    ui: &mut Ui,
) -> Result<crate::hooks::RunSettings, Failure> {
    let mut r = Resolver::new(env, p, ui)?;
    let prof = r.profile();
    let inherit = r.pick(&keys::INHERIT, None, prof.inherit)?;
    let keep = r.pick(&keys::KEEP, None, prof.keep.clone())?;
    let min_ttl = r.pick(&keys::MIN_TTL, None, prof.min_ttl.map(|d| d.0))?;
    let patterns = match (&r.config, &prof.collections) {
        (Some(c), Some(pats)) => pats
            .iter()
            .map(|pat| c.dir().join(pat).to_string_lossy().into_owned())
            .collect(),
        _ => Vec::new(),
    };
    Ok(crate::hooks::RunSettings {
        patterns,
        policy: policy_of(value(&keys::INHERIT, inherit)?),
        keep: keep.unwrap_or_default(),
        min_ttl: value(&keys::MIN_TTL, min_ttl)?,
    })
}

fn policy_of(i: InheritArg) -> Policy {
    match i {
        InheritArg::Tokens => Policy::Tokens,
        InheritArg::All => Policy::All,
        InheritArg::None => Policy::None,
    }
}

/// How long a token must stay valid: the Cognito settings' when there are any, else the key
/// resolved on its own (for a token handed in).
fn min_ttl(
    cognito: Option<&CognitoSettings>,
    args: &crate::cli::CognitoArgs,
    r: &mut Resolver,
) -> Result<std::time::Duration, Failure> {
    if let Some(c) = cognito {
        return Ok(c.min_ttl);
    }
    let p = r.profile();
    let v = r.pick(&keys::MIN_TTL, dur(args.min_ttl), p.min_ttl.map(|d| d.0))?;
    value(&keys::MIN_TTL, v)
}

/// `--token-var NAME`: the bare name of a variable.
pub fn token_var(name: &str) -> Result<String, Failure> {
    if name.is_empty() || name.contains('{') || name.contains('}') || name.trim() != name {
        return Err(Failure::usage(format!(
            "--token-var {name:?}: give the bare variable name, e.g. --token-var token"
        )));
    }
    Ok(name.to_string())
}

/// Picks the token source for `refresh`: `--token-stdin`, else Cognito when a pool is named
/// (flag, environment or profile), else `POSTMAN_COGNITO_TOKEN`.
fn token_from(
    stdin: bool,
    pool_flag: bool,
    cognito: Option<CognitoSettings>,
    needs_token: bool,
    min_ttl: std::time::Duration,
    env: &Env,
) -> Result<TokenFrom, Failure> {
    let checks = |c: &Option<CognitoSettings>| GivenChecks {
        min_ttl,
        cognito: c.clone().map(Box::new),
    };
    Ok(match (stdin, cognito) {
        (true, Some(_)) if pool_flag => {
            return Err(Failure::usage(
                "--token-stdin and --user-pool-id (or COGNITO_USER_POOL_ID) are two token sources",
            )
            .with_hint(
                "drop --token-stdin to sign in to Cognito, or unset the pool to write a token you have",
            ));
        }
        (true, c) => TokenFrom::Stdin(checks(&c)),
        (false, _) if !needs_token => TokenFrom::NotNeeded,
        (false, Some(s)) => TokenFrom::Cognito(Box::new(s)),
        (false, None) => match env.secret(TOKEN_ENV) {
            Some(t) => TokenFrom::Env(t, checks(&None)),
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
    })
}

/// Files, inherit policy, keep paths and header prefix, for `refresh` and `check`. With no
/// files named: the profile's `collections`, else the git-tracked files matching `tracked`.
fn collections(
    named: &[PathBuf],
    inherit: Option<InheritArg>,
    keep: &[String],
    header_prefix: Option<String>,
    tracked: Tracked,
    r: &mut Resolver,
) -> Result<Collections, Failure> {
    let p = r.profile();
    let inherit = r.pick(&keys::INHERIT, inherit, p.inherit)?;
    let keep = r.pick(
        &keys::KEEP,
        (!keep.is_empty()).then(|| keep.to_vec()),
        p.keep.clone(),
    )?;
    let keep_source = match r.shown.last().map(|s| &s.origin) {
        Some(keys::Origin::Profile) => format!("keep in {}", r.profile_label()),
        _ => "--keep".to_string(),
    };
    let header_prefix = r.pick(&keys::HEADER_PREFIX, header_prefix, p.header_prefix.clone())?;
    let files = files(named, tracked, r)?;
    record_collections(r, &files, !named.is_empty());
    Ok(Collections {
        files,
        policy: policy_of(value(&keys::INHERIT, inherit)?),
        keep: keep.unwrap_or_default(),
        keep_source,
        header_prefix,
    })
}

/// The collection keys for `config show`, from the profile alone (no files are named there).
pub fn collection_keys(r: &mut Resolver) -> Result<(), Failure> {
    let p = r.profile();
    r.pick(&keys::INHERIT, None, p.inherit)?;
    r.pick(&keys::KEEP, None, p.keep.clone())?;
    r.pick(&keys::HEADER_PREFIX, None, p.header_prefix.clone())?;
    r.pick(&keys::COLLECTIONS, None, p.collections.clone())?;
    r.pick(&keys::TOKEN_VAR, None, p.token_var.clone())?;
    Ok(())
}

fn record_collections(r: &mut Resolver, files: &[PathBuf], named: bool) {
    let shown = files
        .iter()
        .map(|f| f.shown().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let origin = if named {
        keys::Origin::Flag(keys::COLLECTIONS.flag.unwrap_or_default().into())
    } else {
        keys::Origin::Profile
    };
    r.record(&keys::COLLECTIONS, Some(shown), origin);
}

/// What a command given no files looks for in git, when the profile names none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tracked {
    /// Nothing: the profile's `collections` or nothing (`refresh`).
    Nothing,
    /// The collections (`check`): of every format.
    Documents,
    /// Every Postman file (`scrub`): collections, environments, globals, a folder's files.
    Files,
}

/// The files named, else the profile's `collections`, else the git-tracked files `tracked`
/// says.
fn files(named: &[PathBuf], tracked: Tracked, r: &Resolver) -> Result<Vec<PathBuf>, Failure> {
    if !named.is_empty() {
        return Ok(named.to_vec());
    }
    let in_profile = r
        .config
        .as_ref()
        .is_some_and(|c| c.profile.collections.is_some());
    if tracked == Tracked::Nothing || in_profile {
        return profile_collections(r);
    }
    let cwd = r.env.cwd();
    let found = match tracked {
        Tracked::Files => crate::git::tracked(&cwd, &crate::collection::tracked_files()),
        _ => crate::collection::tracked_documents(&cwd),
    };
    if found.is_empty() {
        return Err(Failure::usage(format!(
            "no files: name them, list collections in {}, or run inside a git repo tracking {}",
            config::FILE_NAME,
            match tracked {
                Tracked::Files => "Postman files",
                _ => "collections (*.postman_collection.json, v3 folders)",
            }
        )));
    }
    Ok(found)
}

/// The profile's `collections`, globbed relative to the config file's folder.
fn profile_collections(r: &Resolver) -> Result<Vec<PathBuf>, Failure> {
    let none = || {
        Failure::usage("no collections to refresh").with_hint(format!(
            "name them (postman-cognito refresh api.json) or list them in {} as collections = [\"*.postman_collection.json\"]",
            config::FILE_NAME
        ))
    };
    let c = r.config.as_ref().ok_or_else(none)?;
    let patterns = c.profile.collections.as_ref().ok_or_else(none)?;
    let mut files = Vec::new();
    for pat in patterns {
        let full = if Path::new(pat).is_absolute() {
            PathBuf::from(pat)
        } else {
            c.dir().join(pat)
        };
        let matched: Vec<PathBuf> = glob::glob(&full.to_string_lossy())
            .map_err(|e| {
                Failure::usage(format!(
                    "{}: collections: {pat:?} is not a valid pattern: {e}",
                    c.path.shown()
                ))
            })?
            .filter_map(Result::ok)
            .collect();
        if matched.is_empty() {
            return Err(Failure::usage(format!(
                "{}: collections: {pat:?} matches no file (profile {:?})",
                c.path.shown(),
                c.name
            )));
        }
        files.extend(matched);
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// The Postman app's OAuth 2.0 settings for the collection (as params of JSON text), so that a
/// person can press "Get New Access Token": on by default when the domain is known.
fn grant_settings(
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
    let grant = if cc {
        "client_credentials"
    } else {
        "authorization_code_with_pkce"
    };
    let client_auth = match s.oauth.client_auth {
        ClientAuth::Basic => "header",
        ClientAuth::Body => "body",
    };
    let mut v = vec![
        text("grant_type", grant),
        text("accessTokenUrl", &ep.token),
        text("clientId", &s.client_id),
        text("scope", &s.oauth.scope),
        text("client_authentication", client_auth),
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

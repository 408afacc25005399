//! The file side of the settings: which collections (named, the profile's, or the ones git
//! tracks), the inherit policy, `--keep`, the header prefix, `--token-var` and the variable
//! files; and the plans of `refresh`, `check` and `scrub`.

use crate::redact::Shown as _;
use std::path::{Path, PathBuf};

use crate::cli::{
    CheckArgs, CognitoArgs, ExecArgs, GlobalArgs, InheritArg, RefreshArgs, ScrubArgs,
};
use crate::cognito::oauth::ClientAuth;
use crate::cognito::source::CognitoSettings;
use crate::collection::Policy;
use crate::config;
use crate::environment::Scope;
use crate::error::Failure;
use crate::jwt::TokenKind;
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
    /// `--assign` (or the profile's `assign`): folders that send another identity's variable.
    pub assign: Vec<crate::collection::keep::Assign>,
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
        &a.assign,
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
    // An environment file gets `token`; collections that hold references only (Bruno's) send
    // their format's variable, which `exec` sets.
    let references: Vec<Option<&str>> = collections
        .files
        .iter()
        .map(|f| crate::collection::default_variable(f))
        .collect();
    let implied = if !variable_files.is_empty() {
        Some(keys::DEFAULT_TOKEN_VAR.to_string())
    } else if let [Some(first), rest @ ..] = references.as_slice()
        && rest.iter().all(|r| r == &Some(*first))
    {
        Some((*first).to_string())
    } else {
        None
    };
    let token_var = r
        .pick_derived(&keys::TOKEN_VAR, a.token_var.clone(), p.token_var, implied)?
        .map(|n| token_var(&n))
        .transpose()?;
    if a.output.as_deref() == Some(Path::new("-")) && (a.json || a.diff) {
        return Err(Failure::usage(
            "-o - writes the collection to standard output, so --json and --diff cannot go there too",
        ));
    }
    let (specs, named) = identity_specs(&mut r, &a.cognito.identities)?;
    if let Some(n) = named.first() {
        return Err(Failure::usage(format!(
            "--identity {n}: declare an identity as NAME=PROFILE"
        )));
    }
    let own = super::cognito::resolve(&a.cognito, &mut r, true)?;
    let own_var = token_var.as_deref().unwrap_or(keys::DEFAULT_TOKEN_VAR);
    let (cognito, identities) = identities_of(&specs, own, own_var, g, env, r.ui)?;
    let identity_pool = super::cognito::identity_pool(&a.cognito, &mut r, cognito.as_ref())?;
    let p = r.profile();
    let aws_service = r
        .pick(
            &keys::AWS_SERVICE,
            a.aws_service.clone(),
            p.aws_service.clone(),
        )?
        .unwrap_or_else(|| "execute-api".to_string());
    let aws_region = r.pick_derived(
        &keys::AWS_REGION,
        a.aws_region.clone(),
        p.aws_region.clone(),
        identity_pool.as_ref().map(|ip| ip.pool.region.clone()),
    )?;
    let grant_settings = grant_settings(cognito.as_ref(), a.write_grant_settings)?;
    // With an identity pool, the collection gets the credentials' variables: a token is
    // needed only for the variable files.
    let needs_token =
        (token_var.is_none() && identity_pool.is_none()) || !variable_files.is_empty();
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
        identities,
        identity_pool,
        aws_service,
        aws_region: aws_region.unwrap_or_default(),
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
    let (runner, command) = crate::runner::parse(&a.command, a.env.is_some())?;
    if let (Some(e), Some(t)) = (&a.env, &a.token_var)
        && e != t
    {
        return Err(Failure::usage(format!(
            "--env {e} and --token-var {t} name two variables for one token"
        ))
        .with_hint("--env NAME names the variable; drop --token-var"));
    }
    let mut r = Resolver::new(env, g, ui)?;
    let p = r.profile();
    let name = r.pick_derived(
        &keys::TOKEN_VAR,
        a.env.clone().or_else(|| a.token_var.clone()),
        p.token_var,
        Some(runner.default_variable().to_string()),
    )?;
    let token_var = token_var(name.as_deref().unwrap_or(runner.default_variable()))?;
    let (specs, named) = identity_specs(&mut r, &a.cognito.identities)?;
    if let Some(n) = named.first() {
        return Err(Failure::usage(format!(
            "--identity {n}: exec hands every declared identity over; declare one as NAME=PROFILE"
        )));
    }
    let own = super::cognito::resolve(&a.cognito, &mut r, true)?;
    let (cognito, identities) = identities_of(&specs, own, &token_var, g, env, r.ui)?;
    let identity_pool = super::cognito::identity_pool(&a.cognito, &mut r, cognito.as_ref())?;
    let min_ttl = min_ttl(cognito.as_ref(), &a.cognito, &mut r)?;
    let mut withheld: Vec<String> = keys::ALL
        .iter()
        .filter(|k| k.secret)
        .flat_map(|k| k.env.iter().map(|v| (*v).to_string()))
        .collect();
    let each_sign_in = cognito
        .iter()
        .chain(identities.iter().filter_map(|(_, t)| match t {
            TokenFrom::Cognito(c) => Some(&**c),
            _ => None,
        }));
    for c in each_sign_in {
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
        identities,
        identity_pool,
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
        &[],
        None,
        Tracked::Documents,
        &mut r,
    )?;
    let p = r.profile();
    let min_ttl = r.pick(&keys::MIN_TTL, dur(a.min_ttl), p.min_ttl.map(|d| d.0))?;
    let (specs, mut identities) = identity_specs(&mut r, &a.identities)?;
    identities.extend(specs.into_iter().map(|s| s.variable));
    Ok(CheckPlan {
        identities,
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
    let (specs, _) = identity_specs(&mut r, &[])?;
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
        identities: specs.into_iter().map(|s| s.variable).collect(),
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
    assign: &[String],
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
    let assign = assignments(assign, r)?;
    let header_prefix = r.pick(&keys::HEADER_PREFIX, header_prefix, p.header_prefix.clone())?;
    let files = files(named, tracked, r)?;
    record_collections(r, &files, !named.is_empty());
    Ok(Collections {
        files,
        policy: policy_of(value(&keys::INHERIT, inherit)?),
        keep: keep.unwrap_or_default(),
        keep_source,
        assign,
        header_prefix,
    })
}

/// `--assign PATTERN=VARIABLE` (repeated), else the profile's `assign` table.
fn assignments(
    flag: &[String],
    r: &mut Resolver,
) -> Result<Vec<crate::collection::keep::Assign>, Failure> {
    let from_profile = r.profile().assign.as_ref().map(|m| {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
    });
    let list = r
        .pick(
            &keys::ASSIGN,
            (!flag.is_empty()).then(|| flag.to_vec()),
            from_profile,
        )?
        .unwrap_or_default();
    list.iter()
        .map(|text| {
            // The variable follows the last `=` (a JSONPath may hold `==`).
            let bad = || {
                Failure::usage(format!("--assign {text:?} is not PATTERN=VARIABLE")).with_hint(
                    "write it like --assign 'Admin/**=token_admin' (or in the profile: assign = \
                     { \"Admin/**\" = \"token_admin\" })",
                )
            };
            let (pattern, variable) = text.rsplit_once('=').ok_or_else(bad)?;
            let variable = token_var(variable.trim()).map_err(|_| bad())?;
            let pattern = pattern.trim();
            if pattern.is_empty() {
                return Err(bad());
            }
            Ok(crate::collection::keep::Assign {
                pattern: pattern.to_string(),
                variable,
            })
        })
        .collect()
}

/// The collection keys for `config show`, from the profile alone (no files are named there).
pub fn collection_keys(r: &mut Resolver) -> Result<(), Failure> {
    let p = r.profile();
    r.pick(&keys::INHERIT, None, p.inherit)?;
    r.pick(&keys::KEEP, None, p.keep.clone())?;
    assignments(&[], r)?;
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
    let cc = s.flow.is_machine();
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

/// One identity more: variable `variable` gets the token of profile `profile`'s sign-in
/// (`None`: this run's own sign-in), of kind `kind` (`None`: that sign-in's `token` setting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentitySpec {
    pub variable: String,
    pub profile: Option<String>,
    pub kind: Option<TokenKind>,
}

/// `--identity NAME=PROFILE[:id|:access]` (repeated), else the profile's `identities`; the
/// names alone (`--identity NAME`, for `token` and `check`) are returned apart.
pub fn identity_specs(
    r: &mut Resolver,
    flag: &[String],
) -> Result<(Vec<IdentitySpec>, Vec<String>), Failure> {
    let (named, declared): (Vec<&String>, Vec<&String>) =
        flag.iter().partition(|f| !f.contains('='));
    let from_profile = r.profile().identities.as_ref().map(|m| {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
    });
    let declared: Vec<String> = declared.into_iter().cloned().collect();
    let flag = (!declared.is_empty()).then_some(declared);
    let list = r
        .pick(&keys::IDENTITIES, flag, from_profile)?
        .unwrap_or_default();
    let mut specs: Vec<IdentitySpec> = Vec::new();
    for text in &list {
        let spec = identity_spec(text)?;
        if specs.iter().any(|s| s.variable == spec.variable) {
            return Err(Failure::usage(format!(
                "the identity {:?} is declared twice",
                spec.variable
            ))
            .with_hint("give each variable one --identity NAME=PROFILE"));
        }
        specs.push(spec);
    }
    let named = named
        .into_iter()
        .map(|n| token_var(n.trim()))
        .collect::<Result<_, _>>()?;
    Ok((specs, named))
}

fn identity_spec(text: &str) -> Result<IdentitySpec, Failure> {
    let bad = || {
        Failure::usage(format!("the identity {text:?} is not NAME=PROFILE")).with_hint(
            "write it like --identity token_admin=ci-admin (or in the profile: identities = \
             { token_admin = \"ci-admin\" }); NAME=ci-admin:access takes that sign-in's access \
             token, NAME=:access this run's",
        )
    };
    let (var, spec) = text.split_once('=').ok_or_else(bad)?;
    let variable = token_var(var.trim()).map_err(|_| bad())?;
    let spec = spec.trim();
    let (profile, kind) = match spec.rsplit_once(':') {
        Some((p, "id")) => (p, Some(TokenKind::Id)),
        Some((p, "access")) => (p, Some(TokenKind::Access)),
        Some(_) => return Err(bad()),
        None => (spec, None),
    };
    if profile.is_empty() && kind.is_none() {
        return Err(bad());
    }
    Ok(IdentitySpec {
        variable,
        profile: (!profile.is_empty()).then(|| profile.to_string()),
        kind,
    })
}

/// The environment another identity's profile is resolved in: the run's own, without the
/// variables that name this run's user, pool or client or hold its secrets (`COGNITO_*`), and
/// without the tool's own (`POSTMAN_COGNITO_*`): an identity's settings come from its profile
/// alone (and the `AWS_*` variables and the defaults).
fn identity_env(env: &Env) -> Env {
    env.without(|name| name.starts_with("COGNITO_") || name.starts_with("POSTMAN_COGNITO_"))
}

/// Each other identity's variable, and where its token comes from.
pub type Identities = Vec<(String, TokenFrom)>;

/// The run's own sign-in and the other identities' token sources. `own` is the run's own
/// sign-in (flags, `COGNITO_*`, the profile); an identity whose variable is the run's own
/// (`own_var`, as in `identities = { token = "ci-user", ... }`) is it instead, and naming both
/// is refused. `NAME=:access` takes the run's own sign-in's access token. Every identity keeps
/// at least the run's `min_ttl`.
pub fn identities_of(
    specs: &[IdentitySpec],
    own: Option<CognitoSettings>,
    own_var: &str,
    g: &GlobalArgs,
    env: &Env,
    ui: &Ui,
) -> Result<(Option<CognitoSettings>, Identities), Failure> {
    let mut own = own;
    if let Some(spec) = specs.iter().find(|s| s.variable == own_var) {
        let Some(profile) = &spec.profile else {
            return Err(Failure::usage(format!(
                "the identity {own_var} is the run's own variable, so it cannot take the run's \
                 own sign-in's token"
            ))
            .with_hint("choose the run's own token with --token id|access"));
        };
        if own.is_some() {
            return Err(Failure::usage(format!(
                "the run's own variable {own_var} has two sign-ins: the identity {own_var}={profile} \
                 and the run's own user pool, client and user"
            ))
            .with_hint(
                "drop the identity, or the run's own user pool, client and user (flags, COGNITO_* \
                 variables or the profile)",
            ));
        }
        own = Some(identity_settings(spec, None, g, env, ui)?);
    }
    let mut out = Vec::new();
    for spec in specs.iter().filter(|s| s.variable != own_var) {
        let settings = identity_settings(spec, own.as_ref(), g, env, ui)?;
        out.push((
            spec.variable.clone(),
            TokenFrom::Cognito(Box::new(settings)),
        ));
    }
    Ok((own, out))
}

/// One identity's sign-in settings: its profile's alone (`None`: the run's own sign-in), of
/// its token kind, keeping at least the run's `min_ttl`.
pub fn identity_settings(
    spec: &IdentitySpec,
    own: Option<&CognitoSettings>,
    g: &GlobalArgs,
    env: &Env,
    ui: &Ui,
) -> Result<CognitoSettings, Failure> {
    let mut settings = match &spec.profile {
        None => own.cloned().ok_or_else(|| {
            Failure::usage(format!(
                "the identity {} takes this run's sign-in, and there is none",
                spec.variable
            ))
            .with_hint("name the user pool, client and user (or a profile), or NAME=PROFILE")
        })?,
        Some(name) => {
            let env2 = identity_env(env);
            let g2 = GlobalArgs {
                profile: Some(name.clone()),
                ..g.clone()
            };
            let mut r2 = Resolver::new(&env2, &g2, ui)?;
            if r2.config.is_none() {
                return Err(Failure::usage(format!(
                    "the identity {} names the profile {name:?}, and there is no config file",
                    spec.variable
                ))
                .with_hint("write the profile in postman-cognito.toml"));
            }
            super::cognito::resolve(&CognitoArgs::default(), &mut r2, true)?.ok_or_else(|| {
                Failure::usage(format!(
                    "the profile {name:?} of identity {} names no user pool",
                    spec.variable
                ))
                .with_hint("give the profile user_pool_id, client_id and username")
            })?
        }
    };
    if spec.profile.is_some() {
        // Its secrets come from its profile alone (`*_env`, `password_command`), never
        // from the variables that hold this run's (`COGNITO_PASSWORD`, ...), which the
        // table lists as every sign-in's first source.
        let s = &mut settings.secrets;
        for list in [
            &mut s.password,
            &mut s.refresh,
            &mut s.client_secret,
            &mut s.totp,
        ] {
            list.retain(|f| {
                !matches!(f, crate::cognito::source::SecretFrom::Env(n) if n.starts_with("COGNITO_"))
            });
        }
    }
    if let Some(kind) = spec.kind {
        settings.kind = kind;
    }
    if let Some(o) = own {
        settings.min_ttl = o.min_ttl;
    }
    Ok(settings)
}

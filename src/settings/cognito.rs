//! The Cognito side of the settings: pool, client, user, flow, where to call, how to call, the
//! OAuth 2.0 options and where each secret may come from.

use crate::redact::Shown as _;
use std::time::Duration;

use crate::cli::{ClientAuthArg, CognitoArgs, FlowArg, TokenArg};
use crate::cognito::api::{self, CallPolicy};
use crate::cognito::oauth::ClientAuth;
use crate::cognito::source::{CognitoSettings, Flow, OAuthSettings, SecretFrom, Secrets};
use crate::config::Profile;
use crate::error::Failure;
use crate::jwt::TokenKind;

use super::Resolver;
use super::keys::{self, Key, Origin};

pub use super::keys::DEFAULT_SCOPE;

/// The Cognito settings `token` needs: a pool must be named.
pub fn required(args: &CognitoArgs, r: &mut Resolver) -> Result<CognitoSettings, Failure> {
    resolve(args, r, true)?.ok_or_else(|| {
        Failure::usage(
            "no user pool: give --user-pool-id, set COGNITO_USER_POOL_ID, or user_pool_id in the profile",
        )
    })
}

/// Resolves every Cognito key (each one recorded for `config show`) and checks them. `None`
/// when no pool is named; when not `strict`, also when the client or user is missing.
pub fn resolve(
    args: &CognitoArgs,
    r: &mut Resolver,
    strict: bool,
) -> Result<Option<CognitoSettings>, Failure> {
    let p = r.profile();
    let pool_id = r
        .pick(
            &keys::USER_POOL_ID,
            args.user_pool_id.as_deref().map(pool_id_of),
            p.user_pool_id.as_deref().map(pool_id_of),
        )?
        .map(|id| pool_id_of(&id));

    let client_id = r.pick(
        &keys::CLIENT_ID,
        args.client_id.clone(),
        p.client_id.clone(),
    )?;
    let username = r.pick(&keys::USERNAME, args.username.clone(), p.username.clone())?;
    let flow = flow_of(value(&keys::FLOW, r.pick(&keys::FLOW, args.flow, p.flow)?)?);
    let token = value(&keys::TOKEN, r.pick(&keys::TOKEN, args.token, p.token)?)?;
    let allow_http_host = allowed_http_host(args, &p, r)?;
    let place = place(args, &p, pool_id.as_deref(), allow_http_host.as_deref(), r)?;
    let policy = call_policy(args, &p, r)?;
    let oauth = oauth(args, &p, flow, allow_http_host.as_deref(), r)?;
    let browser_timeout = value(
        &keys::BROWSER_TIMEOUT,
        r.pick(
            &keys::BROWSER_TIMEOUT,
            dur(args.browser_timeout),
            p.browser_timeout.map(|d| d.0),
        )?,
    )?;
    let attributes = attributes(args, &p, r)?;
    let secrets = secrets(args, &p, r);
    let cache_dir = cache_dir(args, r);
    let min_ttl = value(
        &keys::MIN_TTL,
        r.pick(&keys::MIN_TTL, dur(args.min_ttl), p.min_ttl.map(|d| d.0))?,
    )?;
    let Some(pool_id) = pool_id else {
        return Ok(None);
    };
    if !strict && (client_id.is_none() || (username.is_none() && flow != Flow::Refresh)) {
        return Ok(None);
    }
    let client_id = client_id.ok_or_else(|| {
        Failure::usage(
            "no app client: give --client-id, set COGNITO_CLIENT_ID, or client_id in the profile",
        )
    })?;
    check_combination(args, flow, args.token.or(p.token), username.as_deref())?;
    let Place {
        region,
        endpoint,
        overridden,
    } = place;
    Ok(Some(CognitoSettings {
        pool_id,
        client_id,
        username,
        region: region.unwrap_or_default(),
        endpoint: endpoint.unwrap_or_default(),
        endpoint_overridden: overridden,
        allow_http_host,
        flow,
        kind: match (flow, token) {
            (Flow::ClientCredentials | Flow::ClientToken, _) | (_, TokenArg::Access) => {
                TokenKind::Access
            }
            (_, TokenArg::Id) => TokenKind::Id,
        },
        oauth: OAuthSettings {
            browser_timeout,
            ..oauth
        },
        secrets,
        new_password_stdin: args.new_password_stdin,
        setup_mfa: args.setup_mfa,
        attributes,
        cache_dir,
        min_ttl,
        policy,
    }))
}

/// A key whose table default guarantees a value.
pub fn value<T>(key: &Key, v: Option<T>) -> Result<T, Failure> {
    v.ok_or_else(|| Failure::internal(format!("{} has no value and no default", key.name)))
}

pub fn dur(d: Option<humantime::Duration>) -> Option<Duration> {
    d.map(Into::into)
}

fn flow_of(f: FlowArg) -> Flow {
    match f {
        FlowArg::Srp => Flow::Srp,
        FlowArg::Password => Flow::Password,
        FlowArg::UserAuth => Flow::UserAuth,
        FlowArg::Refresh => Flow::Refresh,
        FlowArg::Browser => Flow::Browser,
        FlowArg::ClientCredentials => Flow::ClientCredentials,
        FlowArg::ClientToken => Flow::ClientToken,
    }
}

/// Flags that do not go together, and a flow without what it needs.
fn check_combination(
    args: &CognitoArgs,
    flow: Flow,
    token_given: Option<TokenArg>,
    username: Option<&str>,
) -> Result<(), Failure> {
    if flow.is_machine() && token_given == Some(TokenArg::Id) {
        return Err(Failure::usage(format!(
            "--flow {} gives an access token only (a machine has no user, so no id token)",
            flow.as_str()
        ))
        .with_hint("use --token access, and an API Gateway authorizer with OAuth scopes"));
    }
    if matches!(flow, Flow::Srp | Flow::Password | Flow::UserAuth) && username.is_none() {
        return Err(Failure::usage(format!(
            "--flow {} needs a user: give --username, set COGNITO_USERNAME, or username in the profile",
            flow.as_str()
        )));
    }
    if args.password_stdin && args.refresh_token_stdin {
        return Err(Failure::usage(
            "--password-stdin and --refresh-token-stdin cannot both be given",
        ));
    }
    Ok(())
}

/// The region and the cognito-idp endpoint.
struct Place {
    region: Option<String>,
    endpoint: Option<String>,
    /// The endpoint was set by the user (an emulator, a VPC endpoint): any issuer is accepted.
    overridden: bool,
}

fn place(
    args: &CognitoArgs,
    p: &Profile,
    pool_id: Option<&str>,
    allow_http: Option<&str>,
    r: &mut Resolver,
) -> Result<Place, Failure> {
    let pool_region = match pool_id {
        Some(id) => Some(pool_prefix(id)?.to_string()),
        None => None,
    };
    let region = r.pick_derived(
        &keys::REGION,
        args.region.clone(),
        p.region.clone(),
        pool_region.clone(),
    )?;
    if let (Some(reg), Some(prefix)) = (&region, &pool_region)
        && reg != prefix
    {
        r.ui.warn(&format!(
            "region {reg} differs from the pool id's region {prefix}: right for a replica of a \
             multi-Region user pool in {reg} (TOTP MFA does not work there); for any other pool, \
             Cognito knows it in {prefix} only"
        ));
    }
    let use_fips = r
        .env
        .get("AWS_USE_FIPS_ENDPOINT")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let default_endpoint = region.as_ref().map(|reg| regional_endpoint(reg, use_fips));
    // AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns off the AWS ways of setting it (the variables
    // and ~/.aws/config), as in the AWS CLI and SDKs; the flag and the profile stay.
    let ignore_aws = r
        .env
        .get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let key = if ignore_aws {
        keys::Key {
            env: &[],
            ..keys::ENDPOINT_URL
        }
    } else {
        keys::ENDPOINT_URL
    };
    let mut endpoint = r.pick_derived(
        &key,
        args.endpoint_url.clone(),
        p.endpoint_url.clone(),
        default_endpoint,
    )?;
    if let (false, Some(Origin::Derived(_))) = (ignore_aws, r.shown.last().map(|s| &s.origin))
        && let Some((url, at)) = super::aws_config::endpoint_url(r.env)
    {
        if let Some(row) = r.shown.last_mut() {
            row.value = Some(url.clone());
            row.origin = Origin::AwsConfig(at);
        }
        endpoint = Some(url);
    }
    let overridden = !matches!(r.shown.last().map(|s| &s.origin), Some(Origin::Derived(_)));
    // The region goes into the host of the default endpoint (and of OIDC discovery): only
    // then must it be a region (emulators' pools have other prefixes, such as `local`).
    if let (false, Some(reg)) = (overridden, &region) {
        check_region(reg)?;
        if use_fips && !has_fips(reg) {
            return Err(Failure::usage(format!(
                "AWS_USE_FIPS_ENDPOINT is true, and Cognito has no FIPS endpoint in {reg}"
            ))
            .with_hint(format!(
                "Cognito's FIPS endpoints are in {} and GovCloud (US); unset                  AWS_USE_FIPS_ENDPOINT, or give --endpoint-url",
                FIPS_REGIONS.join(", ")
            )));
        }
    }
    if let Some(e) = &endpoint {
        check_endpoint(e, allow_http)?;
    }
    Ok(Place {
        region,
        endpoint,
        overridden,
    })
}

/// A user pool id as people paste it: white space trimmed, and the id taken from the pool's ARN
/// (`arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC`).
pub fn pool_id_of(text: &str) -> String {
    let t = text.trim();
    match t.strip_prefix("arn:") {
        Some(rest) if rest.contains(":cognito-idp:") => rest
            .rsplit_once("userpool/")
            .map_or(t, |(_, id)| id)
            .trim()
            .to_string(),
        _ => t.to_string(),
    }
}

/// Commercial regions where Cognito has FIPS endpoints (`AWS_USE_FIPS_ENDPOINT=true`).
const FIPS_REGIONS: &[&str] = &["us-east-1", "us-east-2", "us-west-1", "us-west-2"];

fn has_fips(region: &str) -> bool {
    FIPS_REGIONS.contains(&region) || region.starts_with("us-gov-")
}

/// The regional cognito-idp endpoint: the FIPS one in GovCloud (the only one there), and in
/// the commercial US regions when `use_fips` (`AWS_USE_FIPS_ENDPOINT=true`).
pub fn regional_endpoint(region: &str, use_fips: bool) -> String {
    if region.starts_with("us-gov-") || (use_fips && FIPS_REGIONS.contains(&region)) {
        format!("https://cognito-idp-fips.{region}.amazonaws.com/")
    } else {
        format!("https://cognito-idp.{region}.amazonaws.com/")
    }
}

/// The region part of a user pool id (`us-east-1_AbCdEf123`; emulators use others, such as
/// cognito-local's `local_...`).
pub fn pool_prefix(pool_id: &str) -> Result<&str, Failure> {
    let ok = |part: &str, extra: &[u8]| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
    };
    match pool_id.split_once('_') {
        Some((prefix, name)) if ok(prefix, b"-") && ok(name, b"") => Ok(prefix),
        _ => Err(Failure::usage(format!(
            "user pool id {pool_id:?} is not a user pool id: it looks like us-east-1_AbCdEf123 \
             (the region, an underscore, letters and digits), or its ARN"
        ))
        .with_hint(
            "check --user-pool-id, COGNITO_USER_POOL_ID and the profile's user_pool_id \
             (postman-cognito config show says which one is in force)",
        )),
    }
}

/// A region that goes into the default endpoint's host must be lowercase words and a number
/// (`us-east-1`, `us-gov-west-1`): anything else could make the host another one.
pub fn check_region(region: &str) -> Result<(), Failure> {
    let parts: Vec<&str> = region.split('-').collect();
    let (last, words) = parts.split_last().unwrap_or((&"", &[]));
    let ok = words.len() >= 2
        && words[0].len() == 2
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "the region {region:?} is not an AWS region; it looks like us-east-1"
        ))
        .with_hint(
            "check --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region and the pool id",
        ))
    }
}

fn call_policy(args: &CognitoArgs, p: &Profile, r: &mut Resolver) -> Result<CallPolicy, Failure> {
    let connect_timeout = r.pick(
        &keys::CONNECT_TIMEOUT,
        dur(args.connect_timeout),
        p.connect_timeout.map(|d| d.0),
    )?;
    let timeout = r.pick(&keys::TIMEOUT, dur(args.timeout), p.timeout.map(|d| d.0))?;
    let retries = r.pick(&keys::RETRIES, args.retries, p.retries)?;
    Ok(CallPolicy {
        connect_timeout: value(&keys::CONNECT_TIMEOUT, connect_timeout)?,
        timeout: value(&keys::TIMEOUT, timeout)?,
        retries: value(&keys::RETRIES, retries)?,
        backoff: api::BACKOFF,
        max_backoff: api::MAX_BACKOFF,
        ui: r.ui.clone(),
        proxy: api::HttpsProxy::from_env(r.env),
    })
}

fn oauth(
    args: &CognitoArgs,
    p: &Profile,
    flow: Flow,
    allow_http: Option<&str>,
    r: &mut Resolver,
) -> Result<OAuthSettings, Failure> {
    let domain = r.pick(&keys::DOMAIN, args.domain.clone(), p.domain.clone())?;
    if let Some(d) = &domain {
        check_endpoint(&crate::cognito::oauth::from_domain(d).token, allow_http)?;
    }
    let default_scope = if flow.is_machine() {
        String::new()
    } else {
        DEFAULT_SCOPE.to_string()
    };
    let scope = r.pick_derived(
        &keys::SCOPE,
        args.scope.clone(),
        p.scope.clone(),
        Some(default_scope),
    )?;
    let client_auth = r.pick(&keys::CLIENT_AUTH, args.client_auth, p.client_auth)?;
    let callback_port = r.pick(&keys::CALLBACK_PORT, args.callback_port, p.callback_port)?;
    let identity_provider = r.pick(
        &keys::IDENTITY_PROVIDER,
        args.identity_provider.clone(),
        p.identity_provider.clone(),
    )?;
    let idp_identifier = r.pick(
        &keys::IDP_IDENTIFIER,
        args.idp_identifier.clone(),
        p.idp_identifier.clone(),
    )?;
    let given = args.identity_provider.is_some() || args.idp_identifier.is_some();
    if given && flow != Flow::Browser {
        return Err(Failure::usage(
            "--identity-provider and --idp-identifier go with --flow browser",
        ));
    }
    let idp = match (identity_provider, idp_identifier) {
        (Some(_), Some(_)) => {
            return Err(
                Failure::usage("identity_provider and idp_identifier cannot both be set")
                    .with_hint("keep one: the provider's name in the pool, or an identifier of it"),
            );
        }
        (Some(name), None) => Some(("identity_provider", name)),
        (None, Some(id)) => Some(("idp_identifier", id)),
        (None, None) => None,
    };
    Ok(OAuthSettings {
        idp,
        domain,
        scope: scope.unwrap_or_default(),
        client_auth: match value(&keys::CLIENT_AUTH, client_auth)? {
            ClientAuthArg::Basic => ClientAuth::Basic,
            ClientAuthArg::Body => ClientAuth::Body,
        },
        callback_port,
        browser_timeout: Duration::ZERO,
    })
}

/// `--attribute NAME=VALUE` (repeated), else the profile's `attributes`.
fn attributes(
    args: &CognitoArgs,
    p: &Profile,
    r: &mut Resolver,
) -> Result<Vec<(String, String)>, Failure> {
    let flag = (!args.attributes.is_empty()).then(|| args.attributes.clone());
    let list = r
        .pick(&keys::ATTRIBUTES, flag, p.attributes.clone())?
        .unwrap_or_default();
    list.iter()
        .map(|a| match a.split_once('=') {
            Some((n, v)) if !n.trim().is_empty() => {
                Ok((n.trim().trim_start_matches("userAttributes.").to_string(), v.to_string()))
            }
            _ => Err(Failure::usage(format!(
                "the attribute {a:?} is not NAME=VALUE"
            ))
            .with_hint("write it like --attribute given_name=Dana (or in the profile: attributes = [\"given_name=Dana\"])")),
        })
        .collect()
}

/// Where each secret may come from, in order; recorded (redacted) for `config show`.
fn secrets(args: &CognitoArgs, p: &Profile, r: &mut Resolver) -> Secrets {
    let env_list = |key: &Key, extra: &Option<String>| -> Vec<SecretFrom> {
        key.env
            .iter()
            .map(|n| SecretFrom::Env((*n).to_string()))
            .chain(extra.iter().map(|n| SecretFrom::Env(n.clone())))
            .collect()
    };
    let stdin = |on: bool, key: &Key| on.then(|| SecretFrom::Stdin(key.flag.unwrap_or_default()));
    let mut password: Vec<SecretFrom> = stdin(args.password_stdin, &keys::PASSWORD)
        .into_iter()
        .collect();
    password.extend(env_list(&keys::PASSWORD, &p.password_env));
    password.extend(p.password_command.clone().map(SecretFrom::Command));
    let mut refresh: Vec<SecretFrom> = stdin(args.refresh_token_stdin, &keys::REFRESH_TOKEN)
        .into_iter()
        .collect();
    refresh.extend(env_list(&keys::REFRESH_TOKEN, &p.refresh_token_env));
    let client_secret = env_list(&keys::CLIENT_SECRET, &p.client_secret_env);
    let totp = env_list(&keys::TOTP_SECRET, &p.totp_secret_env);
    for (key, list) in [
        (&keys::PASSWORD, &password),
        (&keys::REFRESH_TOKEN, &refresh),
        (&keys::CLIENT_SECRET, &client_secret),
        (&keys::TOTP_SECRET, &totp),
    ] {
        let origin = list.iter().find_map(|s| match s {
            SecretFrom::Stdin(flag) => Some(Origin::Flag((*flag).into())),
            SecretFrom::Env(name) => r.env.get(name).map(|_| Origin::Env(name.clone())),
            SecretFrom::Command(_) => Some(Origin::Profile),
        });
        let value = origin.as_ref().map(|_| "<redacted>".to_string());
        r.record(key, value, origin.unwrap_or(Origin::Unset));
    }
    Secrets {
        password,
        refresh,
        client_secret,
        totp,
    }
}

fn cache_dir(args: &CognitoArgs, r: &mut Resolver) -> Option<std::path::PathBuf> {
    if args.no_cache {
        r.record(&keys::CACHE, None, Origin::Flag("--no-cache".into()));
        return None;
    }
    let dir = crate::cache::default_dir(r.env);
    let shown = dir.as_ref().map(|d| d.shown().to_string());
    let how = match keys::CACHE.default {
        keys::DefaultValue::Derived(how) => how,
        _ => "",
    };
    r.record(&keys::CACHE, shown, Origin::Derived(how.into()));
    dir
}

/// `--allow-http-host`: one host name, and never one of AWS's.
fn allowed_http_host(
    args: &CognitoArgs,
    p: &Profile,
    r: &mut Resolver,
) -> Result<Option<String>, Failure> {
    let host = r.pick(
        &keys::ALLOW_HTTP_HOST,
        args.allow_http_host.clone(),
        p.allow_http_host.clone(),
    )?;
    let Some(host) = host.map(|h| h.trim().to_ascii_lowercase()) else {
        return Ok(None);
    };
    let aws = ["amazonaws.com", "amazoncognito.com", "amazonaws.com.cn"];
    if host.is_empty() || host.contains(['/', ':', '@']) {
        return Err(Failure::usage(format!(
            "--allow-http-host {host:?}: give a host name alone, e.g. cognito-local"
        )));
    }
    if aws
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
    {
        return Err(Failure::usage(format!(
            "--allow-http-host {host}: plain http is never allowed to a real Cognito host"
        )));
    }
    Ok(Some(host))
}

pub use crate::urls::check_endpoint;

/// The identity pool (`--identity-pool-id`, `COGNITO_IDENTITY_POOL_ID`, the profile's
/// `identity_pool_id`), when one is named: its region from the id's prefix, its endpoint from
/// `AWS_ENDPOINT_URL_COGNITO_IDENTITY`, else the user pool's endpoint when that was set (an
/// emulator serves both), else the regional one. It needs a user's id token.
pub fn identity_pool(
    args: &CognitoArgs,
    r: &mut Resolver,
    own: Option<&CognitoSettings>,
) -> Result<Option<crate::cognito::identity_pool::Plan>, Failure> {
    let p = r.profile();
    let Some(id) = r.pick(
        &keys::IDENTITY_POOL_ID,
        args.identity_pool_id.clone(),
        p.identity_pool_id.clone(),
    )?
    else {
        return Ok(None);
    };
    let id = id.trim().to_string();
    let region = crate::cognito::identity_pool::region_of(&id)
        .ok_or_else(|| {
            Failure::usage(format!(
                "the identity pool id {:?} is not REGION:ID",
                crate::redact::inline(&id)
            ))
            .with_hint("copy it from the console: us-east-1:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")
        })?
        .to_string();
    let Some(own) = own else {
        return Err(Failure::usage(
            "an identity pool gives credentials for a signed-in user, and this run signs in no one",
        )
        .with_hint(
            "name the user pool, client and user (or a profile) beside --identity-pool-id",
        ));
    };
    if own.kind != TokenKind::Id {
        return Err(Failure::usage(
            "an identity pool takes the user's id token, and this run gets an access token",
        )
        .with_hint("drop --token access (or use --identity NAME=:access for the access token)"));
    }
    let endpoint = match r.env.get("AWS_ENDPOINT_URL_COGNITO_IDENTITY") {
        Some(e) => e.to_string(),
        None if own.endpoint_overridden => own.endpoint.clone(),
        None => format!("https://cognito-identity.{region}.amazonaws.com/"),
    };
    check_endpoint(&endpoint, own.allow_http_host.as_deref())?;
    Ok(Some(crate::cognito::identity_pool::Plan {
        pool: crate::cognito::identity_pool::IdentityPool {
            id,
            region,
            endpoint,
        },
        user_pool_id: own.pool_id.clone(),
        policy: own.policy.clone(),
        cache: own.cache_dir.clone().map(|d| (d, own.cache_key())),
        min_ttl: own.min_ttl,
    }))
}

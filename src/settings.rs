//! Raw arguments and the environment turned into checked settings: which token source, and for
//! Cognito the pool, client, region, endpoint, flow and where each secret comes from.
//! Precedence: flags, then environment variables, then defaults.

use std::time::Duration;

use crate::cli::{CognitoArgs, FlowArg, TokenArg};
use crate::cognito::api::CallPolicy;
use crate::cognito::source::{CognitoSettings, CognitoSource, Flow, SecretFrom};
use crate::error::Failure;
use crate::jwt::TokenKind;
use crate::secrets_input::{StdinSecrets, env_secret};
use crate::token_source::{GivenToken, TOKEN_ENV, TokenSource};

/// Reads an environment variable, ignoring blank values.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Picks the token source for `refresh`: `--token-stdin`, else Cognito when a pool is named,
/// else `POSTMAN_COGNITO_TOKEN`.
pub fn token_source(token_stdin: bool, c: &CognitoArgs) -> Result<Box<dyn TokenSource>, Failure> {
    if token_stdin {
        if c.user_pool_id.is_some() {
            return Err(Failure::usage(
                "--token-stdin and --user-pool-id (or COGNITO_USER_POOL_ID) are two token sources",
            )
            .with_hint("drop --token-stdin to sign in to Cognito, or unset the pool to write a token you have"));
        }
        return Ok(Box::new(GivenToken::Stdin(StdinSecrets::default())));
    }
    if c.user_pool_id.is_some() {
        return Ok(Box::new(cognito_source(c)?));
    }
    if let Some(t) = env_secret(TOKEN_ENV) {
        return Ok(Box::new(GivenToken::Env(t)));
    }
    Err(Failure::usage("no token source").with_hint(format!(
        "sign in to Cognito with --user-pool-id, --client-id and --username (or COGNITO_USER_POOL_ID, \
         COGNITO_CLIENT_ID, COGNITO_USERNAME), or hand in a token with --token-stdin or \
         {TOKEN_ENV}; tokens are never taken from the command line"
    )))
}

pub fn cognito_source(c: &CognitoArgs) -> Result<CognitoSource, Failure> {
    Ok(CognitoSource::new(
        cognito_settings(c)?,
        StdinSecrets::default(),
    ))
}

/// Checks the Cognito arguments.
pub fn cognito_settings(c: &CognitoArgs) -> Result<CognitoSettings, Failure> {
    let pool_id = c.user_pool_id.clone().ok_or_else(|| {
        Failure::usage("no user pool: give --user-pool-id or set COGNITO_USER_POOL_ID")
    })?;
    let Some((pool_region, pool_name)) = pool_id.split_once('_') else {
        return Err(Failure::usage(format!(
            "--user-pool-id {pool_id:?} is not a user pool id; it looks like us-east-1_AbCdEf123"
        )));
    };
    if pool_region.is_empty() || pool_name.is_empty() {
        return Err(Failure::usage(format!(
            "--user-pool-id {pool_id:?} is not a user pool id; it looks like us-east-1_AbCdEf123"
        )));
    }
    let client_id = c.client_id.clone().ok_or_else(|| {
        Failure::usage("no app client: give --client-id or set COGNITO_CLIENT_ID")
    })?;
    let flow = match c.flow {
        FlowArg::Srp => Flow::Srp,
        FlowArg::Password => Flow::Password,
        FlowArg::Refresh => Flow::Refresh,
    };
    if flow != Flow::Refresh && c.username.is_none() {
        return Err(Failure::usage(format!(
            "--flow {} needs a user: give --username or set COGNITO_USERNAME",
            flow.as_str()
        )));
    }
    let region = c
        .region
        .clone()
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| pool_region.to_string());
    if region != pool_region {
        eprintln!(
            "postman-cognito: warning: region {region} differs from the pool id's region {pool_region}; \
             Cognito only knows the pool in {pool_region}"
        );
    }
    let (endpoint, overridden) = match c
        .endpoint_url
        .clone()
        .or_else(|| env("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"))
        .or_else(|| env("AWS_ENDPOINT_URL"))
    {
        Some(url) => (url, true),
        None => (
            format!("https://cognito-idp.{region}.amazonaws.com/"),
            false,
        ),
    };
    check_endpoint(&endpoint)?;
    let stdin_count = [c.password_stdin, c.refresh_token_stdin]
        .iter()
        .filter(|b| **b)
        .count();
    if stdin_count > 1 {
        return Err(Failure::usage(
            "--password-stdin and --refresh-token-stdin cannot both be given",
        ));
    }
    Ok(CognitoSettings {
        pool_id,
        client_id,
        username: c.username.clone(),
        region,
        endpoint,
        endpoint_overridden: overridden,
        flow,
        kind: match c.token {
            TokenArg::Id => TokenKind::Id,
            TokenArg::Access => TokenKind::Access,
        },
        password_from: if c.password_stdin {
            SecretFrom::Stdin
        } else {
            SecretFrom::Env
        },
        refresh_from: if c.refresh_token_stdin {
            SecretFrom::Stdin
        } else {
            SecretFrom::Env
        },
        new_password_stdin: c.new_password_stdin,
        policy: CallPolicy {
            connect_timeout: c.connect_timeout.into(),
            timeout: c.timeout.into(),
            retries: c.retries,
            backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            verbose: c.verbose,
        },
    })
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

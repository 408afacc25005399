//! Issue 29.1: machine tokens without a domain (`GetClientToken`). No emulator implements the
//! operation, so a test-side pool plays it ([`pool`]), refusing what Cognito refuses as
//! botocore's model and the Cognito API reference describe it: a request with other members
//! than `ClientId`, `Secret`, `Scopes` and `ClientMetadata` (`ClientSecret` is not one), a
//! wrong secret, a scope that is not a list of strings, and a client that does not allow
//! `ALLOW_CLIENT_TOKEN_AUTH`. It has no domain: its discovery document names no endpoints.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};

use crate::support::fake_http::{Action, FakeHttp, Received};
use crate::support::*;

const POOL: &str = "us-east-1_M2mNoDomain";
const CLIENT: &str = "machine-client";
const SECRET: &str = "machine-secret-value";

/// A machine's access token, as GetClientToken returns it.
fn access_token(scopes: &[String]) -> String {
    use base64::Engine;
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    format!(
        "{}.{}.c2ln",
        b64(json!({"alg": "RS256", "kid": "k"})),
        b64(json!({
            "token_use": "access", "client_id": CLIENT, "exp": exp,
            "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}"),
            "scope": scopes.join(" ")
        }))
    )
}

fn error(name: &str, message: &str) -> Action {
    Action::aws_error(400, name, message)
}

/// The test-side pool; `allowed`: the client allows ALLOW_CLIENT_TOKEN_AUTH.
fn pool(allowed: bool) -> FakeHttp {
    let allowed = Arc::new(AtomicBool::new(allowed));
    FakeHttp::start(move |_, r: &Received| {
        if r.line.starts_with("GET ") && r.line.ends_with("/.well-known/openid-configuration") {
            // A pool without a domain: an issuer and keys, no OAuth 2.0 endpoints.
            return Action::json(
                200,
                json!({
                    "issuer": format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}"),
                    "jwks_uri": format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}/.well-known/jwks.json"),
                }),
            );
        }
        if r.op != "GetClientToken" {
            return error("UnknownOperationException", "");
        }
        let Some(body) = r.body.as_object() else {
            return error("SerializationException", "not a JSON object");
        };
        if let Some(k) = body
            .keys()
            .find(|k| !["ClientId", "Secret", "Scopes", "ClientMetadata"].contains(&k.as_str()))
        {
            return error("SerializationException", &format!("Unknown member {k}"));
        }
        if body.get("ClientId") != Some(&json!(CLIENT)) {
            return error("ResourceNotFoundException", "Client does not exist.");
        }
        if body.get("Secret") != Some(&json!(SECRET)) {
            return error("NotAuthorizedException", "Invalid client secret.");
        }
        let scopes: Vec<String> = match body.get("Scopes") {
            None => Vec::new(),
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => {
                a.iter().map(|s| s.as_str().unwrap().to_string()).collect()
            }
            Some(_) => return error("SerializationException", "Scopes must be a list of strings"),
        };
        if !allowed.load(Ordering::SeqCst) {
            return error(
                "NotAuthorizedException",
                "ALLOW_CLIENT_TOKEN_AUTH flow not enabled for this client",
            );
        }
        Action::json(
            200,
            json!({"ClientAuthenticationResult": {
                "AccessToken": access_token(&scopes), "ExpiresIn": 3600, "TokenType": "Bearer"
            }}),
        )
    })
}

fn token_cmd(fake: &FakeHttp, flow: &str, extra: &[&str]) -> assert_cmd::Command {
    let mut c = bin();
    c.args(["token", "--flow", flow, "--endpoint-url", &fake.url()])
        .args(extra)
        .env("COGNITO_USER_POOL_ID", POOL)
        .env("COGNITO_CLIENT_ID", CLIENT)
        .env("COGNITO_CLIENT_SECRET", SECRET);
    c
}

fn lines(fake: &FakeHttp) -> Vec<String> {
    fake.received
        .lock()
        .unwrap()
        .iter()
        .map(|r| match r.op.as_str() {
            "" => r.line.clone(),
            op => format!("{} {op}", r.line),
        })
        .collect()
}

#[test]
fn without_a_domain_client_credentials_come_from_get_client_token() {
    let fake = pool(true);
    let out = token_cmd(
        &fake,
        "client-credentials",
        &["-v", "--no-cache", "--scope", "orders/read orders/write"],
    )
    .assert()
    .success()
    .get_output()
    .clone();
    let c = postman_cognito::jwt::claims(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(c.token_use.as_deref(), Some("access"));
    assert_eq!(
        lines(&fake),
        [
            format!("GET /{POOL}/.well-known/openid-configuration"),
            "POST / GetClientToken".to_string()
        ]
    );
    let body = fake.received.lock().unwrap()[1].body.clone();
    assert_eq!(
        body,
        json!({"ClientId": CLIENT, "Secret": SECRET, "Scopes": ["orders/read", "orders/write"]})
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("GetClientToken"), "-v says which: {err}");
    assert!(!err.contains(SECRET), "{err}");
}

#[test]
fn the_client_token_flow_asks_for_no_discovery_and_sends_no_scopes_when_none_are_given() {
    let fake = pool(true);
    token_cmd(&fake, "client-token", &["--no-cache"])
        .assert()
        .success();
    assert_eq!(lines(&fake), ["POST / GetClientToken"]);
    assert_eq!(
        fake.received.lock().unwrap()[0].body,
        json!({"ClientId": CLIENT, "Secret": SECRET})
    );
}

#[test]
fn a_second_run_takes_the_machine_token_from_the_cache() {
    let fake = pool(true);
    let home = tempfile::tempdir().unwrap();
    let run = || {
        String::from_utf8(
            token_cmd(&fake, "client-token", &[])
                .env("XDG_CACHE_HOME", home.path())
                .assert()
                .success()
                .get_output()
                .stdout
                .clone(),
        )
        .unwrap()
    };
    let first = run();
    assert_eq!(fake.requests(), 1);
    assert_eq!(run(), first);
    assert_eq!(fake.requests(), 1, "the second run called Cognito");
}

#[test]
fn a_client_that_does_not_allow_client_token_auth_is_refused_clearly() {
    let fake = pool(false);
    let out = token_cmd(&fake, "client-token", &["--no-cache"])
        .assert()
        .code(5)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(
        err.contains("GetClientToken was refused")
            && err.contains("allow ALLOW_CLIENT_TOKEN_AUTH in the app client"),
        "{err}"
    );
    // Refused once: never retried.
    assert_eq!(fake.requests(), 1);
}

#[test]
fn a_wrong_secret_is_refused_and_not_shown() {
    let fake = pool(true);
    let out = token_cmd(&fake, "client-token", &["--no-cache"])
        .env("COGNITO_CLIENT_SECRET", "not-the-secret")
        .assert()
        .code(5)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(err.contains("Invalid client secret"), "{err}");
    assert!(!err.contains("not-the-secret"), "{err}");
}

#[test]
fn a_machine_token_is_never_an_id_token() {
    let fake = pool(true);
    token_cmd(&fake, "client-token", &["--token", "id"])
        .assert()
        .code(2);
    assert_eq!(fake.requests(), 0);
}

/// Issue 29.3: a region other than the pool id's is right for a replica of a multi-Region
/// user pool; the warning says so.
#[test]
fn a_replica_region_is_warned_about_in_words_right_for_replicas() {
    let out = bin()
        .args(["config", "show", "--region", "eu-west-1"])
        .args(["--user-pool-id", "us-east-1_AbC", "--client-id", "c"])
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(
        err.contains("region eu-west-1 differs from the pool id's region us-east-1")
            && err.contains("replica of a multi-Region user pool in eu-west-1")
            && err.contains("TOTP MFA does not work there"),
        "{err}"
    );
}

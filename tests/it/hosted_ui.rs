//! The OAuth 2.0 flows. The browser flow runs against cognito-local's Hosted UI (its
//! /oauth2/authorize login form and /oauth2/token with PKCE and refresh), the test acting as the
//! person: it reads the URL the tool prints, posts the login form and follows the redirect to
//! the tool's callback. No emulator serves client_credentials, so a token endpoint in the test
//! checks the grant, both kinds of client authentication and the scope.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

#[allow(unused_imports)]
use crate::support;
use crate::support::fake_http::{Action, FakeHttp};
use crate::support::idp::Idp;
use crate::support::*;
use base64::Engine;
use predicates::prelude::*;
use serde_json::{Value, json};

const PASSWORD: &str = "Hosted-Passw0rd!";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Local {
    idp: Idp,
    pool: String,
    client: String,
    port: u16,
}

/// A cognito-local pool with an app client whose callback is http://localhost:PORT/callback.
fn local() -> Local {
    let idp = Idp::cognito_local();
    let pool = idp.pool("hosted", json!({}));
    let port = free_port();
    let v = idp.ok(
        "CreateUserPoolClient",
        json!({"UserPoolId": pool, "ClientName": "postman", "CallbackURLs": [format!("http://localhost:{port}/callback")],
               "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid", "email"], "AllowedOAuthFlowsUserPoolClient": true}),
    );
    let client = v["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    idp.user(&pool, "hana", PASSWORD);
    Local {
        idp,
        pool,
        client,
        port,
    }
}

impl Local {
    fn spawn(&self, args: &[&str], cache: Option<&std::path::Path>) -> Child {
        let mut c = std_bin();
        c.args(args)
            .args([
                "--flow",
                "browser",
                "--domain",
                &self.idp.url,
                "--endpoint-url",
                &self.idp.url,
            ])
            .args([
                "--callback-port",
                &self.port.to_string(),
                "--scope",
                "openid email",
            ])
            .env("COGNITO_USER_POOL_ID", &self.pool)
            .env("COGNITO_CLIENT_ID", &self.client)
            .env("BROWSER", "none")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = cache {
            c.env("XDG_CACHE_HOME", dir);
        }
        c.spawn().unwrap()
    }
}

/// Reads the tool's stderr up to the sign-in URL it prints.
fn printed_url(child: &mut Child) -> (String, BufReader<std::process::ChildStderr>) {
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "the tool ended without printing a URL"
        );
        if line.trim_start().starts_with("http") {
            return (line.trim().to_string(), err);
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

fn hidden_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|chunk| {
            let attr = |name: &str| {
                let start = chunk.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                chunk[start..].split('"').next().unwrap().to_string()
            };
            (attr("name"), attr("value"))
        })
        .collect()
}

/// Acts as the person: opens `url`, posts the login form, returns where the Hosted UI sends
/// the browser back to (the tool's callback with code and state).
fn sign_in_as_a_person(idp: &Idp, url: &str, user: &str, password: &str) -> String {
    let a = agent();
    let html = a
        .get(url)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(html.contains("<form"), "{html}");
    let mut form = hidden_fields(&html);
    form.push(("username".into(), user.into()));
    form.push(("password".into(), password.into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let resp = a
        .post(&format!(
            "{}/oauth2/authorize",
            idp.url.trim_end_matches('/')
        ))
        .send_form(pairs)
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302, "the login form was accepted");
    resp.headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

fn follow(url: &str) -> String {
    agent()
        .get(url)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap()
}

#[test]
#[ignore = "needs cognito-local: run scripts/test"]
fn the_browser_flow_signs_in_through_the_hosted_ui() {
    let l = local();
    let cache = tempfile::tempdir().unwrap();
    let mut child = l.spawn(&["token", "--json"], Some(cache.path()));
    let (url, _err) = printed_url(&mut child);
    assert!(
        url.contains("code_challenge_method=S256") && url.contains("state="),
        "{url}"
    );
    let back = sign_in_as_a_person(&l.idp, &url, "hana", PASSWORD);
    assert!(
        back.starts_with(&format!("http://localhost:{}/callback?code=", l.port)),
        "{back}"
    );
    assert!(follow(&back).contains("You can close this window"));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let claims = postman_cognito::jwt::claims(v["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims.aud, Some(json!(l.client)));
    assert_eq!(claims.token_use.as_deref(), Some("id"));
    // The next run past --min-ttl refreshes at the token endpoint, with no browser.
    let out = l
        .spawn(&["token", "--min-ttl", "2h", "-v"], Some(cache.path()))
        .wait_with_output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("Open this URL"));
}

#[test]
#[ignore = "needs cognito-local: run scripts/test"]
fn a_forged_callback_is_ignored_and_the_real_one_still_signs_in() {
    // Issue 23.17: one request to the callback with another state (or none) used to end the
    // sign-in; it is answered, ignored, and the wait goes on.
    let l = local();
    let mut child = l.spawn(&["token"], None);
    let (url, _err) = printed_url(&mut child);
    let back = sign_in_as_a_person(&l.idp, &url, "hana", PASSWORD);
    let forged = back.split("&state=").next().unwrap().to_string() + "&state=forged";
    assert!(follow(&forged).contains("not the sign-in postman-cognito is waiting for"));
    let no_state = format!("http://localhost:{}/callback?error=access_denied", l.port);
    assert!(follow(&no_state).contains("state does not match"));
    assert!(follow(&back).contains("You can close this window"));
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .split('.')
            .count(),
        3
    );
}

#[test]
#[ignore = "needs cognito-local: run scripts/test"]
fn a_wrong_verifier_and_a_timeout_are_refused() {
    let l = local();
    // A code issued for another PKCE challenge, brought back with the tool's own state.
    let mut child = l.spawn(&["token"], None);
    let (url, mut err) = printed_url(&mut child);
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let other = url.replace(
        url.split("code_challenge=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
    let back = sign_in_as_a_person(&l.idp, &other, "hana", PASSWORD);
    let code = back
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    follow(&format!(
        "http://localhost:{}/callback?code={code}&state={state}",
        l.port
    ));
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert_eq!(status.code(), Some(5), "{rest}");
    assert!(rest.contains("verifier must match"), "{rest}");
    // Nobody comes back.
    let out = l
        .spawn(&["token", "--browser-timeout", "1s"], None)
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("no sign-in came back from the browser within 1s")
    );
}

#[test]
#[ignore = "needs cognito-local and newman: run scripts/test"]
fn refresh_writes_grant_settings_that_validate_and_newman_still_sends_the_token() {
    let l = local();
    for fixture_name in [
        "collections/v21-tabs-oauth2.json",
        "collections/v20-crlf-bearer.json",
    ] {
        let (_dir, file) = temp_copy(&fixture(fixture_name));
        let before = std::fs::read(&file).unwrap();
        let mut child = l.spawn(
            &["refresh", "--inherit", "all", file.to_str().unwrap()],
            None,
        );
        let (url, _err) = printed_url(&mut child);
        follow(&sign_in_as_a_person(&l.idp, &url, "hana", PASSWORD));
        assert!(child.wait().unwrap().success());
        let after = std::fs::read(&file).unwrap();
        assert_only_auth_changed(fixture_name, &before, &after);
        let doc = parse(&after);
        let text = serde_json::to_string(&doc["auth"]["oauth2"]).unwrap();
        for want in [
            "authorization_code_with_pkce",
            "/oauth2/authorize",
            "/oauth2/token",
            &l.client,
            "S256",
            "openid email",
        ] {
            assert!(
                text.contains(want),
                "{fixture_name}: {want} missing from {text}"
            );
        }
        assert!(
            !text.to_lowercase().contains("clientsecret"),
            "never a client secret"
        );
        let version = doc["info"]["schema"].as_str().unwrap();
        let schema_file = if version.contains("v2.0") {
            "schemas/collection-v2.0.0.draft-07.json"
        } else {
            "schemas/collection-v2.1.0.draft-07.json"
        };
        let schema: Value =
            serde_json::from_slice(&std::fs::read(shared(schema_file)).unwrap()).unwrap();
        let errors: Vec<String> = jsonschema::validator_for(&schema)
            .unwrap()
            .iter_errors(&doc)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{fixture_name}: {errors:?}");
        // newman sends the token (requests pointed at a recorder, scripts dropped).
        let seen = newman_seen(&doc, &[]);
        assert!(!seen.is_empty());
        assert!(seen.iter().all(|s| {
            s.authorization
                .as_deref()
                .is_some_and(|h| h.starts_with("Bearer eyJ"))
        }));
    }
    // Off on request, and refused without a domain.
    let (_d, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    bin()
        .args(["refresh", "--write-grant-settings"])
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs the pool's domain"));
}

/// A client_credentials token endpoint: checks the grant, the client authentication and the
/// scope, and answers as Cognito does.
fn token_endpoint() -> FakeHttp {
    FakeHttp::start(|_, req| token_answer(req))
}

fn token_answer(req: &support::fake_http::Received) -> Action {
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(req.raw.as_bytes())
            .into_owned()
            .collect();
    let basic = req
        .authorization
        .as_deref()
        .and_then(|h| h.strip_prefix("Basic "))
        .map(|b| {
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b).unwrap()).unwrap()
        });
    let creds = basic.or_else(|| {
        Some(format!(
            "{}:{}",
            form.get("client_id")?,
            form.get("client_secret")?
        ))
    });
    let err = |e: &str| Action::json(400, json!({"error": e}));
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return err("unsupported_grant_type");
    }
    if creds.as_deref() != Some("machine:machine-secret") {
        return err("invalid_client");
    }
    if form.get("scope").is_some_and(|s| s != "orders/read") {
        return err("invalid_scope");
    }
    let exp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let claims = json!({"token_use": "access", "client_id": "machine", "scope": "orders/read", "exp": exp, "iss": "x"});
    let access = format!(
        "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    Action::json(
        200,
        json!({"access_token": access, "token_type": "Bearer", "expires_in": 3600}),
    )
}

#[test]
fn client_credentials_with_both_client_authentications() {
    let fake = token_endpoint();
    let run = |extra: &[&str], secret: &str| {
        bin()
            .args([
                "token",
                "--flow",
                "client-credentials",
                "--domain",
                &fake.url(),
                "--endpoint-url",
                &fake.url(),
            ])
            .args(extra)
            .env("COGNITO_USER_POOL_ID", "us-east-1_M2m")
            .env("COGNITO_CLIENT_ID", "machine")
            .env("COGNITO_CLIENT_SECRET", secret)
            .assert()
    };
    for auth in ["basic", "body"] {
        let out = run(
            &["--client-auth", auth, "--scope", "orders/read"],
            "machine-secret",
        )
        .success()
        .get_output()
        .stdout
        .clone();
        let c = postman_cognito::jwt::claims(String::from_utf8_lossy(&out).trim()).unwrap();
        assert_eq!(c.token_use.as_deref(), Some("access"));
    }
    let n = fake.requests();
    let received = fake.received.lock().unwrap().clone();
    assert!(
        received[0]
            .authorization
            .as_deref()
            .is_some_and(|h| h.starts_with("Basic ")),
        "basic sends a header"
    );
    assert!(
        received[1].authorization.is_none() && received[1].raw.contains("client_secret="),
        "body sends the secret in the form"
    );
    assert_eq!(n, 2);
    run(&[], "wrong-secret")
        .code(5)
        .stderr(predicate::str::contains("did not accept the app client"));
    run(&["--scope", "admin/all"], "machine-secret")
        .code(5)
        .stderr(predicate::str::contains("scope is not allowed"));
    run(&["--token", "id"], "machine-secret")
        .code(2)
        .stderr(predicate::str::contains("access token only"));
    let out = run(&["-v"], "machine-secret")
        .success()
        .get_output()
        .clone();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("machine-secret"));
}

#[test]
fn without_a_domain_the_endpoints_come_from_oidc_discovery() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU16, Ordering};
    let port = Arc::new(AtomicU16::new(0));
    let p = port.clone();
    let fake = FakeHttp::start(move |_, req| {
        if req.line.starts_with("GET ") {
            let base = format!("http://127.0.0.1:{}", p.load(Ordering::SeqCst));
            return Action::json(
                200,
                json!({"issuer": "x", "authorization_endpoint": format!("{base}/oauth2/authorize"), "token_endpoint": format!("{base}/oauth2/token")}),
            );
        }
        token_answer(req)
    });
    port.store(fake.port, Ordering::SeqCst);
    bin()
        .args([
            "token",
            "--flow",
            "client-credentials",
            "--endpoint-url",
            &fake.url(),
        ])
        .env("COGNITO_USER_POOL_ID", "us-east-1_M2m")
        .env("COGNITO_CLIENT_ID", "machine")
        .env("COGNITO_CLIENT_SECRET", "machine-secret")
        .assert()
        .success();
    let lines: Vec<String> = fake
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.line.clone())
        .collect();
    assert_eq!(
        lines,
        [
            "GET /us-east-1_M2m/.well-known/openid-configuration",
            "POST /oauth2/token"
        ]
    );
}

/// `--identity-provider` and `--idp-identifier` go into the authorize URL (so that Cognito
/// sends federated users straight to their provider); cognito-local, which has no federation,
/// ignores them and the sign-in completes.
#[test]
#[ignore = "needs cognito-local: run scripts/test"]
fn a_federated_provider_is_named_in_the_authorize_url() {
    let l = local();
    for (flag, value, query) in [
        (
            "--identity-provider",
            "Okta SAML",
            "&identity_provider=Okta+SAML",
        ),
        (
            "--idp-identifier",
            "example.com",
            "&idp_identifier=example.com",
        ),
    ] {
        let mut child = l.spawn(&["token", "--no-cache", flag, value], None);
        let (url, _err) = printed_url(&mut child);
        assert!(url.ends_with(query), "{url}");
        let back = sign_in_as_a_person(&l.idp, &url, "hana", PASSWORD);
        follow(&back);
        assert!(child.wait_with_output().unwrap().status.success());
    }
    // Only with the browser flow, and not both.
    bin()
        .args(["token", "--flow", "srp", "--identity-provider", "Okta"])
        .env("COGNITO_USER_POOL_ID", "us-east-1_AbC")
        .env("COGNITO_CLIENT_ID", "c")
        .env("COGNITO_USERNAME", "u")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("go with --flow browser"));
    bin()
        .args([
            "token",
            "--flow",
            "browser",
            "--identity-provider",
            "Okta",
            "--idp-identifier",
            "x",
        ])
        .env("COGNITO_USER_POOL_ID", "us-east-1_AbC")
        .env("COGNITO_CLIENT_ID", "c")
        .assert()
        .code(2);
}

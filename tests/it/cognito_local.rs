//! cognito-local (npm, started by scripts/test) as a second Cognito: it omits ExpiresIn (the
//! expiry must come from the JWT), issues tokens with a localhost issuer, names its errors
//! differently (InvalidPasswordException, CognitoLocal#Unsupported), and has no SRP.

#[allow(unused_imports)]
use crate::support;
use crate::support::idp::Idp;
use crate::support::*;
use predicates::prelude::*;
use serde_json::json;

const PASSWORD: &str = "Local-Passw0rd!";

struct Local {
    idp: Idp,
    pool: String,
    client: String,
}

fn local() -> Local {
    let idp = Idp::cognito_local();
    let pool = idp.pool("tests", json!({}));
    let (client, _) = idp.client(&pool, false, &[]);
    idp.user(&pool, "lee", PASSWORD);
    Local { idp, pool, client }
}

impl Local {
    fn cmd(&self, user: &str, password: &str, args: &[&str]) -> assert_cmd::Command {
        signing_in(
            args,
            &self.idp.url,
            &self.pool,
            &self.client,
            user,
            password,
        )
    }
}

#[test]
#[ignore = "needs cognito-local: run scripts/test"]
fn password_flow_gets_a_token_whose_expiry_comes_from_the_jwt() {
    let l = local();
    let out = l
        .cmd("lee", PASSWORD, &["token", "--flow", "password", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let claims = postman_cognito::jwt::claims(v["token"].as_str().unwrap()).unwrap();
    assert_eq!(claims.token_use.as_deref(), Some("id"));
    assert!(
        claims
            .iss
            .as_deref()
            .unwrap()
            .starts_with("http://127.0.0.1"),
        "cognito-local's own issuer is accepted with an endpoint override"
    );
    // No ExpiresIn in the answer: the expiry printed is the JWT's exp.
    let exp = claims.exp.unwrap();
    assert_eq!(v["expires_at"], json!(postman_cognito::jwt::rfc3339(exp)));
}

#[test]
#[ignore = "needs cognito-local: run scripts/test"]
fn refresh_a_collection_then_refresh_token_flow() {
    let l = local();
    let (_d, file) = temp_copy(&fixture("collections/v20-tabs-oauth2.json"));
    l.cmd("lee", PASSWORD, &["refresh", "--flow", "password"])
        .arg(&file)
        .assert()
        .success();
    assert!(
        parse(&std::fs::read(&file).unwrap())["auth"]["oauth2"]["accessToken"]
            .as_str()
            .unwrap()
            .starts_with("eyJ")
    );
    let r = l.idp.password_auth(&l.client, "lee", PASSWORD, None);
    let refresh = r["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    l.cmd("lee", PASSWORD, &["token", "--flow", "refresh"])
        .env("COGNITO_REFRESH_TOKEN", refresh)
        .assert()
        .success();
}

#[test]
#[ignore = "needs cognito-local: run scripts/test"]
fn its_error_names_map_to_the_same_sentences() {
    let l = local();
    l.cmd("lee", "Wrong-Passw0rd!", &["token", "--flow", "password"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("wrong username or password"));
    l.cmd("nobody", PASSWORD, &["token", "--flow", "password"])
        .assert()
        .code(5);
    let mut c = l.cmd("lee", PASSWORD, &["token", "--flow", "password"]);
    c.env("COGNITO_CLIENT_ID", "no-such-client");
    c.assert()
        .code(5)
        .stderr(predicate::str::contains("does not know pool"));
    // No SRP in cognito-local: one try (not retried as a server fault) and a hint.
    l.cmd("lee", PASSWORD, &["token", "--flow", "srp", "-v"])
        .assert()
        .code(5)
        .stderr(
            predicate::str::contains("use --flow password")
                .and(predicate::str::contains("try 2").not()),
        );
}

//! Signing in against moto (started by scripts/test, with TOTP codes checked): password, SRP
//! plumbing, refresh, SECRET_HASH, NEW_PASSWORD_REQUIRED, TOTP MFA and the error mapping.
//! moto does not check SRP signatures; tests/srp_verifier.rs does.

#[allow(unused_imports)]
use crate::support;
use crate::support::idp::{Idp, secret_hash};
use crate::support::*;
use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::json;

const PASSWORD: &str = "Correct-Horse-9!";
const ALL_FLOWS: &[&str] = &[
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
];

struct Pool {
    idp: Idp,
    pool: String,
    client: String,
    secret: Option<String>,
}

fn pool(secret: bool, flows: &[&str]) -> Pool {
    let idp = Idp::moto();
    let pool = idp.pool("tests", json!({}));
    let (client, secret) = idp.client(&pool, secret, flows);
    Pool {
        idp,
        pool,
        client,
        secret,
    }
}

impl Pool {
    /// The binary set up to sign in as `user` (password in COGNITO_PASSWORD).
    fn cmd(&self, user: &str, args: &[&str]) -> Command {
        signing_in(
            args,
            &self.idp.url,
            &self.pool,
            &self.client,
            user,
            PASSWORD,
        )
    }
}

fn claims(token: &str) -> serde_json::Value {
    let c = postman_cognito::jwt::claims(token.trim()).unwrap();
    json!({"token_use": c.token_use, "aud": c.aud, "client_id": c.client_id, "iss": c.iss, "exp": c.exp, "username": c.cognito_username})
}

#[test]
#[ignore = "needs moto: run scripts/test"]
fn password_and_srp_give_checked_tokens() {
    let p = pool(false, ALL_FLOWS);
    p.idp.user(&p.pool, "bob", PASSWORD);
    for flow in ["password", "srp"] {
        let out = p
            .cmd("bob", &["token", "--flow", flow])
            .assert()
            .success()
            .get_output()
            .clone();
        let c = claims(&String::from_utf8_lossy(&out.stdout));
        assert_eq!(c["token_use"], "id", "{flow}");
        assert_eq!(c["aud"], json!(p.client));
        assert!(c["iss"].as_str().unwrap().ends_with(&p.pool));
        assert!(String::from_utf8_lossy(&out.stderr).contains("token expires at"));
        let out = p
            .cmd("bob", &["token", "--flow", flow, "--token", "access"])
            .assert()
            .success()
            .get_output()
            .clone();
        let c = claims(&String::from_utf8_lossy(&out.stdout));
        assert_eq!(c["token_use"], "access");
        assert_eq!(c["client_id"], json!(p.client));
    }
    let out = p
        .cmd("bob", &["token", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(claims(v["id_token"].as_str().unwrap())["token_use"], "id");
    assert_eq!(
        claims(v["access_token"].as_str().unwrap())["token_use"],
        "access"
    );
    assert_eq!(v["token"], v["id_token"]);
    assert!(v["expires_in"].as_i64().unwrap() > 3000);
    // The versioned document of schema/postman-cognito.schema.json (issue 17).
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(repo().join("schema/postman-cognito.schema.json")).unwrap(),
    )
    .unwrap();
    assert!(
        jsonschema::validator_for(&schema).unwrap().is_valid(&v),
        "{v:#}"
    );
    assert_eq!(
        (v["command"].as_str(), v["source"].as_str()),
        (Some("token"), Some("cognito-sign-in"))
    );
    assert!(
        v.get("refresh_token").is_none(),
        "the refresh token is never printed"
    );
}

#[test]
#[ignore = "needs moto: run scripts/test"]
fn refresh_signs_in_and_writes_the_collection() {
    let p = pool(false, ALL_FLOWS);
    p.idp.user(&p.pool, "ci-bot", PASSWORD);
    let (_d, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let out = p
        .cmd("ci-bot", &["refresh", "--json"])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["files"][0]["status"], "updated");
    assert!(
        report["token"]["message"]
            .as_str()
            .unwrap()
            .contains("srp sign-in of \"ci-bot\"")
    );
    let doc = parse(&std::fs::read(&file).unwrap());
    let token = access_token(&doc);
    assert_eq!(claims(&token)["token_use"], "id");
    assert_eq!(claims(&token)["aud"], json!(p.client));
}

#[test]
#[ignore = "needs moto: run scripts/test"]
fn clients_with_a_secret_send_secret_hash() {
    let p = pool(true, ALL_FLOWS);
    let secret = p.secret.clone().unwrap();
    p.idp.user(&p.pool, "bob", PASSWORD);
    for flow in ["srp", "password"] {
        p.cmd("bob", &["token", "--flow", flow])
            .env("COGNITO_CLIENT_SECRET", &secret)
            .assert()
            .success();
    }
    // moto checks SECRET_HASH on SRP (and refresh, below), not on USER_PASSWORD_AUTH.
    {
        let flow = "srp";
        // moto answers a missing or wrong SECRET_HASH with an empty NotAuthorizedException
        // (AWS names the secret hash; tests/faults.rs replays those exact messages).
        p.cmd("bob", &["token", "--flow", flow])
            .assert()
            .code(5)
            .stderr(
                predicate::str::contains("set COGNITO_CLIENT_SECRET")
                    .and(predicate::str::contains("()").not()),
            );
        p.cmd("bob", &["token", "--flow", flow])
            .env("COGNITO_CLIENT_SECRET", "not-the-secret")
            .assert()
            .code(5)
            .stderr(predicate::str::contains(
                "check that COGNITO_CLIENT_SECRET is that secret",
            ));
    }
}

#[test]
#[ignore = "needs moto: run scripts/test"]
fn refresh_token_flow_with_and_without_secret() {
    let p = pool(false, ALL_FLOWS);
    p.idp.user(&p.pool, "bob", PASSWORD);
    let r = p.idp.password_auth(&p.client, "bob", PASSWORD, None);
    let refresh = r["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    p.cmd("bob", &["token", "--flow", "refresh"])
        .env("COGNITO_REFRESH_TOKEN", &refresh)
        .assert()
        .success();
    p.cmd(
        "bob",
        &["token", "--flow", "refresh", "--refresh-token-stdin"],
    )
    .write_stdin(format!("{refresh}\n"))
    .assert()
    .success();
    p.cmd("bob", &["token", "--flow", "refresh"])
        .env("COGNITO_REFRESH_TOKEN", "not-a-refresh-token")
        .assert()
        .code(5)
        .stderr(predicate::str::contains("refused the refresh token"));

    let s = pool(true, ALL_FLOWS);
    let secret = s.secret.clone().unwrap();
    s.idp.user(&s.pool, "carol", PASSWORD);
    let r = s.idp.password_auth(
        &s.client,
        "carol",
        PASSWORD,
        Some(secret_hash(&secret, "carol", &s.client)),
    );
    let refresh = r["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    // SECRET_HASH with the token's cognito:username.
    s.cmd("carol", &["token", "--flow", "refresh"])
        .env("COGNITO_REFRESH_TOKEN", &refresh)
        .env("COGNITO_CLIENT_SECRET", &secret)
        .assert()
        .success();
    s.cmd("someone-else", &["token", "--flow", "refresh"])
        .env("COGNITO_REFRESH_TOKEN", &refresh)
        .env("COGNITO_CLIENT_SECRET", &secret)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("cognito:username"));
}

#[test]
#[ignore = "needs moto: run scripts/test"]
fn new_password_required_is_explained_or_answered() {
    let p = pool(false, ALL_FLOWS);
    p.idp.temp_user(&p.pool, "newbie", "Temp-Passw0rd!");
    for flow in ["password", "srp"] {
        p.cmd("newbie", &["token", "--flow", flow])
            .env("COGNITO_PASSWORD", "Temp-Passw0rd!")
            .assert()
            .code(5)
            .stderr(
                predicate::str::contains("set a new password")
                    .and(predicate::str::contains("--new-password-stdin")),
            );
    }
    p.cmd(
        "newbie",
        &[
            "token",
            "--flow",
            "srp",
            "--password-stdin",
            "--new-password-stdin",
        ],
    )
    .env_remove("COGNITO_PASSWORD")
    .write_stdin(format!("Temp-Passw0rd!\n{PASSWORD}\n"))
    .assert()
    .success();
    // The new password is now the password.
    p.cmd("newbie", &["token", "--flow", "password"])
        .assert()
        .success();
}

#[test]
#[ignore = "needs moto: run scripts/test"]
fn totp_mfa_is_answered_from_the_secret() {
    let idp = Idp::moto();
    let pool = idp.pool("mfa", json!({"MfaConfiguration": "OPTIONAL"}));
    let (client, _) = idp.client(&pool, false, ALL_FLOWS);
    idp.user(&pool, "mfa-user", PASSWORD);
    let access = idp.password_auth(&client, "mfa-user", PASSWORD, None)["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let secret = idp.ok("AssociateSoftwareToken", json!({"AccessToken": access}))["SecretCode"]
        .as_str()
        .unwrap()
        .to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = postman_cognito::cognito::totp::code(&secret, now).unwrap();
    idp.ok(
        "VerifySoftwareToken",
        json!({"AccessToken": access, "UserCode": code}),
    );
    idp.ok(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": pool, "Username": "mfa-user", "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    );
    let p = Pool {
        idp,
        pool,
        client,
        secret: None,
    };
    for flow in ["password", "srp"] {
        p.cmd("mfa-user", &["token", "--flow", flow])
            .env("COGNITO_TOTP_SECRET", &secret)
            .assert()
            .success();
        p.cmd("mfa-user", &["token", "--flow", flow])
            .assert()
            .code(5)
            .stderr(predicate::str::contains("COGNITO_TOTP_SECRET"));
        p.cmd("mfa-user", &["token", "--flow", flow])
            .env("COGNITO_TOTP_SECRET", "JBSWY3DPEHPK3PXP")
            .assert()
            .code(5)
            .stderr(predicate::str::contains("refused the MFA code"));
    }
    p.cmd("mfa-user", &["token"])
        .env("COGNITO_TOTP_SECRET", "not base32 !")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a base32 secret"));
}

#[test]
#[ignore = "needs moto: run scripts/test"]
fn cognito_errors_become_sentences_with_exit_5() {
    let p = pool(false, &["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
    p.idp.user(&p.pool, "bob", PASSWORD);
    let full = pool(false, ALL_FLOWS);
    full.idp.user(&full.pool, "bob", PASSWORD);
    full.cmd("bob", &["token", "--flow", "password"])
        .env("COGNITO_PASSWORD", "Wrong-Horse-1!")
        .assert()
        .code(5)
        .stderr(predicate::str::contains("wrong username or password"));
    full.cmd("nobody", &["token", "--flow", "password"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("nobody"));
    let mut unknown = full.cmd("bob", &["token"]);
    unknown.env("COGNITO_CLIENT_ID", "no-such-client");
    unknown
        .assert()
        .code(5)
        .stderr(predicate::str::contains("does not know pool"));
    // moto does not enforce ExplicitAuthFlows: "flow not enabled" is replayed in tests/faults.rs.
    p.cmd("bob", &["token", "--flow", "srp"]).assert().success();
}

#[test]
fn unreachable_endpoint_is_a_network_failure_after_bounded_tries() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    bin()
        .args([
            "token",
            "--retries",
            "2",
            "-v",
            "--endpoint-url",
            &format!("http://127.0.0.1:{port}/"),
        ])
        .env("COGNITO_USER_POOL_ID", "us-east-1_X")
        .env("COGNITO_CLIENT_ID", "c")
        .env("COGNITO_USERNAME", "bob")
        .env("COGNITO_PASSWORD", PASSWORD)
        .assert()
        .code(6)
        .stderr(
            predicate::str::contains("cannot reach Cognito")
                .and(predicate::str::contains("try 3 of 3")),
        );
}

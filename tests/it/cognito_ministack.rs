//! Against ministack (started by scripts/test), the third Cognito peer: unlike moto it checks
//! SRP signatures and enforces an app client's ExplicitAuthFlows for USER_SRP_AUTH (not for
//! USER_PASSWORD_AUTH, unless started with AUTH=true, which also wants signed admin calls), and
//! it serves
//! GetTokensFromRefreshToken (without rotation, which tests/it/modern_pools.rs covers). Its
//! USER_AUTH exists only in its web pages: the API answers "Unsupported AuthFlow". Also the
//! fallback to REFRESH_TOKEN_AUTH on moto and cognito-local, which do not know
//! GetTokensFromRefreshToken.

use crate::support::idp::Idp;
use crate::support::*;
use predicates::prelude::*;
use serde_json::json;

const PASSWORD: &str = "Correct-Horse-9!";
const SRP_FLOWS: &[&str] = &["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];

/// The cognito-idp operations a `-v` run called, in order (one line per try).
fn calls(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("postman-cognito: "))
        .filter(|l| l.contains(" at http") && l.contains("(try "))
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect()
}

struct Setup {
    idp: Idp,
    pool: String,
    home: std::path::PathBuf,
}

impl Setup {
    fn new(idp: Idp) -> Setup {
        let pool = idp.pool("tests", json!({}));
        idp.user(&pool, "bob", PASSWORD);
        Setup {
            idp,
            pool,
            home: tempfile::tempdir().unwrap().keep(),
        }
    }

    fn token(&self, client: &str, secret: Option<&str>, args: &[&str]) -> assert_cmd::Command {
        let mut c = signing_in(
            &["token", "-v"],
            &self.idp.url,
            &self.pool,
            client,
            "bob",
            PASSWORD,
        );
        c.args(args)
            .env("HOME", &self.home)
            .env("XDG_CACHE_HOME", self.home.join("cache"));
        if let Some(s) = secret {
            c.env("COGNITO_CLIENT_SECRET", s);
        }
        c
    }

    fn cached_refresh_token(&self) -> String {
        fn find(dir: &std::path::Path) -> Option<std::path::PathBuf> {
            for e in std::fs::read_dir(dir).ok()?.flatten() {
                let p = e.path();
                if p.is_dir() {
                    if let Some(f) = find(&p) {
                        return Some(f);
                    }
                } else if p.extension().is_some_and(|e| e == "json") {
                    return Some(p);
                }
            }
            None
        }
        let file = find(&self.home.join("cache")).expect("a cache file");
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        v["refresh_token"].as_str().unwrap().to_string()
    }
}

#[test]
#[ignore = "needs ministack: run scripts/test"]
fn ministack_checks_the_srp_proof_and_a_cached_refresh_is_one_call() {
    let s = Setup::new(Idp::ministack());
    let (client, _) = s.idp.client(&s.pool, false, SRP_FLOWS);
    let out = s.token(&client, None, &[]).assert().success();
    assert_eq!(
        calls(&out.get_output().stderr),
        ["InitiateAuth", "RespondToAuthChallenge"]
    );
    // ministack verifies the signature: a wrong password is refused (moto would accept it).
    s.token(&client, None, &["--no-cache", "--retries", "0"])
        .env("COGNITO_PASSWORD", "Wrong-Horse-9!")
        .assert()
        .code(5)
        .stderr(predicate::str::contains("wrong username or password"));
    // --min-ttl 2h: the cached id token is too short-lived, so the refresh token is used.
    for _ in 0..2 {
        let out = s
            .token(&client, None, &["--min-ttl", "2h"])
            .assert()
            .success();
        assert_eq!(
            calls(&out.get_output().stderr),
            ["GetTokensFromRefreshToken"],
            "a cached refresh is one call"
        );
    }
}

#[test]
#[ignore = "needs ministack: run scripts/test"]
fn a_client_with_a_secret_refreshes_without_the_username() {
    let s = Setup::new(Idp::ministack());
    let (client, secret) = s.idp.client(&s.pool, true, SRP_FLOWS);
    let secret = secret.unwrap();
    s.token(&client, Some(&secret), &[]).assert().success();
    let refresh = s.cached_refresh_token();
    let out = s
        .token(&client, Some(&secret), &["--flow", "refresh", "--no-cache"])
        .env_remove("COGNITO_USERNAME")
        .env("COGNITO_REFRESH_TOKEN", &refresh)
        .assert()
        .success()
        .stdout(predicate::str::starts_with("eyJ"));
    assert_eq!(
        calls(&out.get_output().stderr),
        ["GetTokensFromRefreshToken"]
    );
}

#[test]
#[ignore = "needs ministack: run scripts/test"]
fn explicit_auth_flows_are_enforced_and_the_hints_name_what_is_left() {
    let s = Setup::new(Idp::ministack());
    // ALLOW_USER_AUTH only (the CDK's `authFlows: { user: true }`): USER_SRP_AUTH is refused,
    // USER_AUTH is tried, and ministack's API does not implement it; the error says so.
    let (user_auth, _) = s.idp.client(
        &s.pool,
        false,
        &["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    );
    let out = s
        .token(&user_auth, None, &["--no-cache", "--retries", "0"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "does not allow USER_SRP_AUTH (USER_SRP_AUTH is not enabled for the client), and",
        ))
        .stderr(predicate::str::contains("does not implement USER_AUTH"));
    assert_eq!(
        calls(&out.get_output().stderr),
        ["InitiateAuth", "InitiateAuth"]
    );
    // USER_PASSWORD_AUTH only: the default SRP is refused, and the hint names --flow password,
    // which then works.
    let (password_only, _) = s.idp.client(
        &s.pool,
        false,
        &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    );
    s.token(&password_only, None, &["--no-cache", "--retries", "0"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("--flow password"));
    s.token(&password_only, None, &["--no-cache", "--flow", "password"])
        .assert()
        .success();
}

/// moto and cognito-local do not know GetTokensFromRefreshToken: the first refresh falls back
/// to REFRESH_TOKEN_AUTH at once (no retries on moto's HTTP 500), and the cache remembers it,
/// so the next cached refresh is one call again. (`--min-ttl 25h`: cognito-local's tokens last
/// a day, so the cached token is never enough.)
fn refresh_falls_back_and_remembers_it(idp: Idp) {
    {
        let url = idp.url.clone();
        let s = Setup::new(idp);
        let (client, _) = s.idp.client(
            &s.pool,
            false,
            &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        );
        s.token(&client, None, &["--flow", "password"])
            .assert()
            .success();
        let out = s
            .token(&client, None, &["--flow", "password", "--min-ttl", "25h"])
            .assert()
            .success()
            .stderr(predicate::str::contains(
                "does not know GetTokensFromRefreshToken",
            ));
        assert_eq!(
            calls(&out.get_output().stderr),
            ["GetTokensFromRefreshToken", "InitiateAuth"],
            "{url}"
        );
        let out = s
            .token(&client, None, &["--flow", "password", "--min-ttl", "25h"])
            .assert()
            .success();
        assert_eq!(calls(&out.get_output().stderr), ["InitiateAuth"], "{url}");
    }
}

#[test]
#[ignore = "needs moto: run scripts/test"]
fn on_moto_refresh_falls_back_where_get_tokens_is_unknown_and_remembers_it() {
    refresh_falls_back_and_remembers_it(Idp::moto());
}

#[test]
#[ignore = "needs cognito-local: run scripts/test"]
fn on_cognito_local_refresh_falls_back_where_get_tokens_is_unknown_and_remembers_it() {
    refresh_falls_back_and_remembers_it(Idp::cognito_local());
}

//! No secret in any output: every command, with --verbose, --json and --diff, and error paths,
//! run with a known password, client secret, refresh token, TOTP secret and token. Only the
//! `token` command prints a token, on stdout, as asked.

#[allow(unused_imports)]
use crate::support;
use crate::support::idp::{Idp, secret_hash};
use crate::support::*;
use serde_json::json;

const PASSWORD: &str = "Known-Passw0rd-7f3a";
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

#[test]
#[ignore = "needs moto: run scripts/test"]
fn no_command_prints_a_secret() {
    let idp = Idp::moto();
    let pool = idp.pool("secrets", json!({}));
    let (client, secret) = idp.client(
        &pool,
        true,
        &[
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    );
    let secret = secret.unwrap();
    idp.user(&pool, "sam", PASSWORD);
    let r = idp.password_auth(
        &client,
        "sam",
        PASSWORD,
        Some(secret_hash(&secret, "sam", &client)),
    );
    let refresh = r["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let id_token = r["AuthenticationResult"]["IdToken"]
        .as_str()
        .unwrap()
        .to_string();
    let never = [PASSWORD, secret.as_str(), refresh.as_str(), TOTP_SECRET];

    let cmd = |args: &[&str]| {
        let mut c = bin();
        c.args(args)
            .env("COGNITO_USER_POOL_ID", &pool)
            .env("COGNITO_CLIENT_ID", &client)
            .env("COGNITO_USERNAME", "sam")
            .env("COGNITO_PASSWORD", PASSWORD)
            .env("COGNITO_CLIENT_SECRET", &secret)
            .env("COGNITO_REFRESH_TOKEN", &refresh)
            .env("COGNITO_TOTP_SECRET", TOTP_SECRET)
            .env("POSTMAN_COGNITO_TOKEN", &id_token);
        c
    };
    let (_d, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let f = file.to_str().unwrap().to_string();
    let moto = idp.url.clone();
    let runs: Vec<(Vec<&str>, bool)> = vec![
        // (args, prints a token on stdout by design)
        (vec!["token", "-v", "--endpoint-url", &moto], true),
        (
            vec![
                "token",
                "--json",
                "-v",
                "--flow",
                "password",
                "--endpoint-url",
                &moto,
            ],
            true,
        ),
        (
            vec!["token", "--flow", "refresh", "-v", "--endpoint-url", &moto],
            true,
        ),
        (
            vec![
                "refresh",
                "-v",
                "--json",
                "--diff",
                "--check",
                "--endpoint-url",
                &moto,
                &f,
            ],
            false,
        ),
        (
            vec![
                "refresh",
                "-v",
                "--json",
                "--diff",
                "--endpoint-url",
                &moto,
                &f,
            ],
            false,
        ),
        (
            vec!["refresh", "--diff", "--endpoint-url", &moto, &f],
            false,
        ),
        // Errors: wrong secret, bad refresh token (via a wrong username), refused endpoint,
        // unreachable endpoint, bad file.
        (
            vec![
                "token",
                "-v",
                "--flow",
                "refresh",
                "--username",
                "mallory",
                "--endpoint-url",
                &moto,
            ],
            false,
        ),
        (
            vec!["token", "-v", "--endpoint-url", "http://192.0.2.1:9/"],
            false,
        ),
        (
            vec![
                "token",
                "-v",
                "--retries",
                "0",
                "--endpoint-url",
                "http://127.0.0.1:9/",
            ],
            false,
        ),
        (
            vec![
                "refresh",
                "-v",
                "--endpoint-url",
                &moto,
                "/nonexistent/c.json",
            ],
            false,
        ),
        (
            vec![
                "token",
                "--flow",
                "password",
                "--endpoint-url",
                &moto,
                "--client-id",
                "nope",
            ],
            false,
        ),
    ];
    let mut ran = 0;
    for (args, prints_token) in &runs {
        let out = cmd(args).output().unwrap();
        let (so, se) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        for s in never {
            assert!(
                !so.contains(s) && !se.contains(s),
                "{args:?} printed a secret ({}...):\n{so}\n{se}",
                &s[..4]
            );
        }
        assert!(!se.contains("eyJ"), "{args:?}: a token on stderr: {se}");
        if !prints_token {
            assert!(!so.contains(&id_token), "{args:?}: the token on stdout");
            assert!(
                !so.contains("eyJ") || so.contains("<redacted>") && !so.contains(".eyJ"),
                "{args:?}: {so}"
            );
        }
        assert!(!se.contains("panicked"), "{args:?}: {se}");
        ran += 1;
    }
    assert_eq!(ran, runs.len());
    // A wrong client secret: the error names the variable, never its value.
    let out = cmd(&["token", "--endpoint-url", &moto])
        .env("COGNITO_CLIENT_SECRET", "wrong-secret-value-99")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("wrong-secret-value-99"));
}

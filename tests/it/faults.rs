//! A misbehaving Cognito (a scripted server here: no emulator injects faults): 5xx bursts, 429
//! with and without Retry-After, hangs past the timeout, resets, HTML pages, truncated bodies,
//! and AWS's exact error bodies. Each case ends with the right number of tries, a clear
//! error and exit code, and the collection untouched.

use std::time::{SystemTime, UNIX_EPOCH};

#[allow(unused_imports)]
use crate::support;
use crate::support::fake_http::{Action, FakeHttp};
use crate::support::*;
use base64::Engine;
use predicates::prelude::*;
use serde_json::json;

const POOL: &str = "us-east-1_Faults";
const CLIENT: &str = "faultclient";

fn tokens() -> Action {
    Action::tokens(CLIENT)
}

/// Runs `refresh --flow password` on a fixture copy against `fake`; returns the assert, the
/// number of requests the server saw, and whether the collection is unchanged.
fn refresh(fake: &FakeHttp, extra: &[&str]) -> (assert_cmd::assert::Assert, usize, bool) {
    let (_d, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let before = std::fs::read(&file).unwrap();
    let a = bin()
        .args([
            "refresh",
            "--flow",
            "password",
            "--retries",
            "2",
            "--timeout",
            "2s",
            "--endpoint-url",
            &fake.url(),
        ])
        .args(extra)
        .arg(&file)
        .env("COGNITO_USER_POOL_ID", POOL)
        .env("COGNITO_CLIENT_ID", CLIENT)
        .env("COGNITO_USERNAME", "erin")
        .env("COGNITO_PASSWORD", "Secret-Passw0rd!")
        .assert();
    let same = std::fs::read(&file).unwrap() == before;
    (a, fake.requests(), same)
}

#[test]
fn a_burst_of_503_is_retried_then_succeeds() {
    let fake = FakeHttp::start(|n, _| {
        if n < 2 {
            Action::aws_error(503, "InternalErrorException", "busy")
        } else {
            tokens()
        }
    });
    let (a, n, same) = refresh(&fake, &[]);
    a.success();
    assert_eq!(n, 3);
    assert!(
        !same,
        "the collection was written after the retries succeeded"
    );
}

#[test]
fn endless_503_stops_after_the_retries() {
    let fake = FakeHttp::start(|_, _| Action::aws_error(503, "ServiceUnavailable", "down"));
    let (a, n, same) = refresh(&fake, &[]);
    a.code(6).stderr(predicate::str::contains("HTTP 503"));
    assert_eq!(n, 3, "1 try + 2 retries");
    assert!(same);
}

#[test]
fn throttling_429_honours_retry_after_and_gives_up_in_bounds() {
    let fake = FakeHttp::start(|n, _| {
        if n == 0 {
            Action::Respond {
                status: 429,
                headers: vec![("Retry-After".into(), "1".into())],
                body: "{}".into(),
            }
        } else {
            tokens()
        }
    });
    let (a, n, _) = refresh(&fake, &[]);
    a.success();
    assert_eq!(n, 2);
    let fake =
        FakeHttp::start(|_, _| Action::aws_error(400, "TooManyRequestsException", "Rate exceeded"));
    let (a, n, same) = refresh(&fake, &[]);
    a.code(6).stderr(predicate::str::contains("throttling"));
    assert_eq!(n, 3);
    assert!(same);
    let fake = FakeHttp::start(|_, _| Action::Respond {
        status: 429,
        headers: vec![],
        body: String::new(),
    });
    let (a, n, same) = refresh(&fake, &[]);
    a.code(6);
    assert_eq!(n, 3);
    assert!(same);
}

#[test]
fn a_hang_past_the_timeout_ends_with_a_network_failure() {
    let fake = FakeHttp::start(|_, _| Action::Hang);
    let (a, n, same) = refresh(&fake, &["--timeout", "1s", "--retries", "1"]);
    a.code(6).stderr(predicate::str::contains("did not answer"));
    assert_eq!(n, 2);
    assert!(same);
}

#[test]
fn resets_and_truncated_bodies_are_retried_then_reported() {
    for (name, action) in [("reset", 0), ("truncated", 1)] {
        let fake = FakeHttp::start(move |_, _| match action {
            0 => Action::Reset,
            _ => Action::Truncate {
                status: 200,
                declared: 500,
                body: "{\"AuthenticationRes".into(),
            },
        });
        let (a, n, same) = refresh(&fake, &[]);
        a.code(6).stderr(predicate::str::contains("Cognito"));
        assert_eq!(n, 3, "{name}");
        assert!(same, "{name}");
    }
}

#[test]
fn html_pages_are_named_as_such() {
    let fake = FakeHttp::start(|_, _| Action::Respond {
        status: 502,
        headers: vec![],
        body: "<html><body>Bad gateway</body></html>".into(),
    });
    let (a, n, same) = refresh(&fake, &[]);
    a.code(6).stderr(predicate::str::contains("HTML page"));
    assert_eq!(n, 3, "502 is retried");
    assert!(same);
    let fake = FakeHttp::start(|_, _| Action::Respond {
        status: 200,
        headers: vec![],
        body: "<html>login portal</html>".into(),
    });
    let (a, n, _) = refresh(&fake, &[]);
    a.code(6).stderr(predicate::str::contains("HTML page"));
    assert_eq!(n, 1, "a 200 is not retried");
}

#[test]
fn refused_sign_ins_are_never_retried() {
    let fake = FakeHttp::start(|_, _| {
        Action::aws_error(
            400,
            "NotAuthorizedException",
            "Incorrect username or password.",
        )
    });
    let (a, n, same) = refresh(&fake, &["--retries", "5"]);
    a.code(5)
        .stderr(predicate::str::contains("wrong username or password"));
    assert_eq!(n, 1);
    assert!(same);
}

#[test]
fn aws_error_bodies_become_sentences() {
    let cases = [
        (
            "InvalidParameterException",
            "USER_PASSWORD_AUTH flow not enabled for this client",
            "use --flow srp",
        ),
        (
            "NotAuthorizedException",
            "Unable to verify secret hash for client faultclient",
            "SECRET_HASH",
        ),
        (
            "InvalidParameterException",
            "Client faultclient is configured with secret but SECRET_HASH was not received",
            "set COGNITO_CLIENT_SECRET",
        ),
        (
            "UserNotConfirmedException",
            "User is not confirmed.",
            "admin-confirm-sign-up",
        ),
        (
            "PasswordResetRequiredException",
            "Password reset required for the user",
            "admin-set-user-password",
        ),
        (
            "ResourceNotFoundException",
            "User pool client faultclient does not exist.",
            "--client-id",
        ),
        (
            "UserNotFoundException",
            "User does not exist.",
            "there is no user \"erin\"",
        ),
        (
            "NotAuthorizedException",
            "Password attempts exceeded",
            "locked",
        ),
    ];
    for (name, message, says) in cases {
        let fake = FakeHttp::start(move |_, _| Action::aws_error(400, name, message));
        let (a, n, same) = refresh(&fake, &[]);
        a.code(5).stderr(predicate::str::contains(says));
        // A flow the client does not allow is followed by one try of USER_AUTH.
        let tries = if message.contains("not enabled") {
            2
        } else {
            1
        };
        assert_eq!(n, tries, "{name}: {message}");
        assert!(same);
    }
}

#[test]
fn challenges_that_cannot_be_answered_are_named() {
    let challenge = |name: &'static str| {
        move |_: usize, _: &support::fake_http::Received| {
            Action::json(
                200,
                json!({"ChallengeName": name, "Session": "s", "ChallengeParameters": {"USERNAME": "erin"}}),
            )
        }
    };
    let fake = FakeHttp::start(challenge("CUSTOM_CHALLENGE"));
    let (a, _, same) = refresh(&fake, &[]);
    a.code(5)
        .stderr(predicate::str::contains("CUSTOM_CHALLENGE"));
    assert!(same);
    for (name, says) in [("SMS_MFA", "SMS"), ("EMAIL_OTP", "e-mail")] {
        let fake = FakeHttp::start(challenge(name));
        let (a, _, same) = refresh(&fake, &[]);
        a.code(5)
            .stderr(predicate::str::contains(says).and(predicate::str::contains("terminal")));
        assert!(same);
    }
}

#[test]
fn a_token_for_another_client_is_refused_before_writing() {
    let fake = FakeHttp::start(|_, _| {
        let exp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3600;
        let id = format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(json!({"token_use": "id", "aud": "someone-else", "exp": exp}).to_string())
        );
        Action::json(
            200,
            json!({"AuthenticationResult": {"IdToken": id, "AccessToken": id}}),
        )
    });
    let (a, _, same) = refresh(&fake, &[]);
    a.code(5)
        .stderr(predicate::str::contains("issued for client"));
    assert!(same);
}

#[test]
fn a_byte_a_second_ends_at_the_timeout() {
    let fake = FakeHttp::start(|_, _| Action::Drip {
        body: "{\"AuthenticationResult\": {}}".into(),
    });
    let (a, n, same) = refresh(&fake, &["--timeout", "2s", "--retries", "1"]);
    a.code(6).stderr(predicate::str::contains("did not answer"));
    assert_eq!(n, 2);
    assert!(same);
}

#[test]
fn a_50_mb_body_is_cut_off_not_buffered() {
    let fake = FakeHttp::start(|_, _| Action::Respond {
        status: 200,
        headers: vec![],
        body: "x".repeat(50 << 20),
    });
    let (a, n, same) = refresh(&fake, &[]);
    a.code(6)
        .stderr(predicate::str::contains("a response body over 1024 KiB"));
    assert_eq!(n, 1);
    assert!(same);
}

#[test]
fn tls_to_a_plain_port_fails_cleanly() {
    let fake = FakeHttp::start(|_, _| tokens());
    let https = format!("https://127.0.0.1:{}/", fake.port);
    let (a, _, same) = refresh(
        &fake,
        &[
            "--endpoint-url",
            &https,
            "--timeout",
            "2s",
            "--retries",
            "1",
        ],
    );
    a.code(6).stderr(predicate::str::contains("Cognito"));
    assert!(same);
}

#[test]
fn a_redirect_to_another_host_is_not_followed() {
    let fake = FakeHttp::start(|_, _| Action::Respond {
        status: 302,
        headers: vec![("Location".into(), "http://198.51.100.7/steal".into())],
        body: String::new(),
    });
    let (a, n, same) = refresh(&fake, &[]);
    a.code(6).stderr(predicate::str::contains("HTTP 302"));
    assert_eq!(n, 1, "not followed, not retried");
    assert!(same);
}

#[test]
fn a_collection_changed_during_the_sign_in_is_read_again_not_overwritten() {
    let (_d, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let other = std::fs::read(fixture("collections/v21-2space-bearer.json")).unwrap();
    let target = file.clone();
    let fake = FakeHttp::start(move |_, _| {
        // Someone saves another version while the tool waits for Cognito.
        std::fs::write(&target, &other).unwrap();
        tokens()
    });
    bin()
        .args([
            "refresh",
            "--flow",
            "password",
            "--endpoint-url",
            &fake.url(),
        ])
        .arg(&file)
        .env("COGNITO_USER_POOL_ID", POOL)
        .env("COGNITO_CLIENT_ID", CLIENT)
        .env("COGNITO_USERNAME", "erin")
        .env("COGNITO_PASSWORD", "Secret-Passw0rd!")
        .assert()
        .success();
    let doc = parse(&std::fs::read(&file).unwrap());
    assert_eq!(doc["auth"]["type"], "oauth2");
    assert!(
        doc["auth"].get("bearer").is_some(),
        "the newer content (root bearer) was patched, not the stale one"
    );
}

#[test]
fn json_of_the_wrong_shape_is_named_and_not_retried() {
    for body in [
        json!({"Result": "ok"}),
        json!({"AuthenticationResult": {"IdToken": 42}}),
        json!([1, 2]),
    ] {
        let b = body.clone();
        let fake = FakeHttp::start(move |_, _| Action::json(200, b.clone()));
        let (a, n, same) = refresh(&fake, &[]);
        a.code(6)
            .stderr(predicate::str::contains("Cognito").or(predicate::str::contains("JSON")));
        assert_eq!(n, 1, "{body}");
        assert!(same);
    }
}

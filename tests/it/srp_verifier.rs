//! USER_SRP_AUTH against a server half written here, because no emulator checks SRP
//! signatures (moto accepts any, cognito-local has no SRP). The fake holds a verifier
//! v = g^x for the password, sends B = k*v + g^b, and accepts the PASSWORD_VERIFIER answer
//! only when the signature matches the key it derives on its own side: the right password
//! signs in, a wrong one is refused.

use std::sync::{Arc, Mutex};

#[allow(unused_imports)]
use crate::support;
use crate::support::fake_http::{Action, FakeHttp};
use crate::support::srp_server::{Pending, Verifier, mac};
use crate::support::*;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use predicates::prelude::*;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_VerifierPool";
const CLIENT: &str = "verifierclient";
const USER: &str = "dana";
const USER_ID: &str = "8a1c7d3e-0000-4000-8000-00000000d0a0";
const PASSWORD: &str = "Server-Side-Check-7";
const SECRET: &str = "client-secret-for-verifier";

/// The server half: state kept between InitiateAuth and RespondToAuthChallenge.
struct Server {
    verifier: Verifier,
    pending: Mutex<Option<Pending>>,
    require_secret_hash: bool,
}

impl Server {
    fn new(require_secret_hash: bool) -> Server {
        let pool_name = POOL.split_once('_').unwrap().1;
        Server {
            verifier: Verifier::from_password(pool_name, USER_ID, PASSWORD),
            pending: Mutex::new(None),
            require_secret_hash,
        }
    }

    fn secret_hash_ok(&self, params: &Value, user: &str) -> bool {
        if !self.require_secret_hash {
            return true;
        }
        let want = STANDARD.encode(mac(
            SECRET.as_bytes(),
            &[user.as_bytes(), CLIENT.as_bytes()],
        ));
        params["SECRET_HASH"].as_str() == Some(want.as_str())
    }

    fn handle(&self, op: &str, body: &Value) -> Action {
        let refuse = || {
            Action::aws_error(
                400,
                "NotAuthorizedException",
                "Incorrect username or password.",
            )
        };
        match op {
            "InitiateAuth" => {
                let p = &body["AuthParameters"];
                assert_eq!(body["AuthFlow"], "USER_SRP_AUTH");
                assert!(
                    p.get("PASSWORD").is_none(),
                    "the password must not be sent with SRP"
                );
                if !self.secret_hash_ok(p, USER) {
                    return Action::aws_error(
                        400,
                        "NotAuthorizedException",
                        "Unable to verify secret hash for client verifierclient",
                    );
                }
                let (pending, mut params) = self.verifier.begin(p["SRP_A"].as_str().unwrap());
                params["USER_ID_FOR_SRP"] = json!(USER_ID);
                params["USERNAME"] = json!(USER_ID);
                *self.pending.lock().unwrap() = Some(pending);
                Action::json(
                    200,
                    json!({"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": params}),
                )
            }
            "RespondToAuthChallenge" => {
                let r = &body["ChallengeResponses"];
                assert_eq!(body["ChallengeName"], "PASSWORD_VERIFIER");
                assert_eq!(
                    r["USERNAME"], USER_ID,
                    "answers use the challenge's USERNAME"
                );
                if !self.secret_hash_ok(r, USER_ID) {
                    return Action::aws_error(
                        400,
                        "NotAuthorizedException",
                        "Unable to verify secret hash for client verifierclient",
                    );
                }
                let pending = self.pending.lock().unwrap().take().unwrap();
                let ts = r["TIMESTAMP"].as_str().unwrap();
                // EEE MMM d HH:mm:ss UTC yyyy, day not padded.
                let parts: Vec<&str> = ts.split(' ').collect();
                assert_eq!(parts.len(), 6, "{ts}");
                assert!(!parts[2].starts_with('0'), "zero-padded day: {ts}");
                assert_eq!(parts[4], "UTC");
                if !self.verifier.check(&pending, r) {
                    return refuse();
                }
                Action::json(
                    200,
                    json!({"AuthenticationResult": {
                    "IdToken": jwt("id"), "AccessToken": jwt("access"), "RefreshToken": "refresh-opaque",
                    "ExpiresIn": 3600, "TokenType": "Bearer"}}),
                )
            }
            other => panic!("unexpected operation {other}"),
        }
    }
}

fn jwt(token_use: &str) -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let claims = json!({"token_use": token_use, "aud": CLIENT, "client_id": CLIENT, "exp": exp,
        "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}"), "cognito:username": USER_ID});
    format!(
        "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

fn run(
    server: Server,
    password: &str,
    secret: Option<&str>,
) -> (assert_cmd::assert::Assert, usize) {
    let server = Arc::new(server);
    let s = server.clone();
    let fake = FakeHttp::start(move |_, req| {
        if req.line == format!("GET /{POOL}/.well-known/jwks.json") {
            // The pool's public keys, as Cognito serves them for a pool that exists.
            return Action::json(200, json!({"keys": []}));
        }
        s.handle(&req.op, &req.body)
    });
    let mut cmd = bin();
    cmd.args(["token", "--flow", "srp", "--endpoint-url", &fake.url()])
        .env("COGNITO_USER_POOL_ID", POOL)
        .env("COGNITO_CLIENT_ID", CLIENT)
        .env("COGNITO_USERNAME", USER)
        .env("COGNITO_PASSWORD", password);
    if let Some(sec) = secret {
        cmd.env("COGNITO_CLIENT_SECRET", sec);
    }
    let a = cmd.assert();
    (a, fake.requests())
}

#[test]
fn the_right_password_signs_in() {
    let (a, n) = run(Server::new(false), PASSWORD, None);
    a.success().stdout(predicate::str::starts_with("eyJ"));
    assert_eq!(n, 2, "SRP takes exactly two requests");
}

#[test]
fn a_wrong_password_is_refused_once_and_not_retried() {
    let (a, n) = run(Server::new(false), "Server-Side-Check-8", None);
    a.code(5)
        .stderr(predicate::str::contains("wrong username or password"));
    // Two sign-in requests, then a look at the pool's public keys (no secret sent), to tell a
    // wrong password from a pool that does not exist.
    assert_eq!(n, 3);
}

#[test]
fn secret_hash_uses_the_right_username_in_each_call() {
    let (a, _) = run(Server::new(true), PASSWORD, Some(SECRET));
    a.success();
    let (a, _) = run(Server::new(true), PASSWORD, None);
    a.code(5).stderr(predicate::str::contains("SECRET_HASH"));
}

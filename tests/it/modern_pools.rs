//! Pools as they are set up today (issue 16), against the test-side pool in
//! support/modern_cognito.rs, because no emulator implements these behaviours: refresh-token
//! rotation, USER_AUTH with SELECT_CHALLENGE and EMAIL_OTP, remembered devices and device SRP,
//! MFA_SETUP, SELECT_MFA_TYPE, required attributes with a new password. That pool refuses
//! what Cognito refuses (see its header); each test below fails on the code before issue 16.
//! The device maths is also checked against pycognito's `AWSSRP` (a peer: it needs
//! scripts/test's Python tools).

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::Arc;

use predicates::prelude::*;
use serde_json::Value;

use crate::support::fake_http::FakeHttp;
use crate::support::modern_cognito::{EMAIL_CODE, MIN_PASSWORD, Mfa, ModernCognito, Setup};
use crate::support::*;

const TOTP: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// `token` for the pool, with its own HOME and cache; `-v` so that each call is told.
struct Run {
    home: PathBuf,
}

impl Run {
    fn new() -> Run {
        Run {
            home: tempfile::tempdir().unwrap().keep(),
        }
    }

    fn cmd(&self, url: &str, s: &Setup) -> assert_cmd::Command {
        let mut c = bin();
        c.current_dir(&self.home)
            .env("HOME", &self.home)
            .env("XDG_CACHE_HOME", self.home.join("cache"))
            .args(["token", "-v", "--retries", "0", "--endpoint-url", url])
            .env("COGNITO_USER_POOL_ID", s.pool)
            .env("COGNITO_CLIENT_ID", s.client)
            .env("COGNITO_USERNAME", s.username)
            .env("COGNITO_PASSWORD", s.password);
        if let Some(secret) = s.secret {
            c.env("COGNITO_CLIENT_SECRET", secret);
        }
        c
    }

    /// The one cache file.
    fn cache_file(&self) -> PathBuf {
        let mut found = Vec::new();
        walk(&self.home.join("cache"), &mut found);
        let files: Vec<PathBuf> = found
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        files[0].clone()
    }

    fn cache(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.cache_file()).unwrap()).unwrap()
    }

    fn edit_cache(&self, f: impl FnOnce(&mut Value)) {
        let path = self.cache_file();
        let mut v = self.cache();
        f(&mut v);
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn ops(pool: &ModernCognito) -> Vec<String> {
    pool.log()
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

// 1. Refresh-token rotation.

/// A rotation client with a secret, and a run that has signed in once: its cached refresh token.
fn signed_in_to_a_rotation_client() -> (Setup, FakeHttp, Arc<ModernCognito>, Run, String) {
    let mut s = Setup::new("us-east-1_Rotation");
    s.rotation = true;
    s.secret = Some("rotation-client-secret");
    let (fake, pool) = ModernCognito::start(s.clone());
    let run = Run::new();
    run.cmd(&fake.url(), &s).assert().success();
    let refresh = run.cache()["refresh_token"].as_str().unwrap().to_string();
    (s, fake, pool, run, refresh)
}

#[test]
fn a_rotation_client_refreshes_with_get_tokens_and_keeps_the_rotated_token() {
    let (s, fake, pool, run, first_refresh) = signed_in_to_a_rotation_client();
    // --min-ttl 2h: the cached id token (1 h) is too short, so the refresh token is used.
    for round in 0..3 {
        let before = ops(&pool).len();
        run.cmd(&fake.url(), &s)
            .args(["--min-ttl", "2h"])
            .assert()
            .success();
        let new: Vec<String> = ops(&pool)[before..].to_vec();
        assert_eq!(
            new,
            ["GetTokensFromRefreshToken"],
            "round {round}: a cached refresh is one request, and no sign-in"
        );
    }
    let now = run.cache()["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(now, first_refresh, "the rotated refresh token is kept");
    assert_eq!(mode(&run.cache_file()), 0o600);
    // The old token is dead: the pool refuses it, as Cognito does after rotation.
    run.cmd(&fake.url(), &s)
        .args(["--flow", "refresh", "--no-cache"])
        .env("COGNITO_REFRESH_TOKEN", &first_refresh)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("refused the refresh token"));
}

#[test]
fn flow_refresh_with_a_client_secret_needs_no_username() {
    let (s, fake, pool, run, refresh) = signed_in_to_a_rotation_client();
    let before = ops(&pool).len();
    run.cmd(&fake.url(), &s)
        .args(["--flow", "refresh", "--no-cache"])
        .env_remove("COGNITO_USERNAME")
        .env("COGNITO_REFRESH_TOKEN", &refresh)
        .assert()
        .success()
        .stdout(predicate::str::starts_with("eyJ"));
    assert_eq!(ops(&pool)[before..], ["GetTokensFromRefreshToken"]);
    // A wrong client secret is refused by the pool (GetTokensFromRefreshToken takes it raw).
    let refresh = run.cache()["refresh_token"].as_str().unwrap().to_string();
    run.cmd(&fake.url(), &s)
        .args(["--flow", "refresh", "--no-cache"])
        .env("COGNITO_CLIENT_SECRET", "not-the-secret")
        .env("COGNITO_REFRESH_TOKEN", &refresh)
        .assert()
        .code(5);
}

// 2. USER_AUTH.

fn user_auth_only(pool: &'static str) -> Setup {
    let mut s = Setup::new(pool);
    s.flows = vec!["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];
    s
}

#[test]
fn a_user_auth_only_client_works_with_the_default_settings() {
    let s = user_auth_only("us-east-1_UserAuth");
    let (fake, pool) = ModernCognito::start(s.clone());
    let run = Run::new();
    run.cmd(&fake.url(), &s)
        .assert()
        .success()
        .stdout(predicate::str::starts_with("eyJ"))
        .stderr(predicate::str::contains(
            "does not allow USER_SRP_AUTH (USER_SRP_AUTH is not enabled for the client); trying USER_AUTH",
        ));
    assert_eq!(
        ops(&pool),
        [
            "InitiateAuth USER_SRP_AUTH",
            "InitiateAuth USER_AUTH",
            "RespondToAuthChallenge PASSWORD_VERIFIER"
        ]
    );
    assert!(!pool.password_sent(), "the password left the machine");
    // The SRP proof is checked: a wrong password is refused, once.
    let before = ops(&pool).len();
    run.cmd(&fake.url(), &s)
        .args(["--no-cache"])
        .env("COGNITO_PASSWORD", "Not-The-Password-1")
        .assert()
        .code(5)
        .stderr(predicate::str::contains("wrong username or password"))
        .stderr(predicate::str::contains(
            "check that the user pool us-east-1_UserAuth is the app client's pool",
        ));
    // Three sign-in calls, then only a look at the pool's public keys (no secret sent): the
    // pool exists, so the hint names the pool id to check.
    assert_eq!(
        ops(&pool)[before..],
        [
            "InitiateAuth USER_SRP_AUTH",
            "InitiateAuth USER_AUTH",
            "RespondToAuthChallenge PASSWORD_VERIFIER",
            "GET /us-east-1_UserAuth/.well-known/jwks.json"
        ]
    );
    // --flow user-auth goes there directly.
    let before = ops(&pool).len();
    run.cmd(&fake.url(), &s)
        .args(["--no-cache", "--flow", "user-auth"])
        .assert()
        .success();
    assert_eq!(
        ops(&pool)[before..],
        [
            "InitiateAuth USER_AUTH",
            "RespondToAuthChallenge PASSWORD_VERIFIER"
        ]
    );
}

#[test]
fn flow_password_moves_to_user_auth_with_password() {
    let s = user_auth_only("us-east-1_UserAuthPw");
    let (fake, pool) = ModernCognito::start(s.clone());
    Run::new()
        .cmd(&fake.url(), &s)
        .args(["--flow", "password", "--no-cache"])
        .assert()
        .success();
    assert_eq!(
        ops(&pool),
        ["InitiateAuth USER_PASSWORD_AUTH", "InitiateAuth USER_AUTH"]
    );
}

#[test]
fn select_challenge_is_answered_with_what_is_offered() {
    let mut s = user_auth_only("us-east-1_Select");
    s.choices = vec!["PASSWORD", "EMAIL_OTP"];
    let (fake, pool) = ModernCognito::start(s.clone());
    Run::new()
        .cmd(&fake.url(), &s)
        .args(["--flow", "user-auth", "--no-cache"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "USER_AUTH offers PASSWORD, EMAIL_OTP; answering PASSWORD",
        ));
    assert_eq!(
        ops(&pool),
        [
            "InitiateAuth USER_AUTH",
            "RespondToAuthChallenge SELECT_CHALLENGE"
        ]
    );
}

/// `--flow srp` promises that the password never leaves the machine: a pool whose USER_AUTH
/// offers only the plain PASSWORD is refused, not sent the password.
#[test]
fn flow_srp_never_sends_the_password_even_when_user_auth_offers_it() {
    let mut s = user_auth_only("us-east-1_PlainOnly");
    s.choices = vec!["PASSWORD", "EMAIL_OTP"];
    let (fake, pool) = ModernCognito::start(s.clone());
    let run = Run::new();
    run.cmd(&fake.url(), &s)
        .arg("--no-cache")
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "--flow srp never sends the password",
        ));
    assert!(!pool.password_sent(), "the password left the machine");
    // The detector works: --flow password does send it, as documented.
    run.cmd(&fake.url(), &s)
        .args(["--no-cache", "--flow", "password"])
        .assert()
        .success();
    assert!(pool.password_sent());
}

#[test]
fn email_otp_without_a_terminal_is_refused_with_the_reason() {
    let mut s = user_auth_only("us-east-1_OtpOnly");
    s.choices = vec!["EMAIL_OTP"];
    let (fake, _pool) = ModernCognito::start(s.clone());
    Run::new()
        .cmd(&fake.url(), &s)
        .args(["--flow", "user-auth", "--no-cache"])
        .env_remove("COGNITO_PASSWORD")
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "USER_AUTH offers EMAIL_OTP for user",
        ))
        .stderr(predicate::str::contains("need a terminal"));
}

/// A person at a terminal (a pseudo-terminal made by util-linux `script`) types the e-mailed
/// code; the code goes to the pool, which checks it.
#[test]
fn email_otp_is_typed_on_a_terminal() {
    let mut s = user_auth_only("us-east-1_OtpTty");
    s.choices = vec!["EMAIL_OTP"];
    let (fake, pool) = ModernCognito::start(s.clone());
    let home = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("postman-cognito");
    let inner = format!(
        "{} token --flow user-auth --no-cache --retries 0 --endpoint-url {}",
        bin.display(),
        fake.url()
    );
    let mut child = StdCommand::new("script")
        .args(["-qefc", &inner, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("TERM", "dumb")
        .env("COGNITO_USER_POOL_ID", s.pool)
        .env("COGNITO_CLIENT_ID", s.client)
        .env("COGNITO_USERNAME", s.username)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux script");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        // First the password prompt (left empty: a passwordless user), then the code.
        std::thread::sleep(std::time::Duration::from_millis(800));
        stdin.write_all(b"\n").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(800));
        stdin
            .write_all(format!("{EMAIL_CODE}\n").as_bytes())
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(800));
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Enter the code sent by e-mail"), "{text}");
    assert!(text.contains("eyJ"), "{text}");
    assert_eq!(
        ops(&pool),
        [
            "InitiateAuth USER_AUTH",
            "RespondToAuthChallenge SELECT_CHALLENGE",
            "RespondToAuthChallenge EMAIL_OTP"
        ]
    );
}

#[test]
fn a_client_without_srp_or_user_auth_gets_a_hint_naming_what_is_left() {
    let mut s = Setup::new("us-east-1_PwOnly");
    s.flows = vec!["ALLOW_USER_PASSWORD_AUTH"];
    let (fake, pool) = ModernCognito::start(s.clone());
    let run = Run::new();
    run.cmd(&fake.url(), &s)
        .arg("--no-cache")
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "does not allow USER_SRP_AUTH (USER_SRP_AUTH is not enabled for the client), and app client modernclient does not allow USER_AUTH",
        ))
        .stderr(predicate::str::contains("use --flow password"));
    assert_eq!(
        ops(&pool),
        ["InitiateAuth USER_SRP_AUTH", "InitiateAuth USER_AUTH"]
    );
    run.cmd(&fake.url(), &s)
        .args(["--no-cache", "--flow", "password"])
        .assert()
        .success();
}

// 3. Remembered devices.

fn always_remember(pool: &'static str) -> Setup {
    let mut s = Setup::new(pool);
    s.remember_devices = true;
    s.mfa = Mfa::Totp(Some(TOTP.into()));
    s
}

#[test]
fn a_remembered_device_makes_the_cache_work_and_skips_mfa() {
    let s = always_remember("us-east-1_Devices");
    let (fake, pool) = ModernCognito::start(s.clone());
    let run = Run::new();
    let first = run
        .cmd(&fake.url(), &s)
        .env("COGNITO_TOTP_SECRET", TOTP)
        .assert()
        .success();
    assert_eq!(pool.confirmed_devices(), 1);
    assert_eq!(
        ops(&pool),
        [
            "InitiateAuth USER_SRP_AUTH",
            "RespondToAuthChallenge PASSWORD_VERIFIER",
            "RespondToAuthChallenge SOFTWARE_TOKEN_MFA",
            "ConfirmDevice"
        ]
    );
    let cache = run.cache();
    let device = &cache["device"];
    let password = device["password"].as_str().unwrap().to_string();
    assert!(device["key"].as_str().unwrap().starts_with("us-east-1_"));
    assert_eq!(
        mode(&run.cache_file()),
        0o600,
        "the device password is private"
    );
    let said = String::from_utf8_lossy(&first.get_output().stderr).to_string();
    assert!(!said.contains(&password), "the device password was shown");

    // The cached refresh token works, with the device key: one request.
    let before = ops(&pool).len();
    run.cmd(&fake.url(), &s)
        .args(["--min-ttl", "2h"])
        .assert()
        .success();
    assert_eq!(ops(&pool)[before..], ["GetTokensFromRefreshToken"]);
    // The pool refuses that refresh token without the device key, as Cognito does on
    // always-remember pools (--flow refresh with --no-cache has no device to send).
    let refresh = run.cache()["refresh_token"].as_str().unwrap().to_string();
    run.cmd(&fake.url(), &s)
        .args(["--flow", "refresh", "--no-cache"])
        .env("COGNITO_REFRESH_TOKEN", &refresh)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("Invalid Refresh Token"));

    // A new sign-in (the refresh token revoked) proves the device and skips MFA: no TOTP
    // secret is given this time.
    run.edit_cache(|v| v["refresh_token"] = "revoked".into());
    let before = ops(&pool).len();
    run.cmd(&fake.url(), &s)
        .args(["--min-ttl", "2h"])
        .assert()
        .success();
    assert_eq!(
        ops(&pool)[before..],
        [
            "GetTokensFromRefreshToken",
            "InitiateAuth USER_SRP_AUTH",
            "RespondToAuthChallenge PASSWORD_VERIFIER",
            "RespondToAuthChallenge DEVICE_SRP_AUTH",
            "RespondToAuthChallenge DEVICE_PASSWORD_VERIFIER"
        ]
    );
    assert_eq!(pool.confirmed_devices(), 1, "no second device");
}

#[test]
fn a_wrong_device_password_is_refused_and_the_device_dropped() {
    let s = always_remember("us-east-1_BadDevice");
    let (fake, pool) = ModernCognito::start(s.clone());
    let run = Run::new();
    run.cmd(&fake.url(), &s)
        .env("COGNITO_TOTP_SECRET", TOTP)
        .assert()
        .success();
    let old_key = run.cache()["device"]["key"].as_str().unwrap().to_string();
    run.edit_cache(|v| {
        v["refresh_token"] = "revoked".into();
        v["device"]["password"] = "bm90IHRoZSBkZXZpY2UgcGFzc3dvcmQ=".into();
    });
    let before = ops(&pool).len();
    run.cmd(&fake.url(), &s)
        .args(["--min-ttl", "2h"])
        .env("COGNITO_TOTP_SECRET", TOTP)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "Cognito refused this machine's remembered device",
        ));
    let seen = ops(&pool)[before..].to_vec();
    assert!(
        seen.contains(&"RespondToAuthChallenge DEVICE_PASSWORD_VERIFIER".to_string()),
        "{seen:?}"
    );
    assert!(
        seen.ends_with(&[
            "RespondToAuthChallenge SOFTWARE_TOKEN_MFA".to_string(),
            "ConfirmDevice".to_string()
        ]),
        "signed in again without the device, with MFA, and confirmed a new one: {seen:?}"
    );
    assert_ne!(run.cache()["device"]["key"].as_str().unwrap(), old_key);
    // A device the pool has forgotten (an administrator's AdminForgetDevice): its key refreshes
    // nothing, the sign-in goes through MFA again, and a new device is confirmed and kept.
    let second_key = run.cache()["device"]["key"].as_str().unwrap().to_string();
    pool.forget_devices();
    run.cmd(&fake.url(), &s)
        .args(["--min-ttl", "2h"])
        .env("COGNITO_TOTP_SECRET", TOTP)
        .assert()
        .success();
    assert_eq!(pool.confirmed_devices(), 1);
    let third_key = run.cache()["device"]["key"].as_str().unwrap().to_string();
    assert_ne!(third_key, second_key);
    let before = ops(&pool).len();
    run.cmd(&fake.url(), &s)
        .args(["--min-ttl", "2h"])
        .assert()
        .success();
    assert_eq!(ops(&pool)[before..], ["GetTokensFromRefreshToken"]);
}

#[test]
fn without_a_cache_no_device_is_confirmed() {
    let s = always_remember("us-east-1_NoCacheDevice");
    let (fake, pool) = ModernCognito::start(s.clone());
    Run::new()
        .cmd(&fake.url(), &s)
        .arg("--no-cache")
        .env("COGNITO_TOTP_SECRET", TOTP)
        .assert()
        .success()
        .stderr(predicate::str::contains("not confirming it"));
    assert_eq!(pool.confirmed_devices(), 0);
}

/// The device verifier and the device proof, computed here and by pycognito's `AWSSRP`
/// (`generate_hash_device`, `process_device_challenge`) from the same fixed inputs.
#[test]
#[ignore = "needs pycognito: run scripts/test"]
fn device_maths_match_pycognito() {
    use base64::Engine;
    use postman_cognito::cognito::srp::{self, Challenge, SrpSession};
    let group = "-a1B2c3D4e";
    let key = "us-east-1_6a0f3c2e-1111-4222-8333-944455556666";
    let pw_bytes: Vec<u8> = (0u8..40)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    let salt: Vec<u8> = (0u8..16).map(|i| 0xF0 ^ i.wrapping_mul(13)).collect();
    let password = base64::engine::general_purpose::STANDARD.encode(&pw_bytes);
    let (verifier, salt_b64) = srp::device_verifier(group, key, &password, &salt);
    // A device SRP proof for a challenge made by the test's server half.
    let server =
        crate::support::srp_server::Verifier::from_config(group, key, &verifier, &salt_b64);
    let a_secret: Vec<u8> = (0u8..32)
        .map(|i| i.wrapping_mul(7).wrapping_add(1))
        .collect();
    let session = SrpSession::with_secret(&a_secret).unwrap();
    let (_, params) = server.begin(&session.srp_a());
    let ts = "Tue Dec 1 09:05:07 UTC 2026";
    let c = Challenge {
        user_id_for_srp: key,
        salt_hex: params["SALT"].as_str().unwrap(),
        srp_b_hex: params["SRP_B"].as_str().unwrap(),
        secret_block: params["SECRET_BLOCK"].as_str().unwrap(),
    };
    let ours = session.signature(group, &c, &password, ts).unwrap();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let input = serde_json::json!({
        "group": group, "key": key, "pw_bytes": hex(&pw_bytes), "salt": hex(&salt),
        "a": hex(&a_secret), "SALT": params["SALT"], "SRP_B": params["SRP_B"],
        "SECRET_BLOCK": params["SECRET_BLOCK"],
    });
    let py = repo().join(".tools/ministack/bin/python");
    assert!(py.exists(), "{} missing: run scripts/test", py.display());
    let out = StdCommand::new(py)
        .arg("-c")
        .arg(PYCOGNITO)
        .arg(input.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(theirs["password"], password.as_str());
    assert_eq!(theirs["PasswordVerifier"], verifier.as_str());
    assert_eq!(theirs["Salt"], salt_b64.as_str());
    assert_eq!(theirs["TIMESTAMP"], ts);
    assert_eq!(theirs["PASSWORD_CLAIM_SIGNATURE"], ours.as_str());
}

/// pycognito with its randomness and clock fixed to the test's inputs.
const PYCOGNITO: &str = r#"
import datetime, json, sys
from pycognito import aws_srp
i = json.loads(sys.argv[1])
aws_srp.os.urandom = lambda n: bytes.fromhex(i["pw_bytes"])
aws_srp.get_random = lambda n: int(i["salt"], 16)
password, cfg = aws_srp.generate_hash_device(i["group"], i["key"])
class Clock(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return datetime.datetime(2026, 12, 1, 9, 5, 7)
aws_srp.datetime.datetime = Clock
aws_srp.AWSSRP.generate_random_small_a = lambda self: int(i["a"], 16)
srp = aws_srp.AWSSRP(username="u", password="p", pool_id="us-east-1_X", client_id="c",
                     client=object(), device_key=i["key"], device_group_key=i["group"],
                     device_password=password)
r = srp.process_device_challenge({"USERNAME": "u", "SALT": i["SALT"], "SRP_B": i["SRP_B"],
                                  "SECRET_BLOCK": i["SECRET_BLOCK"]})
print(json.dumps({"password": password, **cfg, "TIMESTAMP": r["TIMESTAMP"],
                  "PASSWORD_CLAIM_SIGNATURE": r["PASSWORD_CLAIM_SIGNATURE"]}))
"#;

// 4. MFA enrolment and the right MFA answer; new passwords.

#[test]
fn mfa_setup_enrols_totp_once_and_shows_the_secret_once() {
    let mut s = Setup::new("us-east-1_MfaSetup");
    s.mfa = Mfa::Totp(None);
    let (fake, pool) = ModernCognito::start(s.clone());
    let run = Run::new();
    run.cmd(&fake.url(), &s)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("set up MFA"))
        .stderr(predicate::str::contains("--setup-mfa"));
    assert!(pool.enrolled_totp().is_none());
    let out = run
        .cmd(&fake.url(), &s)
        .arg("--setup-mfa")
        .assert()
        .success();
    let secret = pool.enrolled_totp().expect("enrolled");
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(err.matches(&secret).count(), 1, "shown exactly once: {err}");
    assert!(err.contains("COGNITO_TOTP_SECRET"));
    let mut files = Vec::new();
    walk(&run.home, &mut files);
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).to_string();
        assert!(
            !text.contains(&secret),
            "the TOTP secret was written to {}",
            f.display()
        );
    }
    assert!(
        ops(&pool).ends_with(&[
            "AssociateSoftwareToken".to_string(),
            "VerifySoftwareToken".to_string(),
            "RespondToAuthChallenge MFA_SETUP".to_string()
        ]),
        "{:?}",
        ops(&pool)
    );
    // From now on the secret signs in.
    run.cmd(&fake.url(), &s)
        .arg("--no-cache")
        .env("COGNITO_TOTP_SECRET", &secret)
        .assert()
        .success();
    assert_eq!(
        ops(&pool).last().unwrap(),
        "RespondToAuthChallenge SOFTWARE_TOKEN_MFA"
    );
}

#[test]
fn select_mfa_type_answers_what_can_be_answered() {
    let mut s = Setup::new("us-east-1_SelectMfa");
    s.mfa = Mfa::Choose(TOTP.into());
    let (fake, pool) = ModernCognito::start(s.clone());
    let run = Run::new();
    run.cmd(&fake.url(), &s)
        .arg("--no-cache")
        .env("COGNITO_TOTP_SECRET", TOTP)
        .assert()
        .success()
        .stderr(predicate::str::contains("answering SOFTWARE_TOKEN_MFA"));
    assert!(ops(&pool).ends_with(&[
        "RespondToAuthChallenge SELECT_MFA_TYPE".to_string(),
        "RespondToAuthChallenge SOFTWARE_TOKEN_MFA".to_string()
    ]));
    // No TOTP secret and no terminal: nothing can be answered, and nothing is guessed.
    let before = ops(&pool).len();
    run.cmd(&fake.url(), &s)
        .arg("--no-cache")
        .assert()
        .code(5)
        .stderr(predicate::str::contains("SMS_MFA, SOFTWARE_TOKEN_MFA"));
    assert!(!ops(&pool)[before..].contains(&"RespondToAuthChallenge SELECT_MFA_TYPE".to_string()));
}

#[test]
fn a_new_password_takes_the_required_attributes_and_names_a_policy_refusal() {
    let mut s = Setup::new("us-east-1_NewPassword");
    s.force_new_password = Some(vec!["given_name"]);
    let (fake, pool) = ModernCognito::start(s.clone());
    let run = Run::new();
    let new = "Brand-New-Password-42";
    assert!(new.len() >= MIN_PASSWORD);
    run.cmd(&fake.url(), &s)
        .args(["--no-cache", "--new-password-stdin"])
        .write_stdin(format!("{new}\n"))
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "requires these attributes with the new password: given_name",
        ))
        .stderr(predicate::str::contains("--attribute given_name="));
    assert_eq!(pool.password(), s.password, "nothing changed");
    run.cmd(&fake.url(), &s)
        .args([
            "--no-cache",
            "--new-password-stdin",
            "--attribute",
            "given_name=Casey",
        ])
        .write_stdin("short1!\n")
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "does not meet the pool's password policy",
        ))
        .stderr(predicate::str::contains("wrong username or password").not());
    run.cmd(&fake.url(), &s)
        .args([
            "--no-cache",
            "--new-password-stdin",
            "--attribute",
            "given_name=Casey",
        ])
        .write_stdin(format!("{new}\n"))
        .assert()
        .success();
    assert_eq!(pool.password(), new);
    // A bad --attribute is a usage error before any call.
    let before = ops(&pool).len();
    run.cmd(&fake.url(), &s)
        .args(["--no-cache", "--attribute", "given_name"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not NAME=VALUE"));
    assert_eq!(ops(&pool).len(), before);
}

// 5. Endpoints beyond the commercial partition.

/// The FIPS host is the one connected to: an https proxy on loopback sees the CONNECT line
/// (and refuses it, so nothing leaves the machine).
fn connect_line(env: &[(&str, &str)], pool: &str) -> (i32, String) {
    use crate::support::fake_http::Action;
    let proxy = FakeHttp::start(|_, _| Action::aws_error(502, "ProxyError", "no tunnel"));
    let mut c = bin();
    c.args([
        "token",
        "--flow",
        "password",
        "--retries",
        "0",
        "--no-cache",
    ])
    .env("COGNITO_USER_POOL_ID", pool)
    .env("COGNITO_CLIENT_ID", "c")
    .env("COGNITO_USERNAME", "u")
    .env("COGNITO_PASSWORD", "p")
    .env("HTTPS_PROXY", proxy.url());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    let seen = proxy.received.lock().unwrap().clone();
    let line = seen.first().map(|r| r.line.clone()).unwrap_or_default();
    (out.status.code().unwrap_or(-1), line)
}

#[test]
fn govcloud_and_aws_use_fips_endpoint_reach_fips_hosts() {
    let (code, line) = connect_line(&[], "us-gov-west-1_AbC");
    assert_eq!(code, 6);
    assert!(
        line.starts_with("CONNECT cognito-idp-fips.us-gov-west-1.amazonaws.com:443"),
        "{line}"
    );
    let (_, line) = connect_line(&[("AWS_USE_FIPS_ENDPOINT", "true")], "us-east-2_AbC");
    assert!(
        line.starts_with("CONNECT cognito-idp-fips.us-east-2.amazonaws.com:443"),
        "{line}"
    );
    let (_, line) = connect_line(&[], "us-east-2_AbC");
    assert!(
        line.starts_with("CONNECT cognito-idp.us-east-2.amazonaws.com:443"),
        "{line}"
    );
    // No FIPS endpoint there: refused before any connection.
    let (code, line) = connect_line(&[("AWS_USE_FIPS_ENDPOINT", "true")], "eu-west-1_AbC");
    assert_eq!((code, line.as_str()), (2, ""));
}

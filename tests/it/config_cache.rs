//! The config file (discovery from a subfolder, profiles, precedence, every error) and the
//! token cache against moto: the first run signs in, the second makes no request (counted by a
//! forwarding proxy in front of moto, then with the proxy gone), near expiry the refresh token
//! is used, a refused refresh token falls back to a sign-in, and parallel runs sign in once.

use std::path::{Path, PathBuf};

#[allow(unused_imports)]
use crate::support;
use crate::support::fake_http::{Action, FakeHttp, Received};
use crate::support::idp::Idp;
use crate::support::*;
use predicates::prelude::*;
use serde_json::{Value, json};

const PASSWORD: &str = "Cache-Passw0rd!";

/// A folder that looks like a repo (has .git), with a config file at its root.
fn repo_with_config(toml: &str) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join(".git")).unwrap();
    std::fs::create_dir_all(d.path().join("api/sub")).unwrap();
    std::fs::write(d.path().join("postman-cognito.toml"), toml).unwrap();
    let root = d.path().to_path_buf();
    (d, root)
}

fn show(dir: &Path, envs: &[(&str, &str)], args: &[&str]) -> Value {
    let mut c = bin();
    c.current_dir(dir)
        .args(["config", "show", "--json"])
        .args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = c.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

fn setting<'a>(v: &'a Value, key: &str) -> (&'a Value, &'a str) {
    let s = v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap();
    (&s["value"], s["source"].as_str().unwrap())
}

const PROFILES: &str = r#"
[profile.default]
user_pool_id = "us-east-1_FromProfile"
client_id = "profile-client"
username = "profile-user"
min_ttl = "45m"

[profile.dev]
user_pool_id = "eu-west-1_DevPool"
client_id = "dev-client"
flow = "password"
"#;

#[test]
fn found_from_a_subfolder_with_profiles() {
    let (_d, root) = repo_with_config(PROFILES);
    let v = show(&root.join("api/sub"), &[], &[]);
    // Issue 17: a path and a profile name, not a sentence.
    assert!(
        v["config_file"]["path"]
            .as_str()
            .unwrap()
            .ends_with("postman-cognito.toml")
    );
    assert_eq!(v["config_file"]["profile"], "default");
    let (val, src) = setting(&v, "user_pool_id");
    assert_eq!(val, "us-east-1_FromProfile");
    assert!(src.starts_with("profile default in "), "{src}");
    assert_eq!(setting(&v, "min_ttl").0, "45m");
    assert_eq!(setting(&v, "flow"), (&json!("srp"), "default"));
    for v in [
        show(&root, &[], &["--profile", "dev"]),
        show(&root, &[("POSTMAN_COGNITO_PROFILE", "dev")], &[]),
    ] {
        assert_eq!(setting(&v, "user_pool_id").0, "eu-west-1_DevPool");
        assert_eq!(setting(&v, "flow").0, "password");
        assert_eq!(
            setting(&v, "region").0,
            "eu-west-1",
            "region from the pool id"
        );
        assert_eq!(
            setting(&v, "endpoint_url").0,
            "https://cognito-idp.eu-west-1.amazonaws.com/"
        );
    }
    // Outside any repo and without a file: nothing found, and a named profile is an error.
    let lone = tempfile::tempdir().unwrap();
    std::fs::create_dir(lone.path().join(".git")).unwrap();
    assert_eq!(show(lone.path(), &[], &[])["config_file"], Value::Null);
    bin()
        .current_dir(lone.path())
        .args(["config", "show", "--profile", "dev"])
        .assert()
        .code(2);
}

#[test]
fn precedence_flags_then_env_then_profile_then_defaults() {
    let (_d, root) = repo_with_config(PROFILES);
    let env = [
        ("COGNITO_USER_POOL_ID", "us-east-1_FromEnv"),
        ("AWS_REGION", "us-east-1"),
    ];
    let v = show(
        &root,
        &env,
        &["--user-pool-id", "us-east-1_FromFlag", "--retries", "7"],
    );
    assert_eq!(
        setting(&v, "user_pool_id"),
        (&json!("us-east-1_FromFlag"), "flag --user-pool-id")
    );
    assert_eq!(setting(&v, "retries"), (&json!("7"), "flag --retries"));
    let v = show(&root, &env, &[]);
    assert_eq!(
        setting(&v, "user_pool_id"),
        (&json!("us-east-1_FromEnv"), "env COGNITO_USER_POOL_ID")
    );
    assert_eq!(
        setting(&v, "region"),
        (&json!("us-east-1"), "env AWS_REGION")
    );
    assert_eq!(setting(&v, "retries"), (&json!("3"), "default"));
    let v = show(&root, &[], &[]);
    assert!(setting(&v, "user_pool_id").1.starts_with("profile default"));
    assert_eq!(setting(&v, "client_id").0, "profile-client");
    let v = show(&root, &[], &["--min-ttl", "5m"]);
    assert_eq!(setting(&v, "min_ttl"), (&json!("5m"), "flag --min-ttl"));
}

#[test]
fn secrets_are_redacted_and_their_source_named() {
    let (_d, root) = repo_with_config(
        "[profile.default]\nuser_pool_id = \"us-east-1_P\"\nclient_id = \"c\"\npassword_env = \"CI_PASS\"\n",
    );
    let mut c = bin();
    c.current_dir(&root)
        .args(["config", "show"])
        .env("CI_PASS", "s3cr3t-from-ci")
        .env("COGNITO_CLIENT_SECRET", "client-s3cr3t");
    let out = c.assert().success().get_output().clone();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(text.contains("<redacted>  (env CI_PASS)"), "{text}");
    assert!(
        text.contains("<redacted>  (env COGNITO_CLIENT_SECRET)"),
        "{text}"
    );
}

#[test]
fn config_errors_name_the_file_the_line_and_the_key() {
    let cases = [
        (
            "[profile.default]\nuser_pool_id = \"us-east-1_P\"\npassword = \"hunter2\"\n",
            ":3: password: unknown field",
        ),
        ("[profile.default]\nflow = \"magic\"\n", ":2: flow:"),
        ("[profile.default]\nmin_ttl = \"soon\"\n", ":2: min_ttl:"),
        ("[profile.default]\nretries = \"three\"\n", ":2: retries:"),
        ("[profile.default\n", ":1:"),
        (
            "[profile.default]\ncollections = [\"nothing/*.json\"]\nuser_pool_id = \"us-east-1_P\"\n",
            "matches no file",
        ),
        (
            "[profile.default]\nuser_pool_id = \"us-east-1_P\"\n[profiles.x]\n",
            "unknown field `profiles`",
        ),
    ];
    for (toml, says) in cases {
        let (_d, root) = repo_with_config(toml);
        let out = bin()
            .current_dir(root.join("api"))
            .args(["refresh"])
            .env("COGNITO_PASSWORD", "x")
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("postman-cognito.toml") && err.contains(says),
            "{toml}: {err}"
        );
        assert!(
            !err.contains("hunter2"),
            "the bad value of a secret-looking key is not echoed: {err}"
        );
    }
    bin()
        .args(["config", "show", "--config", "nope.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"));
}

/// A proxy in front of moto that counts what it forwards; dropping it leaves a dead port.
fn proxy(moto: &str) -> FakeHttp {
    let moto = moto.to_string();
    FakeHttp::start(move |_, req: &Received| {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut resp = agent
            .post(&moto)
            .header("Content-Type", "application/x-amz-json-1.1")
            .header(
                "X-Amz-Target",
                &format!("AWSCognitoIdentityProviderService.{}", req.op),
            )
            .send(req.body.to_string())
            .unwrap();
        let status = resp.status().as_u16();
        Action::Respond {
            status,
            headers: vec![],
            body: resp.body_mut().read_to_string().unwrap(),
        }
    })
}

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    cache: PathBuf,
}

fn setup(endpoint: &str) -> Setup {
    let idp = Idp::moto();
    let pool = idp.pool("cache", json!({}));
    let (client, _) = idp.client(
        &pool,
        false,
        &[
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
        ],
    );
    idp.user(&pool, "cached", PASSWORD);
    let toml = format!(
        "[profile.default]\nuser_pool_id = \"{pool}\"\nclient_id = \"{client}\"\nusername = \"cached\"\nendpoint_url = \"{endpoint}\"\ncollections = [\"api/*.json\"]\npassword_env = \"CACHE_TEST_PASSWORD\"\n"
    );
    let (d, root) = repo_with_config(&toml);
    for f in [
        "v21-tabs-oauth2.json",
        "v20-tabs-oauth2.json",
        "v21-2space-bearer.json",
    ] {
        std::fs::copy(
            fixture(&format!("collections/{f}")),
            root.join("api").join(f),
        )
        .unwrap();
    }
    let cache = root.join("cache-home");
    Setup {
        _dir: d,
        root,
        cache,
    }
}

impl Setup {
    fn run(&self, args: &[&str]) -> assert_cmd::Command {
        let mut c = bin();
        c.current_dir(self.root.join("api/sub"))
            .args(args)
            .env("XDG_CACHE_HOME", &self.cache)
            .env("CACHE_TEST_PASSWORD", PASSWORD);
        c
    }

    fn cache_file(&self) -> PathBuf {
        let dir = self.cache.join("postman-cognito");
        std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "json"))
            .expect("a cache file")
    }
}

fn flows(p: &FakeHttp) -> Vec<String> {
    p.received
        .lock()
        .unwrap()
        .iter()
        .map(|r| {
            r.body["AuthFlow"]
                .as_str()
                .map_or(r.op.clone(), |f| format!("{} {f}", r.op))
        })
        .collect()
}

#[test]
#[ignore = "needs moto: run scripts/test"]
fn the_second_run_makes_no_request() {
    let moto = Idp::moto().url;
    let p = proxy(&moto);
    let s = setup(&p.url());
    s.run(&["refresh"])
        .assert()
        .success()
        .stderr(predicate::str::contains("updated").count(3));
    assert_eq!(
        flows(&p),
        ["InitiateAuth USER_SRP_AUTH", "RespondToAuthChallenge"]
    );
    s.run(&["refresh", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("no network call"));
    assert_eq!(p.requests(), 2, "the cached token was used");
    drop(p);
    // The endpoint is now a dead port: the cached token still does, and -v says so.
    s.run(&["token", "-v"])
        .assert()
        .success()
        .stderr(predicate::str::contains("using the cached token"));
    s.run(&["token", "--no-cache", "--retries", "0"])
        .assert()
        .code(6);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&s.cache.join("postman-cognito")), 0o700);
        assert_eq!(mode(&s.cache_file()), 0o600);
    }
    let text = std::fs::read_to_string(s.cache_file()).unwrap();
    assert!(!text.contains(PASSWORD), "the password is never cached");
}

#[test]
#[ignore = "needs moto: run scripts/test"]
fn near_expiry_the_refresh_token_is_used_and_a_refused_one_falls_back() {
    let moto = Idp::moto().url;
    let p = proxy(&moto);
    let s = setup(&p.url());
    s.run(&["token"]).assert().success();
    // moto's tokens live 1 h: asking for 2 h makes the cached one too short.
    s.run(&["token", "--min-ttl", "2h"])
        .assert()
        .success()
        .stderr(predicate::str::contains("less than --min-ttl"));
    // moto does not know GetTokensFromRefreshToken (HTTP 500, not retried): the refresh falls
    // back to REFRESH_TOKEN_AUTH, and the entry remembers it.
    assert_eq!(
        flows(&p)[2..],
        [
            "GetTokensFromRefreshToken",
            "InitiateAuth REFRESH_TOKEN_AUTH"
        ],
        "refreshed, no password sign-in"
    );
    // A refresh token Cognito refuses (revoked, expired): sign in again.
    let file = s.cache_file();
    let mut entry: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    entry["refresh_token"] = json!("revoked-refresh-token");
    std::fs::write(&file, entry.to_string()).unwrap();
    s.run(&["token", "--min-ttl", "2h"]).assert().success();
    assert_eq!(
        flows(&p)[4..],
        [
            "InitiateAuth REFRESH_TOKEN_AUTH",
            "InitiateAuth USER_SRP_AUTH",
            "RespondToAuthChallenge"
        ]
    );
    // A corrupt cache file is reported and replaced.
    std::fs::write(&file, "{corrupt").unwrap();
    s.run(&["token"])
        .assert()
        .success()
        .stderr(predicate::str::contains("unreadable"));
    assert!(serde_json::from_slice::<Value>(&std::fs::read(&file).unwrap()).is_ok());
    // --no-cache signs in and leaves the cache alone; cache clear empties it.
    let before = p.requests();
    s.run(&["token", "--no-cache"]).assert().success();
    assert_eq!(p.requests(), before + 2);
    s.run(&["cache", "clear", "--profile", "default"])
        .assert()
        .success()
        .stderr(predicate::str::contains("removed 1"));
    s.run(&["cache", "clear"])
        .assert()
        .success()
        .stderr(predicate::str::contains("removed 0"));
}

#[test]
#[ignore = "needs moto: run scripts/test"]
fn password_command_supplies_the_password() {
    let idp = Idp::moto();
    let pool = idp.pool("cmd", json!({}));
    let (client, _) = idp.client(&pool, false, &["ALLOW_USER_SRP_AUTH"]);
    idp.user(&pool, "cmd-user", PASSWORD);
    let toml = |cmd: &str| {
        format!(
            "[profile.default]\nuser_pool_id = \"{pool}\"\nclient_id = \"{client}\"\nusername = \"cmd-user\"\nendpoint_url = \"{}\"\npassword_command = \"{cmd}\"\n",
            idp.url
        )
    };
    let (_d, root) = repo_with_config(&toml(&format!("printf '%s' '{PASSWORD}'")));
    bin().current_dir(&root).args(["token"]).assert().success();
    let (_d, root) = repo_with_config(&toml("echo leaked-on-failure; exit 3"));
    bin()
        .current_dir(&root)
        .args(["token"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("password_command failed")
                .and(predicate::str::contains("leaked-on-failure").not()),
        );
}

#[test]
#[ignore = "needs moto: run scripts/test"]
fn parallel_runs_share_one_sign_in_and_leave_every_file_whole() {
    let moto = Idp::moto().url;
    let p = proxy(&moto);
    let s = setup(&p.url());
    let children: Vec<_> = (0..6)
        .map(|_| {
            let mut c = std_bin();
            c.current_dir(s.root.join("api/sub"))
                .arg("refresh")
                .env("XDG_CACHE_HOME", &s.cache)
                .env("CACHE_TEST_PASSWORD", PASSWORD)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        p.requests(),
        2,
        "one SRP sign-in for six runs: {:?}",
        flows(&p)
    );
    let token = {
        let entry: Value = serde_json::from_slice(&std::fs::read(s.cache_file()).unwrap()).unwrap();
        entry["id_token"].as_str().unwrap().to_string()
    };
    for f in std::fs::read_dir(s.root.join("api")).unwrap() {
        let f = f.unwrap().path();
        if f.is_dir() {
            continue;
        }
        let bytes = std::fs::read(&f).unwrap();
        let doc = parse(&bytes);
        assert!(
            serde_json::to_string(&doc["auth"])
                .unwrap()
                .contains(&token),
            "{}",
            f.display()
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(s.root.join("api"))
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().to_string();
            n.ends_with(".tmp").then_some(n)
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

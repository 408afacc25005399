//! `exec` (issue 15) with the real runners: newman 6 and the Postman CLI 1.34.0 (installed by
//! scripts/test), a token from moto, a recording server on 127.0.0.1. The token reaches every
//! inheriting request and nothing else: no argv, no environment variable, no file.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use predicates::prelude::*;
use serde_json::{Value, json};

#[allow(unused_imports)]
use crate::support;
use crate::support::fake_http::{Action, FakeHttp};
use crate::support::idp::Idp;
use crate::support::recorder::Recorder;
use crate::support::*;

/// A user in a fresh moto pool: (endpoint, pool, client).
fn moto_user() -> (String, String, String) {
    let idp = Idp::moto();
    let pool = idp.pool("exec", json!({}));
    let (client, _) = idp.client(
        &pool,
        false,
        &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"],
    );
    idp.user(&pool, "runner", "Exec-Passw0rd!");
    (idp.url.clone(), pool, client)
}

/// `exec` signing in to moto as `runner`, the runners kept offline (REFERENCE: the Postman CLI
/// checks for updates unless told it just did, and any other call meets a closed proxy).
fn exec_std(moto: &(String, String, String), home: &Path) -> std::process::Command {
    std::fs::create_dir_all(home.join(".postman")).unwrap();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    std::fs::write(
        home.join(".postman/postmanrc"),
        json!({"updates": {"updateCheckedTimestamp": now_ms}}).to_string(),
    )
    .unwrap();
    let mut c = std_bin();
    c.args(["exec", "--flow", "password", "--endpoint-url", &moto.0])
        .env("COGNITO_USER_POOL_ID", &moto.1)
        .env("COGNITO_CLIENT_ID", &moto.2)
        .env("COGNITO_USERNAME", "runner")
        .env("COGNITO_PASSWORD", "Exec-Passw0rd!")
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("TMPDIR", home.join("tmp"))
        .current_dir(home);
    std::fs::create_dir_all(home.join("tmp")).unwrap();
    c
}

fn exec_cmd(moto: &(String, String, String), home: &Path) -> assert_cmd::Command {
    assert_cmd::Command::from_std(exec_std(moto, home))
}

/// The real collection whose variables hold `token: ""`, converted once (offline) to send
/// `{{token}}`, and pointed at `rec`.
fn collection_for(rec: &Recorder, dir: &Path) -> (PathBuf, Value) {
    let (_d, src) = temp_copy(&shared(
        "real-collections/02_pdoa__Performance_Dashboard_API.postman_collection.json",
    ));
    bin()
        .args(["refresh", "--token-var", "token"])
        .arg(&src)
        .assert()
        .success();
    let mut doc = parse(&std::fs::read(&src).unwrap());
    point_at(&mut doc, &rec.base());
    let path = dir.join("api.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    (path, doc)
}

/// What each request should send, by the patched collection's own auth: (path, Some(token)
/// for the inheriting ones).
fn check_seen(seen: &[recorder::Seen], expect_token: &str) {
    assert!(!seen.is_empty());
    let with = seen
        .iter()
        .filter(|s| s.authorization.as_deref() == Some(&format!("Bearer {expect_token}")))
        .count();
    assert!(with > 0, "no request sent the token: {seen:?}");
    for s in seen {
        if let Some(a) = &s.authorization
            && a.starts_with("Bearer ")
        {
            assert_eq!(a, &format!("Bearer {expect_token}"), "{}", s.path);
        }
    }
}

fn token_of(moto: &(String, String, String)) -> String {
    let out = signing_in(
        &["token", "--flow", "password", "--no-cache"],
        &moto.0,
        &moto.1,
        &moto.2,
        "runner",
        "Exec-Passw0rd!",
    )
    .output()
    .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
#[ignore = "needs moto, newman and the Postman CLI: run scripts/test"]
fn both_runners_send_the_token_even_over_a_collection_variable() {
    let moto = moto_user();
    for runner in ["newman", "postman"] {
        let rec = Recorder::start();
        let home = tempfile::tempdir().unwrap();
        let (coll, _) = collection_for(&rec, home.path());
        let mut c = exec_cmd(&moto, home.path());
        match runner {
            "newman" => c.arg("--").arg(newman()).args(["run"]).arg(&coll),
            _ => c
                .arg("--")
                .arg(postman_cli())
                .args(["collection", "run"])
                .arg(&coll),
        };
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{runner}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The cached token is the one sent (the second sign-in comes from the cache).
        let token = {
            let out = signing_in(
                &["token", "--flow", "password"],
                &moto.0,
                &moto.1,
                &moto.2,
                "runner",
                "Exec-Passw0rd!",
            )
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .output()
            .unwrap();
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        };
        check_seen(&rec.seen(), &token);
    }
}

#[test]
#[ignore = "needs moto, newman and the Postman CLI: run scripts/test"]
fn the_users_environment_is_merged_and_left_as_it_was() {
    let moto = moto_user();
    for (runner, ext) in [("newman", "json"), ("postman", "yaml")] {
        let rec = Recorder::start();
        let home = tempfile::tempdir().unwrap();
        let (_, mut doc) = collection_for(&rec, home.path());
        // The first request goes to {{base}}/merged: only the user's environment defines base.
        doc["item"][0]["item"][0]["request"]["url"] = json!("{{base}}/merged");
        let coll = home.path().join("api.json");
        std::fs::write(&coll, doc.to_string()).unwrap();
        let env = home.path().join(format!("staging.environment.{ext}"));
        let text = if ext == "json" {
            json!({"name": "staging", "values": [
                {"key": "base", "value": rec.base(), "enabled": true},
                {"key": "token", "value": "stale", "enabled": true}]})
            .to_string()
        } else {
            format!(
                "# the team's staging environment\nname: staging\nvalues:\n  - key: base\n    value: {}\n    enabled: true\n    type: default\n  - key: token\n    value: stale\n    type: secret\n",
                rec.base()
            )
        };
        std::fs::write(&env, &text).unwrap();
        let mut c = exec_cmd(&moto, home.path());
        match runner {
            "newman" => c
                .arg("--")
                .arg(newman())
                .args(["run"])
                .arg(&coll)
                .arg("-e")
                .arg(&env),
            _ => c
                .arg("--")
                .arg(postman_cli())
                .args(["collection", "run"])
                .arg(&coll)
                .arg(format!("--environment={}", env.display())),
        };
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{runner}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let seen = rec.seen();
        assert!(
            seen.iter().any(|s| s.path == "/merged"),
            "{runner}: {seen:?}"
        );
        assert!(
            seen.iter()
                .all(|s| s.authorization.as_deref() != Some("Bearer stale")),
            "{runner}: the user's stale token won"
        );
        assert_eq!(
            std::fs::read_to_string(&env).unwrap(),
            text,
            "{runner}: the file changed"
        );
    }
}

/// Every process's command line and environment, and every file under the temp folders and
/// the working folder, while the runner is running and after it ended.
fn token_anywhere(token: &str, dirs: &[&Path]) -> Vec<String> {
    let mut hits = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        for part in ["cmdline", "environ"] {
            if let Ok(b) = std::fs::read(e.path().join(part))
                && String::from_utf8_lossy(&b).contains(token)
            {
                hits.push(format!("{}/{part}", e.path().display()));
            }
        }
    }
    fn walk(dir: &Path, token: &str, hits: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                walk(&p, token, hits);
            } else if ft.is_file()
                && std::fs::read(&p).is_ok_and(|b| String::from_utf8_lossy(&b).contains(token))
            {
                hits.push(p.display().to_string());
            }
        }
    }
    for d in dirs {
        walk(d, token, &mut hits);
    }
    hits
}

#[cfg(target_os = "linux")]
#[test]
#[ignore = "needs moto, newman and the Postman CLI: run scripts/test"]
fn the_token_is_in_no_command_line_environment_or_file_even_after_a_kill() {
    let moto = moto_user();
    let token = token_of(&moto);
    // One request, answered after 3 s, keeps the runner alive while the test looks around.
    let slow = FakeHttp::start(|_, _| {
        std::thread::sleep(Duration::from_secs(3));
        Action::json(200, json!({}))
    });
    let home = tempfile::tempdir().unwrap();
    let coll = home.path().join("api.json");
    let doc = json!({
        "info": {"name": "slow", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "auth": {"type": "oauth2", "oauth2": [{"key": "accessToken", "value": "{{token}}", "type": "string"}]},
        "variable": [{"key": "token", "value": ""}],
        "item": [{"name": "slow", "request": {"method": "GET", "url": slow.url()}}]
    });
    std::fs::write(&coll, doc.to_string()).unwrap();
    // Every temporary file of the tool and the runners goes under home/tmp (TMPDIR), and
    // /dev/shm is where memory-backed files would show.
    let shm = Path::new("/dev/shm");
    for kill in [false, true] {
        let mut child = exec_std(&moto, home.path())
            .arg("--")
            .arg(newman())
            .arg("run")
            .arg(&coll)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        let during = token_anywhere(&token, &[home.path(), shm]);
        if kill {
            child.kill().unwrap();
        }
        let _ = child.wait();
        std::thread::sleep(Duration::from_millis(200));
        let after = token_anywhere(&token, &[home.path(), shm]);
        // The cache holds tokens by design (0600, the user's own): it is not a leak here.
        let leaks = |v: Vec<String>| -> Vec<String> {
            v.into_iter()
                .filter(|h| !h.contains("/cache/postman-cognito/"))
                .collect()
        };
        assert_eq!(
            leaks(during),
            Vec::<String>::new(),
            "kill={kill}: while running"
        );
        assert_eq!(
            leaks(after),
            Vec::<String>::new(),
            "kill={kill}: afterwards"
        );
    }
    // The run that was not killed waited for its runner, whose request got there.
    assert!(slow.requests() >= 1, "the runner never sent its request");
}

#[test]
#[ignore = "needs moto, newman and the Postman CLI: run scripts/test"]
fn exit_codes_are_the_runners_and_reports_keep_no_token() {
    let moto = moto_user();
    let home = tempfile::tempdir().unwrap();
    let rec = Recorder::start();
    let (coll, mut doc) = collection_for(&rec, home.path());
    // A failing assertion: newman's exit 1 is passed on; the JSON report holds no token.
    let report = home.path().join("out/report.json");
    let mut failing = doc.clone();
    failing["item"][0]["item"][0]["event"] = json!([{"listen": "test", "script": {"exec": [
        "pm.test('fails', () => pm.expect(1).to.equal(2));"]}}]);
    let failing_path = home.path().join("failing.json");
    std::fs::write(&failing_path, failing.to_string()).unwrap();
    exec_cmd(&moto, home.path())
        .arg("--")
        .arg(newman())
        .arg("run")
        .arg(&failing_path)
        .args(["-r", "json", "--reporter-json-export"])
        .arg(&report)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "removed the token from 1 file the run wrote",
        ));
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(
        text.contains("<redacted>"),
        "the report does not record the header"
    );
    assert!(!text.contains(&token_of(&moto)[..40]));
    // The Postman CLI's report too.
    let pm_report = home.path().join("pm-report.json");
    exec_cmd(&moto, home.path())
        .arg("--")
        .arg(postman_cli())
        .args(["collection", "run"])
        .arg(&coll)
        .args(["-r", "json", "--reporter-json-export"])
        .arg(&pm_report)
        .assert()
        .success();
    if let Ok(text) = std::fs::read_to_string(&pm_report) {
        assert!(
            !text.contains(&token_of(&moto)[..40]),
            "the Postman CLI report holds the token"
        );
    }
    // A missing command: 127 with the reason.
    exec_cmd(&moto, home.path())
        .args(["--", "/nonexistent/bin/newman", "run"])
        .arg(&coll)
        .assert()
        .code(127)
        .stderr(predicate::str::contains("no such command"));
    // A signal: SIGTERM to exec reaches the runner, and the code is 128 + 15.
    let hang = FakeHttp::start(|_, _| Action::Hang);
    point_at(&mut doc, &format!("http://127.0.0.1:{}", hang.port));
    std::fs::write(&coll, doc.to_string()).unwrap();
    let mut child = exec_std(&moto, home.path())
        .arg("--")
        .arg(newman())
        .arg("run")
        .arg(&coll)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15));
}

#[test]
fn a_collection_that_does_not_use_the_variable_is_named_before_running() {
    let home = tempfile::tempdir().unwrap();
    let (_d, coll) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    bin()
        .current_dir(home.path())
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .env("GITHUB_ACTIONS", "true")
        .args(["exec", "--", "/nonexistent/newman", "run"])
        .arg(&coll)
        .assert()
        .code(127)
        // A runner that cannot be started is found before the sign-in: no token, no mask.
        .stdout("")
        .stderr(predicate::str::contains("does not use {{token}}"))
        .stderr(predicate::str::contains(
            "postman-cognito refresh --token-var token",
        ));
    // Not a runner it knows: refused before any sign-in.
    bin()
        .args(["exec", "--", "curl", "https://example.com"])
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a runner exec knows"));
}

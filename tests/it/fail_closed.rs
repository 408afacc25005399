//! Issue 23: every guard refuses what it cannot read or judge, with its place, and no secret
//! reaches a child, a file or a log. Each test attacks one item as an attacker or a careless
//! user would; each failed on the code before the fix.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::git_safety::{git, jwt_expiring_in, repo, repo_with_remote};
#[allow(unused_imports)]
use crate::support;
use crate::support::fake_http::{Action, FakeHttp};
use crate::support::*;

/// A refresh token as Cognito issues it: a JWE of five parts (RSA-OAEP, A256GCM).
const REFRESH_TOKEN: &str = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.c29tZS1lbmNyeXB0ZWQta2V5LWJ5dGVzLXRoYXQtYXJlLWxvbmc.aXYtYnl0ZXMtMTI.Y2lwaGVydGV4dC1ieXRlcy1oZXJlLWFuZC1tb3Jl.dGFnLWJ5dGVzLTE2";

fn install(root: &Path, hook: &str) {
    bin()
        .current_dir(root)
        .args(["hook", "install", hook])
        .assert()
        .success();
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `git args`, failing the test if it runs past `limit` (a hook that waits on itself).
fn git_within(dir: &Path, args: &[&str], limit: Duration) -> std::process::Output {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let _ = tx.send(git(&dir, &refs));
    });
    rx.recv_timeout(limit)
        .expect("git (and its hook) did not finish in time: the hook hangs")
}

/// A v2.1 collection whose root auth holds `token`, as JSON text.
fn collection_with(token: &str) -> String {
    let mut doc = parse(&std::fs::read(fixture("collections/v21-2space-bearer.json")).unwrap());
    doc["auth"] = json!({"type": "oauth2", "oauth2": [{"key": "accessToken", "value": token, "type": "string"}]});
    serde_json::to_string_pretty(&doc).unwrap()
}

/// Stages `name` with `text` in a repo with the pre-commit hook; returns the commit's output.
fn commit_staged(name: &str, text: &[u8]) -> (tempfile::TempDir, std::process::Output) {
    let (d, root) = repo();
    install(&root, "pre-commit");
    std::fs::write(root.join(name), text).unwrap();
    assert!(git(&root, &["add", "--", name]).status.success());
    let out = git_within(&root, &["commit", "-qm", "x"], Duration::from_secs(60));
    (d, out)
}

/// 23.1: a staged file that looks like Postman's and cannot be read stops the commit, with its
/// place; newman would run three of these four.
fn unreadable_postman_file_stops_the_commit(name: &str, text: String, place: &str) {
    let (_d, out) = commit_staged(name, text.as_bytes());
    assert!(!out.status.success(), "committed: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(place), "no place {place}: {err}");
    assert!(err.contains("cannot be read"), "{err}");
    assert!(!err.contains("no Postman files staged"), "{err}");
}

#[test]
fn pre_commit_stops_a_collection_with_a_duplicate_key() {
    let tok = jwt_expiring_in(3600);
    let text = collection_with(&tok).replacen("\"info\": {", "\"info\": {\"name\": \"a\", ", 1);
    unreadable_postman_file_stops_the_commit(
        "api.postman_collection.json",
        text,
        "api.postman_collection.json:",
    );
}

#[test]
fn pre_commit_stops_a_collection_with_a_trailing_comma() {
    let tok = jwt_expiring_in(3600);
    let text = collection_with(&tok).replacen("\"item\": [", "\"item\": [],\"x\": [", 1) + "";
    let text = text.trim_end().trim_end_matches('}').to_string() + ",}";
    unreadable_postman_file_stops_the_commit("api.json", text, "api.json:");
}

#[test]
fn pre_commit_stops_a_collection_with_a_lone_surrogate() {
    let tok = jwt_expiring_in(3600);
    let text = collection_with(&tok).replacen("\"info\": {", "\"info\": {\"x\": \"\\ud800\", ", 1);
    unreadable_postman_file_stops_the_commit("api.json", text, "api.json:");
}

#[test]
fn pre_commit_stops_a_collection_nested_past_the_limit() {
    let tok = jwt_expiring_in(3600);
    let deep = "[".repeat(600) + &"]".repeat(600);
    let text =
        collection_with(&tok).replacen("\"info\": {", &format!("\"info\": {{\"x\": {deep}, "), 1);
    unreadable_postman_file_stops_the_commit("api.json", text, "api.json:");
}

#[test]
fn pre_commit_passes_over_other_unreadable_json() {
    // A tsconfig.json with a comment is no Postman file: it is passed over, not refused.
    let (_d, out) = commit_staged("tsconfig.json", b"{ // comment\n \"a\": 1 }\n");
    assert!(out.status.success(), "{}", stderr(&out));
}

/// 23.2: a line break in a staged file name put `git cat-file --batch` out of step: every later
/// file was skipped, or the hook hung when a later blob was over 64 KiB.
#[test]
fn a_line_break_in_a_staged_name_hides_nothing_and_hangs_nothing() {
    let (_d, root) = repo();
    install(&root, "pre-commit");
    std::fs::write(root.join("a\nb.json"), "{}").unwrap();
    std::fs::write(root.join("b.json"), "{}").unwrap();
    // A large file after it, then a collection with a live token.
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(200_000));
    std::fs::write(root.join("c-big.json"), big).unwrap();
    std::fs::write(
        root.join("d-api.json"),
        collection_with(&jwt_expiring_in(3600)),
    )
    .unwrap();
    assert!(git(&root, &["add", "."]).status.success());
    let out = git_within(&root, &["commit", "-qm", "x"], Duration::from_secs(60));
    assert!(!out.status.success(), "committed: {}", stderr(&out));
    assert!(stderr(&out).contains("d-api.json:"), "{}", stderr(&out));
}

#[test]
fn a_line_break_in_a_pushed_name_hides_nothing() {
    let (_d, root) = repo_with_remote();
    install(&root, "pre-push");
    std::fs::write(root.join("a\nb.json"), "{}").unwrap();
    let mut doc = parse(collection_with(&jwt_expiring_in(-60)).as_bytes());
    doc["info"]["name"] = json!("expired");
    std::fs::write(root.join("z-api.json"), doc.to_string()).unwrap();
    assert!(git(&root, &["add", "."]).status.success());
    assert!(git(&root, &["commit", "-qm", "x"]).status.success());
    let out = git_within(
        &root,
        &["push", "-q", "origin", "main"],
        Duration::from_secs(60),
    );
    assert!(!out.status.success(), "pushed: {}", stderr(&out));
    assert!(stderr(&out).contains("z-api.json"), "{}", stderr(&out));
    assert!(stderr(&out).contains("expired at"), "{}", stderr(&out));
}

/// 23.3: a force push over remote commits this repository never fetched checked nothing.
#[test]
fn a_force_push_over_an_unknown_remote_tip_checks_every_collection() {
    let (d, root) = repo_with_remote();
    // The broken collection is committed and pushed first, without the hook.
    let mut doc = parse(collection_with(&jwt_expiring_in(-60)).as_bytes());
    doc["info"]["name"] = json!("expired");
    std::fs::write(root.join("api.json"), doc.to_string()).unwrap();
    assert!(git(&root, &["add", "."]).status.success());
    assert!(git(&root, &["commit", "-qm", "broken"]).status.success());
    // Someone else pushes a commit this clone never fetches.
    let other = d.path().join("other");
    let remote = d.path().join("remote.git");
    std::fs::create_dir(&other).unwrap();
    assert!(git(&other, &["init", "-q", "-b", "main"]).status.success());
    std::fs::write(other.join("README.md"), "theirs").unwrap();
    assert!(git(&other, &["add", "."]).status.success());
    assert!(git(&other, &["commit", "-qm", "theirs"]).status.success());
    let pushed = git(&other, &["push", "-q", remote.to_str().unwrap(), "main"]);
    assert!(pushed.status.success(), "{}", stderr(&pushed));
    // Now a force push from this clone, with the hook: the remote's tip is unknown here.
    install(&root, "pre-push");
    std::fs::write(root.join("notes.txt"), "x").unwrap();
    assert!(git(&root, &["add", "."]).status.success());
    assert!(git(&root, &["commit", "-qm", "unrelated"]).status.success());
    let out = git_within(
        &root,
        &["push", "-q", "--force", "origin", "main"],
        Duration::from_secs(60),
    );
    assert!(!out.status.success(), "pushed: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("is not in this repository"), "{err}");
    assert!(err.contains("api.json"), "{err}");
}

/// 23.4: a link replaced by a file (status T) was skipped by both hooks.
#[test]
fn a_link_replaced_by_a_file_is_checked_by_both_hooks() {
    let (_d, root) = repo_with_remote();
    std::os::unix::fs::symlink("elsewhere.json", root.join("api.json")).unwrap();
    assert!(git(&root, &["add", "."]).status.success());
    assert!(git(&root, &["commit", "-qm", "link"]).status.success());
    assert!(
        git(&root, &["push", "-q", "origin", "main"])
            .status
            .success()
    );
    install(&root, "pre-commit");
    install(&root, "pre-push");
    std::fs::remove_file(root.join("api.json")).unwrap();
    std::fs::write(
        root.join("api.json"),
        collection_with(&jwt_expiring_in(3600)),
    )
    .unwrap();
    assert!(git(&root, &["add", "."]).status.success());
    let status = git(&root, &["diff", "--cached", "--name-status"]);
    assert!(String::from_utf8_lossy(&status.stdout).starts_with('T'));
    let out = git_within(&root, &["commit", "-qm", "x"], Duration::from_secs(60));
    assert!(!out.status.success(), "committed: {}", stderr(&out));
    assert!(stderr(&out).contains("api.json:"), "{}", stderr(&out));
    // The same change with an expired token, past pre-commit, is stopped at the push.
    let mut doc = parse(collection_with(&jwt_expiring_in(-60)).as_bytes());
    doc["info"]["name"] = json!("expired");
    std::fs::write(root.join("api.json"), doc.to_string()).unwrap();
    assert!(git(&root, &["add", "."]).status.success());
    assert!(
        git(&root, &["commit", "-qm", "x", "--no-verify"])
            .status
            .success()
    );
    let out = git_within(
        &root,
        &["push", "-q", "origin", "main"],
        Duration::from_secs(60),
    );
    assert!(!out.status.success(), "pushed: {}", stderr(&out));
    assert!(stderr(&out).contains("expired at"), "{}", stderr(&out));
}

/// 23.5: refresh tokens (JWE) in a refreshToken param, a variable and an environment value.
#[test]
fn refresh_tokens_are_found_scrubbed_and_stopped() {
    let d = tempfile::tempdir().unwrap();
    let mut doc = parse(collection_with("{{token}}").as_bytes());
    doc["auth"]["oauth2"]
        .as_array_mut()
        .unwrap()
        .push(json!({"key": "refreshToken", "value": REFRESH_TOKEN, "type": "string"}));
    doc["variable"] = json!([{"key": "rt", "value": REFRESH_TOKEN}]);
    let coll = d.path().join("api.postman_collection.json");
    std::fs::write(&coll, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let env = d.path().join("staging.postman_environment.json");
    std::fs::write(
        &env,
        json!({"name": "s", "values": [{"key": "refresh", "value": REFRESH_TOKEN, "enabled": true}]})
            .to_string(),
    )
    .unwrap();
    let out = bin()
        .args(["scrub", "--check"])
        .arg(&coll)
        .arg(&env)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    for place in [
        "$.auth.oauth2[1].value",
        "$.variable[0].value",
        "$.values[0].value",
    ] {
        assert!(err.contains(place), "{place}: {err}");
    }
    assert!(!err.contains(REFRESH_TOKEN), "a refresh token was printed");
    bin().arg("scrub").arg(&coll).arg(&env).assert().success();
    for f in [&coll, &env] {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(!text.contains("eyJjdHki"), "{}: {text}", f.display());
    }
    // And the pre-commit hook stops one.
    let (_d, out) = commit_staged(
        "api.json",
        serde_json::to_string_pretty(&doc).unwrap().as_bytes(),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("$.variable[0].value"),
        "{}",
        stderr(&out)
    );
}

/// 23.5: a JWT written with \u escapes inside a longer string (newman decodes it and sends it).
#[test]
fn an_escaped_token_inside_a_string_is_found_and_scrubbed() {
    let tok = jwt_expiring_in(3600);
    let escaped = format!("Bearer \\u0065{}", &tok[1..]);
    let mut text = collection_with("{{token}}");
    text = text.replacen(
        "\"info\": {",
        &format!("\"info\": {{\"summary\": \"{escaped}\", "),
        1,
    );
    let (_d, file) = {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("api.json");
        std::fs::write(&f, &text).unwrap();
        (d, f)
    };
    bin()
        .args(["scrub", "--check"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("$.info.summary"));
    bin()
        .args(["scrub", "--token-var", "token"])
        .arg(&file)
        .assert()
        .success();
    let after = parse(&std::fs::read(&file).unwrap());
    assert_eq!(after["info"]["summary"], "Bearer {{token}}");
}

/// 23.6: following the hints never goes round in a circle back to a live token.
#[test]
fn the_hints_lead_out_of_the_circle() {
    let (_d, root) = repo();
    install(&root, "pre-commit");
    std::fs::write(
        root.join("api.json"),
        collection_with(&jwt_expiring_in(3600)),
    )
    .unwrap();
    assert!(git(&root, &["add", "."]).status.success());
    let out = git_within(&root, &["commit", "-qm", "x"], Duration::from_secs(60));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("scrub --token-var token"), "{err}");
    assert!(err.contains("postman-cognito exec"), "{err}");
    // The hint, followed: the token becomes {{token}}; check then names the stale copies in
    // the children, and its own hint (offline, no live token written) clears them.
    bin()
        .current_dir(&root)
        .args(["scrub", "--token-var", "token", "api.json"])
        .assert()
        .success();
    let out = bin()
        .current_dir(&root)
        .args(["check", "api.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("refresh --token-var token"),
        "{}",
        stderr(&out)
    );
    bin()
        .current_dir(&root)
        .args(["refresh", "--token-var", "token", "api.json"])
        .assert()
        .success();
    bin()
        .current_dir(&root)
        .args(["check", "api.json"])
        .assert()
        .success();
    assert!(git(&root, &["add", "."]).status.success());
    let out = git_within(&root, &["commit", "-qm", "x"], Duration::from_secs(60));
    assert!(out.status.success(), "{}", stderr(&out));
    // check's hint for a collection with no token names the offline way, never a live token.
    let mut doc = parse(&std::fs::read(root.join("api.json")).unwrap());
    doc.as_object_mut().unwrap().remove("auth");
    std::fs::write(root.join("api.json"), doc.to_string()).unwrap();
    let out = bin()
        .current_dir(&root)
        .args(["check", "api.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("refresh --token-var token"),
        "{}",
        stderr(&out)
    );
}

/// A folder holding stand-in programs (the runners) that record what they were given.
fn stand_ins(dir: &Path, name: &str, script: &str) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let p = bin.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn path_with(bin: &Path) -> String {
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// 23.7: the runner got the tool's own secret variables.
#[test]
fn exec_withholds_every_secret_from_the_runner() {
    let d = tempfile::tempdir().unwrap();
    let seen = d.path().join("env.txt");
    let bin_dir = stand_ins(d.path(), "newman", &format!("env > '{}'", seen.display()));
    let fake = FakeHttp::start(|_, _| Action::tokens("envclient"));
    std::fs::write(
        d.path().join("postman-cognito.toml"),
        "[profile.default]\nuser_pool_id = \"us-east-1_Env\"\nclient_id = \"envclient\"\nusername = \"u\"\nflow = \"password\"\npassword_env = \"MY_PW\"\nclient_secret_env = \"MY_SECRET\"\n",
    )
    .unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    bin()
        .current_dir(d.path())
        .args([
            "exec",
            "--no-cache",
            "--endpoint-url",
            &fake.url(),
            "--",
            "newman",
            "run",
            "x.json",
        ])
        .env("PATH", path_with(&bin_dir))
        .env("MY_PW", "pw-from-profile-var")
        .env("MY_SECRET", "secret-from-profile-var")
        .env("COGNITO_PASSWORD", "pw-default-var")
        .env("COGNITO_CLIENT_SECRET", "client-secret-var")
        .env("COGNITO_TOTP_SECRET", "JBSWY3DPEHPK3PXP")
        .env("COGNITO_REFRESH_TOKEN", REFRESH_TOKEN)
        .env("POSTMAN_COGNITO_TOKEN", "eyJ-handed-in")
        .env("POSTMAN_COGNITO_PROFILE", "default")
        .env("UNRELATED", "kept")
        .assert()
        .success();
    let env = std::fs::read_to_string(&seen).unwrap();
    for secret in [
        "pw-from-profile-var",
        "secret-from-profile-var",
        "pw-default-var",
        "client-secret-var",
        "JBSWY3DPEHPK3PXP",
        REFRESH_TOKEN,
        "eyJ-handed-in",
        "POSTMAN_COGNITO_",
    ] {
        assert!(!env.contains(secret), "{secret} reached the runner:\n{env}");
    }
    assert!(env.contains("UNRELATED=kept"), "{env}");
}

/// 23.8: files the runner exports keep no token.
#[test]
#[ignore = "needs newman: run scripts/test"]
fn exported_environments_and_globals_are_scrubbed() {
    let d = tempfile::tempdir().unwrap();
    let rec = recorder::Recorder::start();
    let mut doc = parse(&std::fs::read(fixture("collections/v21-2space-bearer.json")).unwrap());
    point_at(&mut doc, &rec.base());
    let coll = d.path().join("api.json");
    std::fs::write(&coll, doc.to_string()).unwrap();
    bin()
        .args(["refresh", "--token-var", "token"])
        .arg(&coll)
        .assert()
        .success();
    let token = jwt_expiring_in(3600);
    let (env_out, globals_out) = (
        d.path().join("out-env.json"),
        d.path().join("out-globals.json"),
    );
    bin()
        .current_dir(d.path())
        .env("POSTMAN_COGNITO_TOKEN", &token)
        .arg("exec")
        .arg("--")
        .arg(newman())
        .arg("run")
        .arg(&coll)
        .arg(format!("--export-environment={}", env_out.display()))
        .arg("--export-globals")
        .arg(&globals_out)
        .assert()
        .success();
    // The inheriting requests sent the token (the fixture keeps some with their own auth).
    let bearer = format!("Bearer {token}");
    assert!(
        rec.seen()
            .iter()
            .any(|s| s.authorization.as_deref() == Some(&bearer))
    );
    let exported = std::fs::read_to_string(&env_out).unwrap();
    assert!(exported.contains("\"token\""), "{exported}");
    assert!(
        !exported.contains(&token),
        "the exported environment holds the token"
    );
    assert!(
        !std::fs::read_to_string(&globals_out)
            .unwrap()
            .contains(&token)
    );
}

/// 23.9: a SIGKILL of exec left the runner running (and its reports holding the token).
#[test]
fn a_killed_exec_takes_its_runner_with_it() {
    let d = tempfile::tempdir().unwrap();
    let pid_file = d.path().join("runner.pid");
    let bin_dir = stand_ins(
        d.path(),
        "newman",
        &format!("echo $$ > '{}'\nexec sleep 60", pid_file.display()),
    );
    let mut exec = std_bin()
        .args(["exec", "--", "newman", "run", "x.json"])
        .env("PATH", path_with(&bin_dir))
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The shell creates the file before it writes the line: wait for the whole line.
    let deadline = Instant::now() + Duration::from_secs(30);
    let line = loop {
        let text = std::fs::read_to_string(&pid_file).unwrap_or_default();
        if text.ends_with('\n') || Instant::now() >= deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let pid: i32 = line.trim().parse().unwrap();
    exec.kill().unwrap(); // SIGKILL
    exec.wait().unwrap();
    let gone = |pid: i32| {
        !Path::new(&format!("/proc/{pid}")).exists()
            || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| s.contains(") Z "))
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !gone(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(gone(pid), "the runner outlived a SIGKILL of exec");
}

/// 23.10: `sh -c '...' newman run` was taken for newman.
#[test]
fn a_shell_mentioning_newman_is_not_newman() {
    bin()
        .args(["exec", "--", "sh", "-c", "env > leak.txt", "newman", "run"])
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a runner exec knows"));
}

/// 23.10: `-eFILE` (attached) was dropped, and the user's environment lost with it.
#[test]
fn an_attached_environment_flag_is_read_and_merged() {
    let d = tempfile::tempdir().unwrap();
    let seen = d.path().join("seen.txt");
    // The stand-in finds the -e value as newman would (attached), and copies that file.
    let bin_dir = stand_ins(
        d.path(),
        "newman",
        &format!(
            "for a in \"$@\"; do case \"$a\" in -e*) cat \"${{a#-e}}\" > '{}';; esac; done",
            seen.display()
        ),
    );
    let env = d.path().join("staging.json");
    std::fs::write(
        &env,
        json!({"name": "staging", "values": [{"key": "base", "value": "http://127.0.0.1:9", "enabled": true}]}).to_string(),
    )
    .unwrap();
    bin()
        .current_dir(d.path())
        .args(["exec", "--", "newman", "run", "x.json"])
        .arg(format!("-e{}", env.display()))
        .env("PATH", path_with(&bin_dir))
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .success();
    let handed: Value = serde_json::from_str(&std::fs::read_to_string(&seen).unwrap()).unwrap();
    let keys: Vec<&str> = handed["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["base", "token"], "{handed}");
}

/// 23.11: a link planted at the cache folder's place made the caller chmod and clear its target.
#[test]
fn a_planted_link_at_the_cache_folder_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let shared = d.path().join("shared-cache");
    let victim = d.path().join("victim");
    std::fs::create_dir(&shared).unwrap();
    std::fs::create_dir(&victim).unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(victim.join("keep.json"), "{}").unwrap();
    std::os::unix::fs::symlink(&victim, shared.join("postman-cognito")).unwrap();
    bin()
        .args(["cache", "clear"])
        .env("XDG_CACHE_HOME", &shared)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("symbolic link"));
    assert!(
        victim.join("keep.json").exists(),
        "cache clear deleted the link's target's files"
    );
    let mode = std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755, "the link's target was chmod-ed");
}

/// A small v3 tree: a root definition and one folder with one request holding a stale copy.
fn small_tree(dir: &Path) -> PathBuf {
    let t = dir.join("API");
    for (rel, text) in [
        (
            ".resources/definition.yaml",
            "$kind: collection\nname: API\n",
        ),
        (
            "F/.resources/definition.yaml",
            "$kind: collection\norder: 1\n",
        ),
        (
            "F/R.request.yaml",
            "$kind: http-request\nurl: http://127.0.0.1:9/r\nmethod: GET\nauth:\n  type: bearer\n  credentials:\n    token: stale\norder: 1\n",
        ),
    ] {
        let p = t.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    t
}

/// 23.12: a linked root definition was followed by refresh and check.
#[test]
fn a_linked_definition_is_refused_and_its_target_untouched() {
    let d = tempfile::tempdir().unwrap();
    let t = small_tree(d.path());
    let outside = d.path().join("outside.yaml");
    std::fs::write(&outside, "$kind: collection\nname: API\n").unwrap();
    std::fs::remove_file(t.join(".resources/definition.yaml")).unwrap();
    std::os::unix::fs::symlink(&outside, t.join(".resources/definition.yaml")).unwrap();
    for cmd in ["refresh", "check"] {
        bin()
            .arg(cmd)
            .arg(&t)
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .assert()
            .code(3)
            .stderr(predicate::str::contains("symbolic link"));
    }
    assert_eq!(
        std::fs::read_to_string(&outside).unwrap(),
        "$kind: collection\nname: API\n"
    );
}

#[test]
fn a_linked_folder_definition_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let t = small_tree(d.path());
    let outside = d.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(
        outside.join("definition.yaml"),
        "$kind: collection\nauth:\n  type: bearer\n",
    )
    .unwrap();
    std::fs::remove_dir_all(t.join("F/.resources")).unwrap();
    std::os::unix::fs::symlink(&outside, t.join("F/.resources")).unwrap();
    bin()
        .arg("refresh")
        .arg(&t)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("F/.resources"));
    assert!(
        std::fs::read_to_string(outside.join("definition.yaml"))
            .unwrap()
            .contains("bearer")
    );
}

/// 23.12: a folder swapped for a link while the run waits for the token got files outside the
/// tree edited, with exit 0.
#[test]
fn a_folder_swapped_for_a_link_during_the_sign_in_gets_nothing_written() {
    let d = tempfile::tempdir().unwrap();
    let t = small_tree(d.path());
    let outside = d.path().join("outside");
    std::fs::create_dir_all(outside.join(".resources")).unwrap();
    let request = std::fs::read_to_string(t.join("F/R.request.yaml")).unwrap();
    std::fs::write(outside.join("R.request.yaml"), &request).unwrap();
    std::fs::copy(
        t.join("F/.resources/definition.yaml"),
        outside.join(".resources/definition.yaml"),
    )
    .unwrap();
    let mut child = std_bin()
        .args(["refresh", "--token-stdin"])
        .arg(&t)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The tree is read and planned before the token is read: wait for that, then swap.
    std::thread::sleep(Duration::from_millis(700));
    std::fs::rename(t.join("F"), d.path().join("F.moved")).unwrap();
    std::os::unix::fs::symlink(&outside, t.join("F")).unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(TOKEN.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("changed while postman-cognito was running"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(outside.join("R.request.yaml")).unwrap(),
        request
    );
    let leftovers: Vec<_> = std::fs::read_dir(&outside).unwrap().collect();
    assert_eq!(leftovers.len(), 2, "a file was made outside the tree");
}

/// 23.13: a merge key carried an auth past refresh and check.
#[test]
fn a_merge_key_that_can_reach_auth_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let t = small_tree(d.path());
    std::fs::write(
        t.join("F/R.request.yaml"),
        "$kind: http-request\ndefaults: &d\n  auth:\n    type: bearer\n    credentials:\n      token: stale\n<<: *d\nurl: http://127.0.0.1:9/r\nmethod: GET\norder: 1\n",
    )
    .unwrap();
    for cmd in ["refresh", "check"] {
        bin()
            .arg(cmd)
            .arg(&t)
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .assert()
            .code(3)
            .stderr(predicate::str::contains("R.request.yaml:7:1"))
            .stderr(predicate::str::contains("merge key"));
    }
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// 23.14: another user's 0644 file, in a folder the caller may write, was replaced (and its
/// owner changed). The caller here is `nobody` (through setpriv) when the tests run as root.
#[test]
fn a_file_the_caller_may_not_write_is_refused_though_the_folder_allows_it() {
    if !is_root() {
        // As a normal user the file below is that user's own: the case needs two users.
        eprintln!("skipped: needs root to make a file of another user (CI runs as root)");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let folder = d.path().join("shared");
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = folder.join("api.json");
    copy_writable(&fixture("collections/v21-tabs-oauth2.json"), &file);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = std::fs::read(&file).unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(assert_cmd::cargo::cargo_bin("postman-cognito"))
        .arg("refresh")
        .arg(&file)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &folder)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .output()
        .expect("setpriv (util-linux)");
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not writable by you"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().uid(),
        0,
        "the owner changed"
    );
}

/// 23.15: a line break from the network reached the log raw, where `::add-mask::` at the start
/// of a line is a command to GitHub Actions.
#[test]
fn a_server_message_cannot_start_a_line_of_its_own() {
    let fake = FakeHttp::start(|_, _| {
        Action::aws_error(
            400,
            "NotAuthorizedException",
            "Incorrect.\n::add-mask::x\n::error::owned",
        )
    });
    let out = bin()
        .args([
            "token",
            "--no-cache",
            "--flow",
            "password",
            "--endpoint-url",
            &fake.url(),
        ])
        .env("COGNITO_USER_POOL_ID", "us-east-1_Inj")
        .env("COGNITO_CLIENT_ID", "c")
        .env("COGNITO_USERNAME", "u")
        .env("COGNITO_PASSWORD", "p")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    for line in stderr(&out)
        .lines()
        .chain(String::from_utf8_lossy(&out.stdout).lines())
    {
        assert!(
            !line.trim_start().starts_with("::"),
            "a line of the server's: {line:?}"
        );
    }
    assert!(
        stderr(&out).contains("Incorrect.\\n::add-mask::x"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_challenge_name_cannot_start_a_line_of_its_own() {
    let fake = FakeHttp::start(|_, _| {
        Action::json(
            200,
            json!({"ChallengeName": "ODD\n::add-mask::x", "Session": "s", "ChallengeParameters": {}}),
        )
    });
    let out = bin()
        .args([
            "token",
            "--no-cache",
            "--flow",
            "password",
            "--endpoint-url",
            &fake.url(),
        ])
        .env("COGNITO_USER_POOL_ID", "us-east-1_Inj")
        .env("COGNITO_CLIENT_ID", "c")
        .env("COGNITO_USERNAME", "u")
        .env("COGNITO_PASSWORD", "p")
        .output()
        .unwrap();
    assert!(!out.status.success());
    for line in stderr(&out).lines() {
        assert!(!line.trim_start().starts_with("::"), "{line:?}");
    }
    assert!(
        stderr(&out).contains("ODD\\n::add-mask::x"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn config_values_and_profile_names_are_shown_on_one_line() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    std::fs::write(
        d.path().join("postman-cognito.toml"),
        "[profile.default]\nusername = \"a\\n::add-mask::x\"\n[profile.\"b\\n::error::y\"]\n",
    )
    .unwrap();
    for args in [["config", "show"], ["config", "profiles"]] {
        let out = bin().current_dir(d.path()).args(args).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        for line in text.lines() {
            assert!(!line.trim_start().starts_with("::"), "{args:?}: {line:?}");
        }
        assert!(text.contains("\\n::"), "{args:?}: {text}");
    }
}

#[test]
fn a_file_name_from_the_repo_cannot_start_a_line_of_its_own() {
    let d = tempfile::tempdir().unwrap();
    let t = small_tree(d.path());
    std::fs::rename(t.join("F"), t.join("F\n::add-mask::x")).unwrap();
    let out = bin().arg("check").arg(&t).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    for line in stderr(&out).lines() {
        assert!(!line.trim_start().starts_with("::"), "{line:?}");
    }
}

/// 23.16: a report that cannot be written after the files are in place was exit 4.
#[test]
fn a_closed_standard_output_after_the_writes_is_a_warning() {
    for flag in ["--json", "--diff"] {
        let (_d, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
        let mut child = std_bin()
            .arg("refresh")
            .arg(flag)
            .arg(&file)
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{flag}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("warning: cannot write the report"),
            "{flag}: {}",
            stderr(&out)
        );
        assert_eq!(access_token(&parse(&std::fs::read(&file).unwrap())), TOKEN);
    }
}

#[test]
fn man_into_a_closed_pipe_prints_no_error() {
    let mut child = std_bin()
        .arg("man")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");
}

/// 23.18: the action's args kept the first line only and quotes as literal characters.
fn action_args(input: &str) -> (Option<i32>, Vec<String>) {
    let d = tempfile::tempdir().unwrap();
    let seen = d.path().join("argv");
    let bin_dir = stand_ins(
        d.path(),
        "postman-cognito",
        &format!(
            "for a in \"$@\"; do printf '%s\\0' \"$a\"; done > '{}'",
            seen.display()
        ),
    );
    let out = Command::new("bash")
        .arg(support::repo().join("action/run.sh"))
        .env("PATH", path_with(&bin_dir))
        .env("INPUT_COMMAND", "check")
        .env("INPUT_ARGS", input)
        .output()
        .unwrap();
    let argv = std::fs::read(&seen)
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        })
        .unwrap_or_default();
    (out.status.code(), argv)
}

#[test]
fn the_action_splits_args_as_a_shell_would() {
    let (code, argv) =
        action_args("\"Orders API\" \\\n  --keep '$..item[?(@.name == \"x\")]'\n--min-ttl 5m");
    assert_eq!(code, Some(0));
    assert_eq!(
        argv,
        [
            "check",
            "Orders API",
            "--keep",
            "$..item[?(@.name == \"x\")]",
            "--min-ttl",
            "5m"
        ]
    );
    // What a shell would expand, or an unclosed quote, is refused: nothing runs.
    for bad in ["api.json $HOME", "'open", "a; rm -rf /", "*.json"] {
        let (code, argv) = action_args(bad);
        assert_eq!(code, Some(2), "{bad}");
        assert!(argv.is_empty(), "{bad}: ran with {argv:?}");
    }
}

/// 23.20: a wrong pool id with SRP read as a wrong password.
#[test]
#[ignore = "needs ministack: run scripts/test"]
fn a_wrong_pool_id_is_told_apart_from_a_wrong_password() {
    let idp = crate::support::idp::Idp::ministack();
    let pool = idp.pool("wrong-pool", json!({}));
    idp.user(&pool, "bob", "Correct-Horse-9!");
    let (client, _) = idp.client(
        &pool,
        false,
        &["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    );
    let out = bin()
        .args([
            "token",
            "--no-cache",
            "--endpoint-url",
            &idp.url,
            "--user-pool-id",
            "us-east-1_NoSuchPool1",
        ])
        .env("COGNITO_CLIENT_ID", &client)
        .env("COGNITO_USERNAME", "bob")
        .env("COGNITO_PASSWORD", "Correct-Horse-9!")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let err = stderr(&out);
    assert!(err.contains("us-east-1_NoSuchPool1"), "{err}");
    assert!(err.contains("does not exist"), "{err}");
    assert!(!err.contains("wrong username or password"), "{err}");
}

/// 23.21: ~/.aws/config spells the service cognito_identity_provider (botocore reads no other).
#[test]
#[ignore = "needs boto3 (the moto venv): run scripts/test"]
fn the_aws_config_endpoint_is_the_one_boto3_reads() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("config");
    std::fs::write(
        &cfg,
        "[profile dev]\nregion = us-east-1\nservices = local\n\n[services local]\ncognito_identity_provider =\n  endpoint_url = http://127.0.0.1:9229\ncognito-identity-provider =\n  endpoint_url = http://127.0.0.1:1111\n",
    )
    .unwrap();
    let python = support::repo().join(".tools/venv/bin/python");
    assert!(
        python.exists(),
        "boto3 is installed by scripts/test into .tools/venv"
    );
    let boto = Command::new(python)
        .args(["-c", "import boto3; print(boto3.session.Session(profile_name='dev').client('cognito-idp').meta.endpoint_url)"])
        .env("AWS_CONFIG_FILE", &cfg)
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .output()
        .unwrap();
    assert!(boto.status.success(), "{}", stderr(&boto));
    let boto_url = String::from_utf8_lossy(&boto.stdout).trim().to_string();
    let out = bin()
        .args(["config", "show", "--json", "--user-pool-id", "us-east-1_X"])
        .env("AWS_CONFIG_FILE", &cfg)
        .env("AWS_PROFILE", "dev")
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ours = doc["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "endpoint_url")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(ours, boto_url);
    assert_eq!(ours, "http://127.0.0.1:9229");
}

/// 23.22: the man pages name pages that are not written.
#[test]
fn every_man_page_named_is_written() {
    let d = tempfile::tempdir().unwrap();
    bin()
        .arg("man")
        .arg("--dir")
        .arg(d.path())
        .assert()
        .success();
    for entry in std::fs::read_dir(d.path()).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path())
            .unwrap()
            .replace("\\-", "-");
        for (i, _) in text.match_indices("postman-cognito-") {
            let name: String = text[i..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                .collect();
            let name = name.trim_end_matches('-');
            if text[i + name.len()..].starts_with('(')
                || text[i + name.len()..].starts_with("\\fR(")
            {
                assert!(
                    d.path().join(format!("{name}.1")).exists(),
                    "{name}(1) is named, not written"
                );
            }
        }
        assert!(!text.contains("-help("), "a help page is named");
    }
}

#[test]
fn the_licenses_the_manifests_name_are_there() {
    let manifest = std::fs::read_to_string(support::repo().join("Cargo.toml")).unwrap();
    assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
    for f in ["LICENSE-MIT", "LICENSE-APACHE"] {
        let text = std::fs::read_to_string(support::repo().join(f)).unwrap();
        assert!(text.len() > 900, "{f}");
        assert!(
            manifest.contains(&format!("\"/{f}\"")),
            "{f} is not in the crate"
        );
    }
}

#[test]
fn a_hooks_path_ending_in_a_space_is_honoured() {
    let (_d, root) = repo();
    assert!(
        git(&root, &["config", "core.hooksPath", "my hooks "])
            .status
            .success()
    );
    install(&root, "pre-commit");
    assert!(
        root.join("my hooks /pre-commit").exists(),
        "installed where git does not look"
    );
    std::fs::write(
        root.join("api.json"),
        collection_with(&jwt_expiring_in(3600)),
    )
    .unwrap();
    assert!(git(&root, &["add", "."]).status.success());
    let out = git_within(&root, &["commit", "-qm", "x"], Duration::from_secs(60));
    assert!(!out.status.success(), "the hook did not run");
}

/// Issue 29: the AWS temporary credentials an identity pool gives are live secrets in a
/// collection: an `ASIA…` access key id and a session token (STS's shape) in an `awsv4` auth
/// block and in a variable are found by `scrub --check` (places named, values not), removed by
/// `scrub`, and stop a commit.
#[test]
fn aws_temporary_credentials_are_found_scrubbed_and_stopped() {
    const KEY_ID: &str = "ASIAQ4EXAMPLE7KEY2ZZ";
    let session: String = format!(
        "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD{}",
        "Ab3dE5fG7hJ9kLmN0pQr2StUv4WxYz6".repeat(6)
    );
    let d = tempfile::tempdir().unwrap();
    let mut doc = parse(collection_with("{{token}}").as_bytes());
    doc["auth"] = json!({"type": "awsv4", "awsv4": [
        {"key": "accessKey", "value": KEY_ID, "type": "string"},
        {"key": "sessionToken", "value": session, "type": "string"},
        {"key": "region", "value": "us-east-1", "type": "string"},
        {"key": "service", "value": "execute-api", "type": "string"}
    ]});
    doc["variable"] = json!([{"key": "aws_session_token", "value": session}]);
    let coll = d.path().join("api.postman_collection.json");
    let text = serde_json::to_string_pretty(&doc).unwrap();
    std::fs::write(&coll, &text).unwrap();
    let out = bin()
        .args(["scrub", "--check"])
        .arg(&coll)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    for place in [
        "$.auth.awsv4[0].value",
        "$.auth.awsv4[1].value",
        "$.variable[0].value",
    ] {
        assert!(err.contains(place), "{place}: {err}");
    }
    assert!(
        !err.contains(KEY_ID) && !err.contains(&session[..40]),
        "{err}"
    );
    bin().arg("scrub").arg(&coll).assert().success();
    let after = std::fs::read_to_string(&coll).unwrap();
    assert!(
        !after.contains(KEY_ID) && !after.contains(&session[..40]),
        "{after}"
    );
    assert!(
        after.contains("us-east-1") && after.contains("execute-api"),
        "{after}"
    );
    let (_d, out) = commit_staged("api.json", text.as_bytes());
    assert!(!out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("$.auth.awsv4[1].value"),
        "{}",
        stderr(&out)
    );
}

/// What is not an AWS credential stays: a key id of another kind, a short or unknown base64.
#[test]
fn text_that_only_looks_like_aws_credentials_is_left_alone() {
    let d = tempfile::tempdir().unwrap();
    let mut doc = parse(collection_with("{{token}}").as_bytes());
    doc["variable"] = json!([
        {"key": "a", "value": "ASIAQ4EXAMPLE7KEY2ZZX"},
        {"key": "b", "value": "xASIAQ4EXAMPLE7KEY2ZZ"},
        {"key": "c", "value": "IQoJb3JpZ2luX2VjEJr"},
        {"key": "d", "value": "AKIAIOSFODNN7EXAMPLE"}
    ]);
    let coll = d.path().join("api.postman_collection.json");
    std::fs::write(&coll, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    bin()
        .args(["scrub", "--check"])
        .arg(&coll)
        .assert()
        .success();
}

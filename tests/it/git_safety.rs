//! Keeping tokens out of git: --token-var with environment and globals files (used by newman
//! -e / -g), the tracked-file warning, scrub and check on every fixture and real collection,
//! and the hooks in real git repositories pushing to a local bare repository.

use std::path::{Path, PathBuf};
use std::process::Command;

#[allow(unused_imports)]
use crate::support;
use crate::support::*;
use base64::Engine;
use predicates::prelude::*;
use serde_json::json;

/// A JWT with an expiry `secs` from now.
pub(crate) fn jwt_expiring_in(secs: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let p = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(json!({"token_use": "id", "exp": now + secs}).to_string());
    format!("eyJhbGciOiJSUzI1NiJ9.{p}.c2lnbmF0dXJl")
}

fn refresh(file: &Path, token: &str, args: &[&str]) -> assert_cmd::assert::Assert {
    bin()
        .arg("refresh")
        .args(args)
        .arg(file)
        .env("POSTMAN_COGNITO_TOKEN", token)
        .assert()
}

/// Runs newman on `collection` with extra args, every URL pointed at a recorder and scripts
/// dropped; returns the Authorization header of each request.
fn newman_headers(collection: &Path, extra: &[&str]) -> Vec<Option<String>> {
    let doc = parse(&std::fs::read(collection).unwrap());
    newman_seen(&doc, extra)
        .into_iter()
        .map(|s| s.authorization)
        .collect()
}

#[test]
#[ignore = "needs newman: run scripts/test"]
fn token_var_and_env_file_feed_newman_and_keep_the_collection_clean() {
    let token = jwt_expiring_in(3600);
    let (dir, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let env = dir.path().join("dev.postman_environment.json");
    refresh(
        &file,
        &token,
        &["--inherit", "all", "--env-file", env.to_str().unwrap()],
    )
    .success();
    let doc = parse(&std::fs::read(&file).unwrap());
    assert_eq!(access_token(&doc), "{{token}}");
    assert!(!std::fs::read_to_string(&file).unwrap().contains(&token));
    let e = parse(&std::fs::read(&env).unwrap());
    assert_eq!(
        e["values"][0],
        json!({"key": "token", "value": token, "type": "secret", "enabled": true})
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&env).unwrap().permissions().mode() & 0o777,
            0o600,
            "a new file holding a token is private"
        );
    }
    // Idempotent, and --check agrees.
    refresh(
        &file,
        &token,
        &[
            "--inherit",
            "all",
            "--env-file",
            env.to_str().unwrap(),
            "--check",
        ],
    )
    .code(0);
    let headers = newman_headers(&file, &["-e", env.to_str().unwrap()]);
    assert!(!headers.is_empty());
    assert!(
        headers
            .iter()
            .all(|h| h.as_deref() == Some(format!("Bearer {token}").as_str())),
        "{headers:?}"
    );
    // Globals: the same through -g.
    let globals = dir.path().join("workspace.postman_globals.json");
    refresh(
        &file,
        &token,
        &[
            "--inherit",
            "all",
            "--token-var",
            "token",
            "--globals-file",
            globals.to_str().unwrap(),
        ],
    )
    .success();
    assert_eq!(
        parse(&std::fs::read(&globals).unwrap())["_postman_variable_scope"],
        "globals"
    );
    let headers = newman_headers(&file, &["-g", globals.to_str().unwrap()]);
    assert!(
        headers
            .iter()
            .all(|h| h.as_deref() == Some(format!("Bearer {token}").as_str()))
    );
}

#[test]
fn an_existing_environment_file_changes_by_one_line() {
    let token = jwt_expiring_in(3600);
    let (dir, env) = temp_copy(&shared(
        "real-environments/commercetools__platform-insights-demo.postman_environment.json",
    ));
    let (_d2, file) = temp_copy(&shared(
        "real-collections/08_commercetools__checkout_collection.v2.0.0.json",
    ));
    let before = std::fs::read_to_string(&env).unwrap();
    refresh(
        &file,
        &token,
        &[
            "--token-var",
            "ctp_access_token",
            "--env-file",
            env.to_str().unwrap(),
        ],
    )
    .success();
    let after = std::fs::read_to_string(&env).unwrap();
    let changed: Vec<_> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(before.lines().count(), after.lines().count());
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].1.contains(&token));
    assert_eq!(
        access_token(&parse(&std::fs::read(&file).unwrap())),
        "{{ctp_access_token}}"
    );
    // A variable that is not there is appended like its neighbours.
    let (_d3, env2) = temp_copy(&shared(
        "real-environments/testhell__DockerLocalhost.postman_environment.json",
    ));
    refresh(
        &file,
        &token,
        &[
            "--token-var",
            "idToken",
            "--env-file",
            env2.to_str().unwrap(),
        ],
    )
    .success();
    let e = parse(&std::fs::read(&env2).unwrap());
    assert_eq!(
        e["values"].as_array().unwrap().last().unwrap()["key"],
        "idToken"
    );
    drop(dir);
}

pub(crate) fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    let bin_dir = assert_cmd::cargo::cargo_bin("postman-cognito")
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    git_with_path(dir, args, &path)
}

/// [`git`] with this `PATH` (a GUI client's, say).
pub(crate) fn git_with_path(dir: &Path, args: &[&str], path: &str) -> std::process::Output {
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("PATH", path)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env_remove("POSTMAN_COGNITO_TOKEN")
        .output()
        .unwrap()
}

/// A repository whose `origin` is a bare repository beside it.
pub(crate) fn repo_with_remote() -> (tempfile::TempDir, PathBuf) {
    let (d, root) = repo();
    let remote = d.path().join("remote.git");
    let bare = git(
        d.path(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    assert!(bare.status.success());
    let added = git(
        &root,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    assert!(added.status.success());
    (d, root)
}

pub(crate) fn repo() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("work");
    std::fs::create_dir(&root).unwrap();
    assert!(git(&root, &["init", "-q", "-b", "main"]).status.success());
    (d, root)
}

#[test]
fn writing_a_token_into_a_tracked_file_warns() {
    let token = jwt_expiring_in(3600);
    let (_d, root) = repo();
    let file = root.join("api.postman_collection.json");
    std::fs::copy(fixture("collections/v21-tabs-oauth2.json"), &file).unwrap();
    assert!(git(&root, &["add", "."]).status.success());
    assert!(git(&root, &["commit", "-qm", "c"]).status.success());
    refresh(&file, &token, &[]).success().stderr(
        predicate::str::contains("tracked by git").and(predicate::str::contains("--token-var")),
    );
    refresh(&file, &token, &["--allow-tracked-token"])
        .success()
        .stderr(predicate::str::contains("tracked by git").not());
    let env = root.join("local.postman_environment.json");
    refresh(&file, &token, &["--env-file", env.to_str().unwrap()])
        .success()
        .stderr(predicate::str::contains("tracked by git").not());
    assert!(
        git(&root, &["add", "local.postman_environment.json"])
            .status
            .success()
    );
    refresh(&file, &token, &["--env-file", env.to_str().unwrap()])
        .success()
        .stderr(predicate::str::contains(
            "local.postman_environment.json is tracked by git",
        ));
}

#[test]
fn one_run_over_many_files_warns_for_exactly_the_tracked_ones() {
    // git is asked once per folder for all the run's files; names are taken literally, so a
    // tracked file whose name looks like a glob does not make its neighbours look tracked.
    let token = jwt_expiring_in(3600);
    let (_d, root) = repo();
    let tracked = root.join("api[1].postman_collection.json");
    let look_alike = root.join("api1.postman_collection.json");
    let untracked = root.join("other.postman_collection.json");
    for f in [&tracked, &look_alike, &untracked] {
        std::fs::copy(fixture("collections/v21-tabs-oauth2.json"), f).unwrap();
    }
    assert!(
        git(
            &root,
            &["add", "--", ":(literal)api[1].postman_collection.json"]
        )
        .status
        .success()
    );
    let out = bin()
        .arg("refresh")
        .args([&tracked, &look_alike, &untracked])
        .env("POSTMAN_COGNITO_TOKEN", &token)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let warned: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("tracked by git"))
        .collect();
    assert_eq!(warned.len(), 1, "{stderr}");
    assert!(
        warned[0].contains("api[1].postman_collection.json"),
        "{stderr}"
    );
}

#[test]
fn scrub_removes_every_live_token_and_only_that() {
    let token = jwt_expiring_in(3600);
    let mut files: Vec<PathBuf> = fixtures_in("collections");
    files.extend(real_collections());
    for src in files {
        let (_d, file) = temp_copy(&src);
        refresh(&file, &token, &["--inherit", "none"]).success();
        let patched = std::fs::read(&file).unwrap();
        bin()
            .args(["scrub", "--check"])
            .arg(&file)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("a live token at $.auth.oauth2"));
        bin().arg("scrub").arg(&file).assert().success();
        let scrubbed = std::fs::read(&file).unwrap();
        assert_only_auth_changed(&src.display().to_string(), &patched, &scrubbed);
        assert_eq!(access_token(&parse(&scrubbed)), "", "{}", src.display());
        assert!(!String::from_utf8_lossy(&scrubbed).contains(&token));
        bin().args(["scrub", "--check"]).arg(&file).assert().code(0);
        // With --token-var the reference goes in instead.
        refresh(&file, &token, &["--inherit", "none"]).success();
        bin()
            .args(["scrub", "--token-var", "idToken"])
            .arg(&file)
            .assert()
            .success();
        assert_eq!(
            access_token(&parse(&std::fs::read(&file).unwrap())),
            "{{idToken}}"
        );
    }
    // As published, two real collections hold JWTs (one in a request's bearer auth).
    for (name, code) in [
        ("01_cori-data-api__postman.collection.json", 1),
        (
            "04_brightspace__Get_Initial_Token.postman_collection.json",
            1,
        ),
        (
            "02_pdoa__Performance_Dashboard_API.postman_collection.json",
            0,
        ),
    ] {
        bin()
            .args(["scrub", "--check"])
            .arg(shared(&format!("real-collections/{name}")))
            .assert()
            .code(code);
    }
    // Environment files: JWT values are emptied.
    let (dir, env) = temp_copy(&shared(
        "real-environments/ukhomeoffice__agreement-resrouce-set-up.postman_environment.json",
    ));
    let (_d, c) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    refresh(
        &c,
        &token,
        &["--token-var", "tok", "--env-file", env.to_str().unwrap()],
    )
    .success();
    bin().args(["scrub", "--check"]).arg(&env).assert().code(1);
    bin().arg("scrub").arg(&env).assert().success();
    assert!(!std::fs::read_to_string(&env).unwrap().contains(&token));
    bin()
        .arg("scrub")
        .arg(fixture("bad/array.json"))
        .assert()
        .code(3);
    drop(dir);
}

#[test]
fn check_finds_each_problem_offline() {
    let (_d, file) = temp_copy(&fixture("collections/v21-2space-bearer.json"));
    let out = bin()
        .arg("check")
        .arg(&file)
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("collection auth: the type is \"bearer\""),
        "{text}"
    );
    assert!(
        text.contains("A1 (noauth) / A2 (basic) / A2 oauth2 (request): has its own oauth2 auth"),
        "{text}"
    );
    // A folder whose bearer auth sends another variable ({{staleToken}}) is another identity:
    // kept, not a problem (issue 25).
    assert!(!text.contains("A3 (bearer) (folder):"), "{text}");
    let current = jwt_expiring_in(7200);
    refresh(&file, &current, &[]).success();
    bin()
        .arg("check")
        .arg(&file)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("ok "));
    bin()
        .args(["check", "--min-ttl", "3h"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("sooner than --min-ttl"));
    bin()
        .args(["check", "--inherit", "all"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("has its own noauth auth"));
    // A token that expired is refused by refresh (exit 5, the file untouched), so it is put in
    // by hand, as a stale export would hold it.
    let before = std::fs::read_to_string(&file).unwrap();
    assert!(before.contains(&current));
    refresh(&file, &jwt_expiring_in(-60), &[]).code(5);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    std::fs::write(&file, before.replace(&current, &jwt_expiring_in(-60))).unwrap();
    bin()
        .arg("check")
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("expired at"));
    refresh(&file, &jwt_expiring_in(60), &["--token-var", "token"]).success();
    bin()
        .args(["check", "--json"])
        .arg(&file)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"problems\": []"));
    for f in real_collections() {
        let (_d, c) = temp_copy(&f);
        refresh(&c, &jwt_expiring_in(7200), &[]).success();
        bin().arg("check").arg(&c).assert().code(0);
    }
    bin()
        .arg("check")
        .arg(fixture("bad/truncated.json"))
        .assert()
        .code(3);
}

#[test]
fn hooks_stop_a_bad_push_and_a_leaky_commit() {
    let (_d, root) = repo_with_remote();
    for h in ["pre-push", "pre-commit"] {
        bin()
            .current_dir(&root)
            .args(["hook", "install", h])
            .assert()
            .success();
        assert!(root.join(".git/hooks").join(h).exists());
    }
    // A collection with stale children: commit passes (no token), push is stopped.
    let file = root.join("api.postman_collection.json");
    std::fs::copy(fixture("collections/v21-2space-bearer.json"), &file).unwrap();
    assert!(git(&root, &["add", "."]).status.success());
    let commit = git(&root, &["commit", "-qm", "stale"]);
    assert!(
        commit.status.success(),
        "{}",
        String::from_utf8_lossy(&commit.stderr)
    );
    let push = git(&root, &["push", "-q", "origin", "main"]);
    assert!(
        !push.status.success(),
        "the push of a broken collection must stop"
    );
    assert!(
        String::from_utf8_lossy(&push.stderr).contains("does not inherit"),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
    // A live token: the commit is stopped.
    let token = jwt_expiring_in(7200);
    refresh(&file, &token, &["--allow-tracked-token"]).success();
    assert!(git(&root, &["add", "."]).status.success());
    let commit = git(&root, &["commit", "-qm", "leak"]);
    assert!(
        !commit.status.success(),
        "a commit with a live token must stop"
    );
    assert!(String::from_utf8_lossy(&commit.stderr).contains("a live token"));
    // The right way: a variable in the collection, the token in an ignored env file.
    std::fs::write(root.join(".gitignore"), "*.postman_environment.json\n").unwrap();
    refresh(
        &file,
        &token,
        &[
            "--env-file",
            root.join("ci.postman_environment.json").to_str().unwrap(),
        ],
    )
    .success();
    assert!(git(&root, &["add", "."]).status.success());
    assert!(git(&root, &["commit", "-qm", "good"]).status.success());
    let push = git(&root, &["push", "-q", "origin", "main"]);
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
}

#[test]
fn hook_install_respects_other_hooks_and_core_hookspath() {
    let (_d, root) = repo();
    let hooks = root.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\necho theirs\n").unwrap();
    bin()
        .current_dir(&root)
        .args(["hook", "install", "pre-commit"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not written by postman-cognito"));
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        "#!/bin/sh\necho theirs\n"
    );
    bin()
        .current_dir(&root)
        .args(["hook", "install", "pre-commit", "--force"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.postman-cognito-backup")).unwrap(),
        "#!/bin/sh\necho theirs\n"
    );
    bin()
        .current_dir(&root)
        .args(["hook", "uninstall"])
        .assert()
        .success()
        .stderr(predicate::str::contains("removed 1"));
    // Issue 13.17: the hook that --force moved aside is put back.
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        "#!/bin/sh\necho theirs\n",
        "uninstall puts the user's hook back"
    );
    assert!(!hooks.join("pre-commit.postman-cognito-backup").exists());
    assert!(
        git(&root, &["config", "core.hooksPath", ".githooks"])
            .status
            .success()
    );
    bin()
        .current_dir(&root)
        .env("HOME", &root)
        .args(["hook", "install", "pre-push"])
        .assert()
        .success();
    assert!(root.join(".githooks/pre-push").exists());
    bin()
        .current_dir(&root)
        .args(["hook", "install", "pre-push"])
        .assert()
        .success();
}

#[test]
fn completions_and_man_page_come_from_the_cli_definitions() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = bin()
            .args(["completions", shell])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.contains("postman-cognito")
                && text.contains("refresh")
                && text.contains("--token-var"),
            "{shell}"
        );
    }
    bin()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH").and(predicate::str::contains("refresh")));
}

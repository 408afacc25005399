//! Issue 13.15-17: the hooks check what git records (the index for a commit, the commits for a
//! push), every Postman file whatever its name, JWTs anywhere in it, and still run when the
//! hook's PATH lacks the tool.

use std::path::Path;

use predicates::prelude::*;
use serde_json::json;

use crate::git_safety::{git, git_with_path, jwt_expiring_in, repo, repo_with_remote};
#[allow(unused_imports)]
use crate::support;
use crate::support::*;

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

fn with_token(root: &Path, name: &str, token: &str) {
    let file = root.join(name);
    copy_writable(&fixture("collections/v21-tabs-oauth2.json"), &file);
    bin()
        .args(["refresh", "--allow-tracked-token"])
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", token)
        .assert()
        .success();
}

#[test]
fn pre_commit_checks_the_index_not_the_working_tree() {
    let (_d, root) = repo();
    install(&root, "pre-commit");
    // Staged with a token, then scrubbed only in the working tree: the commit is stopped.
    with_token(&root, "api.json", &jwt_expiring_in(3600));
    assert!(git(&root, &["add", "api.json"]).status.success());
    bin()
        .arg("scrub")
        .arg(root.join("api.json"))
        .assert()
        .success();
    let commit = git(&root, &["commit", "-qm", "leak"]);
    assert!(!commit.status.success(), "a staged token was committed");
    assert!(stderr(&commit).contains("api.json:"), "{}", stderr(&commit));
    assert!(stderr(&commit).contains("(staged)"), "{}", stderr(&commit));
    // Staging the scrubbed file lets it through.
    assert!(git(&root, &["add", "api.json"]).status.success());
    let commit = git(&root, &["commit", "-qm", "clean"]);
    assert!(commit.status.success(), "{}", stderr(&commit));
    assert!(
        stderr(&commit).contains("hold no live token"),
        "{}",
        stderr(&commit)
    );
}

#[test]
fn pre_commit_finds_jwts_anywhere_in_any_postman_file() {
    let token = jwt_expiring_in(3600);
    let (_d, root) = repo();
    install(&root, "pre-commit");
    // A collection variable, a header and an oauth2 refreshToken, in a file named api.json.
    let mut doc = parse(&std::fs::read(fixture("collections/v21-2space-bearer.json")).unwrap());
    doc["variable"] = json!([{"key": "saved", "value": token}]);
    doc["item"][0]["item"][0]["request"]["header"] =
        json!([{"key": "Authorization", "value": format!("Bearer {token}")}]);
    doc["auth"]["oauth2"] = json!([{"key": "refreshToken", "value": token, "type": "string"}]);
    std::fs::write(
        root.join("api.json"),
        serde_json::to_vec_pretty(&doc).unwrap(),
    )
    .unwrap();
    // An environment file under another name, and an unrelated JSON file.
    let env =
        json!({"name": "e", "values": [{"key": "id_token", "value": token, "enabled": true}]});
    std::fs::write(root.join("staging.json"), env.to_string()).unwrap();
    std::fs::write(root.join("package.json"), "{\"name\": \"x\"}").unwrap();
    assert!(git(&root, &["add", "."]).status.success());
    let commit = git(&root, &["commit", "-qm", "leak"]);
    assert!(!commit.status.success());
    let err = stderr(&commit);
    for place in [
        "$.variable[0].value",
        ".request.header[0].value",
        "$.auth.oauth2[0].value",
        "$.values[0].value",
    ] {
        assert!(err.contains(place), "{place} not reported: {err}");
    }
    assert!(!err.contains(&token), "the token was printed");
    assert!(!err.contains("package.json"), "{err}");
    // Nothing to check: the hook passes and says so.
    let (_d2, other) = repo();
    install(&other, "pre-commit");
    std::fs::write(other.join("README.md"), "hi").unwrap();
    assert!(git(&other, &["add", "."]).status.success());
    let commit = git(&other, &["commit", "-qm", "docs"]);
    assert!(commit.status.success(), "{}", stderr(&commit));
    assert!(
        stderr(&commit).contains("no Postman files staged"),
        "{}",
        stderr(&commit)
    );
}

#[test]
fn pre_push_checks_the_pushed_commits_not_the_working_tree() {
    let (_d, root) = repo_with_remote();
    install(&root, "pre-push");
    // A broken collection committed, then fixed in the working tree only: the push stops.
    let file = root.join("api.json");
    copy_writable(&fixture("collections/v21-2space-bearer.json"), &file);
    assert!(git(&root, &["add", "."]).status.success());
    assert!(git(&root, &["commit", "-qm", "broken"]).status.success());
    bin()
        .args(["refresh", "--token-var", "token"])
        .arg(&file)
        .assert()
        .success();
    let push = git(&root, &["push", "-q", "origin", "main"]);
    assert!(!push.status.success(), "a broken commit was pushed");
    assert!(stderr(&push).contains("api.json (in "), "{}", stderr(&push));
    // Committed: the push goes through.
    assert!(git(&root, &["commit", "-qam", "fixed"]).status.success());
    let push = git(&root, &["push", "-q", "origin", "main"]);
    assert!(push.status.success(), "{}", stderr(&push));
    // A broken file that is not committed does not block an unrelated push.
    copy_writable(&fixture("collections/v21-2space-bearer.json"), &file);
    std::fs::write(root.join("notes.txt"), "n").unwrap();
    assert!(git(&root, &["add", "notes.txt"]).status.success());
    assert!(git(&root, &["commit", "-qm", "notes"]).status.success());
    let push = git(&root, &["push", "-q", "origin", "main"]);
    assert!(push.status.success(), "{}", stderr(&push));
    assert!(
        stderr(&push).contains("changes no Postman collection"),
        "{}",
        stderr(&push)
    );
}

#[test]
fn hooks_run_without_the_tool_on_path_and_say_what_to_do_when_it_is_gone() {
    let (_d, root) = repo();
    install(&root, "pre-commit");
    let bare_path = "/usr/bin:/bin";
    with_token(&root, "api.json", &jwt_expiring_in(3600));
    assert!(git(&root, &["add", "."]).status.success());
    let commit = git_with_path(&root, &["commit", "-qm", "leak"], bare_path);
    assert!(!commit.status.success());
    assert!(
        stderr(&commit).contains("a live token"),
        "{}",
        stderr(&commit)
    );
    // The recorded binary is gone and PATH has none: the message says what to do.
    let hook = root.join(".git/hooks/pre-commit");
    let script = std::fs::read_to_string(&hook).unwrap();
    let exe = assert_cmd::cargo::cargo_bin("postman-cognito");
    let exe = std::fs::canonicalize(exe).unwrap();
    let moved = script.replace(&exe.display().to_string(), "/nonexistent/postman-cognito");
    assert_ne!(moved, script, "the hook does not name the binary's path");
    std::fs::write(&hook, moved).unwrap();
    let commit = git_with_path(&root, &["commit", "-qm", "x"], bare_path);
    assert!(!commit.status.success());
    assert!(
        stderr(&commit).contains("cannot find postman-cognito"),
        "{}",
        stderr(&commit)
    );
}

#[test]
fn force_never_loses_the_users_hook() {
    let (_d, root) = repo();
    let hooks = root.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::write(hooks.join("pre-push"), "#!/bin/sh\necho first\n").unwrap();
    for _ in 0..2 {
        bin()
            .current_dir(&root)
            .args(["hook", "install", "pre-push", "--force"])
            .assert()
            .success();
    }
    // A second foreign hook while the first one's backup is there: refused, both kept.
    std::fs::write(hooks.join("pre-push"), "#!/bin/sh\necho second\n").unwrap();
    bin()
        .current_dir(&root)
        .args(["hook", "install", "pre-push", "--force"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("backup"));
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push.postman-cognito-backup")).unwrap(),
        "#!/bin/sh\necho first\n"
    );
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push")).unwrap(),
        "#!/bin/sh\necho second\n"
    );
}

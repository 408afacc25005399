//! Plan, then act (issue 12): every input is read and checked and every edit planned before
//! the sign-in; one bad input means no request to Cognito and no file changed. Also the one
//! loader's errors for every command, `config show` listing every key, and exit 70.

use std::path::Path;

use predicates::prelude::*;

#[allow(unused_imports)]
use crate::support;
use crate::support::fake_http::{Action, FakeHttp};
use crate::support::*;

/// A Cognito that would hand out tokens: it must not be called.
fn idp_not_to_call() -> FakeHttp {
    FakeHttp::start(|_, _| Action::aws_error(500, "InternalErrorException", "must not be called"))
}

fn refresh_signing_in(
    fake: &FakeHttp,
    args: &[&str],
    files: &[&Path],
) -> assert_cmd::assert::Assert {
    bin()
        .arg("refresh")
        .args(["--endpoint-url", &fake.url(), "--flow", "password"])
        .args(args)
        .args(files)
        .env("COGNITO_USER_POOL_ID", "us-east-1_Plan")
        .env("COGNITO_CLIENT_ID", "client")
        .env("COGNITO_USERNAME", "erin")
        .env("COGNITO_PASSWORD", "Secret-Passw0rd!")
        .assert()
}

#[test]
fn a_bad_environment_or_globals_file_stops_the_run_before_the_sign_in() {
    let (d, coll) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let before = std::fs::read(&coll).unwrap();
    let dir = d.path().join("a-folder");
    std::fs::create_dir(&dir).unwrap();
    let invalid = d.path().join("invalid.json");
    std::fs::write(&invalid, "{\"values\": [").unwrap();
    let not_env = d.path().join("notes.json");
    std::fs::write(&not_env, "{\"notes\": 1}").unwrap();
    let other_collection = d.path().join("other.json");
    std::fs::copy(&coll, &other_collection).unwrap();
    let missing_folder = d.path().join("no/such/folder/env.json");
    #[cfg(unix)]
    let link = {
        let l = d.path().join("link.json");
        std::os::unix::fs::symlink(&not_env, &l).unwrap();
        l
    };
    let mut bad: Vec<(&str, &Path, i32)> = vec![
        ("--env-file", &dir, 3),
        ("--env-file", &invalid, 3),
        ("--globals-file", &not_env, 3),
        ("--env-file", &other_collection, 3),
        ("--globals-file", &missing_folder, 4),
    ];
    #[cfg(unix)]
    bad.push(("--env-file", &link, 3));
    for (flag, file, code) in bad {
        let fake = idp_not_to_call();
        let was = std::fs::read(file).ok();
        refresh_signing_in(&fake, &[flag, file.to_str().unwrap()], &[&coll])
            .code(code)
            .stderr(predicate::str::contains(
                file.file_name().unwrap().to_str().unwrap(),
            ));
        assert_eq!(fake.requests(), 0, "{flag} {}: signed in", file.display());
        assert_eq!(std::fs::read(&coll).unwrap(), before, "{}", file.display());
        assert_eq!(std::fs::read(file).ok(), was, "{}", file.display());
    }
}

#[test]
fn a_second_collection_that_cannot_hold_the_token_stops_the_run_before_the_sign_in() {
    let (d, good) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let before = std::fs::read(&good).unwrap();
    for root_auth in ["[]", "{\"type\": \"oauth2\", \"oauth2\": \"x\"}"] {
        let bad = d.path().join("bad.json");
        std::fs::write(
            &bad,
            format!(
                "{{\"info\": {{\"name\": \"b\", \"schema\": \"https://schema.getpostman.com/json/collection/v2.1.0/collection.json\"}}, \"auth\": {root_auth}, \"item\": []}}"
            ),
        )
        .unwrap();
        let bad_before = std::fs::read(&bad).unwrap();
        let fake = idp_not_to_call();
        refresh_signing_in(&fake, &[], &[&good, &bad])
            .code(3)
            .stderr(predicate::str::contains("bad.json:1:"));
        assert_eq!(fake.requests(), 0, "{root_auth}: signed in");
        assert_eq!(std::fs::read(&good).unwrap(), before);
        assert_eq!(std::fs::read(&bad).unwrap(), bad_before);
    }
}

#[test]
fn token_var_alone_needs_no_token_source() {
    let (_d, coll) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    bin()
        .args(["refresh", "--token-var", "token"])
        .arg(&coll)
        .assert()
        .success();
    let text = std::fs::read_to_string(&coll).unwrap();
    assert!(text.contains("\"{{token}}\""), "{text}");
}

#[test]
fn every_command_loads_files_alike() {
    let d = tempfile::tempdir().unwrap();
    for cmd in [
        &["check"][..],
        &["scrub"],
        &["scrub", "--check"],
        &["refresh"],
    ] {
        bin()
            .args(cmd)
            .arg(d.path())
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .assert()
            .code(3)
            .stderr(predicate::str::contains(
                "is a folder, not a collection file",
            ))
            .stderr(predicate::str::contains("hint:"));
        bin()
            .args(cmd)
            .arg(d.path().join("missing.json"))
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .assert()
            .code(4)
            .stderr(predicate::str::contains("missing.json: no such file"));
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_not_waited_on() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("api.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for cmd in ["check", "scrub", "refresh"] {
        bin()
            .arg(cmd)
            .arg(&fifo)
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(3)
            .stderr(predicate::str::contains("not a regular file"));
    }
}

#[test]
fn scrub_refuses_a_token_var_in_braces_as_refresh_does() {
    let (_d, coll) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let before = std::fs::read(&coll).unwrap();
    for cmd in ["scrub", "refresh"] {
        bin()
            .args([cmd, "--token-var", "{{x}}"])
            .arg(&coll)
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("bare variable name"));
        assert_eq!(std::fs::read(&coll).unwrap(), before);
    }
}

#[test]
fn config_show_lists_every_key_including_the_collection_ones() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    std::fs::write(
        d.path().join("postman-cognito.toml"),
        "[profile.default]\ninherit = \"all\"\nkeep = [\"$.item[0]\"]\nheader_prefix = \"\"\n\
         collections = \"*.json\"\nbrowser_timeout = \"2m\"\nidp_identifier = \"example.com\"\n\
         attributes = [\"given_name=Dana\", \"family_name=Lee\"]\ntoken_var = \"tok\"\n",
    )
    .unwrap();
    let out = bin()
        .current_dir(d.path())
        .args(["config", "show", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["settings"].as_array().unwrap();
    let get = |k: &str| {
        rows.iter()
            .find(|r| r["key"] == k)
            .unwrap_or_else(|| panic!("{k}"))
    };
    for key in [
        "inherit",
        "keep",
        "header_prefix",
        "collections",
        "browser_timeout",
        "idp_identifier",
        "attributes",
        "token_var",
    ] {
        assert_eq!(get(key)["origin"]["kind"], "profile", "{key}: {}", get(key));
    }
    assert_eq!(get("inherit")["value"], "all");
    assert_eq!(get("browser_timeout")["value"], "2m");
    assert_eq!(
        get("attributes")["value"],
        "given_name=Dana, family_name=Lee"
    );
    assert_eq!(get("identity_provider")["origin"]["kind"], "unset");
    assert_eq!(get("retries")["origin"]["kind"], "default");
    assert_eq!(get("token_var")["value"], "tok");
    // Every key of the settings table, once.
    let keys: Vec<&str> = rows.iter().map(|r| r["key"].as_str().unwrap()).collect();
    let table: Vec<&str> = postman_cognito::keys::ALL.iter().map(|k| k.name).collect();
    assert_eq!(keys, table);
}

/// Exit 70: a bug. The only way to provoke one on purpose is a debug-build switch (release
/// builds ignore it); what is tested is that a panic becomes exit 70 with one line, not 101.
#[test]
fn a_panic_is_exit_70_with_one_line() {
    let (_d, coll) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let out = bin()
        .arg("refresh")
        .arg(&coll)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .env("POSTMAN_COGNITO_DEBUG_PANIC", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(70));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("postman-cognito: error: internal error at "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains(TOKEN));
}

/// A closed stderr is no reason to panic (exit 101) after the file was written.
#[cfg(unix)]
#[test]
fn a_closed_stderr_does_not_panic() {
    let (_d, coll) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" refresh \"$1\" 2>&-")
        .arg(assert_cmd::cargo::cargo_bin("postman-cognito"))
        .arg(&coll)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(std::fs::read_to_string(&coll).unwrap().contains(TOKEN));
}

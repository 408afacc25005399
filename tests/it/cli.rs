//! The binary's contract: exit codes, messages that name the file and the place, files left
//! untouched on every failure, --check / --diff / --json / --output, and no token in output.

use std::fs;
use std::path::Path;

#[allow(unused_imports)]
use crate::support;
use crate::support::*;
use predicates::prelude::*;

fn refresh_env(files: &[&Path], extra: &[&str]) -> assert_cmd::assert::Assert {
    bin()
        .arg("refresh")
        .args(extra)
        .args(files)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
}

fn no_token_in(out: &[u8]) {
    let text = String::from_utf8_lossy(out);
    assert!(!text.contains(TOKEN), "the token leaked: {text}");
}

#[test]
fn bad_input_is_refused_with_file_place_and_exit_3_and_left_untouched() {
    // (fixture, what the message says, line:col of the problem or "" for none)
    let cases = [
        ("empty.json", "the file is empty", ":1:1:"),
        ("not-json.json", "expected a JSON value, found 'n'", ":1:1:"),
        ("truncated.json", "truncated", ":7:15:"),
        ("environment.json", "environment or globals file", ":1:1:"),
        ("array.json", "found an array at the top level", ":1:1:"),
        ("v1-collection.json", "v1 collection", ":1:1:"),
        ("no-schema.json", "no \"schema\"", ":2:11:"),
        (
            "unknown-schema.json",
            "only collection formats v2.0.0 and v2.1.0",
            ":1:34:",
        ),
        ("lone-surrogate.json", "lone surrogate", ":1:24:"),
        ("invalid-utf8.json", "invalid UTF-8", ":1:23:"),
        ("duplicate-keys.json", "\"type\" appears twice", ":2:29:"),
        ("deep-nesting.json", "nested deeper than 512 levels", ":1:"),
        ("root-auth-string.json", "\"auth\" is a string", ":1:"),
        ("item-not-array.json", "\"item\" is an object", ":1:"),
        ("trailing-comma.json", "a key in double quotes", ":1:"),
    ];
    assert_eq!(
        cases.len(),
        fixtures_in("bad").len(),
        "every bad fixture has a case"
    );
    for (name, says, place) in cases {
        let (_dir, file) = temp_copy(&fixture(&format!("bad/{name}")));
        let before = fs::read(&file).unwrap();
        let mtime = fs::metadata(&file).unwrap().modified().unwrap();
        let out = refresh_env(&[&file], &[]).code(3).get_output().clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(name),
            "{name}: the message names the file: {err}"
        );
        assert!(err.contains(says), "{name}: {err}");
        assert!(
            err.contains(&format!("{name}{place}")),
            "{name}: place {place}: {err}"
        );
        assert!(
            err.contains("hint:"),
            "{name}: a hint says what to do: {err}"
        );
        assert_eq!(fs::read(&file).unwrap(), before, "{name} changed");
        assert_eq!(fs::metadata(&file).unwrap().modified().unwrap(), mtime);
        assert_eq!(
            fs::read_dir(_dir.path()).unwrap().count(),
            1,
            "{name}: a file was left behind"
        );
    }
}

#[test]
fn one_bad_file_stops_the_run_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    let bad = dir.path().join("bad.json");
    fs::copy(fixture("collections/v21-tabs-oauth2.json"), &good).unwrap();
    fs::copy(fixture("bad/truncated.json"), &bad).unwrap();
    let before = fs::read(&good).unwrap();
    refresh_env(&[&good, &bad], &[]).code(3);
    assert_eq!(fs::read(&good).unwrap(), before);
}

#[test]
fn folders_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    refresh_env(&[dir.path()], &[])
        .code(3)
        .stderr(predicate::str::contains("is a folder"));
    refresh_env(&[&dir.path().join("nope.json")], &[])
        .code(4)
        .stderr(predicate::str::contains("nope.json: no such file"));
}

#[test]
fn usage_errors_exit_2() {
    let f = fixture("collections/v21-tabs-oauth2.json");
    // No token at all.
    bin()
        .args(["refresh"])
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no token"));
    // No collection.
    bin()
        .args(["refresh"])
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .code(2);
    // Unknown flag, bad enum value.
    refresh_env(&[&f], &["--inherit", "some"]).code(2);
    refresh_env(&[&f], &["--token", "x"]).code(2);
    // --output with two files.
    refresh_env(&[&f, &f], &["-o", "x.json"])
        .code(2)
        .stderr(predicate::str::contains("exactly one"));
    // Empty token on stdin.
    bin()
        .args(["refresh", "--token-stdin"])
        .arg(&f)
        .write_stdin("\n")
        .assert()
        .code(2);
    // --keep that matches nothing, and one that is not JSONPath.
    let (_d, copy) = temp_copy(&f);
    let before = fs::read(&copy).unwrap();
    refresh_env(&[&copy], &["--keep", "$..item[?(@.name == 'No such')]"])
        .code(2)
        .stderr(predicate::str::contains("matches no folder or request"));
    refresh_env(&[&copy], &["--keep", "$.item["])
        .code(2)
        .stderr(predicate::str::contains("not a valid JSONPath"));
    refresh_env(&[&copy], &["--keep", "$"])
        .code(2)
        .stderr(predicate::str::contains("--inherit none"));
    assert_eq!(fs::read(&copy).unwrap(), before);
}

#[test]
fn token_from_stdin_and_env_precedence() {
    let (_d, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    bin()
        .args(["refresh", "--token-stdin"])
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", "from-env-not-used")
        .write_stdin(format!("{TOKEN}\n"))
        .assert()
        .success()
        .stderr(predicate::str::contains("updated"));
    let text = fs::read_to_string(&file).unwrap();
    assert!(text.contains(TOKEN) && !text.contains("from-env-not-used"));
}

#[test]
fn check_mode_exits_1_and_writes_nothing_then_0_when_current() {
    let (_d, file) = temp_copy(&fixture("collections/v20-tabs-oauth2.json"));
    let before = fs::read(&file).unwrap();
    let out = refresh_env(&[&file], &["--check", "--diff"])
        .code(1)
        .get_output()
        .clone();
    assert_eq!(fs::read(&file).unwrap(), before);
    let diff = String::from_utf8_lossy(&out.stdout);
    let name = file.display().to_string();
    assert!(
        diff.starts_with(&format!("--- {name}\n+++ {name}\n@@ ")),
        "{diff}"
    );
    assert!(
        diff.contains("-\t\t\t\"accessToken\": \"{{idToken}}\","),
        "{diff}"
    );
    assert!(
        diff.contains("+\t\t\t\"accessToken\": \"<new token>\","),
        "{diff}"
    );
    assert!(
        diff.contains("-\t\t\t\t\t\t\t\t\"accessToken\": \"stale-A1 oauth2\","),
        "{diff}"
    );
    no_token_in(&out.stdout);
    no_token_in(&out.stderr);
    refresh_env(&[&file], &[]).success();
    refresh_env(&[&file], &["--check"])
        .code(0)
        .stderr(predicate::str::contains("unchanged"));
}

#[test]
fn json_report_describes_each_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    copy_writable(
        &shared("real-collections/07_paypal__PayPal_Checkout_Flows.v2.0.0.json"),
        &a,
    );
    fs::copy(fixture("collections/v21-2space-bearer.json"), &b).unwrap();
    let out = refresh_env(&[&a, &b], &["--json"])
        .success()
        .get_output()
        .clone();
    no_token_in(&out.stdout);
    no_token_in(&out.stderr);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    // Issue 17: a stable value, the words apart.
    assert_eq!(report["token"]["source"], "environment");
    assert_eq!(report["token"]["message"], "POSTMAN_COGNITO_TOKEN");
    assert_eq!(
        (report["version"].as_u64(), report["command"].as_str()),
        (Some(1), Some("refresh"))
    );
    let paypal = &files[0];
    assert_eq!(paypal["status"], "updated");
    assert_eq!(paypal["format"], "v2.0.0");
    assert_eq!(paypal["root_auth_before"], "bearer");
    assert_eq!(paypal["requests_inheriting"], 12);
    let kept: Vec<&str> = paypal["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        kept.iter().filter(|r| r.contains("basic")).count(),
        3,
        "{kept:?}"
    );
    assert_eq!(
        kept.iter().filter(|r| r.contains("noauth")).count(),
        7,
        "{kept:?}"
    );
}

#[test]
fn output_goes_elsewhere_and_the_input_stays() {
    let (dir, file) = temp_copy(&fixture("collections/v21-4space-no-auth.json"));
    let before = fs::read(&file).unwrap();
    let out = dir.path().join("out.json");
    refresh_env(&[&file], &["-o", out.to_str().unwrap()]).success();
    assert_eq!(fs::read(&file).unwrap(), before);
    assert!(fs::read_to_string(&out).unwrap().contains(TOKEN));
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_and_modes_kept() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    fs::set_permissions(&file, fs::Permissions::from_mode(0o604)).unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&file, &link).unwrap();
    refresh_env(&[&link], &[]).success();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(fs::read_to_string(&file).unwrap().contains(TOKEN));
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o604
    );
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temp file left"
    );
}

#[test]
fn help_lists_every_flag() {
    let out = bin()
        .args(["refresh", "--help"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    for flag in [
        "--token-stdin",
        "--header-prefix",
        "--inherit",
        "--keep",
        "--check",
        "--diff",
        "--json",
        "--output",
    ] {
        assert!(text.contains(flag), "{flag} missing from --help");
    }
}

#[test]
fn parallel_runs_with_different_tokens_leave_the_file_whole_with_one_of_them() {
    let (dir, file) = temp_copy(&fixture("collections/v21-crlf-bom-duplicates.json"));
    let tokens: Vec<String> = (0..8).map(|i| format!("{TOKEN}{i}")).collect();
    let children: Vec<_> = tokens
        .iter()
        .map(|t| {
            std_bin()
                .args(["refresh"])
                .arg(&file)
                .env("POSTMAN_COGNITO_TOKEN", t)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let doc = parse(&fs::read(&file).unwrap());
    let written = access_token(&doc);
    assert!(tokens.contains(&written));
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}

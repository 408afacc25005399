//! Issue 17 (in part): shell completion that works past the first word, driven in a real bash.

use std::process::Command;

#[allow(unused_imports)]
use crate::support;
use crate::support::*;

/// What bash completes for the words `line` (the last one being completed).
fn bash_completes(script: &str, line: &[&str]) -> Vec<String> {
    bash_completes_in(script, line, std::path::Path::new("."))
}

/// The same in folder `dir`, with the binary on PATH (completion asks it for profile names).
fn bash_completes_in(script: &str, line: &[&str], dir: &std::path::Path) -> Vec<String> {
    let words = line
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let program = format!(
        "{script}\nCOMP_WORDS=({words}); COMP_CWORD={}; COMP_LINE=\"${{COMP_WORDS[*]}}\"; \
         COMP_POINT=${{#COMP_LINE}}; _postman__cognito postman-cognito \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        line.len() - 1
    );
    let bin_dir = assert_cmd::cargo::cargo_bin("postman-cognito")
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(program)
        .env("PATH", path)
        .env("HOME", dir)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_past_the_first_word() {
    let out = bin().args(["completions", "bash"]).output().unwrap();
    let script = String::from_utf8(out.stdout).unwrap();
    let got = bash_completes(&script, &["postman-cognito", "refresh", "--fl"]);
    assert_eq!(got, vec!["--flow"], "refresh --fl");
    let got = bash_completes(&script, &["postman-cognito", "refresh", "--flow", ""]);
    for flow in [
        "srp",
        "password",
        "refresh",
        "browser",
        "client-credentials",
    ] {
        assert!(got.contains(&flow.to_string()), "--flow: {got:?}");
    }
    let got = bash_completes(&script, &["postman-cognito", "hook", "install", ""]);
    assert!(
        got.contains(&"pre-push".to_string()) && got.contains(&"pre-commit".to_string()),
        "{got:?}"
    );
    let got = bash_completes(&script, &["postman-cognito", "completions", ""]);
    assert!(
        got.contains(&"bash".to_string()) && got.contains(&"zsh".to_string()),
        "{got:?}"
    );
    let got = bash_completes(&script, &["postman-cognito", "ex"]);
    assert_eq!(got, vec!["exec"]);
    // Profile names come from the config file found from the working folder.
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    std::fs::write(
        d.path().join("postman-cognito.toml"),
        "[profile.ci]\n[profile.staging]\n[profile.default]\n",
    )
    .unwrap();
    let got = bash_completes_in(
        &script,
        &["postman-cognito", "refresh", "--profile", "s"],
        d.path(),
    );
    assert_eq!(got, vec!["staging"]);
    let got = bash_completes_in(
        &script,
        &["postman-cognito", "token", "--profile", ""],
        d.path(),
    );
    assert_eq!(got, vec!["ci", "default", "staging"]);
}

#[test]
fn every_error_has_one_prefix() {
    use predicates::prelude::*;
    bin()
        .args(["refresh", "--nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "postman-cognito: error: unexpected argument",
        ));
}

#[test]
fn a_pool_id_is_taken_from_its_arn_and_trimmed_and_a_bad_one_is_explained() {
    use predicates::prelude::*;
    let d = tempfile::tempdir().unwrap();
    for given in [
        " us-east-1_AbC123 ",
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123",
    ] {
        let v = shown_with(d.path(), &["--user-pool-id", given], &[]);
        assert_eq!(v["user_pool_id"]["value"], "us-east-1_AbC123", "{given}");
        assert_eq!(v["region"]["value"], "us-east-1");
    }
    bin()
        .current_dir(d.path())
        .args([
            "token",
            "--user-pool-id",
            "useast1AbC",
            "--client-id",
            "c",
            "--username",
            "u",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "it looks like us-east-1_AbCdEf123",
        ));
}

#[test]
fn plain_words_for_jsonpath_config_and_empty_secrets() {
    use predicates::prelude::*;
    let (_d, coll) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    for (path, words) in [
        ("item[0]", "a JSONPath starts with $"),
        ("$.item[0", "a [ is not closed"),
    ] {
        bin()
            .args(["refresh", "--keep", path])
            .arg(&coll)
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(words))
            .stderr(predicate::str::contains("jp_query").not());
    }
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    let config = d.path().join("postman-cognito.toml");
    std::fs::write(&config, "[profile.default]\nflow = \"SRP\"\n").unwrap();
    bin()
        .current_dir(d.path())
        .args(["config", "show"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("secrets are never values").not());
    std::fs::write(&config, "[profile.default]\npassword = \"hunter2\"\n").unwrap();
    bin()
        .current_dir(d.path())
        .args(["config", "show"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("secrets are never values"))
        .stderr(predicate::str::contains("hunter2").not());
    let empty = tempfile::tempdir().unwrap();
    bin()
        .current_dir(empty.path())
        .args([
            "token",
            "--user-pool-id",
            "us-east-1_AbC",
            "--client-id",
            "c",
            "--username",
            "u",
        ])
        .args(["--endpoint-url", "http://127.0.0.1:9"])
        .env("COGNITO_PASSWORD", "")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "COGNITO_PASSWORD is set but empty",
        ));
}

#[test]
fn global_options_go_before_or_after_the_command_and_quiet_is_quiet() {
    use predicates::prelude::*;
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    std::fs::write(
        d.path().join("postman-cognito.toml"),
        "[profile.ci]\nuser_pool_id = \"eu-west-1_Ci\"\n",
    )
    .unwrap();
    for args in [
        &["--profile", "ci", "config", "show"][..],
        &["config", "show", "--profile", "ci"],
        &["-v", "config", "show", "--profile=ci"],
    ] {
        bin()
            .current_dir(d.path())
            .args(args)
            .assert()
            .success()
            .stdout(predicate::str::contains("eu-west-1_Ci"));
    }
    // --quiet: nothing on stderr on success; problems still shown.
    let (_c, coll) = temp_copy(&fixture("collections/v21-2space-bearer.json"));
    bin()
        .args(["-q", "refresh"])
        .arg(&coll)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .success()
        .stderr("");
    let (_c2, broken) = temp_copy(&fixture("collections/v21-2space-bearer.json"));
    bin()
        .args(["check", "--quiet"])
        .arg(&broken)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not inherit"));
    bin()
        .args(["-q", "-v", "check"])
        .arg(&broken)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("postman-cognito: error:"));
}

#[test]
fn help_and_a_man_page_per_command_name_the_environment_and_exit_codes() {
    let out = bin().args(["refresh", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needed in [
        "COGNITO_CLIENT_SECRET",
        "COGNITO_TOTP_SECRET",
        "EXIT STATUS",
        "127",
    ] {
        assert!(help.contains(needed), "refresh --help lacks {needed}");
    }
    let d = tempfile::tempdir().unwrap();
    bin()
        .args(["man", "--dir"])
        .arg(d.path())
        .assert()
        .success();
    let pages = [
        "",
        "-refresh",
        "-exec",
        "-token",
        "-check",
        "-scrub",
        "-hook",
        "-config",
        "-cache",
        "-hook-install",
        "-hook-run",
        "-config-show",
        "-cache-clear",
    ];
    for cmd in pages {
        let page = std::fs::read_to_string(d.path().join(format!("postman-cognito{cmd}.1")))
            .unwrap_or_else(|_| panic!("no page for postman-cognito{cmd}"));
        let leaf = !["", "-hook", "-config", "-cache"].contains(&cmd);
        let first = if leaf {
            ".SH OPTIONS"
        } else {
            ".SH SUBCOMMANDS"
        };
        for section in [
            first,
            ".SH \"ENVIRONMENT\"",
            ".SH \"EXIT STATUS\"",
            ".SH \"FILES\"",
        ] {
            assert!(
                page.contains(section),
                "postman-cognito{cmd}.1 lacks {section}"
            );
        }
    }
    // The top page names only pages that exist.
    let top = std::fs::read_to_string(d.path().join("postman-cognito.1")).unwrap();
    for name in top.split("postman\\-cognito\\-").skip(1) {
        let name: String = name
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if !name.is_empty() && name != "help" {
            assert!(
                d.path().join(format!("postman-cognito-{name}.1")).exists(),
                "the top page names postman-cognito-{name}(1), which is not written"
            );
        }
    }
}

#[test]
fn profile_settings_are_named_as_such_and_config_show_says_where_it_looked() {
    use predicates::prelude::*;
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    std::fs::write(
        d.path().join("postman-cognito.toml"),
        "[profile.default]\ninherit = \"all\"\nkeep = [\"$.item[0]\"]\n",
    )
    .unwrap();
    let (_c, coll) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    bin()
        .current_dir(d.path())
        .arg("refresh")
        .arg(&coll)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "matched by keep in profile default in",
        ))
        .stderr(predicate::str::contains("matched by --keep").not());
    let empty = tempfile::tempdir().unwrap();
    bin()
        .current_dir(empty.path())
        .args(["config", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "none found (looked for postman-cognito.toml",
        ));
}

#[test]
fn plain_http_to_a_named_emulator_needs_its_own_opt_in_and_never_a_cognito_host() {
    use predicates::prelude::*;
    let d = tempfile::tempdir().unwrap();
    let base = [
        "token",
        "--user-pool-id",
        "us-east-1_AbC",
        "--client-id",
        "c",
        "--username",
        "u",
    ];
    bin()
        .current_dir(d.path())
        .args(base)
        .args(["--endpoint-url", "http://cognito-local:9229/"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--allow-http-host"));
    bin()
        .current_dir(d.path())
        .args(base)
        .args([
            "--endpoint-url",
            "http://cognito-idp.us-east-1.amazonaws.com/",
        ])
        .args(["--allow-http-host", "cognito-idp.us-east-1.amazonaws.com"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "never allowed to a real Cognito host",
        ));
    // Allowed: the settings are accepted (config show), for that host alone.
    let out = bin()
        .current_dir(d.path())
        .args([
            "config",
            "show",
            "--json",
            "--endpoint-url",
            "http://cognito-local:9229/",
        ])
        .args([
            "--allow-http-host",
            "cognito-local",
            "--user-pool-id",
            "local_AbC",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    bin()
        .current_dir(d.path())
        .args(["config", "show", "--endpoint-url", "http://other:9229/"])
        .args([
            "--allow-http-host",
            "cognito-local",
            "--user-pool-id",
            "local_AbC",
        ])
        .assert()
        .code(2);
}

/// `config show --json` in `dir` with `envs`: the rows by key.
fn shown(dir: &std::path::Path, envs: &[(&str, &str)]) -> serde_json::Value {
    shown_with(dir, &[], envs)
}

/// [`shown`] with more arguments after `config show --json`.
fn shown_with(dir: &std::path::Path, args: &[&str], envs: &[(&str, &str)]) -> serde_json::Value {
    let mut c = bin();
    c.current_dir(dir)
        .args(["config", "show", "--json"])
        .args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut rows = serde_json::Map::new();
    for r in v["settings"].as_array().unwrap() {
        rows.insert(r["key"].as_str().unwrap().to_string(), r.clone());
    }
    rows.insert("config_file".into(), v["config_file"].clone());
    serde_json::Value::Object(rows)
}

#[test]
fn aws_config_endpoints_a_user_config_and_postman_cognito_config() {
    let d = tempfile::tempdir().unwrap();
    let aws = d.path().join("aws-config");
    std::fs::write(
        &aws,
        "[profile dev]\nservices = local\n[services local]\ncognito_identity_provider =\n  endpoint_url = http://127.0.0.1:9229\n",
    )
    .unwrap();
    let a = aws.to_str().unwrap();
    let v = shown(d.path(), &[("AWS_CONFIG_FILE", a), ("AWS_PROFILE", "dev")]);
    assert_eq!(v["endpoint_url"]["value"], "http://127.0.0.1:9229");
    assert_eq!(v["endpoint_url"]["origin"]["kind"], "aws-config");
    let v = shown(
        d.path(),
        &[
            ("AWS_CONFIG_FILE", a),
            ("AWS_PROFILE", "dev"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
        ],
    );
    assert_eq!(
        v["endpoint_url"]["origin"]["kind"], "derived",
        "{}",
        v["endpoint_url"]
    );
    // The user's own config lies below the project's: the project's keys win.
    let xdg = d.path().join("xdg");
    std::fs::create_dir_all(xdg.join("postman-cognito")).unwrap();
    std::fs::write(
        xdg.join("postman-cognito/config.toml"),
        "[profile.default]\nusername = \"me\"\nclient_id = \"user-client\"\n",
    )
    .unwrap();
    let project = d.path().join("project");
    std::fs::create_dir_all(project.join(".git")).unwrap();
    std::fs::write(
        project.join("postman-cognito.toml"),
        "[profile.default]\nclient_id = \"team-client\"\n",
    )
    .unwrap();
    let x = xdg.to_str().unwrap();
    let v = shown(&project, &[("XDG_CONFIG_HOME", x)]);
    assert_eq!(v["client_id"]["value"], "team-client");
    assert_eq!(v["username"]["value"], "me");
    // POSTMAN_COGNITO_CONFIG names the file, as --config does.
    let named = d.path().join("named.toml");
    std::fs::write(&named, "[profile.default]\nclient_id = \"named-client\"\n").unwrap();
    let v = shown(
        &project,
        &[("POSTMAN_COGNITO_CONFIG", named.to_str().unwrap())],
    );
    assert_eq!(v["client_id"]["value"], "named-client");
}

#[test]
fn every_json_document_fits_the_schema_failures_included() {
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(repo().join("schema/postman-cognito.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let (d, coll) = temp_copy(&fixture("collections/v21-2space-bearer.json"));
    let env = d.path().join("ci.postman_environment.json");
    let missing = d.path().join("missing.json");
    let runs: Vec<(Vec<String>, &str, &str, i32)> = vec![
        (
            vec![
                "refresh".into(),
                "--json".into(),
                "--check".into(),
                coll.display().to_string(),
            ],
            "refresh",
            "would-change",
            1,
        ),
        (
            vec![
                "refresh".into(),
                "--json".into(),
                "--env-file".into(),
                env.display().to_string(),
                coll.display().to_string(),
            ],
            "refresh",
            "updated",
            0,
        ),
        (
            vec![
                "refresh".into(),
                "--json".into(),
                missing.display().to_string(),
            ],
            "refresh",
            "failed",
            4,
        ),
        (
            vec!["check".into(), "--json".into(), coll.display().to_string()],
            "check",
            "ok",
            0,
        ),
        (
            vec![
                "check".into(),
                "--json".into(),
                missing.display().to_string(),
            ],
            "check",
            "failed",
            4,
        ),
        (
            vec![
                "scrub".into(),
                "--json".into(),
                "--check".into(),
                coll.display().to_string(),
            ],
            "scrub",
            "clean",
            0,
        ),
        (
            vec![
                "scrub".into(),
                "--json".into(),
                "--check".into(),
                env.display().to_string(),
            ],
            "scrub",
            "tokens-found",
            1,
        ),
        (vec!["token".into(), "--json".into()], "token", "failed", 2),
        (
            vec!["config".into(), "show".into(), "--json".into()],
            "config-show",
            "ok",
            0,
        ),
    ];
    for (args, command, status, code) in runs {
        let out = bin()
            .current_dir(d.path())
            .args(&args)
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: stdout is not one JSON document ({e})"));
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{args:?}: {errors:?}\n{doc:#}");
        assert_eq!(
            (doc["command"].as_str(), doc["status"].as_str()),
            (Some(command), Some(status)),
            "{args:?}"
        );
        assert_eq!(doc["exit_code"], code, "{args:?}");
        assert!(
            !doc.to_string().contains(TOKEN) || command == "token",
            "{args:?}"
        );
    }
    // A live token found by scrub --check --json: each with its line and column.
    bin()
        .args(["refresh"])
        .arg(&coll)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .success();
    let out = bin()
        .args(["scrub", "--check", "--json"])
        .arg(&coll)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(validator.is_valid(&doc), "{doc:#}");
    assert_eq!(doc["status"], "tokens-found");
    assert!(doc["files"][0]["tokens"][0]["line"].as_u64().unwrap() > 1);
}

#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_the_wait_is_shown_and_nowhere_else() {
    use crate::support::fake_http::{Action, FakeHttp};
    let hang = FakeHttp::start(|_, _| Action::Hang);
    let bin_path = assert_cmd::cargo::cargo_bin("postman-cognito");
    let args = format!(
        "{} token --flow password --user-pool-id us-east-1_AbC --client-id c --username u \
         --endpoint-url {} --timeout 1s --retries 1",
        bin_path.display(),
        hang.url()
    );
    // script(1) gives the command a terminal and copies what it shows.
    let d = tempfile::tempdir().unwrap();
    let out = Command::new("script")
        .args(["-qec", &args, "/dev/null"])
        .env("COGNITO_PASSWORD", "p")
        .env("HOME", d.path())
        .env("XDG_CACHE_HOME", d.path().join("cache"))
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("waiting for Cognito (InitiateAuth at"),
        "{shown}"
    );
    assert!(shown.contains("try 2 of 2, up to 1s each"), "{shown}");
    assert!(shown.contains("after 2 tries of up to 1s each"), "{shown}");
    // Not a terminal: no status line, only the error.
    let out = bin()
        .args(args.split_whitespace().skip(1))
        .env("COGNITO_PASSWORD", "p")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("waiting for Cognito") && !err.contains('\r'),
        "{err}"
    );
    assert!(err.contains("after 2 tries"), "{err}");
}

/// The guides in docs/ (not only the generated reference) explain every flag that `--help`
/// lists, for every command.
#[test]
fn the_guides_name_every_flag_of_every_command() {
    let mut readme = String::new();
    for e in std::fs::read_dir(repo().join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") && !p.ends_with("reference.md") {
            readme.push_str(&std::fs::read_to_string(&p).unwrap());
        }
    }
    let commands: &[&[&str]] = &[
        &[],
        &["refresh"],
        &["exec"],
        &["token"],
        &["check"],
        &["scrub"],
        &["config", "show"],
        &["config", "profiles"],
        &["cache", "clear"],
        &["hook", "install"],
        &["hook", "uninstall"],
        &["hook", "run"],
        &["completions"],
        &["man"],
    ];
    let mut missing = Vec::new();
    let mut checked = 0;
    for cmd in commands {
        let out = bin().args(*cmd).arg("--help").output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        // The options part only (the text after it names variables, not flags).
        let options = help.split("ENVIRONMENT:").next().unwrap_or("");
        for word in options.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
            let Some(flag) = word.strip_prefix("--") else {
                continue;
            };
            if flag.is_empty() || flag == "help" || flag == "version" {
                continue;
            }
            checked += 1;
            if !readme.contains(&format!("--{flag}")) {
                missing.push(format!("{} --{flag}", cmd.join(" ")));
            }
        }
    }
    assert!(checked > 100, "only {checked} flags were read from --help");
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "flags in --help that no guide in docs/ names: {missing:?}"
    );
}

//! Issue 24: one seam per axis. What users see does not change, but where the issue says so:
//! one YAML reader (exec's environment errors are refresh's), ...

use predicates::prelude::*;

#[allow(unused_imports)]
use crate::support;
use crate::support::*;

/// 24.4: one duplicate key gave `file:5:5` in refresh and "not JSON nor YAML" in exec.
#[test]
fn exec_and_refresh_read_an_environment_with_the_same_reader_and_errors() {
    let d = tempfile::tempdir().unwrap();
    let env = d.path().join("staging.environment.yaml");
    std::fs::write(
        &env,
        "name: staging\nvalues:\n  - key: a\n    value: 1\n    value: 2\n",
    )
    .unwrap();
    let (_c, coll) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let place = format!("{}:5:5", env.display());
    bin()
        .args(["refresh", "--token-var", "token", "--env-file"])
        .arg(&env)
        .arg(&coll)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(&place));
    bin()
        .args(["exec", "--", "newman", "run"])
        .arg(&coll)
        .arg("-e")
        .arg(&env)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(&place));
}

/// 24.6: --token-var could not be set in a profile, nor seen in `config show`.
#[test]
fn token_var_in_a_profile_is_used_by_refresh_and_scrub() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    std::fs::write(
        d.path().join("postman-cognito.toml"),
        "[profile.default]\ntoken_var = \"tok\"\n",
    )
    .unwrap();
    let coll = d.path().join("api.json");
    copy_writable(&fixture("collections/v21-tabs-oauth2.json"), &coll);
    // refresh writes {{tok}}, offline (no token source is needed for a variable).
    bin()
        .current_dir(d.path())
        .args(["refresh", "api.json"])
        .assert()
        .success();
    assert_eq!(
        access_token(&parse(&std::fs::read(&coll).unwrap())),
        "{{tok}}"
    );
    // scrub replaces a token with {{tok}}.
    let env = d.path().join("e.postman_environment.json");
    std::fs::write(
        &env,
        serde_json::json!({"values": [{"key": "a", "value": TOKEN}]}).to_string(),
    )
    .unwrap();
    let mut doc = parse(&std::fs::read(&coll).unwrap());
    doc["variable"] = serde_json::json!([{"key": "v", "value": TOKEN}]);
    std::fs::write(&coll, doc.to_string()).unwrap();
    bin()
        .current_dir(d.path())
        .args(["scrub", "api.json"])
        .assert()
        .success();
    assert_eq!(
        parse(&std::fs::read(&coll).unwrap())["variable"][0]["value"],
        "{{tok}}"
    );
}

/// Every command's path ("config show") and its help.
fn every_command() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut todo = vec![(String::new(), postman_cognito::cli::command())];
    while let Some((path, mut cmd)) = todo.pop() {
        if !path.is_empty() {
            out.push((path.clone(), cmd.render_long_help().to_string()));
        }
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let p = format!("{path} {}", sub.get_name()).trim().to_string();
            todo.push((p, sub.clone()));
        }
    }
    out
}

/// 24.12: the command's own options first, then signing in, then output, then the options
/// every command takes; examples after them.
#[test]
fn help_lists_the_commands_own_options_first_and_shows_examples() {
    for (path, help) in every_command() {
        assert!(help.contains("Examples:\n"), "{path} has no examples");
        let headings: Vec<&str> = help
            .lines()
            .filter(|l| l.ends_with(':') && !l.starts_with(' '))
            .collect();
        let pos = |h: &str| headings.iter().position(|x| *x == h);
        if let (Some(own), Some(sign)) = (pos("Options:"), pos("Signing in:")) {
            assert!(own < sign, "{path}: {headings:?}");
        }
        if let (Some(sign), Some(every)) = (pos("Signing in:"), pos("Options every command takes:"))
        {
            assert!(sign < every, "{path}: {headings:?}");
        }
    }
    // `cache clear` shows what names a cache entry, and no sign-in flag that does nothing there.
    let (_, cache) = every_command()
        .into_iter()
        .find(|(p, _)| p == "cache clear")
        .unwrap();
    for useless in [
        "--password-stdin",
        "--domain",
        "--scope",
        "--setup-mfa",
        "--callback-port",
    ] {
        let listed = cache.lines().any(|l| l.trim_start().starts_with(useless));
        assert!(!listed, "cache clear shows {useless}");
    }
    assert!(cache.contains("--user-pool-id"));
}

/// 24.6: each default is written once, in the settings table, and `--help` shows it from there.
#[test]
fn help_defaults_come_from_the_settings_table() {
    use postman_cognito::keys::{ALL, DefaultValue};
    let helps = every_command();
    for key in ALL {
        let (Some(flag), DefaultValue::Value(v)) = (key.flag, key.default) else {
            continue;
        };
        let shown: Vec<&(String, String)> =
            helps.iter().filter(|(_, h)| h.contains(flag)).collect();
        for (path, help) in shown {
            let at = help
                .find(&format!("{flag} <"))
                .or_else(|| help.find(&format!("{flag}=")));
            let Some(at) = at else { continue };
            let entry = &help[at..help[at..].find("\n\n").map_or(help.len(), |e| at + e)];
            assert!(
                entry.contains(&format!("[default: {v}]")),
                "{path}: {flag} does not show its default {v}: {entry}"
            );
        }
    }
}

/// 24.1: outside the format modules (`src/collection/export/`, `src/collection/v3.rs`) no code
/// names a format: not its module, nor its files' names or marks. The one exception is the
/// table itself, `collection::FORMATS`.
#[test]
fn no_code_outside_the_format_modules_asks_which_format_a_file_is() {
    let src = repo().join("src");
    let mut files = Vec::new();
    let mut todo = vec![src.clone()];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let inside = |p: &std::path::Path| {
        p.starts_with(src.join("collection").join("export"))
            || p == src.join("collection").join("v3.rs")
    };
    let telltales = [
        "v3::",
        "export::",
        "definition.yaml",
        ".request.yaml",
        ".example.yaml",
        "$kind",
        "_postman_id",
        "schema.getpostman.com",
    ];
    let mut found = Vec::new();
    let mut checked = 0;
    // Unit-test files (`tests.rs`) are tests, not code.
    for f in files
        .iter()
        .filter(|f| !inside(f) && !f.ends_with("tests.rs"))
    {
        let text = std::fs::read_to_string(f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        for (n, line) in code.lines().enumerate() {
            let line = line.split("//").next().unwrap_or("");
            if line.contains("pub const FORMATS") {
                continue;
            }
            for t in telltales {
                if line.contains(t) {
                    let rel = f.strip_prefix(repo()).unwrap_or(f);
                    found.push(format!("{}:{}: {t}", rel.display(), n + 1));
                }
            }
        }
        checked += 1;
    }
    assert!(checked > 40, "only {checked} files read");
    assert!(
        found.is_empty(),
        "format knowledge outside the formats:\n{}",
        found.join("\n")
    );
}

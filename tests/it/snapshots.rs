//! Whole outputs, compared with snapshots (`tests/it/snapshots/`, insta): every command's
//! `--help`, the errors a user meets most, and the `--json` documents. The token, times and
//! durations are replaced by stand-ins before the comparison; the files are named by relative
//! paths, so no temp folder shows. A change to one of these outputs shows as a diff of the
//! snapshot: review it, then write the new snapshots with
//! `INSTA_UPDATE=always cargo test snapshots` (or `cargo insta review`).

use std::path::Path;

use crate::support::*;

/// Runs the binary in `dir` with `env`, and returns exit code, stdout and stderr as one text.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut c = std_bin();
    c.current_dir(dir).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        o.status.code().map_or("signal".into(), |c| c.to_string()),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Compares `text` with the snapshot `name`, with the token, times and durations stood in for.
fn snap(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.add_filter(&regex_escape(TOKEN), "[TOKEN]");
    settings.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]");
    settings.add_filter(r"\(in \d+ (min|h|s|days?)\)", "(in [DURATION])");
    settings.add_filter(r#""expires_in": \d+"#, r#""expires_in": [SECONDS]"#);
    settings.add_filter(env!("CARGO_PKG_VERSION"), "[VERSION]");
    // Temp folders (the run's HOME and cache): tempfile names them .tmpXXXXXX.
    settings.add_filter(r#"/[^\s"']*/\.tmp[A-Za-z0-9]{6}"#, "[TMP]");
    settings.bind(|| insta::assert_snapshot!(name, text));
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// A folder with `api.json` (the fixture `rel`), and the folder.
fn with_collection(rel: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(fixture(rel), d.path().join("api.json")).unwrap();
    d
}

macro_rules! help_snapshots {
    ($($name:ident: [$($arg:literal),*];)*) => {$(
        #[test]
        fn $name() {
            let d = tempfile::tempdir().unwrap();
            let text = run_in(d.path(), &[$($arg,)* "--help"], &[]);
            snap(stringify!($name), &text);
        }
    )*};
}

help_snapshots! {
    help_main: [];
    help_refresh: ["refresh"];
    help_exec: ["exec"];
    help_token: ["token"];
    help_check: ["check"];
    help_scrub: ["scrub"];
    help_config_show: ["config", "show"];
    help_config_profiles: ["config", "profiles"];
    help_cache_clear: ["cache", "clear"];
    help_hook_install: ["hook", "install"];
    help_hook_uninstall: ["hook", "uninstall"];
    help_hook_run: ["hook", "run"];
    help_completions: ["completions"];
    help_man: ["man"];
}

/// Errors with a bad collection: each fixture of `fixtures/bad/`, as `api.json`.
macro_rules! bad_file_snapshots {
    ($($name:ident: $file:literal;)*) => {$(
        #[test]
        fn $name() {
            let d = with_collection(concat!("bad/", $file));
            let text = run_in(d.path(), &["refresh", "api.json"], &[("POSTMAN_COGNITO_TOKEN", TOKEN)]);
            snap(stringify!($name), &text);
        }
    )*};
}

bad_file_snapshots! {
    error_not_json: "not-json.json";
    error_v1_collection: "v1-collection.json";
    error_an_environment_as_collection: "environment.json";
    error_duplicate_keys: "duplicate-keys.json";
    error_no_schema: "no-schema.json";
    error_truncated: "truncated.json";
}

#[test]
fn error_no_token_source() {
    let d = with_collection("collections/v21-2space-bearer.json");
    snap(
        "error_no_token_source",
        &run_in(d.path(), &["refresh", "api.json"], &[]),
    );
}

#[test]
fn error_plain_http_to_another_host() {
    let d = tempfile::tempdir().unwrap();
    let text = run_in(
        d.path(),
        &[
            "token",
            "--endpoint-url",
            "http://cognito.example.com/",
            "--user-pool-id",
            "us-east-1_AbC",
            "--client-id",
            "1abc",
            "--username",
            "ci-bot",
        ],
        &[("COGNITO_PASSWORD", "not-used")],
    );
    snap("error_plain_http_to_another_host", &text);
}

#[test]
fn error_keep_matches_nothing() {
    let d = with_collection("collections/v21-2space-bearer.json");
    let text = run_in(
        d.path(),
        &[
            "refresh",
            "--keep",
            "$..item[?(@.name == 'nope')]",
            "api.json",
        ],
        &[("POSTMAN_COGNITO_TOKEN", TOKEN)],
    );
    snap("error_keep_matches_nothing", &text);
}

#[test]
fn error_exec_of_something_else() {
    let d = tempfile::tempdir().unwrap();
    let text = run_in(
        d.path(),
        &["exec", "--", "sh", "-c", "newman run api.json"],
        &[("POSTMAN_COGNITO_TOKEN", TOKEN)],
    );
    snap("error_exec_of_something_else", &text);
}

#[test]
fn error_a_tab_in_a_v3_request() {
    let d = tempfile::tempdir().unwrap();
    let tree = d.path().join("Orders API");
    std::fs::create_dir_all(tree.join(".resources")).unwrap();
    std::fs::write(
        tree.join(".resources/definition.yaml"),
        "$kind: collection\nname: Orders API\n",
    )
    .unwrap();
    std::fs::write(
        tree.join("Get order.request.yaml"),
        "$kind: http-request\nurl: http://localhost/orders/1\nmethod: GET\nheaders:\n\tAccept: '*/*'\n",
    )
    .unwrap();
    let out = run_in(
        d.path(),
        &["refresh", "Orders API"],
        &[("POSTMAN_COGNITO_TOKEN", TOKEN)],
    );
    snap("error_a_tab_in_a_v3_request", &out);
}

#[test]
fn check_problems_human() {
    let d = with_collection("collections/v21-2space-bearer.json");
    snap(
        "check_problems_human",
        &run_in(d.path(), &["check", "api.json"], &[]),
    );
}

#[test]
fn json_refresh_updated() {
    let d = with_collection("collections/v21-2space-bearer.json");
    let text = run_in(
        d.path(),
        &["refresh", "--json", "api.json"],
        &[("POSTMAN_COGNITO_TOKEN", TOKEN)],
    );
    snap("json_refresh_updated", &text);
}

#[test]
fn json_refresh_failed() {
    let d = with_collection("bad/not-json.json");
    let text = run_in(
        d.path(),
        &["refresh", "--json", "api.json"],
        &[("POSTMAN_COGNITO_TOKEN", TOKEN)],
    );
    snap("json_refresh_failed", &text);
}

#[test]
fn json_check_problems() {
    let d = with_collection("collections/v21-2space-bearer.json");
    snap(
        "json_check_problems",
        &run_in(d.path(), &["check", "--json", "api.json"], &[]),
    );
}

#[test]
fn json_scrub_tokens_found() {
    let d = with_collection("collections/v21-2space-bearer.json");
    run_in(
        d.path(),
        &["refresh", "api.json"],
        &[("POSTMAN_COGNITO_TOKEN", TOKEN)],
    );
    snap(
        "json_scrub_tokens_found",
        &run_in(d.path(), &["scrub", "--check", "--json", "api.json"], &[]),
    );
}

#[test]
fn json_config_show() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("postman-cognito.toml"),
        "[profile.default]\nuser_pool_id = \"us-east-1_AbC\"\nclient_id = \"1abc\"\npassword_env = \"CI_PASSWORD\"\n",
    )
    .unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    let text = run_in(
        d.path(),
        &["config", "show", "--json"],
        &[("COGNITO_USERNAME", "ci-bot"), ("CI_PASSWORD", "hunter2")],
    );
    assert!(!text.contains("hunter2"), "the password is shown");
    let text = text.replace(&d.path().display().to_string(), "[DIR]");
    snap("json_config_show", &text);
}

//! The precedence table, through an injected environment and config file.

use std::path::Path;

use clap::Parser;

use super::*;
use crate::error::Exit;
use crate::ui::Captured;

fn plan(args: &[&str], env: &[(&str, &str)], dir: &Path) -> (Result<Plan, Failure>, Captured) {
    let cli = Cli::try_parse_from(std::iter::once("postman-cognito").chain(args.iter().copied()))
        .unwrap();
    let env = Env::of(env, Some(dir.to_path_buf()));
    let (mut ui, got) = Ui::capture();
    (resolve(cli, &env, &mut ui), got)
}

fn show(args: &[&str], env: &[(&str, &str)], dir: &Path) -> ConfigShowPlan {
    let mut all = vec!["config", "show"];
    all.extend_from_slice(args);
    match plan(&all, env, dir).0.unwrap() {
        Plan::ConfigShow(p) => p,
        other => panic!("{other:?}"),
    }
}

fn row<'a>(p: &'a ConfigShowPlan, key: &str) -> &'a Shown {
    p.rows.iter().find(|r| r.key == key).unwrap()
}

fn project(profile: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    std::fs::write(d.path().join(config::FILE_NAME), profile).unwrap();
    d
}

#[test]
fn flag_beats_env_beats_profile_beats_default() {
    let d = project(
        "[profile.default]\nuser_pool_id = \"eu-west-1_Profile\"\nclient_id = \"p-client\"\nmin_ttl = \"20m\"\n",
    );
    let env = [
        ("COGNITO_USER_POOL_ID", "us-east-2_Env"),
        ("AWS_REGION", ""),
    ];
    let p = show(&["--user-pool-id", "us-east-1_Flag"], &env, d.path());
    let pool = row(&p, "user_pool_id");
    assert_eq!(pool.value.as_deref(), Some("us-east-1_Flag"));
    assert_eq!(pool.origin, Origin::Flag("--user-pool-id".into()));
    let p = show(&[], &env, d.path());
    assert_eq!(
        row(&p, "user_pool_id").origin,
        Origin::Env("COGNITO_USER_POOL_ID".into())
    );
    assert_eq!(row(&p, "region").value.as_deref(), Some("us-east-2"));
    assert_eq!(row(&p, "client_id").origin, Origin::Profile);
    assert_eq!(row(&p, "min_ttl").value.as_deref(), Some("20m"));
    assert_eq!(row(&p, "min_ttl").origin, Origin::Profile);
    assert_eq!(row(&p, "timeout").value.as_deref(), Some("20s"));
    assert_eq!(row(&p, "timeout").origin, Origin::Default);
    // A blank variable is unset: the profile's value wins.
    let p = show(&[], &[("COGNITO_USER_POOL_ID", " ")], d.path());
    assert_eq!(
        row(&p, "user_pool_id").value.as_deref(),
        Some("eu-west-1_Profile")
    );
}

#[test]
fn the_first_set_variable_of_a_key_wins_and_derived_defaults_say_so() {
    let d = tempfile::tempdir().unwrap();
    let args = ["--user-pool-id", "eu-central-1_X"];
    let p = show(&args, &[("AWS_DEFAULT_REGION", "eu-west-2")], d.path());
    assert_eq!(
        row(&p, "region").origin,
        Origin::Env("AWS_DEFAULT_REGION".into())
    );
    let both = [
        ("AWS_REGION", "eu-west-3"),
        ("AWS_DEFAULT_REGION", "eu-west-2"),
    ];
    let p = show(&args, &both, d.path());
    assert_eq!(row(&p, "region").value.as_deref(), Some("eu-west-3"));
    let p = show(&args, &[], d.path());
    assert!(matches!(row(&p, "region").origin, Origin::Derived(_)));
    assert_eq!(
        row(&p, "endpoint_url").value.as_deref(),
        Some("https://cognito-idp.eu-central-1.amazonaws.com/")
    );
    let p = show(
        &args,
        &[("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")],
        d.path(),
    );
    assert_eq!(
        row(&p, "endpoint_url").origin,
        Origin::Env("AWS_ENDPOINT_URL".into())
    );
}

#[test]
fn config_show_lists_every_key_once_and_never_a_secret() {
    let d = project("[profile.default]\npassword_command = \"echo hunter2\"\n");
    let env = [
        ("COGNITO_CLIENT_SECRET", "s3cret"),
        ("COGNITO_PASSWORD", "pw"),
    ];
    let p = show(&[], &env, d.path());
    let mut keys: Vec<&str> = p.rows.iter().map(|r| r.key).collect();
    let table: Vec<&str> = keys::ALL.iter().map(|k| k.name).collect();
    assert_eq!(
        keys, table,
        "config show lists the keys in the table's order"
    );
    keys.sort_unstable();
    let mut all: Vec<&str> = keys::ALL.iter().map(|k| k.name).collect();
    all.sort_unstable();
    assert_eq!(keys, all);
    assert_eq!(
        row(&p, "client_secret").value.as_deref(),
        Some("<redacted>")
    );
    assert_eq!(
        row(&p, "password").origin,
        Origin::Env("COGNITO_PASSWORD".into())
    );
    let text = format!("{p:?}");
    assert!(!text.contains("s3cret") && !text.contains("pw\""), "{text}");
}

#[test]
fn env_values_are_checked_and_named() {
    let d = tempfile::tempdir().unwrap();
    let p = plan(&["token"], &[("POSTMAN_COGNITO_PROFILE", "nope")], d.path()).0;
    assert!(p.unwrap_err().message.contains("\"nope\""));
    let d = project("[profile.default]\nmin_ttl = \"soon\"\n");
    let e = plan(&["config", "show"], &[], d.path()).0.unwrap_err();
    assert!(e.message.contains(":2: min_ttl:"), "{}", e.message);
}

#[test]
fn token_var_is_checked_for_every_command() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("c.json");
    let f = f.to_str().unwrap();
    for cmd in [
        &["scrub", "--token-var", "{{x}}", f][..],
        &["refresh", "--token-var", "{{x}}", f],
    ] {
        let e = plan(cmd, &[], d.path()).0.unwrap_err();
        assert_eq!(e.exit, Exit::Usage, "{cmd:?}");
        assert!(e.message.contains("bare variable name"), "{}", e.message);
    }
}

#[test]
fn a_region_that_would_change_the_host_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let pool = [
        "--user-pool-id",
        "us-east-1_X",
        "--client-id",
        "c",
        "--username",
        "u",
    ];
    for bad in [
        "x@attacker.example#",
        "us-east-1.evil",
        "US-EAST-1",
        "useast1",
    ] {
        let mut args = vec!["token", "--region", bad];
        args.extend_from_slice(&pool);
        let e = plan(&args, &[], d.path()).0.unwrap_err();
        assert!(
            e.message.contains("not an AWS region"),
            "{bad}: {}",
            e.message
        );
        let e = plan(&["token"], &[("AWS_REGION", bad)], d.path()).0;
        assert!(e.is_err(), "{bad}");
    }
    let e = plan(
        &["token", "--user-pool-id", "x@a.example#_X"],
        &[],
        d.path(),
    )
    .0
    .unwrap_err();
    assert!(e.message.contains("is not a user pool id"), "{}", e.message);
    let mut args = vec!["token", "--region", "us-gov-west-1"];
    args.extend_from_slice(&pool);
    assert!(plan(&args, &[], d.path()).0.is_ok());
}

#[test]
fn a_region_that_differs_from_the_pool_is_a_warning_through_the_ui() {
    let d = tempfile::tempdir().unwrap();
    let args = [
        "token",
        "--region",
        "eu-west-1",
        "--user-pool-id",
        "us-east-1_X",
        "--client-id",
        "c",
        "--username",
        "u",
    ];
    let (p, got) = plan(&args, &[], d.path());
    assert!(p.is_ok());
    assert!(
        got.text()
            .starts_with("postman-cognito: warning: region eu-west-1 differs"),
        "{}",
        got.text()
    );
}

#[test]
fn http_only_to_loopback() {
    use cognito::check_endpoint;
    for ok in [
        "https://cognito-idp.us-east-1.amazonaws.com/",
        "http://127.0.0.1:5000",
        "http://[::1]:80/",
        "http://localhost:9229",
        "http://127.8.9.10/",
    ] {
        check_endpoint(ok, None).unwrap();
    }
    for bad in [
        "http://10.0.0.1:5000",
        "http://example.com/",
        "ftp://127.0.0.1/",
        "not a url",
        "http://127.0.0.1.example.com/",
    ] {
        assert!(check_endpoint(bad, None).is_err(), "{bad}");
    }
    check_endpoint("http://cognito-local:9229/", Some("cognito-local")).unwrap();
    assert!(check_endpoint("http://other:9229/", Some("cognito-local")).is_err());
}

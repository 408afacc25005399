//! Issue 13: each promise the README makes, attacked the way an attacker or a careless user
//! would: a planted config file, a proxy variable, a hostile discovery document, a shared cache
//! folder, special files, read-only and hard-linked files, parallel writers, bad tokens handed
//! in, and a collection variable that shadows a globals file. Each test failed on the code as it
//! landed before this issue.

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use serde_json::json;

#[allow(unused_imports)]
use crate::support;
use crate::support::fake_http::{Action, FakeHttp};
use crate::support::*;

const POOL: &str = "us-east-1_Promises";
const CLIENT: &str = "promiseclient";

#[cfg(unix)]
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::NamedTempFile::new().unwrap();
    probe.as_file().metadata().unwrap().uid() == 0
}

#[cfg(unix)]
fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
fn chown_nobody(p: &Path) {
    std::os::unix::fs::chown(p, Some(65534), Some(65534)).unwrap();
}

/// `token` signing in with the caller's own settings and password, in folder `dir`.
fn token_in(dir: &Path) -> assert_cmd::Command {
    let mut c = bin();
    c.current_dir(dir)
        .args(["token", "--flow", "password", "--retries", "0"])
        .env("COGNITO_USER_POOL_ID", POOL)
        .env("COGNITO_CLIENT_ID", CLIENT)
        .env("COGNITO_USERNAME", "erin")
        .env("COGNITO_PASSWORD", "Secret-Passw0rd!");
    c
}

/// Secrets are never flags: there is no flag to put one on the command line.
#[test]
fn no_flag_takes_a_secret() {
    let flags = [
        "--password",
        "--client-secret",
        "--refresh-token",
        "--totp-secret",
        "--id-token",
        "--access-token",
    ];
    for flag in flags {
        let out = bin()
            .args(["refresh", flag, "s3cret-value", "x.json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("s3cret-value"),
            "{flag}"
        );
    }
}

// 1. Config discovery trusts no file another user planted or can write.
#[cfg(unix)]
#[test]
fn a_planted_config_file_is_refused_and_gets_no_secret() {
    let listener = FakeHttp::start(|_, _| Action::tokens(CLIENT));
    let d = tempfile::tempdir().unwrap();
    let work = d.path().join("shared-workspace/job");
    std::fs::create_dir_all(&work).unwrap();
    let marker = d.path().join("password_command-ran");
    let planted = d.path().join("shared-workspace/postman-cognito.toml");
    std::fs::write(
        &planted,
        format!(
            "[profile.default]\nendpoint_url = \"{}\"\npassword_command = \"touch {}\"\n",
            listener.url(),
            marker.display()
        ),
    )
    .unwrap();
    type Plant = Box<dyn Fn(&Path)>;
    let mut attacks: Vec<(&str, Plant)> = vec![(
        "every user can write it",
        Box::new(|p: &Path| chmod(p, 0o666)),
    )];
    if is_root() {
        attacks.push((
            "owned by user id 65534",
            Box::new(|p: &Path| {
                chmod(p, 0o644);
                chown_nobody(p);
            }),
        ));
    }
    for (why, plant) in attacks {
        plant(&planted);
        token_in(&work)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("refusing the config file"))
            .stderr(predicate::str::contains(why));
        assert_eq!(
            listener.requests(),
            0,
            "{why}: the password went to the planted endpoint"
        );
        assert!(!marker.exists(), "{why}: the planted password_command ran");
    }
}

#[test]
fn the_search_for_a_config_file_stops_at_home() {
    let d = tempfile::tempdir().unwrap();
    let home = d.path().join("home/me");
    std::fs::create_dir_all(home.join("work")).unwrap();
    std::fs::write(
        d.path().join("home/postman-cognito.toml"),
        "[profile.default]\nuser_pool_id = \"us-east-1_Above\"\n",
    )
    .unwrap();
    bin()
        .current_dir(home.join("work"))
        .env("HOME", &home)
        .args(["config", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains("config file: none found"))
        .stdout(predicate::str::contains("us-east-1_Above").not());
}

// 2. One rule for every URL that receives a secret, a code or a verifier.
#[test]
fn every_url_that_gets_a_secret_is_https_or_loopback_http() {
    let d = tempfile::tempdir().unwrap();
    bin()
        .args(["token", "--flow", "client-credentials", "--token", "access"])
        .args([
            "--domain",
            "http://auth.example.com",
            "--user-pool-id",
            POOL,
        ])
        .args(["--client-id", CLIENT])
        .env("COGNITO_CLIENT_SECRET", "s3cret")
        .current_dir(d.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "refusing plain http to auth.example.com",
        ));
    // A loopback discovery document naming a plain-http token endpoint on another host.
    let discovery = FakeHttp::start(|_, _| {
        Action::json(
            200,
            json!({
                "authorization_endpoint": "https://auth.example.com/oauth2/authorize",
                "token_endpoint": "http://auth.example.com/oauth2/token"
            }),
        )
    });
    bin()
        .args(["token", "--flow", "client-credentials", "--token", "access"])
        .args(["--endpoint-url", &discovery.url(), "--user-pool-id", POOL])
        .args(["--client-id", CLIENT])
        .env("COGNITO_CLIENT_SECRET", "s3cret")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "names the token endpoint http://auth.example.com",
        ));
    assert_eq!(
        discovery.requests(),
        1,
        "only the discovery document was asked for"
    );
    // A user name and password in an endpoint are refused, and never shown.
    let fake = FakeHttp::start(|_, _| Action::tokens(CLIENT));
    let url = format!("http://admin:hunter2@127.0.0.1:{}/", fake.port);
    token_in(d.path())
        .args(["--endpoint-url", &url, "-v"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("http://***@127.0.0.1"))
        .stderr(predicate::str::contains("hunter2").not());
    assert_eq!(fake.requests(), 0);
}

// 3. Plain http never goes through a proxy; https proxies keep working.
#[test]
fn plain_http_never_goes_through_a_proxy() {
    let d = tempfile::tempdir().unwrap();
    let proxy = FakeHttp::start(|_, _| Action::aws_error(502, "ProxyError", "proxied"));
    let cognito = FakeHttp::start(|_, _| Action::tokens(CLIENT));
    for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        token_in(d.path())
            .args(["--endpoint-url", &cognito.url()])
            .env(var, proxy.url())
            .assert()
            .success();
        assert_eq!(
            proxy.requests(),
            0,
            "{var}: the password went through the proxy"
        );
    }
    assert_eq!(cognito.requests(), 4);
}

#[test]
fn https_goes_through_https_proxy_unless_no_proxy_says_otherwise() {
    let d = tempfile::tempdir().unwrap();
    let proxy = FakeHttp::start(|_, _| Action::aws_error(502, "ProxyError", "no tunnel"));
    // A plain server on loopback: TLS to it fails, which is enough to see the route taken.
    let target = FakeHttp::start(|_, _| Action::tokens(CLIENT));
    let https = format!("https://127.0.0.1:{}/", target.port);
    token_in(d.path())
        .args(["--endpoint-url", &https])
        .env("HTTPS_PROXY", proxy.url())
        .assert()
        .code(6);
    let seen = proxy.received.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0]
            .line
            .starts_with(&format!("CONNECT 127.0.0.1:{}", target.port)),
        "{:?}",
        seen[0].line
    );
    token_in(d.path())
        .args(["--endpoint-url", &https])
        .env("HTTPS_PROXY", proxy.url())
        .env("NO_PROXY", "127.0.0.1")
        .assert()
        .code(6);
    assert_eq!(proxy.requests(), 1, "NO_PROXY was not honoured");
}

// 4. The region never changes the endpoint's host.
#[test]
fn a_region_from_any_source_cannot_change_the_host() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    let bad = "x@attacker.example#";
    token_in(d.path())
        .args(["--region", bad])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not an AWS region"));
    token_in(d.path())
        .env("AWS_REGION", bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not an AWS region"));
    std::fs::write(
        d.path().join("postman-cognito.toml"),
        format!("[profile.default]\nregion = \"{bad}\"\n"),
    )
    .unwrap();
    token_in(d.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not an AWS region"));
    bin()
        .current_dir(d.path())
        .args(["token", "--user-pool-id", "x@attacker.example#_Pool"])
        .args(["--client-id", CLIENT, "--username", "erin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a user pool id"));
}

// 5. OAuth responses are read up to 1 MiB.
#[test]
fn oauth_responses_are_bounded() {
    let fat = FakeHttp::start(|_, _| {
        let pad = "x".repeat(50 << 20);
        Action::json(
            200,
            json!({
                "pad": pad,
                "authorization_endpoint": "https://auth.example.com/oauth2/authorize",
                "token_endpoint": "https://auth.example.com/oauth2/token",
                "access_token": "x"
            }),
        )
    });
    bin()
        .args(["token", "--flow", "client-credentials", "--token", "access"])
        .args(["--endpoint-url", &fat.url(), "--user-pool-id", POOL])
        .args(["--client-id", CLIENT])
        .env("COGNITO_CLIENT_SECRET", "s3cret")
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(6)
        .stderr(predicate::str::contains("answered over 1 MiB"));
    bin()
        .args(["token", "--flow", "client-credentials", "--token", "access"])
        .args(["--domain", &fat.url(), "--user-pool-id", POOL])
        .args(["--client-id", CLIENT])
        .env("COGNITO_CLIENT_SECRET", "s3cret")
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(6)
        .stderr(predicate::str::contains("answered over 1 MiB"));
}

// 6. The token cache must be the caller's own.
#[cfg(unix)]
#[test]
fn a_cache_folder_or_entry_of_someone_else_is_not_used() {
    let d = tempfile::tempdir().unwrap();
    let cognito = FakeHttp::start(|_, _| Action::tokens(CLIENT));
    let cache_home = d.path().join("shared-cache");
    let folder = cache_home.join("postman-cognito");
    std::fs::create_dir_all(&folder).unwrap();
    chmod(&folder, 0o777);
    let run = || {
        let mut c = token_in(d.path());
        c.args(["--endpoint-url", &cognito.url()])
            .env("XDG_CACHE_HOME", &cache_home);
        c
    };
    run()
        .assert()
        .code(4)
        .stderr(predicate::str::contains("refusing the token cache"))
        .stderr(predicate::str::contains("every user can write it"));
    if is_root() {
        chmod(&folder, 0o700);
        chown_nobody(&folder);
        run()
            .assert()
            .code(4)
            .stderr(predicate::str::contains("owned by user id 65534"));
    }
    assert_eq!(cognito.requests(), 0);
    // Our own folder: the first run fills it; a planted entry (here: one others can write, or
    // one owned by another user) is ignored and replaced by a sign-in.
    std::fs::remove_dir_all(&folder).unwrap();
    run().assert().success();
    assert_eq!(cognito.requests(), 1);
    run().assert().success();
    assert_eq!(cognito.requests(), 1, "the cached token was used");
    let entry = std::fs::read_dir(&folder)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .unwrap();
    chmod(&entry, 0o666);
    run()
        .assert()
        .success()
        .stderr(predicate::str::contains("ignoring the cached tokens"));
    assert_eq!(cognito.requests(), 2, "a planted entry was used");
}

#[test]
fn a_relative_cache_home_is_ignored() {
    let d = tempfile::tempdir().unwrap();
    let cognito = FakeHttp::start(|_, _| Action::tokens(CLIENT));
    token_in(d.path())
        .args(["--endpoint-url", &cognito.url()])
        .env("XDG_CACHE_HOME", "relative-cache")
        .assert()
        .success();
    assert!(
        !d.path().join("relative-cache").exists(),
        "tokens were cached in the working folder"
    );
}

// 7. Nothing shown or left behind leaks: diffs, names, temp files.
#[test]
fn diffs_show_a_stand_in_never_the_token() {
    let (_d, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let out = bin()
        .args(["refresh", "--check", "--diff"])
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"<new token>\""), "{text}");
    for part in TOKEN.split('.') {
        assert!(
            !text.contains(&part[..part.len().min(16)]),
            "a piece of the token: {text}"
        );
    }
}

#[test]
fn control_characters_in_names_are_escaped() {
    let d = tempfile::tempdir().unwrap();
    let name = "api\u{1b}]52;c;aGk=\u{7}.json";
    let file = d.path().join(name);
    let mut doc: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture("collections/v21-2space-bearer.json")).unwrap(),
    )
    .unwrap();
    doc["item"][0]["name"] = json!("A1 \u{1b}[2J\u{1b}]52;c;aGk=\u{7}");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = bin()
        .arg("refresh")
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("\\u{1b}]52;c;aGk="), "{err}");
}

// 10. Special files are neither read nor replaced; `-o -` is standard output.
#[cfg(unix)]
#[test]
fn special_files_are_never_replaced_and_dash_is_stdout() {
    let (d, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let before = std::fs::read(&file).unwrap();
    let fifo = d.path().join("out.json");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let link = d.path().join("link.json");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    for target in [&fifo, &link] {
        bin()
            .arg("refresh")
            .arg(&file)
            .arg("-o")
            .arg(target)
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(4)
            .stderr(predicate::str::contains("not a regular file"));
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let out = bin()
        .args(["refresh", "-o", "-"])
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc = parse(&out.stdout);
    assert_eq!(access_token(&doc), TOKEN);
    assert_eq!(std::fs::read(&file).unwrap(), before);
    bin()
        .args(["refresh", "-o", "-", "--json"])
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .code(2);
}

// 11. Owner, group and mode are kept; read-only files are refused; hard links are named.
#[cfg(unix)]
#[test]
fn owner_mode_read_only_and_hard_links() {
    use std::os::unix::fs::MetadataExt;
    let (d, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    chmod(&file, 0o660);
    if is_root() {
        chown_nobody(&file);
    }
    let before = std::fs::metadata(&file).unwrap();
    bin()
        .arg("refresh")
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .success();
    let after = std::fs::metadata(&file).unwrap();
    assert_eq!(
        (after.uid(), after.gid(), after.mode() & 0o777),
        (before.uid(), before.gid(), 0o660)
    );
    assert!(std::fs::read_to_string(&file).unwrap().contains(TOKEN));
    // Read-only: refused, even for root, and untouched.
    let (_d2, ro) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    chmod(&ro, 0o444);
    let ro_before = std::fs::read(&ro).unwrap();
    bin()
        .arg("refresh")
        .arg(&ro)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("is read-only"));
    assert_eq!(std::fs::read(&ro).unwrap(), ro_before);
    // A hard link: the warning names it, and the other name keeps the old content.
    let (_d3, linked) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let other = d.path().join("other-name.json");
    std::fs::hard_link(&linked, &other).unwrap();
    let old = std::fs::read(&other).unwrap();
    bin()
        .arg("refresh")
        .arg(&linked)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .success()
        .stderr(predicate::str::contains("has 2 hard links"));
    assert_eq!(std::fs::read(&other).unwrap(), old);
}

/// A temporary file holding the token is readable by the user only until the rename.
#[cfg(unix)]
#[test]
fn a_killed_run_leaves_no_readable_token() {
    use std::os::unix::fs::MetadataExt;
    let (d, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    chmod(&file, 0o644);
    // Stop the run between staging and renaming: a FIFO would block reading, so instead
    // SIGKILL runs at many points and look at whatever temporary file is left.
    let bin_path = assert_cmd::cargo::cargo_bin("postman-cognito");
    let mut leftovers = 0;
    for i in 0..60u64 {
        let mut child = std::process::Command::new(&bin_path)
            .arg("refresh")
            .arg(&file)
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .env("XDG_CACHE_HOME", d.path().join("cache"))
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_micros(200 + i * 150));
        let _ = child.kill();
        let _ = child.wait();
        for e in std::fs::read_dir(d.path()).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".postman-cognito.tmp") {
                leftovers += 1;
                let mode = e.metadata().unwrap().mode() & 0o777;
                assert_eq!(mode, 0o600, "{name} is {mode:o}");
                std::fs::remove_file(e.path()).unwrap();
            }
        }
        std::fs::write(
            &file,
            std::fs::read(fixture("collections/v21-tabs-oauth2.json")).unwrap(),
        )
        .unwrap();
    }
    eprintln!("{leftovers} temporary files left by 60 kills, each 0600");
}

// 12. Parallel runs on one environment file lose no variable.
#[test]
fn parallel_runs_on_one_environment_file_keep_every_variable() {
    let d = tempfile::tempdir().unwrap();
    let env = d.path().join("shared.postman_environment.json");
    let n = 10;
    let files: Vec<PathBuf> = (0..n)
        .map(|i| {
            let f = d.path().join(format!("c{i}.json"));
            copy_writable(&fixture("collections/v21-tabs-oauth2.json"), &f);
            f
        })
        .collect();
    let children: Vec<_> = (0..n)
        .map(|i| {
            std_bin()
                .arg("refresh")
                .args(["--token-var", &format!("token{i}"), "--env-file"])
                .arg(&env)
                .arg(&files[i])
                .env("POSTMAN_COGNITO_TOKEN", TOKEN)
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
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&env).unwrap()).unwrap();
    let keys: Vec<&str> = doc["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["key"].as_str().unwrap())
        .collect();
    for i in 0..n {
        assert!(
            keys.contains(&format!("token{i}").as_str()),
            "token{i} lost: {keys:?}"
        );
    }
}

// 18. A token handed in passes the same checks as a fetched one.
#[test]
fn tokens_handed_in_are_checked_before_anything_is_written() {
    let (_d, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let before = std::fs::read(&file).unwrap();
    let b64 = |v: serde_json::Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let jwt = |claims: serde_json::Value| format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", b64(claims));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let cases = [
        ("not-a-jwt".to_string(), vec![], "not a JWT"),
        ("x".to_string(), vec![], "not a JWT"),
        (
            jwt(json!({"exp": 1_000_000_000})),
            vec![],
            "expired at 2001",
        ),
        (jwt(json!({"token_use": "id"})), vec![], "no expiry"),
        (
            jwt(json!({"exp": now + 3600})),
            vec!["--min-ttl", "2h"],
            "sooner than --min-ttl",
        ),
    ];
    for (token, args, why) in cases {
        for via_stdin in [false, true] {
            let mut c = bin();
            c.arg("refresh").args(&args).arg(&file);
            if via_stdin {
                c.arg("--token-stdin").write_stdin(format!("{token}\n"));
            } else {
                c.env("POSTMAN_COGNITO_TOKEN", &token);
            }
            c.assert()
                .code(5)
                .stderr(predicate::str::contains(why))
                .stderr(predicate::str::contains(&token).not());
            assert_eq!(std::fs::read(&file).unwrap(), before, "{why}");
        }
    }
    // With the pool and client known (a profile), the claims must fit them.
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    std::fs::write(
        d.path().join("postman-cognito.toml"),
        format!("[profile.default]\nuser_pool_id = \"{POOL}\"\nclient_id = \"{CLIENT}\"\nusername = \"u\"\n"),
    )
    .unwrap();
    let other_client = jwt(
        json!({"token_use": "id", "aud": "someone-else", "exp": now + 7200,
        "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}")}),
    );
    bin()
        .current_dir(d.path())
        .args(["refresh", "--token-stdin"])
        .arg(&file)
        .write_stdin(other_client)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("someone-else").or(predicate::str::contains("aud")));
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

// 19. A collection variable would shadow the globals file: refused, with the way out.
#[test]
fn a_globals_file_shadowed_by_a_collection_variable_is_refused() {
    let (d, file) = temp_copy(&shared(
        "real-collections/02_pdoa__Performance_Dashboard_API.postman_collection.json",
    ));
    let before = std::fs::read(&file).unwrap();
    let globals = d.path().join("g.postman_globals.json");
    bin()
        .arg("refresh")
        .arg("--globals-file")
        .arg(&globals)
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "defines the collection variable \"token\"",
        ))
        .stderr(predicate::str::contains("--env-file"));
    assert_eq!(std::fs::read(&file).unwrap(), before);
    assert!(!globals.exists());
    // Another name is not shadowed.
    bin()
        .args(["refresh", "--token-var", "cognitoToken", "--globals-file"])
        .arg(&globals)
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .success();
}

/// Why 19 matters, shown with newman: with `-g`, a collection variable `token: ""` wins over
/// the globals file's token (no Authorization header is sent), while `-e` wins over it.
#[test]
#[ignore = "needs newman: run scripts/test"]
fn newman_ranks_a_collection_variable_above_globals_not_above_an_environment() {
    let (d, file) = temp_copy(&shared(
        "real-collections/02_pdoa__Performance_Dashboard_API.postman_collection.json",
    ));
    bin()
        .args(["refresh", "--token-var", "token"])
        .arg(&file)
        .assert()
        .success();
    let doc = parse(&std::fs::read(&file).unwrap());
    let vars = |scope: &str| {
        json!({"name": scope, "values": [{"key": "token", "value": TOKEN, "type": "secret", "enabled": true}],
               "_postman_variable_scope": scope})
    };
    let g = d.path().join("g.json");
    let e = d.path().join("e.json");
    std::fs::write(&g, vars("globals").to_string()).unwrap();
    std::fs::write(&e, vars("environment").to_string()).unwrap();
    let with_globals = newman_seen(&doc, &["-g", g.to_str().unwrap()]);
    assert!(
        with_globals
            .iter()
            .all(|s| !s.authorization.as_deref().unwrap_or("").contains(TOKEN)),
        "newman sent the globals token: the shadowing this guards against is gone"
    );
    let with_env = newman_seen(&doc, &["-e", e.to_str().unwrap()]);
    assert!(
        with_env
            .iter()
            .any(|s| s.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))),
        "newman did not send the environment's token"
    );
}

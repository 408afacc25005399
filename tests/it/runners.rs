//! Issue 26: `exec` for every runner, each through its own channel. Bruno's CLI 4.1 and
//! Hoppscotch's CLI 0.31 are the real ones (installed by scripts/test), run offline against an
//! API that verifies every token with moto's JWKS. Hurl and k6 do not install from the
//! registries here: stand-in programs of those names record what they are given.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::support::api::Authorizer;
use crate::support::idp::Idp;
use crate::support::*;

pub(crate) const PASSWORD: &str = "Runner-Passw0rd!";

pub(crate) struct Pool {
    pub(crate) url: String,
    pub(crate) pool: String,
    pub(crate) client: String,
    pub(crate) api: Authorizer,
}

/// A moto pool with user `runner`, and an API that accepts its id tokens only.
pub(crate) fn pool() -> Pool {
    let idp = Idp::moto();
    let pool = idp.pool("runners", json!({}));
    let (client, _) = idp.client(&pool, false, &["ALLOW_USER_PASSWORD_AUTH"]);
    idp.user(&pool, "runner", PASSWORD);
    let moto = idp.url.trim_end_matches('/').to_string();
    let api = Authorizer::start(
        &format!("{moto}/{pool}/.well-known/jwks.json"),
        &client,
        &format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}"),
    );
    Pool {
        url: idp.url.clone(),
        pool,
        client,
        api,
    }
}

impl Pool {
    /// `postman-cognito exec ARGS -- COMMAND` signing in as `runner`, in `dir`.
    pub(crate) fn exec(
        &self,
        dir: &Path,
        args: &[&str],
        command: &[&std::ffi::OsStr],
    ) -> std::process::Output {
        let home = dir.join(".home");
        std::fs::create_dir_all(&home).unwrap();
        let mut c = std_bin();
        c.arg("exec")
            .args(["--flow", "password", "--endpoint-url", &self.url])
            .args(args)
            .arg("--")
            .args(command)
            .env("COGNITO_USER_POOL_ID", &self.pool)
            .env("COGNITO_CLIENT_ID", &self.client)
            .env("COGNITO_USERNAME", "runner")
            .env("COGNITO_PASSWORD", PASSWORD)
            .env("HOME", &home)
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .current_dir(dir);
        c.output().unwrap()
    }

    /// The API's verdicts since `from`: every one accepted, and how many.
    fn accepted_since(&self, from: usize) -> usize {
        let v = self.api.verdicts.lock().unwrap()[from..].to_vec();
        for (path, verdict) in &v {
            assert!(verdict.is_ok(), "{path} was refused: {verdict:?}");
        }
        v.len()
    }

    pub(crate) fn seen(&self) -> usize {
        self.api.verdicts.lock().unwrap().len()
    }

    /// The token `exec` used, from the cache it filled in `dir`.
    fn cached_token(&self, dir: &Path) -> String {
        let out = signing_in(
            &["token", "--flow", "password"],
            &self.url,
            &self.pool,
            &self.client,
            "runner",
            PASSWORD,
        )
        .env("XDG_CACHE_HOME", dir.join(".home/cache"))
        .output()
        .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }
}

fn ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A copy of the Bruno collection `fixtures/bruno/<form>` in a fresh folder.
fn bruno_collection(form: &str) -> tempfile::TempDir {
    crate::bruno::copy_of(&fixture(&format!("bruno/{form}")))
}

fn bru_run(p: &Pool, dir: &Path, extra: &[&str]) -> std::process::Output {
    let base = format!("baseUrl={}", p.api.base());
    let bru = bru();
    let mut command: Vec<&std::ffi::OsStr> = vec![
        bru.as_os_str(),
        "run".as_ref(),
        "-r".as_ref(),
        "--env".as_ref(),
        "ci".as_ref(),
        "--env-var".as_ref(),
        base.as_ref(),
    ];
    command.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    p.exec(dir, &[], &command)
}

/// Every file under `dir` that holds `token`.
fn files_holding(dir: &Path, token: &str) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if !p.ends_with(".home") {
                    stack.push(p);
                }
            } else if String::from_utf8_lossy(&std::fs::read(&p).unwrap()).contains(token) {
                hits.push(p);
            }
        }
    }
    hits
}

#[test]
#[ignore = "needs moto and Bruno's CLI: run scripts/test"]
fn bruno_runs_a_bru_collection_with_the_token_from_its_environment() {
    let p = pool();
    let d = bruno_collection("bru");
    let from = p.seen();
    ok(&bru_run(&p, d.path(), &[]));
    assert_eq!(p.accepted_since(from), 2);
}

#[test]
#[ignore = "needs moto and Bruno's CLI: run scripts/test"]
fn bruno_runs_a_yaml_collection_with_the_token_from_its_environment() {
    let p = pool();
    let d = bruno_collection("yml");
    let from = p.seen();
    ok(&bru_run(&p, d.path(), &[]));
    assert_eq!(p.accepted_since(from), 2);
}

#[test]
#[ignore = "needs moto and Bruno's CLI: run scripts/test"]
fn a_token_a_bruno_script_writes_into_files_is_scrubbed() {
    let p = pool();
    let d = bruno_collection("bru");
    // The script keeps the Authorization header in an environment variable, which Bruno's CLI
    // writes into environments/ci.bru, and the report holds the run.
    let me = d.path().join("Users/Me.bru");
    let mut text = std::fs::read_to_string(&me).unwrap();
    text.push_str(
        "\nscript:post-response {\n  bru.setEnvVar(\"seen\", req.getHeader(\"Authorization\"));\n}\n",
    );
    std::fs::write(&me, text).unwrap();
    let untouched = d.path().join("notes.json");
    std::fs::write(&untouched, "{\"kept\": true}").unwrap();
    // Scripts run in Node's sandbox: Bruno's default one (QuickJS) loads asynchronously, and
    // under load its first script can run before it is ready (Bruno's CLI 4.1 then fails it).
    let out = bru_run(
        &p,
        d.path(),
        &["--reporter-json", "report.json", "--sandbox", "developer"],
    );
    ok(&out);
    let token = p.cached_token(d.path());
    assert_eq!(files_holding(d.path(), &token), Vec::<PathBuf>::new());
    let env = std::fs::read_to_string(d.path().join("environments/ci.bru")).unwrap();
    assert!(env.contains("seen: Bearer <redacted>"), "{env}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("environments/ci.bru"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&untouched).unwrap(),
        "{\"kept\": true}"
    );
}

/// A stand-in runner that writes its argv and environment to `dir/seen.txt`.
fn recorder(dir: &Path, name: &str) -> PathBuf {
    stand_in(
        dir,
        name,
        &format!(
            "printf '%s\\n' \"$0\" \"$@\" > \"{d}/argv.txt\"\nenv > \"{d}/env.txt\"",
            d = dir.display()
        ),
    )
}

/// `exec ARGS -- COMMAND` with a handed-in token (no sign-in), and the tool's secret
/// variables set, in `dir`.
fn exec_given(dir: &Path, args: &[&str], command: &[&std::ffi::OsStr]) -> std::process::Output {
    let mut c = std_bin();
    c.arg("exec")
        .args(args)
        .arg("--")
        .args(command)
        .env("POSTMAN_COGNITO_TOKEN", given_token())
        .env("COGNITO_PASSWORD", "Secret-Passw0rd!")
        .env("COGNITO_CLIENT_SECRET", "client-secret-value")
        .current_dir(dir);
    c.output().unwrap()
}

/// A JWT that passes `exec`'s checks (an id token valid until 2100), the same on every call.
fn given_token() -> String {
    use base64::Engine;
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.c2lnbmF0dXJl",
        b64(json!({"alg": "RS256"})),
        b64(json!({"token_use": "id", "exp": 4_102_444_800_i64}))
    )
}

/// What the stand-in recorded: its argv and environment.
fn recorded(dir: &Path) -> (String, String) {
    (
        std::fs::read_to_string(dir.join("argv.txt")).unwrap(),
        std::fs::read_to_string(dir.join("env.txt")).unwrap(),
    )
}

fn no_secret_but(env: &str, argv: &str, expected: &str) {
    let token = given_token();
    let line = format!("{expected}={token}");
    assert!(
        env.lines().any(|l| l == line),
        "{expected} not handed over: {env}"
    );
    assert!(!argv.contains(&token), "the token on argv: {argv}");
    for secret in ["Secret-Passw0rd!", "client-secret-value"] {
        assert!(
            !env.contains(secret),
            "a secret of the tool reached the runner"
        );
    }
    assert!(!env.contains("POSTMAN_COGNITO_TOKEN"), "{env}");
}

#[test]
fn hurl_gets_the_token_as_a_secret_hurl_redacts() {
    let d = tempfile::tempdir().unwrap();
    let hurl = recorder(d.path(), "hurl");
    std::fs::write(
        d.path().join("api.hurl"),
        "GET http://127.0.0.1:9/users/me\nAuthorization: Bearer {{token}}\nHTTP 200\n",
    )
    .unwrap();
    let out = exec_given(
        d.path(),
        &[],
        &[hurl.as_os_str(), "--test".as_ref(), "api.hurl".as_ref()],
    );
    ok(&out);
    let (argv, env) = recorded(d.path());
    no_secret_but(&env, &argv, "HURL_SECRET_token");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("will not send"));
}

#[test]
fn k6_gets_the_token_in_env() {
    let d = tempfile::tempdir().unwrap();
    let k6 = recorder(d.path(), "k6");
    std::fs::write(
        d.path().join("load.js"),
        "import http from 'k6/http';\nexport default function () {\n  http.get('http://127.0.0.1:9/', { headers: { Authorization: `Bearer ${__ENV.COGNITO_TOKEN}` } });\n}\n",
    )
    .unwrap();
    let out = exec_given(
        d.path(),
        &[],
        &[
            k6.as_os_str(),
            "run".as_ref(),
            "--summary-export".as_ref(),
            "summary.json".as_ref(),
            "load.js".as_ref(),
        ],
    );
    ok(&out);
    let (argv, env) = recorded(d.path());
    no_secret_but(&env, &argv, "COGNITO_TOKEN");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("will not send"));
}

#[test]
fn a_script_that_never_reads_the_variable_is_named_before_the_run() {
    let d = tempfile::tempdir().unwrap();
    let k6 = recorder(d.path(), "k6");
    std::fs::write(d.path().join("load.js"), "export default function () {}\n").unwrap();
    let out = exec_given(
        d.path(),
        &[],
        &[k6.as_os_str(), "run".as_ref(), "load.js".as_ref()],
    );
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("never reads __ENV.COGNITO_TOKEN"), "{err}");
}

#[test]
fn a_bruno_collection_that_never_reads_the_variable_is_named_before_the_run() {
    let d = bruno_collection("bru");
    let root = d.path().join("collection.bru");
    let text = std::fs::read_to_string(&root)
        .unwrap()
        .replace("{{process.env.COGNITO_TOKEN}}", "{{token}}");
    std::fs::write(&root, text).unwrap();
    let bru = recorder(d.path(), "bru");
    let out = exec_given(
        d.path(),
        &[],
        &[bru.as_os_str(), "run".as_ref(), "-r".as_ref()],
    );
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("never reads {{process.env.COGNITO_TOKEN}}"),
        "{err}"
    );
    let (argv, env) = recorded(d.path());
    no_secret_but(&env, &argv, "COGNITO_TOKEN");
}

#[test]
fn any_command_gets_the_token_in_the_variable_env_names_and_nothing_else() {
    let d = tempfile::tempdir().unwrap();
    let script = d.path().join("check.py");
    std::fs::write(
        &script,
        "import os, sys\n\
         open('argv.txt', 'w').write(open('/proc/self/cmdline', 'rb').read().decode(errors='replace'))\n\
         open('env.txt', 'w').write(''.join(f'{k}={v}\\n' for k, v in os.environ.items()))\n\
         sys.exit(0 if os.environ.get('TOKEN', '').count('.') == 2 else 3)\n",
    )
    .unwrap();
    let out = exec_given(
        d.path(),
        &["--env", "TOKEN"],
        &["python3".as_ref(), script.as_os_str()],
    );
    ok(&out);
    let (argv, env) = recorded(d.path());
    no_secret_but(&env, &argv, "TOKEN");
    // Without --env, an unknown command is refused before anything is run.
    let out = exec_given(d.path(), &[], &["python3".as_ref(), script.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exec --env TOKEN -- COMMAND"));
}

#[test]
fn env_and_token_var_naming_two_variables_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let out = exec_given(
        d.path(),
        &["--env", "A", "--token-var", "B"],
        &["true".as_ref()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("two variables for one token"));
}

/// The Hoppscotch collection and environment, pointed at the API.
fn hoppscotch_files(p: &Pool, dir: &Path) -> (PathBuf, PathBuf) {
    let coll = dir.join("roles.json");
    std::fs::copy(fixture("hoppscotch/roles.json"), &coll).unwrap();
    let mut env = parse(&std::fs::read(fixture("hoppscotch/ci.json")).unwrap());
    env["variables"][0]["initialValue"] = p.api.base().into();
    env["variables"][0]["currentValue"] = p.api.base().into();
    let env_path = dir.join("ci.json");
    std::fs::write(&env_path, env.to_string()).unwrap();
    (coll, env_path)
}

#[test]
#[ignore = "needs moto and Hoppscotch's CLI: run scripts/test"]
fn hoppscotch_takes_the_secret_from_its_environment() {
    let p = pool();
    let d = tempfile::tempdir().unwrap();
    let hopp = hopp(d.path());
    let (coll, env) = hoppscotch_files(&p, d.path());
    let from = p.seen();
    let out = p.exec(
        d.path(),
        &[],
        &[
            hopp.as_os_str(),
            "test".as_ref(),
            coll.as_os_str(),
            "-e".as_ref(),
            env.as_os_str(),
            "--reporter-junit".as_ref(),
        ],
    );
    ok(&out);
    assert_eq!(p.accepted_since(from), 2);
    let token = p.cached_token(d.path());
    assert_eq!(files_holding(d.path(), &token), Vec::<PathBuf>::new());
}

#[test]
#[ignore = "needs moto and Hoppscotch's CLI: run scripts/test"]
fn hoppscotch_without_an_environment_file_gets_one_that_declares_the_secret() {
    let p = pool();
    let d = tempfile::tempdir().unwrap();
    let hopp = hopp(d.path());
    let (coll, _) = hoppscotch_files(&p, d.path());
    let text = std::fs::read_to_string(&coll)
        .unwrap()
        .replace("<<baseUrl>>", &p.api.base());
    std::fs::write(&coll, text).unwrap();
    let from = p.seen();
    let out = p.exec(
        d.path(),
        &[],
        &[hopp.as_os_str(), "test".as_ref(), coll.as_os_str()],
    );
    ok(&out);
    assert_eq!(p.accepted_since(from), 2);
}

#[test]
fn a_hoppscotch_environment_that_does_not_take_the_secret_is_named() {
    let d = tempfile::tempdir().unwrap();
    let hopp = recorder(d.path(), "hopp");
    let env = d.path().join("ci.json");
    std::fs::write(
        &env,
        json!({"v": 2, "id": "x", "name": "x", "variables": [
            {"key": "token", "initialValue": "stale", "currentValue": "", "secret": true}
        ]})
        .to_string(),
    )
    .unwrap();
    std::fs::copy(
        fixture("hoppscotch/roles.json"),
        d.path().join("roles.json"),
    )
    .unwrap();
    let out = exec_given(
        d.path(),
        &[],
        &[
            hopp.as_os_str(),
            "test".as_ref(),
            "roles.json".as_ref(),
            "-e".as_ref(),
            env.as_os_str(),
        ],
    );
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Hoppscotch will not take <<token>>"), "{err}");
    assert!(err.contains("it has a value"), "{err}");
}

#[test]
#[ignore = "needs moto: run scripts/test"]
fn every_identity_gets_its_own_variable_and_the_tool_s_other_children_get_no_token() {
    let p = pool();
    let d = tempfile::tempdir().unwrap();
    let k6 = recorder(d.path(), "k6");
    std::fs::write(
        d.path().join("load.js"),
        "export default function () { return [__ENV.COGNITO_TOKEN, __ENV.token_admin]; }\n",
    )
    .unwrap();
    // The identity's password comes from a command: a child of the tool, which records what
    // it was given.
    std::fs::write(
        d.path().join("postman-cognito.toml"),
        format!(
            "[profile.admin]\nuser_pool_id = \"{}\"\nclient_id = \"{}\"\nusername = \"runner\"\n\
             flow = \"password\"\nendpoint_url = \"{}\"\n\
             password_command = \"sh -c 'env > pwcmd-env.txt; printf %s {PASSWORD}'\"\n",
            p.pool, p.client, p.url
        ),
    )
    .unwrap();
    let out = p.exec(
        d.path(),
        &["--identity", "token_admin=admin:access", "--no-cache"],
        &[k6.as_os_str(), "run".as_ref(), "load.js".as_ref()],
    );
    ok(&out);
    let (argv, env) = recorded(d.path());
    let value = |name: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name}: {env}"))
            .to_string()
    };
    let (own, admin) = (value("COGNITO_TOKEN"), value("token_admin"));
    assert_ne!(own, admin);
    let claims = |t: &str| -> serde_json::Value {
        use base64::Engine;
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(claims(&own)["token_use"], "id");
    assert_eq!(claims(&admin)["token_use"], "access");
    for t in [&own, &admin] {
        assert!(!argv.contains(t.as_str()));
    }
    assert!(!env.contains(PASSWORD), "the password reached the runner");
    let pw_env = std::fs::read_to_string(d.path().join("pwcmd-env.txt")).unwrap();
    for t in [&own, &admin] {
        assert!(
            !pw_env.contains(t.as_str()),
            "a token reached the password command"
        );
    }
}

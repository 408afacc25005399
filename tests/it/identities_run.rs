//! Issue 25 with real peers: a moto pool with two users, `reader` and `boss` (a member of the
//! `admin` group, so `cognito:groups` is in its id token); an API that verifies every token
//! against moto's JWKS and authorises by group ([`RoleApi`]); the roles collection (`Admin` and
//! `Ops` send `{{token_admin}}`, `Users` inherit `{{token}}`, `Public` sends none, `Profile`
//! sends the access token and the id token in a header), run by newman and the Postman CLI
//! through `exec`, as a v2.1 export and as a v3 tree made by `postman collection migrate`.
//! moto is reached through a relay that counts the sign-ins.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::api::{RoleApi, RoleSeen};
use crate::support::fake_http::{Action, FakeHttp, Received};
use crate::support::idp::Idp;
use crate::support::*;

const READER_PASSWORD: &str = "Reader-Passw0rd!";
const BOSS_PASSWORD: &str = "Boss-Passw0rd!";

struct Roles {
    api: RoleApi,
    /// Every call to Cognito goes through it; it counts them.
    relay: FakeHttp,
    home: tempfile::TempDir,
    collection: PathBuf,
}

/// A relay to moto: each request is sent on as it came, and moto's answer handed back.
fn relay_to(url: String) -> impl Fn(usize, &Received) -> Action + Send + Sync + 'static {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    move |_, r| {
        let mut resp = agent
            .post(&url)
            .header("Content-Type", "application/x-amz-json-1.1")
            .header(
                "X-Amz-Target",
                &format!("AWSCognitoIdentityProviderService.{}", r.op),
            )
            .send(r.raw.clone())
            .unwrap();
        Action::Respond {
            status: resp.status().as_u16(),
            headers: vec![],
            body: resp.body_mut().read_to_string().unwrap_or_default(),
        }
    }
}

fn roles() -> Roles {
    let idp = Idp::moto();
    let pool = idp.pool("roles", json!({}));
    let (client, _) = idp.client(
        &pool,
        false,
        &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    );
    idp.user(&pool, "reader", READER_PASSWORD);
    idp.user(&pool, "boss", BOSS_PASSWORD);
    idp.ok(
        "CreateGroup",
        json!({"UserPoolId": pool, "GroupName": "admin"}),
    );
    idp.ok(
        "AdminAddUserToGroup",
        json!({"UserPoolId": pool, "Username": "boss", "GroupName": "admin"}),
    );
    let moto = idp.url.trim_end_matches('/').to_string();
    let api = RoleApi::start(
        &format!("{moto}/{pool}/.well-known/jwks.json"),
        &client,
        &format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}"),
    );
    let relay = FakeHttp::start(relay_to(idp.url.clone()));
    let home = tempfile::tempdir().unwrap();
    // The user's profile, and the admin's: each with its own user and password variable.
    let profile = |user: &str, password_env: &str| {
        format!(
            "user_pool_id = \"{pool}\"\nclient_id = \"{client}\"\nusername = \"{user}\"\n\
             flow = \"password\"\nendpoint_url = \"{}\"\npassword_env = \"{password_env}\"\n",
            relay.url()
        )
    };
    std::fs::write(
        home.path().join("postman-cognito.toml"),
        format!(
            "[profile.default]\n{}identities = {{ token_admin = \"admin\", token_access = \":access\" }}\n\n\
             [profile.admin]\n{}",
            profile("reader", "READER_PASSWORD"),
            profile("boss", "BOSS_PASSWORD"),
        ),
    )
    .unwrap();
    let mut doc =
        parse(&std::fs::read(fixture("identities/roles-api.postman_collection.json")).unwrap());
    doc["variable"] = json!([{"key": "baseUrl", "value": api.base()}]);
    let collection = home.path().join("roles.postman_collection.json");
    std::fs::write(&collection, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    Roles {
        api,
        relay,
        home,
        collection,
    }
}

impl Roles {
    /// `postman-cognito exec` in the home folder (its config file), every runner kept offline.
    fn exec(&self) -> std::process::Command {
        self.tool(&["exec"])
    }

    /// `postman-cognito ARGS...` in the home folder, the passwords in their variables.
    fn tool(&self, args: &[&str]) -> std::process::Command {
        let mut c = offline_bin(self.home.path());
        c.args(args)
            .env("READER_PASSWORD", READER_PASSWORD)
            .env("BOSS_PASSWORD", BOSS_PASSWORD);
        c
    }

    /// Runs `exec -- runner...`, which must pass, and returns what the API saw.
    fn run(&self, runner: &[&std::ffi::OsStr]) -> Vec<RoleSeen> {
        self.run_expecting(runner, true)
    }

    /// Runs `exec -- runner...`, which must pass or fail as `pass` says.
    fn run_expecting(&self, runner: &[&std::ffi::OsStr], pass: bool) -> Vec<RoleSeen> {
        let before = self.api.seen.lock().unwrap().len();
        let out = self.exec().arg("--").args(runner).output().unwrap();
        assert_eq!(
            out.status.success(),
            pass,
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        self.api.seen.lock().unwrap()[before..].to_vec()
    }

    /// The sign-ins Cognito was asked for (`InitiateAuth` calls).
    fn sign_ins(&self) -> usize {
        self.relay
            .received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.op == "InitiateAuth")
            .count()
    }
}

/// Every request was sent with the identity its folder names, and the API let it through.
fn assert_each_identity(seen: &[RoleSeen]) {
    let mut paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "/admin/audit",
            "/admin/users",
            "/admin/users/7",
            "/both/profile",
            "/public/health",
            "/users/me",
            "/users/orders"
        ],
        "{seen:#?}"
    );
    for s in seen {
        assert_eq!(s.status, 200, "{s:?}");
        let (user, token_use) = match s.path.split('/').nth(1) {
            Some("admin") => (Some("boss"), Some("id")),
            Some("users") => (Some("reader"), Some("id")),
            Some("both") => (Some("reader"), Some("access")),
            _ => (None, None),
        };
        assert_eq!(s.user.as_deref(), user, "{s:?}");
        assert_eq!(s.token_use.as_deref(), token_use, "{s:?}");
    }
}

#[test]
#[ignore = "needs moto and newman: run scripts/test"]
fn newman_sends_each_folder_s_identity_and_the_second_run_signs_in_from_the_cache() {
    let r = roles();
    let run = || {
        r.run(&[
            newman().as_os_str(),
            "run".as_ref(),
            r.collection.as_os_str(),
        ])
    };
    assert_each_identity(&run());
    // Two users, one sign-in each (the access token is the reader's own sign-in's).
    assert_eq!(r.sign_ins(), 2);
    assert_each_identity(&run());
    assert_eq!(r.sign_ins(), 2, "the second run signs in from the cache");
}

#[test]
#[ignore = "needs moto and the Postman CLI: run scripts/test"]
fn the_postman_cli_sends_each_folder_s_identity() {
    let r = roles();
    let seen = r.run(&[
        postman_cli().as_os_str(),
        "collection".as_ref(),
        "run".as_ref(),
        r.collection.as_os_str(),
    ]);
    assert_each_identity(&seen);
    assert_eq!(r.sign_ins(), 2);
}

#[test]
#[ignore = "needs moto and the Postman CLI: run scripts/test"]
fn the_postman_cli_sends_each_folder_s_identity_from_a_migrated_v3_tree() {
    let r = roles();
    let tree = r.home.path().join("roles-v3");
    let o = postman_offline(r.home.path())
        .args(["collection", "migrate"])
        .arg(&r.collection)
        .arg("-o")
        .arg(&tree)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The tree keeps each folder's identity under refresh's default policy.
    bin()
        .current_dir(r.home.path())
        .args(["refresh", "--token-var", "token"])
        .arg(&tree)
        .assert()
        .success();
    let seen = r.run(&[
        postman_cli().as_os_str(),
        "collection".as_ref(),
        "run".as_ref(),
        tree.as_os_str(),
    ]);
    assert_each_identity(&seen);
}

/// A stand-in `newman` in front of the real one: it writes down its command line and
/// environment, then becomes newman.
fn spying_newman(dir: &Path) -> PathBuf {
    let spy = dir.join("bin/newman");
    std::fs::create_dir_all(spy.parent().unwrap()).unwrap();
    std::fs::write(
        &spy,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$0\" \"$@\" > \"{d}/argv.txt\"\nenv > \"{d}/env.txt\"\nexec \"{n}\" \"$@\"\n",
            d = dir.display(),
            n = newman().display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&spy, std::fs::Permissions::from_mode(0o755)).unwrap();
    spy
}

#[test]
#[ignore = "needs moto and newman: run scripts/test"]
fn no_identity_s_password_or_token_reaches_the_runner_s_command_line_or_environment() {
    let r = roles();
    let spy_dir = tempfile::tempdir().unwrap();
    let spy = spying_newman(spy_dir.path());
    assert_each_identity(&r.run(&[spy.as_os_str(), "run".as_ref(), r.collection.as_os_str()]));
    let argv = std::fs::read_to_string(spy_dir.path().join("argv.txt")).unwrap();
    let env = std::fs::read_to_string(spy_dir.path().join("env.txt")).unwrap();
    let tokens: Vec<String> = ["token", "token_admin", "token_access"]
        .iter()
        .map(|name| identity_token(&r, name))
        .collect();
    for secret in [READER_PASSWORD, BOSS_PASSWORD]
        .into_iter()
        .chain(tokens.iter().map(String::as_str))
    {
        assert!(
            !argv.contains(secret),
            "a secret on the runner's command line"
        );
        assert!(
            !env.contains(secret),
            "a secret in the runner's environment"
        );
    }
    for name in ["READER_PASSWORD", "BOSS_PASSWORD"] {
        assert!(!env.contains(&format!("{name}=")), "{name} was handed on");
    }
}

/// `token --identity NAME` (or the run's own, for `token`), from the cache the runs filled.
fn identity_token(r: &Roles, name: &str) -> String {
    let mut c = r.tool(&["token"]);
    if name != "token" {
        c.args(["--identity", name]);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "token {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
#[ignore = "needs moto: run scripts/test"]
fn token_prints_each_identity_and_refresh_writes_every_variable() {
    let r = roles();
    let own = identity_token(&r, "token");
    let admin = identity_token(&r, "token_admin");
    let access = identity_token(&r, "token_access");
    let claims = |t: &str| -> Value {
        use base64::Engine;
        let part = t.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(claims(&own)["cognito:username"], "reader");
    assert_eq!(claims(&admin)["cognito:username"], "boss");
    assert_eq!(claims(&admin)["cognito:groups"], json!(["admin"]));
    assert_eq!(claims(&access)["token_use"], "access");
    assert_eq!(claims(&access)["sub"], claims(&own)["sub"]);
    // refresh --env-file writes each identity's variable, the collection only references.
    let env_file = r.home.path().join("ci.postman_environment.json");
    let mut t = r.tool(&["refresh", "--env-file"]);
    t.arg(&env_file).arg(&r.collection);
    let out = t.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let env = parse(&std::fs::read(&env_file).unwrap());
    let value = |key: &str| {
        env["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["key"] == key)
            .map(|v| v["value"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {key} in {env}"))
    };
    assert_eq!(claims(&value("token"))["cognito:username"], "reader");
    assert_eq!(claims(&value("token_admin"))["cognito:username"], "boss");
    assert_eq!(claims(&value("token_access"))["token_use"], "access");
    // The collection sends the variables, and newman run with the file passes as exec did.
    let doc = parse(&std::fs::read(&r.collection).unwrap());
    assert_eq!(doc["auth"]["bearer"][0]["value"], "{{token}}");
    let before = r.api.seen.lock().unwrap().len();
    let o = std::process::Command::new(newman())
        .arg("run")
        .arg(&r.collection)
        .arg("-e")
        .arg(&env_file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    assert_each_identity(&r.api.seen.lock().unwrap()[before..]);
}

/// The roles collection with the `Admin` and `Ops` folders' auth removed: without `--assign`
/// their requests would go out as the reader's, and the API would refuse them.
fn without_admin_auth(r: &Roles) {
    let mut doc = parse(&std::fs::read(&r.collection).unwrap());
    for i in [0, 1] {
        doc["item"][i].as_object_mut().unwrap().remove("auth");
    }
    std::fs::write(&r.collection, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}

const ASSIGN: [&str; 4] = [
    "--assign",
    "Admin/**=token_admin",
    "--assign",
    "Ops=token_admin",
];

#[test]
#[ignore = "needs moto and newman: run scripts/test"]
fn assign_restores_the_admin_folders_and_newman_runs_them_as_the_admin() {
    let r = roles();
    without_admin_auth(&r);
    let before = r.run_expecting(
        &[
            newman().as_os_str(),
            "run".as_ref(),
            r.collection.as_os_str(),
        ],
        false,
    );
    let refused: Vec<_> = before.iter().filter(|s| s.status == 403).collect();
    assert_eq!(
        refused.len(),
        3,
        "the admin paths go out as the reader: {before:#?}"
    );
    let mut c = r.tool(&["refresh", "--token-var", "token"]);
    let out = c.args(ASSIGN).arg(&r.collection).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_each_identity(&r.run(&[
        newman().as_os_str(),
        "run".as_ref(),
        r.collection.as_os_str(),
    ]));
}

#[test]
#[ignore = "needs moto and the Postman CLI: run scripts/test"]
fn assign_in_a_migrated_v3_tree_changes_only_the_assigned_folders() {
    let r = roles();
    without_admin_auth(&r);
    let tree = r.home.path().join("roles-v3");
    let o = postman_offline(r.home.path())
        .args(["collection", "migrate"])
        .arg(&r.collection)
        .arg("-o")
        .arg(&tree)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let refresh = |assign: &[&str]| {
        let out = r
            .tool(&["refresh", "--token-var", "token"])
            .args(assign)
            .arg(&tree)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    refresh(&[]);
    let files = |dir: &Path| -> std::collections::BTreeMap<String, Vec<u8>> {
        let mut m = std::collections::BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p.strip_prefix(dir).unwrap().display().to_string();
                    m.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
        m
    };
    let old = files(&tree);
    refresh(&ASSIGN);
    let new = files(&tree);
    let assigned = [
        "Admin/.resources/definition.yaml",
        "Ops/.resources/definition.yaml",
    ];
    assert_eq!(
        old.keys().collect::<Vec<_>>(),
        new.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &old {
        if !assigned.contains(&name.as_str()) {
            assert_eq!(&new[name], bytes, "{name} changed");
            continue;
        }
        let yaml = |b: &[u8]| serde_yaml::from_slice::<serde_yaml::Value>(b).unwrap();
        let mut expected = yaml(bytes);
        expected["auth"] =
            serde_yaml::from_str("{type: bearer, credentials: {token: \"{{token_admin}}\"}}")
                .unwrap();
        assert_eq!(yaml(&new[name]), expected, "{name}");
        // The lines that were there are there still, in order.
        let (a, b) = (
            String::from_utf8_lossy(bytes).into_owned(),
            String::from_utf8_lossy(&new[name]).into_owned(),
        );
        let mut rest = b.lines();
        for line in a.lines() {
            assert!(rest.any(|l| l == line), "{name}: {line:?} lost");
        }
    }
    // A second run writes nothing.
    refresh(&ASSIGN);
    assert_eq!(files(&tree), new);
    assert_each_identity(&r.run(&[
        postman_cli().as_os_str(),
        "collection".as_ref(),
        "run".as_ref(),
        tree.as_os_str(),
    ]));
}

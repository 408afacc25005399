//! Issue 29.2: AWS credentials from an identity pool, for IAM-authorised APIs. moto plays the
//! user pool and the identity pool (`GetId`, `GetCredentialsForIdentity`); an API checks each
//! SigV4 signature with botocore's signer against the credentials moto issued
//! (support/sigv4_api.py); newman and the Postman CLI sign with the collection's `awsv4` auth,
//! fed by `exec` in memory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use serde_json::{Value, json};

use crate::support::idp::Idp;
use crate::support::*;

const PASSWORD: &str = "Iam-Passw0rd!";
/// What moto's GetCredentialsForIdentity gives every identity.
const MOTO_KEY: &str = "TESTACCESSKEY12345";
const MOTO_SECRET: &str = "ABCSECRETKEY";
const MOTO_SESSION: &str = "ABC12345";

struct Setup {
    url: String,
    pool: String,
    client: String,
    identity_pool: String,
    api: SigV4Api,
    home: tempfile::TempDir,
}

/// The verifying API, stopped when dropped.
struct SigV4Api {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for SigV4Api {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SigV4Api {
    fn start(dir: &Path) -> SigV4Api {
        let python = repo().join(".tools/venv/bin/python");
        assert!(
            python.exists(),
            "moto's venv is not installed: run scripts/test"
        );
        let port_file = dir.join("api.port");
        let log = dir.join("api.log");
        let child = Command::new(python)
            .arg(repo().join("tests/it/support/sigv4_api.py"))
            .args([&port_file, &log])
            .args([
                MOTO_KEY,
                MOTO_SECRET,
                MOTO_SESSION,
                "us-east-1",
                "execute-api",
            ])
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let port = loop {
            if let Ok(p) = std::fs::read_to_string(&port_file) {
                break p.trim().parse().unwrap();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the SigV4 API did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        SigV4Api { child, port, log }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Each request's verdict so far: (path, refusal if any).
    fn verdicts(&self) -> Vec<(String, Option<String>)> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                (
                    v["path"].as_str().unwrap().to_string(),
                    v["why"].as_str().map(str::to_string),
                )
            })
            .collect()
    }
}

fn setup() -> Setup {
    let idp = Idp::moto();
    let pool = idp.pool("iam", json!({}));
    let (client, _) = idp.client(&pool, false, &["ALLOW_USER_PASSWORD_AUTH"]);
    idp.user(&pool, "caller", PASSWORD);
    // The identity pool, trusting the user pool's client.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let text = agent
        .post(&idp.url)
        .header("Content-Type", "application/x-amz-json-1.1")
        .header(
            "X-Amz-Target",
            "AWSCognitoIdentityService.CreateIdentityPool",
        )
        .send(
            json!({
                "IdentityPoolName": "iam_tests",
                "AllowUnauthenticatedIdentities": false,
                "CognitoIdentityProviders": [{
                    "ProviderName": format!("cognito-idp.us-east-1.amazonaws.com/{pool}"),
                    "ClientId": client
                }]
            })
            .to_string(),
        )
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let created: Value = serde_json::from_str(&text).unwrap();
    let identity_pool = created["IdentityPoolId"].as_str().unwrap().to_string();
    let home = tempfile::tempdir().unwrap();
    let api = SigV4Api::start(home.path());
    Setup {
        url: idp.url.clone(),
        pool,
        client,
        identity_pool,
        api,
        home,
    }
}

impl Setup {
    fn tool(&self, args: &[&str]) -> Command {
        self.tool_at(args, &self.url)
    }

    /// [`Setup::tool`] with Cognito at `endpoint`.
    fn tool_at(&self, args: &[&str], endpoint: &str) -> Command {
        let mut c = offline_bin(self.home.path());
        c.args(args)
            .args(["--flow", "password", "--endpoint-url", endpoint])
            .args(["--identity-pool-id", &self.identity_pool])
            .env("COGNITO_USER_POOL_ID", &self.pool)
            .env("COGNITO_CLIENT_ID", &self.client)
            .env("COGNITO_USERNAME", "caller")
            .env("COGNITO_PASSWORD", PASSWORD);
        c
    }

    /// A collection whose `awsv4` auth takes the three variables, its requests inheriting.
    fn collection(&self) -> PathBuf {
        let base = self.api.base();
        let param = |k: &str, v: &str| json!({"key": k, "value": v, "type": "string"});
        let doc = json!({
            "info": {"name": "IAM API", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
            "auth": {"type": "awsv4", "awsv4": [
                param("accessKey", "{{aws_access_key_id}}"),
                param("secretKey", "{{aws_secret_access_key}}"),
                param("sessionToken", "{{aws_session_token}}"),
                param("region", "us-east-1"),
                param("service", "execute-api")
            ]},
            "item": [
                {"name": "Orders", "item": [
                    {"name": "List", "request": {"method": "GET", "url": format!("{base}/orders?status=open")}},
                    {"name": "Create", "request": {"method": "POST", "url": format!("{base}/orders"),
                        "header": [{"key": "Content-Type", "value": "application/json"}],
                        "body": {"mode": "raw", "raw": "{\"item\": 42}"}}}
                ]},
                {"name": "Health", "request": {"method": "GET", "url": format!("{base}/health")}}
            ]
        });
        let p = self.home.path().join("iam.postman_collection.json");
        std::fs::write(&p, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
        p
    }

    /// Every request since `from` was signed right.
    fn all_signed(&self, from: usize) {
        self.all_signed_n(from, 3);
    }

    /// `n` requests since `from`, every one signed right.
    fn all_signed_n(&self, from: usize, n: usize) {
        let v = self.api.verdicts()[from..].to_vec();
        assert_eq!(v.len(), n, "{v:?}");
        for (path, why) in &v {
            assert_eq!(why, &None, "{path}");
        }
    }
}

fn no_credential_in(text: &str) {
    for secret in [MOTO_SECRET, MOTO_SESSION] {
        assert!(!text.contains(secret), "a credential was shown: {text}");
    }
}

impl Setup {
    /// `exec -- RUNNER... TARGET`: the runner passes, every request it sent was signed right,
    /// and no credential is in the output.
    fn exec_signs(&self, runner: &[&std::ffi::OsStr], target: &Path) {
        let out = self
            .tool(&["exec"])
            .arg("--")
            .args(runner)
            .arg(target)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        self.all_signed(0);
        no_credential_in(&text);
    }
}

#[test]
#[ignore = "needs moto and newman: run scripts/test"]
fn newman_signs_every_request_with_the_identity_pool_s_credentials() {
    let s = setup();
    s.exec_signs(&[newman().as_os_str(), "run".as_ref()], &s.collection());
}

#[test]
#[ignore = "needs moto and the Postman CLI: run scripts/test"]
fn the_postman_cli_signs_every_request_with_the_identity_pool_s_credentials() {
    let s = setup();
    let cli = postman_cli();
    s.exec_signs(
        &[cli.as_os_str(), "collection".as_ref(), "run".as_ref()],
        &s.collection(),
    );
}

#[test]
#[ignore = "needs moto and newman: run scripts/test"]
fn refresh_writes_the_credentials_into_the_environment_file_as_secrets() {
    let s = setup();
    let coll = s.collection();
    let env = s.home.path().join("ci.postman_environment.json");
    let out = s
        .tool(&["refresh"])
        .arg("--env-file")
        .arg(&env)
        .arg(&coll)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    no_credential_in(&String::from_utf8_lossy(&out.stderr));
    let doc = parse(&std::fs::read(&env).unwrap());
    let value = |k: &str| {
        doc["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["key"] == k)
            .unwrap_or_else(|| panic!("no {k}: {doc}"))
            .clone()
    };
    assert_eq!(value("aws_access_key_id")["value"], MOTO_KEY);
    assert_eq!(value("aws_secret_access_key")["value"], MOTO_SECRET);
    assert_eq!(value("aws_session_token")["value"], MOTO_SESSION);
    assert_eq!(value("aws_session_token")["type"], "secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&env).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // newman with the file signs as exec did.
    let o = Command::new(newman())
        .arg("run")
        .arg(&coll)
        .arg("-e")
        .arg(&env)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    s.all_signed(0);
}

#[test]
fn an_identity_pool_id_that_is_not_region_colon_id_is_refused_before_any_call() {
    let out = bin()
        .args([
            "exec",
            "--identity-pool-id",
            "not-an-id",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .args(["--", "newman", "run", "x.json"])
        .env("COGNITO_USER_POOL_ID", "us-east-1_AbC")
        .env("COGNITO_CLIENT_ID", "c")
        .env("COGNITO_USERNAME", "u")
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8_lossy(&out).contains("is not REGION:ID"),
        "{}",
        String::from_utf8_lossy(&out)
    );
}

#[test]
fn an_identity_pool_needs_the_id_token() {
    let out = bin()
        .args(["exec", "--token", "access"])
        .args([
            "--identity-pool-id",
            "us-east-1:0f1e2d3c-aaaa",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .args(["--", "newman", "run", "x.json"])
        .env("COGNITO_USER_POOL_ID", "us-east-1_AbC")
        .env("COGNITO_CLIENT_ID", "c")
        .env("COGNITO_USERNAME", "u")
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8_lossy(&out).contains("takes the user's id token"),
        "{}",
        String::from_utf8_lossy(&out)
    );
}

/// `refresh` with an identity pool, offline (no variable file, so no sign-in): the collection's
/// auth becomes `awsv4` taking the credentials from their variables, and nothing else changes.
fn refresh_offline(target: &Path) -> std::process::Output {
    std_bin()
        .args([
            "refresh",
            "--identity-pool-id",
            "us-west-2:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        ])
        .args(["--endpoint-url", "http://127.0.0.1:9"])
        .arg(target)
        .env("COGNITO_USER_POOL_ID", "us-east-1_AbC")
        .env("COGNITO_CLIENT_ID", "c")
        .env("COGNITO_USERNAME", "u")
        .output()
        .unwrap()
}

#[test]
fn refresh_makes_the_collection_s_auth_awsv4_from_the_credentials_variables() {
    for src in [
        fixture("identities/roles-api.postman_collection.json"),
        shared("real-collections/02_pdoa__Performance_Dashboard_API.postman_collection.json"),
    ] {
        let (_d, file) = temp_copy(&src);
        let old = std::fs::read(&file).unwrap();
        let out = refresh_offline(&file);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("in the collection's awsv4 auth"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let new = std::fs::read(&file).unwrap();
        assert_only_auth_changed(&src.display().to_string(), &old, &new);
        let doc = parse(&new);
        let params: std::collections::BTreeMap<String, String> = doc["auth"]["awsv4"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["key"].as_str().unwrap().to_string(),
                    p["value"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(doc["auth"]["type"], "awsv4");
        assert_eq!(params["accessKey"], "{{aws_access_key_id}}");
        assert_eq!(params["secretKey"], "{{aws_secret_access_key}}");
        assert_eq!(params["sessionToken"], "{{aws_session_token}}");
        assert_eq!(params["region"], "us-west-2");
        assert_eq!(params["service"], "execute-api");
        // A second run changes nothing; check is content.
        assert!(refresh_offline(&file).status.success());
        assert_eq!(std::fs::read(&file).unwrap(), new, "{}", src.display());
        bin().arg("check").arg(&file).assert().success();
    }
}

#[test]
#[ignore = "needs moto and the Postman CLI: run scripts/test"]
fn a_migrated_v3_tree_gets_an_awsv4_auth_and_the_postman_cli_signs_with_it() {
    let s = setup();
    // The collection with a bearer root, migrated, then made awsv4 by refresh.
    let coll = s.collection();
    let mut doc = parse(&std::fs::read(&coll).unwrap());
    doc["auth"] = json!({"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}", "type": "string"}]});
    std::fs::write(&coll, doc.to_string()).unwrap();
    let o = postman_offline(s.home.path())
        .args([
            "collection",
            "migrate",
            "iam.postman_collection.json",
            "-o",
            "IAM",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let tree = s.home.path().join("IAM");
    let out = s.tool(&["refresh"]).arg(&tree).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let def = std::fs::read_to_string(tree.join(".resources/definition.yaml")).unwrap();
    assert!(
        def.contains("type: awsv4") && def.contains("{{aws_session_token}}"),
        "{def}"
    );
    let cli = postman_cli();
    s.exec_signs(
        &[cli.as_os_str(), "collection".as_ref(), "run".as_ref()],
        &tree,
    );
}

/// A relay to moto that counts each operation (both services' targets kept).
fn counting_relay(moto: String) -> crate::support::fake_http::FakeHttp {
    use crate::support::fake_http::{Action, FakeHttp, Received};
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    FakeHttp::start(move |_, r: &Received| {
        let service = match r.op.as_str() {
            "GetId" | "GetCredentialsForIdentity" => "AWSCognitoIdentityService",
            _ => "AWSCognitoIdentityProviderService",
        };
        let mut resp = agent
            .post(&moto)
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", &format!("{service}.{}", r.op))
            .send(r.raw.clone())
            .unwrap();
        Action::Respond {
            status: resp.status().as_u16(),
            headers: vec![],
            body: resp.body_mut().read_to_string().unwrap_or_default(),
        }
    })
}

#[test]
#[ignore = "needs moto and newman: run scripts/test"]
fn the_credentials_are_cached_with_their_expiry_and_never_on_a_command_line_or_left_in_a_file() {
    let s = setup();
    let relay = counting_relay(s.url.clone());
    let coll = s.collection();
    // A newman that writes down its command line and environment, then runs.
    let spy_dir = tempfile::tempdir().unwrap();
    let spy = stand_in(
        spy_dir.path(),
        "newman",
        &format!(
            "printf '%s\\n' \"$0\" \"$@\" >> \"{d}/argv.txt\"\nenv >> \"{d}/env.txt\"\nexec \"{n}\" \"$@\"",
            d = spy_dir.path().display(),
            n = newman().display()
        ),
    );
    let run = |min_ttl: &str| {
        let out = s
            .tool_at(&["exec", "--min-ttl", min_ttl], &relay.url())
            .arg("--")
            .arg(&spy)
            .arg("run")
            .arg(&coll)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let count = |op: &str| {
        relay
            .received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.op == op)
            .count()
    };
    // moto's credentials last 90 seconds: kept for a min-ttl of 30 s.
    run("30s");
    run("30s");
    assert_eq!(count("InitiateAuth"), 1, "the id token came from the cache");
    assert_eq!(
        count("GetCredentialsForIdentity"),
        1,
        "the credentials came from the cache"
    );
    // Not for 10 minutes: asked for again, from the cached id token.
    run("10m");
    assert_eq!(count("InitiateAuth"), 1);
    assert_eq!(count("GetCredentialsForIdentity"), 2);
    s.all_signed_n(0, 9);
    let argv = std::fs::read_to_string(spy_dir.path().join("argv.txt")).unwrap();
    let env = std::fs::read_to_string(spy_dir.path().join("env.txt")).unwrap();
    for secret in [MOTO_SECRET, MOTO_SESSION] {
        assert!(
            !argv.contains(secret),
            "a credential on the runner's command line"
        );
        assert!(
            !env.contains(secret),
            "a credential in the runner's environment"
        );
    }
    // No file but the cache (the user's own, 0600) holds one after the runs.
    let mut stack = vec![s.home.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if !p.ends_with("cache") {
                    stack.push(p);
                }
            } else if String::from_utf8_lossy(&std::fs::read(&p).unwrap()).contains(MOTO_SECRET) {
                panic!("{} holds the secret key", p.display());
            }
        }
    }
}

#[test]
fn the_awsv4_region_and_service_are_settings() {
    let (_d, file) = temp_copy(&fixture("identities/roles-api.postman_collection.json"));
    let out = std_bin()
        .args([
            "refresh",
            "--identity-pool-id",
            "us-west-2:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        ])
        .args(["--aws-region", "eu-central-1", "--aws-service", "appsync"])
        .args(["--endpoint-url", "http://127.0.0.1:9"])
        .arg(&file)
        .env("COGNITO_USER_POOL_ID", "us-east-1_AbC")
        .env("COGNITO_CLIENT_ID", "c")
        .env("COGNITO_USERNAME", "u")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = parse(&std::fs::read(&file).unwrap());
    let param = |k: &str| {
        doc["auth"]["awsv4"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["key"] == k)
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(param("region"), "eu-central-1");
    assert_eq!(param("service"), "appsync");
}

/// The awsv4 block goes through the same refusals as the token's: a root auth in flow style is
/// not edited, and nothing is written.
#[test]
fn a_v3_root_auth_in_flow_style_is_refused_for_awsv4_too() {
    let d = tempfile::tempdir().unwrap();
    let tree = d.path().join("T");
    std::fs::create_dir_all(tree.join(".resources")).unwrap();
    let def = tree.join(".resources/definition.yaml");
    let text = "$kind: collection\nname: T\nauth: {type: bearer}\n";
    std::fs::write(&def, text).unwrap();
    let out = refresh_offline(&tree);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("written in flow style"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&def).unwrap(), text);
}

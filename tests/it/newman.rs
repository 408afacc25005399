//! End to end with newman 6 (installed by scripts/test): patch a collection, point every request
//! at a local recorder (and drop all scripts, so nothing leaves loopback), run newman, and check
//! the Authorization header each request really sent against what its auth chain says.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[allow(unused_imports)]
use crate::support;
use crate::support::recorder::Recorder;
use crate::support::*;
use base64::Engine;
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// Exactly this header.
    Header(String),
    /// No Authorization header at all.
    Absent,
    /// Anything but our token (a kept auth of another kind, or a header set by hand).
    NotOurs,
}

fn param(auth: &Value, ty: &str, key: &str) -> Option<Value> {
    match &auth[ty] {
        Value::Array(list) => list
            .iter()
            .rev()
            .find(|e| e["key"] == key)
            .map(|e| e["value"].clone()),
        Value::Object(map) => map.get(key).cloned(),
        _ => None,
    }
}

fn resolve(text: &str, vars: &HashMap<String, String>) -> String {
    let mut out = text.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{{{k}}}}}"), v);
    }
    out
}

/// What a request whose nearest auth is `auth` sends (per postman-runtime).
fn expect_for(
    auth: Option<&Value>,
    manual: Option<&str>,
    vars: &HashMap<String, String>,
) -> Expect {
    let Some(auth) = auth else {
        return manual.map_or(Expect::Absent, |_| Expect::NotOurs);
    };
    match auth["type"].as_str().unwrap_or("") {
        "oauth2" => {
            // An oauth2 block without a token (a grant never run) sends none of ours.
            let token = resolve(
                param(auth, "oauth2", "accessToken")
                    .and_then(|t| t.as_str().map(str::to_string))
                    .unwrap_or_default()
                    .as_str(),
                vars,
            );
            if token != TOKEN {
                return Expect::NotOurs;
            }
            let prefix = param(auth, "oauth2", "headerPrefix")
                .and_then(|p| p.as_str().map(str::to_string))
                .unwrap_or_else(|| "Bearer".into());
            let prefix = prefix.trim();
            Expect::Header(if prefix.is_empty() {
                token
            } else {
                format!("{prefix} {token}")
            })
        }
        "noauth" => manual.map_or(Expect::Absent, |_| Expect::NotOurs),
        "basic" => {
            let get = |k| {
                resolve(
                    param(auth, "basic", k)
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                        .as_str(),
                    vars,
                )
            };
            let creds = format!("{}:{}", get("username"), get("password"));
            Expect::Header(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(creds)
            ))
        }
        _ => Expect::NotOurs,
    }
}

/// Rewrites `doc` for a loopback run and returns what each request `/r/N` must send.
pub fn prepare(doc: &mut Value, base: &str) -> Vec<Expect> {
    let vars: HashMap<String, String> = doc["variable"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .filter_map(|v| {
                    Some((
                        v["key"].as_str()?.to_string(),
                        v["value"].as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let root_auth = doc.get("auth").filter(|a| !a.is_null()).cloned();
    let mut expects = Vec::new();
    let obj = doc.as_object_mut().unwrap();
    obj.remove("event");
    if let Some(Value::Array(items)) = obj.get_mut("item") {
        walk(items, root_auth.as_ref(), base, &vars, &mut expects);
    }
    expects
}

fn walk(
    items: &mut [Value],
    inherited: Option<&Value>,
    base: &str,
    vars: &HashMap<String, String>,
    out: &mut Vec<Expect>,
) {
    for item in items {
        let obj = item.as_object_mut().unwrap();
        obj.remove("event");
        if let Some(Value::Array(_)) = obj.get("item") {
            let own = obj.get("auth").cloned();
            let next = own.as_ref().or(inherited).cloned();
            if let Some(Value::Array(children)) = obj.get_mut("item") {
                walk(children, next.as_ref(), base, vars, out);
            }
            continue;
        }
        let url = format!("{base}/r/{}", out.len());
        let request = obj.get_mut("request").unwrap();
        if request.is_string() {
            *request = json!({"url": url, "method": "GET"});
        }
        let manual = request["header"].as_array().and_then(|hs| {
            hs.iter()
                .find(|h| {
                    h["key"]
                        .as_str()
                        .is_some_and(|k| k.eq_ignore_ascii_case("authorization"))
                        && h["disabled"] != true
                })
                .and_then(|h| h["value"].as_str().map(str::to_string))
        });
        let own = request.get("auth").cloned();
        out.push(expect_for(
            own.as_ref().or(inherited),
            manual.as_deref(),
            vars,
        ));
        request["url"] = json!(url);
    }
}

/// A collection patched with some arguments, made runnable against its own recorder.
struct Case {
    name: String,
    _dir: tempfile::TempDir,
    runnable: PathBuf,
    report: PathBuf,
    expects: Vec<Expect>,
    recorder: Recorder,
}

/// Patches `src` with `args` and makes the result runnable against a recorder of its own.
fn case(src: &Path, args: &[&str]) -> Case {
    let name = format!(
        "{} {}",
        src.file_name().unwrap().to_string_lossy(),
        args.join(" ")
    );
    let (dir, file) = temp_copy(src);
    bin()
        .arg("refresh")
        .args(args)
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .success();
    let recorder = Recorder::start();
    let mut doc = parse(&std::fs::read(&file).unwrap());
    let expects = prepare(&mut doc, &recorder.base());
    let runnable = dir.path().join("runnable.json");
    std::fs::write(&runnable, serde_json::to_vec(&doc).unwrap()).unwrap();
    let report = dir.path().join("report.json");
    Case {
        name,
        _dir: dir,
        runnable,
        report,
        expects,
        recorder,
    }
}

/// Runs every case through newman in one Node process (`support/newman_batch.js`: newman as a
/// library, one start of Node for all), then checks every request's header. Returns, for each
/// case, how many requests were sent and how many carried the token.
fn run_cases(cases: Vec<Case>) -> Vec<(usize, usize)> {
    let jobs: Vec<Value> = cases
        .iter()
        .map(|c| json!({"collection": c.runnable, "report": c.report}))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("jobs.json");
    std::fs::write(&list, serde_json::to_vec(&jobs).unwrap()).unwrap();
    // .../node_modules/.bin/newman → .../node_modules
    let modules = newman()
        .canonicalize()
        .unwrap()
        .ancestors()
        .find(|p| p.ends_with("node_modules"))
        .expect("newman is inside a node_modules folder")
        .to_path_buf();
    let out = std::process::Command::new("node")
        .arg(repo().join("tests/it/support/newman_batch.js"))
        .arg(&list)
        .env("NODE_PATH", &modules)
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "newman_batch.js failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), cases.len(), "one result per case");
    cases
        .into_iter()
        .zip(results)
        .map(|(c, r)| {
            assert_eq!(
                r["ok"],
                json!(true),
                "{}: newman failed: {}",
                c.name,
                r["error"]
            );
            verify(c)
        })
        .collect()
}

/// What the case's recorder saw, against what each request must send.
fn verify(c: Case) -> (usize, usize) {
    let name = &c.name;
    let seen = c.recorder.seen();
    assert_eq!(
        seen.len(),
        c.expects.len(),
        "{name}: every request reached the recorder once"
    );
    let mut with_token = 0;
    for s in &seen {
        let n: usize = s.path.trim_start_matches("/r/").parse().unwrap();
        match &c.expects[n] {
            Expect::Header(h) => {
                assert_eq!(
                    s.authorization.as_deref(),
                    Some(h.as_str()),
                    "{name}: request {n}"
                );
                if h.contains(TOKEN) {
                    with_token += 1;
                }
            }
            Expect::Absent => assert_eq!(s.authorization, None, "{name}: request {n}"),
            Expect::NotOurs => {
                assert!(
                    !s.authorization.as_deref().unwrap_or("").contains(TOKEN),
                    "{name}: request {n} sent our token"
                )
            }
        }
    }
    (seen.len(), with_token)
}

#[test]
#[ignore = "needs newman: run scripts/test"]
fn fixtures_send_exactly_the_token_where_they_should() {
    let files = fixtures_in("collections");
    let mut cases = Vec::new();
    for f in &files {
        cases.push(case(f, &["--inherit", "all"]));
        cases.push(case(f, &["--inherit", "tokens"]));
    }
    let results = run_cases(cases);
    for (f, pair) in files.iter().zip(results.chunks(2)) {
        let ((all_sent, all_token), (_, tokens)) = (pair[0], pair[1]);
        assert_eq!(
            all_sent,
            all_token,
            "{}: --inherit all sends the token everywhere",
            f.display()
        );
        assert!(
            tokens > 0 && tokens < all_token,
            "{}: {tokens} of {all_token}",
            f.display()
        );
    }
}

#[test]
#[ignore = "needs newman: run scripts/test"]
fn header_prefix_variants_reach_the_wire() {
    let f = fixture("collections/v21-tabs-oauth2.json");
    let mut cases: Vec<Case> = ["", "JWT", "Bearer"]
        .iter()
        .map(|p| case(&f, &["--inherit", "all", "--header-prefix", p]))
        .collect();
    let f = fixture("collections/v20-crlf-bearer.json");
    cases.push(case(&f, &["--inherit", "all", "--header-prefix", ""]));
    for (_, n) in run_cases(cases) {
        assert!(n > 0);
    }
}

#[test]
#[ignore = "needs newman: run scripts/test"]
fn real_collections_send_the_token_and_keep_their_own_auth() {
    let files = real_collections();
    let mut cases = Vec::new();
    for f in &files {
        cases.push(case(f, &["--inherit", "tokens"]));
        cases.push(case(f, &["--inherit", "all"]));
    }
    let results = run_cases(cases);
    for (f, pair) in files.iter().zip(results.chunks(2)) {
        let (sent, with_token) = pair[0];
        assert!(
            sent == 0 || with_token > 0,
            "{}: no request sent the token",
            f.display()
        );
    }
}

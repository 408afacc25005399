//! End to end with newman 6 (installed by scripts/test): patch a collection, point every request
//! at a local recorder (and drop all scripts, so nothing leaves loopback), run newman, and check
//! the Authorization header each request really sent against what its auth chain says.

use std::collections::HashMap;
use std::path::Path;

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

/// Patches `src` with `args`, runs newman on it, and checks every request's header.
fn run_case(src: &Path, args: &[&str]) -> (usize, usize) {
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
    let out = std::process::Command::new(newman())
        .args(["run"])
        .arg(&runnable)
        .args(["--reporters", "json", "--reporter-json-export"])
        .arg(dir.path().join("report.json"))
        .args(["--timeout-request", "10000"])
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: newman failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = recorder.seen();
    assert_eq!(
        seen.len(),
        expects.len(),
        "{name}: every request reached the recorder once"
    );
    let mut with_token = 0;
    for s in &seen {
        let n: usize = s.path.trim_start_matches("/r/").parse().unwrap();
        match &expects[n] {
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
    for f in fixtures_in("collections") {
        let (all_sent, all_token) = run_case(&f, &["--inherit", "all"]);
        assert_eq!(
            all_sent,
            all_token,
            "{}: --inherit all sends the token everywhere",
            f.display()
        );
        let (_, tokens) = run_case(&f, &["--inherit", "tokens"]);
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
    for p in ["", "JWT", "Bearer"] {
        let (_, n) = run_case(&f, &["--inherit", "all", "--header-prefix", p]);
        assert!(n > 0);
    }
    let f = fixture("collections/v20-crlf-bearer.json");
    let (_, n) = run_case(&f, &["--inherit", "all", "--header-prefix", ""]);
    assert!(n > 0);
}

#[test]
#[ignore = "needs newman: run scripts/test"]
fn real_collections_send_the_token_and_keep_their_own_auth() {
    for f in real_collections() {
        let (sent, with_token) = run_case(&f, &["--inherit", "tokens"]);
        assert!(
            sent == 0 || with_token > 0,
            "{}: no request sent the token",
            f.display()
        );
        run_case(&f, &["--inherit", "all"]);
    }
}

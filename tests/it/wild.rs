//! Issue 28: real collections from the wild (fixtures/wild/SOURCES.md), and what the Postman
//! CLI does with odd trees, measured: accepted where the runners run them, flagged where they
//! would silently ignore something. Each case runs the real runner through `exec` (a token
//! handed in, no sign-in) against a recorder on loopback, and a second refresh writes nothing.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::recorder::{Recorder, Seen};
use crate::support::*;

/// A JWT that passes `exec`'s checks, the same on every call.
fn token() -> String {
    use base64::Engine;
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2lnbmF0dXJl",
        b64(json!({"alg": "RS256"})),
        b64(json!({"token_use": "id", "exp": 4_102_444_800_i64}))
    )
}

/// Every file under `dir`, with its bytes.
fn files(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut m = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                m.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    m
}

fn copy_tree(src: &Path, dst: &Path) {
    for (p, bytes) in files(src) {
        let to = dst.join(p.strip_prefix(src).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, bytes).unwrap();
    }
}

/// `refresh --token-var token` on `target`, twice: the second run writes nothing.
fn refresh_twice(target: &Path) {
    let run = || {
        bin()
            .args(["refresh", "--token-var", "token"])
            .arg(target)
            .assert()
            .success()
    };
    run();
    let after = if target.is_dir() {
        files(target)
    } else {
        [(target.to_path_buf(), std::fs::read(target).unwrap())].into()
    };
    run();
    let again = if target.is_dir() {
        files(target)
    } else {
        [(target.to_path_buf(), std::fs::read(target).unwrap())].into()
    };
    assert_eq!(after, again, "a second refresh changed something");
}

/// `exec -- RUNNER...` in `home` with the token handed in; asserts the runner passed.
fn exec(home: &Path, runner: &[&std::ffi::OsStr]) -> std::process::Output {
    offline_bin(home)
        .arg("exec")
        .arg("--")
        .args(runner)
        .env("POSTMAN_COGNITO_TOKEN", token())
        .output()
        .unwrap()
}

/// The Postman CLI run through `exec` on `tree`, with `variable` (its base URL) pointing at
/// `rec` in an environment file; it must pass.
fn run_tree(home: &Path, tree: &Path, variable: &str, rec: &Recorder) {
    let env = home.join("env.json");
    std::fs::write(
        &env,
        json!({"name": "ci", "values": [{"key": variable, "value": rec.base(), "enabled": true}]})
            .to_string(),
    )
    .unwrap();
    let out = exec(
        home,
        &[
            postman_cli().as_os_str(),
            "collection".as_ref(),
            "run".as_ref(),
            tree.as_os_str(),
            "-e".as_ref(),
            env.as_os_str(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn all_sent_the_token(seen: &[Seen], n: usize) {
    assert_eq!(seen.len(), n, "{seen:?}");
    let want = format!("Bearer {}", token());
    for s in seen {
        assert_eq!(
            s.authorization.as_deref(),
            Some(want.as_str()),
            "{}",
            s.path
        );
    }
}

/// `postman collection migrate` of a JSON collection into `out`.
fn migrate(home: &Path, json: &Path, out: &Path) {
    let o = postman_offline(home)
        .args(["collection", "migrate"])
        .arg(json)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
}

#[test]
#[ignore = "needs the Postman CLI: run scripts/test"]
fn a_folder_whose_name_holds_a_slash_is_a_folder() {
    let home = tempfile::tempdir().unwrap();
    let rec = Recorder::start();
    let json_path = home.path().join("slash.json");
    std::fs::write(
        &json_path,
        json!({
            "info": {"_postman_id": "0b1c2d3e-1111-4222-8333-944455566677", "name": "Slash",
                     "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
            "item": [
                {"name": "Users / Admin", "id": "a1b2c3d4-1111-4222-8333-944455566677",
                 "item": [{"name": "List", "request": {"method": "GET", "url": "{{baseUrl}}/users"}}]},
                {"name": "Plain", "item": [{"name": "Get", "request": {"method": "GET", "url": "{{baseUrl}}/plain"}}]}
            ]
        })
        .to_string(),
    )
    .unwrap();
    // migrate -o takes a path relative to the current folder (an absolute one fails in 1.34).
    migrate(home.path(), Path::new("slash.json"), Path::new("Slash"));
    let tree = home.path().join("Slash");
    let folder_def =
        std::fs::read_to_string(tree.join("Users - Admin/.resources/definition.yaml")).unwrap();
    assert!(
        folder_def.contains("id:") && folder_def.contains("name: Users / Admin"),
        "migrate no longer writes the folder's id and name: {folder_def}"
    );
    refresh_twice(&tree);
    bin().arg("check").arg(&tree).assert().success();
    run_tree(home.path(), &tree, "baseUrl", &rec);
    all_sent_the_token(&rec.seen(), 2);
}

/// A real tree from `fixtures/wild/<name>`, copied as `folder`, refreshed (only its root
/// definition changes, and a second run writes nothing), checked, and run by the Postman CLI
/// with `variable` (its base URL) pointing at a recorder: `requests` requests, each with the
/// token.
fn real_tree(name: &str, folder: &str, variable: &str, requests: usize) {
    let home = tempfile::tempdir().unwrap();
    let rec = Recorder::start();
    let tree = home.path().join(folder);
    copy_tree(&fixture(&format!("wild/{name}")), &tree);
    let before = files(&tree);
    refresh_twice(&tree);
    let after = files(&tree);
    let root = tree.join(".resources/definition.yaml");
    for (p, bytes) in &before {
        if *p != root {
            assert_eq!(&after[p], bytes, "{}", p.display());
        }
    }
    bin().arg("check").arg(&tree).assert().success();
    run_tree(home.path(), &tree, variable, &rec);
    all_sent_the_token(&rec.seen(), requests);
}

#[test]
#[ignore = "needs the Postman CLI: run scripts/test"]
fn a_real_tree_with_folders_without_a_definition_runs_and_sends_the_token() {
    real_tree("litterspot", "LitterSpot API", "baseUrl", 3);
}

#[test]
#[ignore = "needs the Postman CLI: run scripts/test"]
fn a_real_tree_with_a_root_of_no_auth_and_nested_folders_without_a_definition() {
    real_tree("minicomp", "Mini Competition Manager API", "host", 2);
}

#[test]
fn assigning_to_a_folder_without_a_definition_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let tree = d.path().join("LitterSpot API");
    copy_tree(&fixture("wild/litterspot"), &tree);
    let before = files(&tree);
    let out = bin()
        .args(["refresh", "--token-var", "token", "--assign"])
        .arg("00 - Setup and authentication=token_admin")
        .arg(&tree)
        .assert()
        .code(3)
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8_lossy(&out).contains("has no .resources/definition.yaml"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    assert_eq!(files(&tree), before);
}

/// The Postman API's wrapper, `{"collection": ...}`, written as it came.
#[test]
#[ignore = "needs newman: run scripts/test"]
fn a_collection_in_the_postman_api_wrapper_is_refreshed_in_place_and_newman_runs_it() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("weather.json");
    std::fs::copy(fixture("wild/weather.postman_api.json"), &file).unwrap();
    let old = std::fs::read(&file).unwrap();
    refresh_twice(&file);
    let new = std::fs::read(&file).unwrap();
    // One insertion, and it is the collection's auth.
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    assert_eq!(prefix + suffix, old.len(), "more than one place changed");
    let inserted = String::from_utf8_lossy(&new[prefix..new.len() - suffix]).into_owned();
    assert!(inserted.contains("\"auth\""), "{inserted}");
    let mut doc = parse(&new);
    assert_eq!(access_token(&doc["collection"]), "{{token}}");
    // newman runs the wrapper as it is.
    let rec = Recorder::start();
    let n = point_at(&mut doc["collection"], &rec.base());
    let run = home.path().join("run.json");
    std::fs::write(&run, doc.to_string()).unwrap();
    let out = exec(
        home.path(),
        &[newman().as_os_str(), "run".as_ref(), run.as_os_str()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    all_sent_the_token(&rec.seen(), n);
}

#[test]
#[ignore = "needs the Postman CLI: run scripts/test"]
fn an_unquoted_timestamp_variable_is_flagged_and_quoting_it_sends_the_token() {
    let home = tempfile::tempdir().unwrap();
    let rec = Recorder::start();
    let json_path = home.path().join("dates.json");
    std::fs::write(
        &json_path,
        json!({
            "info": {"_postman_id": "5d6e7f80-1111-4222-8333-944455566677", "name": "Dates",
                     "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
            "variable": [
                {"key": "StartDate", "value": "2020-09-29T17:48:00.000Z"},
                {"key": "baseUrl", "value": rec.base()}
            ],
            "item": [{"name": "Get", "request": {"method": "GET", "url": "{{baseUrl}}/dates"}}]
        })
        .to_string(),
    )
    .unwrap();
    migrate(home.path(), Path::new("dates.json"), Path::new("Dates"));
    let tree = home.path().join("Dates");
    let def = tree.join(".resources/definition.yaml");
    let text = std::fs::read_to_string(&def).unwrap();
    assert!(
        text.contains("StartDate: 2020-09-29T17:48:00.000Z"),
        "migrate quotes the timestamp now: {text}"
    );
    refresh_twice(&tree);
    let out = bin()
        .arg("check")
        .arg(&tree)
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(
        err.contains("definition.yaml:") && err.contains("variable StartDate is a date"),
        "{err}"
    );
    let run = || {
        exec(
            home.path(),
            &[
                postman_cli().as_os_str(),
                "collection".as_ref(),
                "run".as_ref(),
                tree.as_os_str(),
            ],
        )
    };
    // What check says: the Postman CLI ignores the definition, so no request gets there.
    let _ = run();
    assert_eq!(rec.take(), Vec::new(), "the request found its base URL");
    let text = std::fs::read_to_string(&def).unwrap().replace(
        "StartDate: 2020-09-29T17:48:00.000Z",
        "StartDate: \"2020-09-29T17:48:00.000Z\"",
    );
    std::fs::write(&def, text).unwrap();
    bin().arg("check").arg(&tree).assert().success();
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    all_sent_the_token(&rec.take(), 1);
}

#[test]
fn refresh_with_output_names_the_collection_read_and_the_file_written() {
    let (d, src) = temp_copy(&fixture("identities/roles-api.postman_collection.json"));
    let out_path = d.path().join("out.json");
    let out = bin()
        .args(["refresh", "--token-var", "token", "-o"])
        .arg(&out_path)
        .arg(&src)
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains(&format!(
            "updated {} (into {})",
            src.display(),
            out_path.display()
        )),
        "{text}"
    );
}

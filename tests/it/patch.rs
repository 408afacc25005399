//! The patcher on every fixture and every real collection, under each --inherit mode:
//! the result means what the oracle says, differs from the original only inside auth members,
//! validates against the Postman schema, and a second run changes nothing.

use std::path::Path;

#[allow(unused_imports)]
use crate::support;
use crate::support::*;
use serde_json::Value;

const MODES: [&str; 3] = ["tokens", "all", "none"];

fn refresh(file: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    bin()
        .arg("refresh")
        .args(extra)
        .arg(file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
}

fn schema_validator(version: &str) -> jsonschema::Validator {
    let name = if version.contains("v2.0") {
        "schemas/collection-v2.0.0.draft-07.json"
    } else {
        "schemas/collection-v2.1.0.draft-07.json"
    };
    let schema: Value = serde_json::from_slice(&std::fs::read(shared(name)).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// Patches `src` under `mode` and checks meaning, locality and idempotence. Returns the result.
fn check_one(src: &Path, mode: &str, prefix: Option<&str>) -> Vec<u8> {
    let name = format!(
        "{} --inherit {mode}",
        src.file_name().unwrap().to_string_lossy()
    );
    let (_dir, file) = temp_copy(src);
    let old = std::fs::read(&file).unwrap();
    let mut args = vec!["--inherit", mode];
    if let Some(p) = prefix {
        args.extend(["--header-prefix", p]);
    }
    refresh(&file, &args).success();
    let new = std::fs::read(&file).unwrap();
    let want = oracle(
        &parse(&old),
        &Want {
            token: TOKEN,
            policy: mode,
            header_prefix: prefix,
        },
    );
    assert_eq!(
        parse(&new),
        want,
        "{name}: the result does not mean what it should"
    );
    assert_only_auth_changed(&name, &old, &new);
    assert_eq!(
        old.contains(&b'\r'),
        new.contains(&b'\r'),
        "{name}: line endings"
    );
    assert_eq!(
        old.ends_with(b"\n"),
        new.ends_with(b"\n"),
        "{name}: final newline"
    );
    // Idempotent: a second run finds nothing to do and does not rewrite the file.
    let before = std::fs::metadata(&file).unwrap().modified().unwrap();
    refresh(&file, &args)
        .success()
        .stderr(predicates::str::contains("unchanged"));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        new,
        "{name}: second run changed bytes"
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        before,
        "{name}: rewritten"
    );
    new
}

#[test]
fn fixtures_under_every_mode() {
    for f in fixtures_in("collections") {
        for mode in MODES {
            let new = check_one(&f, mode, None);
            let doc = parse(&new);
            let errors: Vec<String> = schema_validator(doc["info"]["schema"].as_str().unwrap())
                .iter_errors(&doc)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            // Our fixtures use "type": "inherit" on purpose (the schema refuses it); it must be
            // gone under tokens and all.
            if mode != "none" {
                assert!(errors.is_empty(), "{}: {errors:?}", f.display());
            }
        }
    }
}

#[test]
fn real_collections_under_every_mode_validate_against_the_schema() {
    for f in real_collections() {
        let original = parse(&std::fs::read(&f).unwrap());
        let validator = schema_validator(original["info"]["schema"].as_str().unwrap());
        let before: Vec<String> = validator
            .iter_errors(&original)
            .map(|e| e.to_string())
            .collect();
        for mode in MODES {
            let new = check_one(&f, mode, None);
            let doc = parse(&new);
            let after: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(
                after.iter().all(|e| before.contains(e)),
                "{} --inherit {mode}: new schema errors {after:?}",
                f.display()
            );
        }
    }
}

#[test]
fn header_prefix_is_set_or_emptied() {
    for f in fixtures_in("collections") {
        for p in ["", "JWT"] {
            let new = check_one(&f, "tokens", Some(p));
            let doc = parse(&new);
            let text = serde_json::to_string(&doc["auth"]["oauth2"]).unwrap();
            assert!(text.contains("headerPrefix"), "{}", f.display());
        }
    }
}

#[test]
fn replacing_a_token_in_a_tab_export_changes_one_line() {
    let (_dir, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let old = std::fs::read_to_string(&file).unwrap();
    refresh(&file, &["--inherit", "none"]).success();
    let new = std::fs::read_to_string(&file).unwrap();
    let changed: Vec<(&str, &str)> = old
        .lines()
        .zip(new.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(old.lines().count(), new.lines().count());
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].0, "\t\t\t\t\"value\": \"{{idToken}}\",");
    assert_eq!(changed[0].1, format!("\t\t\t\t\"value\": \"{TOKEN}\","));
}

#[test]
fn new_entries_are_written_like_their_neighbours() {
    // Root bearer in a 2-space file: the oauth2 block is added in 2-space style.
    let (_dir, file) = temp_copy(&fixture("collections/v21-2space-bearer.json"));
    refresh(&file, &["--inherit", "none"]).success();
    let new = std::fs::read_to_string(&file).unwrap();
    let want = format!(
        "  \"auth\": {{\n    \"type\": \"oauth2\",\n    \"bearer\": [\n      {{\n        \"key\": \"token\",\n        \"value\": \"{{{{token}}}}\",\n        \"type\": \"string\"\n      }}\n    ],\n    \"oauth2\": [\n      {{\n        \"key\": \"accessToken\",\n        \"value\": \"{TOKEN}\",\n        \"type\": \"string\"\n      }},\n"
    );
    assert!(
        new.contains(&want),
        "{}",
        &new[new
            .find("\"auth\": {\n    \"type\": \"oauth2\"")
            .unwrap_or(0)..][..400]
    );
    // Minified stays on one line.
    let (_dir, file) = temp_copy(&fixture("collections/v21-minified-null.json"));
    refresh(&file, &[]).success();
    let new = std::fs::read_to_string(&file).unwrap();
    assert!(!new.contains('\n'));
    assert!(new.contains(&format!(
        "\"auth\":{{\"type\":\"oauth2\",\"oauth2\":[{{\"key\":\"accessToken\",\"value\":\"{TOKEN}\",\"type\":\"string\"}}"
    )));
}

#[test]
fn keep_leaves_matched_items_and_their_subtree() {
    let (_dir, file) = temp_copy(&fixture("collections/v21-2space-bearer.json"));
    let old = parse(&std::fs::read(&file).unwrap());
    refresh(
        &file,
        &[
            "--inherit",
            "all",
            "--keep",
            "$.item[?(@.name == 'B1 (null)')]",
            "--keep",
            "$..item[?(@.name == 'A2 basic')].request",
        ],
    )
    .success()
    .stderr(predicates::str::contains("matched by --keep"));
    let new = parse(&std::fs::read(&file).unwrap());
    assert_eq!(new["item"][1], old["item"][1], "kept folder B1 changed");
    let a2 = &new["item"][0]["item"][8]["item"][2];
    assert_eq!(a2["name"], "A2 basic");
    assert_eq!(
        a2["request"]["auth"]["type"], "basic",
        "kept request lost its auth"
    );
    // Everything else under --inherit all lost its auth.
    assert!(new["item"][0].get("auth").is_none());
    assert!(new["item"][0]["item"][1]["request"].get("auth").is_none());
}

#[test]
fn the_locality_check_itself_catches_changes_outside_auth() {
    let text = b"{\n\t\"item\": [\n\t\t{\"name\": \"a\", \"request\": {\"auth\": {\"type\": \"bearer\"}, \"method\": \"GET\"}}\n\t],\n\t\"auth\": {\"type\": \"bearer\"}\n}";
    assert_eq!(
        String::from_utf8(without_auth(text)).unwrap(),
        "{\n\t\"item\": [\n\t\t{\"name\": \"a\", \"request\": {\"method\": \"GET\"}}\n\t]\n}"
    );
    let inside =
        String::from_utf8_lossy(text).replace("\"bearer\"}, \"method\"", "\"oauth2\"}, \"method\"");
    assert_only_auth_changed("inside", text, inside.as_bytes());
    let outside = String::from_utf8_lossy(text).replace("\"GET\"", "\"PUT\"");
    let caught =
        std::panic::catch_unwind(|| assert_only_auth_changed("outside", text, outside.as_bytes()));
    assert!(caught.is_err(), "a change outside auth went unnoticed");
    let reindented = String::from_utf8_lossy(text).replace("\n\t\t{", "\n    {");
    assert!(
        std::panic::catch_unwind(|| assert_only_auth_changed("ws", text, reindented.as_bytes()))
            .is_err()
    );
}

/// A person is shown the first 50 children left with their own auth and how many more there
/// are; `--json` lists every one.
#[test]
fn a_long_list_of_kept_children_is_cut_for_people_and_whole_in_json() {
    let items: Vec<Value> = (0..60)
        .map(|i| {
            serde_json::json!({
                "name": format!("R{i}"),
                "request": {"method": "GET", "url": "http://127.0.0.1/",
                            "auth": {"type": "basic", "basic": []}}
            })
        })
        .collect();
    let coll = serde_json::json!({
        "info": {"name": "many", "schema":
            "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": items
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&coll).unwrap()).unwrap();
    let o = refresh(&file, &["--check"]).code(1);
    let err = String::from_utf8_lossy(&o.get_output().stderr).into_owned();
    assert_eq!(err.matches("\n  kept R").count(), 50, "{err}");
    assert!(err.contains("kept R49 (request)"), "{err}");
    assert!(!err.contains("kept R50 "), "{err}");
    assert!(
        err.contains("... and 10 more kept with their own auth (--json lists them all)"),
        "{err}"
    );
    let o = refresh(&file, &["--check", "--json"]).code(1);
    let report: Value = serde_json::from_slice(&o.get_output().stdout).unwrap();
    assert_eq!(report["files"][0]["kept"].as_array().unwrap().len(), 60);
}

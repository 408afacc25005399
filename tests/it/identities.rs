//! Issue 25: several identities in one collection. A folder or request whose token auth sends
//! another variable (`{{token_admin}}`) is a deliberate identity: kept under every policy but
//! `all`, and named in the report; a literal token, or the collection's own variable, is a stale
//! copy, as before.

use serde_json::Value;

use crate::support::*;

fn roles() -> (tempfile::TempDir, std::path::PathBuf) {
    temp_copy(&fixture("identities/roles.postman_collection.json"))
}

/// The folder or request at `path` (names from the top), and its auth (`Null` when it has none).
fn auth_at(doc: &Value, path: &[&str]) -> Value {
    let mut items = doc["item"].as_array().unwrap().clone();
    let mut item = Value::Null;
    for name in path {
        item = items
            .iter()
            .find(|i| i["name"] == *name)
            .unwrap_or_else(|| panic!("no item {name}"))
            .clone();
        items = item["item"].as_array().cloned().unwrap_or_default();
    }
    if item.get("item").is_some() {
        item["auth"].clone()
    } else {
        item["request"]["auth"].clone()
    }
}

fn refresh_json(file: &std::path::Path, policy: &str) -> Value {
    let out = bin()
        .args([
            "refresh",
            "--json",
            "--token-var",
            "token",
            "--inherit",
            policy,
        ])
        .arg(file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn a_folder_that_sends_another_identity_is_kept_under_tokens() {
    let (_d, file) = roles();
    let report = refresh_json(&file, "tokens");
    let doc = parse(&std::fs::read(&file).unwrap());
    assert_eq!(
        auth_at(&doc, &["Admin"])["bearer"][0]["value"],
        "{{token_admin}}"
    );
    assert_eq!(
        auth_at(&doc, &["Ops"])["oauth2"][0]["value"],
        "{{ token_admin }}"
    );
    assert_eq!(auth_at(&doc, &["Public"])["type"], "noauth");
    // Stale copies inherit: the collection's own {{token}}, and a literal token.
    assert_eq!(auth_at(&doc, &["Admin", "Delete user"]), Value::Null);
    assert_eq!(auth_at(&doc, &["Users", "My orders"]), Value::Null);
    let kept = report["files"][0]["kept"].as_array().unwrap();
    for folder in ["Admin", "Ops"] {
        assert!(
            kept.iter().any(|k| k["path"] == folder
                && k["kind"] == "folder"
                && k["reason"]
                    .as_str()
                    .unwrap()
                    .starts_with("sends {{token_admin}}")),
            "{folder} is not listed as kept: {kept:?}"
        );
    }
    assert_eq!(report["files"][0]["requests_inheriting"], 2);
    // A second run changes nothing.
    let again = refresh_json(&file, "tokens");
    assert_eq!(again["files"][0]["status"], "unchanged");
}

#[test]
fn the_human_report_names_the_identity() {
    let (_d, file) = roles();
    bin()
        .args(["refresh", "--token-var", "token"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "kept Admin (folder): sends {{token_admin}}, an identity of its own",
        ));
}

#[test]
fn inherit_none_leaves_every_child_as_it_is() {
    let (_d, file) = roles();
    let before = std::fs::read_to_string(&file).unwrap();
    let report = refresh_json(&file, "none");
    assert_eq!(report["files"][0]["status"], "unchanged");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
}

#[test]
fn inherit_all_makes_the_identities_inherit_too() {
    let (_d, file) = roles();
    refresh_json(&file, "all");
    let doc = parse(&std::fs::read(&file).unwrap());
    for path in [
        &["Admin"][..],
        &["Ops"],
        &["Public"],
        &["Admin", "Delete user"],
    ] {
        assert_eq!(auth_at(&doc, path), Value::Null, "{path:?}");
    }
}

#[test]
fn check_passes_the_identities_and_flags_the_copies() {
    let (_d, file) = roles();
    let out = bin()
        .arg("check")
        .arg(&file)
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("Admin / Delete user (request): has its own bearer auth"),
        "{text}"
    );
    assert!(text.contains("Users / My orders (request)"), "{text}");
    assert!(!text.contains("Admin (folder)"), "{text}");
    assert!(!text.contains("Ops (folder)"), "{text}");
}

#[test]
fn a_v3_folder_that_sends_another_identity_is_kept() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("Roles API");
    let write = |rel: &str, text: &str| {
        let p = t.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        ".resources/definition.yaml",
        "$kind: collection\nname: Roles API\nauth:\n  type: oauth2\n  credentials:\n    accessToken: \"{{token}}\"\n",
    );
    let admin = "$kind: collection\norder: 1000\nauth:\n  type: bearer\n  credentials:\n    - key: token\n      value: \"{{token_admin}}\"\n";
    write("Admin/.resources/definition.yaml", admin);
    write(
        "Admin/Delete user.request.yaml",
        "$kind: http-request\nurl: http://127.0.0.1:9/admin/users/7\nmethod: DELETE\nauth:\n  type: bearer\n  credentials:\n    token: \"{{token}}\"\norder: 1000\n",
    );
    bin()
        .args(["refresh", "--token-var", "token"])
        .arg(&t)
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "kept Admin (folder): sends {{token_admin}}",
        ));
    assert_eq!(
        std::fs::read_to_string(t.join("Admin/.resources/definition.yaml")).unwrap(),
        admin
    );
    let req = std::fs::read_to_string(t.join("Admin/Delete user.request.yaml")).unwrap();
    assert!(!req.contains("auth"), "{req}");
    bin().arg("check").arg(&t).assert().success();
}

/// The roles collection with its `Ops` folder sending `{{token_ops}}`.
fn with_ops_identity() -> (tempfile::TempDir, std::path::PathBuf) {
    let (d, file) = roles();
    let text = std::fs::read_to_string(&file).unwrap();
    let mut doc = parse(text.as_bytes());
    let ops = doc["item"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["name"] == "Ops")
        .unwrap();
    ops["auth"]["oauth2"][0]["value"] = "{{token_ops}}".into();
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    (d, file)
}

#[test]
fn check_flags_a_folder_that_sends_an_undeclared_identity() {
    let (_d, file) = with_ops_identity();
    let out = bin()
        .args(["check", "--inherit", "none", "--identity", "token_admin"])
        .arg(&file)
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("Ops (folder): sends {{token_ops}}, which no identity declares"),
        "{text}"
    );
    assert!(!text.contains("Admin (folder)"), "{text}");
    // Declared, it passes.
    bin()
        .args(["check", "--inherit", "none"])
        .args(["--identity", "token_admin", "--identity", "token_ops"])
        .arg(&file)
        .assert()
        .success();
}

#[test]
fn check_takes_the_profile_s_identities_and_a_variable_the_collection_defines() {
    let (d, file) = with_ops_identity();
    std::fs::write(
        d.path().join("postman-cognito.toml"),
        "[profile.default]\ninherit = \"none\"\nidentities = { token_admin = \"admin\" }\n",
    )
    .unwrap();
    let run = || bin().current_dir(d.path()).arg("check").arg(&file).assert();
    let out = run().code(1).get_output().stderr.clone();
    assert!(
        String::from_utf8_lossy(&out).contains("Ops (folder): sends {{token_ops}}"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    // A collection variable named token_ops is what the folder sends: not a problem.
    let mut doc = parse(&std::fs::read(&file).unwrap());
    doc["variable"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"key": "token_ops", "value": ""}));
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    run().success();
}

/// `exec` with these arguments in a folder holding `config`: refused before any sign-in or
/// runner start, with `message` in its error.
fn refused(config: &str, args: &[&str], message: &str) {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("postman-cognito.toml"), config).unwrap();
    let out = bin()
        .current_dir(d.path())
        .args(["exec"])
        .args(args)
        .args(["--", "newman", "run", "api.json"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains(message), "{text}");
}

const USER: &str = "[profile.default]\nuser_pool_id = \"us-east-1_AbC\"\nclient_id = \"c\"\n\
                    username = \"u\"\nendpoint_url = \"http://127.0.0.1:9\"\n";

#[test]
fn an_identity_that_is_not_name_equals_profile_is_refused() {
    for bad in [
        "token_admin",
        "token_admin=admin:bogus",
        "=admin",
        "token_admin=",
    ] {
        refused(USER, &["--identity", bad], "token_admin");
    }
}

#[test]
fn an_identity_declared_twice_is_refused() {
    refused(
        USER,
        &["--identity", "a=x", "--identity", "a=y"],
        "declared twice",
    );
}

#[test]
fn an_identity_naming_a_profile_that_names_no_user_pool_is_refused() {
    refused(
        &format!("{USER}[profile.empty]\nflow = \"password\"\n"),
        &["--identity", "token_admin=empty"],
        "of identity token_admin names no user pool",
    );
}

#[test]
fn the_run_s_own_variable_with_two_sign_ins_is_refused() {
    refused(
        &format!(
            "{USER}[profile.other]\nuser_pool_id = \"us-east-1_AbC\"\nclient_id = \"c\"\nusername = \"v\"\n"
        ),
        &["--identity", "token=other"],
        "has two sign-ins",
    );
}

/// What an auth sends as its token: a bearer's `token` or an oauth2's `accessToken`, in either
/// params shape.
fn sends(auth: &Value) -> Option<String> {
    let (ty, key) = match auth["type"].as_str()? {
        "bearer" => ("bearer", "token"),
        "oauth2" => ("oauth2", "accessToken"),
        _ => return None,
    };
    match &auth[ty] {
        Value::Array(list) => list
            .iter()
            .rev()
            .find(|e| e["key"] == key)
            .and_then(|e| e["value"].as_str())
            .map(str::to_string),
        Value::Object(m) => m.get(key).and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// The item at index path `at`, mutably.
fn item_mut<'a>(doc: &'a mut Value, at: &[usize]) -> &'a mut Value {
    at.iter().fold(doc, |v, i| &mut v["item"][*i])
}

/// The auth of the item at `at` (a folder's, or its request's).
fn auth_mut<'a>(doc: &'a mut Value, at: &[usize]) -> &'a mut Value {
    let item = item_mut(doc, at);
    if item.get("item").is_some() {
        &mut item["auth"]
    } else {
        &mut item["request"]["auth"]
    }
}

/// `refresh --token-var token --assign PATTERN=token_admin` on a copy of `src`, checked against
/// an independent oracle: the refresh oracle for the rest, and for the item at `at`, an auth
/// that sends `{{token_admin}}` (its own bearer or oauth2 auth with that one param changed, or
/// a bearer auth). Outside the auth members, not a byte changes; a second run writes nothing.
fn assign_case(src: &std::path::Path, pattern: &str, at: &[usize]) {
    let (_d, file) = temp_copy(src);
    let old = std::fs::read(&file).unwrap();
    let orig = parse(&old);
    bin()
        .args(["refresh", "--token-var", "token", "--assign"])
        .arg(format!("{pattern}=token_admin"))
        .arg(&file)
        .assert()
        .success();
    let new = std::fs::read(&file).unwrap();
    let mut got = parse(&new);
    let mut want = oracle(
        &orig,
        &Want {
            token: "{{token}}",
            policy: "tokens",
            header_prefix: None,
        },
    );
    let name = format!("{}: {pattern}", src.display());
    let assigned = auth_mut(&mut got, at).clone();
    assert_eq!(
        sends(&assigned).as_deref(),
        Some("{{token_admin}}"),
        "{name}"
    );
    let before = auth_mut(&mut orig.clone(), at).clone();
    if sends(&before).is_some() {
        // Its own token auth: only the token param changed.
        let mut expected = before.clone();
        let ty = before["type"].as_str().unwrap().to_string();
        let key = if ty == "bearer" {
            "token"
        } else {
            "accessToken"
        };
        match &mut expected[&ty] {
            Value::Array(list) => {
                let e = list.iter_mut().rev().find(|e| e["key"] == key).unwrap();
                e["value"] = "{{token_admin}}".into();
            }
            Value::Object(m) => {
                m.insert(key.into(), "{{token_admin}}".into());
            }
            _ => unreachable!(),
        }
        assert_eq!(assigned, expected, "{name}");
    } else {
        assert_eq!(assigned["type"], "bearer", "{name}");
    }
    *auth_mut(&mut want, at) = assigned;
    assert_eq!(got, want, "{name}");
    assert_only_auth_changed(&name, &old, &new);
    bin()
        .args(["refresh", "--token-var", "token", "--assign"])
        .arg(format!("{pattern}=token_admin"))
        .arg(&file)
        .assert()
        .success();
    assert_eq!(std::fs::read(&file).unwrap(), new, "{name}: a second run");
}

#[test]
fn assign_gives_a_folder_without_auth_a_bearer_auth() {
    // Users: no auth of its own; its requests inherit.
    assign_case(
        &fixture("identities/roles-api.postman_collection.json"),
        "Users/**",
        &[2],
    );
}

#[test]
fn assign_sets_the_token_of_a_folder_s_own_bearer_auth() {
    assign_case(
        &fixture("identities/roles-api.postman_collection.json"),
        "Admin",
        &[0],
    );
}

#[test]
fn assign_sets_the_access_token_of_a_folder_s_own_oauth2_auth() {
    assign_case(
        &fixture("identities/roles-api.postman_collection.json"),
        "$..item[?(@.name == 'Ops')]",
        &[1],
    );
}

#[test]
fn assign_replaces_a_noauth_folder_and_adds_an_auth_to_a_request() {
    assign_case(
        &fixture("identities/roles-api.postman_collection.json"),
        "Public",
        &[3],
    );
    assign_case(
        &fixture("identities/roles-api.postman_collection.json"),
        "**/Health",
        &[3, 0],
    );
}

#[test]
fn assign_on_the_first_folder_of_every_real_collection() {
    let mut tried = 0;
    for src in real_collections() {
        let doc = parse(&std::fs::read(&src).unwrap());
        let Some((i, name)) = doc["item"].as_array().and_then(|items| {
            items.iter().enumerate().find_map(|(i, it)| {
                let name = it["name"].as_str()?;
                (it.get("item").is_some() && !name.contains('/')).then(|| (i, name.to_string()))
            })
        }) else {
            continue;
        };
        // A name may repeat at the top: the pattern names every folder of that name.
        if doc["item"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|it| it["name"] == name.as_str())
            .count()
            > 1
        {
            continue;
        }
        assign_case(&src, &format!("{name}/**"), &[i]);
        tried += 1;
    }
    assert!(tried >= 5, "only {tried} real collections have a folder");
}

#[test]
fn assign_refuses_what_it_cannot_do_and_writes_nothing() {
    for (pattern, message) in [
        ("Nobody=token_admin", "names no folder or request"),
        ("Admin=token", "the collection's own variable"),
        ("Admin", "is not PATTERN=VARIABLE"),
        ("$.item[=token_admin", "not a valid JSONPath"),
        ("$=token_admin", "selects the whole collection"),
    ] {
        let (_d, file) = temp_copy(&fixture("identities/roles-api.postman_collection.json"));
        let old = std::fs::read(&file).unwrap();
        let out = bin()
            .args(["refresh", "--token-var", "token", "--assign", pattern])
            .arg(&file)
            .assert()
            .failure()
            .get_output()
            .stderr
            .clone();
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains(message), "{pattern}: {text}");
        assert_eq!(std::fs::read(&file).unwrap(), old, "{pattern}");
    }
}

#[test]
fn assign_from_the_profile_is_restored_by_a_bare_refresh() {
    let (d, file) = temp_copy(&fixture("identities/roles-api.postman_collection.json"));
    std::fs::write(
        d.path().join("postman-cognito.toml"),
        "[profile.default]\ntoken_var = \"token\"\ncollections = \"*.json\"\n\
         assign = { \"Users/**\" = \"token_user\" }\n",
    )
    .unwrap();
    bin()
        .current_dir(d.path())
        .arg("refresh")
        .assert()
        .success();
    let doc = parse(&std::fs::read(&file).unwrap());
    assert_eq!(
        sends(&auth_at(&doc, &["Users"])).as_deref(),
        Some("{{token_user}}")
    );
    // Hand-edited away, the next bare refresh puts it back.
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("{{token_user}}", "{{token}}");
    std::fs::write(&file, text).unwrap();
    bin()
        .current_dir(d.path())
        .arg("refresh")
        .assert()
        .success();
    let doc = parse(&std::fs::read(&file).unwrap());
    assert_eq!(
        sends(&auth_at(&doc, &["Users"])).as_deref(),
        Some("{{token_user}}")
    );
}

//! Postman v3 collections (YAML folders): converted from this project's fixtures and real
//! collections by the real Postman CLI (`collection migrate`), refreshed, linted by the Postman
//! CLI, and run by it against a local recorder. What each request sends is compared with what
//! the same collection as JSON must send (newman.rs's oracle), so one expression and one policy
//! give the same result in both forms. Byte locality is checked with serde_yaml (libyaml), not
//! the reader the tool uses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::newman::{Expect, prepare};
use crate::support::recorder::Recorder;
use crate::support::*;

/// Every file under `dir` (hidden ones included), with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                out.insert(e.path(), std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

fn mtimes(dir: &Path) -> BTreeMap<PathBuf, std::time::SystemTime> {
    snapshot(dir)
        .keys()
        .map(|p| (p.clone(), std::fs::metadata(p).unwrap().modified().unwrap()))
        .collect()
}

/// Drops GraphQL requests (the Postman CLI refuses to run them without a login).
fn drop_graphql(items: &mut Vec<Value>) {
    items.retain(|i| i["request"]["body"]["mode"] != "graphql");
    for i in items {
        if let Some(Value::Array(children)) = i.get_mut("item") {
            drop_graphql(children);
        }
    }
}

/// Removes inherit markers (`"auth": null`, `{"type": "inherit"}`) as `collection migrate`
/// does, so that the JSON twin means what the migrated tree means.
fn drop_markers(items: &mut [Value]) {
    for i in items {
        let is_marker = |a: &Value| a.is_null() || a["type"] == "inherit";
        if i.get("auth").is_some_and(is_marker) {
            i.as_object_mut().unwrap().remove("auth");
        }
        if let Some(r) = i.get_mut("request").and_then(Value::as_object_mut)
            && r.get("auth").is_some_and(is_marker)
        {
            r.remove("auth");
        }
        if let Some(Value::Array(children)) = i.get_mut("item") {
            drop_markers(children);
        }
    }
}

/// `postman collection migrate json -o out`.
fn migrate(json: &Path, out: &Path, home: &Path) {
    let o = postman_offline(home)
        .args(["collection", "migrate"])
        .arg(json)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        o.status.success() && out.join(".resources/definition.yaml").is_file(),
        "migrate {}: {}{}",
        json.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn lint(tree: &Path, home: &Path) {
    let o = postman_offline(home)
        .args(["collection", "lint"])
        .arg(tree)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "lint {}: {}{}",
        tree.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn refresh(target: &Path, args: &[&str]) -> std::process::Output {
    std_bin()
        .arg("refresh")
        .args(args)
        .arg(target)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .output()
        .unwrap()
}

/// The YAML of `bytes` as a value (serde_yaml: libyaml, not the tool's reader).
fn yaml(bytes: &[u8]) -> serde_yaml::Value {
    let text = std::str::from_utf8(strip_bom(bytes)).unwrap();
    serde_yaml::from_str(text).unwrap()
}

fn without_key(mut v: serde_yaml::Value, key: &str) -> serde_yaml::Value {
    if let Some(m) = v.as_mapping_mut() {
        m.remove(key);
    }
    v
}

/// Apart from the `auth` members, every file reads the same before and after; files whose
/// bytes changed changed only there.
fn assert_only_auth_changed(
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
) {
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "no file added or removed"
    );
    for (path, old) in before {
        let new = &after[path];
        if old == new {
            continue;
        }
        assert_eq!(
            without_key(yaml(old), "auth"),
            without_key(yaml(new), "auth"),
            "{}: only the auth changed",
            path.display()
        );
        // Lines outside the auth block are the same lines, in the same order.
        let lines = |b: &[u8]| -> Vec<String> {
            let t = String::from_utf8_lossy(b).into_owned();
            let mut out = Vec::new();
            let mut in_auth = false;
            for l in t.split_inclusive('\n') {
                let top = !l.starts_with(' ') && !l.starts_with('-') && !l.trim().is_empty();
                if top {
                    in_auth = l.starts_with("auth:");
                }
                if !in_auth {
                    out.push(l.to_string());
                }
            }
            out
        };
        assert_eq!(
            lines(old),
            lines(new),
            "{}: lines outside auth",
            path.display()
        );
    }
}

/// One collection made runnable (URLs to one recorder, scripts and GraphQL requests dropped) as
/// a JSON twin, and migrated once by the Postman CLI; each policy then runs on copies.
struct Source {
    name: String,
    _dir: tempfile::TempDir,
    home: PathBuf,
    recorder: Recorder,
    twin: PathBuf,
    tree: PathBuf,
    dir: PathBuf,
}

fn source(src: &Path) -> Source {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let recorder = Recorder::start();
    let mut doc = parse(&std::fs::read(src).unwrap());
    if let Some(Value::Array(items)) = doc.get_mut("item") {
        drop_graphql(items);
        drop_markers(items);
    }
    prepare(&mut doc, &recorder.base());
    let twin = dir.path().join("twin.json");
    std::fs::write(&twin, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let tree = dir.path().join("tree");
    migrate(&twin, &tree, &home);
    Source {
        name: src.file_name().unwrap().to_string_lossy().into_owned(),
        home,
        recorder,
        twin,
        tree,
        dir: dir.path().to_path_buf(),
        _dir: dir,
    }
}

/// One collection, as JSON twin and v3 tree, refreshed with `args` and run: returns
/// (requests sent, requests that sent the token).
fn run_case(src: &Path, args: &[&str], env_file: bool) -> (usize, usize) {
    run_policy(&source(src), args, env_file)
}

/// [`run_case`] on a source already migrated: on a copy of its tree and of its twin.
fn run_policy(s: &Source, args: &[&str], env_file: bool) -> (usize, usize) {
    let name = format!("{} {}", s.name, args.join(" "));
    let case = s.dir.join(format!(
        "case-{}",
        args.join("-").replace(['$', '/', ' '], "_")
    ));
    let tree = case.join("tree");
    copy_tree(&s.tree, &tree);
    let twin = case.join("twin.json");
    std::fs::copy(&s.twin, &twin).unwrap();
    let home = &s.home;
    let recorder = &s.recorder;
    recorder.take();
    let before = snapshot(&tree);
    let env = case.join("env.environment.yaml");
    let env_s = env.to_str().unwrap();
    let mut all: Vec<&str> = args.to_vec();
    if env_file {
        all.extend(["--token-var", "token", "--env-file", env_s]);
    }
    let o = refresh(&tree, &all);
    assert!(
        o.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains(TOKEN),
        "{name}: token printed"
    );
    let after = snapshot(&tree);
    assert_only_auth_changed(&before, &after);
    for (p, b) in &after {
        assert!(
            !String::from_utf8_lossy(b).contains("type: inherit"),
            "{name}: {} holds type: inherit",
            p.display()
        );
    }
    // A second run writes nothing.
    let times = mtimes(&tree);
    let o = refresh(&tree, &all);
    assert!(o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("unchanged"),
        "{name}"
    );
    assert_eq!(times, mtimes(&tree), "{name}: the second run wrote nothing");
    // The Postman CLI's linter judges what was written. Under `tokens` the edits are a subset
    // of those under `all` (the root's, and auth blocks removed), and the run below reads the
    // tree too: one lint per source, where the most changes, keeps the suite's time.
    if !args.windows(2).any(|w| w == ["--inherit", "tokens"]) {
        lint(&tree, home);
    }
    // The JSON twin, refreshed the same way, says what each request must send.
    let twin_args: Vec<&str> = args.to_vec();
    let o = std_bin()
        .arg("refresh")
        .args(&twin_args)
        .args(if env_file {
            vec!["--token-var", "token"]
        } else {
            vec![]
        })
        .arg(&twin)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{name}: twin: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut patched = parse(&std::fs::read(&twin).unwrap());
    if env_file {
        // The environment ranks above collection variables.
        let vars = patched["variable"].as_array().cloned().unwrap_or_default();
        let mut vars: Vec<Value> = vars.into_iter().filter(|v| v["key"] != "token").collect();
        vars.push(json!({"key": "token", "value": TOKEN}));
        patched["variable"] = Value::Array(vars);
    }
    let expects = prepare(&mut patched, &recorder.base());
    let mut run = postman_offline(home);
    run.args(["collection", "run"]).arg(&tree);
    if env_file {
        run.arg("-e").arg(&env);
    }
    let o = run.output().unwrap();
    let seen = recorder.take();
    assert_eq!(
        seen.len(),
        expects.len(),
        "{name}: every request reached the recorder once: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
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
                with_token += usize::from(h.contains(TOKEN));
            }
            Expect::Absent => assert_eq!(s.authorization, None, "{name}: request {n}"),
            Expect::NotOurs => assert!(
                !s.authorization.as_deref().unwrap_or("").contains(TOKEN),
                "{name}: request {n} sent our token"
            ),
        }
    }
    (seen.len(), with_token)
}

/// The v2.1 collections: this project's fixtures and the real ones (v2.0 files are left out:
/// `collection migrate` refuses them).
fn v21_sources() -> Vec<PathBuf> {
    fixtures_in("collections")
        .into_iter()
        .chain(real_collections())
        .filter(|p| {
            let doc = parse(&std::fs::read(p).unwrap());
            doc["info"]["schema"]
                .as_str()
                .unwrap_or("")
                .contains("v2.1")
        })
        .collect()
}

/// A v2.1 source, migrated once, under both policies: the tree sends the token where its JSON
/// twin does.
fn twins(src: &Path) {
    let s = source(src);
    let (sent, tokens) = run_policy(&s, &["--inherit", "tokens"], false);
    assert!(
        sent == 0 || tokens > 0,
        "{}: no request sent the token",
        s.name
    );
    let (sent, tokens) = run_policy(&s, &["--inherit", "all"], false);
    assert_eq!(
        sent, tokens,
        "{}: --inherit all sends it everywhere",
        s.name
    );
}

/// One test per source, so that they run side by side.
macro_rules! twin_tests {
    ($($test:ident: $place:literal $file:literal,)*) => {
        $(
            #[test]
            #[ignore = "needs the Postman CLI: run scripts/test"]
            fn $test() {
                let path = match $place {
                    "fixtures" => fixture(concat!("collections/", $file)),
                    _ => shared(concat!("real-collections/", $file)),
                };
                twins(&path);
            }
        )*

        /// Every v2.1 source has its test above: a new fixture is not forgotten.
        #[test]
        fn v3_every_v21_source_has_its_twin_test() {
            let listed: Vec<&str> = vec![$($file),*];
            for src in v21_sources() {
                let name = src.file_name().unwrap().to_string_lossy().into_owned();
                assert!(listed.contains(&name.as_str()), "{name} has no twin test");
            }
        }
    };
}

twin_tests! {
    v3_twin_2space_bearer: "fixtures" "v21-2space-bearer.json",
    v3_twin_2space_noauth_root: "fixtures" "v21-2space-noauth-root.json",
    v3_twin_4space_no_auth: "fixtures" "v21-4space-no-auth.json",
    v3_twin_comma_first: "fixtures" "v21-comma-first.json",
    v3_twin_crlf_bom_duplicates: "fixtures" "v21-crlf-bom-duplicates.json",
    v3_twin_empty_root_auth_space: "fixtures" "v21-empty-root-auth-space.json",
    v3_twin_empty_root_auth: "fixtures" "v21-empty-root-auth.json",
    v3_twin_minified_null: "fixtures" "v21-minified-null.json",
    v3_twin_space_before_comma: "fixtures" "v21-space-before-comma.json",
    v3_twin_tabs_oauth2: "fixtures" "v21-tabs-oauth2.json",
    v3_twin_cori_data_api: "shared" "01_cori-data-api__postman.collection.json",
    v3_twin_pdoa: "shared" "02_pdoa__Performance_Dashboard_API.postman_collection.json",
    v3_twin_policy_route_multi: "shared" "03_testhell__policy-route-multi.postman_collection.json",
    v3_twin_brightspace_token: "shared" "04_brightspace__Get_Initial_Token.postman_collection.json",
    v3_twin_brightspace_notifications: "shared" "05_brightspace__Notification_Settings.postman_collection.json",
    v3_twin_msgraph: "shared" "06_msgraph__Microsoft_Graph.postman_collection.json",
}

/// `--header-prefix`, `--keep` and a YAML `--env-file` on a v3 twin, one case a test.
macro_rules! wire_tests {
    ($($name:ident: $src:expr, [$($arg:literal),*], $env:literal, $check:expr;)*) => {$(
        #[test]
        #[ignore = "needs the Postman CLI: run scripts/test"]
        fn $name() {
            let src: std::path::PathBuf = $src;
            let (sent, n) = run_case(&src, &[$($arg),*], $env);
            let check: fn(usize, usize) -> bool = $check;
            assert!(check(sent, n), "{}: {n} of {sent} sent the token", src.display());
        }
    )*};
}

wire_tests! {
    v3_header_prefix_empty_reaches_the_wire:
        fixture("collections/v21-tabs-oauth2.json"),
        ["--inherit", "all", "--header-prefix", ""], false, |_, n| n > 0;
    v3_header_prefix_jwt_reaches_the_wire:
        fixture("collections/v21-tabs-oauth2.json"),
        ["--inherit", "all", "--header-prefix", "JWT"], false, |_, n| n > 0;
    v3_keep_leaves_the_matched_request_alone:
        fixture("collections/v21-tabs-oauth2.json"),
        ["--inherit", "all", "--keep", "$..item[?(@.name == 'B1 (null)')]"], false,
        |sent, n| n > 0 && n < sent;
    v3_a_yaml_environment_reaches_the_wire:
        fixture("collections/v21-tabs-oauth2.json"),
        ["--inherit", "tokens"], true, |_, n| n > 0;
    v3_a_yaml_environment_reaches_the_wire_in_a_real_collection:
        shared("real-collections/02_pdoa__Performance_Dashboard_API.postman_collection.json"),
        ["--inherit", "tokens"], true, |_, n| n > 0;
}

/// Writes `files` (path relative to `dir`, content) under `dir`.
fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn read(p: &Path) -> String {
    String::from_utf8(std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn v3_edits_touch_only_the_auth_lines_in_every_style() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("Odd API");
    write_tree(
        &t,
        &[
            (
                ".resources/definition.yaml",
                "\u{feff}# The API\r\n$kind: collection\r\nname: 'Odd API'   # quoted\r\n\r\nauth:\r\n    type: bearer # was bearer\r\n    credentials:\r\n        -   key: token\r\n            value: \"{{old}}\"\r\nvariables:\r\n    base: \"http://x\"\r\n",
            ),
            (
                "Folder/.resources/definition.yaml",
                "$kind: collection\norder: 1000\nauth:\n  type: oauth2\n  credentials:\n    accessToken: stale # old copy\n# trailing comment\n",
            ),
            (
                "Folder/Get.request.yaml",
                "$kind: http-request\nurl: \"{{base}}/get\"\nauth: {type: bearer, credentials: {token: x}}\norder: 1000\n",
            ),
            (
                "Folder/Keep.request.yaml",
                "$kind: http-request\nurl: \"{{base}}/keep\"\nauth:\n  type: basic\n  credentials:\n    username: u\n",
            ),
            (
                "Marker.request.yaml",
                "$kind: http-request\nauth:\n  type: inherit\nurl: x\n",
            ),
        ],
    );
    let before = snapshot(&t);
    let o = refresh(&t, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let root = read(&t.join(".resources/definition.yaml"));
    assert_eq!(
        root,
        format!(
            "\u{feff}# The API\r\n$kind: collection\r\nname: 'Odd API'   # quoted\r\n\r\nauth:\r\n    type: oauth2 # was bearer\r\n    credentials:\r\n        - key: accessToken\r\n          value: {TOKEN}\r\n        - key: tokenType\r\n          value: Bearer\r\n        - key: addTokenTo\r\n          value: header\r\nvariables:\r\n    base: \"http://x\"\r\n"
        )
    );
    assert_eq!(
        read(&t.join("Folder/.resources/definition.yaml")),
        "$kind: collection\norder: 1000\n# trailing comment\n"
    );
    assert_eq!(
        read(&t.join("Folder/Get.request.yaml")),
        "$kind: http-request\nurl: \"{{base}}/get\"\norder: 1000\n"
    );
    assert_eq!(
        read(&t.join("Marker.request.yaml")),
        "$kind: http-request\nurl: x\n"
    );
    let after = snapshot(&t);
    assert_eq!(
        before[&t.join("Folder/Keep.request.yaml")],
        after[&t.join("Folder/Keep.request.yaml")]
    );
    assert_only_auth_changed(&before, &after);
    // The independent parser reads the root auth as Postman must.
    let auth = &yaml(&after[&t.join(".resources/definition.yaml")])["auth"];
    assert_eq!(auth["type"], "oauth2");
    assert_eq!(auth["credentials"][0]["value"], TOKEN);

    // The other shapes: a list entry holding a map of credentials, and no auth at all.
    let u = dir.path().join("Lists");
    write_tree(
        &u,
        &[(
            ".resources/definition.yaml",
            "$kind: collection\nname: Lists\nauth:\n  - id: 5bae46ab\n    type: oauth2\n    name: oauth2 auth\n    credentials:\n      accessToken: 'old'\n      tokenType: \"\"\n      challengeAlgorithm: S256\n",
        )],
    );
    let v = dir.path().join("Bare");
    write_tree(
        &v,
        &[(
            ".resources/definition.yaml",
            "$kind: collection\nname: Bare",
        )],
    );
    for (dir, want) in [
        (
            &u,
            format!(
                "$kind: collection\nname: Lists\nauth:\n  - id: 5bae46ab\n    type: oauth2\n    name: oauth2 auth\n    credentials:\n      accessToken: {TOKEN}\n      tokenType: \"\"\n      challengeAlgorithm: S256\n      addTokenTo: header\n"
            ),
        ),
        (
            &v,
            format!(
                "$kind: collection\nname: Bare\nauth:\n  type: oauth2\n  credentials:\n    accessToken: {TOKEN}\n    tokenType: Bearer\n    addTokenTo: header\n"
            ),
        ),
    ] {
        let o = refresh(dir, &[]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(read(&dir.join(".resources/definition.yaml")), want);
    }
}

#[test]
fn v3_bad_input_is_refused_with_its_place_and_nothing_is_written() {
    let def = "$kind: collection\nname: T\nauth:\n  type: bearer\n  credentials:\n    token: x\n";
    let req = "$kind: http-request\nurl: x\n";
    let deep = format!(
        "$kind: http-request\nx: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    /// (what, files, what the error must say)
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "anchor",
            vec![(
                ".resources/definition.yaml",
                "$kind: collection\nname: T\nauth: &a\n  type: bearer\n".into(),
            )],
            "definition.yaml:3:7: the collection's auth holds an anchor",
        ),
        (
            "alias",
            vec![(
                ".resources/definition.yaml",
                "$kind: collection\nname: T\nx: &t bearer\nauth:\n  type: *t\n".into(),
            )],
            "definition.yaml:5:9: the collection's auth holds an alias",
        ),
        (
            "flow",
            vec![(
                ".resources/definition.yaml",
                "$kind: collection\nname: T\nauth: {type: bearer}\n".into(),
            )],
            "definition.yaml:3:7: the collection's auth is written in flow style",
        ),
        (
            "tag",
            vec![(
                ".resources/definition.yaml",
                "$kind: collection\nname: T\nauth: !x\n  type: bearer\n".into(),
            )],
            "definition.yaml:3:7: the collection's auth holds an anchor or a tag",
        ),
        (
            "two documents",
            vec![
                (".resources/definition.yaml", def.into()),
                ("R.request.yaml", format!("{req}---\n{req}")),
            ],
            "R.request.yaml:3:1: more than one YAML document",
        ),
        (
            "tabs",
            vec![
                (".resources/definition.yaml", def.into()),
                (
                    "R.request.yaml",
                    "$kind: http-request\nauth:\n\ttype: bearer\n".into(),
                ),
            ],
            "R.request.yaml:3:2: not valid YAML: tabs",
        ),
        (
            "duplicate key",
            vec![
                (".resources/definition.yaml", def.into()),
                ("R.request.yaml", format!("{req}url: y\n")),
            ],
            "R.request.yaml:3:1: the key \"url\" appears twice",
        ),
        (
            "unknown kind",
            vec![
                (".resources/definition.yaml", def.into()),
                ("R.request.yaml", "$kind: http-requestz\n".into()),
            ],
            "R.request.yaml:1:8: $kind is \"http-requestz\"",
        ),
        (
            "deep",
            vec![
                (".resources/definition.yaml", def.into()),
                ("R.request.yaml", deep),
            ],
            "R.request.yaml:2:",
        ),
        (
            "invalid",
            vec![
                (".resources/definition.yaml", def.into()),
                ("R.request.yaml", "$kind: http-request\nurl: \"x\n".into()),
            ],
            "R.request.yaml:",
        ),
    ];
    for (what, files, needle) in cases {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("T");
        let files: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
        write_tree(&t, &files);
        let before = snapshot(&t);
        let o = refresh(&t, &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{what}: {err}");
        assert!(err.contains(needle), "{what}: {err}");
        assert!(!err.contains(TOKEN));
        assert_eq!(before, snapshot(&t), "{what}: nothing written");
    }
    // check says that a tree cannot be refreshed, and why.
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("T");
    write_tree(
        &t,
        &[
            (".resources/definition.yaml", def),
            (
                "R.request.yaml",
                "$kind: http-request\nauth: &a\n  type: bearer\n",
            ),
        ],
    );
    let o = std_bin().arg("check").arg(&t).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cannot be refreshed: ")
            && String::from_utf8_lossy(&o.stderr).contains("R.request.yaml:2:7"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A symbolic link loop, a folder inside a collection, a folder that is none, a huge file.
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("T");
    write_tree(
        &t,
        &[
            (".resources/definition.yaml", def),
            ("F/.resources/definition.yaml", "$kind: collection\n"),
            ("F/R.request.yaml", req),
        ],
    );
    std::os::unix::fs::symlink(&t, t.join("F/loop")).unwrap();
    let before = snapshot(&t);
    let o = refresh(&t, &[]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("loop is a symbolic link"));
    std::fs::remove_file(t.join("F/loop")).unwrap();
    let o = refresh(&t.join("F"), &[]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is a folder inside the v3 collection"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = refresh(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a folder, not a collection file"));
    let big = std::fs::File::create(t.join("F/Big.request.yaml")).unwrap();
    big.set_len(1 << 30).unwrap();
    let o = refresh(&t, &[]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("Big.request.yaml is 1024 MiB"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::remove_file(t.join("F/Big.request.yaml")).unwrap();
    assert_eq!(before, snapshot(&t), "nothing written");
    // --output cannot take a folder.
    let o = refresh(&t, &["-o", "x.json"]);
    assert_eq!(o.status.code(), Some(2));
}

/// A tree of `n` requests in folders of 100, each holding a stale bearer copy.
fn big_tree(dir: &Path, n: usize) -> PathBuf {
    let t = dir.join("Big");
    let mut files = vec![(
        ".resources/definition.yaml".to_string(),
        "$kind: collection\nname: Big\nauth:\n  type: bearer\n  credentials:\n    token: \"{{old}}\"\n".to_string(),
    )];
    for i in 0..n {
        let folder = format!("F{:03}", i / 100);
        if i % 100 == 0 {
            files.push((
                format!("{folder}/.resources/definition.yaml"),
                format!("$kind: collection\norder: {i}\n"),
            ));
        }
        files.push((
            format!("{folder}/R{i:05}.request.yaml"),
            format!("$kind: http-request\nurl: http://127.0.0.1:9/r/{i}\nmethod: GET\nauth:\n  type: bearer\n  credentials:\n    token: stale-{i}\norder: {i}\n"),
        ));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write_tree(&t, &refs);
    t
}

/// Each request file is whole: the old content or the old content without its auth lines.
fn assert_each_file_whole(t: &Path, tokens: &[&str]) {
    for (path, bytes) in snapshot(t) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".tmp") {
            continue; // a killed run's staging file, never a collection file
        }
        let v = yaml(&bytes);
        if name.ends_with(".request.yaml") {
            let i: usize = name[1..6].parse().unwrap();
            let old = format!(
                "$kind: http-request\nurl: http://127.0.0.1:9/r/{i}\nmethod: GET\nauth:\n  type: bearer\n  credentials:\n    token: stale-{i}\norder: {i}\n"
            );
            let new = format!(
                "$kind: http-request\nurl: http://127.0.0.1:9/r/{i}\nmethod: GET\norder: {i}\n"
            );
            let text = String::from_utf8(bytes).unwrap();
            assert!(text == old || text == new, "{}: {text:?}", path.display());
        } else if path.ends_with("Big/.resources/definition.yaml") {
            let tok = v["auth"]["credentials"]["token"]
                .as_str()
                .map(str::to_string);
            let acc = v["auth"]["credentials"]["accessToken"]
                .as_str()
                .map(str::to_string);
            assert!(
                tok.as_deref() == Some("{{old}}")
                    || acc.as_deref().is_some_and(|a| tokens.contains(&a)),
                "{}: {v:?}",
                path.display()
            );
        }
    }
}

/// How many request files of the tree no longer hold their auth.
fn renamed_count(t: &Path) -> usize {
    snapshot(t)
        .iter()
        .filter(|(p, b)| {
            p.to_string_lossy().ends_with(".request.yaml")
                && !String::from_utf8_lossy(b).contains("auth:")
        })
        .count()
}

/// A run on a 300-request tree ended at once (as by a SIGKILL) at a debug-build fail point
/// after `staged` files were staged, or after `renamed` renames: every file is whole, exactly
/// the renamed ones changed, `check` reports a half-renamed tree, and the next run completes it.
fn killed_at(staged: Option<usize>, renamed: Option<usize>) {
    let dir = tempfile::tempdir().unwrap();
    let t = big_tree(dir.path(), 300);
    let mut run = std_bin();
    run.arg("refresh")
        .arg(&t)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN);
    if let Some(n) = staged {
        run.env("POSTMAN_COGNITO_DEBUG_ABORT_AFTER_STAGED", n.to_string());
    }
    if let Some(n) = renamed {
        run.env("POSTMAN_COGNITO_DEBUG_ABORT_AFTER_RENAMES", n.to_string());
    }
    let o = run.output().unwrap();
    assert!(!o.status.success(), "the run was not stopped");
    assert_each_file_whole(&t, &[TOKEN]);
    let n = renamed.unwrap_or(0);
    assert_eq!(
        renamed_count(&t),
        n,
        "exactly the files renamed before the kill changed"
    );
    // What the killed run left staged is readable by its owner only.
    for (path, _) in snapshot(&t) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".postman-cognito.tmp") {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o077;
            let root =
                name.starts_with(".definition.yaml") && path.parent().unwrap().parent() == Some(&t);
            assert!(
                !root || mode == 0,
                "{}: the staged root is not private",
                path.display()
            );
        }
    }
    if n > 0 {
        // A half-renamed tree: the root still holds the old auth (it is renamed last).
        let check = std_bin().arg("check").arg(&t).output().unwrap();
        assert_eq!(check.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&check.stderr).contains("collection auth"));
    }
    let o = refresh(&t, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(renamed_count(&t), 300);
    let check = std_bin().arg("check").arg(&t).output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let left: Vec<_> = snapshot(&t)
        .into_keys()
        .filter(|p| p.to_string_lossy().ends_with(".postman-cognito.tmp"))
        .collect();
    assert!(left.is_empty(), "the next run left staged files: {left:?}");
}

#[test]
fn v3_a_kill_while_staging_changes_no_file() {
    killed_at(Some(150), None);
}

#[test]
fn v3_a_kill_after_the_first_rename_leaves_every_file_whole() {
    killed_at(None, Some(1));
}

#[test]
fn v3_a_kill_between_two_renames_leaves_every_file_whole() {
    killed_at(None, Some(157));
}

#[test]
fn v3_a_kill_before_the_root_is_renamed_leaves_every_file_whole() {
    killed_at(None, Some(300));
}

/// A real SIGKILL, not a fail point, while a run stages a tree: every file is whole.
#[test]
fn v3_a_real_sigkill_leaves_every_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let t = big_tree(dir.path(), 300);
    let mut child = std_bin()
        .arg("refresh")
        .arg(&t)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(30));
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    assert_each_file_whole(&t, &[TOKEN]);
    let o = refresh(&t, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(renamed_count(&t), 300);
}

#[test]
fn v3_parallel_runs_leave_a_consistent_tree() {
    let dir = tempfile::tempdir().unwrap();
    let t = big_tree(dir.path(), 300);
    let tokens: Vec<String> = (0..4)
        .map(|i| token_with_sub(&format!("runner-{i}")))
        .collect();
    let children: Vec<_> = tokens
        .iter()
        .map(|tok| {
            std_bin()
                .arg("refresh")
                .arg(&t)
                .env("POSTMAN_COGNITO_TOKEN", tok)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    assert_each_file_whole(&t, &refs);
    for (path, bytes) in snapshot(&t) {
        assert!(
            yaml(&bytes).get("auth").is_none() || path.ends_with("Big/.resources/definition.yaml"),
            "{}",
            path.display()
        );
    }
}

/// A token like [`TOKEN`] with another subject.
fn token_with_sub(sub: &str) -> String {
    use base64::Engine;
    let b = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2ln",
        b(json!({"alg": "RS256", "kid": "test"})),
        b(json!({"token_use": "id", "aud": "client", "exp": 4102444800u64, "sub": sub}))
    )
}

/// A tree with live tokens where real v3 trees hold them: the root's accessToken (a plain
/// scalar, as `migrate` writes it), a request header, a saved example's login response (a block
/// scalar), and a YAML environment beside it.
fn tree_with_tokens(dir: &Path, tok: &str) -> (PathBuf, PathBuf) {
    let t = dir.join("API");
    write_tree(
        &t,
        &[
            (
                ".resources/definition.yaml",
                &format!(
                    "$kind: collection\nname: API\nauth:\n  - id: a1\n    type: oauth2\n    name: oauth2 auth\n    credentials:\n      accessToken: {tok}\n      addTokenTo: header\n"
                ),
            ),
            (
                "Login.request.yaml",
                &format!(
                    "$kind: http-request\nurl: https://x/login\nheaders:\n  X-Trace: 'Bearer {tok}'\n  X-Other: {tok} trailing\nexamples:\n  - ok\norder: 1\n"
                ),
            ),
            (
                ".resources/Login.resources/examples/ok.example.yaml",
                &format!(
                    "$kind: http-example\nresponse:\n  body: |\n    {{\"id_token\": \"{tok}\"}}\n"
                ),
            ),
        ],
    );
    let env = dir.join("dev.environment.yaml");
    std::fs::write(&env, format!("name: dev\nvalues:\n  - key: token\n    value: {tok}\n    enabled: true\n    type: secret\n")).unwrap();
    (t, env)
}

#[test]
fn v3_scrub_finds_and_removes_tokens_in_every_file_of_a_tree() {
    let dir = tempfile::tempdir().unwrap();
    let (t, env) = tree_with_tokens(dir.path(), TOKEN);
    let o = std_bin()
        .args(["scrub", "--check"])
        .arg(&t)
        .arg(&env)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    for place in [
        "definition.yaml:8:20",
        "Login.request.yaml:4:20",
        "Login.request.yaml:5:12",
        "ok.example.yaml:4:19",
        "dev.environment.yaml:4:12",
    ] {
        assert!(err.contains(place), "{place}: {err}");
    }
    assert!(!err.contains(TOKEN));
    let o = std_bin()
        .args(["scrub", "--token-var", "token"])
        .arg(&t)
        .arg(&env)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = snapshot(&t);
    for (path, bytes) in all.iter().chain([(&env, &std::fs::read(&env).unwrap())]) {
        assert!(
            !String::from_utf8_lossy(bytes).contains("eyJ"),
            "{}",
            path.display()
        );
        yaml(bytes); // still YAML
    }
    let root = yaml(&all[&t.join(".resources/definition.yaml")]);
    assert_eq!(root["auth"][0]["credentials"]["accessToken"], "{{token}}");
    let req = yaml(&all[&t.join("Login.request.yaml")]);
    assert_eq!(req["headers"]["X-Trace"], "Bearer {{token}}");
    assert_eq!(req["headers"]["X-Other"], "{{token}} trailing");
    assert_eq!(
        yaml(&std::fs::read(&env).unwrap())["values"][0]["value"],
        ""
    );
    let o = std_bin()
        .args(["scrub", "--check"])
        .arg(&t)
        .arg(&env)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn v3_pre_commit_checks_staged_yaml_and_check_finds_tracked_trees() {
    let (_d, root) = crate::git_safety::repo();
    bin()
        .current_dir(&root)
        .args(["hook", "install", "pre-commit"])
        .assert()
        .success();
    let collections = root.join("postman/collections");
    let (t, _env) = tree_with_tokens(&collections, &crate::git_safety::jwt_expiring_in(3600));
    std::fs::remove_file(&_env).unwrap();
    assert!(
        crate::git_safety::git(&root, &["add", "."])
            .status
            .success()
    );
    let commit = crate::git_safety::git(&root, &["commit", "-qm", "leak"]);
    assert!(!commit.status.success(), "a staged token was committed");
    let err = String::from_utf8_lossy(&commit.stderr).into_owned();
    for f in [
        "definition.yaml:8:20",
        "Login.request.yaml:4:20",
        "ok.example.yaml:4:19",
    ] {
        assert!(err.contains(f), "{f}: {err}");
    }
    // Scrubbed and staged: the commit goes through. refresh and check find the tree by itself.
    bin()
        .args(["scrub", "--token-var", "token"])
        .arg(&t)
        .assert()
        .success();
    assert!(
        crate::git_safety::git(&root, &["add", "."])
            .status
            .success()
    );
    let commit = crate::git_safety::git(&root, &["commit", "-qm", "clean"]);
    assert!(
        commit.status.success(),
        "{}",
        String::from_utf8_lossy(&commit.stderr)
    );
    let o = std_bin().arg("check").current_dir(&root).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("ok postman/collections/API"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // `check` on one file of the tree (as the pre-commit framework calls it).
    std::fs::write(
        t.join("Stale.request.yaml"),
        "$kind: http-request\nauth:\n  type: inherit\n",
    )
    .unwrap();
    let o = std_bin()
        .arg("check")
        .arg(t.join("Stale.request.yaml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("type: inherit"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn v3_pre_push_checks_the_pushed_definition_and_requests() {
    let (_d, root) = crate::git_safety::repo_with_remote();
    bin()
        .current_dir(&root)
        .args(["hook", "install", "pre-push"])
        .assert()
        .success();
    let t = root.join("postman/collections/API");
    let expired = crate::git_safety::jwt_expiring_in(-60);
    write_tree(
        &t,
        &[
            (
                ".resources/definition.yaml",
                &format!(
                    "$kind: collection\nname: API\nauth:\n  type: oauth2\n  credentials:\n    accessToken: {expired}\n"
                ),
            ),
            (
                "R.request.yaml",
                "$kind: http-request\nurl: x\nauth:\n  type: bearer\n  credentials:\n    token: old\n",
            ),
        ],
    );
    let git = |args: &[&str]| crate::git_safety::git(&root, args);
    assert!(git(&["add", "."]).status.success());
    assert!(git(&["commit", "-qm", "stale"]).status.success());
    let push = git(&["push", "-q", "origin", "main"]);
    assert!(!push.status.success(), "a stale tree was pushed");
    let err = String::from_utf8_lossy(&push.stderr).into_owned();
    assert!(
        err.contains("definition.yaml (in ") && err.contains("expired"),
        "{err}"
    );
    assert!(
        err.contains("R.request.yaml") && err.contains("own bearer auth"),
        "{err}"
    );
    // Refreshed with a reference and committed: the push goes through.
    bin()
        .args(["refresh", "--token-var", "token"])
        .arg(&t)
        .assert()
        .success();
    assert!(git(&["commit", "-qam", "fresh"]).status.success());
    let push = git(&["push", "-q", "origin", "main"]);
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
}

#[test]
fn v3_folders_named_by_the_profile_are_refreshed() {
    let (_d, root) = crate::git_safety::repo();
    let t = root.join("postman/collections/Orders API");
    copy_tree(&fixture("v3/Orders API"), &t);
    std::fs::write(
        root.join("postman-cognito.toml"),
        "[profile.default]\ncollections = [\"postman/collections/*\"]\n",
    )
    .unwrap();
    let o = std_bin()
        .args(["refresh", "--token-var", "token"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("updated "),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let def = yaml(&std::fs::read(t.join(".resources/definition.yaml")).unwrap());
    assert_eq!(def["auth"][0]["credentials"]["accessToken"], "{{token}}");
}

/// Copies the folder `src` to `dst` (files made writable).
fn copy_tree(src: &Path, dst: &Path) {
    for (p, b) in snapshot(src) {
        let to = dst.join(p.strip_prefix(src).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, b).unwrap();
    }
}

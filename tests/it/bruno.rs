//! Issue 27: Bruno collections kept as `.bru` files. Real public collections (fixtures/bruno-wild,
//! SOURCES.md names each) under every policy: only auth lines change, a second run changes
//! nothing, and each child ends as an oracle written here says (its own small reader, not the
//! tool's). With the real `bru` CLI 4.1: `exec -- bru run` on what `refresh` wrote sends the
//! token to exactly the requests that Bruno's rule (measured: `mergeAuth` in its CLI) gives it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::runners::{PASSWORD, Pool, pool};
use crate::support::*;

/// What `refresh` makes the root send by default.
const SENT: &str = "{{process.env.COGNITO_TOKEN}}";

/// A copy of `fixtures/bruno-wild/<name>` (with CRLF line breaks in its `.bru` files when
/// `crlf`).
fn wild(name: &str, crlf: bool) -> tempfile::TempDir {
    let d = copy_of(&fixture(&format!("bruno-wild/{name}")));
    if crlf {
        for (rel, bytes) in files_of(d.path()) {
            if rel.extension().is_some_and(|e| e == "bru") {
                let text = String::from_utf8(bytes).unwrap().replace("\r\n", "\n");
                std::fs::write(d.path().join(rel), text.replace('\n', "\r\n")).unwrap();
            }
        }
    }
    d
}

/// A copy of `fixtures/bruno-wild-yml/<name>`: the collection as Bruno's own writer puts it in
/// YAML (tests/it/support/bru_to_yml.js).
fn wild_yaml(name: &str) -> tempfile::TempDir {
    copy_of(&fixture(&format!("bruno-wild-yml/{name}")))
}

/// A copy of the folder `src`.
pub(crate) fn copy_of(src: &Path) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (rel, bytes) in files_of(src) {
        let to = d.path().join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(&to, bytes).unwrap();
    }
    d
}

/// Every file under `dir` (relative path, bytes), sorted.
fn files_of(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if !p.ends_with(".home") {
                    stack.push(p);
                }
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

// ---- the test's own reader of .bru files: top-level blocks and their `key: value` lines ----

/// The blocks of a `.bru` text: (name, lines of its body), a block ending at the first line that
/// starts with `}` or `]`.
fn blocks(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if open {
            if line.starts_with('}') || line.starts_with(']') {
                open = false;
            } else {
                out.last_mut().unwrap().1.push(line.to_string());
            }
        } else if let Some(head) = line
            .strip_suffix('{')
            .or_else(|| line.strip_suffix('['))
            .filter(|_| !line.starts_with(' '))
        {
            out.push((head.trim().to_string(), Vec::new()));
            open = true;
        }
    }
    out
}

/// The value of `key` in the first block named `block`.
fn value(text: &str, block: &str, key: &str) -> Option<String> {
    blocks(text)
        .into_iter()
        .find(|(n, _)| n == block)?
        .1
        .iter()
        .find_map(|l| {
            let (k, v) = l.trim_start().split_once(':')?;
            (k.trim() == key).then(|| v.trim().to_string())
        })
}

const METHODS: &[&str] = &[
    "get", "post", "put", "delete", "patch", "options", "head", "connect", "trace", "http",
];

/// A request's auth mode (its method block's `auth:` line; `none` without one), or a folder's or
/// the root's (`auth { mode }`).
fn mode(text: &str, request: bool) -> String {
    if request {
        let method = blocks(text)
            .into_iter()
            .find(|(n, _)| METHODS.contains(&n.as_str()))
            .map(|(n, _)| n);
        method
            .and_then(|m| value(text, &m, "auth"))
            .unwrap_or_else(|| "none".into())
    } else {
        value(text, "auth", "mode").unwrap_or_else(|| "none".into())
    }
}

fn is_request(rel: &Path) -> bool {
    let name = rel.file_name().unwrap().to_string_lossy();
    name.ends_with(".bru")
        && name != "collection.bru"
        && name != "folder.bru"
        && !rel.starts_with("environments")
}

/// The text without its `auth` and `auth:bearer` blocks, its method blocks' `auth:` lines and its
/// blank lines: what must be byte for byte the same before and after a refresh.
fn without_auth(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    let mut in_method = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        if skipping {
            if bare.starts_with('}') {
                skipping = false;
            }
            continue;
        }
        if bare == "auth {" || bare == "auth:bearer {" {
            skipping = true;
            continue;
        }
        if let Some(head) = bare.strip_suffix(" {") {
            in_method = METHODS.contains(&head);
        } else if bare.starts_with('}') {
            in_method = false;
        }
        if bare.trim().is_empty() || (in_method && bare.trim_start().starts_with("auth:")) {
            continue;
        }
        out.push_str(line);
    }
    out
}

/// A file's own auth as the oracle reads it.
struct Auth {
    mode: String,
    /// The bearer token sent.
    token: Option<String>,
    client_credentials: bool,
    /// Whether the file says (an auth line or block; a folder without one inherits nothing).
    written: bool,
}

/// A `.bru` file's auth.
fn auth_bru(text: &str, request: bool) -> Auth {
    let m = mode(text, request);
    let written = if request {
        m != "none" || text.contains("auth: none")
    } else {
        value(text, "auth", "mode").is_some()
    };
    Auth {
        token: (m == "bearer")
            .then(|| value(text, "auth:bearer", "token"))
            .flatten(),
        client_credentials: value(text, "auth:oauth2", "grant_type").as_deref()
            == Some("client_credentials"),
        mode: m,
        written,
    }
}

/// A YAML file's auth: a request's `http.auth` (`runtime.auth` without one), else `request.auth`.
fn auth_yaml(text: &str, request: bool) -> Auth {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).unwrap_or_default();
    let holder = if !request {
        "request"
    } else {
        match doc["info"]["type"].as_str() {
            Some("graphql") => "graphql",
            _ => "http",
        }
    };
    let mut a = &doc[holder]["auth"];
    if a.is_null() && request {
        a = &doc["runtime"]["auth"];
    }
    let m = match (a.as_str(), a["type"].as_str()) {
        (Some("inherit"), _) => "inherit",
        (_, Some(t)) => t,
        _ => "none",
    };
    Auth {
        mode: m.to_string(),
        token: a["token"].as_str().map(str::to_string),
        client_credentials: a["flow"].as_str() == Some("client_credentials"),
        written: !a.is_null(),
    }
}

/// What the child must end as, from what it was, under `policy` (the rules of docs/bruno.md).
fn expected_mode(before: &Auth, request: bool, policy: &str, own: &[String]) -> String {
    let m = before.mode.clone();
    let var = before
        .token
        .as_deref()
        .and_then(|t| t.strip_prefix("{{"))
        .and_then(|t| t.strip_suffix("}}"))
        .map(str::trim);
    let identity = m == "bearer" && var.is_some_and(|v| !own.iter().any(|o| o == v));
    let stale = (m == "bearer" && !identity) || (m == "oauth2" && !before.client_credentials);
    match policy {
        _ if m == "inherit" || identity => m,
        "tokens" if stale => "inherit".into(),
        "all" if request || before.written => "inherit".into(),
        _ => m,
    }
}

/// One of Bruno's two on-disk forms, as the oracle reads it.
struct Form {
    root: &'static str,
    folder: &'static str,
    ext: &'static str,
    auth: fn(&str, bool) -> Auth,
    normal: fn(&str) -> String,
}

const BRU_FORM: Form = Form {
    root: "collection.bru",
    folder: "folder.bru",
    ext: "bru",
    auth: auth_bru,
    normal: without_auth,
};

const YAML_FORM: Form = Form {
    root: "opencollection.yml",
    folder: "folder.yml",
    ext: "yml",
    auth: auth_yaml,
    normal: without_yaml_auth,
};

/// The YAML text without its `auth:` entries (each with its deeper lines), a `request:` left
/// empty by that, and blank lines.
fn without_yaml_auth(text: &str) -> String {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut kept: Vec<&str> = Vec::new();
    let mut skip_deeper_than: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        if bare.trim().is_empty() {
            continue;
        }
        if let Some(i) = skip_deeper_than {
            if indent(bare) > i {
                continue;
            }
            skip_deeper_than = None;
        }
        if bare.trim_start().starts_with("auth:") {
            skip_deeper_than = Some(indent(bare));
            continue;
        }
        kept.push(line);
    }
    let mut out = String::new();
    for (i, line) in kept.iter().enumerate() {
        let bare = line.trim_end_matches(['\r', '\n']);
        let next_deeper = kept.get(i + 1).is_some_and(|n| indent(n) > indent(bare));
        if bare.trim_end().ends_with(':') && bare.trim_start() == "request:" && !next_deeper {
            continue;
        }
        out.push_str(line);
    }
    out
}

fn refresh(dir: &Path, args: &[&str]) -> std::process::Output {
    std_bin()
        .arg("refresh")
        .arg(dir)
        .args(args)
        .env_remove("POSTMAN_COGNITO_TOKEN")
        .output()
        .unwrap()
}

fn ok(o: &std::process::Output) {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Refreshes a copy of `name` under `policy`: only auth lines change, each child ends as the
/// oracle says, the root sends the variable, and a second run changes nothing.
fn refreshed_as_the_oracle_says(name: &str, policy: &str, crlf: bool) {
    refreshed_in_form(&BRU_FORM, wild(name, crlf), name, policy, crlf);
}

fn yaml_refreshed_as_the_oracle_says(name: &str, policy: &str) {
    refreshed_in_form(&YAML_FORM, wild_yaml(name), name, policy, false);
}

fn refreshed_in_form(form: &Form, d: tempfile::TempDir, name: &str, policy: &str, crlf: bool) {
    let before = files_of(d.path());
    let old_root = before
        .iter()
        .find(|(r, _)| r == Path::new(form.root))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let mut own: Vec<String> = vec!["token".into(), "COGNITO_TOKEN".into()];
    own.push("process.env.COGNITO_TOKEN".into());
    let was = (form.auth)(&old_root, false);
    if was.mode == "bearer"
        && let Some(t) = was.token
        && let Some(v) = t.strip_prefix("{{").and_then(|t| t.strip_suffix("}}"))
    {
        own.push(v.trim().to_string());
    }
    ok(&refresh(d.path(), &["--inherit", policy]));
    let after = files_of(d.path());
    let root = (form.auth)(
        &std::fs::read_to_string(d.path().join(form.root)).unwrap(),
        false,
    );
    assert_eq!(root.mode, "bearer", "{name}: the root");
    assert_eq!(root.token.as_deref(), Some(SENT), "{name}: the root");
    let mut changed = 0;
    for (rel, new) in &after {
        let old = before
            .iter()
            .find(|(r, _)| r == rel)
            .map_or(&[][..], |(_, b)| &b[..]);
        let (old_t, new_t) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
        assert_eq!(
            (form.normal)(&old_t),
            (form.normal)(&new_t),
            "{name}/{}: more than auth lines changed",
            rel.display()
        );
        if crlf && rel.extension().is_some_and(|e| e == "bru") {
            assert!(
                !new_t.replace("\r\n", "").contains('\n'),
                "{name}/{}: a bare LF in a CRLF file",
                rel.display()
            );
        }
        if old != &new[..] {
            changed += 1;
        }
        let name_of = rel.file_name().unwrap().to_string_lossy();
        let request = rel.extension().is_some_and(|e| e == form.ext)
            && name_of != form.root
            && name_of != form.folder
            && !rel.starts_with("environments");
        if request || name_of == form.folder {
            assert_eq!(
                (form.auth)(&new_t, request).mode,
                expected_mode(&(form.auth)(&old_t, request), request, policy, &own),
                "{name}/{}: under --inherit {policy}",
                rel.display()
            );
        }
    }
    assert!(changed >= 1, "{name}: nothing changed");
    assert_eq!(before.len() + usize::from(old_root.is_empty()), after.len());
    let again = refresh(d.path(), &["--inherit", policy]);
    ok(&again);
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("unchanged"),
        "{name}: a second run changed something"
    );
    assert_eq!(files_of(d.path()), after, "{name}: a second run wrote");
}

macro_rules! yaml_cases {
    ($($test:ident: $name:literal, $policy:literal;)*) => {$(
        #[test]
        fn $test() {
            yaml_refreshed_as_the_oracle_says($name, $policy);
        }
    )*};
}

yaml_cases! {
    bruno_yaml_testbench_oauth2_tokens: "testbench-oauth2", "tokens";
    bruno_yaml_testbench_oauth2_all: "testbench-oauth2", "all";
    bruno_yaml_level_oauth2_tokens: "level-oauth2", "tokens";
    bruno_yaml_akamai_all: "akamai", "all";
    bruno_yaml_navikt_all: "navikt-helse", "all";
    bruno_yaml_stockhut_tokens: "stockhut-recipes", "tokens";
}

macro_rules! wild_cases {
    ($($test:ident: $name:literal, $policy:literal, $crlf:literal;)*) => {$(
        #[test]
        fn $test() {
            refreshed_as_the_oracle_says($name, $policy, $crlf);
        }
    )*};
}

wild_cases! {
    bruno_testbench_tokens: "testbench", "tokens", false;
    bruno_testbench_all: "testbench", "all", false;
    bruno_testbench_none: "testbench", "none", false;
    bruno_testbench_oauth2_tokens: "testbench-oauth2", "tokens", false;
    bruno_testbench_oauth2_all: "testbench-oauth2", "all", false;
    bruno_level_oauth2_tokens_crlf: "level-oauth2", "tokens", true;
    bruno_level_oauth2_all: "level-oauth2", "all", false;
    bruno_akamai_tokens: "akamai", "tokens", false;
    bruno_akamai_all_crlf: "akamai", "all", true;
    bruno_navikt_tokens: "navikt-helse", "tokens", false;
    bruno_navikt_all: "navikt-helse", "all", false;
    bruno_stockhut_tokens: "stockhut-recipes", "tokens", false;
    bruno_stockhut_all_crlf: "stockhut-recipes", "all", true;
}

/// A JWT with claims (expiring in an hour), as the tool and scrub judge live tokens.
fn live_jwt() -> String {
    crate::git_safety::jwt_expiring_in(3600)
}

#[test]
fn a_token_is_never_written_into_a_bruno_collection() {
    // A Postman export beside it would take the token itself: the Bruno collection refuses it
    // before any sign-in or write, and so nothing changes in either.
    let d = wild("stockhut-recipes", false);
    let export = d.path().join("export.json");
    std::fs::copy(fixture("collections/v21-2space-bearer.json"), &export).unwrap();
    let before = files_of(d.path());
    let o = std_bin()
        .arg("refresh")
        .arg(d.path())
        .arg(&export)
        .env("POSTMAN_COGNITO_TOKEN", live_jwt())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("writes no token into it"), "{err}");
    assert!(err.contains("exec -- bru run"), "{err}");
    assert_eq!(files_of(d.path()), before);
    // Alone, with a token at hand: the collection gets the reference, and no file the token.
    std::fs::remove_file(&export).unwrap();
    let t = live_jwt();
    let o = std_bin()
        .arg("refresh")
        .arg(d.path())
        .env("POSTMAN_COGNITO_TOKEN", &t)
        .output()
        .unwrap();
    ok(&o);
    let root = std::fs::read_to_string(d.path().join("collection.bru")).unwrap();
    assert_eq!(auth_bru(&root, false).token.as_deref(), Some(SENT));
    for (rel, bytes) in files_of(d.path()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&t),
            "{} holds the token",
            rel.display()
        );
    }
}

#[test]
fn a_folder_swapped_for_a_link_during_the_sign_in_gets_nothing_written() {
    use std::io::Write;
    let d = wild("stockhut-recipes", false);
    let outside = tempfile::tempdir().unwrap();
    let recipe = d.path().join("recipe");
    for (rel, bytes) in files_of(&recipe) {
        std::fs::write(outside.path().join(rel), bytes).unwrap();
    }
    let before = files_of(outside.path());
    // With an environment file the run needs a token: the folder (whose requests all change
    // under --inherit all) is read and every edit planned before the token is read from
    // standard input; the folder is swapped meanwhile.
    let mut child = std_bin()
        .args(["refresh", "--inherit", "all", "--token-stdin", "--env-file"])
        .arg(d.path().join("environments/Default.bru"))
        .arg(d.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    std::fs::rename(&recipe, d.path().join("recipe.moved")).unwrap();
    std::os::unix::fs::symlink(outside.path(), &recipe).unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(live_jwt().as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(
        err.contains("changed while postman-cognito was running"),
        "{err}"
    );
    assert_eq!(
        files_of(outside.path()),
        before,
        "a file outside was written"
    );
}

#[test]
fn token_var_names_the_process_variable() {
    let d = wild("navikt-helse", false);
    ok(&refresh(d.path(), &["--token-var", "API_TOKEN"]));
    let root = std::fs::read_to_string(d.path().join("collection.bru")).unwrap();
    assert_eq!(
        value(&root, "auth:bearer", "token").as_deref(),
        Some("{{process.env.API_TOKEN}}")
    );
}

#[test]
fn a_missing_collection_bru_is_created_with_bruno_json_s_mode() {
    use std::os::unix::fs::PermissionsExt;
    let d = wild("stockhut-recipes", false);
    std::fs::set_permissions(
        d.path().join("bruno.json"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    assert!(!d.path().join("collection.bru").exists());
    ok(&refresh(d.path(), &[]));
    let root = d.path().join("collection.bru");
    let text = std::fs::read_to_string(&root).unwrap();
    assert_eq!(
        text,
        format!("auth {{\n  mode: bearer\n}}\n\nauth:bearer {{\n  token: {SENT}\n}}\n")
    );
    let m = std::fs::metadata(&root).unwrap().permissions().mode() & 0o777;
    assert_eq!(m, 0o640);
}

#[test]
fn what_bruno_would_not_read_is_refused_with_its_place_and_nothing_changes() {
    let d = wild("navikt-helse", false);
    let bad = d.path().join("sykepenger/hent sykmelding.bru");
    let mut text = std::fs::read_to_string(&bad).unwrap();
    text.push_str("\nheaders {\n  x: 1\n");
    std::fs::write(&bad, text).unwrap();
    let before = files_of(d.path());
    let o = refresh(d.path(), &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("hent sykmelding.bru:"), "{err}");
    assert!(err.contains("never closed"), "{err}");
    assert_eq!(files_of(d.path()), before);
}

#[test]
fn a_link_in_a_bruno_collection_is_refused() {
    let d = wild("stockhut-recipes", false);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.bru"), "get {\n  url: x\n}\n").unwrap();
    std::os::unix::fs::symlink(outside.path().join("x.bru"), d.path().join("recipe/x.bru"))
        .unwrap();
    let o = refresh(d.path(), &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("x.bru") && err.contains("link"), "{err}");
    assert!(!d.path().join("collection.bru").exists());
}

#[test]
fn identities_and_assignments_in_a_bruno_collection() {
    let d = wild("navikt-helse", false);
    let o = refresh(d.path(), &["--assign", "altinn=token_admin"]);
    ok(&o);
    let folder = std::fs::read_to_string(d.path().join("altinn/folder.bru")).unwrap();
    assert_eq!(mode(&folder, false), "bearer");
    assert_eq!(
        value(&folder, "auth:bearer", "token").as_deref(),
        Some("{{process.env.token_admin}}")
    );
    // Kept as an identity on the next run, under every policy.
    let again = refresh(d.path(), &["--inherit", "all"]);
    ok(&again);
    let folder2 = std::fs::read_to_string(d.path().join("altinn/folder.bru")).unwrap();
    assert_eq!(folder, folder2);
    assert!(String::from_utf8_lossy(&again.stderr).contains("an identity of its own"));
}

#[test]
fn scrub_check_and_the_hook_find_tokens_in_every_bruno_file() {
    let d = wild("testbench-oauth2", false);
    let t = live_jwt();
    let places = [
        (
            "collection.bru",
            format!("\nvars:pre-request {{\n  seed: {t}\n}}\n"),
        ),
        ("environments/Local.bru", String::new()),
        (".env", format!("LEAK={t}\n")),
        (
            "auth/oauth2/client_credentials/token.bru",
            format!("\ndocs {{\n  a saved Bearer {t} in the docs\n}}\n"),
        ),
    ];
    for (rel, add) in &places {
        let p = d.path().join(rel);
        let mut text = std::fs::read_to_string(&p).unwrap();
        if add.is_empty() {
            text = text.replacen("vars {\n", &format!("vars {{\n  leaked: {t}\n"), 1);
        } else {
            text.push_str(add);
        }
        std::fs::write(&p, text).unwrap();
    }
    let check = std_bin().arg("check").arg(d.path()).output().unwrap();
    let said = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(1), "{said}");
    for (rel, _) in &places {
        assert!(said.contains(rel), "check missed {rel}: {said}");
    }
    assert!(!said.contains(&t), "check printed the token");
    let scrub = std_bin().arg("scrub").arg(d.path()).output().unwrap();
    ok(&scrub);
    for (rel, bytes) in files_of(d.path()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&t),
            "{} still holds the token",
            rel.display()
        );
    }
    // The hook: a staged request that holds a token stops the commit, with its place.
    let (_r, root) = crate::git_safety::repo();
    ok(&std_bin()
        .args(["hook", "install", "pre-commit"])
        .current_dir(&root)
        .output()
        .unwrap());
    std::fs::write(
        root.join("Me.bru"),
        format!("get {{\n  url: x\n  auth: bearer\n}}\n\nauth:bearer {{\n  token: {t}\n}}\n"),
    )
    .unwrap();
    std::fs::write(root.join(".env"), format!("API_TOKEN={t}\n")).unwrap();
    assert!(
        crate::git_safety::git(&root, &["add", "Me.bru", ".env"])
            .status
            .success()
    );
    let commit = crate::git_safety::git(&root, &["commit", "-qm", "x"]);
    let said = String::from_utf8_lossy(&commit.stderr);
    assert!(!commit.status.success(), "the commit went through: {said}");
    assert!(
        said.contains("Me.bru") && said.contains("auth:bearer.token"),
        "{said}"
    );
    assert!(
        said.contains(".env") && said.contains("API_TOKEN"),
        "{said}"
    );
    assert!(!said.contains(&t), "the hook printed the token");
}

/// A collection with 300 requests whose `auth: bearer` copies all change.
fn big_collection(dir: &Path, n: usize) -> PathBuf {
    let c = dir.join("big");
    std::fs::create_dir_all(c.join("f")).unwrap();
    std::fs::write(
        c.join("bruno.json"),
        "{\"version\":\"1\",\"name\":\"big\",\"type\":\"collection\"}\n",
    )
    .unwrap();
    for i in 0..n {
        std::fs::write(
            c.join(format!("f/r{i}.bru")),
            format!(
                "meta {{\n  name: r{i}\n  seq: {i}\n}}\n\nget {{\n  url: x/{i}\n  auth: bearer\n}}\n\nauth:bearer {{\n  token: {{{{token}}}}\n}}\n"
            ),
        )
        .unwrap();
    }
    c
}

fn killed_at(renamed: usize) {
    let dir = tempfile::tempdir().unwrap();
    let c = big_collection(dir.path(), 300);
    let o = std_bin()
        .arg("refresh")
        .arg(&c)
        .env(
            "POSTMAN_COGNITO_DEBUG_ABORT_AFTER_RENAMES",
            renamed.to_string(),
        )
        .output()
        .unwrap();
    assert!(!o.status.success(), "the run was not stopped");
    let mut whole = 0;
    for (rel, bytes) in files_of(&c) {
        let name = rel.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".postman-cognito.tmp") {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        if is_request(&rel) {
            let m = mode(&text, true);
            assert!(m == "bearer" || m == "inherit", "{}: {m}", rel.display());
            if m == "inherit" {
                assert!(
                    !text.contains("auth:bearer"),
                    "{}: half written",
                    rel.display()
                );
                whole += 1;
            }
        }
    }
    assert_eq!(
        whole, renamed,
        "exactly the files renamed before the kill changed"
    );
    // The half-done run is named by check (the root, renamed last, sends nothing yet).
    let check = std_bin().arg("check").arg(&c).output().unwrap();
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stderr).contains("collection auth"));
    ok(&refresh(&c, &[]));
    for (rel, bytes) in files_of(&c) {
        assert!(
            !rel.to_string_lossy().ends_with(".postman-cognito.tmp"),
            "a staged file was left: {}",
            rel.display()
        );
        if is_request(&rel) {
            assert_eq!(mode(&String::from_utf8(bytes).unwrap(), true), "inherit");
        }
    }
}

#[test]
fn bruno_a_kill_after_the_first_rename_leaves_every_file_whole() {
    killed_at(1);
}

#[test]
fn bruno_a_kill_between_two_renames_leaves_every_file_whole() {
    killed_at(157);
}

// ---- with the real `bru` CLI ----

/// A loopback copy of `name` for `bru run`: every request's URL is `{{baseUrl}}/r/<n>`, scripts,
/// tests and post-response variables are dropped, OAuth 2.0 URLs point at a closed port, and
/// gRPC and WebSocket requests are removed. Returns the requests' paths by file.
fn loopback(dir: &Path) -> Vec<(PathBuf, String)> {
    let numbers = request_numbers(dir, "bru");
    let mut paths = Vec::new();
    for (rel, bytes) in files_of(dir) {
        if rel.extension().is_none_or(|e| e != "bru") || rel.starts_with("environments") {
            continue;
        }
        let p = dir.join(&rel);
        let text = String::from_utf8(bytes).unwrap();
        let names: Vec<String> = blocks(&text).into_iter().map(|(n, _)| n).collect();
        if names.iter().any(|n| n == "grpc" || n == "ws") {
            std::fs::remove_file(&p).unwrap();
            continue;
        }
        let request = is_request(&rel);
        let n = numbers.get(&rel.with_extension("")).copied().unwrap_or(0);
        let mut out = String::new();
        let mut skipping = false;
        let mut block = String::new();
        for line in text.split_inclusive('\n') {
            let bare = line.trim_end_matches(['\r', '\n']);
            if skipping {
                if bare.starts_with('}') {
                    skipping = false;
                }
                continue;
            }
            if let Some(head) = bare.strip_suffix(" {").filter(|_| !bare.starts_with(' ')) {
                block = head.to_string();
                if head.starts_with("script:")
                    || head == "tests"
                    || head == "vars:post-response"
                    || head == "assert"
                {
                    skipping = true;
                    continue;
                }
            }
            let key = bare.trim_start().split(':').next().unwrap_or("");
            if request && METHODS.contains(&block.as_str()) && key == "url" {
                out.push_str(&format!("  url: {{{{baseUrl}}}}/r/{n}\n"));
                continue;
            }
            if block == "auth:oauth2" && key.ends_with("_url") {
                out.push_str(&format!("  {key}: http://127.0.0.1:9/\n"));
                continue;
            }
            out.push_str(line);
        }
        std::fs::write(&p, out).unwrap();
        if request {
            paths.push((rel, format!("/r/{n}")));
        }
    }
    paths
}

/// Each request's number, by its path without extension (the same in both forms).
fn request_numbers(dir: &Path, ext: &str) -> std::collections::BTreeMap<PathBuf, usize> {
    let stems: BTreeSet<PathBuf> = files_of(dir)
        .into_iter()
        .map(|(rel, _)| rel)
        .filter(|rel| {
            rel.extension().is_some_and(|e| e == ext)
                && !rel.starts_with("environments")
                && !["collection", "folder", "opencollection"]
                    .contains(&rel.file_stem().unwrap().to_string_lossy().as_ref())
        })
        .map(|rel| rel.with_extension(""))
        .collect();
    stems.into_iter().enumerate().map(|(i, s)| (s, i)).collect()
}

/// The YAML form of [`loopback`], through serde_yaml: each request's URL `{{baseUrl}}/r/<n>`,
/// scripts, assertions and actions dropped, OAuth 2.0 URLs at a closed port, gRPC and WebSocket
/// requests removed.
fn loopback_yaml(dir: &Path) -> Vec<(PathBuf, String)> {
    use serde_yaml::Value as Y;
    let numbers = request_numbers(dir, "yml");
    let mut paths = Vec::new();
    for (rel, bytes) in files_of(dir) {
        if rel.extension().is_none_or(|e| e != "yml") || rel.starts_with("environments") {
            continue;
        }
        let p = dir.join(&rel);
        let mut doc: Y = serde_yaml::from_slice(&bytes).unwrap();
        let kind = doc["info"]["type"].as_str().unwrap_or("").to_string();
        if kind == "grpc" || kind == "websocket" {
            std::fs::remove_file(&p).unwrap();
            continue;
        }
        if let Some(rt) = doc.get_mut("runtime").and_then(Y::as_mapping_mut) {
            for k in ["scripts", "assertions", "actions"] {
                rt.remove(k);
            }
        }
        if let Some(r) = doc.get_mut("request").and_then(Y::as_mapping_mut) {
            for k in ["scripts", "actions", "tests"] {
                r.remove(k);
            }
        }
        let holder = if kind == "graphql" { "graphql" } else { "http" };
        let n = numbers.get(&rel.with_extension("")).copied();
        if let (Some(n), Some(h)) = (n, doc.get_mut(holder).and_then(Y::as_mapping_mut)) {
            h.insert("url".into(), format!("{{{{baseUrl}}}}/r/{n}").into());
            if let Some(a) = h.get_mut("auth").and_then(Y::as_mapping_mut) {
                for k in [
                    "accessTokenUrl",
                    "authorizationUrl",
                    "refreshTokenUrl",
                    "callbackUrl",
                ] {
                    if a.contains_key(k) {
                        a.insert(k.into(), "http://127.0.0.1:9/".into());
                    }
                }
            }
            paths.push((rel.clone(), format!("/r/{n}")));
        }
        std::fs::write(&p, serde_yaml::to_string(&doc).unwrap()).unwrap();
    }
    paths
}

/// Whether the request at `rel` sends the collection's token, by Bruno's rule: a request that
/// says `auth: inherit` gets the nearest folder's auth whose mode is neither none nor inherit,
/// else the collection's; the token is sent where that is bearer with [`SENT`].
fn sends_the_token(dir: &Path, rel: &Path) -> bool {
    let read = |p: PathBuf| std::fs::read_to_string(p).unwrap_or_default();
    let text = read(dir.join(rel));
    let own = mode(&text, true);
    let source = if own == "inherit" {
        let mut source = read(dir.join("collection.bru"));
        let mut at = PathBuf::new();
        for part in rel.parent().unwrap().components() {
            at.push(part);
            let folder = read(dir.join(&at).join("folder.bru"));
            let m = mode(&folder, false);
            if m != "none" && m != "inherit" {
                source = folder;
            }
        }
        source
    } else {
        text
    };
    mode(&source, false) == "bearer"
        && value(&source, "auth:bearer", "token").as_deref() == Some(SENT)
        || mode(&source, true) == "bearer"
            && value(&source, "auth:bearer", "token").as_deref() == Some(SENT)
}

impl Pool {
    /// `exec -- bru run -r` in `dir`: the paths the API saw from then on, those it accepted,
    /// and what was said.
    fn bru_run(&self, dir: &Path) -> (Vec<String>, BTreeSet<String>, String) {
        let from = self.seen();
        let base = format!("baseUrl={}", self.api.base());
        let bru = bru();
        let command: Vec<&std::ffi::OsStr> = vec![
            bru.as_os_str(),
            "run".as_ref(),
            "-r".as_ref(),
            "--env-var".as_ref(),
            base.as_ref(),
        ];
        let o = self.exec(dir, &[], &command);
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let verdicts = self.api.verdicts.lock().unwrap()[from..].to_vec();
        let seen = verdicts.iter().map(|(p, _)| p.clone()).collect();
        let accepted = verdicts
            .iter()
            .filter(|(_, v)| v.is_ok())
            .map(|(p, _)| p.clone())
            .collect();
        (seen, accepted, said)
    }
}

/// The same collection as `.bru` and as YAML (converted by Bruno's own writer), refreshed under
/// `policy`: `bru run` sends the token where the oracle says in the `.bru` form, and to the same
/// requests in the YAML form.
fn both_forms_send_the_token_alike(name: &str, policy: &str) {
    let p = pool();
    let bru_form = wild(name, false);
    let yml_form = wild_yaml(name);
    let bru_requests = loopback(bru_form.path());
    let yml_requests = loopback_yaml(yml_form.path());
    assert_eq!(
        bru_requests.len(),
        yml_requests.len(),
        "{name}: the two forms"
    );
    ok(&refresh(bru_form.path(), &["--inherit", policy]));
    ok(&refresh(yml_form.path(), &["--inherit", policy]));
    let (seen_b, accepted_b, said_b) = p.bru_run(bru_form.path());
    let (seen_y, accepted_y, said_y) = p.bru_run(yml_form.path());
    assert_eq!(seen_y.len(), yml_requests.len(), "{name} (YAML): {said_y}");
    assert_eq!(seen_b.len(), bru_requests.len(), "{name} (.bru): {said_b}");
    // The .bru form sends the token exactly where the oracle says.
    let expected: BTreeSet<String> = bru_requests
        .iter()
        .filter(|(rel, _)| sends_the_token(bru_form.path(), rel))
        .map(|(_, p)| p.clone())
        .collect();
    assert!(
        !expected.is_empty(),
        "{name}: the oracle expects no token at all"
    );
    eprintln!(
        "{name} --inherit {policy}: {} requests, {} sent the token",
        bru_requests.len(),
        expected.len()
    );
    assert_eq!(
        accepted_b, expected,
        "{name} under --inherit {policy} (.bru): {said_b}"
    );
    // And the YAML form to the same requests.
    assert_eq!(
        accepted_b, accepted_y,
        "{name} under --inherit {policy}: .bru {said_b}\nYAML {said_y}"
    );
}

macro_rules! both_forms {
    ($($test:ident: $name:literal, $policy:literal;)*) => {$(
        #[test]
        #[ignore = "needs moto and Bruno's CLI: run scripts/test"]
        fn $test() {
            both_forms_send_the_token_alike($name, $policy);
        }
    )*};
}

both_forms! {
    bru_run_testbench_oauth2_tokens: "testbench-oauth2", "tokens";
    bru_run_testbench_oauth2_all: "testbench-oauth2", "all";
    bru_run_level_oauth2_all: "level-oauth2", "all";
    bru_run_akamai_tokens: "akamai", "tokens";
    bru_run_akamai_all: "akamai", "all";
    bru_run_navikt_tokens: "navikt-helse", "tokens";
    bru_run_navikt_all: "navikt-helse", "all";
    bru_run_stockhut_all: "stockhut-recipes", "all";
}

// ---- --env-file: a Bruno environment gets the token, the root sends {{token}} ----

#[test]
fn a_bruno_environment_gets_the_token_and_the_root_sends_it() {
    for (form, env) in [
        ("bru", "environments/ci.bru"),
        ("yml", "environments/ci.yml"),
    ] {
        let d = copy_of(&fixture(&format!("bruno/{form}")));
        let t = live_jwt();
        let o = std_bin()
            .arg("refresh")
            .arg(d.path())
            .arg("--env-file")
            .arg(d.path().join(env))
            .env("POSTMAN_COGNITO_TOKEN", &t)
            .output()
            .unwrap();
        ok(&o);
        let written = std::fs::read_to_string(d.path().join(env)).unwrap();
        assert!(written.contains(&t), "{form}: {written}");
        assert!(
            written.contains("baseUrl"),
            "{form}: the other variables are kept"
        );
        let root = if form == "bru" {
            auth_bru(
                &std::fs::read_to_string(d.path().join("collection.bru")).unwrap(),
                false,
            )
        } else {
            auth_yaml(
                &std::fs::read_to_string(d.path().join("opencollection.yml")).unwrap(),
                false,
            )
        };
        assert_eq!(root.token.as_deref(), Some("{{token}}"), "{form}");
    }
}

#[test]
fn a_secret_of_a_bruno_environment_gets_no_value_and_is_refused_first() {
    let d = wild("stockhut-recipes", false);
    let yml = d.path().join("environments/Local.yml");
    std::fs::write(
        &yml,
        "name: Local\nvariables:\n  - name: jwt-value\n    value: \"\"\n    secret: true\n",
    )
    .unwrap();
    for env in ["environments/Default.bru", "environments/Local.yml"] {
        let before = files_of(d.path());
        // A token that is not one: the refusal comes first, before any token is looked at.
        let o = std_bin()
            .arg("refresh")
            .arg(d.path())
            .args(["--token-var", "jwt-value", "--env-file"])
            .arg(d.path().join(env))
            .env("POSTMAN_COGNITO_TOKEN", "not-a-token")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{env}: {err}");
        assert!(
            err.contains("is a secret of this Bruno environment"),
            "{err}"
        );
        assert!(err.contains(env), "{err}");
        assert_eq!(files_of(d.path()), before, "{env}: something changed");
    }
}

/// `refresh --env-file environments/ci.*` with a token from moto, then `bru run --env ci`
/// itself (no exec): Bruno sends the token from its environment file.
fn bru_runs_with_the_environment_file(form: &str, env: &str) {
    let p = pool();
    let d = copy_of(&fixture(&format!("bruno/{form}")));
    let token = signing_in(
        &["token", "--flow", "password"],
        &p.url,
        &p.pool,
        &p.client,
        "runner",
        PASSWORD,
    )
    .env("XDG_CACHE_HOME", d.path().join(".home/cache"))
    .output()
    .unwrap();
    ok(&token);
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
    ok(&std_bin()
        .arg("refresh")
        .arg(d.path())
        .arg("--env-file")
        .arg(d.path().join(env))
        .env("POSTMAN_COGNITO_TOKEN", &token)
        .output()
        .unwrap());
    let base = format!("baseUrl={}", p.api.base());
    let from = p.api.verdicts.lock().unwrap().len();
    let o = std::process::Command::new(bru())
        .args(["run", "-r", "--env", "ci", "--env-var", &base])
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("COGNITO_TOKEN")
        .current_dir(d.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&o.stdout);
    let v = p.api.verdicts.lock().unwrap()[from..].to_vec();
    assert_eq!(v.len(), 2, "{said}");
    assert!(v.iter().all(|(_, r)| r.is_ok()), "{v:?} {said}");
}

#[test]
#[ignore = "needs moto and Bruno's CLI: run scripts/test"]
fn bru_runs_with_the_token_from_its_bru_environment_file() {
    bru_runs_with_the_environment_file("bru", "environments/ci.bru");
}

#[test]
#[ignore = "needs moto and Bruno's CLI: run scripts/test"]
fn bru_runs_with_the_token_from_its_yaml_environment_file() {
    bru_runs_with_the_environment_file("yml", "environments/ci.yml");
}

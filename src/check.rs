//! `check`: an offline verdict on a collection, for pre-push hooks and CI: the collection's auth
//! is OAuth 2.0 holding a token or a `{{variable}}`; a literal token is a JWT that stays valid
//! for `min_ttl`; and the children inherit as the policy says. No network call.

use serde::Serialize;

use crate::collection::Collection;
use crate::collection::inherit::{self, Policy};
use crate::collection::keep::KeepSet;
use crate::json::scan::Node;
use crate::jwt;
use crate::splice::Edits;

/// The value of oauth2 param `key` in an auth object, in either shape (the last entry wins, as
/// in Postman).
fn oauth2_param<'a>(auth: &'a crate::json::scan::Object, key: &str) -> Option<&'a Node> {
    match auth.get("oauth2")? {
        Node::Array(list) => list
            .elements
            .iter()
            .rev()
            .filter_map(Node::as_object)
            .find(|e| e.get("key").and_then(Node::as_str) == Some(key))
            .and_then(|e| e.get("value")),
        Node::Object(map) => map.get(key),
        _ => None,
    }
}

/// The collection's OAuth 2.0 `accessToken`, when its auth is oauth2 and holds one as text.
pub fn root_access_token(coll: &Collection) -> Option<String> {
    let auth = coll.root.get("auth").and_then(Node::as_object)?;
    if auth.get("type").and_then(Node::as_str) != Some("oauth2") {
        return None;
    }
    oauth2_param(auth, "accessToken")
        .and_then(Node::as_str)
        .map(str::to_string)
}

/// The way out for a live token in a file meant for git, named by every guard that finds one
/// (`scrub --check`, the pre-commit hook): a variable in the file, the token at run time.
pub const KEEP_OUT_HINT: &str = "replace each token with a variable: `postman-cognito scrub \
     --token-var token FILE`, stage the files again, and hand the token over at run time with \
     `postman-cognito exec -- newman run FILE` (or `postman-cognito refresh --token-var token \
     --env-file <a file git ignores>`)";

/// The fix `check` and the pre-push hook name: it makes the collection send `{{token}}` and its
/// children inherit it, offline, and writes no live token (which the pre-commit hook would stop).
const REFRESH_FIX: &str = "run `postman-cognito refresh --token-var token` (offline: it writes \
     {{token}}, never a live token) and hand the token over at run time with `postman-cognito \
     exec` (or `refresh --token-var token --env-file <a file git ignores>`)";

/// One thing wrong, with where it is.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub place: String,
    pub message: String,
}

/// Checks `coll` (read from `src`); an empty list means it is ready for Newman.
pub fn check(
    src: &[u8],
    coll: &Collection,
    policy: Policy,
    keep: &KeepSet,
    min_ttl_secs: i64,
    now: i64,
) -> Vec<Problem> {
    let mut problems = match coll.root.get("auth").and_then(Node::as_object) {
        None => root_problems(None, None, None, min_ttl_secs, now),
        Some(auth) => {
            let param = |key: &str| oauth2_param(auth, key).and_then(Node::as_str);
            root_problems(
                Some(auth.get("type").and_then(Node::as_str).unwrap_or("(none)")),
                param("accessToken"),
                param("addTokenTo"),
                min_ttl_secs,
                now,
            )
        }
    };
    let mut scratch = Edits::default();
    let outcome = inherit::make_inherit(src, coll, policy, keep, &mut scratch, true);
    problems.extend(outcome.changed.iter().map(child_problem));
    problems
}

/// What a child that does not inherit gets said about it.
fn child_problem(c: &crate::collection::inherit::Kept) -> Problem {
    Problem {
        place: format!(
            "{} ({})",
            c.path,
            if c.folder { "folder" } else { "request" }
        ),
        message: if c.reason == "inherit" {
            format!(
                "has `type: inherit`, for which the Postman CLI sends no Authorization header \
                 (v3 files inherit by having no auth key); {REFRESH_FIX}"
            )
        } else {
            format!(
                "has its own {} auth, so it does not inherit the collection's token; {REFRESH_FIX}",
                crate::redact::inline(&c.reason)
            )
        },
    }
}

/// Checks a v3 collection folder as [`check`] checks a JSON export.
pub fn check_tree(
    tree: &crate::collection::tree::Tree,
    policy: Policy,
    min_ttl_secs: i64,
    now: i64,
) -> Vec<Problem> {
    use crate::collection::tree;
    let root = tree.files[0].doc.as_ref();
    let auth = root.and_then(|d| d.root.get("auth"));
    let entry = auth.map(|a| match a.as_seq() {
        Some([one]) => one,
        _ => a,
    });
    let mut problems = match entry {
        None => root_problems(None, None, None, min_ttl_secs, now),
        Some(e) if e.is_null() => root_problems(None, None, None, min_ttl_secs, now),
        Some(e) => {
            let creds = e.get("credentials");
            let param = |k: &str| -> Option<String> {
                let c = creds?;
                match c.as_seq() {
                    Some(items) => items
                        .iter()
                        .find(|i| i.get("key").and_then(|n| n.as_str()) == Some(k))
                        .and_then(|i| i.get("value"))
                        .and_then(|n| n.as_str())
                        .map(str::to_string),
                    None => c.get(k).and_then(|n| n.as_str()).map(str::to_string),
                }
            };
            root_problems(
                Some(e.get("type").and_then(|n| n.as_str()).unwrap_or("(none)")),
                param("accessToken").as_deref(),
                param("addTokenTo").as_deref(),
                min_ttl_secs,
                now,
            )
        }
    };
    let want = crate::collection::auth::RootAuth {
        token: "{{token}}",
        header_prefix: None,
        extra: &[],
    };
    match tree::plan(tree, &want, policy, true) {
        Ok(plan) => problems.extend(plan.outcome.changed.iter().map(child_problem)),
        Err(f) => problems.push(Problem {
            place: "collection".into(),
            message: format!("cannot be refreshed: {}", f.message),
        }),
    }
    problems
}

/// Checks one file of a v3 collection on its own (the pre-push hook sees files, not trees): a
/// collection definition with a `name` is the root, whose auth is checked; any other file is
/// a folder or request, which must not hold a token copy or an inherit marker.
pub fn check_tree_file(
    doc: &crate::yaml::Doc,
    place: &str,
    policy: Policy,
    min_ttl_secs: i64,
    now: i64,
) -> Vec<Problem> {
    use crate::collection::tree::auth_type;
    let root = &doc.root;
    if root.merge_key().is_some() {
        return vec![Problem {
            place: place.to_string(),
            message: "has a YAML merge key (<<) at the top level, which could bring an auth block \
                      that the Postman CLI sends and no check can see; write the keys out"
                .into(),
        }];
    }
    let is_root = root.get("$kind").and_then(|k| k.as_str()) == Some("collection")
        && root.get("name").is_some();
    if is_root {
        let tree_like = crate::collection::tree::root_access_token(doc);
        let entry = root.get("auth").map(|a| match a.as_seq() {
            Some([one]) => one,
            _ => a,
        });
        let add_to = entry
            .and_then(|e| e.get("credentials"))
            .and_then(|c| c.get("addTokenTo"))
            .and_then(|n| n.as_str());
        return root_problems(
            entry.map(|e| e.get("type").and_then(|n| n.as_str()).unwrap_or("(none)")),
            tree_like.as_deref(),
            add_to,
            min_ttl_secs,
            now,
        );
    }
    let Some(auth) = root.get("auth") else {
        return Vec::new();
    };
    let ty = if auth.is_null() {
        None
    } else {
        auth_type(auth)
    };
    let reason = match (policy, ty) {
        (Policy::None, _) => return Vec::new(),
        (_, None | Some("inherit" | "")) => "inherit",
        (_, Some(t @ ("oauth2" | "bearer"))) => t,
        (Policy::All, Some(t)) => t,
        (Policy::Tokens, Some(_)) => return Vec::new(),
    };
    vec![child_problem(&crate::collection::inherit::Kept {
        path: place.to_string(),
        folder: root.get("$kind").and_then(|k| k.as_str()) == Some("collection"),
        reason: reason.to_string(),
    })]
}

/// The root auth's problems, from its type, `accessToken` and `addTokenTo` (`ty` is `None`
/// when there is no auth).
fn root_problems(
    ty: Option<&str>,
    access_token: Option<&str>,
    add_token_to: Option<&str>,
    min_ttl_secs: i64,
    now: i64,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut root = |message: String| {
        problems.push(Problem {
            place: "collection auth".into(),
            message,
        })
    };
    match ty {
        None => root(format!("there is no auth; {REFRESH_FIX}")),
        Some(ty) => {
            if ty != "oauth2" {
                root(format!("the type is {ty:?}, not \"oauth2\"; {REFRESH_FIX}"));
            }
            match access_token.map(str::trim) {
                None | Some("") => {
                    root(format!("the OAuth 2.0 accessToken is empty; {REFRESH_FIX}"))
                }
                Some(v) if v.starts_with("{{") && v.ends_with("}}") => {}
                Some(v) => match jwt::claims(v) {
                    Err(e) => root(format!(
                        "the accessToken is neither a {{{{variable}}}} nor a usable JWT: {e}"
                    )),
                    Ok(c) => match c.exp {
                        None => root("the accessToken has no expiry (exp)".into()),
                        Some(exp) if exp <= now => root(format!(
                            "the accessToken expired at {}; {REFRESH_FIX}",
                            jwt::rfc3339(exp)
                        )),
                        Some(exp) if exp - now < min_ttl_secs => root(format!(
                            "the accessToken expires at {} (in {} min), sooner than --min-ttl; \
                             {REFRESH_FIX}",
                            jwt::rfc3339(exp),
                            (exp - now) / 60
                        )),
                        Some(_) => {}
                    },
                },
            }
            if let Some(a) = add_token_to
                && a != "header"
                && a != "queryParams"
            {
                root(format!(
                    "addTokenTo is {a:?}, so Postman sends no token; it must be \"header\""
                ));
            }
        }
    }
    problems
}

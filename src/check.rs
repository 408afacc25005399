//! `check`: an offline verdict on a collection, for pre-push hooks and CI: the collection's auth
//! is OAuth 2.0 holding a token or a `{{variable}}`; a literal token is a JWT that stays valid
//! for `min_ttl`; and the children inherit as the policy says. No network call.

use serde::Serialize;

use crate::collection::Collection;
use crate::collection::inherit::{self, Policy};
use crate::collection::keep::KeepSet;
use crate::json::edit::Edits;
use crate::json::scan::Node;
use crate::jwt;

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
    let mut problems = Vec::new();
    let mut root = |message: String| {
        problems.push(Problem {
            place: "collection auth".into(),
            message,
        })
    };
    match coll.root.get("auth").and_then(Node::as_object) {
        None => root(
            "there is no auth; run `postman-cognito refresh` to add OAuth 2.0 with a token".into(),
        ),
        Some(auth) => {
            let ty = auth.get("type").and_then(Node::as_str).unwrap_or("(none)");
            if ty != "oauth2" {
                root(format!(
                    "the type is {ty:?}, not \"oauth2\"; run `postman-cognito refresh`"
                ));
            }
            let param = |key: &str| oauth2_param(auth, key);
            match param("accessToken").and_then(Node::as_str).map(str::trim) {
                None | Some("") => {
                    root("the OAuth 2.0 accessToken is empty; run `postman-cognito refresh`".into())
                }
                Some(v) if v.starts_with("{{") && v.ends_with("}}") => {}
                Some(v) => match jwt::claims(v) {
                    Err(e) => root(format!(
                        "the accessToken is neither a {{{{variable}}}} nor a usable JWT: {e}"
                    )),
                    Ok(c) => match c.exp {
                        None => root("the accessToken has no expiry (exp)".into()),
                        Some(exp) if exp <= now => root(format!(
                            "the accessToken expired at {}; run `postman-cognito refresh`",
                            jwt::rfc3339(exp)
                        )),
                        Some(exp) if exp - now < min_ttl_secs => root(format!(
                            "the accessToken expires at {} (in {} min), sooner than --min-ttl; run `postman-cognito refresh`",
                            jwt::rfc3339(exp),
                            (exp - now) / 60
                        )),
                        Some(_) => {}
                    },
                },
            }
            if let Some(a) = param("addTokenTo").and_then(Node::as_str)
                && a != "header"
                && a != "queryParams"
            {
                root(format!(
                    "addTokenTo is {a:?}, so Postman sends no token; it must be \"header\""
                ));
            }
        }
    }
    let mut scratch = Edits::default();
    let outcome = inherit::make_inherit(src, coll, policy, keep, &mut scratch, true);
    for c in outcome.changed {
        problems.push(Problem {
            place: format!("{} ({})", c.path, if c.folder { "folder" } else { "request" }),
            message: format!(
                "has its own {} auth, so it does not inherit the collection's token; run `postman-cognito refresh`",
                c.reason
            ),
        });
    }
    problems
}

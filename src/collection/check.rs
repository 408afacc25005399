//! `check`'s verdict, in words every format shares: the collection's auth holds a token or a
//! `{{variable}}`; a literal token is a JWT that stays valid for `min_ttl`; the children
//! inherit as the policy says. No network call. Each format finds its own problems with these.

use serde::Serialize;

use crate::jwt;

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

/// What a child that does not inherit gets said about it.
pub fn child(c: &crate::collection::inherit::Kept) -> Problem {
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

/// The root auth's problems, from its type, `accessToken` and `addTokenTo` (`ty` is `None`
/// when there is no auth).
pub fn root(
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

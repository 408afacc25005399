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

/// One thing wrong, with where it is, and the way out when there is one (printed once under
/// all the problems that share it).
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub place: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<&'static str>,
}

impl Problem {
    /// A problem with no way out to name.
    pub fn new(place: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            place: place.into(),
            message: message.into(),
            hint: None,
        }
    }

    /// The same problem, with `check`'s way out: the offline `refresh --token-var`.
    fn fixed_by_refresh(self) -> Problem {
        Problem {
            hint: Some(REFRESH_FIX),
            ..self
        }
    }
}

/// Prints each problem of `file` on a line of its own (`file: place: message`), then each
/// distinct way out once, as a hint.
pub fn print(ui: &crate::ui::Ui, file: &str, problems: &[Problem]) {
    let mut hints: Vec<&str> = Vec::new();
    for p in problems {
        ui.problem(&format!(
            "{file}: {}: {}",
            crate::redact::inline(&p.place),
            p.message
        ));
        if let Some(h) = p.hint
            && !hints.contains(&h)
        {
            hints.push(h);
        }
    }
    for h in hints {
        ui.problem(&format!("  hint: {h}"));
    }
}

/// The root's `awsv4` credentials (`accessKey`, `secretKey`, `sessionToken`, each as `get`
/// reads it) that are written out rather than taken from a `{{variable}}`: live secrets.
pub fn awsv4_literals(get: impl Fn(&str) -> Option<String>) -> Vec<Problem> {
    ["accessKey", "secretKey", "sessionToken"]
        .into_iter()
        .filter_map(|k| {
            let v = get(k)?;
            let v = v.trim();
            let variable = v.starts_with("{{") && v.ends_with("}}");
            (!v.is_empty() && !variable).then(|| Problem {
                place: "collection auth".into(),
                message: format!(
                    "the awsv4 {k} is written out: a live AWS credential in the collection"
                ),
                hint: Some(
                    "run `postman-cognito refresh --identity-pool-id ...` (it writes the \
                     credentials' variables) and `postman-cognito scrub`",
                ),
            })
        })
        .collect()
}

/// The children that send another identity's variable (`{{token_ops}}`) that no identity
/// declares and the collection does not define (`defined`): the run would send nothing there.
/// Judged once identities are declared: a collection of one identity checks as it always did
/// (its folders may send variables of an environment that `check` is not shown).
pub fn undeclared(
    kept: &[crate::collection::inherit::Kept],
    declared: &[String],
    defined: impl Fn(&str) -> bool,
) -> Vec<Problem> {
    if declared.is_empty() {
        return Vec::new();
    }
    kept.iter()
        .filter_map(|k| {
            let name = k.sends.as_deref()?;
            if declared.iter().any(|d| d == name) || defined(name) {
                return None;
            }
            let place = format!(
                "{} ({})",
                k.path,
                if k.folder { "folder" } else { "request" }
            );
            Some(Problem {
                place,
                message: format!(
                    "sends {{{{{name}}}}}, which no identity declares and the collection does not \
                     define, so the run would send no token there"
                ),
                hint: Some(UNDECLARED_FIX),
            })
        })
        .collect()
}

/// The way out for a child that sends an undeclared identity.
const UNDECLARED_FIX: &str = "declare the identity (--identity NAME=PROFILE, or identities = \
     { NAME = \"PROFILE\" } in the profile), or make the folder send a variable that is";

/// What a child that does not inherit gets said about it.
pub fn child(c: &crate::collection::inherit::Kept) -> Problem {
    let place = format!(
        "{} ({})",
        c.path,
        if c.folder { "folder" } else { "request" }
    );
    let message = if c.reason == "inherit" {
        "has `type: inherit`, for which the Postman CLI sends no Authorization header (v3 files \
         inherit by having no auth key)"
            .to_string()
    } else {
        format!(
            "has its own {} auth, so it does not inherit the collection's token",
            crate::redact::inline(&c.reason)
        )
    };
    Problem::new(place, message).fixed_by_refresh()
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
    // Each problem, and whether the offline `refresh --token-var` mends it.
    let mut found: Vec<(String, bool)> = Vec::new();
    match ty {
        // SigV4 from an identity pool's credentials (`refresh --identity-pool-id`): they come
        // from variables; a literal credential is a live secret, which `scrub` and the hooks
        // find.
        Some("awsv4") => {}
        None => found.push(("there is no auth".into(), true)),
        Some(ty) => {
            if ty != "oauth2" {
                found.push((format!("the type is {ty:?}, not \"oauth2\""), true));
            }
            match access_token.map(str::trim) {
                None | Some("") => found.push(("the OAuth 2.0 accessToken is empty".into(), true)),
                Some(v) if v.starts_with("{{") && v.ends_with("}}") => {}
                Some(v) => found.extend(match jwt::claims(v) {
                    Err(e) => Some((
                        format!(
                            "the accessToken is neither a {{{{variable}}}} nor a usable JWT: {e}"
                        ),
                        false,
                    )),
                    Ok(c) => match c.exp {
                        None => Some(("the accessToken has no expiry (exp)".into(), false)),
                        Some(exp) if exp <= now => Some((
                            format!("the accessToken expired at {}", jwt::rfc3339(exp)),
                            true,
                        )),
                        Some(exp) if exp - now < min_ttl_secs => Some((
                            format!(
                                "the accessToken expires at {} (in {} min), sooner than --min-ttl",
                                jwt::rfc3339(exp),
                                (exp - now) / 60
                            ),
                            true,
                        )),
                        Some(_) => None,
                    },
                }),
            }
            if let Some(a) = add_token_to
                && a != "header"
                && a != "queryParams"
            {
                found.push((
                    format!(
                        "addTokenTo is {a:?}, so Postman sends no token; it must be \"header\""
                    ),
                    false,
                ));
            }
        }
    }
    found_into(found)
}

/// The root's problems, each with the way out when `refresh --token-var` is one.
fn found_into(found: Vec<(String, bool)>) -> Vec<Problem> {
    found
        .into_iter()
        .map(|(m, mended)| {
            let p = Problem::new("collection auth", m);
            if mended { p.fixed_by_refresh() } else { p }
        })
        .collect()
}

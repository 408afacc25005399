//! The inherit policy, and what a plan did to the children, in every format: which folders and
//! requests lose their own auth so that they inherit the collection's, and which keep theirs.

/// Which children lose their own auth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Only stale token copies (`oauth2`, `bearer`) and broken inherit markers.
    Tokens,
    /// Every folder and request.
    All,
    /// None: only the root is touched.
    None,
}

/// A folder or request left with its own auth, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// Names from the top folder down, joined with " / ".
    pub path: String,
    pub folder: bool,
    pub reason: String,
    /// The variable its auth sends, when it is another identity's (`token_admin`).
    pub sends: Option<String>,
}

/// What the inherit pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub folders: usize,
    pub requests: usize,
    pub kept: Vec<Kept>,
    /// The folders and requests whose own auth is removed, with what it was.
    pub changed: Vec<Kept>,
}

/// The name of the variable `text` sends, when it is a variable reference (`{{name}}`, white
/// space around it allowed).
pub fn variable_of(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    (!inner.is_empty() && !inner.contains(['{', '}'])).then_some(inner)
}

/// The variables that are the collection's own token: `token` (the default), the variable its
/// auth sends now, and the one being written. A child whose token auth sends one of them (or a
/// literal token, or nothing) holds a stale copy; one that sends any other variable is a
/// deliberate identity (`{{token_admin}}` on an admin folder) and is kept.
pub fn own_variables(current: Option<&str>, writing: Option<&str>) -> Vec<String> {
    let mut own = vec![crate::keys::DEFAULT_TOKEN_VAR.to_string()];
    for sent in [current, writing].into_iter().flatten() {
        if let Some(v) = variable_of(sent)
            && !own.iter().any(|o| o == v)
        {
            own.push(v.to_string());
        }
    }
    own
}

/// For a child's token auth (`bearer` or `oauth2`) that sends `sent`: the variable it sends when
/// that is another identity's (not one of `own`), else `None` (a stale copy of the token).
pub fn other_identity(sent: Option<&str>, own: &[String]) -> Option<String> {
    let name = variable_of(sent?)?;
    (!own.iter().any(|o| o == name)).then(|| name.to_string())
}

/// Why a child that sends another identity's variable is kept.
pub fn identity_reason(name: &str) -> String {
    format!("sends {{{{{name}}}}}, an identity of its own")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_variable_is_an_identity_and_the_own_ones_are_copies() {
        let own = own_variables(Some("{{ root_token }}"), Some("eyJ.x.y"));
        assert_eq!(own, ["token", "root_token"]);
        assert_eq!(
            other_identity(Some("{{token_admin}}"), &own).as_deref(),
            Some("token_admin")
        );
        assert_eq!(other_identity(Some(" {{token}} "), &own), None);
        assert_eq!(other_identity(Some("{{root_token}}"), &own), None);
        assert_eq!(other_identity(Some("eyJ.a.b"), &own), None);
        assert_eq!(other_identity(Some("Bearer {{x}}"), &own), None);
        assert_eq!(other_identity(None, &own), None);
        assert_eq!(variable_of("{{}}"), None);
        assert_eq!(variable_of("{{a}}{{b}}"), None);
    }
}

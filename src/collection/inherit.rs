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

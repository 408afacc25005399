//! The typed failure every command returns: a message, a hint, and the exit code it maps to.

use std::fmt;

/// Exit codes, documented in the README. Each kind of failure has its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done.
    Ok,
    /// `--check` found files that would change.
    Changes,
    /// Bad arguments, flags or token input.
    Usage,
    /// A file is not something the tool can work on (not JSON, not a collection, ...).
    BadInput,
    /// Reading or writing a file failed.
    Io,
    /// Cognito refused the sign-in, or the token is not acceptable.
    Auth,
    /// The network or the service failed.
    Network,
    /// A bug: please report it.
    Internal,
    /// `exec`: the command could not be started.
    CannotRun,
    /// `exec`: the command's own exit code (128 + n when a signal ended it).
    Child(u8),
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Changes => 1,
            Exit::Usage => 2,
            Exit::BadInput => 3,
            Exit::Io => 4,
            Exit::Auth => 5,
            Exit::Network => 6,
            Exit::Internal => 70,
            Exit::CannotRun => 127,
            Exit::Child(code) => code,
        }
    }
}

/// Every exit code and its meaning, for `--help`, the man pages and the README.
pub const EXIT_CODES: &[(&str, &str)] = &[
    ("0", "done (with --check: nothing would change)"),
    (
        "1",
        "refresh --check: a file would change; check: a collection has a problem; scrub --check: a live token; a hook stops the commit or push",
    ),
    (
        "2",
        "usage: bad flags or settings, no token source, a missing secret, a refused URL",
    ),
    (
        "3",
        "bad input: a file is not a Postman file the tool can work on (file:line:col named)",
    ),
    (
        "4",
        "I/O: a file could not be read or written (the original is unchanged)",
    ),
    (
        "5",
        "authentication: Cognito refused the sign-in, or the token failed its checks",
    ),
    (
        "6",
        "network: Cognito could not be reached or failed, after the retries",
    ),
    ("70", "internal error (a bug: please report it)"),
    ("127", "exec: the command could not be started"),
    (
        "other",
        "exec: the runner's own exit code, or 128 + n when signal n ended it",
    ),
];

/// Why bytes are not a file the tool can work on: where (a byte offset, when there is one)
/// and what is wrong. The caller adds the file name (and turns the offset into line:column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub offset: Option<usize>,
    pub message: String,
}

/// A failure to show the user: what went wrong (naming the file or endpoint) and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::new(Exit::BadInput, message)
    }

    pub fn io(message: impl Into<String>) -> Self {
        Self::new(Exit::Io, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Exit::Internal, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

//! `hook install|uninstall`: small git hook scripts that run `check` (pre-push) or
//! `scrub --check` (pre-commit). A marker line tells our hooks from others: a hook the tool did
//! not write is never replaced without `--force` (and then kept as a backup), and uninstall
//! removes only ours.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Failure;

const MARKER: &str = "# managed-by: postman-cognito";

/// Which hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    PrePush,
    PreCommit,
}

impl Hook {
    pub fn name(self) -> &'static str {
        match self {
            Hook::PrePush => "pre-push",
            Hook::PreCommit => "pre-commit",
        }
    }

    fn script(self) -> String {
        let (what, cmd) = match self {
            Hook::PrePush => (
                "stops a push when a collection is not ready for Newman (no network call)",
                "postman-cognito check",
            ),
            Hook::PreCommit => (
                "stops a commit that would hold a live token",
                "postman-cognito scrub --check",
            ),
        };
        format!(
            "#!/bin/sh\n{MARKER}\n# {}: {what}.\n# Remove with `postman-cognito hook uninstall {}`.\nexec {cmd}\n",
            self.name(),
            self.name()
        )
    }
}

fn dir() -> Result<PathBuf, Failure> {
    crate::git::hooks_dir().ok_or_else(|| {
        Failure::usage("not in a git repository (or git is not installed)")
            .with_hint("run it inside the repo whose hooks you want")
    })
}

fn ours(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|t| t.lines().take(3).any(|l| l.trim() == MARKER))
}

/// Writes the hook; returns its path.
pub fn install(hook: Hook, force: bool) -> Result<PathBuf, Failure> {
    let dir = dir()?;
    fs::create_dir_all(&dir)
        .map_err(|e| Failure::io(format!("cannot create {}: {e}", dir.display())))?;
    let path = dir.join(hook.name());
    if path.exists() && !ours(&path) {
        if !force {
            return Err(Failure::usage(format!("{} exists and was not written by postman-cognito", path.display()))
                .with_hint("add the command to it by hand, or pass --force to replace it (it is kept as a backup)"));
        }
        let backup = dir.join(format!("{}.postman-cognito-backup", hook.name()));
        fs::rename(&path, &backup)
            .map_err(|e| Failure::io(format!("cannot back up {}: {e}", path.display())))?;
    }
    crate::atomic::write(&path, hook.script().as_bytes(), None, None)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
            .map_err(|e| Failure::io(format!("cannot make {} executable: {e}", path.display())))?;
    }
    Ok(path)
}

/// Removes our hooks (`hook`, or both); returns the paths removed.
pub fn uninstall(hook: Option<Hook>) -> Result<Vec<PathBuf>, Failure> {
    let dir = dir()?;
    let mut removed = Vec::new();
    for h in hook.map_or(vec![Hook::PrePush, Hook::PreCommit], |h| vec![h]) {
        let path = dir.join(h.name());
        if path.exists() && ours(&path) {
            fs::remove_file(&path)
                .map_err(|e| Failure::io(format!("cannot remove {}: {e}", path.display())))?;
            removed.push(path);
        }
    }
    Ok(removed)
}

//! Git hooks. `hook install|uninstall` writes small scripts that call `hook run`, by the absolute
//! path of the binary that installed them (GUI git clients have another `PATH`), falling back to
//! `PATH`, and saying what to do when neither works. A marker line tells our hooks from others:
//! a hook the tool did not write is never replaced without `--force`, which keeps it as a
//! backup that `uninstall` puts back. `hook run` checks what git is about to record: the staged
//! blobs for pre-commit, the commits being pushed for pre-push, never the working tree.

use crate::redact::Shown as _;
use std::fs;
use std::path::{Path, PathBuf};

use crate::collection::{self, CheckSettings, Judged};
use crate::error::{Exit, Failure};
use crate::ui::Ui;

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

    fn script(self, exe: &Path) -> String {
        let what = match self {
            Hook::PrePush => {
                "stops a push whose commits hold a collection not ready for Newman (no network call)"
            }
            Hook::PreCommit => "stops a commit whose staged Postman files hold a live token",
        };
        let name = self.name();
        let quoted = shell_quote(&exe.display().to_string());
        format!(
            "#!/bin/sh\n{MARKER}\n# {name}: {what}.\n# Remove with `postman-cognito hook uninstall {name}`.\n\
             pc={quoted}\n\
             [ -x \"$pc\" ] || pc=$(command -v postman-cognito) || {{\n  \
             echo \"postman-cognito: the {name} hook cannot find postman-cognito (it was installed from \"{quoted}\"): \
             install it again, or run 'postman-cognito hook install {name}' with the one you have, \
             or 'git commit --no-verify' to skip the hook once\" >&2\n  exit 1\n}}\n\
             exec \"$pc\" hook run {name} \"$@\"\n"
        )
    }
}

/// `'text'` for sh, with any `'` closed, escaped and reopened.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
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

fn backup_of(dir: &Path, hook: Hook) -> PathBuf {
    dir.join(format!("{}.postman-cognito-backup", hook.name()))
}

/// Writes the hook; returns its path and the binary it runs.
pub fn install(hook: Hook, force: bool) -> Result<(PathBuf, PathBuf), Failure> {
    let dir = dir()?;
    let exe = std::env::current_exe()
        .and_then(fs::canonicalize)
        .map_err(|e| Failure::io(format!("cannot tell where postman-cognito is: {e}")))?;
    fs::create_dir_all(&dir)
        .map_err(|e| Failure::io(format!("cannot create {}: {e}", dir.shown())))?;
    let path = dir.join(hook.name());
    if path.exists() && !ours(&path) {
        if !force {
            return Err(Failure::usage(format!("{} exists and was not written by postman-cognito", path.shown()))
                .with_hint("add the command to it by hand, or pass --force to replace it (it is kept as a backup)"));
        }
        let backup = backup_of(&dir, hook);
        if backup.exists() {
            return Err(Failure::usage(format!(
                "{} exists and so does the backup of an earlier hook, {}",
                path.shown(),
                backup.shown()
            ))
            .with_hint("move one of them away first: --force never overwrites a backup"));
        }
        fs::rename(&path, &backup)
            .map_err(|e| Failure::io(format!("cannot back up {}: {e}", path.shown())))?;
    }
    crate::atomic::write(&path, hook.script(&exe).as_bytes(), None, None)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
            .map_err(|e| Failure::io(format!("cannot make {} executable: {e}", path.shown())))?;
    }
    Ok((path, exe))
}

/// Removes our hooks (`hook`, or both), putting back a hook that `--force` moved aside;
/// returns the paths removed.
pub fn uninstall(hook: Option<Hook>) -> Result<Vec<PathBuf>, Failure> {
    let dir = dir()?;
    let mut removed = Vec::new();
    for h in hook.map_or(vec![Hook::PrePush, Hook::PreCommit], |h| vec![h]) {
        let path = dir.join(h.name());
        if path.exists() && ours(&path) {
            fs::remove_file(&path)
                .map_err(|e| Failure::io(format!("cannot remove {}: {e}", path.shown())))?;
            let backup = backup_of(&dir, h);
            if backup.exists() {
                fs::rename(&backup, &path)
                    .map_err(|e| Failure::io(format!("cannot put back {}: {e}", backup.shown())))?;
            }
            removed.push(path);
        }
    }
    Ok(removed)
}

/// What `hook run` checks against: the profile's collection patterns and `check`'s settings.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Absolute glob patterns of the profile's `collections`.
    pub patterns: Vec<String>,
    pub policy: crate::collection::inherit::Policy,
    pub keep: Vec<String>,
    pub min_ttl: std::time::Duration,
    /// The declared identities' variables (the profile's `identities`).
    pub identities: Vec<String>,
}

/// A file that git is about to record, and its content there.
struct Candidate {
    path: PathBuf,
    bytes: Vec<u8>,
}

/// Whether the file at `path` (relative to `top`) is worth a look: every file with an extension
/// of one of the formats, every file with one of their names and every file the profile's
/// `collections` name. Which of them are Postman files is told by their
/// content.
fn is_candidate(top: &Path, path: &str, patterns: &[glob::Pattern]) -> bool {
    collection::has_extension(Path::new(path))
        || collection::looks_like_any(Path::new(path), b"")
        || patterns.iter().any(|pat| pat.matches_path(&top.join(path)))
}

/// The contents of the regular files among `blobs` worth a look.
fn read_candidates(
    top: &Path,
    blobs: &[crate::git::Blob],
    settings: &RunSettings,
) -> Result<Vec<Candidate>, Failure> {
    let patterns: Vec<glob::Pattern> = settings
        .patterns
        .iter()
        .filter_map(|p| glob::Pattern::new(p).ok())
        .collect();
    let picked: Vec<&crate::git::Blob> = blobs
        .iter()
        .filter(|b| b.is_file() && is_candidate(top, &b.path, &patterns))
        .collect();
    let oids: Vec<&str> = picked.iter().map(|b| b.oid.as_str()).collect();
    let contents = crate::git::contents(top, &oids).map_err(git_failure)?;
    Ok(picked
        .into_iter()
        .zip(contents)
        .map(|(b, bytes)| Candidate {
            path: PathBuf::from(&b.path),
            bytes,
        })
        .collect())
}

fn git_failure(e: String) -> Failure {
    Failure::io(format!("cannot read what git holds: {e}")).with_hint(
        "the hook stops what it cannot check; fix the repository (or skip the hook once with \
         --no-verify, knowing that nothing was checked)",
    )
}

fn repo_top() -> Result<PathBuf, Failure> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    crate::git::top(&cwd).ok_or_else(|| {
        Failure::usage("not in a git work tree").with_hint("git runs this hook itself")
    })
}

fn judge(c: &Candidate) -> Judged {
    collection::judge(&c.path, &c.bytes, false)
}

/// pre-commit: the staged Postman files must hold no live token, and a file that looks like
/// Postman's but cannot be read stops the commit: what cannot be read cannot be checked.
pub fn run_pre_commit(settings: &RunSettings, ui: &Ui) -> Result<Exit, Failure> {
    let top = repo_top()?;
    let staged = crate::git::staged(&top).map_err(git_failure)?;
    let files = read_candidates(&top, &staged, settings)?;
    let mut checked = 0;
    let mut found = 0;
    let mut unreadable = 0;
    for c in &files {
        let one = match judge(c) {
            Judged::File(one) => one,
            Judged::Other => continue,
            Judged::Unreadable(why) => {
                ui.problem(&format!(
                    "{} (staged): it looks like a Postman file and cannot be read, so it cannot \
                     be checked for tokens",
                    why.message
                ));
                unreadable += 1;
                continue;
            }
        };
        checked += 1;
        let (tokens, _) = one.live_tokens("");
        for t in &tokens {
            let (line, col) = crate::json::scan::line_col(&c.bytes, t.offset);
            ui.problem(&format!(
                "{}:{line}:{col}: a live token at {} (staged)",
                crate::redact::path(&c.path),
                crate::redact::inline(&t.place)
            ));
        }
        found += tokens.len();
    }
    if found > 0 {
        ui.problem(&format!(
            "postman-cognito: the commit would hold live tokens: {}",
            collection::KEEP_OUT_HINT
        ));
    }
    if unreadable > 0 {
        ui.problem(
            "postman-cognito: the commit holds Postman files that cannot be read: fix them (the \
             place is named above) and stage them again",
        );
    }
    if found > 0 || unreadable > 0 {
        return Ok(Exit::Changes);
    }
    ui.line(&match checked {
        0 => "postman-cognito: no Postman files staged; nothing to check".to_string(),
        n => format!("postman-cognito: {n} staged Postman file(s) hold no live token"),
    });
    Ok(Exit::Ok)
}

/// Prints the problems of a pushed file (in commit `local`); whether there were any.
fn report_pushed(path: &Path, local: &str, problems: &[collection::Problem], ui: &Ui) -> bool {
    let file = format!(
        "{} (in {})",
        crate::redact::path(path),
        &local[..local.len().min(12)]
    );
    collection::check::print(ui, &file, problems);
    !problems.is_empty()
}

/// The problems of one pushed file; `None` when it is no collection (an environment, or not a
/// Postman file).
fn pushed_problems(c: &Candidate, settings: &RunSettings) -> Option<Vec<collection::Problem>> {
    let check = CheckSettings {
        policy: settings.policy,
        keep: &settings.keep,
        min_ttl_secs: i64::try_from(settings.min_ttl.as_secs()).unwrap_or(i64::MAX),
        now: crate::jwt::now(),
        identities: &settings.identities,
    };
    match judge(c) {
        Judged::File(one) => one.problems(&check),
        Judged::Other => None,
        Judged::Unreadable(why) => Some(vec![collection::Problem::new(
            "file",
            format!(
                "{}: it looks like a Postman file and cannot be read, so it cannot be checked",
                why.message
            ),
        )]),
    }
}

/// pre-push: every collection that the pushed commits add or change must be ready for Newman,
/// as it is in the commit pushed. `updates` is what git gives the hook on standard input. When
/// the remote's tip is a commit this repository does not have, every collection of the pushed
/// commit is checked.
pub fn run_pre_push(updates: &str, settings: &RunSettings, ui: &Ui) -> Result<Exit, Failure> {
    let top = repo_top()?;
    let zero = |s: &str| s.bytes().all(|b| b == b'0');
    let mut checked = 0;
    let mut bad = 0;
    for line in updates.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [_, local, _, remote] = f.as_slice() else {
            return Err(Failure::usage(format!(
                "the pre-push hook cannot read the line {:?} from git",
                crate::redact::inline(line)
            ))
            .with_hint("git gives `<local ref> <local id> <remote ref> <remote id>` per line"));
        };
        if zero(local) {
            continue; // a deletion pushes no content
        }
        let remote = (!zero(remote)).then_some(*remote);
        let (blobs, whole) = crate::git::pushed(&top, local, remote).map_err(git_failure)?;
        if whole {
            ui.line(&format!(
                "postman-cognito: the remote's tip {} is not in this repository, so every \
                 collection of {} is checked",
                &remote.unwrap_or_default()[..remote.map_or(0, |r| r.len().min(12))],
                &local[..local.len().min(12)]
            ));
        }
        for c in read_candidates(&top, &blobs, settings)? {
            let Some(problems) = pushed_problems(&c, settings) else {
                continue;
            };
            checked += 1;
            bad += usize::from(report_pushed(&c.path, local, &problems, ui));
        }
    }
    if bad > 0 {
        ui.problem(
            "postman-cognito: the push holds collections that are not ready; fix and commit them",
        );
        return Ok(Exit::Changes);
    }
    ui.line(&match checked {
        0 => {
            "postman-cognito: the push changes no Postman collection; nothing to check".to_string()
        }
        n => format!("postman-cognito: {n} pushed collection(s) ready"),
    });
    Ok(Exit::Ok)
}

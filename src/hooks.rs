//! Git hooks. `hook install|uninstall` writes small scripts that call `hook run`, by the absolute
//! path of the binary that installed them (GUI git clients have another `PATH`), falling back to
//! `PATH`, and saying what to do when neither works. A marker line tells our hooks from others:
//! a hook the tool did not write is never replaced without `--force`, which keeps it as a
//! backup that `uninstall` puts back. `hook run` checks what git is about to record: the staged
//! blobs for pre-commit, the commits being pushed for pre-push, never the working tree.

use std::fs;
use std::path::{Path, PathBuf};

use crate::collection::file::{Kind, kind_of};
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
        .map_err(|e| Failure::io(format!("cannot create {}: {e}", dir.display())))?;
    let path = dir.join(hook.name());
    if path.exists() && !ours(&path) {
        if !force {
            return Err(Failure::usage(format!("{} exists and was not written by postman-cognito", path.display()))
                .with_hint("add the command to it by hand, or pass --force to replace it (it is kept as a backup)"));
        }
        let backup = backup_of(&dir, hook);
        if backup.exists() {
            return Err(Failure::usage(format!(
                "{} exists and so does the backup of an earlier hook, {}",
                path.display(),
                backup.display()
            ))
            .with_hint("move one of them away first: --force never overwrites a backup"));
        }
        fs::rename(&path, &backup)
            .map_err(|e| Failure::io(format!("cannot back up {}: {e}", path.display())))?;
    }
    crate::atomic::write(&path, hook.script(&exe).as_bytes(), None, None)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
            .map_err(|e| Failure::io(format!("cannot make {} executable: {e}", path.display())))?;
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
                .map_err(|e| Failure::io(format!("cannot remove {}: {e}", path.display())))?;
            let backup = backup_of(&dir, h);
            if backup.exists() {
                fs::rename(&backup, &path).map_err(|e| {
                    Failure::io(format!("cannot put back {}: {e}", backup.display()))
                })?;
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
}

/// A Postman file that git is about to record, and its content there.
struct Candidate {
    path: PathBuf,
    bytes: Vec<u8>,
}

/// The files worth a look among `paths` (relative to `top`): every `.json` and `.yaml` file
/// (v3 collections are folders of YAML files) and every file the profile's `collections` name. Which of them are Postman files is told by their
/// content.
fn candidates(top: &Path, paths: Vec<String>, settings: &RunSettings) -> Vec<String> {
    let patterns: Vec<glob::Pattern> = settings
        .patterns
        .iter()
        .filter_map(|p| glob::Pattern::new(p).ok())
        .collect();
    paths
        .into_iter()
        .filter(|p| {
            let lower = p.to_ascii_lowercase();
            lower.ends_with(".json")
                || lower.ends_with(".yaml")
                || lower.ends_with(".yml")
                || patterns.iter().any(|pat| pat.matches_path(&top.join(p)))
        })
        .collect()
}

fn read_all(top: &Path, paths: &[String], rev: &str) -> Result<Vec<Candidate>, Failure> {
    let specs: Vec<String> = paths.iter().map(|p| format!("{rev}:{p}")).collect();
    let blobs = crate::git::blobs(top, &specs)
        .map_err(|e| Failure::io(format!("cannot read what git holds: {e}")))?;
    Ok(paths
        .iter()
        .zip(blobs)
        .filter_map(|(p, b)| {
            Some(Candidate {
                path: PathBuf::from(p),
                bytes: b?,
            })
        })
        .collect())
}

fn repo_top() -> Result<PathBuf, Failure> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    crate::git::top(&cwd).ok_or_else(|| {
        Failure::usage("not in a git work tree").with_hint("git runs this hook itself")
    })
}

/// pre-commit: the staged Postman files must hold no live token.
pub fn run_pre_commit(settings: &RunSettings, ui: &Ui) -> Result<Exit, Failure> {
    let top = repo_top()?;
    let paths = candidates(&top, crate::git::staged(&top), settings);
    let files = read_all(&top, &paths, "")?;
    let mut checked = 0;
    let mut found = 0;
    for c in &files {
        let Ok(kind) = kind_of(&c.path, &c.bytes) else {
            continue;
        };
        checked += 1;
        let (tokens, _) = crate::commands::scrub::tokens_in(&c.bytes, &c.path, kind, "")?;
        for t in &tokens {
            let (line, col) = crate::json::scan::line_col(&c.bytes, t.offset);
            ui.problem(&format!(
                "{}:{line}:{col}: a live token at {} (staged)",
                c.path.display(),
                t.place
            ));
        }
        found += tokens.len();
    }
    if found > 0 {
        ui.problem(
            "postman-cognito: the commit would hold live tokens: run `postman-cognito scrub` on \
             those files and stage them again (or use --token-var with --env-file)",
        );
        return Ok(Exit::Changes);
    }
    ui.line(&match checked {
        0 => "postman-cognito: no Postman files staged; nothing to check".to_string(),
        n => format!("postman-cognito: {n} staged Postman file(s) hold no live token"),
    });
    Ok(Exit::Ok)
}

/// Prints the problems of a pushed file (in commit `local`); whether there were any.
fn report_pushed(path: &Path, local: &str, problems: &[crate::check::Problem], ui: &Ui) -> bool {
    for p in problems {
        ui.problem(&format!(
            "{} (in {}): {}: {}",
            path.display(),
            &local[..local.len().min(12)],
            p.place,
            p.message
        ));
    }
    !problems.is_empty()
}

/// pre-push: every collection that the pushed commits add or change must be ready for Newman,
/// as it is in the commit pushed. `updates` is what git gives the hook on standard input.
pub fn run_pre_push(updates: &str, settings: &RunSettings, ui: &Ui) -> Result<Exit, Failure> {
    let top = repo_top()?;
    let zero = |s: &str| s.bytes().all(|b| b == b'0');
    let mut checked = 0;
    let mut bad = 0;
    for line in updates.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [_, local, _, remote] = f.as_slice() else {
            continue;
        };
        if zero(local) {
            continue; // a deletion pushes no content
        }
        let remote = (!zero(remote)).then_some(*remote);
        let paths = candidates(&top, crate::git::pushed(&top, local, remote), settings);
        for c in read_all(&top, &paths, local)? {
            let min_ttl = i64::try_from(settings.min_ttl.as_secs()).unwrap_or(i64::MAX);
            let coll = match kind_of(&c.path, &c.bytes) {
                Ok(Kind::Collection(coll)) => coll,
                Ok(Kind::Yaml {
                    doc,
                    environment: false,
                }) => {
                    checked += 1;
                    let place = c.path.display().to_string();
                    let problems = crate::check::check_tree_file(
                        &doc,
                        &place,
                        settings.policy,
                        min_ttl,
                        crate::jwt::now(),
                    );
                    bad += usize::from(report_pushed(&c.path, local, &problems, ui));
                    continue;
                }
                _ => continue,
            };
            checked += 1;
            let keep = crate::collection::keep::resolve(&c.bytes, &settings.keep)
                .map(|k| k.set)
                .unwrap_or_default();
            let problems = crate::check::check(
                &c.bytes,
                &coll,
                settings.policy,
                &keep,
                min_ttl,
                crate::jwt::now(),
            );
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

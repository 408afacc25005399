//! The few git facts the tool needs, asked of the `git` command: which of some files are tracked,
//! which Postman files a repo tracks, and where its hooks live (honouring `core.hooksPath`).

use crate::redact::Shown as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn git(dir: &Path, args: &[&str]) -> Option<std::process::Output> {
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
}

/// Whether `dir` is inside a git work tree: a `.git` (folder, or file for worktrees and
/// submodules) in it or a folder above. Found without starting a process; `GIT_DIR` set means
/// git decides (a work tree may be elsewhere).
pub fn in_work_tree(dir: &Path) -> bool {
    std::env::var_os("GIT_DIR").is_some() || dir.ancestors().any(|d| d.join(".git").exists())
}

/// Which of `files` git tracks: one `git ls-files` per folder, not one per file (a run over a
/// hundred collections would otherwise start a hundred git processes).
pub fn tracked_among(files: &[PathBuf]) -> std::collections::HashSet<PathBuf> {
    let mut by_dir: std::collections::BTreeMap<PathBuf, Vec<(String, &PathBuf)>> =
        Default::default();
    for file in files {
        let real = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
        if let (Some(dir), Some(name)) = (real.parent(), real.file_name()) {
            let name = name.to_string_lossy().into_owned();
            by_dir
                .entry(dir.to_path_buf())
                .or_default()
                .push((name, file));
        }
    }
    let mut out = std::collections::HashSet::new();
    for (dir, names) in by_dir {
        // Outside a work tree nothing is tracked: no git process is started for it.
        if !in_work_tree(&dir) {
            continue;
        }
        let specs: Vec<String> = names
            .iter()
            .map(|(n, _)| format!(":(literal){n}"))
            .collect();
        let mut args = vec!["ls-files", "-z", "--"];
        args.extend(specs.iter().map(String::as_str));
        let Some(o) = git(&dir, &args).filter(|o| o.status.success()) else {
            continue;
        };
        let listed: std::collections::HashSet<&[u8]> = o
            .stdout
            .split(|b| *b == 0)
            .filter(|s| !s.is_empty())
            .collect();
        out.extend(
            names
                .iter()
                .filter(|(n, _)| listed.contains(n.as_bytes()))
                .map(|(_, f)| (*f).clone()),
        );
    }
    out
}

/// Warns about each of `files` that git tracks: it holds a live token that a commit would take.
pub fn warn_if_tracked(files: &[PathBuf], ui: &crate::ui::Ui) {
    let tracked = tracked_among(files);
    for path in files.iter().filter(|p| tracked.contains(*p)) {
        ui.warn(&format!(
            "{} is tracked by git and holds a live token; keep tokens out of commits with \
             --token-var NAME --env-file <an ignored file> (or silence this with \
             --allow-tracked-token)",
            path.shown()
        ));
    }
}

/// Tracked files under folder `dir` matching any of `patterns` (git pathspecs), relative to it.
pub fn tracked(dir: &Path, patterns: &[&str]) -> Vec<PathBuf> {
    let mut args = vec!["ls-files", "-z", "--"];
    args.extend_from_slice(patterns);
    let Some(out) = git(dir, &args).filter(|o| o.status.success()) else {
        return Vec::new();
    };
    out.stdout
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| PathBuf::from(String::from_utf8_lossy(s).into_owned()))
        .collect()
}

/// The hooks folder of the repo around the current folder (`core.hooksPath` honoured). Only
/// the line break git ends its answer with is taken off: a folder name may end in a space.
pub fn hooks_dir() -> Option<PathBuf> {
    let out = git(Path::new("."), &["rev-parse", "--git-path", "hooks"])
        .filter(|o| o.status.success())?;
    let mut bytes = out.stdout;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    (!bytes.is_empty()).then(|| PathBuf::from(String::from_utf8_lossy(&bytes).into_owned()))
}

/// The top folder of the work tree around `dir`.
pub fn top(dir: &Path) -> Option<PathBuf> {
    let out = git(dir, &["rev-parse", "--show-toplevel"]).filter(|o| o.status.success())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let text = text.strip_suffix('\n').unwrap_or(&text);
    (!text.is_empty()).then(|| PathBuf::from(text))
}

/// A file as git records it: its path (relative to the top of the work tree), its mode and the
/// id of its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub path: String,
    pub mode: String,
    pub oid: String,
}

impl Blob {
    /// A regular file (not a symbolic link, whose content is the path it points to, nor a
    /// submodule).
    pub fn is_file(&self) -> bool {
        self.mode.starts_with("100")
    }
}

/// `git args` in `top`; its standard output, or why it failed (git's own words).
fn run(top: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .current_dir(top)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "git {} failed: {}",
            args.first().copied().unwrap_or_default(),
            crate::redact::inline(why.trim())
        ));
    }
    Ok(out.stdout)
}

/// The files the next commit records that are added, copied, modified, renamed or changed in
/// type (a link replaced by a file), with the ids of their staged content. Read with `-z`, so
/// that any file name (a line break in it included) is read whole.
pub fn staged(top: &Path) -> Result<Vec<Blob>, String> {
    let out = run(
        top,
        &[
            "diff",
            "--cached",
            "--raw",
            "-z",
            "--no-renames",
            "--no-abbrev",
            "--diff-filter=ACMRT",
        ],
    )?;
    // `:<old mode> <new mode> <old id> <new id> <status>` NUL `<path>` NUL, per file.
    let mut fields = out.split(|b| *b == 0);
    let mut blobs = Vec::new();
    while let Some(head) = fields.next() {
        if head.is_empty() {
            continue;
        }
        let path = fields
            .next()
            .ok_or("git diff --raw: a record without its path")?;
        let head = String::from_utf8_lossy(head);
        let parts: Vec<&str> = head.trim_start_matches(':').split(' ').collect();
        let [_, mode, _, oid, _] = parts.as_slice() else {
            return Err(format!("git diff --raw: an unexpected record {head:?}"));
        };
        blobs.push(Blob {
            path: String::from_utf8_lossy(path).into_owned(),
            mode: (*mode).to_string(),
            oid: (*oid).to_string(),
        });
    }
    Ok(blobs)
}

/// Every file of commit `rev`, with the ids of their content.
pub fn tree(top: &Path, rev: &str) -> Result<Vec<Blob>, String> {
    let out = run(top, &["ls-tree", "-r", "-z", "--full-tree", rev])?;
    // `<mode> <type> <id>` TAB `<path>` NUL, per file.
    out.split(|b| *b == 0)
        .filter(|r| !r.is_empty())
        .map(|r| {
            let tab = r
                .iter()
                .position(|b| *b == b'\t')
                .ok_or("git ls-tree: a record without a tab")?;
            let head = String::from_utf8_lossy(&r[..tab]);
            let parts: Vec<&str> = head.split(' ').collect();
            let [mode, _, oid] = parts.as_slice() else {
                return Err(format!("git ls-tree: an unexpected record {head:?}"));
            };
            Ok(Blob {
                path: String::from_utf8_lossy(&r[tab + 1..]).into_owned(),
                mode: (*mode).to_string(),
                oid: (*oid).to_string(),
            })
        })
        .collect()
}

/// Whether this repository has commit `rev` (a remote tip it never fetched it has not).
pub fn has_commit(top: &Path, rev: &str) -> bool {
    run(top, &["cat-file", "-e", &format!("{rev}^{{commit}}")]).is_ok()
}

/// What a push of commit `local` over the remote's `remote` sends: the files that the commits
/// reachable from `local` and not from `remote` (for a new branch, from no remote-tracking
/// branch) add or change, as they are in `local`. When the remote's tip is a commit this
/// repository does not have (a force push over commits it never fetched), nothing tells what
/// the remote has: every file of `local` is returned, and the flag says so.
pub fn pushed(top: &Path, local: &str, remote: Option<&str>) -> Result<(Vec<Blob>, bool), String> {
    let all = tree(top, local)?;
    if remote.is_some_and(|r| !has_commit(top, r)) {
        return Ok((all, true));
    }
    let mut args = vec![
        "log",
        "--format=",
        "--name-only",
        "-z",
        "--no-renames",
        "--diff-filter=ACMRT",
        local,
        "--not",
    ];
    args.push(remote.unwrap_or("--remotes"));
    let out = run(top, &args)?;
    let changed: std::collections::HashSet<&[u8]> =
        out.split(|b| *b == 0).filter(|s| !s.is_empty()).collect();
    Ok((
        all.into_iter()
            .filter(|b| changed.contains(b.path.as_bytes()))
            .collect(),
        false,
    ))
}

/// The content of each object in `oids`, read through one `git cat-file --batch`. Object ids
/// hold no line break, and every answer is read by the size git gives, so no name can put the
/// protocol out of step; git's output is read while the ids are written, and the pipes are
/// closed before waiting for it, so neither side can wait on the other. An object git cannot
/// give is an error: what cannot be read cannot be judged.
pub fn contents(top: &Path, oids: &[&str]) -> Result<Vec<Vec<u8>>, String> {
    use std::io::{BufRead, Read, Write};
    if oids.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .current_dir(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut input = child.stdin.take().ok_or("no stdin for git")?;
    let request: String = oids.iter().map(|s| format!("{s}\n")).collect();
    let writer = std::thread::spawn(move || input.write_all(request.as_bytes()));
    let mut out = std::io::BufReader::new(child.stdout.take().ok_or("no stdout from git")?);
    let mut read = || -> Result<Vec<Vec<u8>>, String> {
        let mut blobs = Vec::with_capacity(oids.len());
        for oid in oids {
            let mut header = Vec::new();
            out.read_until(b'\n', &mut header)
                .map_err(|e| e.to_string())?;
            let header = String::from_utf8_lossy(&header);
            let fields: Vec<&str> = header.split_whitespace().collect();
            match fields.as_slice() {
                [id, "blob", size] if id == oid => {
                    let size: usize = size.parse().map_err(|_| "a bad size from git")?;
                    let mut body = vec![0; size + 1];
                    out.read_exact(&mut body).map_err(|e| e.to_string())?;
                    body.pop();
                    blobs.push(body);
                }
                _ => {
                    return Err(format!(
                        "git cannot give the content {oid}: {}",
                        crate::redact::inline(header.trim())
                    ));
                }
            }
        }
        Ok(blobs)
    };
    let result = read();
    drop(out);
    let _ = writer.join();
    let _ = child.kill();
    let _ = child.wait();
    result
}

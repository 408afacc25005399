//! The few git facts the tool needs, asked of the `git` command: which of some files are tracked,
//! which Postman files a repo tracks, and where its hooks live (honouring `core.hooksPath`).

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
            path.display()
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

/// The hooks folder of the repo around the current folder (`core.hooksPath` honoured).
pub fn hooks_dir() -> Option<PathBuf> {
    let out = git(Path::new("."), &["rev-parse", "--git-path", "hooks"])
        .filter(|o| o.status.success())?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!text.is_empty()).then(|| PathBuf::from(text))
}

/// The top folder of the work tree around `dir`.
pub fn top(dir: &Path) -> Option<PathBuf> {
    let out = git(dir, &["rev-parse", "--show-toplevel"]).filter(|o| o.status.success())?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!text.is_empty()).then(|| PathBuf::from(text))
}

fn nul_list(out: &[u8]) -> Vec<String> {
    out.split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// Files added, copied, modified or renamed in the index (what the next commit holds), relative
/// to the top of the work tree.
pub fn staged(top: &Path) -> Vec<String> {
    git(
        top,
        &[
            "diff",
            "--cached",
            "--name-only",
            "-z",
            "--diff-filter=ACMR",
        ],
    )
    .filter(|o| o.status.success())
    .map(|o| nul_list(&o.stdout))
    .unwrap_or_default()
}

/// Files that the commits reachable from `local` and not from `remote` (or, for a new branch,
/// from no remote-tracking branch) added or changed, relative to the top of the work tree.
pub fn pushed(top: &Path, local: &str, remote: Option<&str>) -> Vec<String> {
    let mut args = vec![
        "log",
        "--format=",
        "--name-only",
        "-z",
        "--diff-filter=ACMR",
        local,
        "--not",
    ];
    match remote {
        Some(r) => args.push(r),
        None => args.push("--remotes"),
    }
    let mut files = git(top, &args)
        .filter(|o| o.status.success())
        .map(|o| nul_list(&o.stdout))
        .unwrap_or_default();
    files.sort();
    files.dedup();
    files
}

/// The content of each object named by `specs` (`:path` for the index, `REV:path` for a
/// commit), `None` where there is none, read through one `git cat-file --batch`.
pub fn blobs(top: &Path, specs: &[String]) -> Result<Vec<Option<Vec<u8>>>, String> {
    use std::io::{BufRead, Read, Write};
    let mut child = Command::new("git")
        .current_dir(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut input = child.stdin.take().ok_or("no stdin for git")?;
    let request: String = specs.iter().map(|s| format!("{s}\n")).collect();
    let writer = std::thread::spawn(move || input.write_all(request.as_bytes()));
    let mut out = std::io::BufReader::new(child.stdout.take().ok_or("no stdout from git")?);
    let mut blobs = Vec::with_capacity(specs.len());
    for _ in specs {
        let mut header = String::new();
        out.read_line(&mut header).map_err(|e| e.to_string())?;
        if header.trim_end().ends_with(" missing") || header.trim_end().ends_with(" ambiguous") {
            blobs.push(None);
            continue;
        }
        let fields: Vec<&str> = header.split_whitespace().collect();
        match fields.as_slice() {
            [_, "blob", size] => {
                let size: usize = size.parse().map_err(|_| "a bad size from git")?;
                let mut body = vec![0; size + 1];
                out.read_exact(&mut body).map_err(|e| e.to_string())?;
                body.pop();
                blobs.push(Some(body));
            }
            [_, _, size] => {
                let size: usize = size.parse().map_err(|_| "a bad size from git")?;
                std::io::copy(&mut (&mut out).take(size as u64 + 1), &mut std::io::sink())
                    .map_err(|e| e.to_string())?;
                blobs.push(None);
            }
            _ => blobs.push(None),
        }
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(blobs)
}

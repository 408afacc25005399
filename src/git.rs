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

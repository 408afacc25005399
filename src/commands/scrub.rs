//! `scrub`: removes (or with `--check`, only reports) the live tokens in collections and
//! environment files. Every file is read and checked before any is written.

use crate::atomic;
use crate::collection::file::{self};
use crate::error::{Exit, Failure};
use crate::json::{edit, scan};
use crate::redact::Shown as _;
use crate::settings::ScrubPlan;
use crate::ui::Ui;

/// A file read for scrubbing.
struct Read {
    path: std::path::PathBuf,
    bytes: Vec<u8>,
    stamp: atomic::Stamp,
}

pub fn run(plan: &ScrubPlan, stdout: &mut dyn std::io::Write, ui: &Ui) -> Result<Exit, Failure> {
    let replacement = plan
        .token_var
        .as_ref()
        .map(|n| format!("{{{{{n}}}}}"))
        .unwrap_or_default();
    // Every file is read and judged before any is written. A tree's files are read (and later
    // written) through its folders, never through a link.
    let mut trees = Vec::new();
    let mut read: Vec<(Read, Option<(usize, usize)>)> = Vec::new();
    for path in &plan.files {
        if crate::collection::tree::is_tree(path) {
            let tree = crate::collection::tree::load(path, &[], true)?;
            let t = trees.len();
            for (i, f) in tree.files.iter().enumerate() {
                let read_file = Read {
                    path: f.path.clone(),
                    bytes: f.bytes.clone(),
                    stamp: f.stamp.clone(),
                };
                read.push((read_file, Some((t, i))));
            }
            trees.push(tree);
        } else {
            let raw = file::read(path)?;
            read.push((
                Read {
                    path: raw.path,
                    bytes: raw.bytes,
                    stamp: raw.stamp,
                },
                None,
            ));
        }
    }
    let mut plans = Vec::new();
    for (raw, at) in read {
        let path = &raw.path;
        let kind = match file::kind_of(path, &raw.bytes) {
            Ok(kind) => kind,
            // A file that looks like Postman's and cannot be read is refused, never passed over:
            // it could hold a token that nothing checked.
            Err(_) if plan.skip_other_files && !file::looks_postman(path, &raw.bytes) => {
                ui.note(&format!(
                    "passing over {}: not a Postman file",
                    crate::redact::path(path)
                ));
                continue;
            }
            Err(e) => return Err(e),
        };
        let (found, edits) = file::tokens_in(&raw.bytes, path, kind, &replacement)?;
        plans.push((raw, at, found, edits));
    }
    let mut any = false;
    let mut report = Vec::new();
    let mut reopened: Vec<Option<crate::folder::Reopen>> = trees
        .iter()
        .map(|t| Some(crate::folder::Reopen::new(&t.folders)))
        .collect();
    for (raw, at, found, edits) in plans {
        for f in &found {
            let (line, col) = scan::line_col(&raw.bytes, f.offset);
            ui.problem(&format!(
                "{}:{line}:{col}: a live token at {}",
                crate::redact::path(&raw.path),
                crate::redact::inline(&f.place)
            ));
        }
        any |= !found.is_empty();
        let tokens: Vec<serde_json::Value> = found
            .iter()
            .map(|f| {
                let (line, column) = scan::line_col(&raw.bytes, f.offset);
                serde_json::json!({"place": f.place, "line": line, "column": column})
            })
            .collect();
        let scrubbed = !plan.check && !edits.is_empty();
        report.push(serde_json::json!({
            "file": raw.path.display().to_string(),
            "tokens": tokens,
            "scrubbed": scrubbed,
        }));
        if !scrubbed {
            continue;
        }
        let new = edit::apply(&raw.bytes, &edits);
        match at {
            None => atomic::write(&raw.path, &new, Some(&raw.stamp), None)?,
            Some((t, i)) => {
                let f = &trees[t].files[i];
                let folders = reopened[t].as_mut().expect("one per tree");
                let dir = folders.get(f.folder)?;
                let like = f.stat.expect("a file read from disk");
                let staged =
                    atomic::stage_at(dir, f.folder, &f.name, &like, false, |w| w.write_all(&new))?;
                dir.sync_all_files()
                    .map_err(|e| Failure::io(format!("could not flush to disk: {e}")))?;
                if let Some(w) = staged
                    .commit(dir, &raw.stamp)
                    .map_err(atomic::WriteError::failure)?
                {
                    ui.warn(&w);
                }
            }
        }
        ui.line(&format!(
            "scrubbed {}: {} token{} removed",
            raw.path.shown(),
            found.len(),
            if found.len() == 1 { "" } else { "s" }
        ));
    }
    let exit = if plan.check && any {
        ui.problem(&format!(
            "postman-cognito: live tokens found: {}",
            crate::check::KEEP_OUT_HINT
        ));
        Exit::Changes
    } else {
        Exit::Ok
    };
    if plan.json {
        let status = match (any, plan.check) {
            (false, _) => "clean",
            (true, true) => "tokens-found",
            (true, false) => "scrubbed",
        };
        let doc =
            crate::report::document("scrub", status, exit, serde_json::json!({"files": report}));
        if let Err(e) = crate::report::write_document(stdout, &doc) {
            crate::report::unwritten(ui, &e);
        }
    }
    Ok(exit)
}

//! `scrub`: removes (or with `--check`, only reports) the live tokens in collections and
//! environment files. Every file is read and judged before any is written. A collection folder's
//! files are found and written through the collection seam (through its folders, never through
//! a link); a file alone is judged as the hooks judge it.

use std::path::PathBuf;

use crate::atomic;
use crate::collection::writer;
use crate::collection::{self, Document, FileEdits, Judged, Options, Planned, file};
use crate::error::{Exit, Failure};
use crate::json::scan;
use crate::redact::Shown as _;
use crate::scrub::Found;
use crate::settings::ScrubPlan;
use crate::splice::{self, Edit};
use crate::ui::Ui;

/// The live tokens of one file, and where it is written.
struct Scrubbed {
    path: PathBuf,
    bytes: Vec<u8>,
    found: Vec<Found>,
    edits: Vec<Edit>,
    /// A file of a collection folder (the document's number), else a file alone (its stamp).
    at: Where,
}

enum Where {
    Folder(usize, usize),
    Alone(atomic::Stamp),
}

pub fn run(plan: &ScrubPlan, stdout: &mut dyn std::io::Write, ui: &Ui) -> Result<Exit, Failure> {
    let replacement = plan
        .token_var
        .as_ref()
        .map(|n| format!("{{{{{n}}}}}"))
        .unwrap_or_default();
    let mut docs: Vec<Box<dyn Document>> = Vec::new();
    let mut files = Vec::new();
    for path in &plan.files {
        if collection::is_folder_document(path) {
            let doc = collection::open(
                path,
                Options {
                    assign: &[],
                    keep: &[],
                    every_file: true,
                },
            )?;
            for t in doc.live_tokens(&replacement)? {
                let f = doc.file(t.file);
                files.push(Scrubbed {
                    path: f.path.clone(),
                    bytes: f.bytes.clone(),
                    found: t.found,
                    edits: t.edits,
                    at: Where::Folder(docs.len(), t.file),
                });
            }
            docs.push(doc);
            continue;
        }
        let raw = file::read(path)?;
        let (found, edits) = match collection::judge(path, &raw.bytes, !plan.skip_other_files) {
            Judged::File(one) => one.live_tokens(&replacement),
            // A file that looks like Postman's and cannot be read is refused, never passed over:
            // it could hold a token that nothing checked.
            Judged::Unreadable(e) => return Err(e),
            Judged::Other => {
                ui.note(&format!(
                    "passing over {}: not a Postman file",
                    path.shown()
                ));
                continue;
            }
        };
        files.push(Scrubbed {
            path: raw.path,
            bytes: raw.bytes,
            found,
            edits,
            at: Where::Alone(raw.stamp),
        });
    }
    let mut any = false;
    let mut report = Vec::new();
    // The changed files of each folder, written together once every file is judged.
    let mut folder_edits: Vec<Vec<FileEdits>> = docs.iter().map(|_| Vec::new()).collect();
    for s in files {
        for f in &s.found {
            let (line, col) = scan::line_col(&s.bytes, f.offset);
            ui.problem(&format!(
                "{}:{line}:{col}: a live token at {}",
                s.path.shown(),
                crate::redact::inline(&f.place)
            ));
        }
        any |= !s.found.is_empty();
        let tokens: Vec<serde_json::Value> = s
            .found
            .iter()
            .map(|f| {
                let (line, column) = scan::line_col(&s.bytes, f.offset);
                serde_json::json!({"place": f.place, "line": line, "column": column})
            })
            .collect();
        let scrubbed = !plan.check && !s.edits.is_empty();
        report.push(serde_json::json!({
            "file": s.path.display().to_string(),
            "tokens": tokens,
            "scrubbed": scrubbed,
        }));
        if !scrubbed {
            continue;
        }
        match s.at {
            Where::Alone(stamp) => {
                let new = splice::apply(&s.bytes, &s.edits);
                atomic::write(&s.path, &new, Some(&stamp), None)?;
            }
            Where::Folder(d, file) => folder_edits[d].push(FileEdits {
                file,
                edits: s.edits,
            }),
        }
        ui.line(&format!(
            "scrubbed {}: {} token{} removed",
            s.path.shown(),
            s.found.len(),
            if s.found.len() == 1 { "" } else { "s" }
        ));
    }
    for (doc, edits) in docs.iter_mut().zip(folder_edits) {
        if edits.is_empty() {
            continue;
        }
        let planned = Planned {
            files: edits,
            root_auth_before: String::new(),
            outcome: Default::default(),
        };
        let staged = writer::stage(doc.as_mut(), &planned, None, false)?;
        staged.commit(doc.as_ref(), None, ui)?;
    }
    let exit = if plan.check && any {
        ui.problem(&format!(
            "postman-cognito: live tokens found: {}",
            collection::KEEP_OUT_HINT
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

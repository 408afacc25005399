//! `scrub`: removes (or with `--check`, only reports) the live tokens in collections and
//! environment files. Every file is read and checked before any is written.

use crate::atomic;
use crate::collection::file::{self, Kind, not_a_collection};
use crate::error::{Exit, Failure};
use crate::json::{edit, scan};
use crate::scrub;
use crate::settings::ScrubPlan;
use crate::ui::Ui;

/// The live tokens of a Postman file read as `kind`, and the edits removing them (environment
/// values are emptied; in collections `replacement` goes in).
pub fn tokens_in(
    bytes: &[u8],
    path: &std::path::Path,
    kind: Kind,
    replacement: &str,
) -> Result<(Vec<scrub::Found>, Vec<edit::Edit>), Failure> {
    Ok(match kind {
        Kind::Collection(_) => {
            let scanned = scan::scan(bytes, &scan::KeepAll)
                .map_err(|e| not_a_collection(path, bytes, e.into()))?;
            match scanned.root {
                scan::Node::Object(root) => scrub::find(bytes, &root, replacement),
                _ => (Vec::new(), Vec::new()),
            }
        }
        Kind::Environment(env) => scrub::find(bytes, &env.root, ""),
        Kind::Yaml { doc, environment } => {
            scrub::find_yaml(bytes, &doc.root, if environment { "" } else { replacement })
        }
    })
}

pub fn run(plan: &ScrubPlan, stdout: &mut dyn std::io::Write, ui: &Ui) -> Result<Exit, Failure> {
    let replacement = plan
        .token_var
        .as_ref()
        .map(|n| format!("{{{{{n}}}}}"))
        .unwrap_or_default();
    let mut plans = Vec::new();
    let mut files = Vec::new();
    for path in &plan.files {
        if crate::collection::tree::is_tree(path) {
            let tree = crate::collection::tree::load(path, &[], true)?;
            files.extend(tree.files.into_iter().map(|f| f.path));
        } else {
            files.push(path.clone());
        }
    }
    for path in &files {
        let (raw, kind) = match file::load_any(path) {
            Ok(found) => found,
            Err(e) if plan.skip_other_files && e.exit == Exit::BadInput => continue,
            Err(e) => return Err(e),
        };
        let (found, edits) = tokens_in(&raw.bytes, path, kind, &replacement)?;
        plans.push((raw, found, edits));
    }
    let mut any = false;
    let mut report = Vec::new();
    for (raw, found, edits) in plans {
        for f in &found {
            let (line, col) = scan::line_col(&raw.bytes, f.offset);
            ui.problem(&format!(
                "{}:{line}:{col}: a live token at {}",
                raw.path.display(),
                f.place
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
        atomic::write(&raw.path, &new, Some(&raw.stamp), None)?;
        ui.line(&format!(
            "scrubbed {}: {} token{} removed",
            raw.path.display(),
            found.len(),
            if found.len() == 1 { "" } else { "s" }
        ));
    }
    let exit = if plan.check && any {
        ui.problem(
            "postman-cognito: live tokens found; run `postman-cognito scrub` (or use --token-var with --env-file)",
        );
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
        crate::report::write_document(stdout, &doc)
            .map_err(|e| Failure::io(format!("cannot write the report to standard output: {e}")))?;
    }
    Ok(exit)
}

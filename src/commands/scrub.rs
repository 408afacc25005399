//! `scrub`: removes (or with `--check`, only reports) the live tokens in collections and
//! environment files. Every file is read and checked before any is written.

use crate::atomic;
use crate::collection::file::{self, Kind, not_a_collection};
use crate::error::{Exit, Failure};
use crate::json::{edit, scan};
use crate::scrub;
use crate::settings::ScrubPlan;
use crate::ui::Ui;

pub fn run(plan: &ScrubPlan, ui: &Ui) -> Result<Exit, Failure> {
    let replacement = plan
        .token_var
        .as_ref()
        .map(|n| format!("{{{{{n}}}}}"))
        .unwrap_or_default();
    let mut plans = Vec::new();
    for path in &plan.files {
        let (raw, kind) = file::load_any(path)?;
        let (found, edits) = match kind {
            Kind::Collection(_) => {
                let scanned = scan::scan(&raw.bytes, &scan::KeepAll)
                    .map_err(|e| not_a_collection(path, &raw.bytes, e.into()))?;
                scrub::collection(&scanned.root, &replacement)
            }
            Kind::Environment(env) => scrub::environment(&env.root),
        };
        plans.push((raw, found, edits));
    }
    let mut any = false;
    for (raw, found, edits) in plans {
        for f in &found {
            let (line, col) = scan::line_col(&raw.bytes, f.offset);
            ui.line(&format!(
                "{}:{line}:{col}: a live token at {}",
                raw.path.display(),
                f.place
            ));
        }
        any |= !found.is_empty();
        if plan.check || edits.is_empty() {
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
    if plan.check && any {
        ui.line(
            "postman-cognito: live tokens found; run `postman-cognito scrub` (or use --token-var with --env-file)",
        );
        return Ok(Exit::Changes);
    }
    Ok(Exit::Ok)
}

//! `check`: an offline verdict on each collection, printed per problem. Exit 1 when any.
//! A collection folder is checked whole; a file alone, as the hooks see files.

use std::io::Write;
use std::path::Path;

use crate::collection::{self, CheckSettings, Judged, Options, Problem, file};
use crate::error::{Exit, Failure};
use crate::jwt;
use crate::redact::Shown as _;
use crate::settings::CheckPlan;
use crate::ui::Ui;

/// The problems of the collection at `f`; `None` when it is passed over (not a collection,
/// with `--skip-other-files`).
fn problems_of(
    f: &Path,
    plan: &CheckPlan,
    settings: &CheckSettings,
    ui: &Ui,
) -> Result<Option<Vec<Problem>>, Failure> {
    let c = &plan.collections;
    if collection::is_folder_document(f) {
        let doc = collection::open(
            f,
            Options {
                assign: &[],
                keep: &c.keep,
                every_file: false,
            },
        )?;
        return Ok(Some(doc.problems(settings)));
    }
    let raw = file::read(f)?;
    let passed_over = |why: &str| {
        ui.note(&format!("passing over {}: {why}", f.shown()));
        Ok(None)
    };
    match collection::judge(f, &raw.bytes, !plan.skip_other_files) {
        Judged::File(one) => match one.problems(settings) {
            Some(p) => Ok(Some(p)),
            None if plan.skip_other_files => passed_over("not a collection"),
            None => Err(Failure::bad_input(format!(
                "{} is an environment or globals file, not a collection",
                f.shown()
            ))
            .with_hint("pass the collection file (or its folder)")),
        },
        Judged::Other => passed_over("not a Postman file"),
        Judged::Unreadable(e) => Err(e),
    }
}

pub fn run(plan: &CheckPlan, stdout: &mut dyn Write, ui: &Ui) -> Result<Exit, Failure> {
    let c = &plan.collections;
    let settings = CheckSettings {
        policy: c.policy,
        keep: &c.keep,
        min_ttl_secs: i64::try_from(plan.min_ttl.as_secs()).unwrap_or(i64::MAX),
        now: jwt::now(),
        identities: &plan.identities,
    };
    // Every file is read and judged before anything is printed.
    let mut checked = Vec::new();
    for f in &c.files {
        if let Some(problems) = problems_of(f, plan, &settings, ui)? {
            checked.push((f, problems));
        }
    }
    let mut all = Vec::new();
    for (path, problems) in checked {
        crate::collection::check::print(ui, &path.shown().to_string(), &problems);
        if problems.is_empty() {
            ui.line(&format!("ok {}", path.shown()));
        }
        all.push(serde_json::json!({"file": path.display().to_string(), "problems": problems}));
    }
    let bad = all
        .iter()
        .any(|f| f["problems"].as_array().is_some_and(|p| !p.is_empty()));
    let exit = if bad { Exit::Changes } else { Exit::Ok };
    if plan.json {
        let status = if bad { "problems" } else { "ok" };
        let doc = crate::report::document("check", status, exit, serde_json::json!({"files": all}));
        if let Err(e) = crate::report::write_document(stdout, &doc) {
            crate::report::unwritten(ui, &e);
        }
    }
    Ok(exit)
}

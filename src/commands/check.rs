//! `check`: an offline verdict on each collection, printed per problem. Exit 1 when any.

use crate::redact::Shown as _;
use std::io::Write;

use crate::check::check;
use crate::collection::file;
use crate::error::{Exit, Failure};
use crate::jwt;
use crate::settings::CheckPlan;
use crate::ui::Ui;

pub fn run(plan: &CheckPlan, stdout: &mut dyn Write, ui: &Ui) -> Result<Exit, Failure> {
    let c = &plan.collections;
    let mut loaded = Vec::new();
    let mut trees = Vec::new();
    let mut yaml_files = Vec::new();
    for f in &c.files {
        if crate::collection::tree::is_tree(f) {
            trees.push(crate::collection::tree::load(f, &c.keep, false)?);
            continue;
        }
        if crate::environment::yaml::is_yaml(f) {
            // One file of a v3 collection (the pre-commit framework hands over files): checked
            // on its own, as the pre-push hook does.
            match file::load_any(f) {
                Ok((
                    raw,
                    file::Kind::Yaml {
                        doc,
                        environment: false,
                    },
                )) => {
                    yaml_files.push((raw.path, doc));
                }
                Ok(_) if plan.skip_other_files => {
                    ui.note(&format!("passing over {}: not a collection", f.shown()));
                }
                Err(e)
                    if plan.skip_other_files
                        && !std::fs::read(f).is_ok_and(|b| file::looks_postman(f, &b)) =>
                {
                    ui.note(&format!(
                        "passing over {}: not a collection ({})",
                        f.shown(),
                        e.message
                    ));
                }
                Ok(_) => {
                    return Err(Failure::bad_input(format!(
                        "{} is not a file of a v3 collection",
                        f.shown()
                    )));
                }
                Err(e) => return Err(e),
            }
            continue;
        }
        match file::load(f, &c.keep) {
            Ok(l) => loaded.push(l),
            // An environment file, or a file that is none of Postman's: passed over. One that
            // looks like a collection and cannot be read is refused, never passed over.
            Err(e)
                if plan.skip_other_files
                    && e.exit == Exit::BadInput
                    && std::fs::read(f).is_ok_and(|b| {
                        !file::looks_postman(f, &b)
                            || matches!(file::kind_of(f, &b), Ok(file::Kind::Environment(_)))
                    }) =>
            {
                ui.note(&format!("passing over {}: not a collection", f.shown()));
            }
            Err(e) => return Err(e),
        }
    }
    let min_ttl = i64::try_from(plan.min_ttl.as_secs()).unwrap_or(i64::MAX);
    let mut all = Vec::new();
    let checked = loaded
        .iter()
        .map(|l| {
            let problems = check(
                &l.bytes,
                &l.collection,
                c.policy,
                &l.keep.set,
                min_ttl,
                jwt::now(),
            );
            (l.path.as_path(), problems)
        })
        .chain(trees.iter().map(|t| {
            let problems = crate::check::check_tree(t, c.policy, min_ttl, jwt::now());
            (t.dir.as_path(), problems)
        }))
        .chain(yaml_files.iter().map(|(path, doc)| {
            let place = path.shown().to_string();
            let problems =
                crate::check::check_tree_file(doc, &place, c.policy, min_ttl, jwt::now());
            (path.as_path(), problems)
        }));
    for (path, problems) in checked {
        for p in &problems {
            ui.problem(&format!(
                "{}: {}: {}",
                path.shown(),
                crate::redact::inline(&p.place),
                p.message
            ));
        }
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

//! `refresh`, in four steps: read and check every input (collections, environment and globals
//! files) and plan every edit; get the token; stage every output (a checked temporary file
//! beside each target); rename them all. One bad input means no sign-in and nothing written.

use crate::redact::Shown as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;

use crate::atomic::{self, Staged, Stamp, WriteError};
use crate::collection::auth::RootAuth;
use crate::collection::file::{self, Loaded, Raw, not_a_collection};
use crate::collection::tree::{self, Tree, TreeFile};
use crate::collection::{self, PatchError};
use crate::environment::{self, EnvFile, Scope};
use crate::error::{Exit, Failure};
use crate::folder::Reopen;
use crate::json::edit;
use crate::report::{self, FileReport, KeptItem, RunReport, Status, VariableReport};
use crate::settings::{RefreshPlan, TokenFrom};
use crate::token_source::{self, Token};
use crate::ui::Ui;

/// How often a file that another run changed meanwhile is read and patched again.
const MAX_REREADS: u32 = 10;

/// Runs `refresh`: returns the exit code, or the failure that stopped the run.
pub fn run(plan: &RefreshPlan, stdout: &mut dyn Write, ui: &Ui) -> Result<Exit, Failure> {
    let inputs = Inputs::read(plan, ui)?;
    let token = match &plan.token {
        TokenFrom::NotNeeded => None,
        from => Some(token_source::fetch(from, &plan.env, ui)?),
    };
    let secret: Option<&str> = token.as_ref().map(|t| t.value.expose_secret());
    let reference = plan.token_var.as_ref().map(|n| format!("{{{{{n}}}}}"));
    let written = reference.as_deref().or(secret).unwrap_or_default();
    let mut files = Vec::new();
    let mut staged = Vec::new();
    for input in inputs.collections {
        let l = match input {
            Input::Json(l) => *l,
            Input::Tree(t) => {
                let (report, pending) =
                    refresh_tree(&t, written, reference.as_deref(), secret, plan)?;
                files.push(report);
                staged.extend(pending);
                continue;
            }
        };
        let mut p = patch(&l, written, plan)?;
        if plan.diff && p.report.status != Status::Unchanged {
            // The diff is made with a stand-in where the token goes, so no encoding of the
            // token (JSON escapes, a short one) can reach the output.
            let stand_in = if reference.is_some() {
                written
            } else {
                report::NEW_TOKEN
            };
            let shown = patch(&l, stand_in, plan)?;
            let name = l.path.shown().to_string();
            let new = edit::apply(&l.bytes, &shown.edits);
            p.report.diff = Some(report::diff(&name, &l.bytes, &new, secret));
        }
        files.push(p.report.clone());
        if plan.check {
            continue;
        }
        if plan.output.as_deref() == Some(Path::new("-")) {
            staged.push(Pending::Stdout(edit::apply(&l.bytes, &p.edits)));
        } else {
            staged.push(Pending::Collection(stage_collection(
                l,
                p,
                plan.output.as_deref(),
            )?));
        }
    }
    let mut variables = Vec::new();
    for v in inputs.variables {
        let value = secret.unwrap_or_default();
        let (status, pending) = stage_variable(v, value, plan)?;
        variables.push(VariableReport {
            file: pending.path.display().to_string(),
            scope: pending.scope.as_str(),
            variable: pending.name.clone(),
            status,
        });
        if status == Status::Updated {
            staged.push(Pending::Variable(pending));
        }
    }
    for pending in staged {
        match pending {
            Pending::Stdout(bytes) => stdout.write_all(&bytes).map_err(|e| {
                Failure::io(format!(
                    "cannot write the collection to standard output: {e}"
                ))
            })?,
            other => other.commit(plan, written, ui)?,
        }
    }
    finish(
        plan,
        token.as_ref(),
        RunReport::new(token.as_ref(), files, variables),
        stdout,
        ui,
    )
}

/// Every input of a run, read and checked, with its edits planned.
struct Inputs {
    collections: Vec<Input>,
    variables: Vec<VariableInput>,
}

/// A collection: a JSON export, or a v3 folder.
enum Input {
    Json(Box<Loaded>),
    Tree(Tree),
}

impl Input {
    fn load(path: &Path, keep: &[String], plan: &RefreshPlan) -> Result<Input, Failure> {
        if !tree::is_tree(path) {
            return Ok(Input::Json(Box::new(file::load(path, keep)?)));
        }
        if plan.output.is_some() {
            return Err(Failure::usage(format!(
                "--output works on one JSON collection, and {} is a v3 collection folder",
                path.shown()
            ))
            .with_hint(
                "a v3 folder is refreshed in place; copy the folder first to keep the old one",
            ));
        }
        Ok(Input::Tree(tree::load(path, keep, false)?))
    }

    fn path(&self) -> &Path {
        match self {
            Input::Json(l) => &l.path,
            Input::Tree(t) => &t.dir,
        }
    }

    fn keep(&self) -> &crate::collection::keep::Resolved {
        match self {
            Input::Json(l) => &l.keep,
            Input::Tree(t) => &t.keep,
        }
    }

    fn defines_variable(&self, name: &str) -> bool {
        match self {
            Input::Json(l) => l.collection.defines_variable(name),
            Input::Tree(t) => t.defines_variable(name),
        }
    }
}

impl Inputs {
    fn read(plan: &RefreshPlan, ui: &Ui) -> Result<Inputs, Failure> {
        let keep = &plan.collections.keep;
        let collections = plan
            .collections
            .files
            .iter()
            .map(|f| Input::load(f, keep, plan))
            .collect::<Result<Vec<_>, _>>()?;
        for (j, path) in keep.iter().enumerate() {
            if collections.iter().all(|l| l.keep().matched[j] == 0) {
                return Err(Failure::usage(format!(
                    "{} {path:?} matches no folder or request in {}",
                    plan.collections.keep_source,
                    names(&collections)
                ))
                .with_hint(
                    "check the expression (a typo?); e.g. --keep '$..item[?(@.name == \"Get token\")]'",
                ));
            }
        }
        // Every edit is planned now, with a stand-in for the token: a collection that cannot
        // hold one fails before the sign-in.
        for input in &collections {
            match input {
                Input::Json(l) => {
                    patch(l, "{{token}}", plan)?;
                    if plan.output.is_none() {
                        writable(&l.path, &l.meta, ui)?;
                    }
                }
                Input::Tree(t) => {
                    let mut folders = Reopen::new(&t.folders);
                    for f in plan_tree(t, "{{token}}", plan, false)?.files {
                        let f = &t.files[f.file];
                        if let Some(st) = &f.stat {
                            let dir = folders.get(f.folder)?;
                            may_replace(&f.path, st.mode & 0o222 == 0, dir.may_write(&f.name))?;
                            hard_links(&f.path, st.nlink, ui);
                        }
                    }
                }
            }
        }
        let variables = plan
            .variable_files
            .iter()
            .map(|(path, scope)| VariableInput::read(path, *scope, plan))
            .collect::<Result<Vec<_>, _>>()?;
        for v in &variables {
            if let Some((raw, doc)) = &v.existing {
                writable(&v.path, &raw.meta, ui)?;
                if let EnvDoc::Yaml(doc) = doc {
                    // Planned now, so that a file that cannot take the variable fails here.
                    v.yaml_with_variable(raw, doc, "token", "x")?;
                }
            }
            if v.scope == Scope::Globals {
                not_shadowed(&collections, plan.token_var.as_deref().unwrap_or("token"))?;
            }
        }
        Ok(Inputs {
            collections,
            variables,
        })
    }
}

/// A file rewritten in place must be one the caller may write: a file with no write
/// permission at all is not rewritten behind its owner's back, even by root, and a file that the
/// caller may not write (another user's 0644 file, in a folder the caller may write) is not
/// replaced either, though the folder would allow the rename. A hard-linked one is written, with
/// a warning that the other names keep the old content.
fn writable(path: &Path, meta: &fs::Metadata, ui: &Ui) -> Result<(), Failure> {
    #[cfg(unix)]
    let may_write = rustix::fs::accessat(
        rustix::fs::CWD,
        path,
        rustix::fs::Access::WRITE_OK,
        rustix::fs::AtFlags::EACCESS,
    )
    .is_ok();
    #[cfg(not(unix))]
    let may_write = true;
    may_replace(path, meta.permissions().readonly(), may_write)?;
    #[cfg(unix)]
    hard_links(path, std::os::unix::fs::MetadataExt::nlink(meta), ui);
    #[cfg(not(unix))]
    let _ = ui;
    Ok(())
}

/// The refusals of [`writable`]: no write permission at all (`readonly`), or none for the caller
/// (`may_write` false).
fn may_replace(path: &Path, readonly: bool, may_write: bool) -> Result<(), Failure> {
    if readonly {
        return Err(
            Failure::io(format!("{} is read-only", path.shown())).with_hint(
                "make it writable (chmod u+w) if it should be refreshed; nothing was written",
            ),
        );
    }
    if !may_write {
        return Err(Failure::io(format!(
            "{} is not writable by you (its mode and owner do not let you write it)",
            path.shown()
        ))
        .with_hint(
            "its owner can refresh it, or give you write permission; postman-cognito never \
             replaces a file you may not write, even where the folder would let it; nothing was \
             written",
        ));
    }
    Ok(())
}

/// The warning for a file with several names: it is replaced under the name given.
fn hard_links(path: &Path, nlink: u64, ui: &Ui) {
    if nlink > 1 {
        ui.warn(&format!(
            "{} has {nlink} hard links: it is replaced as a new file, and its other names keep \
             the old content",
            path.shown()
        ));
    }
}

/// A collection variable ranks above globals in newman and the Postman CLI, so a collection
/// that defines the token's variable (real exports hold `token: ""`) would send that instead.
fn not_shadowed(collections: &[Input], name: &str) -> Result<(), Failure> {
    match collections.iter().find(|l| l.defines_variable(name)) {
        None => Ok(()),
        Some(l) => Err(Failure::usage(format!(
            "{} defines the collection variable {name:?}, which newman and the Postman CLI rank \
             above globals: with -g they would send its value, not the token",
            l.path().shown()
        ))
        .with_hint(format!(
            "use --env-file (an environment ranks above collection variables), or another name \
             with --token-var, or delete {name:?} from the collection's variables; nothing was written"
        ))),
    }
}

fn names(loaded: &[Input]) -> String {
    loaded
        .iter()
        .map(|l| l.path().shown().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Everything that happens to one loaded collection, without writing.
pub struct Patched {
    /// The edits to the loaded bytes (sorted, non-overlapping).
    pub edits: Vec<edit::Edit>,
    pub report: FileReport,
}

/// Plans the root auth and inheritance edits of one collection.
pub fn patch(loaded: &Loaded, token: &str, plan: &RefreshPlan) -> Result<Patched, Failure> {
    let coll = &loaded.collection;
    let src = &loaded.bytes;
    let want = RootAuth {
        token,
        header_prefix: plan.collections.header_prefix.as_deref(),
        extra: &plan.grant_settings,
    };
    let planned = collection::plan(src, coll, &want, plan.collections.policy, &loaded.keep.set)
        .map_err(|e| patch_failure(loaded, e))?;
    let status = if !edit::changes(src, &planned.edits) {
        Status::Unchanged
    } else if plan.check {
        Status::WouldChange
    } else {
        Status::Updated
    };
    let outcome = planned.outcome;
    Ok(Patched {
        report: file_report(
            loaded.path.display().to_string(),
            plan.output.as_ref().map(|p| p.display().to_string()),
            coll.version.as_str(),
            status,
            planned.root_auth_before,
            &outcome,
            plan,
        ),
        edits: planned.edits,
    })
}

/// The report of one collection, a JSON export or a v3 folder, from its plan's outcome.
fn file_report(
    file: String,
    output: Option<String>,
    format: &'static str,
    status: Status,
    root_auth_before: String,
    outcome: &collection::inherit::Outcome,
    plan: &RefreshPlan,
) -> FileReport {
    FileReport {
        file,
        output,
        format,
        status,
        root_auth_before: match root_auth_before.as_str() {
            "none (no auth key)" => "absent".to_string(),
            "none (no type)" => "no-type".to_string(),
            other => other.to_string(),
        },
        root_auth_words: root_auth_before,
        folders_inheriting: outcome.folders,
        requests_inheriting: outcome.requests,
        kept: outcome
            .kept
            .iter()
            .map(KeptItem::from)
            .map(|mut k| {
                k.reason = k.reason.replace("--keep", &plan.collections.keep_source);
                k
            })
            .collect(),
        error: None,
        diff: None,
    }
}

fn patch_failure(loaded: &Loaded, e: PatchError) -> Failure {
    match e {
        PatchError::Input(e) => not_a_collection(&loaded.path, &loaded.bytes, e),
        PatchError::Internal(m) => Failure::internal(format!(
            "patching {}: {m}; nothing was written",
            loaded.path.shown()
        ))
        .with_hint("please report this with the collection's structure (not its tokens)"),
    }
}

/// A staged output, waiting for every other one before it is renamed into place.
enum Pending {
    Collection(StagedCollection),
    Tree(StagedTree),
    Variable(VariableOutput),
    /// `-o -`: the collection for standard output.
    Stdout(Vec<u8>),
}

impl Pending {
    /// `written`: what the collections hold where the token goes.
    fn commit(self, plan: &RefreshPlan, written: &str, ui: &Ui) -> Result<(), Failure> {
        let warning = match self {
            Pending::Collection(s) => s.commit(plan, written)?,
            Pending::Tree(s) => return s.commit(plan, written, ui),
            Pending::Variable(v) => v.commit(plan)?,
            Pending::Stdout(_) => None,
        };
        if let Some(w) = warning {
            ui.warn(&w);
        }
        Ok(())
    }
}

/// A collection's new content in a checked temporary file (or nothing to write).
struct StagedCollection {
    path: PathBuf,
    staged: StagedFile,
}

/// Stages the patched collection (in place, or to `output`) unless the target already holds
/// it. The new content is streamed from the loaded bytes and the edits; the loaded copy is
/// then freed before the staged file is read back and checked, so a run holds one copy of a
/// large collection at a time.
fn stage_collection(
    mut l: Loaded,
    p: Patched,
    output: Option<&Path>,
) -> Result<StagedCollection, Failure> {
    let (target, expect, mode_from) = match output {
        Some(out) if same_content(out, &l.bytes, &p.edits) => {
            return Ok(StagedCollection {
                path: l.path,
                staged: None,
            });
        }
        Some(out) => (out.to_path_buf(), None, Some(&l.meta)),
        None if p.report.status == Status::Unchanged => {
            return Ok(StagedCollection {
                path: l.path,
                staged: None,
            });
        }
        None => (l.path.clone(), Some(l.stamp.clone()), None),
    };
    let staged = atomic::stage(&target, mode_from, |w| {
        edit::pieces(&l.bytes, &p.edits).try_for_each(|piece| w.write_all(piece))
    })?;
    l.release();
    let written = fs::read(staged.path()).map_err(|e| {
        Failure::io(format!(
            "cannot read back what was written for {}: {e}; the file is unchanged",
            target.shown()
        ))
    })?;
    collection::verify(&written, l.collection.version).map_err(|e| patch_failure(&l, e))?;
    Ok(StagedCollection {
        path: l.path,
        staged: Some((staged, expect)),
    })
}

/// A staged file and the stamp its target must still have.
type StagedFile = Option<(Staged, Option<Stamp>)>;

/// Renames `staged` into place. When another run changed the target meanwhile, `again` reads
/// it, edits what it holds now and stages that (`None`: nothing to write any more), up to
/// [`MAX_REREADS`] times.
fn commit_or_redo(
    staged: StagedFile,
    mut again: impl FnMut() -> Result<StagedFile, Failure>,
) -> Result<Option<String>, Failure> {
    let Some((staged, expect)) = staged else {
        return Ok(None);
    };
    let mut attempt = staged.commit(expect.as_ref());
    let mut tries = 0;
    while let Err(WriteError::Changed(_)) = attempt {
        if tries == MAX_REREADS {
            break;
        }
        tries += 1;
        step_aside(tries);
        match again()? {
            None => return Ok(None),
            Some((s, e)) => attempt = s.commit(e.as_ref()),
        }
    }
    attempt.map_err(WriteError::failure)
}

impl StagedCollection {
    /// Renames the staged file into place; when another run wrote the file meanwhile, it is
    /// read, patched and staged again.
    fn commit(self, plan: &RefreshPlan, written: &str) -> Result<Option<String>, Failure> {
        let path = self.path;
        commit_or_redo(self.staged, || {
            let l = file::load(&path, &plan.collections.keep)?;
            let p = patch(&l, written, plan)?;
            Ok(stage_collection(l, p, plan.output.as_deref())?.staged)
        })
    }
}

/// Steps aside for a random moment so that racing runs do not collide again.
fn step_aside(tries: u32) {
    let mut r = [0u8; 1];
    let _ = getrandom::fill(&mut r);
    std::thread::sleep(std::time::Duration::from_millis(
        u64::from(r[0] % 20) * u64::from(tries),
    ));
}

/// Whether the file at `path` holds exactly `src` with `edits` applied (read in chunks).
fn same_content(path: &Path, src: &[u8], edits: &[edit::Edit]) -> bool {
    use std::io::Read;
    match fs::metadata(path) {
        Ok(m) if m.len() == edit::edited_len(src, edits) as u64 => {}
        _ => return false,
    }
    let Ok(file) = fs::File::open(path) else {
        return false;
    };
    let mut file = std::io::BufReader::with_capacity(1 << 16, file);
    let mut buf = vec![0; 1 << 16];
    edit::pieces(src, edits).all(|piece| {
        piece.chunks(buf.len()).all(|chunk| {
            let got = &mut buf[..chunk.len()];
            file.read_exact(got).is_ok() && got == chunk
        })
    })
}

/// An environment or globals file, read (or found missing, in an existing folder).
struct VariableInput {
    path: PathBuf,
    scope: Scope,
    existing: Option<(Raw, EnvDoc)>,
}

impl VariableInput {
    /// A YAML environment's new content with `name` set to `value`; a file that cannot take
    /// it is refused with its place.
    fn yaml_with_variable(
        &self,
        raw: &Raw,
        doc: &crate::yaml::Doc,
        name: &str,
        value: &str,
    ) -> Result<Vec<u8>, Failure> {
        environment::yaml::with_variable(Some((&raw.bytes, doc)), self.scope, name, value).map_err(
            |e| {
                not_a_collection(
                    &self.path,
                    &raw.bytes,
                    collection::NotACollection {
                        offset: Some(e.offset),
                        message: e.message,
                    },
                )
            },
        )
    }
}

/// A variable file's content, read: JSON (the app's export) or YAML (Postman v12).
enum EnvDoc {
    Json(EnvFile),
    Yaml(crate::yaml::Doc),
}

/// Reads a variable file; `None` when it does not exist yet.
fn load_variables(path: &Path) -> Result<Option<(Raw, EnvDoc)>, Failure> {
    if !environment::yaml::is_yaml(path) {
        return Ok(file::load_environment(path)?.map(|(raw, env)| (raw, EnvDoc::Json(env))));
    }
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        _ => {}
    }
    let raw = file::read(path)?;
    let doc = environment::yaml::read(&raw.bytes).map_err(|e| {
        not_a_collection(
            path,
            &raw.bytes,
            collection::NotACollection {
                offset: Some(e.offset),
                message: e.message,
            },
        )
    })?;
    Ok(Some((raw, EnvDoc::Yaml(doc))))
}

impl VariableInput {
    fn read(path: &Path, scope: Scope, _plan: &RefreshPlan) -> Result<VariableInput, Failure> {
        let existing = load_variables(path)?;
        if existing.is_none() {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            if !dir.is_dir() {
                return Err(Failure::io(format!(
                    "cannot create {}: the folder {} does not exist",
                    path.shown(),
                    dir.shown()
                ))
                .with_hint("create the folder first, or check the path; nothing was written"));
            }
        }
        Ok(VariableInput {
            path: path.to_path_buf(),
            scope,
            existing,
        })
    }
}

/// A variable file's new content, staged.
struct VariableOutput {
    path: PathBuf,
    scope: Scope,
    name: String,
    value: String,
    staged: StagedFile,
}

fn stage_variable(
    v: VariableInput,
    value: &str,
    plan: &RefreshPlan,
) -> Result<(Status, VariableOutput), Failure> {
    let name = plan.token_var.clone().unwrap_or_else(|| "token".into());
    let new = match &v.existing {
        None if environment::yaml::is_yaml(&v.path) => {
            environment::yaml::create(v.scope, &name, value)
        }
        None => environment::with_variable(None, v.scope, &name, value),
        Some((raw, EnvDoc::Json(env))) => {
            environment::with_variable(Some((&raw.bytes, env)), v.scope, &name, value)
        }
        Some((raw, EnvDoc::Yaml(doc))) => v.yaml_with_variable(raw, doc, &name, value)?,
    };
    let old = v.existing.as_ref().map(|(raw, _)| raw.bytes.as_slice());
    let mut out = VariableOutput {
        path: v.path.clone(),
        scope: v.scope,
        name,
        value: value.to_string(),
        staged: None,
    };
    if old == Some(new.as_slice()) {
        return Ok((Status::Unchanged, out));
    }
    if plan.check {
        return Ok((Status::WouldChange, out));
    }
    let staged = atomic::stage(&v.path, None, |w| w.write_all(&new))?;
    let expect = v.existing.map_or_else(Stamp::absent, |(raw, _)| raw.stamp);
    out.staged = Some((staged, Some(expect)));
    Ok((Status::Updated, out))
}

impl VariableOutput {
    /// Renames the staged file into place; when another run changed the file meanwhile, it is
    /// read again and the variable set in what it holds now.
    fn commit(self, plan: &RefreshPlan) -> Result<Option<String>, Failure> {
        let (path, scope, value) = (self.path, self.scope, self.value);
        commit_or_redo(self.staged, || {
            let input = VariableInput::read(&path, scope, plan)?;
            Ok(stage_variable(input, &value, plan)?.1.staged)
        })
    }
}

/// The tracked-file warning, the expiry line and the report.
fn finish(
    plan: &RefreshPlan,
    token: Option<&Token>,
    run: RunReport,
    stdout: &mut dyn Write,
    ui: &Ui,
) -> Result<Exit, Failure> {
    if !plan.allow_tracked_token && token.is_some() {
        let literal = run
            .files
            .iter()
            .filter(|_| plan.token_var.is_none())
            .map(|r| PathBuf::from(r.output.as_ref().unwrap_or(&r.file)));
        let vars = run.variables.iter().map(|v| PathBuf::from(&v.file));
        crate::git::warn_if_tracked(&literal.chain(vars).collect::<Vec<_>>(), ui);
    }
    if let Some(exp) = token.and_then(|t| t.expires_at) {
        let line = report::expiry_line(exp);
        if exp <= crate::jwt::now() {
            ui.warn(&format!("the {line}"));
        } else {
            ui.line(&line);
        }
    }
    let exit = if plan.check && run.changes() {
        Exit::Changes
    } else {
        Exit::Ok
    };
    report::emit_refresh(&run, plan.json, exit, stdout, ui)?;
    Ok(exit)
}

/// The tree's edits with `token` where the token goes.
fn plan_tree(
    t: &Tree,
    token: &str,
    plan: &RefreshPlan,
    list_changed: bool,
) -> Result<tree::TreePlan, Failure> {
    let want = RootAuth {
        token,
        header_prefix: plan.collections.header_prefix.as_deref(),
        extra: &plan.grant_settings,
    };
    tree::plan(t, &want, plan.collections.policy, list_changed)
}

/// A v3 folder: its report, and every changed file staged (children first, the root
/// definition last).
fn refresh_tree(
    t: &Tree,
    written: &str,
    reference: Option<&str>,
    secret: Option<&str>,
    plan: &RefreshPlan,
) -> Result<(FileReport, Vec<Pending>), Failure> {
    let planned = plan_tree(t, written, plan, false)?;
    let status = if planned.files.is_empty() {
        Status::Unchanged
    } else if plan.check {
        Status::WouldChange
    } else {
        Status::Updated
    };
    let mut report = file_report(
        t.dir.display().to_string(),
        None,
        tree::FORMAT,
        status,
        planned.root_auth_before.clone(),
        &planned.outcome,
        plan,
    );
    if plan.diff && status != Status::Unchanged {
        let shown = plan_tree(t, reference.unwrap_or(report::NEW_TOKEN), plan, false)?;
        let mut text = String::new();
        for f in &shown.files {
            let file = &t.files[f.file];
            let new = edit::apply(&file.bytes, &f.edits);
            text.push_str(&report::diff(
                &file.path.shown().to_string(),
                &file.bytes,
                &new,
                secret,
            ));
        }
        report.diff = Some(text);
    }
    let mut pending = Vec::new();
    if !plan.check && !planned.files.is_empty() {
        // The token itself (not a {{variable}}) goes into the root definition: that file is
        // kept private until it is in place.
        let literal = reference.is_none();
        let mut out = StagedTree {
            folders: t.folders.clone(),
            items: std::collections::VecDeque::new(),
        };
        let mut folders = Reopen::new(&t.folders);
        let mut cleaned = std::collections::HashSet::new();
        for f in &planned.files {
            let file = &t.files[f.file];
            let dir = folders.get(file.folder)?;
            if cleaned.insert(file.folder) {
                atomic::remove_stale_temps_at(dir);
            }
            let secret = literal && file.role == tree::Role::Root;
            let staged = stage_tree_file(dir, file, &f.edits, written, secret)?;
            out.items.push_back(StagedTreeItem {
                meta: TreeFileMeta::of(file, &t.keep.set, secret),
                staged,
                stamp: file.stamp.clone(),
            });
        }
        pending.push(Pending::Tree(out));
    }
    Ok((report, pending))
}

/// What a tree file's edits are made from, kept to make them again.
struct TreeFileMeta {
    path: PathBuf,
    folder: usize,
    name: std::ffi::OsString,
    role: tree::Role,
    index: Vec<usize>,
    names: Vec<String>,
    keep: crate::collection::keep::KeepSet,
    /// It will hold the token itself.
    secret: bool,
}

impl TreeFileMeta {
    fn of(f: &TreeFile, keep: &crate::collection::keep::KeepSet, secret: bool) -> Self {
        TreeFileMeta {
            path: f.path.clone(),
            folder: f.folder,
            name: f.name.clone(),
            role: f.role,
            index: f.index.clone(),
            names: f.names.clone(),
            keep: keep.clone(),
            secret,
        }
    }
}

/// One staged file of a tree, and what it must find on disk to be renamed into place.
struct StagedTreeItem {
    meta: TreeFileMeta,
    staged: atomic::StagedAt,
    stamp: Stamp,
}

/// A v3 folder's changed files, staged (children first, the root definition last). Renamed
/// into place through the tree's folders opened again ([`Reopen`]); what is left staged when
/// this is dropped (a failure on the way) is removed.
struct StagedTree {
    folders: crate::folder::Folders,
    items: std::collections::VecDeque<StagedTreeItem>,
}

impl Drop for StagedTree {
    fn drop(&mut self) {
        let mut folders = Reopen::new(&self.folders);
        for item in self.items.drain(..) {
            if let Ok(dir) = folders.get(item.staged.folder) {
                item.staged.discard(dir);
            }
        }
    }
}

/// Stages `f` with `edits` in its folder `dir`, reads it back and checks it.
fn stage_tree_file(
    dir: &crate::fsat::Dir,
    f: &TreeFile,
    edits: &[edit::Edit],
    written: &str,
    secret: bool,
) -> Result<atomic::StagedAt, Failure> {
    let like = f.stat.expect("a file read from disk");
    let staged = atomic::stage_at(dir, f.folder, &f.name, &like, secret, |w| {
        edit::pieces(&f.bytes, edits).try_for_each(|piece| w.write_all(piece))
    })?;
    let back = staged.read_back(dir)?;
    if let Err(m) = tree::verify(&back, f.role, written) {
        staged.discard(dir);
        return Err(Failure::internal(format!(
            "patching {}: the result does not read back ({m}); nothing was written",
            f.path.shown()
        ))
        .with_hint("please report this with the collection's structure (not its tokens)"));
    }
    Ok(staged)
}

/// The debug builds' fail point: `POSTMAN_COGNITO_DEBUG_ABORT_AFTER_RENAMES=N` ends the process
/// at once (as a SIGKILL would) after its N-th rename into a tree, so that tests can prove what a
/// kill between two renames leaves without racing a real one.
fn fail_point(renamed: usize) {
    #[cfg(debug_assertions)]
    if std::env::var("POSTMAN_COGNITO_DEBUG_ABORT_AFTER_RENAMES")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        == Some(renamed)
    {
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = renamed;
}

impl StagedTree {
    /// Flushes every staged file to disk, then renames them into place one by one, each through
    /// its folder opened again; a file that another run changed meanwhile is read and planned
    /// again alone. Finally makes the renames durable.
    fn commit(mut self, plan: &RefreshPlan, written: &str, ui: &Ui) -> Result<(), Failure> {
        let folders = self.folders.clone();
        let mut reopen = Reopen::new(&folders);
        let root = reopen.get(0)?;
        root.sync_all_files().map_err(|e| {
            Failure::io(format!(
                "could not flush {} to disk: {e}",
                root.path.shown()
            ))
            .with_hint("the collection is unchanged; check the disk")
        })?;
        let mut touched = std::collections::BTreeSet::new();
        let mut renamed = 0;
        while let Some(item) = self.items.pop_front() {
            let dir = match reopen.get(item.staged.folder) {
                Ok(d) => d,
                Err(e) => {
                    self.items.push_front(item);
                    return Err(e);
                }
            };
            touched.insert(item.staged.folder);
            if let Some(w) = commit_tree_item(dir, item, plan, written)? {
                ui.warn(&w);
            }
            renamed += 1;
            fail_point(renamed);
        }
        for f in touched {
            if let Ok(dir) = reopen.get(f) {
                let _ = dir.sync();
            }
        }
        Ok(())
    }
}

/// Renames one staged file into place in `dir`; when another run changed the target meanwhile,
/// it is read and planned again alone, up to [`MAX_REREADS`] times.
fn commit_tree_item(
    dir: &crate::fsat::Dir,
    item: StagedTreeItem,
    plan: &RefreshPlan,
    written: &str,
) -> Result<Option<String>, Failure> {
    let m = item.meta;
    let mut attempt = item.staged.commit(dir, &item.stamp);
    let mut tries = 0;
    while let Err(WriteError::Changed(_)) = attempt {
        if tries == MAX_REREADS {
            break;
        }
        tries += 1;
        step_aside(tries);
        let (bytes, stat) = crate::folder::Folders::read(dir, &m.name)?;
        let f = TreeFile {
            path: m.path.clone(),
            stamp: Stamp::of_stat(&stat),
            bytes,
            folder: m.folder,
            name: m.name.clone(),
            stat: Some(stat),
            doc: None,
            role: m.role,
            index: m.index.clone(),
            names: m.names.clone(),
        };
        let want = RootAuth {
            token: written,
            header_prefix: plan.collections.header_prefix.as_deref(),
            extra: &plan.grant_settings,
        };
        let edits = tree::plan_file(&f, &want, plan.collections.policy, &m.keep)?;
        if !edit::changes(&f.bytes, &edits) {
            return Ok(None);
        }
        let staged = stage_tree_file(dir, &f, &edits, written, m.secret)?;
        attempt = staged.commit(dir, &f.stamp);
    }
    attempt.map_err(WriteError::failure)
}

//! `refresh`, in four steps: read and check every input (collections, environment and globals
//! files) and plan every edit; get the token; stage every output (a checked temporary file
//! beside each target); rename them all. One bad input means no sign-in and nothing written.
//! Collections are read, planned and written through the collection seam
//! ([`crate::collection::Document`]), whatever their format.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;

use crate::atomic::{self, Staged, Stamp, WriteError};
use crate::collection::file::{self, Raw, not_a_collection};
use crate::collection::writer::{self, MAX_REREADS, step_aside};
use crate::collection::{self, AuthBlock, Document, Options, Planned};
use crate::environment::{Scope, VarFile};
use crate::error::{Exit, Failure};
use crate::folder::Reopen;
use crate::redact::Shown as _;
use crate::report::{self, FileReport, KeptItem, RunReport, Status, VariableReport};
use crate::settings::{RefreshPlan, TokenFrom};
use crate::splice;
use crate::token_source::{self, Token};
use crate::ui::Ui;

/// Runs `refresh`: returns the exit code, or the failure that stopped the run.
pub fn run(plan: &RefreshPlan, stdout: &mut dyn Write, ui: &Ui) -> Result<Exit, Failure> {
    let mut inputs = Inputs::read(plan, ui)?;
    // The run's own token, and the other identities' for the variable files only: all
    // signed in side by side.
    let own = (!matches!(plan.token, TokenFrom::NotNeeded)).then_some(&plan.token);
    let wanted: &[(String, TokenFrom)] = if inputs.variables.is_empty() {
        &[]
    } else {
        &plan.identities
    };
    let sources: Vec<&TokenFrom> = own
        .into_iter()
        .chain(wanted.iter().map(|(_, t)| t))
        .collect();
    let mut fetched = if sources.is_empty() {
        Vec::new()
    } else {
        token_source::fetch_all(&sources, &plan.env, ui)?
    };
    let others: Vec<(String, Token)> = wanted
        .iter()
        .map(|(n, _)| n.clone())
        .zip(fetched.split_off(usize::from(own.is_some())))
        .collect();
    let token = fetched.pop();
    // An identity pool's credentials for the variable files, got before anything is written.
    let credentials = match (&plan.identity_pool, &token) {
        (Some(ip), Some(t)) if !inputs.variables.is_empty() => {
            Some(ip.credentials(t.value.expose_secret())?)
        }
        _ => None,
    };
    let secret: Option<&str> = token.as_ref().map(|t| t.value.expose_secret());
    // What each collection's auth sends: `{{NAME}}` in the collection's own form, or the token.
    let references: Vec<Option<String>> = inputs
        .collections
        .iter()
        .map(|doc| reference_of(doc.as_ref(), plan))
        .collect();
    let auths: Vec<AuthBlock> = references
        .iter()
        .map(|r| auth_of(r.as_deref().or(secret).unwrap_or_default(), plan))
        .collect();
    let mut files = Vec::new();
    let mut staged = Vec::new();
    for (i, doc) in inputs.collections.iter_mut().enumerate() {
        let (reference, auth) = (&references[i], &auths[i]);
        let mut planned = doc.plan(auth, plan.collections.policy, false)?;
        let status = if planned.files.is_empty() {
            Status::Unchanged
        } else if plan.check {
            Status::WouldChange
        } else {
            Status::Updated
        };
        let mut report = file_report(doc.as_ref(), status, &mut planned, plan);
        if plan.diff && status != Status::Unchanged {
            // The diff is made with a stand-in where the token goes, so no encoding of the
            // token (JSON escapes, a short one) can reach the output.
            let stand_in = reference.as_deref().unwrap_or(report::NEW_TOKEN);
            let shown = doc.plan(&auth_of(stand_in, plan), plan.collections.policy, false)?;
            let mut text = String::new();
            for fe in &shown.files {
                let f = doc.file(fe.file);
                let new = splice::apply(&f.bytes, &fe.edits);
                text.push_str(&report::diff(&f.path.shown(), &f.bytes, &new, secret));
            }
            report.diff = Some(text);
        }
        files.push(report);
        if plan.check {
            continue;
        }
        match plan.output.as_deref() {
            Some(out) if out == Path::new("-") => {
                let f = doc.file(0);
                let edits = planned.files.first().map_or(&[][..], |fe| &fe.edits[..]);
                staged.push(Pending::Stdout(splice::apply(&f.bytes, edits)));
            }
            Some(out) => {
                if let Some(s) = stage_output(doc.as_mut(), &planned, out)? {
                    staged.push(Pending::Output(s));
                }
            }
            None if planned.files.is_empty() => {}
            None => {
                let literal = reference.is_none() && secret.is_some();
                let s = writer::stage(doc.as_mut(), &planned, Some(auth), literal)?;
                staged.push(Pending::Document(i, s));
            }
        }
    }
    let mut variables = Vec::new();
    let mut values = vec![(
        plan.variable().to_string(),
        secret.unwrap_or_default().to_string(),
    )];
    values.extend(
        others
            .iter()
            .map(|(n, t)| (n.clone(), t.value.expose_secret().to_string())),
    );
    if let Some(c) = &credentials {
        values.extend(
            crate::cognito::identity_pool::VARIABLES
                .iter()
                .zip(c.values())
                .map(|(n, v)| ((*n).to_string(), v.to_string())),
        );
    }
    for v in std::mem::take(&mut inputs.variables) {
        let (status, pending) = stage_variable(v, &values, plan)?;
        variables.push(VariableReport {
            file: pending.path.display().to_string(),
            scope: pending.scope.as_str(),
            variable: pending
                .values
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            status,
        });
        if status == Status::Updated {
            staged.push(Pending::Variable(pending));
        }
    }
    for pending in staged {
        let warning = match pending {
            Pending::Stdout(bytes) => {
                stdout.write_all(&bytes).map_err(|e| {
                    Failure::io(format!(
                        "cannot write the collection to standard output: {e}"
                    ))
                })?;
                None
            }
            Pending::Output(s) => commit_or_redo(Some(s), || Ok(None))?,
            Pending::Document(i, s) => {
                let doc = inputs.collections[i].as_ref();
                s.commit(doc, Some((&auths[i], plan.collections.policy)), ui)?;
                None
            }
            Pending::Variable(v) => v.commit(plan)?,
        };
        if let Some(w) = warning {
            ui.warn(&w);
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

/// What the collections' auth must hold: `token` (the token, or `{{NAME}}`), with the run's
/// header prefix and grant settings; with an identity pool, an `awsv4` block that takes the
/// AWS credentials from their variables.
/// The reference collection `doc` gets for the run's variable, in its own form; `None` when it
/// gets the token itself.
fn reference_of(doc: &dyn Document, plan: &RefreshPlan) -> Option<String> {
    plan.token_var
        .as_ref()
        .map(|n| doc.token_reference(n, !plan.variable_files.is_empty()))
}

fn auth_of<'a>(token: &'a str, plan: &'a RefreshPlan) -> AuthBlock<'a> {
    if plan.identity_pool.is_some() {
        return AuthBlock::AwsV4(crate::collection::AwsV4Auth {
            region: &plan.aws_region,
            service: &plan.aws_service,
        });
    }
    AuthBlock::token(
        token,
        plan.collections.header_prefix.as_deref(),
        &plan.grant_settings,
    )
}

/// Every input of a run, read and checked, with its edits planned.
struct Inputs {
    collections: Vec<Box<dyn Document>>,
    variables: Vec<VariableInput>,
}

impl Inputs {
    fn read(plan: &RefreshPlan, ui: &Ui) -> Result<Inputs, Failure> {
        let keep = &plan.collections.keep;
        let options = Options {
            keep,
            assign: &plan.collections.assign,
            every_file: false,
        };
        let mut collections = Vec::new();
        for f in &plan.collections.files {
            if plan.output.is_some() && collection::is_folder_document(f) {
                return Err(Failure::usage(format!(
                    "--output works on one collection file, and {} is a collection folder",
                    f.shown()
                ))
                .with_hint(
                    "a collection folder is refreshed in place; copy the folder first to keep \
                     the old one",
                ));
            }
            collections.push(collection::open(f, options)?);
        }
        for (j, path) in keep.iter().enumerate() {
            if collections.iter().all(|d| d.keep_matched()[j] == 0) {
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
        for (j, a) in plan.collections.assign.iter().enumerate() {
            if collections.iter().all(|d| d.assign_matched()[j] == 0) {
                return Err(Failure::usage(format!(
                    "--assign {:?} names no folder or request in {}",
                    a.pattern,
                    names(&collections)
                ))
                .with_hint(
                    "name folders from the top, with / between names (Admin, Admin/Reports, \
                     **/Reports), or use a JSONPath; nothing was written",
                ));
            }
        }
        // Every edit is planned now, with a stand-in for the token: a collection that cannot
        // hold one fails before the sign-in, and so does a file that cannot be replaced.
        for doc in &collections {
            // The token itself is stood in for by text that is no reference, so that a
            // collection that holds references only refuses it now.
            let reference = reference_of(doc.as_ref(), plan);
            let stand_in = auth_of(reference.as_deref().unwrap_or("stand-in"), plan);
            let planned = doc.plan(&stand_in, plan.collections.policy, false)?;
            if plan.output.is_some() {
                continue;
            }
            let mut folders = Reopen::new(doc.folders());
            for fe in &planned.files {
                let f = doc.file(fe.file);
                if let Some(st) = &f.stat
                    && f.stamp.exists()
                {
                    let dir = folders.get(f.folder)?;
                    may_replace(&f.path, st.mode & 0o222 == 0, dir.may_write(&f.name))?;
                    hard_links(&f.path, st.nlink, ui);
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
                // Planned now, so that a file that cannot take the variable fails here.
                doc.with(&raw.bytes, v.scope, &[(plan.variable(), "x")])
                    .map_err(|e| not_a_collection(&v.path, &raw.bytes, e))?;
            }
            if v.scope == Scope::Globals {
                not_shadowed(&collections, plan.variable())?;
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
fn not_shadowed(collections: &[Box<dyn Document>], name: &str) -> Result<(), Failure> {
    match collections.iter().find(|d| d.defines_variable(name)) {
        None => Ok(()),
        Some(d) => Err(Failure::usage(format!(
            "{} defines the collection variable {name:?}, which newman and the Postman CLI rank \
             above globals: with -g they would send its value, not the token",
            d.path().shown()
        ))
        .with_hint(format!(
            "use --env-file (an environment ranks above collection variables), or another name \
             with --token-var, or delete {name:?} from the collection's variables; nothing was written"
        ))),
    }
}

fn names(docs: &[Box<dyn Document>]) -> String {
    docs.iter()
        .map(|d| d.path().shown())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The report of one collection, from its plan.
/// The report of one collection; the plan's list of the children kept is moved into it (a
/// large collection keeps tens of thousands).
fn file_report(
    doc: &dyn Document,
    status: Status,
    planned: &mut Planned,
    plan: &RefreshPlan,
) -> FileReport {
    let before = planned.root_auth_before.clone();
    let outcome = &mut planned.outcome;
    FileReport {
        file: doc.path().display().to_string(),
        output: plan.output.as_ref().map(|p| p.display().to_string()),
        format: doc.format(),
        status,
        root_auth_before: match before.as_str() {
            "none (no auth key)" => "absent".to_string(),
            "none (no type)" => "no-type".to_string(),
            other => other.to_string(),
        },
        root_auth_words: before,
        root_kind: if plan.identity_pool.is_some() {
            "awsv4"
        } else {
            doc.token_auth_kind()
        },
        folders_inheriting: outcome.folders,
        requests_inheriting: outcome.requests,
        kept: std::mem::take(&mut outcome.kept)
            .into_iter()
            .map(KeptItem::from)
            .map(|mut k| {
                if k.reason.contains("--keep") {
                    k.reason = k.reason.replace("--keep", &plan.collections.keep_source);
                }
                k
            })
            .collect(),
        error: None,
        diff: None,
    }
}

/// A staged output, waiting for every other one before it is renamed into place.
enum Pending {
    /// A collection's files, written in place (its number among the run's collections).
    Document(usize, writer::Staged),
    /// `-o FILE`: the collection written to another file.
    Output((Staged, Option<Stamp>)),
    Variable(VariableOutput),
    /// `-o -`: the collection for standard output.
    Stdout(Vec<u8>),
}

/// `-o FILE`: the one file of `doc` with its planned edits, staged to `out` (mode and owner of
/// the collection read) unless `out` already holds exactly that. Made by `doc` (in place of
/// its bytes) and checked before it is written.
fn stage_output(
    doc: &mut dyn Document,
    planned: &Planned,
    out: &Path,
) -> Result<Option<(Staged, Option<Stamp>)>, Failure> {
    let f = doc.file(0);
    let edits = planned.files.first().map_or(&[][..], |fe| &fe.edits[..]);
    if same_content(out, &f.bytes, edits) {
        return Ok(None);
    }
    let like = fs::metadata(&f.path).ok();
    let shown = f.path.shown();
    let new = doc.edited(0, edits);
    let auth = AuthBlock::token("", None, &[]);
    doc.verify(0, &new, Some(&auth)).map_err(|m| {
        Failure::internal(format!(
            "patching {shown}: the result does not read back ({m}); nothing was written"
        ))
        .with_hint("please report this with the collection's structure (not its tokens)")
    })?;
    let staged = atomic::stage(out, like.as_ref(), |w| w.write_all(&new))?;
    Ok(Some((staged, None)))
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

/// Whether the file at `path` holds exactly `src` with `edits` applied (read in chunks).
fn same_content(path: &Path, src: &[u8], edits: &[splice::Edit]) -> bool {
    use std::io::Read;
    match fs::metadata(path) {
        Ok(m) if m.len() == splice::edited_len(src, edits) as u64 => {}
        _ => return false,
    }
    let Ok(file) = fs::File::open(path) else {
        return false;
    };
    let mut file = std::io::BufReader::with_capacity(1 << 16, file);
    let mut buf = vec![0; 1 << 16];
    splice::pieces(src, edits).all(|piece| {
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
    existing: Option<(Raw, VarFile)>,
}

/// Reads a variable file; `None` when it does not exist yet.
fn load_variables(path: &Path) -> Result<Option<(Raw, VarFile)>, Failure> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        _ => {}
    }
    let raw = file::read(path)?;
    let doc = VarFile::read(path, &raw.bytes).map_err(|e| not_a_collection(path, &raw.bytes, e))?;
    Ok(Some((raw, doc)))
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
    /// Each variable set, and its value (the run's own token first, then each identity's).
    values: Vec<(String, String)>,
    staged: StagedFile,
}

fn stage_variable(
    v: VariableInput,
    values: &[(String, String)],
    plan: &RefreshPlan,
) -> Result<(Status, VariableOutput), Failure> {
    let vars: Vec<(&str, &str)> = values
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let new = match &v.existing {
        None => VarFile::create(&v.path, v.scope, &vars),
        Some((raw, doc)) => doc
            .with(&raw.bytes, v.scope, &vars)
            .map_err(|e| not_a_collection(&v.path, &raw.bytes, e))?,
    };
    let old = v.existing.as_ref().map(|(raw, _)| raw.bytes.as_slice());
    let mut out = VariableOutput {
        path: v.path.clone(),
        scope: v.scope,
        values: values.to_vec(),
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
        let (path, scope, values) = (self.path, self.scope, self.values);
        commit_or_redo(self.staged, || {
            let input = VariableInput::read(&path, scope, plan)?;
            Ok(stage_variable(input, &values, plan)?.1.staged)
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

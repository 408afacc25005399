//! The `refresh` command: read every collection, get a token, patch each collection (root
//! auth and inheritance), and write it back atomically, reporting what changed.
//!
//! All inputs are read and checked before the token is fetched and before anything is
//! written, so a bad file costs no sign-in and leaves every file as it was.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;

use crate::atomic::{self, Stamp, WriteError};
use crate::collection::auth::RootAuth;
use crate::collection::inherit::Policy;
use crate::collection::keep::{self, KeepError, Resolved};
use crate::collection::{self, Collection, NotACollection};
use crate::environment;
use crate::error::{Exit, Failure};
use crate::json::edit;
use crate::json::scan::line_col;
use crate::report::{self, FileReport, KeptItem, RunReport, Status, VariableReport};
use crate::token_source::TokenSource;

/// How often a file that another run changed meanwhile is read and patched again.
const MAX_REREADS: u32 = 10;

/// Largest file read: beyond this a collection is refused rather than loaded.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// Checked settings for one run of `refresh`.
#[derive(Debug, Clone)]
pub struct Options {
    pub files: Vec<PathBuf>,
    pub output: Option<PathBuf>,
    pub policy: Policy,
    pub keep: Vec<String>,
    pub header_prefix: Option<String>,
    pub check: bool,
    pub diff: bool,
    pub json: bool,
    /// Write `{{NAME}}` into collections instead of the token.
    pub token_var: Option<String>,
    /// Environment and globals files that get the token as variable `token_var`.
    pub variable_files: Vec<(PathBuf, environment::Scope)>,
    pub allow_tracked_token: bool,
    /// Grant settings for the Postman app, as (key, JSON text) params.
    pub grant_settings: Vec<(String, String)>,
}

/// A collection read from disk and understood.
pub struct Loaded {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub stamp: Stamp,
    pub meta: fs::Metadata,
    pub collection: Collection,
    pub keep: Resolved,
}

impl Loaded {
    /// Frees the file's bytes once its new content is written. Its structure (hundreds of
    /// thousands of small allocations for a large file) is deliberately not freed: freeing would
    /// not lower the peak memory, which the re-read of the written file reaches anyway, and takes
    /// a fifth of a large run's time; the process ends soon after.
    fn release(&mut self) {
        self.bytes = Vec::new();
        std::mem::forget(std::mem::take(&mut self.collection.root.members));
    }
}

/// Reads `path` and checks it is a collection; errors name the file, line and column.
pub fn load(path: &Path, keep_paths: &[String]) -> Result<Loaded, Failure> {
    let shown = path.display();
    let meta = fs::metadata(path).map_err(|e| {
        Failure::io(format!("cannot read {shown}: {}", io_reason(&e)))
            .with_hint("check the path; collections are the .json files exported from Postman")
    })?;
    if meta.is_dir() {
        return Err(
            Failure::bad_input(format!("{shown} is a folder, not a collection file"))
                .with_hint("pass the exported .json file(s) inside it, e.g. `dir/*.json`"),
        );
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Failure::bad_input(format!(
            "{shown} is {} MiB; postman-cognito reads collections up to {} MiB",
            meta.len() >> 20,
            MAX_FILE_BYTES >> 20
        ))
        .with_hint("is this really a Postman collection? exports are rarely over a few MiB"));
    }
    let bytes = fs::read(path)
        .map_err(|e| Failure::io(format!("cannot read {shown}: {}", io_reason(&e))))?;
    let collection = collection::read(&bytes).map_err(|e| not_a_collection(path, &bytes, e))?;
    let keep = keep::resolve(&bytes, keep_paths).map_err(|e| keep_failure(path, e))?;
    Ok(Loaded {
        path: path.to_path_buf(),
        stamp: Stamp::of(&meta),
        meta,
        bytes,
        collection,
        keep,
    })
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

pub fn not_a_collection(path: &Path, bytes: &[u8], e: NotACollection) -> Failure {
    let place = match e.offset {
        Some(at) => {
            let (line, col) = line_col(bytes, at);
            format!("{}:{line}:{col}", path.display())
        }
        None => path.display().to_string(),
    };
    Failure::bad_input(format!("{place}: {}", e.message))
        .with_hint("the file was not changed; fix it (or export it again from Postman) and rerun")
}

fn keep_failure(path: &Path, e: KeepError) -> Failure {
    match e {
        KeepError::Syntax { path: p, message } => {
            Failure::usage(format!("--keep {p:?} is not a valid JSONPath: {message}"))
                .with_hint("use RFC 9535 syntax, e.g. --keep '$..item[?(@.name == \"Get token\")]'")
        }
        KeepError::Root { path: p } => Failure::usage(format!(
            "--keep {p:?} selects the whole collection in {}",
            path.display()
        ))
        .with_hint("to leave every folder and request alone, use --inherit none"),
        KeepError::Document(m) => Failure::bad_input(format!(
            "{}: cannot evaluate --keep on this file: {m}",
            path.display()
        )),
    }
}

/// Everything that happens to one loaded collection, without writing.
pub struct Patched {
    /// The edits to the loaded bytes (sorted, non-overlapping).
    pub edits: Vec<edit::Edit>,
    pub report: FileReport,
}

/// Applies the root auth and inheritance edits to one collection.
pub fn patch(loaded: &Loaded, token: &str, opts: &Options) -> Result<Patched, Failure> {
    let coll = &loaded.collection;
    let src = &loaded.bytes;
    let want = RootAuth {
        token,
        header_prefix: opts.header_prefix.as_deref(),
        extra: &opts.grant_settings,
    };
    let planned = collection::plan(src, coll, &want, opts.policy, &loaded.keep.set)
        .map_err(|e| patch_failure(loaded, e))?;
    let (edits, before, outcome) = (planned.edits, planned.root_auth_before, planned.outcome);
    let status = if !edit::changes(src, &edits) {
        Status::Unchanged
    } else if opts.check {
        Status::WouldChange
    } else {
        Status::Updated
    };
    Ok(Patched {
        report: FileReport {
            file: loaded.path.display().to_string(),
            output: opts.output.as_ref().map(|p| p.display().to_string()),
            format: coll.version.as_str(),
            status,
            root_auth_before: before,
            folders_inheriting: outcome.folders,
            requests_inheriting: outcome.requests,
            kept: outcome.kept.iter().map(KeptItem::from).collect(),
            error: None,
            diff: None,
        },
        edits,
    })
}

fn patch_failure(loaded: &Loaded, e: collection::PatchError) -> Failure {
    match e {
        collection::PatchError::Input(e) => not_a_collection(&loaded.path, &loaded.bytes, e),
        collection::PatchError::Internal(m) => Failure::internal(format!(
            "patching {}: {m}; nothing was written",
            loaded.path.display()
        ))
        .with_hint("please report this with the collection's structure (not its tokens)"),
    }
}

/// Runs `refresh`: returns the exit code, or the failure that stopped the run.
pub fn run(
    opts: &Options,
    source: &mut dyn TokenSource,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Exit, Failure> {
    if opts.output.is_some() && opts.files.len() != 1 {
        return Err(Failure::usage("--output takes exactly one collection")
            .with_hint("drop --output to update several collections in place"));
    }
    let loaded = opts
        .files
        .iter()
        .map(|f| load(f, &opts.keep))
        .collect::<Result<Vec<_>, _>>()?;
    for (j, path) in opts.keep.iter().enumerate() {
        if loaded.iter().all(|l| l.keep.matched[j] == 0) {
            return Err(Failure::usage(format!(
                "--keep {path:?} matches no folder or request in {}",
                names(&loaded)
            ))
            .with_hint(
                "check the expression (a typo?); e.g. --keep '$..item[?(@.name == \"Get token\")]'",
            ));
        }
    }
    let token = source.fetch()?;
    let secret = token.value.expose_secret();
    let reference = opts.token_var.as_ref().map(|n| format!("{{{{{n}}}}}"));
    let written = reference.as_deref().unwrap_or(secret);
    let mut reports = Vec::new();
    let mut first_failure: Option<Failure> = None;
    for first in loaded {
        let mut l = first;
        let mut tries = 0;
        let p = loop {
            let mut p = patch(&l, written, opts)?;
            if opts.diff && p.report.status != Status::Unchanged {
                let name = l.path.display().to_string();
                let new = edit::apply(&l.bytes, &p.edits);
                p.report.diff = Some(report::diff(&name, &l.bytes, &new, &[secret]));
            }
            if opts.check {
                break p;
            }
            match write_result(&mut l, &p, opts.output.as_deref()) {
                Ok(()) => break p,
                // Another run wrote the file meanwhile: read it again and patch that.
                Err(WriteError::Changed(_)) if tries < MAX_REREADS => {
                    tries += 1;
                    // Step aside for a random moment so that racing runs do not collide again.
                    let mut r = [0u8; 1];
                    let _ = getrandom::fill(&mut r);
                    std::thread::sleep(std::time::Duration::from_millis(
                        u64::from(r[0] % 20) * u64::from(tries),
                    ));
                    l = load(&l.path, &opts.keep)?;
                }
                Err(e) => {
                    let e = e.failure();
                    let mut p = p;
                    p.report.status = Status::Failed;
                    p.report.error = Some(e.message.clone());
                    first_failure.get_or_insert(e);
                    break p;
                }
            }
        };
        reports.push(p.report);
    }
    let mut variables = Vec::new();
    for (path, scope) in &opts.variable_files {
        let name = opts.token_var.as_deref().unwrap_or("token");
        match set_variable(path, *scope, name, secret, opts.check) {
            Ok(status) => variables.push(VariableReport {
                file: path.display().to_string(),
                scope: scope.as_str(),
                variable: name.to_string(),
                status,
            }),
            Err(e) => {
                first_failure.get_or_insert(e);
            }
        }
    }
    if !opts.allow_tracked_token {
        let literal = reports
            .iter()
            .filter(|r| opts.token_var.is_none() && r.status != Status::Failed)
            .map(|r| PathBuf::from(r.output.as_ref().unwrap_or(&r.file)));
        let vars = variables.iter().map(|v| PathBuf::from(&v.file));
        let paths: Vec<PathBuf> = literal.chain(vars).collect();
        let tracked = crate::git::tracked_among(&paths);
        for path in paths {
            if tracked.contains(&path) {
                writeln!(
                    stderr,
                    "postman-cognito: warning: {} is tracked by git and holds a live token; keep tokens out of \
                     commits with --token-var NAME --env-file <an ignored file> (or silence this with \
                     --allow-tracked-token)",
                    path.display()
                )
                .map_err(|e| Failure::io(format!("cannot write the report: {e}")))?;
            }
        }
    }
    let run = RunReport {
        token_source: token.source.clone(),
        token_expires_at: token.expires_at.map(crate::jwt::rfc3339),
        files: reports,
        variables,
    };
    if let Some(exp) = token.expires_at {
        let line = report::expiry_line(exp);
        let warn = if exp <= crate::jwt::now() {
            "warning: the "
        } else {
            ""
        };
        writeln!(stderr, "{warn}{line}")
            .map_err(|e| Failure::io(format!("cannot write the report: {e}")))?;
    }
    emit(&run, opts, stdout, stderr)?;
    if let Some(f) = first_failure {
        return Err(f);
    }
    let changes = run.files.iter().any(|f| f.status == Status::WouldChange)
        || run
            .variables
            .iter()
            .any(|v| v.status == Status::WouldChange);
    Ok(if opts.check && changes {
        Exit::Changes
    } else {
        Exit::Ok
    })
}

fn names(loaded: &[Loaded]) -> String {
    loaded
        .iter()
        .map(|l| l.path.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes the patched collection (in place, or to `output`) unless the target already holds
/// it. The new content is streamed from the loaded bytes and the edits; the loaded copy is
/// then freed before the written file is read back and checked, so a run holds one copy of a
/// large collection at a time.
fn write_result(l: &mut Loaded, p: &Patched, output: Option<&Path>) -> Result<(), WriteError> {
    let (target, expect, mode_from) = match output {
        Some(out) => {
            if same_content(out, &l.bytes, &p.edits) {
                return Ok(());
            }
            (out.to_path_buf(), None, Some(&l.meta))
        }
        None if p.report.status == Status::Unchanged => return Ok(()),
        None => (l.path.clone(), Some(l.stamp.clone()), None),
    };
    let staged = atomic::stage(&target, mode_from, |w| {
        edit::pieces(&l.bytes, &p.edits).try_for_each(|piece| w.write_all(piece))
    })?;
    l.release();
    let written = fs::read(staged.path()).map_err(|e| {
        Failure::io(format!(
            "cannot read back what was written for {}: {e}; the file is unchanged",
            target.display()
        ))
    })?;
    collection::verify(&written, l.collection.version).map_err(|e| patch_failure(l, e))?;
    drop(written);
    staged.commit(expect.as_ref())
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

fn emit(
    run: &RunReport,
    opts: &Options,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), Failure> {
    let broken = |e: std::io::Error| Failure::io(format!("cannot write the report: {e}"));
    if opts.json {
        let text =
            serde_json::to_string_pretty(run).map_err(|e| Failure::internal(e.to_string()))?;
        writeln!(stdout, "{text}").map_err(broken)?;
    } else {
        for f in &run.files {
            if let Some(d) = &f.diff {
                write!(stdout, "{d}").map_err(broken)?;
            }
        }
    }
    for f in &run.files {
        writeln!(stderr, "{}", f.human()).map_err(broken)?;
    }
    for v in &run.variables {
        let verb = match v.status {
            Status::Updated => "updated",
            Status::Unchanged => "unchanged",
            Status::WouldChange => "would change",
            Status::Failed => "failed",
        };
        writeln!(
            stderr,
            "{verb} {} ({}): variable {} holds the token",
            v.file, v.scope, v.variable
        )
        .map_err(broken)?;
    }
    Ok(())
}

/// Sets variable `name` to `value` in an environment or globals file, creating it (readable by
/// the user only) when missing.
fn set_variable(
    path: &Path,
    scope: environment::Scope,
    name: &str,
    value: &str,
    check: bool,
) -> Result<Status, Failure> {
    let shown = path.display();
    let existing = match fs::read(path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(Failure::io(format!(
                "cannot read {shown}: {}",
                io_reason(&e)
            )));
        }
    };
    let (new, old) = match &existing {
        Some(bytes) => {
            let env = environment::read(bytes).map_err(|e| not_a_collection(path, bytes, e))?;
            let edits = environment::set_variable(bytes, &env, name, value);
            (edit::apply(bytes, &edits), bytes.as_slice())
        }
        None => {
            let id = uuid_v4();
            let now = crate::jwt::rfc3339(crate::jwt::now());
            (environment::create(scope, name, value, &id, &now), &[][..])
        }
    };
    if new == old {
        return Ok(Status::Unchanged);
    }
    if check {
        return Ok(Status::WouldChange);
    }
    let stamp = fs::metadata(path).ok().map(|m| Stamp::of(&m));
    atomic::write(path, &new, stamp.as_ref(), None)?;
    Ok(Status::Updated)
}

/// A random UUID (v4) for a new environment file's `id`.
fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    let _ = getrandom::fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        h[0..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..16].concat()
    )
}

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
const MAX_REREADS: usize = 5;

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
    pub new: Vec<u8>,
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
    let patched = collection::patch(src, coll, &want, opts.policy, &loaded.keep.set).map_err(
        |e| match e {
            collection::PatchError::Input(e) => not_a_collection(&loaded.path, src, e),
            collection::PatchError::Internal(m) => Failure::internal(format!(
                "patching {}: {m}; nothing was written",
                loaded.path.display()
            ))
            .with_hint("please report this with the collection's structure (not its tokens)"),
        },
    )?;
    let (new, before, outcome) = (patched.bytes, patched.root_auth_before, patched.outcome);
    let status = if new == *src {
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
        new,
    })
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
        let mut p = loop {
            let p = patch(&l, written, opts)?;
            if opts.check {
                break p;
            }
            match write_result(&l, &p, opts.output.as_deref()) {
                Ok(()) => break p,
                // Another run wrote the file meanwhile: read it again and patch that.
                Err(WriteError::Changed(_)) if tries < MAX_REREADS => {
                    tries += 1;
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
        if opts.diff && p.new != l.bytes {
            let name = l.path.display().to_string();
            p.report.diff = Some(report::diff(&name, &l.bytes, &p.new, &[secret]));
        }
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
        for path in literal.chain(vars) {
            if crate::git::is_tracked(&path) {
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

fn write_result(l: &Loaded, p: &Patched, output: Option<&Path>) -> Result<(), WriteError> {
    match output {
        Some(out) => {
            if fs::read(out).ok().as_deref() == Some(&p.new[..]) {
                return Ok(());
            }
            atomic::write_checked(out, &p.new, None, Some(&l.meta))
        }
        None if p.new == l.bytes => Ok(()),
        None => atomic::write_checked(&l.path, &p.new, Some(&l.stamp), None),
    }
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

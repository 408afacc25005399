//! The one loader of every command: a file is looked at before it is read (a folder, a special
//! file or an oversized file is refused unread) and read whole; and the words of every refusal
//! of a file's content, naming the file, the line and the column, with the same exit codes
//! everywhere.

use crate::redact::Shown as _;
use std::fs;
use std::path::{Path, PathBuf};

use crate::atomic::Stamp;
use crate::collection::NotACollection;
use crate::collection::keep::KeepError;
use crate::error::Failure;
use crate::json::scan::line_col;

/// Largest file read: beyond this a file is refused rather than loaded.
pub const MAX_FILE_BYTES: u64 = crate::fsat::MAX_FILE_BYTES;

/// A file's bytes and what it looked like when read.
pub struct Raw {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub stamp: Stamp,
    pub meta: fs::Metadata,
}

/// Reads `path`, refusing folders, special files (FIFOs, devices) and files over the limit
/// before reading a byte.
pub fn read(path: &Path) -> Result<Raw, Failure> {
    let shown = path.shown();
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
    if !meta.is_file() {
        return Err(Failure::bad_input(format!(
            "{shown} is not a regular file (a pipe, a device or a socket)"
        ))
        .with_hint("save the collection to a file and pass that"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Failure::bad_input(format!(
            "{shown} is {} MiB; postman-cognito reads files up to {} MiB",
            meta.len() >> 20,
            MAX_FILE_BYTES >> 20
        ))
        .with_hint("is this really a Postman file? exports are rarely over a few MiB"));
    }
    let bytes = fs::read(path)
        .map_err(|e| Failure::io(format!("cannot read {shown}: {}", io_reason(&e))))?;
    Ok(Raw {
        path: path.to_path_buf(),
        stamp: Stamp::of(&meta),
        meta,
        bytes,
    })
}

/// Whether a file looks like one of a format's by its name (ending in one of `names`, compared
/// in lower case) or by one of `marks` near its start, even when it cannot be read as one: a
/// guard (a hook, `scrub`, `check`) refuses such a file rather than passing it over, since it
/// cannot tell what it holds.
pub fn looks_by(path: &Path, bytes: &[u8], names: &[&str], marks: &[&[u8]]) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let head = &bytes[..bytes.len().min(4096)];
    names.iter().any(|n| name.ends_with(n))
        || marks.iter().any(|m| head.windows(m.len()).any(|w| w == *m))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// What is wrong with a JSONPath, in words (the parser speaks of its grammar: "expected
/// jp_query"); its own message is kept for the rest.
fn jsonpath_words(path: &str, parser: &str) -> String {
    let count = |c: char| path.chars().filter(|&x| x == c).count();
    if !path.trim_start().starts_with('$') {
        "a JSONPath starts with $ (the whole collection), e.g. $..item[0]".into()
    } else if count('[') != count(']') {
        "a [ is not closed by a ] (or the other way round)".into()
    } else if count('(') != count(')') {
        "a ( is not closed by a )".into()
    } else if count('\'') % 2 == 1 || count('"') % 2 == 1 {
        "a quoted name is not closed".into()
    } else {
        format!(
            "the parser stopped there ({})",
            parser.trim().replace('\n', " ")
        )
    }
}

/// "file:line:col: what is wrong", and that nothing was changed.
pub fn not_a_collection(path: &Path, bytes: &[u8], e: NotACollection) -> Failure {
    let place = match e.offset {
        Some(at) => {
            let (line, col) = line_col(bytes, at);
            format!("{}:{line}:{col}", path.shown())
        }
        None => path.shown().to_string(),
    };
    Failure::bad_input(format!("{place}: {}", e.message))
        .with_hint("fix the file (or export it again from Postman) and run the command again")
}

pub fn keep_failure(path: &Path, e: KeepError) -> Failure {
    match e {
        KeepError::Syntax { path: p, message } => Failure::usage(format!(
            "--keep {p:?} is not a valid JSONPath: {}",
            jsonpath_words(&p, &message)
        ))
        .with_hint("use RFC 9535 syntax, e.g. --keep '$..item[?(@.name == \"Get token\")]'"),
        KeepError::Root { path: p } => Failure::usage(format!(
            "--keep {p:?} selects the whole collection in {}",
            path.shown()
        ))
        .with_hint("to leave every folder and request alone, use --inherit none"),
        KeepError::Document(m) => Failure::bad_input(format!(
            "{}: cannot evaluate --keep on this file: {m}",
            path.shown()
        )),
        KeepError::Assign { pattern, message } => Failure::usage(format!(
            "--assign {pattern:?} in {}: {message}",
            path.shown()
        ))
        .with_hint(
            "name folders from the top (--assign 'Admin/**=token_admin') or by JSONPath \
             (--assign '$..item[?(@.name == \"Admin\")]=token_admin'); nothing was written",
        ),
    }
}

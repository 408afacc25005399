//! The collection seam. Every collection format is a [`Document`] (a whole collection, read from
//! disk) and a [`OneFile`] (one of its files alone, as git holds it); `refresh`, `check`,
//! `scrub`, `exec` and the hooks work only through them. A format is one module and one line in
//! [`FORMATS`], the one place where formats are told apart.
//!
//! ```text
//! export   a Postman v2.0/v2.1 JSON export (one file)
//! v3       a Postman v3 collection (a folder of YAML files)
//! bruno    a Bruno collection (a folder of .bru files)
//! ```

pub mod bruno;
pub mod check;
pub mod export;
pub mod file;
pub mod inherit;
pub mod keep;
pub mod v3;
pub mod writer;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::atomic::Stamp;
use crate::error::Failure;
use crate::folder::Folders;
use crate::fsat::Stat;
use crate::scrub::Found;
use crate::splice::Edit;

pub use check::{KEEP_OUT_HINT, Problem};
pub use inherit::{Kept, Outcome, Policy};

/// Why bytes are not a collection this tool can work on. The caller adds the file name.
pub use crate::error::Malformed as NotACollection;

/// What the collection's own auth must end up holding, whatever the format: the format renders
/// it in its own shape (a Postman export's OAuth 2.0 block, a v3 file's `auth:` mapping).
#[derive(Debug, Clone)]
pub enum AuthBlock<'a> {
    /// A token sent in the `Authorization` header (or a `{{variable}}` that holds one).
    Token(TokenAuth<'a>),
    /// AWS Signature Version 4 (`awsv4`), with AWS credentials from variables: for APIs that
    /// authorise with IAM.
    AwsV4(AwsV4Auth<'a>),
}

/// An `awsv4` block: each credential from its variable, the region and service as given.
#[derive(Debug, Clone)]
pub struct AwsV4Auth<'a> {
    pub region: &'a str,
    pub service: &'a str,
}

impl AwsV4Auth<'_> {
    /// Its params, as (key, value), in the order the Postman app writes them.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let [key, secret, session] = crate::cognito::identity_pool::VARIABLES;
        vec![
            ("accessKey", format!("{{{{{key}}}}}")),
            ("secretKey", format!("{{{{{secret}}}}}")),
            ("sessionToken", format!("{{{{{session}}}}}")),
            ("region", self.region.to_string()),
            ("service", self.service.to_string()),
        ]
    }
}

/// A token the collection sends.
#[derive(Debug, Clone)]
pub struct TokenAuth<'a> {
    /// The text written where the token goes: the token itself, or `{{NAME}}`.
    pub token: &'a str,
    /// `Some` sets the header prefix (empty: the raw token); `None` leaves it as it is.
    pub header_prefix: Option<&'a str>,
    /// Further OAuth 2.0 settings to write, as (key, JSON text of the value): the grant
    /// settings the Postman app needs to get a token itself.
    pub extra: &'a [(String, String)],
}

impl<'a> AuthBlock<'a> {
    /// The token block of a refresh: `token` sent, with the run's prefix and grant settings.
    pub fn token(
        token: &'a str,
        header_prefix: Option<&'a str>,
        extra: &'a [(String, String)],
    ) -> Self {
        AuthBlock::Token(TokenAuth {
            token,
            header_prefix,
            extra,
        })
    }

    /// What the root must hold where the token goes (checked on what was written): for
    /// `awsv4`, the access key's variable.
    pub fn token_text(&self) -> &str {
        match self {
            AuthBlock::Token(t) => t.token,
            AuthBlock::AwsV4(_) => "{{aws_access_key_id}}",
        }
    }

    /// The auth type the root gets (`oauth2`, `awsv4`).
    pub fn kind(&self) -> &'static str {
        match self {
            AuthBlock::Token(_) => "oauth2",
            AuthBlock::AwsV4(_) => "awsv4",
        }
    }
}

/// One file of a document, as read.
pub struct DocFile {
    /// The folder it is in (a number in [`Document::folders`]) and its name there.
    pub folder: usize,
    pub name: OsString,
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub stamp: Stamp,
    /// What it was when read; `None` for bytes that are not on disk.
    pub stat: Option<Stat>,
}

/// The edits one file of a document gets.
#[derive(Debug)]
pub struct FileEdits {
    /// Its number in [`Document::files`].
    pub file: usize,
    pub edits: Vec<Edit>,
}

/// What a plan does to a document.
pub struct Planned {
    /// The files that change, in the order they are to be renamed into place (a folder's
    /// children first, the root last).
    pub files: Vec<FileEdits>,
    /// What the collection's auth was, in words ("oauth2", "none (no auth key)", ...).
    pub root_auth_before: String,
    pub outcome: Outcome,
}

/// The live tokens of one file of a document, and the edits that replace them.
pub struct FileTokens {
    pub file: usize,
    pub found: Vec<Found>,
    pub edits: Vec<Edit>,
}

/// How to read a document.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// `--keep` expressions, evaluated on the document.
    pub keep: &'a [String],
    /// `--assign` patterns, evaluated on the document.
    pub assign: &'a [keep::Assign],
    /// Also read the files that only `scrub` and the hooks look at (a v3 folder's examples).
    pub every_file: bool,
}

/// A collection read from disk and checked: every file, every edit planned through it.
pub trait Document {
    /// The file or folder named.
    fn path(&self) -> &Path;
    /// The format, as reports name it ("v2.1.0", "v3.0.0").
    fn format(&self) -> &'static str;
    /// The folders its files are in, to write them again (never through a link).
    fn folders(&self) -> &Folders;
    /// How many files it has, and file `i` of them.
    fn file_count(&self) -> usize;
    fn file(&self, i: usize) -> &DocFile;
    /// Whether it is one file, which `-o` may write elsewhere.
    fn single_file(&self) -> bool {
        self.file_count() == 1
    }
    /// The file whose auth is the collection's (it holds the token itself).
    fn root_file(&self) -> usize {
        0
    }
    /// For each `--keep` expression, how many folders or requests it matched.
    fn keep_matched(&self) -> &[usize];
    /// For each `--assign` pattern, how many folders or requests it named.
    fn assign_matched(&self) -> &[usize];
    /// What the collection's auth sends as its token, as written (a token or `{{NAME}}`); `None`
    /// when its auth sends none.
    fn root_token(&self) -> Option<String>;
    /// Whether the collection defines variable `name` (which the runners rank above globals).
    fn defines_variable(&self, name: &str) -> bool;
    /// The edits making the collection's auth `auth` and its children inherit it as `policy`
    /// says; with `list_changed`, the outcome lists each child made to inherit.
    fn plan(
        &self,
        auth: &AuthBlock,
        policy: Policy,
        list_changed: bool,
    ) -> Result<Planned, Failure>;
    /// The edits of file `file` alone, from `bytes` (what it holds now: another run changed it
    /// since it was read).
    fn replan(
        &self,
        file: usize,
        bytes: &[u8],
        auth: &AuthBlock,
        policy: Policy,
    ) -> Result<Vec<Edit>, Failure>;
    /// Checks what was written for file `file`: it reads back as the same kind of file, and
    /// (with `auth`) the root holds it (a safety net against bugs: only what passes is renamed
    /// into place).
    fn verify(&self, file: usize, bytes: &[u8], auth: Option<&AuthBlock>) -> Result<(), String>;
    /// What `check` finds wrong, offline (the `--keep` paths were applied when it was read).
    fn problems(&self, settings: &CheckSettings) -> Vec<Problem>;
    /// The live tokens in every file, and the edits replacing them with `replacement`.
    fn live_tokens(&self, replacement: &str) -> Result<Vec<FileTokens>, Failure>;
    /// The reference the collection's auth sends for variable `name` (`in_file`: an
    /// environment or globals file gets the value): `{{name}}`, or the format's own form.
    fn token_reference(&self, name: &str, _in_file: bool) -> String {
        format!("{{{{{name}}}}}")
    }
    /// The auth type that sends the token in this format's collections (`oauth2`, `bearer`).
    fn token_auth_kind(&self) -> &'static str {
        "oauth2"
    }
    /// File `file` with `edits` applied, to be staged; the document needs its old bytes no
    /// more. Formats of small files make a new copy; a large export is edited in place of its
    /// bytes (never held twice), its tree left behind.
    fn edited(&mut self, file: usize, edits: &[crate::splice::Edit]) -> Vec<u8> {
        crate::splice::apply(&self.file(file).bytes, edits)
    }
}

/// What `check` and the pre-push hook judge a file against.
#[derive(Debug, Clone, Copy)]
pub struct CheckSettings<'a> {
    pub policy: Policy,
    pub keep: &'a [String],
    pub min_ttl_secs: i64,
    pub now: i64,
    /// The declared identities' variables: a child may send one of them.
    pub identities: &'a [String],
}

/// One file alone, as git holds it (or as named on the command line): its live tokens, and
/// what `check` finds wrong in it.
pub trait OneFile {
    fn live_tokens(&self, replacement: &str) -> (Vec<Found>, Vec<Edit>);
    /// `None` when it is no collection file (an environment): `check` says nothing of it.
    fn problems(&self, settings: &CheckSettings) -> Option<Vec<Problem>>;
}

/// Reads a document of a format.
pub type Open = fn(&Path, Options) -> Result<Box<dyn Document>, Failure>;

/// Reads one file alone, if it is one of a format's.
pub type ReadOne = fn(&Path, &[u8]) -> Result<Option<Box<dyn OneFile>>, Failure>;

/// A collection format.
pub struct Format {
    pub name: &'static str,
    /// Whether the file or folder at `path` is a document of this format.
    pub is_document: fn(&Path) -> bool,
    pub open: Open,
    /// One file alone: `Ok(None)` when it is none of this format's files; an error (with its
    /// place) when it is one, and cannot be read.
    pub file: ReadOne,
    /// Whether a file looks like one of this format's, by its name or its first bytes, even when
    /// it cannot be read as one: a guard refuses such a file rather than passing it over.
    pub looks_like: fn(&Path, &[u8]) -> bool,
    /// The documents of this format that git tracks under `dir` (for commands given no files).
    pub tracked: fn(&Path) -> Vec<PathBuf>,
    /// Git pathspecs of every file of this format (for `scrub` given no files).
    pub tracked_files: &'static [&'static str],
    /// The extensions of this format's files (lower case, no dot): the hooks look at every
    /// staged or pushed file that has one.
    pub extensions: &'static [&'static str],
    /// `Some(NAME)`: its collections are committed and never hold a token, only a reference;
    /// `refresh` makes them send variable NAME when none is named, and signs in for nothing
    /// else.
    pub default_variable: Option<&'static str>,
}

/// Every format, in the order they are tried: a JSON export last, since it takes any file.
pub const FORMATS: &[&Format] = &[&v3::FORMAT, &bruno::FORMAT, &export::FORMAT];

/// The format of the document at `path`.
fn format_of(path: &Path) -> &'static Format {
    FORMATS
        .iter()
        .find(|f| (f.is_document)(path))
        .copied()
        .unwrap_or(FORMATS[FORMATS.len() - 1])
}

/// The variable the document at `path` sends when none is named, for a format whose
/// collections hold references only (see [`Format::default_variable`]).
pub fn default_variable(path: &Path) -> Option<&'static str> {
    format_of(path).default_variable
}

/// Reads the document (a file or a folder) at `path`, in whichever format it is.
pub fn open(path: &Path, options: Options) -> Result<Box<dyn Document>, Failure> {
    (format_of(path).open)(path, options)
}

/// Whether `path` is a folder that holds a document (a v3 collection), rather than a file.
pub fn is_folder_document(path: &Path) -> bool {
    path.is_dir() && FORMATS.iter().any(|f| (f.is_document)(path))
}

/// One file alone, judged.
pub enum Judged {
    /// A file of one of the formats.
    File(Box<dyn OneFile>),
    /// None of the formats' files.
    Other,
    /// It looks like one of theirs (or `strict` said it must be one), and cannot be read.
    Unreadable(Failure),
}

/// Judges one file by its name and bytes. With `strict`, a file that no format reads is
/// refused with the reason the last format gave (a file named on the command line); without,
/// only one that looks like a format's is (a guard that is handed every file).
pub fn judge(path: &Path, bytes: &[u8], strict: bool) -> Judged {
    let mut refusal = None;
    for f in FORMATS {
        match (f.file)(path, bytes) {
            Ok(Some(one)) => return Judged::File(one),
            Ok(None) => {}
            Err(e) => {
                refusal.get_or_insert(e);
            }
        }
    }
    match refusal {
        Some(e) if strict || FORMATS.iter().any(|f| (f.looks_like)(path, bytes)) => {
            Judged::Unreadable(e)
        }
        _ if FORMATS.iter().any(|f| (f.looks_like)(path, bytes)) => {
            Judged::Unreadable(Failure::bad_input(format!(
                "{} is not a file postman-cognito can read",
                crate::redact::path(path)
            )))
        }
        _ => Judged::Other,
    }
}

/// Whether a file name has one of the formats' extensions.
pub fn has_extension(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    FORMATS.iter().any(|f| f.extensions.contains(&ext.as_str()))
}

/// Whether a file looks like one of any format's, by its name or its first bytes.
pub fn looks_like_any(path: &Path, bytes: &[u8]) -> bool {
    FORMATS.iter().any(|f| (f.looks_like)(path, bytes))
}

/// The documents git tracks under `dir`, of every format.
pub fn tracked_documents(dir: &Path) -> Vec<PathBuf> {
    FORMATS.iter().flat_map(|f| (f.tracked)(dir)).collect()
}

/// Git pathspecs of every file of every format.
pub fn tracked_files() -> Vec<&'static str> {
    FORMATS
        .iter()
        .flat_map(|f| f.tracked_files.iter().copied())
        .collect()
}

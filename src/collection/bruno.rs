//! A Bruno collection kept as `.bru` files (Bruno 4, `bru` CLI 4.1): read whole and checked before
//! anything is planned; the root auth, the folders' and the requests' auth lines are edited in
//! place (`bru` spans and splices), never written back through a serializer.
//!
//! ```text
//! <Collection>/bruno.json                 the collection (its name); marks the folder as Bruno's
//! <Collection>/collection.bru             auth { mode } and auth:bearer { token } of the root
//! <Collection>/<Folder>/folder.bru        a folder's own auth (mode none or inherit: no effect)
//! <Collection>/**/<Request>.bru           get { url, auth: inherit | bearer | none | ... }
//! <Collection>/environments/<Name>.bru    vars { ... } and vars:secret [ names ]
//! <Collection>/.env                       process.env for the Bruno app; bru run writes to it
//! ```
//!
//! Bruno's rule, measured with `bru` 4.1 (`mergeAuth` in its `utils/collection.js`): a request
//! whose method block says `auth: inherit` gets the auth of the nearest folder above it whose
//! mode is neither `none` nor `inherit`, else the collection's. A request with no auth line (or
//! `auth: none`) sends nothing: inheriting must be written. So a child is never "made to
//! inherit" by deleting its auth, as in a Postman collection: its mode becomes `inherit`.
//!
//! Bruno collections are committed: the root never gets a token itself, only a reference, by
//! default `{{process.env.COGNITO_TOKEN}}`, which `bru run` reads from its own environment
//! (`postman-cognito exec -- bru run` puts the token there).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::inherit::{Kept, Outcome, Policy, identity_reason, other_identity, variable_of};
use super::keep::{self, KeepSet, Resolved};
use super::{
    AuthBlock, CheckSettings, DocFile, Document, FileEdits, FileTokens, Format, OneFile, Options,
    Planned, Problem,
};
use crate::bru::{self, Block, BruError};
use crate::error::Failure;
use crate::folder::Folders;
use crate::fsat::{Dir, Kind};
use crate::redact::Shown as _;
use crate::scrub::Found;
use crate::splice::{Edit, Edits, Span};

/// The format name in reports.
pub const VERSION: &str = "bruno";

/// Largest number of files read in one collection.
pub const MAX_FILES: usize = 200_000;

const CONFIG: &str = "bruno.json";
const ROOT: &str = "collection.bru";
const FOLDER: &str = "folder.bru";
const ENVIRONMENTS: &str = "environments";
/// The YAML form of a Bruno collection (OpenCollection), which `bru` prefers when present.
const OPENCOLLECTION: &str = "opencollection.yml";

/// The variable `refresh` makes the root send when none is named: `bru run` reads
/// `{{process.env.COGNITO_TOKEN}}` from its environment, where `exec` puts the token.
pub const DEFAULT_VARIABLE: &str = "COGNITO_TOKEN";
const PROCESS_ENV: &str = "process.env.";

/// The method blocks of a request (Bruno's `http`, `grpc` and `ws` requests).
const METHODS: &[&str] = &[
    "get", "post", "put", "delete", "patch", "options", "head", "connect", "trace", "http", "grpc",
    "ws",
];

/// What a file of the collection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `collection.bru` (maybe not on disk yet: then `refresh` creates it).
    Root,
    /// A folder's `folder.bru`.
    Folder,
    /// A request's `.bru` file.
    Request,
    /// An environment's `.bru` file.
    Environment,
    /// `bruno.json`.
    Config,
    /// `.env` at the root.
    DotEnv,
}

/// One file of a Bruno collection, read.
pub struct BruFile {
    pub file: DocFile,
    /// The `.bru` file read (`None` for `bruno.json` and `.env`).
    pub bru: Option<bru::File>,
    pub role: Role,
    /// Folder and request positions through the collection (as in a JSON export's `item`s).
    pub index: Vec<usize>,
    /// Names from the top folder down.
    pub names: Vec<String>,
}

impl std::ops::Deref for BruFile {
    type Target = DocFile;
    fn deref(&self) -> &DocFile {
        &self.file
    }
}

/// A Bruno collection folder, read and checked.
pub struct Collection {
    pub dir: PathBuf,
    pub name: String,
    /// `collection.bru` first, then folders and requests in Bruno's order, then the rest.
    pub files: Vec<BruFile>,
    pub folders: Folders,
    pub keep: Resolved,
}

/// `path:line:col: message` of a `.bru` file.
fn at(path: &Path, bytes: &[u8], e: BruError) -> Failure {
    let (line, col) = crate::splice::line_col(bytes, e.offset);
    Failure::bad_input(format!("{}:{line}:{col}: {}", path.shown(), e.message)).with_hint(
        "fix the file (Bruno would not read it either) and run the command again; nothing was \
         written",
    )
}

fn bad(path: &Path, message: impl std::fmt::Display, hint: impl Into<String>) -> Failure {
    Failure::bad_input(format!("{} {message}", path.shown())).with_hint(hint)
}

fn io_error(path: &Path, e: &std::io::Error) -> Failure {
    Failure::io(format!("cannot read {}: {e}", path.shown()))
}

/// Whether `path` is a Bruno collection folder kept as `.bru` files (it holds `bruno.json`).
pub fn is_collection(path: &Path) -> bool {
    path.is_dir() && path.join(CONFIG).is_file()
}

/// The reference `refresh` writes for variable `name`: `{{process.env.NAME}}` (read by `bru
/// run` from its environment), or `{{NAME}}` when an environment file gets the value.
pub fn reference(name: &str, in_file: bool) -> String {
    if in_file || name.starts_with(PROCESS_ENV) {
        format!("{{{{{name}}}}}")
    } else {
        format!("{{{{{PROCESS_ENV}{name}}}}}")
    }
}

/// The variable a reference names, `process.env.` left out (for identities and reports).
fn bare(name: &str) -> &str {
    name.strip_prefix(PROCESS_ENV).unwrap_or(name)
}

struct Reader {
    folders: Folders,
    rest: Vec<BruFile>,
    count: usize,
    top: PathBuf,
}

impl Reader {
    fn counted(&mut self) -> Result<(), Failure> {
        self.count += 1;
        if self.count > MAX_FILES {
            return Err(bad(
                &self.top,
                format!("holds more than {MAX_FILES} files"),
                "is this really one collection?",
            ));
        }
        Ok(())
    }
}

fn read_file(dir: &Dir, folder: usize, name: &OsStr, role: Role) -> Result<BruFile, Failure> {
    let (bytes, stat) = Folders::read(dir, name)?;
    let path = dir.path.join(name);
    let parsed = match role {
        Role::Config | Role::DotEnv => None,
        _ => Some(bru::read(&bytes).map_err(|e| at(&path, &bytes, e))?),
    };
    if role == Role::Config {
        serde_json::from_slice::<serde_json::Value>(&bytes).map_err(|e| {
            bad(
                &path,
                format!("is not JSON ({e}), so not a Bruno collection's bruno.json"),
                "fix it; nothing was written",
            )
        })?;
    }
    Ok(BruFile {
        file: DocFile {
            folder,
            name: name.to_os_string(),
            path,
            stamp: crate::atomic::Stamp::of_stat(&stat),
            bytes,
            stat: Some(stat),
        },
        bru: parsed,
        role,
        index: Vec::new(),
        names: Vec::new(),
    })
}

/// The `meta` value `key` of a `.bru` file.
fn meta<'a>(f: &'a BruFile, key: &str) -> Option<&'a str> {
    f.bru
        .as_ref()?
        .block("meta")?
        .get(key)
        .map(|p| p.value.as_str())
}

fn seq(f: &BruFile) -> f64 {
    meta(f, "seq")
        .and_then(|s| s.trim().parse::<f64>().ok())
        .unwrap_or(f64::MAX)
}

/// Reads the collection at `dir`. Every file and folder below `dir` is opened through its
/// folder without following a link: a link anywhere is refused with its place.
pub fn load(
    dir: &Path,
    keep_paths: &[String],
    assign: &[keep::Assign],
) -> Result<Collection, Failure> {
    let (folders, root) = Folders::open_root(dir)?;
    if root.stat_at(OsStr::new(OPENCOLLECTION)).is_ok() {
        return Err(bad(
            &dir.join(OPENCOLLECTION),
            "makes this a Bruno collection in YAML (OpenCollection), which postman-cognito does \
             not edit yet",
            "keep the collection as .bru files (Bruno: collection settings), or write its auth \
             by hand; nothing was written",
        ));
    }
    let mut r = Reader {
        folders,
        rest: Vec::new(),
        count: 0,
        top: dir.to_path_buf(),
    };
    let config = read_file(&root, 0, OsStr::new(CONFIG), Role::Config)?;
    let name = serde_json::from_slice::<serde_json::Value>(&config.bytes)
        .ok()
        .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string))
        .unwrap_or_else(|| {
            dir.file_name()
                .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into())
        });
    let root_file = match root.stat_at(OsStr::new(ROOT)) {
        Ok(_) => read_file(&root, 0, OsStr::new(ROOT), Role::Root)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BruFile {
            // Not on disk: created (with bruno.json's mode and owner) when the root gets auth.
            file: DocFile {
                folder: 0,
                name: ROOT.into(),
                path: dir.join(ROOT),
                bytes: Vec::new(),
                stamp: crate::atomic::Stamp::absent(),
                stat: config.stat,
            },
            bru: Some(bru::read(b"").expect("empty")),
            role: Role::Root,
            index: Vec::new(),
            names: Vec::new(),
        },
        Err(e) => return Err(io_error(&dir.join(ROOT), &e)),
    };
    let mut files = vec![root_file];
    r.counted()?;
    read_folder(&mut r, 0, &root, &[], &[], &mut files)?;
    if files[0].stat.is_none() || !files[0].stamp.exists() {
        // A collection.bru to be created takes the line breaks of the collection's files.
        if let Some(nl) = files[1..]
            .iter()
            .filter_map(|f| f.bru.as_ref().filter(|_| f.bytes.contains(&b'\n')))
            .map(|b| b.newline)
            .next()
            && let Some(b) = files[0].bru.as_mut()
        {
            b.newline = nl;
        }
    }
    files.push(config);
    files.extend(std::mem::take(&mut r.rest));
    let keep = if keep_paths.is_empty() && assign.is_empty() {
        Resolved::default()
    } else {
        keep::resolve_value(&logical(&name, &files), keep_paths, assign)
            .map_err(|e| super::file::keep_failure(dir, e))?
    };
    Ok(Collection {
        dir: dir.to_path_buf(),
        name,
        files,
        folders: r.folders,
        keep,
    })
}

/// Reads the folders and requests in folder `folder` (open as `dir`) in Bruno's order (folders
/// by name, then requests by `seq`), each folder followed by what it holds.
fn read_folder(
    r: &mut Reader,
    folder: usize,
    dir: &Dir,
    index: &[usize],
    names: &[String],
    out: &mut Vec<BruFile>,
) -> Result<(), Failure> {
    let top = folder == 0;
    let mut subfolders: Vec<(BruFile, usize, Dir)> = Vec::new();
    let mut requests: Vec<BruFile> = Vec::new();
    for (name, kind) in Folders::entries(dir)? {
        let shown = name.to_string_lossy().into_owned();
        let path = dir.path.join(&name);
        if kind == Kind::Link {
            return Err(crate::folder::link_refused(&path));
        }
        match kind {
            Kind::Dir if shown == ".git" || shown == "node_modules" => {}
            Kind::Dir if top && shown == ENVIRONMENTS => {
                let (eid, edir) = r.folders.enter(folder, dir, &name)?;
                for (ename, ekind) in Folders::entries(&edir)? {
                    let epath = edir.path.join(&ename);
                    if ekind == Kind::Link {
                        return Err(crate::folder::link_refused(&epath));
                    }
                    if ekind == Kind::File && ename.to_string_lossy().ends_with(".bru") {
                        r.counted()?;
                        let f = read_file(&edir, eid, &ename, Role::Environment)?;
                        r.rest.push(f);
                    }
                }
            }
            Kind::Dir => {
                let (fid, child) = r.folders.enter(folder, dir, &name)?;
                let mut child_names = names.to_vec();
                let f = match child.stat_at(OsStr::new(FOLDER)) {
                    Ok(_) => {
                        r.counted()?;
                        read_file(&child, fid, OsStr::new(FOLDER), Role::Folder)?
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => BruFile {
                        file: DocFile {
                            folder: fid,
                            name: FOLDER.into(),
                            path: path.join(FOLDER),
                            bytes: Vec::new(),
                            stamp: crate::atomic::Stamp::absent(),
                            stat: None,
                        },
                        bru: Some(bru::read(b"").expect("empty")),
                        role: Role::Folder,
                        index: Vec::new(),
                        names: Vec::new(),
                    },
                    Err(e) => return Err(io_error(&path.join(FOLDER), &e)),
                };
                child_names.push(meta(&f, "name").map_or(shown.clone(), str::to_string));
                let mut f = f;
                f.names = child_names;
                subfolders.push((f, fid, child));
            }
            Kind::File if top && shown == ".env" => {
                r.counted()?;
                let f = read_file(dir, folder, &name, Role::DotEnv)?;
                r.rest.push(f);
            }
            Kind::File if shown.ends_with(".bru") && shown != ROOT && shown != FOLDER => {
                r.counted()?;
                let mut f = read_file(dir, folder, &name, Role::Request)?;
                let mut n = names.to_vec();
                n.push(meta(&f, "name").map_or_else(
                    || shown.trim_end_matches(".bru").to_string(),
                    str::to_string,
                ));
                f.names = n;
                requests.push(f);
            }
            _ => {}
        }
    }
    requests.sort_by(|a, b| {
        seq(a)
            .total_cmp(&seq(b))
            .then_with(|| a.names.last().cmp(&b.names.last()))
    });
    let mut i = 0;
    for (mut f, fid, child) in subfolders {
        f.index = index.to_vec();
        f.index.push(i);
        i += 1;
        let (child_index, child_names) = (f.index.clone(), f.names.clone());
        out.push(f);
        read_folder(r, fid, &child, &child_index, &child_names, out)?;
    }
    for mut f in requests {
        f.index = index.to_vec();
        f.index.push(i);
        i += 1;
        out.push(f);
    }
    Ok(())
}

/// The collection as a JSON export would hold it (names, requests' method, url and auth), for
/// `--keep` and `--assign` JSONPaths: one expression selects the same items in every format.
fn logical(name: &str, files: &[BruFile]) -> serde_json::Value {
    use serde_json::{Map, Value as J};
    fn auth_json(f: &BruFile) -> Option<J> {
        let own = own_auth(f)?;
        let mut m = Map::new();
        m.insert("type".into(), J::String(own.mode.clone()));
        if let Some(t) = own.token {
            m.insert(
                "bearer".into(),
                serde_json::json!([{"key": "token", "value": t, "type": "string"}]),
            );
        }
        Some(J::Object(m))
    }
    let mut root = serde_json::json!({"info": {"name": name}, "item": []});
    for f in files
        .iter()
        .filter(|f| matches!(f.role, Role::Folder | Role::Request))
    {
        let mut m = Map::new();
        m.insert(
            "name".into(),
            J::String(f.names.last().cloned().unwrap_or_default()),
        );
        if f.role == Role::Folder {
            m.insert("item".into(), J::Array(vec![]));
            if let Some(a) = auth_json(f) {
                m.insert("auth".into(), a);
            }
        } else {
            let mut r = Map::new();
            if let Some(b) = method_block(f) {
                r.insert("method".into(), J::String(b.name.to_ascii_uppercase()));
                if let Some(u) = b.get("url") {
                    r.insert("url".into(), J::String(u.value.clone()));
                }
            }
            if let Some(a) = auth_json(f) {
                r.insert("auth".into(), a);
            }
            m.insert("request".into(), J::Object(r));
        }
        let mut at = &mut root;
        for &i in &f.index[..f.index.len() - 1] {
            at = &mut at["item"][i];
        }
        if let Some(items) = at["item"].as_array_mut() {
            items.push(J::Object(m));
        }
    }
    root
}

/// A request's method block.
fn method_block(f: &BruFile) -> Option<&Block> {
    f.bru
        .as_ref()?
        .blocks
        .iter()
        .find(|b| METHODS.contains(&b.name.as_str()))
}

/// A folder's or request's (or the root's) own auth, as Bruno reads it.
struct OwnAuth {
    /// `inherit`, `none`, `bearer`, `oauth2`, ...; `none` when no line says.
    mode: String,
    /// Whether a line says (a request's `auth:` line, a folder's `auth { mode }`).
    written: bool,
    /// The bearer token sent, as written (bearer only).
    token: Option<String>,
    /// The OAuth 2.0 grant type (oauth2 only).
    grant: Option<String>,
}

fn own_auth(f: &BruFile) -> Option<OwnAuth> {
    let file = f.bru.as_ref()?;
    let mode = match f.role {
        Role::Request => method_block(f)?.get("auth").map(|p| p.value.clone()),
        Role::Root | Role::Folder => file
            .block("auth")
            .and_then(|b| b.get("mode"))
            .map(|p| p.value.clone()),
        _ => return None,
    };
    let written = mode.is_some();
    let mode = mode.unwrap_or_else(|| "none".into());
    let token = (mode == "bearer")
        .then(|| {
            file.block("auth:bearer")
                .and_then(|b| b.get("token"))
                .map(|p| p.value.clone())
        })
        .flatten();
    let grant = (mode == "oauth2")
        .then(|| {
            file.block("auth:oauth2")
                .and_then(|b| b.get("grant_type"))
                .map(|p| p.value.clone())
        })
        .flatten();
    Some(OwnAuth {
        mode,
        written,
        token,
        grant,
    })
}

/// Refuses a file with two blocks of a name this tool edits, or two enabled lines of a key it
/// edits: which one Bruno uses is not for this tool to guess.
fn unique(f: &BruFile) -> Result<(), Failure> {
    let Some(file) = &f.bru else { return Ok(()) };
    for name in ["auth", "auth:bearer"]
        .iter()
        .copied()
        .chain(METHODS.iter().copied())
    {
        let mut blocks = file.blocks.iter().filter(|b| b.name == name);
        if let (Some(_), Some(second)) = (blocks.next(), blocks.next()) {
            return Err(at(
                &f.path,
                &f.bytes,
                BruError {
                    offset: second.span.start,
                    message: format!("a second {name} block; keep one"),
                },
            ));
        }
    }
    for b in &file.blocks {
        let key = match b.name.as_str() {
            "auth" => "mode",
            "auth:bearer" => "token",
            n if METHODS.contains(&n) => "auth",
            _ => continue,
        };
        let mut pairs = b.pairs.iter().filter(|p| p.key == key && !p.disabled);
        if let (Some(_), Some(second)) = (pairs.next(), pairs.next()) {
            return Err(at(
                &f.path,
                &f.bytes,
                BruError {
                    offset: second.line.start,
                    message: format!("a second {key}: line in {}; keep one", b.name),
                },
            ));
        }
    }
    Ok(())
}

/// A block's text: `name {`, its pairs, `}`.
fn block_text(name: &str, pairs: &[(&str, &str)], nl: &str) -> String {
    let mut s = format!("{name} {{{nl}");
    for (k, v) in pairs {
        s.push_str(&format!("  {k}: {v}{nl}"));
    }
    s.push('}');
    s.push_str(nl);
    s
}

/// The edit making `key` of dictionary `block` hold `value`: its value replaced, or the line
/// added at the end of the block.
fn set_pair(src: &[u8], block: &Block, key: &str, value: &str, nl: &str, edits: &mut Edits) {
    match block.get(key) {
        Some(p) if p.value == value => {}
        Some(p) => edits.replace(
            Span {
                start: p.value_span.start,
                end: p.value_span.end,
            },
            value,
        ),
        None => {
            let indent = bru::indent(src, block);
            edits.insert(block.body.end, format!("{indent}{key}: {value}{nl}"));
        }
    }
}

/// Inserts blocks `text` (each ending with a line break) after offset `at`, a blank line
/// between them and what is around.
fn insert_blocks(src: &[u8], at: usize, text: &str, nl: &str, edits: &mut Edits) {
    let mut s = String::new();
    if at > 0 {
        if src[at - 1] != b'\n' {
            s.push_str(nl);
        }
        s.push_str(nl);
    }
    s.push_str(text);
    if at == 0 && !src.is_empty() {
        s.push_str(nl);
    }
    edits.insert(at, s);
}

/// Where a new `auth` block goes: after the blocks Bruno writes before it (`meta`, `query`,
/// `headers`), else at the start.
fn auth_place(file: &bru::File) -> usize {
    file.blocks
        .iter()
        .filter(|b| matches!(b.name.as_str(), "meta" | "query" | "headers"))
        .map(|b| b.span.end)
        .max()
        .unwrap_or(0)
}

/// The edits making the auth of `f` (the root, a folder or a request) `bearer` with `token`.
fn set_bearer(f: &BruFile, token: &str, edits: &mut Edits) -> Result<(), Failure> {
    let file = f.bru.as_ref().expect("a .bru file");
    let (src, nl) = (&f.bytes[..], file.newline);
    let mut tail = String::new();
    let mut place = None;
    match f.role {
        Role::Request => {
            let Some(m) = method_block(f) else {
                return Err(bad(
                    &f.path,
                    "has no method block (get { ... }), so no auth line can be written",
                    "fix the request; nothing was written",
                ));
            };
            set_pair(src, m, "auth", "bearer", nl, edits);
            place = Some(m.span.end);
        }
        _ => match file.block("auth") {
            Some(a) => {
                set_pair(src, a, "mode", "bearer", nl, edits);
                place = Some(a.span.end);
            }
            None => tail.push_str(&block_text("auth", &[("mode", "bearer")], nl)),
        },
    }
    match file.block("auth:bearer") {
        Some(b) => set_pair(src, b, "token", token, nl, edits),
        None => {
            if !tail.is_empty() {
                tail.push_str(nl);
            }
            tail.push_str(&block_text("auth:bearer", &[("token", token)], nl));
        }
    }
    if !tail.is_empty() {
        let at = place.unwrap_or_else(|| auth_place(file));
        insert_blocks(src, at, &tail, nl, edits);
    }
    Ok(())
}

/// The edits making the child `f` inherit: its mode `inherit` (its line added to a request
/// that has none), and its `auth:bearer` block removed when `drop_bearer` (a stale copy of the
/// token: no token stays behind in a committed file).
fn make_inherit(f: &BruFile, drop_bearer: bool, edits: &mut Edits) -> bool {
    let Some(file) = f.bru.as_ref() else {
        return false;
    };
    let (src, nl) = (&f.bytes[..], file.newline);
    let holder = match f.role {
        Role::Request => method_block(f).map(|m| (m, "auth")),
        _ => file.block("auth").map(|a| (a, "mode")),
    };
    let Some((block, key)) = holder else {
        return false;
    };
    set_pair(src, block, key, "inherit", nl, edits);
    if drop_bearer && let Some(b) = file.block("auth:bearer") {
        let mut start = b.span.start;
        // With the blank line before it, so that the blocks stay one blank line apart.
        for sep in ["\n\n", "\n\r\n"] {
            if src[..start].ends_with(sep.as_bytes()) {
                start -= sep.len() - 1;
                break;
            }
        }
        edits.delete(Span {
            start,
            end: b.span.end,
        });
    }
    true
}

/// How a child's own auth reads.
enum Own {
    Inherits,
    /// No auth sent (`none`, or no line).
    Nothing,
    /// A stale copy of the token (bearer sending a literal token or the collection's own
    /// variable; an OAuth 2.0 grant that cannot run headless).
    Copy(String),
    Identity(String),
    Other(String),
}

fn classify(a: &OwnAuth, own: &[String]) -> Own {
    match a.mode.as_str() {
        "inherit" => Own::Inherits,
        "none" => Own::Nothing,
        "bearer" => match other_identity(a.token.as_deref(), own) {
            Some(name) => Own::Identity(name),
            None => Own::Copy("bearer".into()),
        },
        "oauth2" if a.grant.as_deref() == Some("client_credentials") => {
            Own::Other("oauth2 (client_credentials, a token of its own)".into())
        }
        "oauth2" => Own::Copy("oauth2".into()),
        other => Own::Other(other.to_string()),
    }
}

/// What happens to one child under `policy`.
#[allow(clippy::too_many_arguments)]
fn child(
    f: &BruFile,
    policy: Policy,
    keep: &KeepSet,
    own: &[String],
    edits: &mut Edits,
    out: &mut Outcome,
    list_changed: bool,
) -> Result<(), Failure> {
    let assigned = keep.assigned(&f.index);
    if policy == Policy::None && assigned.is_none() {
        return Ok(());
    }
    let folder = f.role == Role::Folder;
    let path = f.names.join(" / ");
    if (1..f.index.len()).any(|n| keep.contains(&f.index[..n])) {
        return Ok(());
    }
    if keep.contains(&f.index) {
        out.kept.push(Kept {
            path,
            folder,
            reason: "matched by --keep (left as it is, with everything under it)".into(),
            sends: None,
        });
        return Ok(());
    }
    if let Some(var) = assigned {
        if folder && f.stat.is_none() {
            return Err(bad(
                &f.path,
                format!("--assign: {path} has no folder.bru to hold its auth"),
                "create it (an empty file will do) and run again; nothing was written",
            ));
        }
        let text = reference(var, false);
        if own.iter().any(|o| bare(o) == bare(var)) {
            return Err(bad(
                &f.path,
                format!(
                    "--assign: {path} would send {text}, the collection's own variable, which it \
                     inherits as it is"
                ),
                "assign another variable; nothing was written",
            ));
        }
        set_bearer(f, &text, edits)?;
        out.kept.push(Kept {
            path,
            folder,
            reason: format!("sends {text}, as assigned"),
            sends: Some(bare(var).to_string()),
        });
        return Ok(());
    }
    let Some(a) = own_auth(f) else {
        return Ok(());
    };
    let (inherit, drop_bearer, reason) = match (classify(&a, own), policy) {
        (Own::Inherits, _) => return Ok(()),
        (Own::Copy(kind), _) => (true, kind == "bearer", kind),
        (Own::Identity(name), _) => {
            out.kept.push(Kept {
                path,
                folder,
                reason: identity_reason(&name),
                sends: Some(bare(&name).to_string()),
            });
            return Ok(());
        }
        (Own::Nothing, Policy::All) => (
            true,
            false,
            if a.written {
                "none".to_string()
            } else {
                "no auth line".to_string()
            },
        ),
        (Own::Nothing, _) => return Ok(()),
        (Own::Other(kind), Policy::All) => (true, false, kind),
        (Own::Other(kind), _) => {
            out.kept.push(Kept {
                path,
                folder,
                reason: format!("has its own {kind} auth"),
                sends: None,
            });
            return Ok(());
        }
    };
    if inherit && make_inherit(f, drop_bearer, edits) {
        if list_changed {
            out.changed.push(Kept {
                path,
                folder,
                reason,
                sends: None,
            });
        }
        if folder {
            out.folders += 1;
        } else {
            out.requests += 1;
        }
    }
    Ok(())
}

/// The text the root must send, from what `refresh` hands over: a reference, never a token.
fn root_text<'a>(f: &BruFile, want: &'a AuthBlock) -> Result<&'a str, Failure> {
    let t = match want {
        AuthBlock::Token(t) => t,
        AuthBlock::AwsV4(_) => {
            return Err(bad(
                &f.path,
                "is a Bruno collection: SigV4 from an identity pool is written into Postman \
                 collections only",
                "sign the requests with Bruno's own awsv4 auth and {{process.env.aws_access_key_id}} \
                 (and the secret key and session token), handed over by `postman-cognito exec \
                 --identity-pool-id ... -- bru run`; nothing was written",
            ));
        }
    };
    if variable_of(t.token).is_none() {
        return Err(bad(
            &f.path,
            "is a Bruno collection, which is committed to git, so postman-cognito writes no \
             token into it, only a reference",
            "run `postman-cognito refresh` on it without a token source (it writes \
             {{process.env.COGNITO_TOKEN}}), then `postman-cognito exec -- bru run`; nothing \
             was written",
        ));
    }
    if let Some(p) = t.header_prefix
        && p != "Bearer"
    {
        return Err(bad(
            &f.path,
            format!("is a Bruno collection, whose bearer auth always sends \"Bearer\", not {p:?}"),
            "drop --header-prefix for Bruno collections; nothing was written",
        ));
    }
    if !t.extra.is_empty() {
        return Err(bad(
            &f.path,
            "is a Bruno collection: --write-grant-settings writes Postman's OAuth 2.0 settings",
            "drop --write-grant-settings for Bruno collections; nothing was written",
        ));
    }
    Ok(t.token)
}

/// What a plan writes: the root's auth, the policy for the children, the collection's own
/// variables, and whether each child made to inherit is listed.
struct Run<'a> {
    auth: &'a AuthBlock<'a>,
    policy: Policy,
    own: Vec<String>,
    list_changed: bool,
}

/// What the root's auth is, in words.
fn described(a: Option<&OwnAuth>) -> String {
    match a {
        Some(a) if a.written => a.mode.clone(),
        _ => "none (no auth block)".into(),
    }
}

impl Collection {
    /// The collection's own token variables: `token`, what the root sends now, what it is made
    /// to send, each also without `process.env.`.
    fn own_variables(&self, writing: Option<&str>) -> Vec<String> {
        let current = own_auth(&self.files[0]).and_then(|a| a.token);
        let mut own = super::inherit::own_variables(current.as_deref(), writing);
        for v in own.clone() {
            let b = bare(&v).to_string();
            if !own.contains(&b) {
                own.push(b);
            }
            let p = format!("{PROCESS_ENV}{}", bare(&v));
            if !own.contains(&p) {
                own.push(p);
            }
        }
        own
    }

    /// The edits of one file under `run`, what it did to the children into `out`.
    fn plan_file(
        &self,
        f: &BruFile,
        run: &Run,
        edits: &mut Edits,
        out: &mut Outcome,
    ) -> Result<(), Failure> {
        unique(f)?;
        match f.role {
            Role::Root => {
                let token = root_text(f, run.auth)?;
                set_bearer(f, token, edits)
            }
            Role::Folder | Role::Request => child(
                f,
                run.policy,
                &self.keep.set,
                &run.own,
                edits,
                out,
                run.list_changed,
            ),
            _ => Ok(()),
        }
    }

    /// Every variable the collection's environments and root define (`vars`, `vars:secret`,
    /// `vars:pre-request`).
    fn defines(&self, name: &str) -> bool {
        self.files.iter().any(|f| {
            let Some(file) = &f.bru else { return false };
            file.blocks.iter().any(|b| match b.name.as_str() {
                "vars" | "vars:pre-request" => b.get(name).is_some(),
                "vars:secret" => {
                    let body = String::from_utf8_lossy(&f.bytes[b.body.clone()]);
                    body.split(['\n', '\r']).any(|l| l.trim() == name)
                }
                _ => false,
            })
        })
    }

    fn root_problems(&self, c: &CheckSettings) -> Vec<Problem> {
        let f = &self.files[0];
        let hint = Some(BRUNO_FIX);
        let p = |m: String| Problem {
            place: "collection auth".into(),
            message: m,
            hint,
        };
        let a = own_auth(f);
        match a.as_ref().map(|a| (a.mode.as_str(), a)) {
            None | Some(("none", _)) => vec![p(format!(
                "{} has no bearer auth, so the requests that inherit send no token",
                ROOT
            ))],
            Some(("awsv4", _)) => vec![],
            Some(("bearer", a)) => match a.token.as_deref().map(str::trim) {
                None | Some("") => vec![p("the bearer token is empty".into())],
                Some(t) => match variable_of(t) {
                    Some(v) if v.starts_with(PROCESS_ENV) => vec![],
                    Some(v) if self.defines(v) => vec![],
                    Some(v) => vec![p(format!(
                        "sends {{{{{v}}}}}, which no environment of the collection defines, so \
                         `bru run` would send it as written; use {{{{process.env.{v}}}}} (set \
                         by `postman-cognito exec -- bru run`)"
                    ))],
                    None if crate::scrub::is_token(t) => {
                        let mut m = "the bearer token is a token itself, in a file meant for git"
                            .to_string();
                        if let Ok(claims) = crate::jwt::claims(t)
                            && let Some(exp) = claims.exp
                            && exp - c.now < c.min_ttl_secs
                        {
                            m.push_str(&format!(
                                " (and it expires at {})",
                                crate::jwt::rfc3339(exp)
                            ));
                        }
                        vec![p(m)]
                    }
                    None => vec![p(
                        "the bearer token is neither a {{variable}} nor a token".into()
                    )],
                },
            },
            Some((mode, _)) => vec![p(format!("the mode is {mode:?}, not \"bearer\""))],
        }
    }
}

/// The way out for a Bruno collection's problems.
const BRUNO_FIX: &str = "run `postman-cognito refresh <collection folder>` (it writes \
     {{process.env.COGNITO_TOKEN}} at the root and makes the stale copies inherit; no sign-in), \
     then `postman-cognito exec -- bru run`";

impl Document for Collection {
    fn path(&self) -> &Path {
        &self.dir
    }

    fn format(&self) -> &'static str {
        VERSION
    }

    fn folders(&self) -> &Folders {
        &self.folders
    }

    fn file_count(&self) -> usize {
        self.files.len()
    }

    fn file(&self, i: usize) -> &DocFile {
        &self.files[i].file
    }

    fn keep_matched(&self) -> &[usize] {
        &self.keep.matched
    }

    fn assign_matched(&self) -> &[usize] {
        &self.keep.assign_matched
    }

    fn root_token(&self) -> Option<String> {
        own_auth(&self.files[0])
            .filter(|a| a.mode == "bearer")
            .and_then(|a| a.token)
    }

    fn defines_variable(&self, name: &str) -> bool {
        self.defines(name)
    }

    fn token_reference(&self, name: &str, in_file: bool) -> String {
        reference(name, in_file)
    }

    fn token_auth_kind(&self) -> &'static str {
        "bearer"
    }

    fn plan(
        &self,
        auth: &AuthBlock,
        policy: Policy,
        list_changed: bool,
    ) -> Result<Planned, Failure> {
        let run = Run {
            auth,
            policy,
            own: self.own_variables(Some(auth.token_text())),
            list_changed,
        };
        let mut outcome = Outcome::default();
        let mut files = Vec::new();
        let mut root = None;
        for (i, f) in self.files.iter().enumerate() {
            let mut edits = Edits::default();
            self.plan_file(f, &run, &mut edits, &mut outcome)?;
            let edits = edits
                .sorted()
                .map_err(|m| bad(&f.path, m, "please report this"))?;
            if crate::splice::changes(&f.bytes, &edits) {
                if f.role == Role::Folder && f.stat.is_none() {
                    return Err(bad(&f.path, "is not on disk", "please report this"));
                }
                let e = FileEdits { file: i, edits };
                if f.role == Role::Root {
                    root = Some(e);
                } else {
                    files.push(e);
                }
            }
        }
        files.extend(root);
        Ok(Planned {
            files,
            root_auth_before: described(own_auth(&self.files[0]).as_ref()),
            outcome,
        })
    }

    fn replan(
        &self,
        file: usize,
        bytes: &[u8],
        auth: &AuthBlock,
        policy: Policy,
    ) -> Result<Vec<Edit>, Failure> {
        let old = &self.files[file];
        let f = BruFile {
            file: DocFile {
                path: old.path.clone(),
                bytes: bytes.to_vec(),
                stamp: old.stamp.clone(),
                folder: old.folder,
                name: old.name.clone(),
                stat: old.stat,
            },
            bru: Some(bru::read(bytes).map_err(|e| at(&old.path, bytes, e))?),
            role: old.role,
            index: old.index.clone(),
            names: old.names.clone(),
        };
        let run = Run {
            auth,
            policy,
            own: self.own_variables(Some(auth.token_text())),
            list_changed: false,
        };
        let mut edits = Edits::default();
        self.plan_file(&f, &run, &mut edits, &mut Outcome::default())?;
        edits
            .sorted()
            .map_err(|m| bad(&f.path, m, "please report this"))
    }

    fn verify(&self, file: usize, bytes: &[u8], auth: Option<&AuthBlock>) -> Result<(), String> {
        let f = &self.files[file];
        if matches!(f.role, Role::Config | Role::DotEnv) {
            return Ok(());
        }
        let read = bru::read(bytes).map_err(|e| e.message)?;
        if f.role == Role::Root
            && let Some(want) = auth
        {
            let probe = BruFile {
                file: DocFile {
                    path: f.path.clone(),
                    bytes: bytes.to_vec(),
                    stamp: f.stamp.clone(),
                    folder: f.folder,
                    name: f.name.clone(),
                    stat: f.stat,
                },
                bru: Some(read),
                role: Role::Root,
                index: vec![],
                names: vec![],
            };
            let a = own_auth(&probe);
            if a.as_ref().map(|a| a.mode.as_str()) != Some("bearer")
                || a.and_then(|a| a.token).as_deref() != Some(want.token_text())
            {
                return Err("its auth is not bearer with the reference".into());
            }
        }
        Ok(())
    }

    fn problems(&self, c: &CheckSettings) -> Vec<Problem> {
        let mut found = self.root_problems(c);
        let own = self.own_variables(None);
        let mut outcome = Outcome::default();
        for f in &self.files {
            if matches!(f.role, Role::Folder | Role::Request) {
                let _ = child(
                    f,
                    c.policy,
                    &self.keep.set,
                    &own,
                    &mut Edits::default(),
                    &mut outcome,
                    true,
                );
            }
        }
        for k in &outcome.changed {
            let place = format!(
                "{} ({})",
                k.path,
                if k.folder { "folder" } else { "request" }
            );
            let message = match k.reason.as_str() {
                "no auth line" => "has no auth line, so Bruno sends it no token (inheriting \
                                   must be written: auth: inherit)"
                    .to_string(),
                "none" => "has auth none, so Bruno sends it no token".to_string(),
                r => format!(
                    "has its own {} auth, so it does not send the collection's token",
                    crate::redact::inline(r)
                ),
            };
            found.push(Problem {
                place,
                message,
                hint: Some(BRUNO_FIX),
            });
        }
        for k in outcome.kept.iter().filter(|k| k.sends.is_none()) {
            if k.reason.starts_with("matched by --keep") {
                continue;
            }
            found.push(Problem {
                place: format!(
                    "{} ({})",
                    k.path,
                    if k.folder { "folder" } else { "request" }
                ),
                message: format!(
                    "{}, so it does not send the collection's token",
                    crate::redact::inline(&k.reason)
                ),
                hint: Some(BRUNO_FIX),
            });
        }
        found.extend(super::check::undeclared(&outcome.kept, c.identities, |n| {
            self.defines(n)
        }));
        if let Ok(tokens) = self.live_tokens("") {
            for t in tokens {
                let f = &self.files[t.file];
                for one in t.found {
                    let rel = f.path.strip_prefix(&self.dir).unwrap_or(&f.path);
                    found.push(Problem {
                        place: format!("{}: {}", rel.display(), one.place),
                        message: "holds a live token, in a file meant for git".into(),
                        hint: Some(super::check::KEEP_OUT_HINT),
                    });
                }
            }
        }
        found
    }

    fn live_tokens(&self, replacement: &str) -> Result<Vec<FileTokens>, Failure> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let (found, edits) =
                    tokens_of(f.role, &f.path, &f.bytes, f.bru.as_ref(), replacement)?;
                Ok(FileTokens {
                    file: i,
                    found,
                    edits,
                })
            })
            .collect()
    }
}

/// The live tokens of one file of a Bruno collection, and the edits replacing them.
fn tokens_of(
    role: Role,
    path: &Path,
    bytes: &[u8],
    parsed: Option<&bru::File>,
    replacement: &str,
) -> Result<(Vec<Found>, Vec<Edit>), Failure> {
    Ok(match role {
        Role::DotEnv => crate::scrub::find_lines(bytes, ""),
        Role::Config => {
            let scanned = crate::json::scan::scan(bytes, &crate::json::scan::KeepAll)
                .map_err(|e| super::file::not_a_collection(path, bytes, e.into()))?;
            match scanned.root {
                crate::json::scan::Node::Object(root) => {
                    crate::scrub::find(bytes, &root, replacement)
                }
                _ => (Vec::new(), Vec::new()),
            }
        }
        _ => {
            let parsed_here;
            let file = match parsed {
                Some(f) => f,
                None => {
                    parsed_here = bru::read(bytes).map_err(|e| at(path, bytes, e))?;
                    &parsed_here
                }
            };
            find_bru(bytes, file, replacement)
        }
    })
}

/// The live tokens anywhere in a `.bru` file (its text is what Bruno sends: no escapes), each
/// placed by its block and key.
fn find_bru(src: &[u8], file: &bru::File, replacement: &str) -> (Vec<Found>, Vec<Edit>) {
    let text = String::from_utf8_lossy(src);
    let mut found = Vec::new();
    let mut edits = Edits::default();
    for r in crate::scrub::live_tokens(&text) {
        let place = file
            .blocks
            .iter()
            .find(|b| b.span.contains(&r.range.start))
            .map_or_else(
                || "(outside any block)".to_string(),
                |b| match b.pairs.iter().find(|p| p.line.contains(&r.range.start)) {
                    Some(p) => format!("{}.{}", b.name, p.key),
                    None => b.name.clone(),
                },
            );
        found.push(Found {
            place,
            offset: r.range.start,
        });
        edits.replace(
            Span {
                start: r.range.start,
                end: r.range.end,
            },
            replacement,
        );
    }
    (found, edits.sorted().unwrap_or_default())
}

/// One file of a Bruno collection alone (as git holds it).
struct OneBru {
    role: Role,
    path: PathBuf,
    bytes: Vec<u8>,
    parsed: Option<bru::File>,
}

/// The role of a file by its name and where it is.
fn role_of(path: &Path) -> Option<Role> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned());
    Some(match name.as_str() {
        CONFIG => Role::Config,
        ".env" => Role::DotEnv,
        ROOT => Role::Root,
        FOLDER => Role::Folder,
        n if n.to_ascii_lowercase().ends_with(".bru") => {
            if parent.as_deref() == Some(ENVIRONMENTS) {
                Role::Environment
            } else {
                Role::Request
            }
        }
        _ => return None,
    })
}

fn one_file(path: &Path, bytes: &[u8]) -> Result<Option<Box<dyn OneFile>>, Failure> {
    let Some(role) = role_of(path) else {
        return Ok(None);
    };
    let parsed = match role {
        Role::Config => {
            // Only a Bruno collection's bruno.json is this format's (`version` and `type:
            // collection`); any other JSON file named so is left to the others.
            let v: serde_json::Value = match serde_json::from_slice(bytes) {
                Ok(v) => v,
                Err(_) => return Ok(None),
            };
            if v.get("type").and_then(|t| t.as_str()) != Some("collection") {
                return Ok(None);
            }
            None
        }
        Role::DotEnv => None,
        _ => Some(bru::read(bytes).map_err(|e| at(path, bytes, e))?),
    };
    Ok(Some(Box::new(OneBru {
        role,
        path: path.to_path_buf(),
        bytes: bytes.to_vec(),
        parsed,
    })))
}

impl OneFile for OneBru {
    fn live_tokens(&self, replacement: &str) -> (Vec<Found>, Vec<Edit>) {
        tokens_of(
            self.role,
            &self.path,
            &self.bytes,
            self.parsed.as_ref(),
            replacement,
        )
        .unwrap_or_default()
    }

    fn problems(&self, c: &CheckSettings) -> Option<Vec<Problem>> {
        if !matches!(self.role, Role::Root | Role::Folder | Role::Request) {
            return None;
        }
        let f = BruFile {
            file: DocFile {
                folder: 0,
                name: self.path.file_name().unwrap_or_default().to_os_string(),
                path: self.path.clone(),
                bytes: self.bytes.clone(),
                stamp: crate::atomic::Stamp::absent(),
                stat: None,
            },
            bru: self.parsed.clone(),
            role: self.role,
            index: vec![0],
            names: vec![
                self.path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
            ],
        };
        let mut found = Vec::new();
        if self.role == Role::Root {
            let alone = Collection {
                dir: self.path.parent().unwrap_or(Path::new("")).to_path_buf(),
                name: String::new(),
                files: vec![f],
                folders: Folders { list: Vec::new() },
                keep: Resolved::default(),
            };
            found.extend(alone.root_problems(c));
        }
        let (tokens, _) = self.live_tokens("");
        for t in tokens {
            found.push(Problem {
                place: t.place,
                message: "holds a live token, in a file meant for git".into(),
                hint: Some(super::check::KEEP_OUT_HINT),
            });
        }
        Some(found)
    }
}

/// The Bruno collections git tracks under `dir`: the topmost folders whose `bruno.json` it
/// tracks.
fn tracked(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = crate::git::tracked(dir, &[CONFIG, "*/bruno.json"])
        .into_iter()
        .filter_map(|c| c.parent().map(Path::to_path_buf))
        .map(|p| {
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p
            }
        })
        .collect();
    found.sort();
    found.dedup();
    let all = found.clone();
    found.retain(|p| {
        !all.iter()
            .any(|q| q != p && q != Path::new(".") && p.starts_with(q))
    });
    found
}

fn open(path: &Path, options: Options) -> Result<Box<dyn Document>, Failure> {
    Ok(Box::new(load(path, options.keep, options.assign)?))
}

/// `.bru` files, and a collection's `bruno.json`.
fn looks(path: &Path, bytes: &[u8]) -> bool {
    super::file::looks_by(path, bytes, &[".bru"], &[])
        || (path.file_name() == Some(OsStr::new(CONFIG))
            && super::file::looks_by(path, bytes, &[], &[b"\"collection\""]))
}

/// A Bruno collection kept as `.bru` files, its environments and `.env`.
pub const FORMAT: Format = Format {
    name: "bruno",
    is_document: is_collection,
    open,
    file: one_file,
    looks_like: looks,
    tracked,
    tracked_files: &["*.bru", CONFIG, "*/bruno.json"],
    extensions: &["bru"],
    default_variable: Some(DEFAULT_VARIABLE),
};

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
use crate::yaml::{self, Doc, Node, edit as yedit};

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
const YAML_FOLDER: &str = "folder.yml";

/// The file names of one of Bruno's two on-disk forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Names {
    pub root: &'static str,
    pub folder: &'static str,
    /// Requests' and environments' extension.
    pub ext: &'static str,
}

/// `.bru` files.
pub const BRU: Names = Names {
    root: ROOT,
    folder: FOLDER,
    ext: ".bru",
};

/// YAML files (OpenCollection).
pub const YML: Names = Names {
    root: OPENCOLLECTION,
    folder: YAML_FOLDER,
    ext: ".yml",
};

/// The variable `refresh` makes the root send when none is named: `bru run` reads
/// `{{process.env.COGNITO_TOKEN}}` from its environment, where `exec` puts the token.
pub const DEFAULT_VARIABLE: &str = "COGNITO_TOKEN";
const PROCESS_ENV: &str = "process.env.";

/// The method blocks of a request (Bruno's `http`, `grpc` and `ws` requests).
pub const METHODS: &[&str] = &[
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
    /// The `.bru` file read (`None` for YAML files, `bruno.json` and `.env`).
    pub bru: Option<bru::File>,
    /// The YAML file read (a collection kept as YAML).
    pub yaml: Option<yaml::Doc>,
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
    /// `.bru` or YAML.
    pub names: &'static Names,
}

/// `path:line:col: message` of a YAML file.
fn yaml_at(path: &Path, bytes: &[u8], e: yaml::YamlError) -> Failure {
    at(
        path,
        bytes,
        BruError {
            offset: e.offset,
            message: e.message,
        },
    )
}

/// `path:line:col: message` of a YAML auth that cannot be edited line by line.
fn yaml_uneditable(path: &Path, bytes: &[u8], e: yaml::YamlError) -> Failure {
    let (line, col) = crate::splice::line_col(bytes, e.offset);
    Failure::bad_input(format!("{}:{line}:{col}: {}", path.shown(), e.message)).with_hint(
        "postman-cognito edits YAML line by line: write this auth in block style, without \
         anchors, aliases or tags, and run the command again; nothing was written",
    )
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

/// Whether `path` is a Bruno collection folder (it holds `opencollection.yml`, or `bruno.json`).
pub fn is_collection(path: &Path) -> bool {
    path.is_dir() && (path.join(OPENCOLLECTION).is_file() || path.join(CONFIG).is_file())
}

fn is_yaml_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".yml") || n.ends_with(".yaml")
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
    names: &'static Names,
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
    let yaml_file = is_yaml_name(&name.to_string_lossy());
    let parsed = match role {
        Role::Config | Role::DotEnv => None,
        _ if yaml_file => None,
        _ => Some(bru::read(&bytes).map_err(|e| at(&path, &bytes, e))?),
    };
    let doc = match role {
        Role::Config | Role::DotEnv => None,
        _ if yaml_file => Some(read_yaml(&path, &bytes)?),
        _ => None,
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
        yaml: doc,
        role,
        index: Vec::new(),
        names: Vec::new(),
    })
}

/// A YAML file of a collection: a block mapping at the top (or nothing), with no merge key
/// there (js-yaml would merge in entries, an `auth` among them, that no edit here could see).
fn read_yaml(path: &Path, bytes: &[u8]) -> Result<yaml::Doc, Failure> {
    let doc = yaml::read(bytes).map_err(|e| yaml_at(path, bytes, e))?;
    let refuse = |offset: usize, message: &str| {
        yaml_at(
            path,
            bytes,
            yaml::YamlError {
                offset,
                message: message.into(),
            },
        )
    };
    if !(doc.root.is_null() || doc.root.as_map().is_some() && !doc.root.flow) {
        return Err(refuse(
            doc.root.span.start,
            "expected a block mapping of keys (info: ...) at the top level",
        ));
    }
    if let Some((offset, what)) = doc.root.find_unsafe() {
        return Err(refuse(
            offset,
            &format!(
                "this file holds {what}, which Bruno's YAML reader would expand where                  postman-cognito cannot see it; write the values out"
            ),
        ));
    }
    Ok(doc)
}

/// A file of role `role` from its bytes alone (not from disk), read as its name says: YAML or
/// `.bru`.
fn from_bytes(path: &Path, bytes: &[u8], role: Role) -> Result<BruFile, Failure> {
    let name = path.file_name().unwrap_or_default();
    let yaml_file = is_yaml_name(&name.to_string_lossy());
    let parse = matches!(
        role,
        Role::Root | Role::Folder | Role::Request | Role::Environment
    );
    Ok(BruFile {
        file: DocFile {
            folder: 0,
            name: name.to_os_string(),
            path: path.to_path_buf(),
            bytes: bytes.to_vec(),
            stamp: crate::atomic::Stamp::absent(),
            stat: None,
        },
        bru: if parse && !yaml_file {
            Some(bru::read(bytes).map_err(|e| at(path, bytes, e))?)
        } else {
            None
        },
        yaml: if parse && yaml_file {
            Some(read_yaml(path, bytes)?)
        } else {
            None
        },
        role,
        index: vec![0],
        names: vec![name.to_string_lossy().into_owned()],
    })
}

/// File `old` holding `bytes` now (another run changed it since it was read).
fn reread(old: &BruFile, bytes: &[u8]) -> Result<BruFile, Failure> {
    let mut f = from_bytes(&old.path, bytes, old.role)?;
    f.file.stamp = old.stamp.clone();
    f.file.folder = old.folder;
    f.file.stat = old.stat;
    f.index = old.index.clone();
    f.names = old.names.clone();
    Ok(f)
}

/// The `meta` value `key` of a `.bru` file (`info` of a YAML one).
fn meta<'a>(f: &'a BruFile, key: &str) -> Option<&'a str> {
    if let Some(doc) = &f.yaml {
        return doc.root.get("info")?.get(key)?.as_str();
    }
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
    // As `bru` chooses: YAML when opencollection.yml is there.
    let names = match root.stat_at(OsStr::new(OPENCOLLECTION)) {
        Ok(_) => &YML,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => &BRU,
        Err(e) => return Err(io_error(&dir.join(OPENCOLLECTION), &e)),
    };
    let mut r = Reader {
        names,
        folders,
        rest: Vec::new(),
        count: 0,
        top: dir.to_path_buf(),
    };
    let config = match root.stat_at(OsStr::new(CONFIG)) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && names == &YML => None,
        _ => Some(read_file(&root, 0, OsStr::new(CONFIG), Role::Config)?),
    };
    let base = || {
        dir.file_name()
            .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into())
    };
    let root_file = match root.stat_at(OsStr::new(names.root)) {
        Ok(_) => read_file(&root, 0, OsStr::new(names.root), Role::Root)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && names == &BRU => BruFile {
            // Not on disk: created (with bruno.json's mode and owner) when the root gets auth.
            file: DocFile {
                folder: 0,
                name: ROOT.into(),
                path: dir.join(ROOT),
                bytes: Vec::new(),
                stamp: crate::atomic::Stamp::absent(),
                stat: config.as_ref().and_then(|c| c.stat),
            },
            bru: Some(bru::read(b"").expect("empty")),
            yaml: None,
            role: Role::Root,
            index: Vec::new(),
            names: Vec::new(),
        },
        Err(e) => return Err(io_error(&dir.join(names.root), &e)),
    };
    let name = match (&root_file.yaml, &config) {
        (Some(doc), _) => doc
            .root
            .get("info")
            .and_then(|i| i.get("name"))
            .and_then(|n| n.as_str())
            .map(str::to_string),
        (None, Some(c)) => serde_json::from_slice::<serde_json::Value>(&c.bytes)
            .ok()
            .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string)),
        (None, None) => None,
    }
    .unwrap_or_else(base);
    let mut files = vec![root_file];
    r.counted()?;
    read_folder(&mut r, 0, &root, &[], &[], &mut files)?;
    if !files[0].stamp.exists() {
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
    files.extend(config);
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
        names,
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
                    if ekind == Kind::File && ename.to_string_lossy().ends_with(r.names.ext) {
                        r.counted()?;
                        let f = read_file(&edir, eid, &ename, Role::Environment)?;
                        r.rest.push(f);
                    }
                }
            }
            Kind::Dir => {
                let (fid, child) = r.folders.enter(folder, dir, &name)?;
                let mut child_names = names.to_vec();
                let folder_file = OsStr::new(r.names.folder);
                let f = match child.stat_at(folder_file) {
                    Ok(_) => {
                        r.counted()?;
                        read_file(&child, fid, folder_file, Role::Folder)?
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => BruFile {
                        file: DocFile {
                            folder: fid,
                            name: folder_file.into(),
                            path: path.join(folder_file),
                            bytes: Vec::new(),
                            stamp: crate::atomic::Stamp::absent(),
                            stat: None,
                        },
                        bru: Some(bru::read(b"").expect("empty")),
                        yaml: None,
                        role: Role::Folder,
                        index: Vec::new(),
                        names: Vec::new(),
                    },
                    Err(e) => return Err(io_error(&path.join(folder_file), &e)),
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
            Kind::File
                if shown.ends_with(r.names.ext)
                    && shown != r.names.root
                    && shown != r.names.folder =>
            {
                r.counted()?;
                let mut f = read_file(dir, folder, &name, Role::Request)?;
                let mut n = names.to_vec();
                n.push(meta(&f, "name").map_or_else(
                    || shown.trim_end_matches(r.names.ext).to_string(),
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
            if let Some(h) = f.yaml.as_ref().and_then(|d| yaml_holder(Role::Request, d)) {
                for k in ["method", "url"] {
                    if let Some(v) = h.get(k).and_then(Node::as_str) {
                        r.insert(k.into(), J::String(v.to_string()));
                    }
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
    if let Some(doc) = &f.yaml {
        return yaml_own_auth(f.role, doc);
    }
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
    if let Some(doc) = &f.yaml {
        return yaml_set_bearer(f, doc, token, edits)
            .map_err(|e| yaml_uneditable(&f.path, &f.bytes, e));
    }
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
fn make_inherit(f: &BruFile, drop_bearer: bool, edits: &mut Edits) -> Result<bool, Failure> {
    if let Some(doc) = &f.yaml {
        return yaml_make_inherit(f.role, &f.bytes, doc, edits)
            .map_err(|e| yaml_uneditable(&f.path, &f.bytes, e));
    }
    let Some(file) = f.bru.as_ref() else {
        return Ok(false);
    };
    let (src, nl) = (&f.bytes[..], file.newline);
    let holder = match f.role {
        Role::Request => method_block(f).map(|m| (m, "auth")),
        _ => file.block("auth").map(|a| (a, "mode")),
    };
    let Some((block, key)) = holder else {
        return Ok(false);
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
    Ok(true)
}

/// The mapping that holds a YAML file's `auth`: a request's `http` (or `graphql`, `grpc`,
/// `websocket`, after its `info.type`), a folder's or the root's `request`.
fn yaml_holder_key(role: Role, doc: &Doc) -> &'static str {
    if role != Role::Request {
        return "request";
    }
    match doc
        .root
        .get("info")
        .and_then(|i| i.get("type"))
        .and_then(Node::as_str)
    {
        Some("graphql") => "graphql",
        Some("grpc") => "grpc",
        Some("websocket") => "websocket",
        _ => "http",
    }
}

fn yaml_holder(role: Role, doc: &Doc) -> Option<&Node> {
    doc.root.get(yaml_holder_key(role, doc))
}

/// A YAML file's own auth, as Bruno's YAML reader takes it: `auth: inherit`, a mapping with
/// its `type`, or nothing (none); a request without one takes `runtime.auth`.
fn yaml_own_auth(role: Role, doc: &Doc) -> Option<OwnAuth> {
    if !matches!(role, Role::Root | Role::Folder | Role::Request) {
        return None;
    }
    let mut auth = yaml_holder(role, doc).and_then(|h| h.get("auth"));
    if auth.is_none() && role == Role::Request {
        auth = doc.root.get("runtime").and_then(|r| r.get("auth"));
    }
    let Some(auth) = auth.filter(|a| !a.is_null()) else {
        return Some(OwnAuth {
            mode: "none".into(),
            written: false,
            token: None,
            grant: None,
        });
    };
    let text = |n: Option<&Node>| n.and_then(Node::as_str).map(str::to_string);
    let mode = match auth.as_str() {
        Some("inherit") => "inherit".to_string(),
        Some(_) => "none".to_string(),
        None => text(auth.get("type")).unwrap_or_else(|| "none".into()),
    };
    Some(OwnAuth {
        token: (mode == "bearer")
            .then(|| text(auth.get("token")))
            .flatten(),
        grant: (mode == "oauth2").then(|| text(auth.get("flow"))).flatten(),
        mode,
        written: true,
    })
}

fn yaml_refuse(offset: usize, message: impl Into<String>) -> yaml::YamlError {
    yaml::YamlError {
        offset,
        message: message.into(),
    }
}

/// Refuses an auth (or its holder) in flow style or with anchors, aliases or tags: it is not
/// edited line by line.
fn yaml_editable(n: &Node) -> Result<(), yaml::YamlError> {
    if let Some((offset, what)) = n.find_unsafe() {
        return Err(yaml_refuse(
            offset,
            format!("this auth holds {what}, which postman-cognito does not edit"),
        ));
    }
    if n.flow {
        return Err(yaml_refuse(
            n.span.start,
            "this auth is in flow style ({...}), which postman-cognito does not edit; write it \
             in block style",
        ));
    }
    Ok(())
}

/// The edits making a YAML file's auth `bearer` with `token`.
fn yaml_set_bearer(
    f: &BruFile,
    doc: &Doc,
    token: &str,
    edits: &mut Edits,
) -> Result<(), yaml::YamlError> {
    let src = &f.bytes[..];
    let nl = doc.newline;
    let unit = yedit::indent_unit(src, &doc.root);
    let tok = yedit::scalar(token);
    let key = yaml_holder_key(f.role, doc);
    let auth_lines = |u: &str| {
        vec![
            "auth:".to_string(),
            format!("{u}type: bearer"),
            format!("{u}token: {tok}"),
        ]
    };
    let Some(holder) = doc.root.entry(key) else {
        let mut lines = vec![format!("{key}:")];
        lines.extend(auth_lines(&unit).into_iter().map(|l| format!("{unit}{l}")));
        if doc.root.as_map().is_some_and(|m| !m.is_empty()) {
            return yedit::append_entries(src, &doc.root, &lines, nl, edits);
        }
        if src.iter().all(u8::is_ascii_whitespace) {
            let text: String = lines.iter().map(|l| format!("{l}{nl}")).collect();
            edits.insert(0, text);
            return Ok(());
        }
        return Err(yaml_refuse(
            0,
            "expected a mapping of keys at the top level",
        ));
    };
    yaml_editable(&holder.value)?;
    if holder.value.is_null() {
        return yedit::replace_value(src, holder, &auth_lines(&unit), &unit, nl, edits);
    }
    if holder.value.as_map().is_none() {
        return Err(yaml_refuse(
            holder.value.span.start,
            format!("{key} is not a mapping, so no auth can be written in it"),
        ));
    }
    match holder.value.entry("auth") {
        None => yedit::append_entries(src, &holder.value, &auth_lines(&unit), nl, edits),
        Some(a) if a.value.get("type").and_then(Node::as_str) == Some("bearer") => {
            match a.value.entry("token") {
                Some(t) if t.value.as_str() == Some(token) => Ok(()),
                Some(t) => yedit::set_value(src, t, &tok, edits),
                None => yedit::append_entries(src, &a.value, &[format!("token: {tok}")], nl, edits),
            }
        }
        Some(a) => yedit::replace_value(
            src,
            a,
            &["type: bearer".to_string(), format!("token: {tok}")],
            &unit,
            nl,
            edits,
        ),
    }
}

/// The edits making a YAML file's auth `inherit` (a request's line added when it has none):
/// whether there was anything to change.
fn yaml_make_inherit(
    role: Role,
    src: &[u8],
    doc: &Doc,
    edits: &mut Edits,
) -> Result<bool, yaml::YamlError> {
    let Some(holder) = yaml_holder(role, doc) else {
        return Ok(false);
    };
    match holder.entry("auth") {
        Some(a) if a.value.as_str() == Some("inherit") => Ok(false),
        Some(a) => {
            yaml_editable(&a.value)?;
            yedit::set_scalar(src, a, "inherit", edits)?;
            Ok(true)
        }
        None if role == Role::Request && holder.as_map().is_some_and(|m| !m.is_empty()) => {
            yedit::append_entries(
                src,
                holder,
                &["auth: inherit".to_string()],
                doc.newline,
                edits,
            )?;
            Ok(true)
        }
        None => Ok(false),
    }
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
                format!(
                    "--assign: {path} has no {} to hold its auth",
                    f.name.to_string_lossy()
                ),
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
    if inherit && make_inherit(f, drop_bearer, edits)? {
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

/// The edits a `.bru` file gets from its bytes alone: as `collection.bru` (`root`) made to send
/// `reference`, else as a request made to inherit under [`Policy::All`]. For fuzzing and tests.
pub fn plan_bytes(bytes: &[u8], root: bool, reference: &str) -> Result<Vec<Edit>, Failure> {
    let name = if root { ROOT } else { "request.bru" };
    let f = from_bytes(
        Path::new(name),
        bytes,
        if root { Role::Root } else { Role::Request },
    )?;
    let want = AuthBlock::token(reference, None, &[]);
    let run = Run {
        auth: &want,
        policy: Policy::All,
        own: super::inherit::own_variables(None, Some(reference)),
        list_changed: false,
    };
    let alone = Collection {
        dir: PathBuf::new(),
        name: String::new(),
        files: Vec::new(),
        folders: Folders { list: Vec::new() },
        keep: Resolved::default(),
        names: &BRU,
    };
    let mut edits = Edits::default();
    alone.plan_file(&f, &run, &mut edits, &mut Outcome::default())?;
    edits
        .sorted()
        .map_err(|m| bad(&f.path, m, "please report this"))
}

/// The auth mode a `.bru` file's bytes give (its method block's `auth:` line for a request, its
/// `auth { mode }` else) and the bearer token it sends: for fuzzing and tests.
pub fn auth_of_bytes(bytes: &[u8], request: bool) -> Option<(String, Option<String>)> {
    let role = if request { Role::Request } else { Role::Root };
    let f = from_bytes(Path::new("x.bru"), bytes, role).ok()?;
    own_auth(&f).map(|a| (a.mode, a.token))
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
            if let Some(doc) = &f.yaml {
                // `variables: [{name, value}]` of an environment, `request.variables` of the root.
                let vars = match f.role {
                    Role::Environment => doc.root.get("variables"),
                    _ => doc.root.get("request").and_then(|r| r.get("variables")),
                };
                return vars.and_then(Node::as_seq).is_some_and(|items| {
                    items
                        .iter()
                        .any(|i| i.get("name").and_then(Node::as_str) == Some(name))
                });
            }
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
        let f = reread(&self.files[file], bytes)?;
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
        let probe = reread(f, bytes).map_err(|e| e.to_string())?;
        if f.role == Role::Root
            && let Some(want) = auth
        {
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
                let (found, edits) = tokens_of(f, replacement)?;
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
fn tokens_of(f: &BruFile, replacement: &str) -> Result<(Vec<Found>, Vec<Edit>), Failure> {
    let (path, bytes) = (&f.path, &f.bytes[..]);
    Ok(match (f.role, &f.bru, &f.yaml) {
        (Role::DotEnv, _, _) => crate::scrub::find_lines(bytes, ""),
        (Role::Config, _, _) => {
            let scanned = crate::json::scan::scan(bytes, &crate::json::scan::KeepAll)
                .map_err(|e| super::file::not_a_collection(path, bytes, e.into()))?;
            match scanned.root {
                crate::json::scan::Node::Object(root) => {
                    crate::scrub::find(bytes, &root, replacement)
                }
                _ => (Vec::new(), Vec::new()),
            }
        }
        (_, _, Some(doc)) => crate::scrub::find_yaml(bytes, &doc.root, replacement),
        (_, Some(file), _) => find_bru(bytes, file, replacement),
        // A folder without its file on disk: nothing to search.
        (_, None, None) => (Vec::new(), Vec::new()),
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
    file: BruFile,
}

/// The role of a file by its name and where it is (`None`: none of Bruno's names).
fn role_of(path: &Path) -> Option<Role> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned());
    let lower = name.to_ascii_lowercase();
    Some(match name.as_str() {
        CONFIG => Role::Config,
        ".env" => Role::DotEnv,
        ROOT | OPENCOLLECTION => Role::Root,
        FOLDER | YAML_FOLDER => Role::Folder,
        _ if lower.ends_with(".bru") || is_yaml_name(&lower) => {
            if parent.as_deref() == Some(ENVIRONMENTS) {
                Role::Environment
            } else {
                Role::Request
            }
        }
        _ => return None,
    })
}

/// Whether a YAML file is a Bruno request (`info.type` one of Bruno's request kinds).
fn is_yaml_request(doc: &Doc) -> bool {
    matches!(
        doc.root
            .get("info")
            .and_then(|i| i.get("type"))
            .and_then(Node::as_str),
        Some("http" | "graphql" | "grpc" | "websocket")
    )
}

fn one_file(path: &Path, bytes: &[u8]) -> Result<Option<Box<dyn OneFile>>, Failure> {
    let Some(role) = role_of(path) else {
        return Ok(None);
    };
    let yaml_file = is_yaml_name(&path.to_string_lossy());
    match role {
        Role::Config => {
            // Only a Bruno collection's bruno.json (`type: collection`) is this format's; any
            // other JSON file named so is left to the others.
            let v: serde_json::Value = match serde_json::from_slice(bytes) {
                Ok(v) => v,
                Err(_) => return Ok(None),
            };
            if v.get("type").and_then(|t| t.as_str()) != Some("collection") {
                return Ok(None);
            }
        }
        // Any other YAML file is Bruno's only when it reads as a Bruno request.
        Role::Request | Role::Environment if yaml_file => match yaml::read(bytes) {
            Ok(doc) if role == Role::Environment || is_yaml_request(&doc) => {}
            _ => return Ok(None),
        },
        _ => {}
    }
    Ok(Some(Box::new(OneBru {
        file: from_bytes(path, bytes, role)?,
    })))
}

impl OneFile for OneBru {
    fn live_tokens(&self, replacement: &str) -> (Vec<Found>, Vec<Edit>) {
        tokens_of(&self.file, replacement).unwrap_or_default()
    }

    fn problems(&self, c: &CheckSettings) -> Option<Vec<Problem>> {
        let f = &self.file;
        if !matches!(f.role, Role::Root | Role::Folder | Role::Request) {
            return None;
        }
        let mut found = Vec::new();
        if f.role == Role::Root
            && let Ok(root) = from_bytes(&f.path, &f.bytes, Role::Root)
        {
            let alone = Collection {
                dir: f.path.parent().unwrap_or(Path::new("")).to_path_buf(),
                name: String::new(),
                files: vec![root],
                folders: Folders { list: Vec::new() },
                keep: Resolved::default(),
                names: &BRU,
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
    let mut found: Vec<PathBuf> = crate::git::tracked(
        dir,
        &[
            CONFIG,
            "*/bruno.json",
            OPENCOLLECTION,
            "*/opencollection.yml",
        ],
    )
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

/// `.bru` files, a collection's `bruno.json`, the YAML form's own file names, and `.env` (which
/// `bru run` and the Bruno app read, and scripts write).
fn looks(path: &Path, bytes: &[u8]) -> bool {
    super::file::looks_by(path, bytes, &[".bru"], &[])
        || path
            .file_name()
            .is_some_and(|n| n == OPENCOLLECTION || n == YAML_FOLDER || n == ".env")
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
    tracked_files: &[
        "*.bru",
        CONFIG,
        "*/bruno.json",
        OPENCOLLECTION,
        "*/opencollection.yml",
        YAML_FOLDER,
        "*/folder.yml",
    ],
    extensions: &["bru"],
    default_variable: Some(DEFAULT_VARIABLE),
};

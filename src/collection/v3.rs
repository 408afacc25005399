//! A Postman v3 collection: a folder of YAML files (Postman v12 "Native Git"). Read whole and
//! checked before anything is planned; the root auth and the children's own auth are edited
//! line by line (`yaml::edit`), under the same inherit and `--keep` policies as a JSON export.
//!
//! ```text
//! <Collection>/.resources/definition.yaml           $kind: collection (name, auth, variables)
//! <Collection>/<Folder>/.resources/definition.yaml  a folder (its own auth, order)
//! <Collection>/<Folder>/<Request>.request.yaml      $kind: http-request (auth, order)
//! <Collection>/**/.resources/<Request>.resources/examples/*.example.yaml   saved responses
//! ```

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::check as problems;
use super::export::auth::{RootAuth, wanted_params};
use super::inherit::{Kept, Outcome, Policy, identity_reason, other_identity};
use super::keep::{self, KeepSet, Resolved};
use super::{
    AuthBlock, CheckSettings, DocFile, Document, FileEdits, FileTokens, Format, OneFile, Options,
    Planned, Problem,
};
use crate::error::Failure;
use crate::folder::Folders;
use crate::fsat::{Dir, Kind};
use crate::redact::Shown as _;
use crate::scrub::Found;
use crate::splice::{Edit, Edits};
use crate::yaml::edit::{self as yedit, holds, scalar_of_json};
use crate::yaml::{self, Doc, Entry, Node, Value, YamlError};

/// The format name in reports.
pub const VERSION: &str = "v3.0.0";

/// Largest number of files read in one tree.
pub const MAX_FILES: usize = 200_000;

const DEFINITION: &str = ".resources/definition.yaml";
/// Its file name, in `.resources`.
const DEFINITION_NAME: &str = "definition.yaml";

/// The request kinds the Postman CLI writes.
const REQUEST_KINDS: &[&str] = &[
    "http-request",
    "graphql-request",
    "grpc-request",
    "websocket-request",
    "socketio-request",
    "mqtt-request",
];

/// What a file of the tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The collection's `.resources/definition.yaml`.
    Root,
    /// A folder's `.resources/definition.yaml`.
    Folder,
    /// A `*.request.yaml` file.
    Request,
    /// Any other YAML file (saved examples): read by `scrub` and the hooks only.
    Other,
}

/// One file of a tree, read.
pub struct TreeFile {
    /// The file as every format's files are (its path, bytes, folder, name).
    pub file: DocFile,
    /// `None` for [`Role::Other`] files (not parsed by the loader).
    pub doc: Option<Doc>,
    pub role: Role,
    /// Folder and request positions through the logical tree (as in a JSON export's `item`s).
    pub index: Vec<usize>,
    /// Names from the top folder down.
    pub names: Vec<String>,
}

impl std::ops::Deref for TreeFile {
    type Target = DocFile;
    fn deref(&self) -> &DocFile {
        &self.file
    }
}

/// A v3 collection folder, read and checked.
pub struct Tree {
    pub dir: PathBuf,
    pub name: String,
    /// The root definition first, then folders and requests in logical order, then the rest.
    pub files: Vec<TreeFile>,
    /// Every folder read, to open them again for writing (never through a link).
    pub folders: Folders,
    pub keep: Resolved,
}

/// A failure in a file of a tree: bad input (exit 3), with file:line:col.
type TreeError = Failure;

/// `path:line:col: message`, from a YAML error in `bytes`.
fn at(path: &Path, bytes: &[u8], e: YamlError) -> Failure {
    let (line, col) = yaml::line_col(bytes, e.offset);
    Failure::bad_input(format!("{}:{line}:{col}: {}", path.shown(), e.message)).with_hint(
        "fix the file (or export the collection again from Postman) and run the command again; \
         nothing was written",
    )
}

/// `path message`, with a hint.
fn bad(path: &Path, message: impl std::fmt::Display, hint: impl Into<String>) -> Failure {
    Failure::bad_input(format!("{} {message}", path.shown())).with_hint(hint)
}

/// Whether `path` is a v3 collection folder (it holds `.resources/definition.yaml`).
pub fn is_tree(path: &Path) -> bool {
    path.is_dir() && path.join(DEFINITION).is_file()
}

/// The collection a folder sits in, when `dir` is a folder inside one.
fn enclosing(dir: &Path) -> Option<PathBuf> {
    let parent = dir.canonicalize().ok()?.parent()?.to_path_buf();
    is_tree(&parent).then_some(parent)
}

/// Reading a tree: the folders seen and the files read so far.
struct Reader {
    folders: Folders,
    rest: Vec<TreeFile>,
    count: usize,
    others: bool,
    top: PathBuf,
}

impl Reader {
    fn counted(&mut self) -> Result<(), TreeError> {
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

    /// Reads the definition of the folder `folder` (open as `dir`): its
    /// `.resources/definition.yaml`, opened without following a link.
    fn definition(
        &mut self,
        folder: usize,
        dir: &Dir,
        role: Role,
        names: Vec<String>,
    ) -> Result<Option<TreeFile>, TreeError> {
        let res = OsStr::new(".resources");
        match dir.stat_at(res) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(&dir.path.join(res), &e)),
            Ok(_) => {}
        }
        let (rid, rdir) = self.folders.enter(folder, dir, res)?;
        match rdir.stat_at(OsStr::new("definition.yaml")) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            _ => {}
        }
        self.counted()?;
        read_yaml(&rdir, rid, OsStr::new("definition.yaml"), role, names).map(Some)
    }
}

/// Reads the tree at `dir`; `others`: also list (not parse) the other YAML files. Every file
/// and folder below `dir` is opened through its folder without following a link: a link
/// anywhere in the tree is refused with its place.
pub fn load(
    dir: &Path,
    keep_paths: &[String],
    assign: &[keep::Assign],
    others: bool,
) -> Result<Tree, TreeError> {
    let missing = || {
        bad(
            dir,
            "is a folder without .resources/definition.yaml, so not a Postman v3 collection",
            "pass a collection file (.json) or a v3 collection folder (postman/collections/<Name>)",
        )
    };
    if let Some(top) = enclosing(dir) {
        return Err(bad(
            dir,
            format!("is a folder inside the v3 collection {}", top.shown()),
            format!("pass the collection's own folder, {}", top.shown()),
        ));
    }
    let (folders, root) = Folders::open_root(dir)?;
    let mut r = Reader {
        folders,
        rest: Vec::new(),
        count: 0,
        others,
        top: dir.to_path_buf(),
    };
    let mut files = vec![
        r.definition(0, &root, Role::Root, vec![])?
            .ok_or_else(missing)?,
    ];
    let def = files[0].doc.as_ref().expect("parsed");
    check_kind(&files[0].path, &files[0].bytes, &def.root, &["collection"])?;
    let name = def
        .root
        .get("name")
        .and_then(Node::as_str)
        .map_or_else(|| base_name(dir), str::to_string);
    read_folder(&mut r, 0, &root, &[], &[], &mut files)?;
    let rest = std::mem::take(&mut r.rest);
    files.extend(rest);
    let keep = if keep_paths.is_empty() && assign.is_empty() {
        Resolved::default()
    } else {
        keep::resolve_value(&logical(&name, &files), keep_paths, assign)
            .map_err(|e| crate::collection::file::keep_failure(dir, e))?
    };
    Ok(Tree {
        dir: dir.to_path_buf(),
        name,
        files,
        folders: r.folders,
        keep,
    })
}

/// The root definition alone of the tree at `dir` (read as [`load`] reads it: no link
/// followed); `None` when the folder has none.
pub fn root_definition(dir: &Path) -> Result<Option<Doc>, TreeError> {
    let (folders, root) = Folders::open_root(dir)?;
    let mut r = Reader {
        folders,
        rest: Vec::new(),
        count: 0,
        others: false,
        top: dir.to_path_buf(),
    };
    Ok(r.definition(0, &root, Role::Root, vec![])?
        .and_then(|f| f.doc))
}

fn base_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A folder without `.resources/definition.yaml`: no bytes, no auth, nothing on disk (it is
/// never written: an edit it would need is refused).
fn undefined_folder(fid: usize, dir: &Path, names: Vec<String>) -> Result<TreeFile, TreeError> {
    let doc = yaml::read(b"$kind: collection\n").map_err(|e| at(dir, b"", e))?;
    Ok(TreeFile {
        file: DocFile {
            folder: fid,
            name: DEFINITION_NAME.into(),
            path: dir.join(DEFINITION),
            bytes: Vec::new(),
            stamp: crate::atomic::Stamp::absent(),
            stat: None,
        },
        doc: Some(doc),
        role: Role::Folder,
        index: Vec::new(),
        names,
    })
}

/// Whether `f` is a folder without a definition on disk.
fn undefined(f: &TreeFile) -> bool {
    f.role == Role::Folder && f.stat.is_none() && f.bytes.is_empty()
}

/// Reads the folders and requests in the folder `folder` (open as `dir`) in logical order, with
/// their index, each folder followed by what it holds, into `out`; lists the other YAML files.
fn read_folder(
    r: &mut Reader,
    folder: usize,
    dir: &Dir,
    index: &[usize],
    names: &[String],
    out: &mut Vec<TreeFile>,
) -> Result<(), TreeError> {
    // Each child, with the folder it is (`Some(folder number)`) when it is one.
    let mut found: Vec<(TreeFile, Option<usize>)> = Vec::new();
    for (name, kind) in Folders::entries(dir)? {
        let shown = name.to_string_lossy().into_owned();
        let path = dir.path.join(&name);
        if kind == Kind::Link {
            return Err(crate::folder::link_refused(&path));
        }
        if shown == ".resources" {
            if r.others && kind == Kind::Dir {
                let (rid, rdir) = r.folders.enter(folder, dir, &name)?;
                list_yaml(r, rid, &rdir, true)?;
            }
            continue;
        }
        if shown.starts_with('.') {
            continue;
        }
        let mut child_names = names.to_vec();
        if kind == Kind::Dir {
            child_names.push(shown.clone());
            let (fid, child) = r.folders.enter(folder, dir, &name)?;
            // Only the definition at the top of the tree is the collection's: below it, every
            // folder is a folder, whatever its definition holds (`collection migrate` writes
            // `id:` and `name:` into a folder whose name has a `/`), as the Postman CLI reads
            // it. A folder without a definition is a folder with no auth of its own.
            let f = match r.definition(fid, &child, Role::Folder, child_names.clone())? {
                Some(mut f) => {
                    let doc = f.doc.as_ref().expect("parsed");
                    check_kind(&f.path, &f.bytes, &doc.root, &["collection"])?;
                    if let Some(n) = doc.root.get("name").and_then(Node::as_str)
                        && let Some(last) = f.names.last_mut()
                    {
                        *last = n.to_string();
                    }
                    f
                }
                None => undefined_folder(fid, &path, child_names)?,
            };
            found.push((f, Some(fid)));
        } else if kind == Kind::File && shown.ends_with(".request.yaml") {
            child_names.push(shown.trim_end_matches(".request.yaml").to_string());
            r.counted()?;
            let f = read_yaml(dir, folder, &name, Role::Request, child_names)?;
            let doc = f.doc.as_ref().expect("parsed");
            check_kind(&f.path, &f.bytes, &doc.root, REQUEST_KINDS)?;
            found.push((f, None));
        } else if r.others && kind == Kind::File && is_yaml_name(&shown) {
            r.counted()?;
            let f = other_file(dir, folder, &name)?;
            r.rest.push(f);
        }
    }
    let order = |f: &TreeFile| {
        f.doc
            .as_ref()
            .and_then(|d| d.root.get("order"))
            .and_then(Node::as_str)
            .and_then(|o| o.parse::<f64>().ok())
            .unwrap_or(f64::MAX)
    };
    found.sort_by(|(a, _), (b, _)| {
        order(a)
            .total_cmp(&order(b))
            .then_with(|| a.names.last().cmp(&b.names.last()))
    });
    for (i, (mut f, sub)) in found.into_iter().enumerate() {
        f.index = index.to_vec();
        f.index.push(i);
        let (child_index, child_names) = (f.index.clone(), f.names.clone());
        out.push(f);
        if let Some(fid) = sub {
            // Opened again through this folder, and checked to be the folder just read.
            let folder_name = r.folders.list[fid].name.clone();
            let child = dir
                .child(&folder_name)
                .map_err(|e| crate::folder::open_failure(&dir.path.join(&folder_name), e))?;
            let same = child
                .stat()
                .is_ok_and(|st| st.same(&r.folders.list[fid].stat));
            if !same {
                return Err(Failure::io(format!(
                    "{} changed while it was being read",
                    child.path.shown()
                )));
            }
            read_folder(r, fid, &child, &child_index, &child_names, out)?;
        }
    }
    Ok(())
}

fn is_yaml_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".yaml") || n.ends_with(".yml")
}

/// Lists every YAML file under a `.resources` folder (open as `dir`, folder number `folder`)
/// but the folder's own definition (`top`: this is the `.resources` folder itself).
fn list_yaml(r: &mut Reader, folder: usize, dir: &Dir, top: bool) -> Result<(), TreeError> {
    for (name, kind) in Folders::entries(dir)? {
        let shown = name.to_string_lossy().into_owned();
        let path = dir.path.join(&name);
        match kind {
            Kind::Link => return Err(crate::folder::link_refused(&path)),
            Kind::Dir => {
                let (sub, sdir) = r.folders.enter(folder, dir, &name)?;
                list_yaml(r, sub, &sdir, false)?;
            }
            Kind::File
                if is_yaml_name(&shown)
                    && !(top && shown == "definition.yaml")
                    && !shown.starts_with('.') =>
            {
                r.counted()?;
                let f = other_file(dir, folder, &name)?;
                r.rest.push(f);
            }
            _ => {}
        }
    }
    Ok(())
}

fn io_error(path: &Path, e: &std::io::Error) -> Failure {
    Failure::io(format!("cannot read {}: {e}", path.shown()))
}

fn other_file(dir: &Dir, folder: usize, name: &OsStr) -> Result<TreeFile, TreeError> {
    let (bytes, stat) = Folders::read(dir, name)?;
    Ok(TreeFile {
        file: DocFile {
            path: dir.path.join(name),
            stamp: crate::atomic::Stamp::of_stat(&stat),
            bytes,
            folder,
            name: name.to_os_string(),
            stat: Some(stat),
        },
        doc: None,
        role: Role::Other,
        index: vec![],
        names: vec![],
    })
}

fn read_yaml(
    dir: &Dir,
    folder: usize,
    name: &OsStr,
    role: Role,
    names: Vec<String>,
) -> Result<TreeFile, TreeError> {
    let mut f = other_file(dir, folder, name)?;
    f.role = role;
    f.names = names;
    let doc = parse_tree_file(&f.path, &f.bytes)?;
    f.doc = Some(doc);
    Ok(f)
}

/// Reads the bytes of a tree file (at `path`, for messages): YAML with a block mapping at the
/// top and no merge key there.
pub fn parse_tree_file(path: &Path, bytes: &[u8]) -> Result<Doc, TreeError> {
    let doc = yaml::read(bytes).map_err(|e| at(path, bytes, e))?;
    if doc.root.as_map().is_none() || doc.root.flow {
        return Err(at(
            path,
            bytes,
            YamlError {
                offset: doc.root.span.start,
                message: "expected a block mapping of keys ($kind: ...) at the top level".into(),
            },
        ));
    }
    if let Some(merge) = doc.root.merge_key() {
        // The Postman CLI (js-yaml) merges the entries it names into the file's own, an `auth`
        // among them, which no edit here could see or change.
        return Err(at(
            path,
            bytes,
            YamlError {
                offset: merge.key.span.start,
                message: "a YAML merge key (<<) at the top level could bring an auth block that \
                          postman-cognito cannot see; write the keys out in this file"
                    .into(),
            },
        ));
    }
    Ok(doc)
}

fn check_kind(path: &Path, src: &[u8], root: &Node, kinds: &[&str]) -> Result<(), TreeError> {
    let found = root.get("$kind");
    match found.and_then(Node::as_str) {
        Some(k) if kinds.contains(&k) => Ok(()),
        other => Err(at(
            path,
            src,
            YamlError {
                offset: found.map_or(root.span.start, |n| n.span.start),
                message: match other {
                    Some(k) => format!("$kind is {k:?}, expected {}", kinds.join(" or ")),
                    None => format!("no $kind (expected {})", kinds.join(" or ")),
                },
            },
        )),
    }
}

/// The tree as a JSON export would hold it (names, requests' method, url and auth), for
/// `--keep` expressions: one expression selects the same items in both forms.
fn logical(name: &str, files: &[TreeFile]) -> serde_json::Value {
    use serde_json::{Map, Value as J};
    fn item(f: &TreeFile) -> J {
        let doc = &f.doc.as_ref().expect("parsed").root;
        let mut m = Map::new();
        m.insert(
            "name".into(),
            J::String(f.names.last().cloned().unwrap_or_default()),
        );
        let auth = doc.get("auth").map(to_json);
        if f.role == Role::Folder {
            m.insert("item".into(), J::Array(vec![]));
            if let Some(a) = auth {
                m.insert("auth".into(), a);
            }
        } else {
            let mut r = Map::new();
            for k in ["method", "url"] {
                if let Some(v) = doc.get(k) {
                    r.insert(k.into(), to_json(v));
                }
            }
            if let Some(a) = auth {
                r.insert("auth".into(), a);
            }
            m.insert("request".into(), J::Object(r));
        }
        J::Object(m)
    }
    let mut root = serde_json::json!({"info": {"name": name}, "item": []});
    for f in files
        .iter()
        .filter(|f| matches!(f.role, Role::Folder | Role::Request))
    {
        let mut at = &mut root;
        for &i in &f.index[..f.index.len() - 1] {
            at = &mut at["item"][i];
        }
        if let Some(items) = at["item"].as_array_mut() {
            items.push(item(f));
        }
    }
    root
}

fn to_json(n: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &n.value {
        Value::Map(m) => J::Object(
            m.iter()
                .map(|e| {
                    (
                        e.key.as_str().unwrap_or_default().to_string(),
                        to_json(&e.value),
                    )
                })
                .collect(),
        ),
        Value::Seq(s) => {
            // A v3 auth list of one entry reads as that entry (as in a JSON export).
            J::Array(s.iter().map(to_json).collect())
        }
        Value::Scalar { text, .. } => J::String(text.clone()),
        Value::Alias => J::Null,
    }
}

/// What a plan does to a tree.
pub struct TreePlan {
    /// Only files that change, children first and the root definition last.
    pub files: Vec<FileEdits>,
    pub root_auth_before: String,
    pub outcome: Outcome,
}

/// Plans the root auth and inheritance edits of every file of `tree`.
pub fn plan(
    tree: &Tree,
    want: &AuthBlock,
    policy: Policy,
    list_changed: bool,
) -> Result<TreePlan, TreeError> {
    let mut files = Vec::new();
    let mut outcome = Outcome::default();
    let mut root_edits = None;
    let mut before = String::new();
    let own = tree.own_variables(Some(want.token_text()));
    for (i, f) in tree.files.iter().enumerate() {
        let Some(doc) = &f.doc else { continue };
        let mut edits = Edits::default();
        match f.role {
            Role::Root => {
                before = patch_root(&f.bytes, doc, want, &mut edits)
                    .map_err(|e| at(&f.path, &f.bytes, e))?;
            }
            Role::Folder | Role::Request => {
                child(
                    f,
                    doc,
                    policy,
                    &tree.keep.set,
                    &own,
                    &mut edits,
                    &mut outcome,
                    list_changed,
                )?;
            }
            Role::Other => {}
        }
        let edits = edits
            .sorted()
            .map_err(|m| bad(&f.path, m, "please report this"))?;
        if crate::splice::changes(&f.bytes, &edits) {
            let e = FileEdits { file: i, edits };
            if f.role == Role::Root {
                root_edits = Some(e);
            } else {
                files.push(e);
            }
        }
    }
    files.extend(root_edits);
    Ok(TreePlan {
        files,
        root_auth_before: before,
        outcome,
    })
}

/// The edits of one file alone, from what it holds now (for a file that another run changed
/// meanwhile).
pub fn plan_file(
    f: &TreeFile,
    want: &AuthBlock,
    policy: Policy,
    keep: &KeepSet,
    own: &[String],
) -> Result<Vec<Edit>, TreeError> {
    let doc = yaml::read(&f.bytes).map_err(|e| at(&f.path, &f.bytes, e))?;
    let mut edits = Edits::default();
    if f.role == Role::Root {
        patch_root(&f.bytes, &doc, want, &mut edits).map_err(|e| at(&f.path, &f.bytes, e))?;
    } else if matches!(f.role, Role::Folder | Role::Request) {
        child(
            f,
            &doc,
            policy,
            keep,
            own,
            &mut edits,
            &mut Outcome::default(),
            false,
        )?;
    }
    edits
        .sorted()
        .map_err(|m| bad(&f.path, m, "please report this"))
}

/// The edits a file of a tree gets (the root definition when `root`, else a folder or request
/// made to inherit under [`Policy::All`]), from its bytes alone: for fuzzing and tests.
pub fn plan_bytes(bytes: &[u8], root: bool, want: &RootAuth) -> Result<Vec<Edit>, Failure> {
    let want = &AuthBlock::Token(want.clone());
    let name = if root {
        "definition.yaml"
    } else {
        "x.request.yaml"
    };
    let f = TreeFile {
        file: DocFile {
            path: PathBuf::from(name),
            bytes: bytes.to_vec(),
            stamp: crate::atomic::Stamp::absent(),
            folder: 0,
            name: name.into(),
            stat: None,
        },
        doc: None,
        role: if root { Role::Root } else { Role::Request },
        index: vec![0],
        names: vec!["x".into()],
    };
    plan_file(&f, want, Policy::All, &KeepSet::default(), &[])
}

/// How a child's own auth reads (as in the JSON export).
enum Own<'a> {
    InheritMarker,
    Token,
    /// `oauth2` or `bearer` sending another variable: a deliberate identity.
    Identity(String),
    Other(&'a str),
}

/// The type of an auth value: a mapping `{type}` or a list of one entry.
pub fn auth_type(auth: &Node) -> Option<&str> {
    match &auth.value {
        Value::Map(_) => auth.get("type").and_then(Node::as_str),
        Value::Seq(s) if s.len() == 1 => s[0].get("type").and_then(Node::as_str),
        _ => None,
    }
}

fn classify<'a>(auth: &'a Node, own: &[String]) -> Own<'a> {
    if auth.is_null() {
        return Own::InheritMarker;
    }
    match auth_type(auth) {
        None | Some("inherit" | "") => Own::InheritMarker,
        Some(ty @ ("oauth2" | "bearer")) => {
            let key = if ty == "bearer" {
                "token"
            } else {
                "accessToken"
            };
            let sent = credential(auth_entry(auth), key);
            match other_identity(sent.as_deref(), own) {
                Some(name) => Own::Identity(name),
                None => Own::Token,
            }
        }
        Some(other) => Own::Other(other),
    }
}

/// The auth entry of an auth value: the mapping itself, or a list's one entry.
fn auth_entry(auth: &Node) -> &Node {
    match &auth.value {
        Value::Seq(s) if s.len() == 1 => &s[0],
        _ => auth,
    }
}

/// The text of credential `key` of an auth entry, with credentials as a map or a list of
/// `{key, value}`.
fn credential(entry: &Node, key: &str) -> Option<String> {
    let creds = entry.get("credentials")?;
    match &creds.value {
        Value::Map(_) => creds.get(key).and_then(Node::as_str).map(str::to_string),
        Value::Seq(items) => items
            .iter()
            .find(|i| i.get("key").and_then(Node::as_str) == Some(key))
            .and_then(|i| i.get("value"))
            .and_then(Node::as_str)
            .map(str::to_string),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn child(
    f: &TreeFile,
    doc: &Doc,
    policy: Policy,
    keep: &KeepSet,
    own: &[String],
    edits: &mut Edits,
    out: &mut Outcome,
    list_changed: bool,
) -> Result<(), TreeError> {
    let assigned = keep.assigned(&f.index);
    if policy == Policy::None && assigned.is_none() {
        return Ok(());
    }
    let folder = f.role == Role::Folder;
    let path = f.names.join(" / ");
    if (1..f.index.len()).any(|n| keep.contains(&f.index[..n])) {
        return Ok(()); // under a kept folder
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
        assign(f, doc, var, own, edits)?;
        out.kept.push(Kept {
            path,
            folder,
            reason: format!("sends {{{{{var}}}}}, as assigned"),
            sends: Some(var.to_string()),
        });
        return Ok(());
    }
    let Some(entry) = doc.root.entry("auth") else {
        return Ok(());
    };
    let remove = match (policy, classify(&entry.value, own)) {
        (Policy::All, _) | (_, Own::InheritMarker | Own::Token) => true,
        (_, Own::Identity(name)) => {
            out.kept.push(Kept {
                path,
                folder,
                reason: identity_reason(&name),
                sends: Some(name),
            });
            return Ok(());
        }
        (_, Own::Other(kind)) => {
            out.kept.push(Kept {
                path,
                folder,
                reason: format!("has its own {kind} auth"),
                sends: None,
            });
            return Ok(());
        }
    };
    if remove {
        if let Some((offset, what)) = entry.value.find_unsafe() {
            return Err(at(
                &f.path,
                &f.bytes,
                YamlError {
                    offset,
                    message: format!(
                        "this auth block holds {what}, so it cannot be removed safely"
                    ),
                },
            ));
        }
        if doc.root.as_map().is_some_and(|m| m.len() == 1) {
            // A file of `auth` alone would be left as nothing (null), not an empty mapping.
            return Err(at(
                &f.path,
                &f.bytes,
                YamlError {
                    offset: entry.key.span.start,
                    message: "auth is the file's only key, so removing it would leave no \
                              mapping; a v3 file starts with $kind"
                        .into(),
                },
            ));
        }
        yedit::delete_entry(&f.bytes, entry, edits).map_err(|e| at(&f.path, &f.bytes, e))?;
        if list_changed {
            out.changed.push(Kept {
                path,
                folder,
                reason: auth_type(&entry.value)
                    .unwrap_or("inherit marker")
                    .to_string(),
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

/// What keeps an auth block from being edited line by line: something that holds an anchor,
/// alias, tag or merge key (`Unsafe`, with what), or flow style (`Flow`).
enum Uneditable {
    Unsafe(usize, &'static str),
    Flow(usize),
}

fn uneditable(auth: &Node) -> Option<Uneditable> {
    if let Some((offset, what)) = auth.find_unsafe() {
        return Some(Uneditable::Unsafe(offset, what));
    }
    let flow = match &auth.value {
        Value::Seq(items) => auth.flow || items.iter().any(|i| i.flow),
        _ => auth.flow,
    };
    flow.then_some(Uneditable::Flow(auth.span.start))
}

/// Makes the folder or request of `f` send `{{var}}` (`--assign`): the token credential of its
/// own `bearer` or `oauth2` auth set, else its auth made `bearer` (or added).
fn assign(
    f: &TreeFile,
    doc: &Doc,
    var: &str,
    own: &[String],
    edits: &mut Edits,
) -> Result<(), TreeError> {
    let src = &f.bytes;
    let refuse = |offset: usize, message: String| {
        at(
            &f.path,
            src,
            YamlError {
                offset,
                message: format!("--assign: {} {message}", f.names.join(" / ")),
            },
        )
    };
    if undefined(f) {
        return Err(bad(
            &f.path,
            format!(
                "--assign: {} has no .resources/definition.yaml to hold its auth",
                f.names.join(" / ")
            ),
            "create it ($kind: collection) and run again",
        ));
    }
    if own.iter().any(|o| o == var) {
        return Err(refuse(
            0,
            format!(
                "would send {{{{{var}}}}}, the collection's own variable, which it inherits as it \
                 is; assign another variable"
            ),
        ));
    }
    let sent = crate::json::edit::json_string(&format!("{{{{{var}}}}}"));
    let unit = yedit::indent_unit(src, &doc.root);
    let nl = doc.newline;
    let block = |inner: &str| {
        vec![
            format!("{inner}type: bearer"),
            format!("{inner}credentials:"),
            format!("{inner}{unit}token: {}", scalar_of_json(&sent)),
        ]
    };
    let Some(entry) = doc.root.entry("auth") else {
        let mut lines = vec!["auth:".to_string()];
        lines.extend(block(&unit));
        return yedit::append_entries(src, &doc.root, &lines, nl, edits)
            .map_err(|e| at(&f.path, src, e));
    };
    match uneditable(&entry.value) {
        Some(Uneditable::Unsafe(offset, what)) => {
            return Err(refuse(
                offset,
                format!("has an auth that holds {what}, which postman-cognito does not edit"),
            ));
        }
        Some(Uneditable::Flow(offset)) => {
            return Err(refuse(
                offset,
                "has an auth in flow style ({...} or [...]), which postman-cognito does not \
                 edit; write it in block style"
                    .into(),
            ));
        }
        None => {}
    }
    let map = match &entry.value.value {
        Value::Map(_) => Some(&entry.value),
        Value::Seq(items) if items.len() == 1 && items[0].as_map().is_some() => Some(&items[0]),
        _ => None,
    };
    if let Some(map) = map
        && let Some(ty @ ("bearer" | "oauth2")) = map.get("type").and_then(Node::as_str)
        && let Some(creds) = map.entry("credentials")
        && (creds.value.as_map().is_some() || creds.value.as_seq().is_some())
    {
        let key = if ty == "bearer" {
            "token"
        } else {
            "accessToken"
        };
        return patch_credentials(src, creds, &[(key.to_string(), sent)], nl, edits)
            .map_err(|e| at(&f.path, src, e));
    }
    yedit::replace_value(src, entry, &block(""), &unit, nl, edits).map_err(|e| at(&f.path, src, e))
}

/// Adds to `edits` what makes the root auth `auth`, in the file's shape.
fn patch_root(
    src: &[u8],
    doc: &Doc,
    auth: &AuthBlock,
    edits: &mut Edits,
) -> Result<String, YamlError> {
    match auth {
        AuthBlock::Token(want) => patch_root_token(src, doc, want, edits),
        AuthBlock::AwsV4(want) => patch_root_awsv4(src, doc, want, edits),
    }
}

/// The root auth made `awsv4` with `want`'s params: left as it is when it already holds them,
/// else replaced whole (a mapping `{type, credentials}`), or added.
fn patch_root_awsv4(
    src: &[u8],
    doc: &Doc,
    want: &crate::collection::AwsV4Auth,
    edits: &mut Edits,
) -> Result<String, YamlError> {
    let unit = yedit::indent_unit(src, &doc.root);
    let nl = doc.newline;
    let params: Vec<(String, String)> = want
        .params()
        .into_iter()
        .map(|(k, v)| (k.to_string(), crate::json::edit::json_string(&v)))
        .collect();
    let mut block = vec!["type: awsv4".to_string(), "credentials:".to_string()];
    block.extend(param_lines(&params, &unit));
    let Some(entry) = doc.root.entry("auth") else {
        let mut lines = vec!["auth:".to_string()];
        lines.extend(block.iter().map(|l| format!("{unit}{l}")));
        yedit::append_entries(src, &doc.root, &lines, nl, edits)?;
        return Ok("none (no auth key)".into());
    };
    let map = match entry.value.as_seq() {
        Some([one]) => one,
        _ => &entry.value,
    };
    let previous = map
        .get("type")
        .and_then(Node::as_str)
        .unwrap_or("none (no type)")
        .to_string();
    let holds = previous == "awsv4"
        && want
            .params()
            .iter()
            .all(|(k, v)| credential(map, k).as_deref() == Some(v.as_str()));
    if holds {
        return Ok(previous);
    }
    root_editable(&entry.value)?;
    yedit::replace_value(src, entry, &block, &unit, nl, edits)?;
    Ok(previous)
}

/// The collection's auth can be edited line by line, or the refusal with its place.
fn root_editable(auth: &Node) -> Result<(), YamlError> {
    match uneditable(auth) {
        Some(Uneditable::Unsafe(offset, what)) => Err(YamlError {
            offset,
            message: format!(
                "the collection's auth holds {what}, which postman-cognito does not edit; write \
                 the auth block in plain block style (type: and credentials: on their own lines)"
            ),
        }),
        Some(Uneditable::Flow(offset)) => Err(YamlError {
            offset,
            message: "the collection's auth is written in flow style ({...} or [...]), which \
                      postman-cognito does not edit; write it in block style (type: and \
                      credentials: on their own lines)"
                .into(),
        }),
        None => Ok(()),
    }
}

/// Adds to `edits` what makes the root auth OAuth 2.0 with the token, in the file's shape.
fn patch_root_token(
    src: &[u8],
    doc: &Doc,
    want: &RootAuth,
    edits: &mut Edits,
) -> Result<String, YamlError> {
    let unit = yedit::indent_unit(src, &doc.root);
    let nl = doc.newline;
    let params = wanted_params(want);
    let Some(entry) = doc.root.entry("auth") else {
        let mut lines = vec![
            "auth:".to_string(),
            format!("{unit}type: oauth2"),
            format!("{unit}credentials:"),
        ];
        lines.extend(param_lines(&params, &format!("{unit}{unit}")));
        yedit::append_entries(src, &doc.root, &lines, nl, edits)?;
        return Ok("none (no auth key)".into());
    };
    if entry.value.is_null() {
        let mut lines = vec!["type: oauth2".to_string(), "credentials:".to_string()];
        lines.extend(param_lines(&params, &unit));
        yedit::replace_value(src, entry, &lines, &unit, nl, edits)?;
        return Ok("null".into());
    }
    root_editable(&entry.value)?;
    match &entry.value.value {
        Value::Map(_) => patch_entry(src, &entry.value, &params, &unit, nl, edits),
        Value::Seq(items) if items.len() == 1 && items[0].as_map().is_some() => {
            patch_entry(src, &items[0], &params, &unit, nl, edits)
        }
        Value::Seq(items) if items.len() > 1 => Err(YamlError {
            offset: items[1].span.start,
            message: "the collection's auth lists more than one entry; Postman uses one".into(),
        }),
        _ => Err(YamlError {
            offset: entry.value.span.start,
            message: "the collection's auth is not a mapping {type, credentials} or a list of \
                      one such entry"
                .into(),
        }),
    }
}

fn param_lines(params: &[(String, String)], indent: &str) -> Vec<String> {
    params
        .iter()
        .map(|(k, v)| format!("{indent}{k}: {}", scalar_of_json(v)))
        .collect()
}

/// The auth entry `{type, credentials}` (a mapping) made OAuth 2.0 with the token.
fn patch_entry(
    src: &[u8],
    map: &Node,
    params: &[(String, String)],
    unit: &str,
    nl: &str,
    edits: &mut Edits,
) -> Result<String, YamlError> {
    let ty = map.get("type");
    let previous = match ty {
        None => "none (no type)".to_string(),
        Some(t) => t.as_str().unwrap_or("null").to_string(),
    };
    let oauth = previous == "oauth2";
    let mut appended = Vec::new();
    match map.entry("type") {
        Some(t) if !oauth => yedit::set_value(src, t, "oauth2", edits)?,
        Some(_) => {}
        None => appended.push("type: oauth2".to_string()),
    }
    let creds = map.entry("credentials");
    let as_list = creds.is_some_and(|c| c.value.as_seq().is_some());
    match creds {
        None => {
            appended.push("credentials:".into());
            appended.extend(param_lines(params, unit));
        }
        Some(c) if !oauth || c.value.is_null() => {
            let lines: Vec<String> = if as_list {
                params
                    .iter()
                    .flat_map(|(k, v)| {
                        [
                            format!("- key: {k}"),
                            format!("  value: {}", scalar_of_json(v)),
                        ]
                    })
                    .collect()
            } else {
                param_lines(params, "")
            };
            yedit::replace_value(src, c, &lines, unit, nl, edits)?;
        }
        Some(c) => patch_credentials(src, c, params, nl, edits)?,
    }
    if !appended.is_empty() {
        yedit::append_entries(src, map, &appended, nl, edits)?;
    }
    Ok(previous)
}

/// Sets each param in OAuth 2.0 credentials, a mapping or a list of `{key, value}`.
fn patch_credentials(
    src: &[u8],
    entry: &Entry,
    params: &[(String, String)],
    nl: &str,
    edits: &mut Edits,
) -> Result<(), YamlError> {
    let creds = &entry.value;
    // Every entry of a key (a list may repeat one; the last is the one in force).
    let lookup = |key: &str| -> Vec<&Entry> {
        match &creds.value {
            Value::Map(_) => creds.entry(key).into_iter().collect(),
            Value::Seq(items) => items
                .iter()
                .filter(|i| i.get("key").and_then(Node::as_str) == Some(key))
                .filter_map(|i| i.entry("value"))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut missing = Vec::new();
    for (k, v) in params {
        let acceptable = |n: &Node| match k.as_str() {
            "tokenType" => n.as_str().is_some() && !n.is_null(),
            "addTokenTo" => matches!(n.as_str(), Some("header" | "queryParams")),
            _ => holds(n, v),
        };
        let found = lookup(k);
        if found.is_empty() {
            missing.push((k, v));
        }
        for e in found {
            if !acceptable(&e.value) {
                yedit::set_value(src, e, &scalar_of_json(v), edits)?;
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    match &creds.value {
        Value::Seq(_) => {
            let items: Vec<Vec<String>> = missing
                .iter()
                .map(|(k, v)| vec![format!("key: {k}"), format!("value: {}", scalar_of_json(v))])
                .collect();
            yedit::append_items(src, entry, &items, nl, edits)
        }
        _ => {
            let lines: Vec<String> = missing
                .iter()
                .map(|(k, v)| format!("{k}: {}", scalar_of_json(v)))
                .collect();
            yedit::append_entries(src, creds, &lines, nl, edits)
        }
    }
}

/// What the root's token auth sends as it is: an `oauth2` auth's `accessToken` or a `bearer`
/// auth's `token`.
fn root_sends(doc: &Doc) -> Option<String> {
    let entry = auth_entry(doc.root.get("auth")?);
    match entry.get("type").and_then(Node::as_str)? {
        "oauth2" => credential(entry, "accessToken"),
        "bearer" => credential(entry, "token"),
        _ => None,
    }
}

/// The root's OAuth 2.0 `accessToken`, when the root auth is OAuth 2.0.
pub fn root_access_token(doc: &Doc) -> Option<String> {
    let entry = auth_entry(doc.root.get("auth")?);
    if entry.get("type").and_then(Node::as_str) != Some("oauth2") {
        return None;
    }
    credential(entry, "accessToken")
}

/// Checks written bytes of a tree file: YAML, still its kind, and for the root an OAuth 2.0
/// auth holding `token` (a safety net against bugs: only what passes is renamed into place).
pub fn verify(bytes: &[u8], role: Role, token: &str) -> Result<(), String> {
    let doc = yaml::read(bytes).map_err(|e| e.message)?;
    if doc.root.get("$kind").is_none() {
        return Err("its $kind is gone".into());
    }
    if role == Role::Root && root_access_token(&doc).as_deref() != Some(token) {
        return Err("its auth is not OAuth 2.0 with the token".into());
    }
    Ok(())
}

impl Tree {
    /// The collection's own token variables (see [`super::inherit::own_variables`]), when its
    /// auth is made to send `writing`.
    fn own_variables(&self, writing: Option<&str>) -> Vec<String> {
        let current = self.files[0].doc.as_ref().and_then(root_sends);
        super::inherit::own_variables(current.as_deref(), writing)
    }

    /// Whether the collection defines variable `name` (`variables:` as a mapping or a list of
    /// `{key, value}`).
    pub fn defines_variable(&self, name: &str) -> bool {
        let Some(vars) = self.files[0]
            .doc
            .as_ref()
            .and_then(|d| d.root.get("variables"))
        else {
            return false;
        };
        match &vars.value {
            Value::Map(_) => vars.get(name).is_some(),
            Value::Seq(items) => items.iter().any(|i| {
                i.get("key").and_then(Node::as_str) == Some(name)
                    && i.get("disabled").and_then(Node::as_str) != Some("true")
            }),
            _ => false,
        }
    }
}

/// Every entry of a tree file's auth, for reports: the type (`None` when there is no auth key).
pub fn own_auth(f: &TreeFile) -> Option<&Entry> {
    f.doc.as_ref()?.root.entry("auth")
}

/// Checks a v3 collection folder as `check` checks a JSON export.
pub fn check_tree(tree: &Tree, c: &CheckSettings) -> Vec<Problem> {
    let (policy, min_ttl_secs, now) = (c.policy, c.min_ttl_secs, c.now);
    let root = tree.files[0].doc.as_ref();
    let auth = root.and_then(|d| d.root.get("auth"));
    let entry = auth.map(|a| match a.as_seq() {
        Some([one]) => one,
        _ => a,
    });
    let mut found = match entry {
        None => problems::root(None, None, None, min_ttl_secs, now),
        Some(e) if e.is_null() => problems::root(None, None, None, min_ttl_secs, now),
        Some(e) => {
            let creds = e.get("credentials");
            let param = |k: &str| -> Option<String> {
                let c = creds?;
                match c.as_seq() {
                    Some(items) => items
                        .iter()
                        .find(|i| i.get("key").and_then(|n| n.as_str()) == Some(k))
                        .and_then(|i| i.get("value"))
                        .and_then(|n| n.as_str())
                        .map(str::to_string),
                    None => c.get(k).and_then(|n| n.as_str()).map(str::to_string),
                }
            };
            let ty = e.get("type").and_then(|n| n.as_str()).unwrap_or("(none)");
            let mut found = problems::root(
                Some(ty),
                param("accessToken").as_deref(),
                param("addTokenTo").as_deref(),
                min_ttl_secs,
                now,
            );
            if ty == "awsv4" {
                found.extend(problems::awsv4_literals(|k| credential(e, k)));
            }
            found
        }
    };
    if let Some(doc) = root {
        found.extend(unread_values(
            &tree.files[0].path,
            &tree.files[0].bytes,
            doc,
        ));
    }
    let want = AuthBlock::Token(RootAuth {
        token: "{{token}}",
        header_prefix: None,
        extra: &[],
    });
    match plan(tree, &want, policy, true) {
        Ok(planned) => {
            found.extend(planned.outcome.changed.iter().map(problems::child));
            // As for a JSON export: under `none` the identities are the ones `tokens` keeps.
            let kept = match policy {
                Policy::None => plan(tree, &want, Policy::Tokens, true)
                    .map(|p| p.outcome.kept)
                    .unwrap_or_default(),
                _ => planned.outcome.kept,
            };
            found.extend(problems::undeclared(&kept, c.identities, |name| {
                tree.defines_variable(name)
            }));
        }
        Err(f) => found.push(Problem::new(
            "collection",
            format!("cannot be refreshed: {}", f.message),
        )),
    }
    found
}

/// What YAML makes of a plain scalar as the Postman CLI reads it (YAML 1.2's core schema and
/// timestamps): `None` for a string, else the kind of value it is.
fn plain_kind(text: &str) -> Option<&'static str> {
    let t = text.trim();
    let digits =
        |s: &str, ok: fn(char) -> bool| !s.is_empty() && s.chars().all(|c| ok(c) || c == '_');
    let unsigned = t.trim_start_matches(['+', '-']);
    let number = || {
        let (mantissa, exp) = match unsigned.split_once(['e', 'E']) {
            Some((m, e)) => (m, Some(e.trim_start_matches(['+', '-']))),
            None => (unsigned, None),
        };
        let mantissa_ok = match mantissa.split_once('.') {
            Some((a, b)) => {
                (a.is_empty() || digits(a, |c| c.is_ascii_digit()))
                    && (b.is_empty() || digits(b, |c| c.is_ascii_digit()))
                    && !(a.is_empty() && b.is_empty())
            }
            None => digits(mantissa, |c| c.is_ascii_digit()),
        };
        mantissa_ok && exp.is_none_or(|e| digits(e, |c| c.is_ascii_digit()))
    };
    let date = |s: &str| {
        let b = s.as_bytes();
        b.len() >= 8
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4] == b'-'
            && s[5..].split_once('-').is_some_and(|(m, rest)| {
                (1..=2).contains(&m.len())
                    && m.chars().all(|c| c.is_ascii_digit())
                    && rest.chars().take_while(char::is_ascii_digit).count() >= 1
            })
    };
    match t {
        "" | "~" | "null" | "Null" | "NULL" => Some("null"),
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => Some("a boolean"),
        _ if matches!(unsigned, ".inf" | ".Inf" | ".INF")
            || matches!(t, ".nan" | ".NaN" | ".NAN") =>
        {
            Some("a number")
        }
        _ if unsigned
            .strip_prefix("0x")
            .is_some_and(|h| digits(h, |c| c.is_ascii_hexdigit()))
            || unsigned
                .strip_prefix("0o")
                .is_some_and(|o| digits(o, |c| ('0'..='7').contains(&c)))
            || unsigned
                .strip_prefix("0b")
                .is_some_and(|b| digits(b, |c| c == '0' || c == '1'))
            || number() =>
        {
            Some("a number")
        }
        _ if date(t) => Some("a date"),
        _ => None,
    }
}

/// The values of the root definition that the Postman CLI cannot take: a variable whose value is
/// not a string (an unquoted date, number, boolean or null, a tagged or nested value) makes it
/// ignore the whole file, its auth and variables with it, without a word; an auth credential
/// that is not a string is not sent. Measured with the Postman CLI 1.34.
fn unread_values(path: &Path, bytes: &[u8], doc: &Doc) -> Vec<Problem> {
    let place = |n: &Node| {
        let (line, col) = crate::yaml::line_col(bytes, n.span.start);
        format!("{}:{line}:{col}", path.shown())
    };
    let kind = |n: &Node| -> Option<&'static str> {
        if n.marked {
            return Some("a tagged value");
        }
        match &n.value {
            Value::Scalar {
                text,
                style: crate::yaml::Style::Plain,
            } => plain_kind(text),
            Value::Scalar { .. } => None,
            Value::Map(_) => Some("a mapping"),
            Value::Seq(_) => Some("a list"),
            Value::Alias => Some("an alias"),
        }
    };
    let mut out = Vec::new();
    if let Some(Value::Map(vars)) = doc.root.get("variables").map(|v| &v.value) {
        for e in vars {
            if let Some(k) = kind(&e.value) {
                let name = e.key.as_str().unwrap_or("(a variable)");
                out.push(Problem {
                    place: place(&e.value),
                    message: format!(
                        "variable {name} is {k}, not a string, and the Postman CLI then ignores \
                         this whole file: the collection's auth and variables are not used, \
                         and no request sends the token"
                    ),
                    hint: Some("quote the value (name: \"2020-09-29T17:48:00.000Z\")"),
                });
            }
        }
    }
    let entry = doc.root.get("auth").map(|a| match a.as_seq() {
        Some([one]) => one,
        _ => a,
    });
    if let Some(Value::Map(creds)) = entry.and_then(|e| e.get("credentials")).map(|c| &c.value) {
        for e in creds {
            if let Some(k) = kind(&e.value) {
                let name = e.key.as_str().unwrap_or("(a credential)");
                out.push(Problem {
                    place: place(&e.value),
                    message: format!(
                        "the auth's {name} is {k}, not a string, and the Postman CLI then sends \
                         no Authorization header"
                    ),
                    hint: Some("quote the value"),
                });
            }
        }
    }
    out
}

/// Checks one file of a v3 collection on its own (the pre-push hook sees files, not trees): a
/// collection definition with a `name` is the root, whose auth is checked; any other file is
/// a folder or request, which must not hold a token copy or an inherit marker.
pub fn check_tree_file(
    doc: &crate::yaml::Doc,
    (path, bytes): (&Path, &[u8]),
    policy: Policy,
    min_ttl_secs: i64,
    now: i64,
) -> Vec<Problem> {
    let root = &doc.root;
    let place = path.shown().to_string();
    let place = place.as_str();
    if root.merge_key().is_some() {
        return vec![Problem::new(
            place,
            "has a YAML merge key (<<) at the top level, which could bring an auth block that \
             the Postman CLI sends and no check can see; write the keys out",
        )];
    }
    // The Postman CLI takes the definition at the top of a tree for the collection's; alone, a
    // file shows it by its `name` and no `order` (every folder has an order; `collection
    // migrate` gives a folder whose name holds `/` a `name` too).
    let is_root = root.get("$kind").and_then(|k| k.as_str()) == Some("collection")
        && root.get("name").is_some()
        && root.get("order").is_none();
    if is_root {
        let tree_like = root_access_token(doc);
        let entry = root.get("auth").map(|a| match a.as_seq() {
            Some([one]) => one,
            _ => a,
        });
        let add_to = entry
            .and_then(|e| e.get("credentials"))
            .and_then(|c| c.get("addTokenTo"))
            .and_then(|n| n.as_str());
        let mut found = problems::root(
            entry.map(|e| e.get("type").and_then(|n| n.as_str()).unwrap_or("(none)")),
            tree_like.as_deref(),
            add_to,
            min_ttl_secs,
            now,
        );
        found.extend(unread_values(path, bytes, doc));
        return found;
    }
    let Some(auth) = root.get("auth") else {
        return Vec::new();
    };
    let ty = if auth.is_null() {
        None
    } else {
        auth_type(auth)
    };
    // Alone, the file does not say what the root sends: `token` is the collection's own.
    let own = super::inherit::own_variables(None, None);
    if policy != Policy::All && matches!(classify(auth, &own), Own::Identity(_)) {
        return Vec::new();
    }
    let reason = match (policy, ty) {
        (Policy::None, _) => return Vec::new(),
        (_, None | Some("inherit" | "")) => "inherit",
        (_, Some(t @ ("oauth2" | "bearer"))) => t,
        (Policy::All, Some(t)) => t,
        (Policy::Tokens, Some(_)) => return Vec::new(),
    };
    vec![problems::child(&Kept {
        path: place.to_string(),
        folder: root.get("$kind").and_then(|k| k.as_str()) == Some("collection"),
        reason: reason.to_string(),
        sends: None,
    })]
}

impl Document for Tree {
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
        self.files[0].doc.as_ref().and_then(root_access_token)
    }

    fn defines_variable(&self, name: &str) -> bool {
        Tree::defines_variable(self, name)
    }

    fn plan(
        &self,
        auth: &AuthBlock,
        policy: Policy,
        list_changed: bool,
    ) -> Result<Planned, Failure> {
        let p = plan(self, auth, policy, list_changed)?;
        Ok(Planned {
            files: p.files,
            root_auth_before: p.root_auth_before,
            outcome: p.outcome,
        })
    }

    fn replan(
        &self,
        file: usize,
        bytes: &[u8],
        auth: &AuthBlock,
        policy: Policy,
    ) -> Result<Vec<Edit>, Failure> {
        let want = auth;
        let old = &self.files[file];
        let f = TreeFile {
            file: DocFile {
                path: old.path.clone(),
                bytes: bytes.to_vec(),
                stamp: old.stamp.clone(),
                folder: old.folder,
                name: old.name.clone(),
                stat: old.stat,
            },
            doc: None,
            role: old.role,
            index: old.index.clone(),
            names: old.names.clone(),
        };
        plan_file(
            &f,
            want,
            policy,
            &self.keep.set,
            &self.own_variables(Some(want.token_text())),
        )
    }

    fn verify(&self, file: usize, bytes: &[u8], auth: Option<&AuthBlock>) -> Result<(), String> {
        let role = self.files[file].role;
        match auth {
            Some(AuthBlock::AwsV4(_)) if role == Role::Root => {
                let doc = yaml::read(bytes).map_err(|e| e.message)?;
                let auth = doc.root.get("auth").map(|a| match a.as_seq() {
                    Some([one]) => one,
                    _ => a,
                });
                let sends = auth.and_then(|a| credential(a, "accessKey"));
                let ty = auth.and_then(auth_type);
                if ty != Some("awsv4") || sends.as_deref() != Some("{{aws_access_key_id}}") {
                    return Err("its auth is not awsv4 with the credentials' variables".into());
                }
                Ok(())
            }
            Some(a) => verify(bytes, role, a.token_text()),
            None if role == Role::Other => yaml::read(bytes).map(|_| ()).map_err(|e| e.message),
            None => verify(bytes, Role::Folder, ""),
        }
    }

    fn problems(&self, c: &CheckSettings) -> Vec<Problem> {
        check_tree(self, c)
    }

    fn live_tokens(&self, replacement: &str) -> Result<Vec<FileTokens>, Failure> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let parsed;
                let doc = match &f.doc {
                    Some(d) => d,
                    None => {
                        parsed = parse_any(&f.path, &f.bytes)?;
                        &parsed
                    }
                };
                let (found, edits) = crate::scrub::find_yaml(&f.bytes, &doc.root, replacement);
                Ok(FileTokens {
                    file: i,
                    found,
                    edits,
                })
            })
            .collect()
    }
}

/// Any YAML file of a tree (a saved example), read for the token search.
fn parse_any(path: &Path, bytes: &[u8]) -> Result<Doc, Failure> {
    yaml::read(bytes).map_err(|e| at(path, bytes, e))
}

/// A YAML file alone: a file of a v3 collection, or a YAML environment or globals file.
enum YamlFile {
    Tree {
        path: PathBuf,
        bytes: Vec<u8>,
        doc: Doc,
    },
    Environment {
        bytes: Vec<u8>,
        doc: Doc,
    },
}

fn one_file(path: &Path, bytes: &[u8]) -> Result<Option<Box<dyn OneFile>>, Failure> {
    if !crate::environment::yaml::is_yaml(path) {
        return Ok(None);
    }
    let doc = parse_any(path, bytes)?;
    if doc.root.get("$kind").is_some() {
        return Ok(Some(Box::new(YamlFile::Tree {
            path: path.to_path_buf(),
            bytes: bytes.to_vec(),
            doc,
        })));
    }
    let bad = |e: YamlError| at(path, bytes, e);
    let doc = crate::environment::yaml::read(bytes).map_err(bad)?;
    if doc.root.get("values").is_none() {
        return Err(bad(YamlError {
            offset: 0,
            message: "this YAML file is neither a v3 collection file ($kind) nor an environment \
                      (values)"
                .into(),
        }));
    }
    Ok(Some(Box::new(YamlFile::Environment {
        bytes: bytes.to_vec(),
        doc,
    })))
}

impl OneFile for YamlFile {
    fn live_tokens(&self, replacement: &str) -> (Vec<Found>, Vec<Edit>) {
        match self {
            YamlFile::Tree { bytes, doc, .. } => {
                crate::scrub::find_yaml(bytes, &doc.root, replacement)
            }
            YamlFile::Environment { bytes, doc } => crate::scrub::find_yaml(bytes, &doc.root, ""),
        }
    }

    fn problems(&self, c: &CheckSettings) -> Option<Vec<Problem>> {
        let YamlFile::Tree { path, doc, bytes } = self else {
            return None;
        };
        Some(check_tree_file(
            doc,
            (path, bytes),
            c.policy,
            c.min_ttl_secs,
            c.now,
        ))
    }
}

/// The v3 collections git tracks under `dir`: the topmost folders whose
/// `.resources/definition.yaml` it tracks.
fn tracked(dir: &Path) -> Vec<PathBuf> {
    let mut trees: Vec<PathBuf> = crate::git::tracked(dir, &["*/.resources/definition.yaml"])
        .into_iter()
        .filter_map(|def| Some(def.parent()?.parent()?.to_path_buf()))
        .filter(|t| {
            let parent = t
                .parent()
                .map_or_else(|| dir.to_path_buf(), |p| dir.join(p));
            !is_tree(&parent)
        })
        .collect();
    trees.sort();
    trees.dedup();
    trees
}

fn open(path: &Path, options: Options) -> Result<Box<dyn Document>, Failure> {
    Ok(Box::new(load(
        path,
        options.keep,
        options.assign,
        options.every_file,
    )?))
}

/// File names and marks only the YAML files of Postman v3 carry: a definition in `.resources/`,
/// and `$kind` near the start.
fn looks(path: &Path, bytes: &[u8]) -> bool {
    let definition = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case("definition.yaml"))
        && path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|d| d == ".resources");
    definition
        || super::file::looks_by(
            path,
            bytes,
            &[
                ".request.yaml",
                ".example.yaml",
                ".environment.yaml",
                ".globals.yaml",
            ],
            &[b"$kind"],
        )
}

/// A Postman v3 collection (a folder of YAML files), and its YAML environment and globals files.
pub const FORMAT: Format = Format {
    name: "v3",
    is_document: is_tree,
    open,
    file: one_file,
    looks_like: looks,
    tracked,
    tracked_files: &[
        "*.request.yaml",
        "*/.resources/definition.yaml",
        "*.example.yaml",
        "*.environment.yaml",
        "*.globals.yaml",
    ],
    extensions: &["yaml", "yml"],
    default_variable: None,
};

#[cfg(test)]
mod scalar_tests {
    use super::plain_kind;

    /// Each measured with the Postman CLI 1.34 as a root variable's value: strings are read,
    /// everything else makes it ignore the definition.
    #[test]
    fn plain_scalars_as_the_postman_cli_reads_them() {
        for s in [
            "x",
            "yes",
            "no",
            "on",
            "2020-09",
            "1.2.3",
            "0x",
            "v1",
            "{{token}}",
            "1-2",
        ] {
            assert_eq!(plain_kind(s), None, "{s}");
        }
        for (s, kind) in [
            ("2020-09-29T17:48:00.000Z", "a date"),
            ("2020-09-29", "a date"),
            ("2001-12-14 21:59:43.10 -5", "a date"),
            ("42", "a number"),
            ("-3.5", "a number"),
            ("1e3", "a number"),
            ("1_000", "a number"),
            ("0x1F", "a number"),
            ("0o17", "a number"),
            (".inf", "a number"),
            (".nan", "a number"),
            ("true", "a boolean"),
            ("FALSE", "a boolean"),
            ("null", "null"),
            ("~", "null"),
            ("", "null"),
        ] {
            assert_eq!(plain_kind(s), Some(kind), "{s}");
        }
    }
}

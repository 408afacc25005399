//! A Postman v2.0/v2.1 collection exported as one JSON file: recognised by `info.schema`, read
//! with the strict span scanner, and edited (root auth, inheritance) with span edits that keep
//! every other byte. The format's [`Document`] and [`OneFile`] (a JSON collection, environment or
//! globals file alone).

pub mod auth;
pub mod inherit;

use std::path::{Path, PathBuf};

use crate::collection::file::{self, keep_failure, not_a_collection};
use crate::collection::keep::{self, KeepSet, Resolved};
use crate::collection::{
    AuthBlock, CheckSettings, DocFile, Document, FileEdits, FileTokens, Format, OneFile, Options,
    Planned, Policy, Problem, check as problems,
};
use crate::environment::{self, EnvFile};
use crate::error::{Failure, Malformed as NotACollection};
use crate::folder::Folders;
use crate::json::scan::{self, Node, Object, Plan, ScanError};
use crate::redact::Shown as _;
use crate::scrub::Found;
use crate::splice::Edit;

/// The collection format, from `info.schema`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V2_0,
    V2_1,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2_0 => "v2.0.0",
            Version::V2_1 => "v2.1.0",
        }
    }
}

/// A scanner error as the place and words of a refusal.
pub fn invalid(e: ScanError) -> NotACollection {
    e.into()
}

/// A scanned collection: the bytes' structure where it matters.
#[derive(Debug)]
pub struct Collection {
    pub version: Version,
    pub root: Object,
}

/// Where the scanner is, in collection terms.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Root,
    Items,
    Item,
    Request,
    /// A folder's or request's auth block: only its `type`, and what a token auth sends (its
    /// `bearer` or `oauth2` params), matter here.
    ChildAuth,
    /// The collection's auth block, `info` and item names: kept whole (they are small).
    Whole,
}

struct CollectionPlan;

impl Plan for CollectionPlan {
    type Ctx = Ctx;
    fn root(&self) -> Ctx {
        Ctx::Root
    }
    fn member(&self, ctx: Ctx, key: &str) -> Option<Ctx> {
        match (ctx, key) {
            (Ctx::Root, "info" | "auth" | "variable") => Some(Ctx::Whole),
            // The Postman API's wrapper, `{"collection": {"info": ..., "item": ...}}`, which
            // newman runs: the collection is the inner object.
            (Ctx::Root, "collection") => Some(Ctx::Root),
            (Ctx::Root | Ctx::Item, "item") => Some(Ctx::Items),
            (Ctx::Item, "name") => Some(Ctx::Whole),
            (Ctx::Item | Ctx::Request, "auth") => Some(Ctx::ChildAuth),
            (Ctx::Item, "request") => Some(Ctx::Request),
            (Ctx::ChildAuth, "type" | "bearer" | "oauth2") => Some(Ctx::Whole),
            (Ctx::Whole, _) => Some(Ctx::Whole),
            _ => None,
        }
    }
    fn sparse(&self, ctx: Ctx) -> bool {
        // Folders and requests are most of a file: keep only the members read here.
        matches!(ctx, Ctx::Item | Ctx::Request | Ctx::ChildAuth)
    }
    fn element(&self, ctx: Ctx) -> Option<Ctx> {
        match ctx {
            Ctx::Items => Some(Ctx::Item),
            Ctx::Whole => Some(Ctx::Whole),
            _ => None,
        }
    }
}

const SCHEMA_V2_0: &str = "https://schema.getpostman.com/json/collection/v2.0.0/collection.json";
const SCHEMA_V2_1: &str = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";

impl Collection {
    /// Whether the collection defines variable `name` (not disabled): newman and the Postman
    /// CLI rank it above a globals file's.
    pub fn defines_variable(&self, name: &str) -> bool {
        let Some(vars) = self.root.get("variable").and_then(Node::as_array) else {
            return false;
        };
        // `"disabled": true` (four bytes) turns a variable off.
        let disabled = |v: &Object| {
            v.get("disabled")
                .is_some_and(|d| d.kind() == scan::Kind::Bool && d.span().end - d.span().start == 4)
        };
        vars.elements
            .iter()
            .filter_map(Node::as_object)
            .any(|v| v.get("key").and_then(Node::as_str) == Some(name) && !disabled(v))
    }
}

/// The collection in a top-level object: itself, or the object of its `collection` member when
/// it has no `info` and that one has (the Postman API's wrapper, as newman reads it).
fn unwrapped(mut top: Object) -> Object {
    let wrapped = top.get("info").is_none()
        && top
            .get("collection")
            .and_then(Node::as_object)
            .is_some_and(|inner| inner.get("info").is_some());
    if wrapped
        && let Some(at) = top.index_of("collection")
        && let Node::Object(inner) = top.members.swap_remove(at).value
    {
        return *inner;
    }
    top
}

/// Scans `bytes` and checks it is a v2.0 or v2.1 collection (also inside the Postman API's
/// `{"collection": ...}` wrapper).
pub fn read(bytes: &[u8]) -> Result<Collection, NotACollection> {
    let scanned = scan::scan(bytes, &CollectionPlan).map_err(invalid)?;
    let root = match scanned.root {
        Node::Object(o) => Box::new(unwrapped(*o)),
        other => {
            return Err(NotACollection {
                offset: Some(other.span().start),
                message: format!(
                    "found {} at the top level, but a Postman collection is an object with \
                     \"info\" and \"item\"",
                    other.kind().described()
                ),
            });
        }
    };
    let version = detect_version(&root)?;
    if let Some(item) = root.get("item")
        && item.as_array().is_none()
    {
        return Err(NotACollection {
            offset: Some(item.span().start),
            message: format!(
                "\"item\" is {}, but it must be an array of folders and requests",
                item.kind().described()
            ),
        });
    }
    Ok(Collection {
        version,
        root: *root,
    })
}

fn detect_version(root: &Object) -> Result<Version, NotACollection> {
    let at = |n: &Node| Some(n.span().start);
    let Some(info) = root.get("info") else {
        let found = if root.get("_postman_variable_scope").is_some() || root.get("values").is_some()
        {
            "a Postman environment or globals file (it has \"values\"), not a collection; \
             pass the collection file instead"
        } else if root.get("requests").is_some() || root.get("order").is_some() {
            "a Postman v1 collection (it has \"requests\" and no \"info\"); open it in the \
             Postman app and export it again as Collection v2.1"
        } else {
            "a JSON object without \"info\", so not a Postman collection; pass a collection \
             exported from Postman (Export > Collection v2.1)"
        };
        return Err(NotACollection {
            offset: Some(root.span.start),
            message: format!("this is {found}"),
        });
    };
    let Some(info) = info.as_object() else {
        return Err(NotACollection {
            offset: at(info),
            message: format!(
                "\"info\" is {}, expected an object",
                info.kind().described()
            ),
        });
    };
    let Some(schema) = info.get("schema") else {
        return Err(NotACollection {
            offset: Some(info.span.start),
            message: format!(
                "\"info\" has no \"schema\", so the collection format is unknown; add \
                 \"schema\": \"{SCHEMA_V2_1}\" (or export the collection again from Postman)"
            ),
        });
    };
    let Some(url) = schema.as_str() else {
        return Err(NotACollection {
            offset: at(schema),
            message: format!(
                "\"info.schema\" is {}, expected the schema URL as a string",
                schema.kind().described()
            ),
        });
    };
    let trimmed = url.trim().trim_end_matches('#');
    let normalized = trimmed.replacen("http://", "https://", 1);
    if normalized == SCHEMA_V2_1 || normalized.contains("/collection/v2.1") {
        Ok(Version::V2_1)
    } else if normalized == SCHEMA_V2_0 || normalized.contains("/collection/v2.0") {
        Ok(Version::V2_0)
    } else {
        Err(NotACollection {
            offset: at(schema),
            message: format!(
                "\"info.schema\" is {url:?}; only collection formats v2.0.0 and v2.1.0 are \
                 supported (export the collection again as Collection v2.1)"
            ),
        })
    }
}

/// Why a patch could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchError {
    /// The collection has a shape that cannot hold the token.
    Input(NotACollection),
    /// A bug: overlapping edits, or a result that does not read back.
    Internal(String),
}

/// A patched collection and what the patch did.
pub struct Patched {
    pub bytes: Vec<u8>,
    pub root_auth_before: String,
    pub outcome: crate::collection::Outcome,
}

/// The edits a patch makes, not yet applied.
pub struct JsonPlanned {
    /// Sorted and non-overlapping.
    pub edits: Vec<crate::json::edit::Edit>,
    pub root_auth_before: String,
    pub outcome: crate::collection::Outcome,
}

/// The root auth and inheritance edits for `src` (already read as `coll`).
pub fn plan(
    src: &[u8],
    coll: &Collection,
    want: &crate::collection::TokenAuth,
    policy: Policy,
    keep: &KeepSet,
) -> Result<JsonPlanned, PatchError> {
    plan_block(
        src,
        coll,
        &AuthBlock::Token(want.clone()),
        policy,
        keep,
        false,
    )
}

/// The root auth `auth` in the shape of the file, its edits added to `edits`; what the root
/// auth was, in words.
fn patch_block(
    src: &[u8],
    coll: &Collection,
    style: &crate::json::edit::Style,
    auth: &AuthBlock,
    edits: &mut crate::splice::Edits,
) -> Result<String, NotACollection> {
    match auth {
        AuthBlock::Token(want) => auth::patch_root(src, coll, style, want, edits),
        AuthBlock::AwsV4(want) => auth::patch_root_awsv4(src, coll, style, want, edits),
    }
}

/// [`plan`] for any root auth block.
fn plan_block(
    src: &[u8],
    coll: &Collection,
    auth: &AuthBlock,
    policy: Policy,
    keep: &KeepSet,
    list_changed: bool,
) -> Result<JsonPlanned, PatchError> {
    let style = crate::json::edit::Style::detect(src, &coll.root);
    let mut edits = crate::splice::Edits::default();
    let before = patch_block(src, coll, &style, auth, &mut edits).map_err(PatchError::Input)?;
    let outcome = inherit::make_inherit(
        src,
        coll,
        policy,
        keep,
        Some(auth.token_text()),
        &mut edits,
        list_changed,
    )
    .map_err(PatchError::Input)?;
    Ok(JsonPlanned {
        edits: edits.sorted().map_err(PatchError::Internal)?,
        root_auth_before: before,
        outcome,
    })
}

/// The root auth and inheritance edits applied to `src` (already read as `coll`). The result
/// always reads back as a collection of the same version, or this is an error.
pub fn patch(
    src: &[u8],
    coll: &Collection,
    want: &crate::collection::TokenAuth,
    policy: Policy,
    keep: &KeepSet,
) -> Result<Patched, PatchError> {
    let planned = plan(src, coll, want, policy, keep)?;
    let bytes = crate::json::edit::apply(src, &planned.edits);
    verify(&bytes, coll.version)?;
    Ok(Patched {
        bytes,
        root_auth_before: planned.root_auth_before,
        outcome: planned.outcome,
    })
}

/// Keeps only what [`verify`] looks at: `info` and the collection's auth.
struct VerifyPlan;

impl Plan for VerifyPlan {
    type Ctx = bool;
    fn root(&self) -> bool {
        false
    }
    fn member(&self, inside: bool, key: &str) -> Option<bool> {
        if !inside && key == "collection" {
            return Some(false);
        }
        (inside || key == "info" || key == "auth").then_some(true)
    }
    fn element(&self, inside: bool) -> Option<bool> {
        inside.then_some(true)
    }
}

/// Checks that patched bytes are strict JSON and a collection of `version` with an oauth2 root
/// auth and an `item` array (a safety net against bugs: a patch only writes what passes).
pub fn verify(bytes: &[u8], version: Version) -> Result<(), PatchError> {
    verify_block(bytes, version, "oauth2")
}

/// [`verify`], the root's auth of type `kind` (`oauth2`, `awsv4`).
pub fn verify_block(bytes: &[u8], version: Version, kind: &str) -> Result<(), PatchError> {
    let bad = |why: String| {
        PatchError::Internal(format!(
            "the result does not read back as a collection ({why})"
        ))
    };
    let root = match scan::scan(bytes, &VerifyPlan) {
        Ok(s) => s.root,
        Err(e) => return Err(bad(e.message)),
    };
    let Node::Object(root) = root else {
        return Err(bad("not an object".into()));
    };
    let root = unwrapped(*root);
    match detect_version(&root) {
        Ok(v) if v == version => {}
        _ => return Err(bad("its format changed".into())),
    }
    let auth_type = root
        .get("auth")
        .and_then(Node::as_object)
        .and_then(|a| a.get("type"))
        .and_then(Node::as_str);
    if auth_type != Some(kind) {
        return Err(bad(format!("its auth is not {kind}")));
    }
    match root.get("item").map(Node::kind) {
        None | Some(scan::Kind::Array) => Ok(()),
        Some(_) => Err(bad("\"item\" is not an array".into())),
    }
}

/// The display name of an item (`name`, or `(unnamed)`).
pub fn item_name(item: &Object) -> &str {
    item.get("name")
        .and_then(Node::as_str)
        .unwrap_or("(unnamed)")
}

/// The value of oauth2 param `key` in an auth object, in either shape (the last entry wins, as
/// in Postman).
fn oauth2_param<'a>(auth: &'a Object, key: &str) -> Option<&'a Node> {
    auth_param(auth, "oauth2", key)
}

/// The value of param `key` of the auth type `ty` (`oauth2`, `bearer`) in an auth object, in
/// either shape: v2.1's list of `{key, value}` (the last entry wins, as in Postman) or v2.0's
/// map.
pub fn auth_param<'a>(auth: &'a Object, ty: &str, key: &str) -> Option<&'a Node> {
    match auth.get(ty)? {
        Node::Array(list) => list
            .elements
            .iter()
            .rev()
            .filter_map(Node::as_object)
            .find(|e| e.get("key").and_then(Node::as_str) == Some(key))
            .and_then(|e| e.get("value")),
        Node::Object(map) => map.get(key),
        _ => None,
    }
}

/// The collection's OAuth 2.0 `accessToken`, when its auth is oauth2 and holds one as text.
pub fn root_access_token(coll: &Collection) -> Option<String> {
    let auth = coll.root.get("auth").and_then(Node::as_object)?;
    if auth.get("type").and_then(Node::as_str) != Some("oauth2") {
        return None;
    }
    oauth2_param(auth, "accessToken")
        .and_then(Node::as_str)
        .map(str::to_string)
}

/// What the collection's own token auth sends as it is: an `oauth2` auth's `accessToken` or a
/// `bearer` auth's `token`.
pub fn root_sends(coll: &Collection) -> Option<String> {
    let auth = coll.root.get("auth").and_then(Node::as_object)?;
    let (ty, key) = match auth.get("type").and_then(Node::as_str)? {
        "oauth2" => ("oauth2", "accessToken"),
        "bearer" => ("bearer", "token"),
        _ => return None,
    };
    auth_param(auth, ty, key)
        .and_then(Node::as_str)
        .map(str::to_string)
}

/// What `check` finds in `coll` (read from `src`); none means it is ready for Newman.
pub fn check(src: &[u8], coll: &Collection, keep: &KeepSet, c: &CheckSettings) -> Vec<Problem> {
    let (policy, min_ttl_secs, now) = (c.policy, c.min_ttl_secs, c.now);
    let mut found = match coll.root.get("auth").and_then(Node::as_object) {
        None => problems::root(None, None, None, min_ttl_secs, now),
        Some(auth) => {
            let param = |key: &str| oauth2_param(auth, key).and_then(Node::as_str);
            let ty = auth.get("type").and_then(Node::as_str).unwrap_or("(none)");
            let mut found = problems::root(
                Some(ty),
                param("accessToken"),
                param("addTokenTo"),
                min_ttl_secs,
                now,
            );
            if ty == "awsv4" {
                found.extend(problems::awsv4_literals(|k| {
                    auth_param(auth, "awsv4", k)
                        .and_then(Node::as_str)
                        .map(str::to_string)
                }));
            }
            found
        }
    };
    let mut scratch = crate::splice::Edits::default();
    // `check` assigns nothing, so the walk cannot fail.
    let outcome = inherit::make_inherit(src, coll, policy, keep, None, &mut scratch, true)
        .unwrap_or_default();
    found.extend(outcome.changed.iter().map(problems::child));
    // The identities the run sends: the folders `refresh` keeps under `tokens` (under `none`
    // it keeps them too, and every other folder; under `all` it replaces them).
    let identities = match policy {
        Policy::None => {
            inherit::make_inherit(src, coll, Policy::Tokens, keep, None, &mut scratch, true)
                .unwrap_or_default()
                .kept
        }
        _ => outcome.kept,
    };
    found.extend(problems::undeclared(&identities, c.identities, |name| {
        coll.defines_variable(name)
    }));
    found
}

/// The live tokens of a collection, environment or globals file `src`, read as `root`.
fn tokens(src: &[u8], root: &Object, replacement: &str) -> (Vec<Found>, Vec<Edit>) {
    crate::scrub::find(src, root, replacement)
}

/// A JSON collection's every value kept, for the token search.
fn whole(path: &Path, bytes: &[u8]) -> Result<Object, Failure> {
    let scanned =
        scan::scan(bytes, &scan::KeepAll).map_err(|e| not_a_collection(path, bytes, invalid(e)))?;
    match scanned.root {
        Node::Object(root) => Ok(*root),
        other => Err(not_a_collection(
            path,
            bytes,
            NotACollection {
                offset: Some(other.span().start),
                message: "not a JSON object".into(),
            },
        )),
    }
}

/// A Postman JSON export, read.
pub struct Export {
    path: PathBuf,
    folders: Folders,
    files: Vec<DocFile>,
    collection: Collection,
    version: Version,
    keep_paths: Vec<String>,
    assign: Vec<keep::Assign>,
    keep: Resolved,
}

fn open(path: &Path, options: Options) -> Result<Box<dyn Document>, Failure> {
    let raw = file::read(path)?;
    let collection = read(&raw.bytes).map_err(|e| not_a_collection(path, &raw.bytes, e))?;
    let keep = keep::resolve(&raw.bytes, options.keep, options.assign)
        .map_err(|e| keep_failure(path, e))?;
    // A link is followed (the user named it): the file it points to is the one replaced, in its
    // own folder, and the link stays.
    let real = crate::atomic::resolve(path);
    let (folder, name) = match (real.parent(), real.file_name()) {
        (Some(p), Some(n)) if !p.as_os_str().is_empty() => (p.to_path_buf(), n.to_os_string()),
        (_, Some(n)) => (PathBuf::from("."), n.to_os_string()),
        _ => {
            return Err(Failure::bad_input(format!(
                "{} names no file",
                path.shown()
            )));
        }
    };
    let (folders, _) = Folders::open_root(&folder)?;
    let stat = crate::fsat::Stat::of_meta(&raw.meta);
    Ok(Box::new(Export {
        path: path.to_path_buf(),
        folders,
        version: collection.version,
        collection,
        keep_paths: options.keep.to_vec(),
        assign: options.assign.to_vec(),
        keep,
        files: vec![DocFile {
            folder: 0,
            name,
            path: raw.path,
            bytes: raw.bytes,
            stamp: raw.stamp,
            stat: Some(stat),
        }],
    }))
}

fn failure(path: &Path, bytes: &[u8], e: PatchError) -> Failure {
    match e {
        PatchError::Input(e) => not_a_collection(path, bytes, e),
        PatchError::Internal(m) => Failure::internal(format!(
            "patching {}: {m}; nothing was written",
            path.shown()
        ))
        .with_hint("please report this with the collection's structure (not its tokens)"),
    }
}

impl Document for Export {
    fn path(&self) -> &Path {
        &self.path
    }

    fn format(&self) -> &'static str {
        self.version.as_str()
    }

    fn folders(&self) -> &Folders {
        &self.folders
    }

    fn file_count(&self) -> usize {
        1
    }

    fn file(&self, _i: usize) -> &DocFile {
        &self.files[0]
    }

    fn keep_matched(&self) -> &[usize] {
        &self.keep.matched
    }

    fn assign_matched(&self) -> &[usize] {
        &self.keep.assign_matched
    }

    fn root_token(&self) -> Option<String> {
        root_access_token(&self.collection)
    }

    fn defines_variable(&self, name: &str) -> bool {
        self.collection.defines_variable(name)
    }

    fn plan(
        &self,
        auth: &AuthBlock,
        policy: Policy,
        list_changed: bool,
    ) -> Result<Planned, Failure> {
        let f = &self.files[0];
        let planned = plan_block(
            &f.bytes,
            &self.collection,
            auth,
            policy,
            &self.keep.set,
            list_changed,
        )
        .map_err(|e| failure(&f.path, &f.bytes, e))?;
        let changes = crate::splice::changes(&f.bytes, &planned.edits);
        Ok(Planned {
            files: if changes {
                vec![FileEdits {
                    file: 0,
                    edits: planned.edits,
                }]
            } else {
                Vec::new()
            },
            root_auth_before: planned.root_auth_before,
            outcome: planned.outcome,
        })
    }

    fn replan(
        &self,
        _file: usize,
        bytes: &[u8],
        auth: &AuthBlock,
        policy: Policy,
    ) -> Result<Vec<Edit>, Failure> {
        let path = &self.files[0].path;
        let coll = read(bytes).map_err(|e| not_a_collection(path, bytes, e))?;
        let keep = keep::resolve(bytes, &self.keep_paths, &self.assign)
            .map_err(|e| keep_failure(path, e))?;
        plan_block(bytes, &coll, auth, policy, &keep.set, false)
            .map(|p| p.edits)
            .map_err(|e| failure(path, bytes, e))
    }

    fn verify(&self, _file: usize, bytes: &[u8], auth: Option<&AuthBlock>) -> Result<(), String> {
        if auth.is_none() {
            return match read(bytes) {
                Ok(c) if c.version == self.version => Ok(()),
                Ok(_) => Err("its format changed".into()),
                Err(e) => Err(e.message),
            };
        }
        verify_block(bytes, self.version, auth.map_or("oauth2", AuthBlock::kind)).map_err(|e| {
            match e {
                PatchError::Input(e) => e.message,
                PatchError::Internal(m) => m,
            }
        })
    }

    fn problems(&self, c: &CheckSettings) -> Vec<Problem> {
        check(&self.files[0].bytes, &self.collection, &self.keep.set, c)
    }

    fn live_tokens(&self, replacement: &str) -> Result<Vec<FileTokens>, Failure> {
        let f = &self.files[0];
        let root = whole(&f.path, &f.bytes)?;
        let (found, edits) = tokens(&f.bytes, &root, replacement);
        Ok(vec![FileTokens {
            file: 0,
            found,
            edits,
        }])
    }

    /// The bytes are freed once staged. The structure (hundreds of thousands of small
    /// allocations for a large file) is deliberately not freed: freeing would not lower the peak
    /// memory, which the re-read of the written file reaches anyway, and takes a fifth of a
    /// large run's time; the process ends soon after.
    fn edited(&mut self, _file: usize, edits: &[Edit]) -> Vec<u8> {
        // The tree is not needed any more, and freeing hundreds of thousands of nodes costs
        // more than the process's end does.
        std::mem::forget(std::mem::take(&mut self.collection.root.members));
        let mut bytes = std::mem::take(&mut self.files[0].bytes);
        crate::splice::apply_in_place(&mut bytes, edits);
        bytes
    }
}

/// A JSON file alone: a collection, or an environment or globals file.
enum JsonFile {
    Collection {
        path: PathBuf,
        bytes: Vec<u8>,
        coll: Collection,
    },
    Environment {
        bytes: Vec<u8>,
        env: EnvFile,
    },
}

fn one_file(path: &Path, bytes: &[u8]) -> Result<Option<Box<dyn OneFile>>, Failure> {
    if environment::yaml::is_yaml(path) {
        return Ok(None);
    }
    match read(bytes) {
        Ok(coll) => Ok(Some(Box::new(JsonFile::Collection {
            path: path.to_path_buf(),
            bytes: bytes.to_vec(),
            coll,
        }))),
        Err(as_collection) => match environment::read(bytes) {
            Ok(env) => Ok(Some(Box::new(JsonFile::Environment {
                bytes: bytes.to_vec(),
                env,
            }))),
            Err(_) => Err(not_a_collection(path, bytes, as_collection)),
        },
    }
}

impl OneFile for JsonFile {
    fn live_tokens(&self, replacement: &str) -> (Vec<Found>, Vec<Edit>) {
        match self {
            JsonFile::Collection { path, bytes, .. } => match whole(path, bytes) {
                Ok(root) => tokens(bytes, &root, replacement),
                Err(_) => (Vec::new(), Vec::new()),
            },
            JsonFile::Environment { bytes, env } => tokens(bytes, &env.root, ""),
        }
    }

    fn problems(&self, c: &CheckSettings) -> Option<Vec<Problem>> {
        let JsonFile::Collection { path, bytes, coll } = self else {
            return None;
        };
        let keep = match keep::resolve(bytes, c.keep, &[]) {
            Ok(k) => k.set,
            Err(e) => {
                return Some(vec![Problem::new("file", keep_failure(path, e).message)]);
            }
        };
        Some(check(bytes, coll, &keep, c))
    }
}

/// File names and marks only Postman's JSON files carry.
fn looks(path: &Path, bytes: &[u8]) -> bool {
    file::looks_by(
        path,
        bytes,
        &[
            ".postman_collection.json",
            ".postman_environment.json",
            ".postman_globals.json",
        ],
        &[
            b"_postman_id",
            b"schema.getpostman.com",
            b"_postman_variable_scope",
            b"_postman_exported",
        ],
    )
}

/// The exports git tracks under `dir`.
fn tracked(dir: &Path) -> Vec<PathBuf> {
    crate::git::tracked(dir, &["*.postman_collection.json"])
}

/// A Postman JSON export (v2.0 or v2.1), and its JSON environment and globals files.
pub const FORMAT: Format = Format {
    name: "export",
    is_document: |p| !p.is_dir(),
    open,
    file: one_file,
    looks_like: looks,
    tracked,
    tracked_files: &[
        "*.postman_collection.json",
        "*.postman_environment.json",
        "*.postman_globals.json",
    ],
    extensions: &["json"],
    default_variable: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_versions_and_refuses_the_rest() {
        let v21 = format!(r#"{{"info": {{"schema": "{SCHEMA_V2_1}"}}, "item": []}}"#);
        assert_eq!(read(v21.as_bytes()).unwrap().version, Version::V2_1);
        let v20 = format!(r#"{{"info": {{"schema": "{SCHEMA_V2_0}"}}, "item": []}}"#);
        assert_eq!(read(v20.as_bytes()).unwrap().version, Version::V2_0);
        for (text, needle) in [
            (
                r#"{"values": [], "_postman_variable_scope": "environment"}"#,
                "environment",
            ),
            (
                r#"{"id": "x", "requests": [], "order": []}"#,
                "v1 collection",
            ),
            (r#"{"a": 1}"#, "without \"info\""),
            (r#"[1]"#, "found an array"),
            (r#"{"info": {"name": "x"}, "item": []}"#, "no \"schema\""),
            (
                r#"{"info": {"schema": "https://x/collection/v1.0.0/c.json"}}"#,
                "only collection formats",
            ),
            (r#"{"info": {"schema": 3}}"#, "a number"),
        ] {
            let e = read(text.as_bytes()).unwrap_err();
            assert!(e.message.contains(needle), "{text}: {e:?}");
        }
        let bad_item = format!(r#"{{"info": {{"schema": "{SCHEMA_V2_1}"}}, "item": {{}}}}"#);
        assert!(
            read(bad_item.as_bytes())
                .unwrap_err()
                .message
                .contains("must be an array")
        );
    }
}

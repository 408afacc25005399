//! A Postman collection file: recognise v2.0/v2.1, and patch it (root auth, inheritance)
//! with span edits that keep every other byte.

pub mod auth;
pub mod file;
pub mod inherit;
pub mod keep;
pub mod tree;

use crate::json::scan::{self, Node, Object, Plan, ScanError};

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

/// Why a file is not a collection this tool can patch. The caller adds the file name.
pub use crate::error::Malformed as NotACollection;

impl From<ScanError> for NotACollection {
    fn from(e: ScanError) -> Self {
        NotACollection {
            offset: Some(e.offset),
            message: format!("not valid JSON: {}", e.message),
        }
    }
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
    /// A folder's or request's auth block: only its `type` matters here.
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
            (Ctx::Root | Ctx::Item, "item") => Some(Ctx::Items),
            (Ctx::Item, "name") => Some(Ctx::Whole),
            (Ctx::Item | Ctx::Request, "auth") => Some(Ctx::ChildAuth),
            (Ctx::Item, "request") => Some(Ctx::Request),
            (Ctx::ChildAuth, "type") => Some(Ctx::Whole),
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

/// Scans `bytes` and checks it is a v2.0 or v2.1 collection.
pub fn read(bytes: &[u8]) -> Result<Collection, NotACollection> {
    let scanned = scan::scan(bytes, &CollectionPlan)?;
    let root = match scanned.root {
        Node::Object(o) => o,
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
    pub outcome: inherit::Outcome,
}

/// The edits a patch makes, not yet applied.
pub struct Planned {
    /// Sorted and non-overlapping.
    pub edits: Vec<crate::json::edit::Edit>,
    pub root_auth_before: String,
    pub outcome: inherit::Outcome,
}

/// The root auth and inheritance edits for `src` (already read as `coll`).
pub fn plan(
    src: &[u8],
    coll: &Collection,
    want: &auth::RootAuth,
    policy: inherit::Policy,
    keep: &keep::KeepSet,
) -> Result<Planned, PatchError> {
    let style = crate::json::edit::Style::detect(src, &coll.root);
    let mut edits = crate::splice::Edits::default();
    let before =
        auth::patch_root(src, coll, &style, want, &mut edits).map_err(PatchError::Input)?;
    let outcome = inherit::make_inherit(src, coll, policy, keep, &mut edits, false);
    Ok(Planned {
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
    want: &auth::RootAuth,
    policy: inherit::Policy,
    keep: &keep::KeepSet,
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
        (inside || key == "info" || key == "auth").then_some(true)
    }
    fn element(&self, inside: bool) -> Option<bool> {
        inside.then_some(true)
    }
}

/// Checks that patched bytes are strict JSON and a collection of `version` with an oauth2 root
/// auth and an `item` array (a safety net against bugs: a patch only writes what passes).
pub fn verify(bytes: &[u8], version: Version) -> Result<(), PatchError> {
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
    match detect_version(&root) {
        Ok(v) if v == version => {}
        _ => return Err(bad("its format changed".into())),
    }
    let auth_type = root
        .get("auth")
        .and_then(Node::as_object)
        .and_then(|a| a.get("type"))
        .and_then(Node::as_str);
    if auth_type != Some("oauth2") {
        return Err(bad("its auth is not oauth2".into()));
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

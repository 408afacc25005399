//! Make a JSON export's folders and requests inherit the collection's auth by deleting their
//! `auth` key, as the inherit policy and the `--keep` paths say.

use super::{Collection, auth_param, item_name, root_sends};
use crate::collection::inherit::{
    Kept, Outcome, Policy, identity_reason, other_identity, own_variables,
};
use crate::collection::keep::KeepSet;
use crate::json::edit::{Edits, delete_member};
use crate::json::scan::{Array, Kind, Node, Object};

/// How a child's own auth reads.
enum Own<'a> {
    /// Meant as inherit but not written the way the app does (`null`, `{}`, `type` null or
    /// `"inherit"`, which the runtime treats as "send nothing").
    InheritMarker,
    /// A copy of a token: `oauth2` or `bearer` holding a token, nothing, or the collection's
    /// own variable.
    Token,
    /// `oauth2` or `bearer` sending another variable: a deliberate identity, kept unless `all`.
    Identity(String),
    /// Any other type, kept under `tokens`.
    Other(&'a str),
}

fn classify<'a>(auth: &'a Node, own: &[String]) -> Own<'a> {
    match auth {
        Node::Object(o) => match o.get("type") {
            None => Own::InheritMarker,
            Some(t) if t.kind() == Kind::Null => Own::InheritMarker,
            Some(t) => match t.as_str() {
                Some("inherit") => Own::InheritMarker,
                Some(ty @ ("oauth2" | "bearer")) => {
                    let key = if ty == "bearer" {
                        "token"
                    } else {
                        "accessToken"
                    };
                    let sent = auth_param(o, ty, key).and_then(Node::as_str);
                    match other_identity(sent, own) {
                        Some(name) => Own::Identity(name),
                        None => Own::Token,
                    }
                }
                Some(other) => Own::Other(other),
                None => Own::Other("(non-string type)"),
            },
        },
        Node::Other {
            kind: Kind::Null, ..
        } => Own::InheritMarker,
        _ => Own::Other("(not an object)"),
    }
}

/// Adds to `edits` the deletions the policy asks for (`src` is the file `coll` was read from;
/// `writing`, what the collection's auth is made to send, when it is changed); with
/// `list_changed`, the outcome lists each item made to inherit.
pub fn make_inherit(
    src: &[u8],
    coll: &Collection,
    policy: Policy,
    keep: &KeepSet,
    writing: Option<&str>,
    edits: &mut Edits,
    list_changed: bool,
) -> Outcome {
    let mut out = Outcome::default();
    if policy == Policy::None {
        return out;
    }
    if let Some(items) = coll.root.get("item").and_then(Node::as_array) {
        let current = root_sends(coll);
        let mut walk = Walk {
            src,
            policy,
            own: own_variables(current.as_deref(), writing),
            keep,
            edits,
            out: &mut out,
            index: Vec::new(),
            names: Vec::new(),
            list_changed,
        };
        walk.items(items);
    }
    out
}

struct Walk<'a> {
    src: &'a [u8],
    policy: Policy,
    /// The collection's own token variables (see [`own_variables`]).
    own: Vec<String>,
    keep: &'a KeepSet,
    edits: &'a mut Edits,
    out: &'a mut Outcome,
    index: Vec<usize>,
    names: Vec<&'a str>,
    /// Whether to list every item made to inherit in `out.changed` (only `check` reads it).
    list_changed: bool,
}

impl<'a> Walk<'a> {
    fn items(&mut self, items: &'a Array) {
        for (i, node) in items.elements.iter().enumerate() {
            let Some(item) = node.as_object() else {
                continue;
            };
            self.index.push(i);
            self.names.push(item_name(item));
            self.item(item);
            self.names.pop();
            self.index.pop();
        }
    }

    fn item(&mut self, item: &'a Object) {
        let children = item.get("item").and_then(Node::as_array);
        let folder = children.is_some();
        if self.keep.contains(&self.index) {
            self.kept(
                folder,
                "matched by --keep (left as it is, with everything under it)".into(),
            );
            return;
        }
        let holder = if folder {
            Some(item)
        } else {
            item.get("request").and_then(Node::as_object)
        };
        if let Some(holder) = holder
            && let Some(at) = holder.index_of("auth")
        {
            let remove = match (self.policy, classify(&holder.members[at].value, &self.own)) {
                (Policy::All, _) | (_, Own::InheritMarker | Own::Token) => true,
                (_, Own::Identity(name)) => {
                    self.kept(folder, identity_reason(&name));
                    if let Some(k) = self.out.kept.last_mut() {
                        k.sends = Some(name);
                    }
                    false
                }
                (_, Own::Other(kind)) => {
                    self.kept(folder, format!("has its own {kind} auth"));
                    false
                }
            };
            if remove {
                if self.list_changed {
                    let own = holder.members[at]
                        .value
                        .as_object()
                        .and_then(|o| o.get("type"))
                        .and_then(Node::as_str)
                        .unwrap_or("inherit marker")
                        .to_string();
                    self.out.changed.push(Kept {
                        path: self.names.join(" / "),
                        folder,
                        reason: own,
                        sends: None,
                    });
                }
                delete_member(self.edits, self.src, holder.span, &holder.members[at]);
                if folder {
                    self.out.folders += 1;
                } else {
                    self.out.requests += 1;
                }
            }
        }
        if let Some(children) = children {
            self.items(children);
        }
    }

    fn kept(&mut self, folder: bool, reason: String) {
        self.out.kept.push(Kept {
            path: self.names.join(" / "),
            folder,
            reason,
            sends: None,
        });
    }
}

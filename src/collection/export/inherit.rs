//! Make a JSON export's folders and requests inherit the collection's auth by deleting their
//! `auth` key, as the inherit policy and the `--keep` paths say.

use super::{Collection, Version, auth_param, item_name, root_sends};
use crate::collection::inherit::{
    Kept, Outcome, Policy, identity_reason, other_identity, own_variables,
};
use crate::collection::keep::KeepSet;
use crate::error::Malformed;
use crate::json::edit::{
    Edits, NewValue, Style, delete_member, insert_after, insert_first, json_string,
};
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

/// Adds to `edits` the deletions the policy asks for and the `--assign` edits (`src` is the
/// file `coll` was read from; `writing`, what the collection's auth is made to send, when it
/// is changed); with `list_changed`, the outcome lists each item made to inherit. An
/// assignment that cannot be made is an error at its place.
pub fn make_inherit(
    src: &[u8],
    coll: &Collection,
    policy: Policy,
    keep: &KeepSet,
    writing: Option<&str>,
    edits: &mut Edits,
    list_changed: bool,
) -> Result<Outcome, Malformed> {
    let mut out = Outcome::default();
    if policy == Policy::None && !keep.assigns() {
        return Ok(out);
    }
    if let Some(items) = coll.root.get("item").and_then(Node::as_array) {
        let current = root_sends(coll);
        let mut walk = Walk {
            src,
            version: coll.version,
            style: Style::detect(src, &coll.root),
            policy,
            own: own_variables(current.as_deref(), writing),
            keep,
            edits,
            out: &mut out,
            index: Vec::new(),
            names: Vec::new(),
            list_changed,
        };
        walk.items(items)?;
    }
    Ok(out)
}

/// A `bearer` auth sending `sent`, in the params shape of `version`.
fn bearer_block(version: Version, sent: &str) -> NewValue {
    super::auth::auth_block(version, "bearer", &[("token".into(), json_string(sent))])
}

struct Walk<'a> {
    src: &'a [u8],
    version: Version,
    style: Style,
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
    fn items(&mut self, items: &'a Array) -> Result<(), Malformed> {
        for (i, node) in items.elements.iter().enumerate() {
            let Some(item) = node.as_object() else {
                continue;
            };
            self.index.push(i);
            self.names.push(item_name(item));
            self.item(item)?;
            self.names.pop();
            self.index.pop();
        }
        Ok(())
    }

    fn item(&mut self, item: &'a Object) -> Result<(), Malformed> {
        let children = item.get("item").and_then(Node::as_array);
        let folder = children.is_some();
        if self.keep.contains(&self.index) {
            self.kept(
                folder,
                "matched by --keep (left as it is, with everything under it)".into(),
            );
            return Ok(());
        }
        if let Some(var) = self.keep.assigned(&self.index) {
            let var = var.to_string();
            self.assign(item, folder, &var)?;
            self.kept(folder, format!("sends {{{{{var}}}}}, as assigned"));
            if let Some(k) = self.out.kept.last_mut() {
                k.sends = Some(var);
            }
        } else if self.policy != Policy::None {
            self.inherit(item, folder);
        }
        if let Some(children) = children {
            self.items(children)?;
        }
        Ok(())
    }

    /// Makes the folder or request `item` send `{{var}}`: the token param of its own `bearer`
    /// or `oauth2` auth set, else its auth made `bearer` (or added), in the file's layout.
    fn assign(&mut self, item: &'a Object, folder: bool, var: &str) -> Result<(), Malformed> {
        let refuse = |offset: usize, why: String| Malformed {
            offset: Some(offset),
            message: format!("--assign: {} {why}", self.names.join(" / ")),
        };
        if self.own.iter().any(|o| o == var) {
            return Err(refuse(
                item.span.start,
                format!(
                    "would send {{{{{var}}}}}, the collection's own variable, which it inherits \
                     as it is; assign another variable"
                ),
            ));
        }
        let sent = format!("{{{{{var}}}}}");
        let holder = if folder {
            item
        } else {
            match item.get("request") {
                Some(Node::Object(r)) => r,
                Some(other) => {
                    return Err(refuse(
                        other.span().start,
                        format!(
                            "has a request that is {}, which cannot hold an auth",
                            other.kind().described()
                        ),
                    ));
                }
                None => return Err(refuse(item.span.start, "has no request".into())),
            }
        };
        let Some(member) = holder.member("auth") else {
            // Folders and requests are scanned sparsely: the new member goes by the bytes
            // around one member it knows, after a folder's `item` (where the app writes a
            // folder's auth), first in a request.
            let block = bearer_block(self.version, &sent);
            match holder.member("item") {
                Some(items) if folder => {
                    insert_after(self.edits, self.src, &self.style, items, "auth", &block);
                }
                _ => insert_first(
                    self.edits,
                    self.src,
                    &self.style,
                    holder.span,
                    "auth",
                    &block,
                ),
            }
            return Ok(());
        };
        if let Node::Object(o) = &member.value
            && let Some(ty @ ("bearer" | "oauth2")) = o.get("type").and_then(Node::as_str)
        {
            let key = if ty == "bearer" {
                "token"
            } else {
                "accessToken"
            };
            if let Some(v) = auth_param(o, ty, key) {
                if v.as_str() != Some(sent.as_str()) {
                    self.edits.replace(v.span(), json_string(&sent));
                }
                return Ok(());
            }
        }
        let at = crate::json::edit::line_indent(self.src, member.key_span.start);
        let text = self.style.render(&bearer_block(self.version, &sent), at);
        self.edits.replace(member.value.span(), text);
        Ok(())
    }

    /// Deletes the item's own auth when the policy says it should inherit.
    fn inherit(&mut self, item: &'a Object, folder: bool) {
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

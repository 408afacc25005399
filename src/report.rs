//! What a run did, for people (stderr) and for programs (`--json` on stdout), and the diff.

use serde::Serialize;

use crate::collection::inherit::Kept;
use crate::redact::redact;

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Updated,
    Unchanged,
    /// `--check`: the file would change.
    WouldChange,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeptItem {
    pub path: String,
    pub kind: &'static str,
    pub reason: String,
}

impl From<&Kept> for KeptItem {
    fn from(k: &Kept) -> Self {
        KeptItem {
            path: k.path.clone(),
            kind: if k.folder { "folder" } else { "request" },
            reason: k.reason.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    /// Where the result went, when not back to `file` (`--output`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    pub format: &'static str,
    pub status: Status,
    pub root_auth_before: String,
    pub folders_inheriting: usize,
    pub requests_inheriting: usize,
    pub kept: Vec<KeptItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `--diff`: the change as a unified diff, tokens masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub token_source: String,
    pub files: Vec<FileReport>,
}

impl FileReport {
    /// A few lines for a person.
    pub fn human(&self) -> String {
        let name = self.output.as_deref().unwrap_or(&self.file);
        let mut s = match self.status {
            Status::Unchanged => format!("unchanged {name}: already holds this token"),
            Status::Failed => format!(
                "failed {name}: {}",
                self.error.as_deref().unwrap_or("error")
            ),
            Status::Updated | Status::WouldChange => {
                let verb = if self.status == Status::Updated {
                    "updated"
                } else {
                    "would change"
                };
                format!(
                    "{verb} {name} ({}): token in the collection's OAuth 2.0 auth (it was {}); \
                     {} now inherit",
                    self.format,
                    self.root_auth_before,
                    counted(self.folders_inheriting, self.requests_inheriting)
                )
            }
        };
        for k in &self.kept {
            s.push_str(&format!("\n  kept {} ({}): {}", k.path, k.kind, k.reason));
        }
        s
    }
}

fn counted(folders: usize, requests: usize) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{} and {}",
        plural(folders, "folder", "folders"),
        plural(requests, "request", "requests")
    )
}

/// A unified diff of `old` to `new` with `secrets` and every JWT masked.
pub fn diff(name: &str, old: &[u8], new: &[u8], secrets: &[&str]) -> String {
    let old = String::from_utf8_lossy(old);
    let new = String::from_utf8_lossy(new);
    let text = similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
        .unified_diff()
        .context_radius(2)
        .header(name, name)
        .to_string();
    redact(&text, secrets)
}

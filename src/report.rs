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

/// What happened to an environment or globals file's token variable.
#[derive(Debug, Clone, Serialize)]
pub struct VariableReport {
    pub file: String,
    pub scope: &'static str,
    pub variable: String,
    pub status: Status,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub token_source: String,
    /// When the token expires (RFC 3339), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_expires_at: Option<String>,
    pub files: Vec<FileReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<VariableReport>,
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

/// `token --json`: the id and access tokens and their expiry (never the refresh token).
pub fn token_json(token: &crate::token_source::Token) -> String {
    use secrecy::ExposeSecret;
    let mut v = serde_json::json!({
        "token": token.value.expose_secret(),
        "expires_at": token.expires_at.map(crate::jwt::rfc3339),
        "expires_in": token.expires_at.map(|e| e - crate::jwt::now()),
    });
    if let Some(set) = &token.set {
        v["id_token"] = serde_json::json!(set.id.as_ref().map(|t| t.expose_secret().to_string()));
        v["access_token"] = serde_json::json!(set.access.expose_secret());
    }
    format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
}

/// "token expires at 2026-11-29T05:00:00Z (in 59 min)".
pub fn expiry_line(exp: i64) -> String {
    let left = exp - crate::jwt::now();
    let when = if left >= 0 {
        format!("in {} min", left / 60)
    } else {
        format!("{} min ago", -left / 60)
    };
    format!("token expires at {} ({when})", crate::jwt::rfc3339(exp))
}

/// `config show`: each setting, its value (secrets redacted) and where it came from.
pub fn config_show(
    file: Option<&str>,
    shown: &[crate::settings::Shown],
    json: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    if json {
        let v = serde_json::json!({"config_file": file, "settings": shown});
        return writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        );
    }
    writeln!(out, "config file: {}", file.unwrap_or("none found"))?;
    let width = shown.iter().map(|s| s.key.len()).max().unwrap_or(0);
    for s in shown {
        writeln!(
            out,
            "{:width$}  {}  ({})",
            s.key,
            s.value.as_deref().unwrap_or("-"),
            s.source
        )?;
    }
    Ok(())
}

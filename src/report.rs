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

impl Status {
    /// The word a report line starts with.
    pub fn verb(self) -> &'static str {
        match self {
            Status::Updated => "updated",
            Status::Unchanged => "unchanged",
            Status::WouldChange => "would change",
            Status::Failed => "failed",
        }
    }
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

impl RunReport {
    pub fn new(
        token: Option<&crate::token_source::Token>,
        files: Vec<FileReport>,
        variables: Vec<VariableReport>,
    ) -> Self {
        RunReport {
            token_source: token.map_or_else(|| "none needed".to_string(), |t| t.source.clone()),
            token_expires_at: token.and_then(|t| t.expires_at).map(crate::jwt::rfc3339),
            files,
            variables,
        }
    }

    /// Whether any file would change (`--check`).
    pub fn changes(&self) -> bool {
        self.files.iter().any(|f| f.status == Status::WouldChange)
            || self
                .variables
                .iter()
                .any(|v| v.status == Status::WouldChange)
    }
}

/// `refresh`'s report: the JSON document or the diffs on stdout, a line per file on stderr.
pub fn emit_refresh(
    run: &RunReport,
    json: bool,
    stdout: &mut dyn std::io::Write,
    ui: &crate::ui::Ui,
) -> Result<(), crate::error::Failure> {
    let broken = |e: std::io::Error| {
        crate::error::Failure::io(format!("cannot write the report to standard output: {e}"))
    };
    if json {
        let text = serde_json::to_string_pretty(run)
            .map_err(|e| crate::error::Failure::internal(e.to_string()))?;
        writeln!(stdout, "{text}").map_err(broken)?;
    } else {
        for f in &run.files {
            if let Some(d) = &f.diff {
                write!(stdout, "{d}").map_err(broken)?;
            }
        }
    }
    for f in &run.files {
        ui.line(&f.human());
    }
    for v in &run.variables {
        ui.line(&format!(
            "{} {} ({}): variable {} holds the token",
            v.status.verb(),
            v.file,
            v.scope,
            v.variable
        ));
    }
    Ok(())
}

impl FileReport {
    /// A few lines for a person.
    pub fn human(&self) -> String {
        let name = match self.output.as_deref() {
            Some("-") => "standard output",
            Some(out) => out,
            None => &self.file,
        };
        let mut s = match self.status {
            Status::Unchanged => format!("unchanged {name}: already holds this token"),
            Status::Failed => format!(
                "failed {name}: {}",
                self.error.as_deref().unwrap_or("error")
            ),
            Status::Updated | Status::WouldChange => {
                format!(
                    "{} {name} ({}): token in the collection's OAuth 2.0 auth (it was {}); \
                     {} now inherit",
                    self.status.verb(),
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

/// What `--diff` shows where the new token goes.
pub const NEW_TOKEN: &str = "<new token>";

/// A unified diff of `old` to `new` (made with [`NEW_TOKEN`] where the token goes), with every
/// JWT, and `secret` in every form a file may hold it (as is, JSON-escaped), masked; control
/// characters are shown as escapes.
pub fn diff(name: &str, old: &[u8], new: &[u8], secret: Option<&str>) -> String {
    let old = String::from_utf8_lossy(old);
    let new = String::from_utf8_lossy(new);
    let text = similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
        .unified_diff()
        .context_radius(2)
        .header(name, name)
        .to_string();
    let forms: Vec<String> = secret
        .map(|s| {
            let escaped = crate::json::edit::json_string(s);
            vec![s.to_string(), escaped[1..escaped.len() - 1].to_string()]
        })
        .unwrap_or_default();
    let forms: Vec<&str> = forms.iter().map(String::as_str).collect();
    crate::redact::printable(&redact(&text, &forms)).into_owned()
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
    plan: &crate::settings::ConfigShowPlan,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let file = plan
        .file
        .as_ref()
        .map(|(path, profile)| format!("{} (profile {profile})", path.display()));
    let profile = plan
        .file
        .as_ref()
        .map(|(path, name)| format!("profile {name} in {}", path.display()))
        .unwrap_or_default();
    if plan.json {
        let rows: Vec<serde_json::Value> = plan
            .rows
            .iter()
            .map(|s| {
                serde_json::json!({
                    "key": s.key,
                    "value": s.value,
                    "source": s.origin.describe(&profile),
                    "origin": s.origin,
                })
            })
            .collect();
        let v = serde_json::json!({"config_file": file, "settings": rows});
        return writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        );
    }
    let none = "none found (looked for postman-cognito.toml in the working folder and each one \
                above, up to the repo root or your home folder; --config names one)";
    writeln!(out, "config file: {}", file.as_deref().unwrap_or(none))?;
    let width = plan.rows.iter().map(|s| s.key.len()).max().unwrap_or(0);
    for s in &plan.rows {
        writeln!(
            out,
            "{:width$}  {}  ({})",
            s.key,
            s.value.as_deref().unwrap_or("-"),
            s.origin.describe(&profile)
        )?;
    }
    Ok(())
}

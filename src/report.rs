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

impl From<Kept> for KeptItem {
    fn from(k: Kept) -> Self {
        KeptItem {
            path: k.path,
            kind: if k.folder { "folder" } else { "request" },
            reason: k.reason,
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
    /// The collection's auth type before: `absent` (no auth key), `no-type`, `null`, or the type.
    pub root_auth_before: String,
    /// The same in words, for people.
    #[serde(skip)]
    pub root_auth_words: String,
    /// What the collection's auth was made (`oauth2`, `bearer`, `awsv4`), for people.
    #[serde(skip)]
    pub root_kind: &'static str,
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

/// Where the token came from: a stable `source` and the words for people.
#[derive(Debug, Clone, Serialize)]
pub struct TokenReport {
    /// `stdin`, `environment`, `cognito-sign-in`, `cognito-cache`, `cognito-refresh`, or
    /// `none` (only `{{NAME}}` was written).
    pub source: &'static str,
    /// When the token expires (RFC 3339), when known.
    pub expires_at: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub token: TokenReport,
    pub files: Vec<FileReport>,
    pub variables: Vec<VariableReport>,
}

impl RunReport {
    pub fn new(
        token: Option<&crate::token::Token>,
        files: Vec<FileReport>,
        variables: Vec<VariableReport>,
    ) -> Self {
        RunReport {
            token: TokenReport {
                source: token.map_or("none", |t| t.kind),
                expires_at: token.and_then(|t| t.expires_at).map(crate::jwt::rfc3339),
                message: token.map_or_else(
                    || "no token needed: only a {{variable}} was written".to_string(),
                    |t| t.source.clone(),
                ),
            },
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
    exit: crate::error::Exit,
    stdout: &mut dyn std::io::Write,
    ui: &crate::ui::Ui,
) -> Result<(), crate::error::Failure> {
    let broken = |e: std::io::Error| unwritten(ui, &e);
    if json {
        let status = if run.files.iter().any(|f| f.status == Status::Updated)
            || run.variables.iter().any(|v| v.status == Status::Updated)
        {
            "updated"
        } else if run.changes() {
            "would-change"
        } else {
            "unchanged"
        };
        let body = serde_json::to_value(run)
            .map_err(|e| crate::error::Failure::internal(e.to_string()))?;
        if let Err(e) = write_document(stdout, &document("refresh", status, exit, body)) {
            broken(e);
        }
    } else {
        for f in run.files.iter().filter_map(|f| f.diff.as_ref()) {
            if let Err(e) = write!(stdout, "{f}").and_then(|()| stdout.flush()) {
                broken(e);
                break;
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
            crate::redact::inline(&v.file),
            v.scope,
            crate::redact::inline(&v.variable)
        ));
    }
    Ok(())
}

/// How many of the children left with their own auth a person is shown (`--json` has them all):
/// a 100,000-request collection can keep tens of thousands.
pub const KEPT_SHOWN: usize = 50;

impl FileReport {
    /// A few lines for a person.
    pub fn human(&self) -> String {
        // The collection read, and where the result went when elsewhere (`-o`).
        let name = match self.output.as_deref() {
            Some("-") => format!("{} (to standard output)", self.file),
            Some(out) => format!("{} (into {out})", self.file),
            None => self.file.clone(),
        };
        let name = crate::redact::inline(&name);
        let shown = |t: &str| crate::redact::inline(t).into_owned();
        let mut s = match self.status {
            Status::Unchanged => format!("unchanged {name}: already holds this token"),
            Status::Failed => format!(
                "failed {name}: {}",
                self.error.as_deref().unwrap_or("error")
            ),
            Status::Updated | Status::WouldChange => {
                format!(
                    "{} {name} ({}): {} (it was {}); {} now inherit",
                    self.status.verb(),
                    self.format,
                    match self.root_kind {
                        "awsv4" => "AWS credentials' variables in the collection's awsv4 auth",
                        "bearer" => "a reference to the token in the collection's bearer auth",
                        _ => "token in the collection's OAuth 2.0 auth",
                    },
                    shown(&self.root_auth_words),
                    counted(self.folders_inheriting, self.requests_inheriting)
                )
            }
        };
        for k in self.kept.iter().take(KEPT_SHOWN) {
            s.push_str(&format!(
                "\n  kept {} ({}): {}",
                shown(&k.path),
                k.kind,
                shown(&k.reason)
            ));
        }
        if self.kept.len() > KEPT_SHOWN {
            s.push_str(&format!(
                "\n  ... and {} more kept with their own auth (--json lists them all)",
                self.kept.len() - KEPT_SHOWN
            ));
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
pub fn token_json(token: &crate::token::Token) -> String {
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
    v["source"] = serde_json::json!(token.kind);
    let doc = document("token", "ok", crate::error::Exit::Ok, v);
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

/// The version of every `--json` document (schema/postman-cognito.schema.json).
pub const JSON_VERSION: u32 = 1;

/// A `--json` document: `version`, `command`, `status`, `exit_code`, then the command's fields.
pub fn document(
    command: &str,
    status: &str,
    exit: crate::error::Exit,
    body: serde_json::Value,
) -> serde_json::Value {
    let mut doc = serde_json::json!({
        "version": JSON_VERSION,
        "command": command,
        "status": status,
        "exit_code": exit.code(),
    });
    if let (Some(d), serde_json::Value::Object(b)) = (doc.as_object_mut(), body) {
        d.extend(b);
    }
    doc
}

/// The `--json` document of a command that failed: the error and the exit code.
pub fn failure_document(command: &str, f: &crate::error::Failure) -> serde_json::Value {
    document(
        command,
        "failed",
        f.exit,
        serde_json::json!({"error": {"message": f.message, "hint": f.hint}}),
    )
}

/// A report that cannot be written once the work is done (a closed or full standard output) is
/// a warning, not a failure: the files are in place, and the exit code still gives the verdict.
pub fn unwritten(ui: &crate::ui::Ui, e: &std::io::Error) {
    ui.warn(&format!(
        "cannot write the report to standard output ({e}); the work itself is done"
    ));
}

/// Writes a document, pretty, on one line's end.
pub fn write_document(
    out: &mut dyn std::io::Write,
    doc: &serde_json::Value,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(doc).unwrap_or_default()
    )
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

//! The runners that take the token from their own environment, each as it documents: Bruno's
//! CLI (`{{process.env.NAME}}`), Hoppscotch's (a secret of its environment file left empty is
//! read from the process's environment), Hurl (`HURL_SECRET_NAME`, which Hurl redacts in its
//! logs and reports), k6 (`__ENV.NAME`), and any other command (`exec --env NAME`).
//!
//! This channel shows the token to the child and to every process it starts, and to processes
//! of the same user (`/proc/<pid>/environ`); the memfd of the Postman runners is not inherited.

use std::path::{Path, PathBuf};

use super::options::{self, Table};
use super::{HandOver, Invocation, Runner, Vars};
use crate::error::Failure;
use crate::redact::Shown as _;
use crate::ui::Ui;

/// The variable Bruno and k6 read the run's own token from.
pub const ENV_TOKEN_VAR: &str = "COGNITO_TOKEN";

/// The environment `vars` are handed over in, named by `name_of`.
fn in_environment(run: &Invocation, vars: &Vars, name_of: fn(&str) -> String) -> HandOver {
    let names: Vec<String> = vars.iter().map(|(n, _)| name_of(n)).collect();
    HandOver {
        argv: run.argv.clone(),
        env: vars
            .iter()
            .map(|(n, v)| (name_of(n), (*v).to_string()))
            .collect(),
        keep: None,
        temp: None,
        said: format!("{} in its environment", names.join(", ")),
    }
}

fn same(name: &str) -> String {
    name.to_string()
}

/// The files under `root` (not through links, not in `node_modules` or `.git`) whose name ends
/// with one of `exts`, up to a bound.
fn files_under(root: &Path, exts: &[&str]) -> Vec<PathBuf> {
    const MOST: usize = 20_000;
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            let name = e.file_name().to_string_lossy().into_owned();
            if kind.is_dir() {
                if name != "node_modules" && name != ".git" {
                    stack.push(e.path());
                }
            } else if kind.is_file() && exts.iter().any(|x| name.ends_with(x)) {
                out.push(e.path());
                if out.len() >= MOST {
                    return out;
                }
            }
        }
    }
    out.sort();
    out
}

/// Whether `text` reads one of `names` as `prefix NAME` (followed by no identifier character).
fn reads_any(text: &str, prefix: &str, names: &[&str]) -> bool {
    names.iter().any(|name| {
        let needle = format!("{prefix}{name}");
        text.match_indices(&needle).any(|(at, _)| {
            text[at + needle.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
        })
    })
}

/// Whether any of `files` reads one of `names` as `prefix NAME` (`None`: none could be read).
fn any_reads(files: &[PathBuf], prefixes: &[&str], names: &[&str]) -> Option<bool> {
    let mut read = false;
    for f in files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        read = true;
        if prefixes.iter().any(|p| reads_any(&text, p, names)) {
            return Some(true);
        }
    }
    read.then_some(false)
}

/// Bruno's CLI: `bru run`, run in the collection's folder.
pub struct Bruno;
pub static BRUNO: Bruno = Bruno;

const BRUNO_OPTIONS: Table = Table {
    takes_value: &[
        "--cacert",
        "--env",
        "--env-file",
        "--secrets-env-file",
        "--global-env",
        "--workspace-path",
        "--env-var",
        "--global-env-var",
        "--sandbox",
        "-o",
        "--output",
        "-f",
        "--format",
        "--reporter-json",
        "--reporter-junit",
        "--reporter-html",
        "--csv-file-path",
        "--json-file-path",
        "--iteration-count",
        "--reporter-skip-headers",
        "--client-cert-config",
        "--delay",
        "--tags",
        "--exclude-tags",
    ],
    optional_value: &[],
    outputs: &[
        "-o",
        "--output",
        "--reporter-json",
        "--reporter-junit",
        "--reporter-html",
    ],
    environment: &["--env-file"],
};

/// The files of a Bruno collection, and the ones a script may write variables into.
const BRUNO_FILES: &[&str] = &[".bru", ".yml", ".yaml", ".json", ".env"];

impl Runner for Bruno {
    fn name(&self) -> &'static str {
        "Bruno's CLI"
    }

    fn command(&self, program: &str) -> Option<&'static [&'static str]> {
        matches!(program, "bru" | "@usebruno/cli").then_some(&["run"])
    }

    fn read(&self, argv: &[String], start: usize) -> Result<Invocation, Failure> {
        options::read(argv, start, &BRUNO_OPTIONS)
    }

    fn prepare(&self, run: &Invocation, names: &[&str], ui: &Ui) -> Result<(), Failure> {
        // `bru run` runs the collection of the folder it is started in.
        let root = std::env::current_dir().unwrap_or_default();
        if !root.join("bruno.json").is_file() && !root.join("opencollection.yml").is_file() {
            return Ok(()); // Bruno says so itself.
        }
        let mut files = files_under(&root, &[".bru", ".yml", ".yaml"]);
        files.extend(run.environment.iter().map(|(p, _)| p.clone()));
        if any_reads(&files, &["process.env."], names) == Some(false) {
            let name = names.first().copied().unwrap_or(ENV_TOKEN_VAR);
            ui.warn(&format!(
                "the Bruno collection in {} never reads {{{{process.env.{name}}}}}, so Bruno \
                 will not send the token; make the collection's auth a bearer token of \
                 {{{{process.env.{name}}}}} (collection.bru: auth:bearer {{ token: \
                 {{{{process.env.{name}}}}} }}), its requests inheriting it",
                root.shown()
            ));
        }
        Ok(())
    }

    fn hand_over(&self, run: &Invocation, vars: &Vars) -> Result<HandOver, Failure> {
        Ok(in_environment(run, vars, same))
    }

    fn default_variable(&self) -> &'static str {
        ENV_TOKEN_VAR
    }

    fn watched(&self, run: &Invocation, cwd: &Path) -> Vec<PathBuf> {
        // Scripts' variables are written into the environment file and the collection's root
        // file (`bru.setEnvVar`, `bru.setVar`), since Bruno's CLI 3.
        let mut files = files_under(cwd, BRUNO_FILES);
        files.extend(run.environment.iter().map(|(p, _)| cwd.join(p)));
        files
    }
}

/// Hoppscotch's CLI: `hopp test COLLECTION -e ENVIRONMENT`.
pub struct Hoppscotch;
pub static HOPPSCOTCH: Hoppscotch = Hoppscotch;

const HOPPSCOTCH_OPTIONS: Table = Table {
    takes_value: &[
        "-e",
        "--env",
        "-d",
        "--delay",
        "--token",
        "--server",
        "--iteration-count",
        "--iteration-data",
    ],
    optional_value: &["--reporter-junit"],
    outputs: &["--reporter-junit"],
    environment: &["-e", "--env"],
};

/// What Hoppscotch's CLI makes of variable `name` in an environment file: `Ok` when it takes it
/// from the process's environment (a secret with no value), else why not.
fn hoppscotch_takes(doc: &serde_json::Value, name: &str) -> Result<(), &'static str> {
    let Some(vars) = doc.get("variables").and_then(serde_json::Value::as_array) else {
        return Err(
            "the file has no variables list (a plain {\"KEY\": \"value\"} file has no secrets)",
        );
    };
    let Some(v) = vars.iter().find(|v| v["key"] == name) else {
        return Err("the file does not declare it");
    };
    if v["secret"] != true {
        return Err("it is not a secret");
    }
    let empty = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .is_none_or(str::is_empty)
    };
    if !(empty("value") && empty("currentValue") && empty("initialValue")) {
        return Err("it has a value, which Hoppscotch sends instead");
    }
    Ok(())
}

impl Runner for Hoppscotch {
    fn name(&self) -> &'static str {
        "Hoppscotch's CLI"
    }

    fn command(&self, program: &str) -> Option<&'static [&'static str]> {
        matches!(program, "hopp" | "@hoppscotch/cli").then_some(&["test"])
    }

    fn read(&self, argv: &[String], start: usize) -> Result<Invocation, Failure> {
        options::read(argv, start, &HOPPSCOTCH_OPTIONS)
    }

    fn prepare(&self, run: &Invocation, names: &[&str], ui: &Ui) -> Result<(), Failure> {
        if let Some((path, _)) = &run.environment {
            let bytes = std::fs::read(path)
                .map_err(|e| Failure::bad_input(format!("cannot read {}: {e}", path.shown())))?;
            let doc: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
                Failure::bad_input(format!(
                    "{}:{}:{}: not JSON: {e}",
                    path.shown(),
                    e.line(),
                    e.column()
                ))
                .with_hint("Hoppscotch's CLI reads a JSON environment file")
            })?;
            for name in names {
                if let Err(why) = hoppscotch_takes(&doc, name) {
                    ui.warn(&format!(
                        "Hoppscotch will not take <<{name}>> from its environment ({why} in {}): \
                         declare it there as {{\"key\": \"{name}\", \"secret\": true, \
                         \"initialValue\": \"\", \"currentValue\": \"\"}}",
                        path.shown()
                    ));
                }
            }
        }
        if let Some(c) = &run.collection
            && any_reads(std::slice::from_ref(c), &["<<"], names) == Some(false)
        {
            let name = names.first().copied().unwrap_or_default();
            ui.warn(&format!(
                "{} never uses <<{name}>>, so Hoppscotch will not send the token; make the \
                 collection's auth a bearer token of <<{name}>>, its requests inheriting it",
                c.shown()
            ));
        }
        Ok(())
    }

    fn hand_over(&self, run: &Invocation, vars: &Vars) -> Result<HandOver, Failure> {
        let mut h = in_environment(run, vars, same);
        if run.environment.is_none() {
            // No environment file: one that declares the variables as secrets (no value: the
            // values are in the environment), in a private folder, for this run.
            let dir = tempfile::Builder::new()
                .prefix("postman-cognito-hopp-")
                .tempdir()
                .map_err(|e| Failure::io(format!("cannot make a private folder: {e}")))?;
            let path = dir.path().join("environment.json");
            let doc = serde_json::json!({
                "v": 2,
                "id": "postman-cognito",
                "name": "postman-cognito",
                "variables": vars.iter().map(|(n, _)| serde_json::json!({
                    "key": n, "secret": true, "initialValue": "", "currentValue": ""
                })).collect::<Vec<_>>(),
            });
            std::fs::write(&path, doc.to_string())
                .map_err(|e| Failure::io(format!("cannot write {}: {e}", path.shown())))?;
            h.argv = super::postman::with_environment(run, &path.display().to_string());
            h.said
                .push_str(", declared as secrets in an environment file of its own");
            h.temp = Some(dir);
        }
        Ok(h)
    }

    fn outputs(&self, run: &Invocation, cwd: &Path) -> Vec<PathBuf> {
        run.outputs
            .iter()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    cwd.join("hopp-junit-report.xml")
                } else {
                    p.clone()
                }
            })
            .collect()
    }
}

/// Hurl: `hurl FILE...`, the token as `HURL_SECRET_<name>`, which Hurl redacts.
pub struct Hurl;
pub static HURL: Hurl = Hurl;

const HURL_OPTIONS: Table = Table {
    takes_value: &[
        "--variable",
        "--variables-file",
        "--secret",
        "--report-json",
        "--report-junit",
        "--report-html",
        "--report-tap",
        "-o",
        "--output",
        "-b",
        "--cookie",
        "-c",
        "--cookie-jar",
        "--connect-timeout",
        "-m",
        "--max-time",
        "--retry",
        "--retry-interval",
        "-u",
        "--user",
        "-x",
        "--proxy",
        "--cacert",
        "-E",
        "--cert",
        "--key",
        "--glob",
        "--to-entry",
        "--from-entry",
        "--jobs",
        "--delay",
        "-H",
        "--header",
        "--resolve",
        "--connect-to",
        "-A",
        "--user-agent",
        "--max-redirs",
        "--max-filesize",
        "--limit-rate",
        "--repeat",
        "--aws-sigv4",
        "--unix-socket",
        "--file-root",
        "--netrc-file",
        "--error-format",
        "--noproxy",
    ],
    optional_value: &[],
    outputs: &[
        "--report-json",
        "--report-junit",
        "--report-html",
        "--report-tap",
        "-o",
        "--output",
        "-c",
        "--cookie-jar",
    ],
    environment: &[],
};

fn hurl_secret(name: &str) -> String {
    format!("HURL_SECRET_{name}")
}

impl Runner for Hurl {
    fn name(&self) -> &'static str {
        "Hurl"
    }

    fn command(&self, program: &str) -> Option<&'static [&'static str]> {
        matches!(program, "hurl" | "@orangeopensource/hurl").then_some(&[])
    }

    fn read(&self, argv: &[String], start: usize) -> Result<Invocation, Failure> {
        options::read(argv, start, &HURL_OPTIONS)
    }

    fn prepare(&self, run: &Invocation, names: &[&str], ui: &Ui) -> Result<(), Failure> {
        let files: Vec<PathBuf> = run.files.iter().filter(|f| f.is_file()).cloned().collect();
        if any_reads(&files, &["{{", "{{ "], names) == Some(false) {
            let name = names.first().copied().unwrap_or_default();
            ui.warn(&format!(
                "no Hurl file of the command uses {{{{{name}}}}}, so Hurl will not send the \
                 token; send it with a header: Authorization: Bearer {{{{{name}}}}}"
            ));
        }
        Ok(())
    }

    fn hand_over(&self, run: &Invocation, vars: &Vars) -> Result<HandOver, Failure> {
        Ok(in_environment(run, vars, hurl_secret))
    }
}

/// k6: `k6 run SCRIPT`, the token in `__ENV`.
pub struct KSix;
pub static K6: KSix = KSix;

const K6_OPTIONS: Table = Table {
    takes_value: &[
        "-e",
        "--env",
        "-o",
        "--out",
        "--summary-export",
        "--console-output",
        "--log-output",
        "-u",
        "--vus",
        "-d",
        "--duration",
        "-i",
        "--iterations",
        "-s",
        "--stage",
        "--tag",
        "--address",
        "-a",
        "--config",
        "-c",
        "--summary-trend-stats",
        "--summary-time-unit",
        "--user-agent",
        "--http-debug",
        "--compatibility-mode",
        "--execution-segment",
        "--linger",
        "--rps",
        "--batch",
        "--batch-per-host",
        "--max-redirects",
        "--blacklist-ip",
        "--block-hostnames",
        "--local-ips",
        "--dns",
        "--log-format",
        "--secret-source",
        "--paused",
    ],
    optional_value: &[],
    outputs: &[
        "-o",
        "--out",
        "--summary-export",
        "--console-output",
        "--log-output",
    ],
    environment: &[],
};

impl Runner for KSix {
    fn name(&self) -> &'static str {
        "k6"
    }

    fn command(&self, program: &str) -> Option<&'static [&'static str]> {
        (program == "k6").then_some(&["run"])
    }

    fn read(&self, argv: &[String], start: usize) -> Result<Invocation, Failure> {
        options::read(argv, start, &K6_OPTIONS)
    }

    fn prepare(&self, run: &Invocation, names: &[&str], ui: &Ui) -> Result<(), Failure> {
        if let Some(script) = run.collection.as_ref().filter(|s| s.is_file())
            && any_reads(
                std::slice::from_ref(script),
                &["__ENV.", "__ENV[\"", "__ENV['"],
                names,
            ) == Some(false)
        {
            let name = names.first().copied().unwrap_or(ENV_TOKEN_VAR);
            ui.warn(&format!(
                "{} never reads __ENV.{name}, so k6 will not send the token; send it with a \
                 header: {{ Authorization: `Bearer ${{__ENV.{name}}}` }}",
                script.shown()
            ));
        }
        Ok(())
    }

    fn hand_over(&self, run: &Invocation, vars: &Vars) -> Result<HandOver, Failure> {
        Ok(in_environment(run, vars, same))
    }

    fn default_variable(&self) -> &'static str {
        ENV_TOKEN_VAR
    }
}

/// Any command, with `exec --env NAME`: the token in its environment as `NAME`.
pub struct Any;
pub static ANY: Any = Any;

impl Runner for Any {
    fn name(&self) -> &'static str {
        "the command"
    }

    fn command(&self, _program: &str) -> Option<&'static [&'static str]> {
        None
    }

    fn read(&self, argv: &[String], start: usize) -> Result<Invocation, Failure> {
        Ok(Invocation {
            argv: argv.to_vec(),
            start,
            collection: None,
            environment: None,
            outputs: Vec::new(),
            files: Vec::new(),
        })
    }

    fn prepare(&self, _run: &Invocation, _names: &[&str], _ui: &Ui) -> Result<(), Failure> {
        Ok(())
    }

    fn hand_over(&self, run: &Invocation, vars: &Vars) -> Result<HandOver, Failure> {
        Ok(in_environment(run, vars, same))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_is_a_whole_name() {
        assert!(reads_any(
            "{{process.env.COGNITO_TOKEN}}",
            "process.env.",
            &["COGNITO_TOKEN"]
        ));
        assert!(!reads_any(
            "{{process.env.COGNITO_TOKEN2}}",
            "process.env.",
            &["COGNITO_TOKEN"]
        ));
        assert!(reads_any(
            "x __ENV.COGNITO_TOKEN;",
            "__ENV.",
            &["COGNITO_TOKEN"]
        ));
    }

    #[test]
    fn hoppscotch_takes_an_empty_secret_only() {
        let doc = |v: serde_json::Value| serde_json::json!({"variables": [v]});
        assert!(hoppscotch_takes(&doc(serde_json::json!({"key": "token", "secret": true, "initialValue": "", "currentValue": ""})), "token").is_ok());
        assert!(
            hoppscotch_takes(
                &doc(serde_json::json!({"key": "token", "secret": true, "value": "x"})),
                "token"
            )
            .is_err()
        );
        assert!(
            hoppscotch_takes(
                &doc(serde_json::json!({"key": "token", "value": ""})),
                "token"
            )
            .is_err()
        );
        assert!(hoppscotch_takes(&serde_json::json!({"token": ""}), "token").is_err());
    }
}

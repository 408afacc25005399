//! What `exec` needs to know of the command it runs, and the environment it hands over: which
//! runner (newman or the Postman CLI), which collection and environment file the command line
//! names, which report files it will write; the environment document (the user's variables plus
//! the token, as an environment variable, never a global); and the scrubbing of reports.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::error::Failure;

/// The runners `exec` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    Newman,
    PostmanCli,
}

impl Runner {
    pub fn name(self) -> &'static str {
        match self {
            Runner::Newman => "newman",
            Runner::PostmanCli => "the Postman CLI",
        }
    }
}

/// A runner's command line, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    pub argv: Vec<String>,
    pub runner: Runner,
    /// Where `run` is in `argv`.
    run_at: usize,
    /// The collection (a file or a v3 folder), when the command names one on disk.
    pub collection: Option<PathBuf>,
    /// The user's `-e/--environment FILE`, and where its value is in `argv`.
    pub environment: Option<(PathBuf, Placement)>,
    /// Report files the command line names (`--reporter-<name>-export PATH`).
    pub reports: Vec<PathBuf>,
}

/// How the environment's path is written in `argv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// `-e PATH`: the value is the argument at this index.
    Separate(usize),
    /// `--environment=PATH`: the argument at this index holds the flag and the value.
    Joined(usize),
}

fn base_name(arg: &str) -> &str {
    let name = Path::new(arg)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(arg);
    name.strip_suffix(".cmd")
        .or_else(|| name.strip_suffix(".exe"))
        .or_else(|| name.strip_suffix(".js"))
        .unwrap_or(name)
}

/// Reads `argv` as `newman run ...` or `postman collection run ...` (possibly behind `npx` or
/// `node`). Anything else is refused: `exec` only hands the token to runners it knows.
pub fn parse(argv: &[String]) -> Result<CommandLine, Failure> {
    let unknown = || {
        Failure::usage(format!(
            "exec runs newman or the Postman CLI, not {:?}",
            argv.first().map(String::as_str).unwrap_or("")
        ))
        .with_hint(
            "e.g. postman-cognito exec -- newman run api.json, or postman-cognito exec -- postman collection run api.json",
        )
    };
    let run_at = argv.iter().position(|a| a == "run").ok_or_else(unknown)?;
    let before: Vec<&str> = argv[..run_at].iter().map(|a| base_name(a)).collect();
    let runner = if before.contains(&"newman") {
        Runner::Newman
    } else if before.contains(&"postman") && before.last() == Some(&"collection") {
        Runner::PostmanCli
    } else {
        return Err(unknown());
    };
    let mut line = CommandLine {
        argv: argv.to_vec(),
        runner,
        run_at,
        collection: None,
        environment: None,
        reports: Vec::new(),
    };
    line.read_options()?;
    Ok(line)
}

impl CommandLine {
    fn read_options(&mut self) -> Result<(), Failure> {
        let mut i = self.run_at + 1;
        while i < self.argv.len() {
            let arg = self.argv[i].clone();
            let (flag, joined) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let value = |i: usize| -> Result<String, Failure> {
                self.argv
                    .get(i + 1)
                    .cloned()
                    .ok_or_else(|| Failure::usage(format!("{flag} in the command has no value")))
            };
            let is_report = flag.starts_with("--reporter-") && flag.ends_with("-export");
            let takes_value =
                joined.is_none() && (flag == "-e" || flag == "--environment" || is_report);
            if flag == "-e" || flag == "--environment" {
                let (path, at) = match joined {
                    Some(v) => (v, Placement::Joined(i)),
                    None => (value(i)?, Placement::Separate(i + 1)),
                };
                self.environment = Some((PathBuf::from(path), at));
            } else if is_report {
                self.reports.push(PathBuf::from(match joined {
                    Some(v) => v,
                    None => value(i)?,
                }));
            }
            if i == self.run_at + 1 && !arg.starts_with('-') {
                // The collection comes right after `run` (a file, a v3 folder, or a cloud id).
                let p = PathBuf::from(&arg);
                if p.exists() {
                    self.collection = Some(p);
                }
            }
            i += if takes_value { 2 } else { 1 };
        }
        Ok(())
    }

    /// The command line with the environment at `path` instead of the user's (or added).
    pub fn with_environment(&self, path: &str) -> Vec<String> {
        let mut argv = self.argv.clone();
        match self.environment {
            Some((_, Placement::Separate(at))) => argv[at] = path.to_string(),
            Some((_, Placement::Joined(at))) => argv[at] = format!("--environment={path}"),
            None => {
                argv.push("-e".into());
                argv.push(path.into());
            }
        }
        argv
    }
}

/// The environment handed to the runner: the variables of the user's environment file (JSON,
/// or the Postman CLI's YAML), with `name` set to `token` (type secret, enabled) in place of any
/// entry of that name. The user's file is only read.
pub fn environment(user: Option<&Path>, name: &str, token: &str) -> Result<Value, Failure> {
    let (title, mut values) = match user {
        None => ("postman-cognito".to_string(), Vec::new()),
        Some(path) => read_environment(path)?,
    };
    values.retain(|v| v.get("key").and_then(Value::as_str) != Some(name));
    values.push(json!({"key": name, "value": token, "type": "secret", "enabled": true}));
    Ok(json!({
        "name": title,
        "values": values,
        "_postman_variable_scope": "environment",
    }))
}

fn read_environment(path: &Path) -> Result<(String, Vec<Value>), Failure> {
    let raw = crate::collection::file::read(path)?;
    let bad = |why: &str| {
        Failure::bad_input(format!("{}: {why}", path.display()))
            .with_hint("pass a Postman environment file (JSON, or the Postman CLI's YAML)")
    };
    let doc: Value = match serde_json::from_slice::<Value>(&raw.bytes) {
        Ok(v) => v,
        Err(_) => yaml_to_json(&raw.bytes).ok_or_else(|| bad("not JSON nor YAML"))?,
    };
    let values = doc
        .get("values")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("not an environment file (it has no \"values\")"))?
        .clone();
    let title = doc
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("environment")
        .to_string();
    Ok((title, values))
}

/// A YAML document as JSON (scalars as YAML reads them).
fn yaml_to_json(bytes: &[u8]) -> Option<Value> {
    use yaml_rust2::Yaml;
    fn conv(y: &Yaml) -> Value {
        match y {
            Yaml::Real(r) => r.parse::<f64>().map(Value::from).unwrap_or(Value::Null),
            Yaml::Integer(i) => Value::from(*i),
            Yaml::String(s) => Value::from(s.as_str()),
            Yaml::Boolean(b) => Value::from(*b),
            Yaml::Array(a) => Value::Array(a.iter().map(conv).collect()),
            Yaml::Hash(h) => Value::Object(
                h.iter()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_string(), conv(v))))
                    .collect(),
            ),
            _ => Value::Null,
        }
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let docs = yaml_rust2::YamlLoader::load_from_str(text).ok()?;
    docs.first().map(conv)
}

/// Whether the collection at `path` (a JSON file or a v3 folder) sends `{{name}}` as its OAuth
/// 2.0 token; `None` when that cannot be told (not a file the tool reads).
pub fn uses_variable(path: &Path, name: &str) -> Option<bool> {
    let reference = format!("{{{{{name}}}}}");
    if path.is_dir() {
        let raw = crate::collection::file::read(&path.join(".resources/definition.yaml")).ok()?;
        let doc = crate::yaml::read(&raw.bytes).ok()?;
        let token = crate::collection::tree::root_access_token(&doc)?;
        return Some(token.trim() == reference);
    }
    let loaded = crate::collection::file::load(path, &[]).ok()?;
    let token = crate::check::root_access_token(&loaded.collection)?;
    Some(token.trim() == reference)
}

/// Replaces every spelling of `token` in the report files `paths` (and in the files directly
/// inside a folder among them) written since `since`; returns the files changed.
pub fn scrub_reports(
    paths: &[PathBuf],
    token: &str,
    since: std::time::SystemTime,
) -> Result<Vec<PathBuf>, Failure> {
    let escaped = crate::json::edit::json_string(token);
    let forms = [token.to_string(), escaped[1..escaped.len() - 1].to_string()];
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            if let Ok(entries) = std::fs::read_dir(p) {
                files.extend(entries.flatten().map(|e| e.path()).filter(|f| f.is_file()));
            }
        } else if p.is_file() {
            files.push(p.clone());
        }
    }
    let mut changed = Vec::new();
    for f in files {
        // Only what the run wrote: older reports are not the run's to change.
        let fresh = std::fs::metadata(&f)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t >= since);
        if !fresh {
            continue;
        }
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        let mut hit = false;
        for form in forms.iter().filter(|f| f.len() >= 8) {
            if text.contains(form.as_str()) {
                hit = true;
                text = text.replace(form.as_str(), crate::redact::MASK);
            }
        }
        if hit {
            crate::atomic::write(&f, text.as_bytes(), None, None)?;
            changed.push(f);
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn runners_flags_and_reports_are_read() {
        let l = parse(&argv(
            "npx newman run api.json -e staging.json --reporters cli,junit --reporter-junit-export out/r.xml",
        ))
        .unwrap();
        assert_eq!(l.runner, Runner::Newman);
        assert_eq!(
            l.environment,
            Some((PathBuf::from("staging.json"), Placement::Separate(5)))
        );
        assert_eq!(l.reports, vec![PathBuf::from("out/r.xml")]);
        assert_eq!(l.with_environment("/proc/1/fd/9")[5], "/proc/1/fd/9");
        let l = parse(&argv("postman collection run c --environment=e.yaml")).unwrap();
        assert_eq!(l.runner, Runner::PostmanCli);
        assert_eq!(l.with_environment("P")[4], "--environment=P");
        let l = parse(&argv("newman run c.json")).unwrap();
        assert_eq!(l.with_environment("P"), argv("newman run c.json -e P"));
        assert!(parse(&argv("curl run x")).is_err());
        assert!(parse(&argv("newman run c.json -e")).is_err());
    }

    #[test]
    fn the_token_replaces_the_users_variable_of_that_name() {
        let d = tempfile::tempdir().unwrap();
        let yaml = d.path().join("e.environment.yaml");
        std::fs::write(
            &yaml,
            "name: staging\nvalues:\n  - key: base\n    value: http://127.0.0.1\n    enabled: true\n  - key: token\n    value: old\n",
        )
        .unwrap();
        let env = environment(Some(&yaml), "token", "T").unwrap();
        assert_eq!(env["name"], "staging");
        let values = env["values"].as_array().unwrap();
        assert_eq!(values.len(), 2);
        assert_eq!(values[0]["key"], "base");
        assert_eq!(
            values[1],
            json!({"key": "token", "value": "T", "type": "secret", "enabled": true})
        );
    }
}

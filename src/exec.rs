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
    /// The collection (a file or a v3 folder), when the command names one on disk.
    pub collection: Option<PathBuf>,
    /// The user's `-e/--environment FILE` (the last one: the runner uses that), and where its
    /// value is in `argv`.
    pub environment: Option<(PathBuf, Placement)>,
    /// Files the runner may write that can hold the token: the report files the command line
    /// names (`--reporter-<name>-export PATH`) and the files it exports (`--export-environment`,
    /// `--export-globals`, `--export-collection`, `--export-cookie-jar`).
    pub reports: Vec<PathBuf>,
}

/// How the environment's path is written in `argv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// `-e PATH`: the value is the argument at this index.
    Separate(usize),
    /// `--environment=PATH`: the argument at this index holds the flag and the value.
    Joined(usize),
    /// `-ePATH`: the argument at this index holds the short flag and the value.
    Attached(usize),
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

/// An npm package spec without its version: `newman@6` is `newman`, `@scope/name@1` is
/// `@scope/name`.
fn package_name(spec: &str) -> &str {
    match spec.strip_prefix('@') {
        Some(rest) => rest.find('@').map_or(spec, |at| &spec[..at + 1]),
        None => spec.split('@').next().unwrap_or(spec),
    }
}

/// The runner a program (or npm package) name is, and the words of its run subcommand.
fn runner_of(name: &str) -> Option<(Runner, &'static [&'static str])> {
    match name {
        "newman" => Some((Runner::Newman, &["run"])),
        "postman" | "postman-cli" => Some((Runner::PostmanCli, &["collection", "run"])),
        _ => None,
    }
}

/// Where the runner's own arguments start in `argv`: after the runner's program, run directly
/// (`newman`), through a package runner (`npx newman@6`, `npx -p postman-cli postman`, `pnpm
/// exec`, `pnpm dlx`, `yarn`, `yarn dlx`, `bunx`) or through node (`node .../newman.js`).
/// `None` when the program is none of these: a shell (`sh -c '... newman run'`) is not newman.
fn find_runner(argv: &[String]) -> Option<(Runner, usize)> {
    let program = base_name(argv.first()?);
    let (runner, words, at) = match program {
        "npx" | "bunx" => {
            // npx [options] <package[@version]> [args]; with -p/--package the command follows.
            let mut i = 1;
            let mut package = false;
            while let Some(a) = argv.get(i) {
                match a.as_str() {
                    "-p" | "--package" => {
                        package = true;
                        i += 2;
                    }
                    a if a.starts_with("--package=") => {
                        package = true;
                        i += 1;
                    }
                    "-y" | "--yes" | "--no" | "-q" | "--quiet" | "--no-install" | "--bun" => {
                        i += 1;
                    }
                    "--" => i += 1,
                    a if a.starts_with('-') => return None,
                    _ => break,
                }
            }
            let name = argv.get(i)?;
            let name = if package {
                base_name(name)
            } else {
                package_name(name)
            };
            let (runner, words) = runner_of(name)?;
            (runner, words, i + 1)
        }
        "pnpm" | "yarn" => {
            let mut i = 1;
            if matches!(argv.get(i).map(String::as_str), Some("exec" | "dlx")) {
                i += 1;
            }
            let (runner, words) = runner_of(package_name(argv.get(i)?))?;
            (runner, words, i + 1)
        }
        "node" | "nodejs" => {
            // node [options] <script> [args]: options that take a value are written joined
            // (--opt=value), but for -r/--require, --import and --loader.
            let mut i = 1;
            while let Some(a) = argv.get(i) {
                match a.as_str() {
                    "-r" | "--require" | "--import" | "--loader" => i += 2,
                    // Code given on the command line: no script, so no runner to tell.
                    "-e" | "--eval" | "-p" | "--print" | "-" => return None,
                    a if a.starts_with('-') => i += 1,
                    _ => break,
                }
            }
            let (runner, words) = runner_of(base_name(argv.get(i)?))?;
            (runner, words, i + 1)
        }
        other => {
            let (runner, words) = runner_of(other)?;
            (runner, words, 1)
        }
    };
    let mut i = at;
    for w in words {
        if argv.get(i).map(String::as_str) != Some(*w) {
            return None;
        }
        i += 1;
    }
    Some((runner, i))
}

/// The runners' options that always take a value (the next argument, or `=VALUE`).
const TAKES_VALUE: &[&str] = &[
    "-e",
    "--environment",
    "-g",
    "--globals",
    "-n",
    "--iteration-count",
    "-d",
    "--iteration-data",
    "-i",
    "--folder",
    "--global-var",
    "--env-var",
    "--export-environment",
    "--export-globals",
    "--export-collection",
    "--export-cookie-jar",
    "--postman-api-key",
    "--integration-id",
    "--alias",
    "--color",
    "--working-dir",
    "--ssl-client-cert-list",
    "--ssl-client-cert",
    "--ssl-client-key",
    "--ssl-client-passphrase",
    "--ssl-extra-ca-certs",
    "--cookie-jar",
    "--mock",
    "--simulate",
];

/// Options whose value may be left out (taken when the next argument does not start with `-`),
/// as commander reads them; reporter options (`--reporter-<name>-<option>`) too.
const OPTIONAL_VALUE: &[&str] = &[
    "-r",
    "--reporters",
    "--bail",
    "--delay-request",
    "--timeout",
    "--timeout-request",
    "--timeout-script",
];

/// Files a runner writes after the run, which can hold the token: they are scrubbed.
const EXPORTS: &[&str] = &[
    "--export-environment",
    "--export-globals",
    "--export-collection",
    "--export-cookie-jar",
];

/// Reads `argv` as newman or the Postman CLI (run directly, or behind a package runner or
/// node). Anything else is refused: `exec` only hands the token to runners it knows, and a
/// command line it cannot read (an environment flag it cannot place) is refused rather than
/// guessed at.
pub fn parse(argv: &[String]) -> Result<CommandLine, Failure> {
    let unknown = || {
        Failure::usage(format!(
            "exec runs newman or the Postman CLI, and {:?} is neither",
            crate::redact::inline(argv.first().map(String::as_str).unwrap_or(""))
        ))
        .with_hint(
            "name the runner first: postman-cognito exec -- newman run api.json, or postman-cognito \
             exec -- postman collection run api.json (npx, pnpm exec, yarn and node in front of \
             them are understood; a shell is not)",
        )
    };
    let (runner, start) = find_runner(argv).ok_or_else(unknown)?;
    let mut line = CommandLine {
        argv: argv.to_vec(),
        runner,
        collection: None,
        environment: None,
        reports: Vec::new(),
    };
    line.read_options(start)?;
    Ok(line)
}

impl CommandLine {
    fn read_options(&mut self, start: usize) -> Result<(), Failure> {
        let mut i = start;
        let mut positional = false;
        while i < self.argv.len() {
            let arg = self.argv[i].clone();
            let next = self.argv.get(i + 1).cloned();
            if arg == "--" {
                break;
            }
            let missing = |flag: &str| {
                Failure::usage(format!(
                    "{} in the command has no value",
                    crate::redact::inline(flag)
                ))
            };
            if let Some(rest) = arg.strip_prefix("--") {
                let (flag, joined) = match rest.split_once('=') {
                    Some((f, v)) => (format!("--{f}"), Some(v.to_string())),
                    None => (arg.clone(), None),
                };
                let report = flag.starts_with("--reporter-") && flag.ends_with("-export");
                let required = TAKES_VALUE.contains(&flag.as_str()) || report;
                let optional = OPTIONAL_VALUE.contains(&flag.as_str())
                    || (flag.starts_with("--reporter-") && !report);
                let (value, used) = match (joined, &next) {
                    (Some(v), _) => (Some(v), 1),
                    (None, Some(n)) if required => (Some(n.clone()), 2),
                    (None, None) if required => return Err(missing(&flag)),
                    (None, Some(n)) if optional && !n.starts_with('-') => (Some(n.clone()), 2),
                    (None, _) => (None, 1),
                };
                if flag == "--environment" {
                    let at = if used == 1 {
                        Placement::Joined(i)
                    } else {
                        Placement::Separate(i + 1)
                    };
                    self.environment = value.clone().map(|v| (PathBuf::from(v), at));
                }
                if report || EXPORTS.contains(&flag.as_str()) {
                    self.reports.extend(value.map(PathBuf::from));
                }
                i += used;
            } else if arg.len() > 1 && arg.starts_with('-') {
                // Short options: `-e FILE`, `-eFILE`, or booleans run together (`-kx`).
                let letters = &arg[1..];
                let first = format!("-{}", &letters[..1]);
                let takes = TAKES_VALUE.contains(&first.as_str());
                let optional = OPTIONAL_VALUE.contains(&first.as_str());
                if letters.len() > 1 && !takes && !optional {
                    if letters.contains(['e', 'g', 'n', 'd', 'i', 'r']) {
                        return Err(Failure::usage(format!(
                            "exec cannot read the option {} of the command: write each option \
                             that takes a value on its own (-e FILE)",
                            crate::redact::inline(&arg)
                        )));
                    }
                    i += 1;
                    continue;
                }
                let (value, used, attached) = if letters.len() > 1 {
                    (Some(letters[1..].to_string()), 1, true)
                } else {
                    match &next {
                        Some(n) if takes => (Some(n.clone()), 2, false),
                        None if takes => return Err(missing(&arg)),
                        Some(n) if optional && !n.starts_with('-') => (Some(n.clone()), 2, false),
                        _ => (None, 1, false),
                    }
                };
                if first == "-e" {
                    let at = if attached {
                        Placement::Attached(i)
                    } else {
                        Placement::Separate(i + 1)
                    };
                    self.environment = value.map(|v| (PathBuf::from(v), at));
                }
                i += used;
            } else {
                if !positional {
                    // The collection: a file, a v3 folder, or a cloud id.
                    positional = true;
                    let p = PathBuf::from(&arg);
                    if p.exists() {
                        self.collection = Some(p);
                    }
                }
                i += 1;
            }
        }
        Ok(())
    }

    /// The command line with the environment at `path` instead of the user's (or added).
    pub fn with_environment(&self, path: &str) -> Vec<String> {
        let mut argv = self.argv.clone();
        match self.environment {
            Some((_, Placement::Separate(at))) => argv[at] = path.to_string(),
            Some((_, Placement::Joined(at))) => argv[at] = format!("--environment={path}"),
            Some((_, Placement::Attached(at))) => argv[at] = format!("-e{path}"),
            None => {
                // Before a `--` that ends the runner's options, if there is one.
                let at = argv.iter().position(|a| a == "--").unwrap_or(argv.len());
                argv.splice(at..at, ["-e".to_string(), path.to_string()]);
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

/// The name and variables of the user's environment file, read with the readers `refresh`
/// uses (the strict JSON scanner, the YAML reader), so that a bad file gets the same error,
/// with its place.
fn read_environment(path: &Path) -> Result<(String, Vec<Value>), Failure> {
    let raw = crate::collection::file::read(path)?;
    let doc = crate::environment::VarFile::read(path, &raw.bytes)
        .map_err(|e| crate::collection::file::not_a_collection(path, &raw.bytes, e))?;
    Ok(doc.values(&raw.bytes))
}

/// Whether the collection at `path` (a file or a folder, in any format) sends `{{name}}` as its
/// token; `None` when that cannot be told (not a collection the tool reads).
pub fn uses_variable(path: &Path, name: &str) -> Option<bool> {
    let doc = crate::collection::open(path, crate::collection::Options::default()).ok()?;
    let token = doc.root_token()?;
    Some(token.trim() == format!("{{{{{name}}}}}"))
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

    /// Issue 23.10: the runner is told by its program, and every spelling of -e is read.
    #[test]
    fn the_runner_is_its_program_and_every_environment_spelling_is_read() {
        // A shell that mentions newman is not newman.
        assert!(parse(&argv("sh -c x newman run")).is_err());
        assert!(parse(&argv("bash run.sh newman run c.json")).is_err());
        for line in [
            "npx newman@6 run c.json",
            "npx -y newman run c.json",
            "npx -p newman newman run c.json",
            "pnpm exec newman run c.json",
            "yarn newman run c.json",
            "node node_modules/newman/bin/newman.js run c.json",
            "node --max-old-space-size=4096 node_modules/.bin/newman run c.json",
        ] {
            assert_eq!(parse(&argv(line)).unwrap().runner, Runner::Newman, "{line}");
        }
        assert_eq!(
            parse(&argv("npx -p postman-cli postman collection run c"))
                .unwrap()
                .runner,
            Runner::PostmanCli
        );
        // -eFILE, attached, as newman (commander) reads it.
        let l = parse(&argv("newman run c.json -eenv.json")).unwrap();
        assert_eq!(
            l.environment,
            Some((PathBuf::from("env.json"), Placement::Attached(3)))
        );
        assert_eq!(l.with_environment("P")[3], "-eP");
        // The last -e is the one the runner uses.
        let l = parse(&argv("newman run c.json -e a.json --environment b.json")).unwrap();
        assert_eq!(l.environment.unwrap().0, PathBuf::from("b.json"));
        // Booleans run together are fine; one that hides a value is refused.
        assert!(parse(&argv("newman run c.json -kx")).is_ok());
        assert!(parse(&argv("newman run c.json -ke env.json")).is_err());
        // The collection after options that take values.
        let l = parse(&argv("newman run -r cli --folder f Cargo.toml")).unwrap();
        assert_eq!(l.collection, Some(PathBuf::from("Cargo.toml")));
        // Exported files are scrubbed like reports.
        let l = parse(&argv(
            "newman run c.json --export-environment out/e.json --export-globals=g.json \
             --reporter-json-export r.json",
        ))
        .unwrap();
        assert_eq!(
            l.reports,
            ["out/e.json", "g.json", "r.json"].map(PathBuf::from)
        );
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

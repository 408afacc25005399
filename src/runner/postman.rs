//! The Postman runners: newman and the Postman CLI. Both read Postman collections and
//! environments, and take commander's options. The token reaches them in a Postman environment
//! handed over in memory (`-e /proc/<pid>/fd/<n>`): the user's environment's variables, with
//! each token as a variable of type secret (never a global, which a collection variable would
//! shadow). Their reports and exported files are scrubbed afterwards.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{HandOver, Handoff, Invocation, Placement, Runner, Vars};
use crate::error::Failure;
use crate::redact::Shown as _;
use crate::ui::Ui;

/// newman: `newman run COLLECTION`.
pub struct Newman;

/// The Postman CLI: `postman collection run COLLECTION`.
pub struct PostmanCli;

pub static NEWMAN: Newman = Newman;
pub static POSTMAN_CLI: PostmanCli = PostmanCli;

impl Runner for Newman {
    fn name(&self) -> &'static str {
        "newman"
    }

    fn command(&self, program: &str) -> Option<&'static [&'static str]> {
        (program == "newman").then_some(&["run"])
    }

    fn read(&self, argv: &[String], start: usize) -> Result<Invocation, Failure> {
        read_options(argv, start)
    }

    fn prepare(&self, run: &Invocation, names: &[&str], ui: &Ui) -> Result<(), Failure> {
        prepare(self.name(), run, names, ui)
    }

    fn hand_over(&self, run: &Invocation, vars: &Vars) -> Result<HandOver, Failure> {
        hand_over(run, vars)
    }

    fn outputs(&self, run: &Invocation, cwd: &Path) -> Vec<PathBuf> {
        let mut out = run.outputs.clone();
        // `-r json` writes here unless told where.
        out.push(cwd.join("newman"));
        out
    }
}

impl Runner for PostmanCli {
    fn name(&self) -> &'static str {
        "the Postman CLI"
    }

    fn command(&self, program: &str) -> Option<&'static [&'static str]> {
        matches!(program, "postman" | "postman-cli").then_some(&["collection", "run"])
    }

    fn read(&self, argv: &[String], start: usize) -> Result<Invocation, Failure> {
        read_options(argv, start)
    }

    fn prepare(&self, run: &Invocation, names: &[&str], ui: &Ui) -> Result<(), Failure> {
        prepare(self.name(), run, names, ui)
    }

    fn hand_over(&self, run: &Invocation, vars: &Vars) -> Result<HandOver, Failure> {
        hand_over(run, vars)
    }

    fn outputs(&self, run: &Invocation, cwd: &Path) -> Vec<PathBuf> {
        let mut out = run.outputs.clone();
        // Reports the command line does not name are still written, here.
        out.push(cwd.join("postman-cli-reports"));
        out
    }
}

/// Reads the user's environment (a bad one fails before the sign-in), and warns when the
/// collection's auth does not send the first variable.
fn prepare(runner: &str, run: &Invocation, names: &[&str], ui: &Ui) -> Result<(), Failure> {
    let user = run.environment.as_ref().map(|(p, _)| p.as_path());
    environment(user, &[])?;
    if let (Some(c), Some(name)) = (&run.collection, names.first())
        && uses_variable(c, name) == Some(false)
    {
        ui.warn(&format!(
            "{}'s auth does not use {{{{{name}}}}}, so {runner} will not send the token; \
             convert it once, offline (no sign-in): postman-cognito refresh --token-var {name} {}",
            c.shown(),
            c.shown()
        ));
    }
    Ok(())
}

/// The environment with the tokens, in memory, passed with `-e` in place of the user's.
fn hand_over(run: &Invocation, vars: &Vars) -> Result<HandOver, Failure> {
    let user = run.environment.as_ref().map(|(p, _)| p.as_path());
    let doc = environment(user, vars)?;
    let handoff = Handoff::new(&serde_json::to_vec(&doc).unwrap_or_default())?;
    let names: Vec<String> = vars.iter().map(|(n, _)| format!("{{{{{n}}}}}")).collect();
    Ok(HandOver {
        argv: with_environment(run, &handoff.path),
        env: Vec::new(),
        temp: None,
        said: format!("{} in an environment at {}", names.join(", "), handoff.path),
        keep: Some(handoff),
    })
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

/// Reads the options of a run command as commander (newman's and the Postman CLI's parser)
/// reads them: every spelling of `-e`, the files it exports, the collection.
fn read_options(argv: &[String], start: usize) -> Result<Invocation, Failure> {
    let mut run = Invocation {
        argv: argv.to_vec(),
        start,
        collection: None,
        environment: None,
        outputs: Vec::new(),
        files: Vec::new(),
    };
    let mut i = start;
    let mut positional = false;
    while i < run.argv.len() {
        let arg = run.argv[i].clone();
        let next = run.argv.get(i + 1).cloned();
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
                run.environment = value.clone().map(|v| (PathBuf::from(v), at));
            }
            if report || EXPORTS.contains(&flag.as_str()) {
                run.outputs.extend(value.map(PathBuf::from));
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
                run.environment = value.map(|v| (PathBuf::from(v), at));
            }
            i += used;
        } else {
            if !positional {
                // The collection: a file, a v3 folder, or a cloud id.
                positional = true;
                let p = PathBuf::from(&arg);
                if p.exists() {
                    run.collection = Some(p);
                }
            }
            i += 1;
        }
    }
    Ok(run)
}

/// The command line with the environment at `path` instead of the user's (or added).
pub fn with_environment(run: &Invocation, path: &str) -> Vec<String> {
    let mut argv = run.argv.clone();
    match run.environment {
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

/// The environment handed to the runner: the variables of the user's environment file (JSON,
/// or the Postman CLI's YAML), with each of `vars` set (type secret, enabled) in place of any
/// entry of that name. The user's file is only read.
pub fn environment(user: Option<&Path>, vars: &Vars) -> Result<Value, Failure> {
    let (title, mut values) = match user {
        None => ("postman-cognito".to_string(), Vec::new()),
        Some(path) => read_environment(path)?,
    };
    for (name, token) in vars {
        values.retain(|v| v.get("key").and_then(Value::as_str) != Some(name));
        values.push(json!({"key": name, "value": token, "type": "secret", "enabled": true}));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::parse;

    fn parse_known(
        argv: &[String],
    ) -> Result<
        (
            &'static dyn crate::runner::Runner,
            crate::runner::Invocation,
        ),
        Failure,
    > {
        parse(argv, false)
    }

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn runners_flags_and_reports_are_read() {
        let (r, l) = parse_known(&argv(
            "npx newman run api.json -e staging.json --reporters cli,junit --reporter-junit-export out/r.xml",
        ))
        .unwrap();
        assert_eq!(r.name(), "newman");
        assert_eq!(
            l.environment,
            Some((PathBuf::from("staging.json"), Placement::Separate(5)))
        );
        assert_eq!(l.outputs, vec![PathBuf::from("out/r.xml")]);
        assert_eq!(with_environment(&l, "/proc/1/fd/9")[5], "/proc/1/fd/9");
        let (r, l) = parse_known(&argv("postman collection run c --environment=e.yaml")).unwrap();
        assert_eq!(r.name(), "the Postman CLI");
        assert_eq!(with_environment(&l, "P")[4], "--environment=P");
        let (_, l) = parse_known(&argv("newman run c.json")).unwrap();
        assert_eq!(with_environment(&l, "P"), argv("newman run c.json -e P"));
        assert!(parse_known(&argv("curl run x")).is_err());
        assert!(parse_known(&argv("newman run c.json -e")).is_err());
    }

    /// Issue 23.10: the runner is told by its program, and every spelling of -e is read.
    #[test]
    fn the_runner_is_its_program_and_every_environment_spelling_is_read() {
        // A shell that mentions newman is not newman.
        assert!(parse_known(&argv("sh -c x newman run")).is_err());
        assert!(parse_known(&argv("bash run.sh newman run c.json")).is_err());
        for line in [
            "npx newman@6 run c.json",
            "npx -y newman run c.json",
            "npx -p newman newman run c.json",
            "pnpm exec newman run c.json",
            "yarn newman run c.json",
            "node node_modules/newman/bin/newman.js run c.json",
            "node --max-old-space-size=4096 node_modules/.bin/newman run c.json",
        ] {
            assert_eq!(
                parse_known(&argv(line)).unwrap().0.name(),
                "newman",
                "{line}"
            );
        }
        assert_eq!(
            parse_known(&argv("npx -p postman-cli postman collection run c"))
                .unwrap()
                .0
                .name(),
            "the Postman CLI"
        );
        // -eFILE, attached, as newman (commander) reads it.
        let (_, l) = parse_known(&argv("newman run c.json -eenv.json")).unwrap();
        assert_eq!(
            l.environment,
            Some((PathBuf::from("env.json"), Placement::Attached(3)))
        );
        assert_eq!(with_environment(&l, "P")[3], "-eP");
        // The last -e is the one the runner uses.
        let (_, l) =
            parse_known(&argv("newman run c.json -e a.json --environment b.json")).unwrap();
        assert_eq!(l.environment.unwrap().0, PathBuf::from("b.json"));
        // Booleans run together are fine; one that hides a value is refused.
        assert!(parse_known(&argv("newman run c.json -kx")).is_ok());
        assert!(parse_known(&argv("newman run c.json -ke env.json")).is_err());
        // The collection after options that take values.
        let (_, l) = parse_known(&argv("newman run -r cli --folder f Cargo.toml")).unwrap();
        assert_eq!(l.collection, Some(PathBuf::from("Cargo.toml")));
        // Exported files are scrubbed like reports.
        let (_, l) = parse_known(&argv(
            "newman run c.json --export-environment out/e.json --export-globals=g.json \
             --reporter-json-export r.json",
        ))
        .unwrap();
        assert_eq!(
            l.outputs,
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
        let env = environment(Some(&yaml), &[("token", "T")]).unwrap();
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

//! The runner seam: `exec` knows a runner through [`Runner`]: how it is recognised (by its
//! program, run directly or behind a package runner or node), how it reads its command line,
//! how it gets the tokens (its channel), and which files it may write that must be scrubbed
//! afterwards. A new runner is one implementation and one line in [`RUNNERS`].
//!
//! ```text
//! newman, the Postman CLI   an environment document in memory, passed with -e   (postman.rs)
//! Bruno (bru run)           COGNITO_TOKEN in its environment: {{process.env.COGNITO_TOKEN}}
//! Hoppscotch (hopp test)    token in its environment, a secret of its environment file
//! Hurl                      HURL_SECRET_token in its environment: {{token}}, redacted by Hurl
//! k6 (k6 run)               COGNITO_TOKEN in its environment: __ENV.COGNITO_TOKEN
//! any command (--env NAME)  NAME in its environment                     (environment.rs)
//! ```

pub mod environment;
mod options;
pub mod postman;

use std::path::{Path, PathBuf};

use crate::error::Failure;
use crate::ui::Ui;

/// What a runner is handed: variables (a name and its secret value).
pub type Vars<'a> = [(&'a str, &'a str)];

/// A runner's command line, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub argv: Vec<String>,
    /// Where the runner's own arguments start (after its program and its run command's words).
    pub start: usize,
    /// The collection it runs, when the command names one on disk.
    pub collection: Option<PathBuf>,
    /// The user's environment file (the last one given: the runner uses that), and where its
    /// name is in `argv`.
    pub environment: Option<(PathBuf, Placement)>,
    /// Files the command line names that the runner writes, and that can hold the token (an
    /// empty path: an option given without its value, the runner's default file).
    pub outputs: Vec<PathBuf>,
    /// Every positional argument that names a file or folder on disk (the files a runner
    /// reads: hurl's `.hurl` files, k6's script).
    pub files: Vec<PathBuf>,
}

/// How an option's value is written in `argv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// `-e PATH`: the value is the argument at this index.
    Separate(usize),
    /// `--environment=PATH`: the argument at this index holds the flag and the value.
    Joined(usize),
    /// `-ePATH`: the argument at this index holds the short flag and the value.
    Attached(usize),
}

/// How the tokens reach the runner: the command line to run (no secret on it) and the
/// variables to add to its environment (the channel's, when that is the environment), and what
/// must live while it runs.
pub struct HandOver {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    pub keep: Option<Handoff>,
    /// A private folder of files the runner reads (they hold no token), removed after the run.
    pub temp: Option<tempfile::TempDir>,
    /// Where the tokens are, in words, for `-v`.
    pub said: String,
}

/// A runner `exec` knows.
pub trait Runner: Sync {
    /// Its name in messages ("newman", "the Postman CLI").
    fn name(&self) -> &'static str;
    /// The words of its command that runs a collection, when `program` (a program's or an npm
    /// package's name) is this runner.
    fn command(&self, program: &str) -> Option<&'static [&'static str]>;
    /// Reads its own arguments, from `start` in `argv`.
    fn read(&self, argv: &[String], start: usize) -> Result<Invocation, Failure>;
    /// Before the sign-in: reads the user's files the run needs (a bad one fails here), and
    /// warns when the collection does not send the variables.
    fn prepare(&self, run: &Invocation, names: &[&str], ui: &Ui) -> Result<(), Failure>;
    /// The command line and environment that hand `vars` over.
    fn hand_over(&self, run: &Invocation, vars: &Vars) -> Result<HandOver, Failure>;
    /// The files it may have written (named on its command line, or by default in `cwd`) that
    /// can hold the tokens: those its command line names, unless it says more.
    fn outputs(&self, run: &Invocation, _cwd: &Path) -> Vec<PathBuf> {
        run.outputs.clone()
    }
    /// The variable the run's own token is handed over as, unless `--token-var` says.
    fn default_variable(&self) -> &'static str {
        crate::keys::DEFAULT_TOKEN_VAR
    }
    /// The files it may rewrite in place while it runs (a collection's files, environment
    /// files that scripts write variables into): hashed before the run, and those that
    /// changed and hold a token are scrubbed after it.
    fn watched(&self, _run: &Invocation, _cwd: &Path) -> Vec<PathBuf> {
        Vec::new()
    }
}

/// Every runner `exec` knows by its program.
pub static RUNNERS: &[&dyn Runner] = &[
    &postman::NEWMAN,
    &postman::POSTMAN_CLI,
    &environment::BRUNO,
    &environment::HOPPSCOTCH,
    &environment::HURL,
    &environment::K6,
];

/// A program's name without its folder and a Windows or script extension.
pub fn base_name(arg: &str) -> &str {
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

/// The runner `program` is, and the words of its run command.
fn runner_of(program: &str) -> Option<(&'static dyn Runner, &'static [&'static str])> {
    RUNNERS
        .iter()
        .find_map(|r| r.command(program).map(|words| (*r, words)))
}

/// The runner `argv` starts, and where its own arguments start: its program run directly
/// (`newman`), through a package runner (`npx newman@6`, `npx -p postman-cli postman`, `pnpm
/// exec`, `pnpm dlx`, `yarn`, `yarn dlx`, `bunx`) or through node (`node .../newman.js`).
/// `None` when the program is none of these: a shell (`sh -c '... newman run'`) is no runner.
fn find(argv: &[String]) -> Option<(&'static dyn Runner, usize)> {
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

/// Reads `argv` as a runner's command line. Anything else is refused: `exec` only hands the
/// token to runners it knows, and a command line it cannot read (an environment flag it cannot
/// place) is refused rather than guessed at.
/// With `any` (`exec --env NAME`), any command is run, the token in its environment.
pub fn parse(argv: &[String], any: bool) -> Result<(&'static dyn Runner, Invocation), Failure> {
    if any {
        return Ok((&environment::ANY, environment::ANY.read(argv, 1)?));
    }
    let names: Vec<&str> = RUNNERS.iter().map(|r| r.name()).collect();
    let unknown = || {
        Failure::usage(format!(
            "{:?} is not a runner exec knows ({})",
            crate::redact::inline(argv.first().map(String::as_str).unwrap_or("")),
            names.join(", ")
        ))
        .with_hint(
            "name the runner first: postman-cognito exec -- newman run api.json (npx, pnpm exec, \
             yarn and node in front of a runner are understood; a shell is not); to hand the \
             token to any other command in its environment: postman-cognito exec --env TOKEN -- \
             COMMAND",
        )
    };
    let (runner, start) = find(argv).ok_or_else(unknown)?;
    Ok((runner, runner.read(argv, start)?))
}

/// A file handed to the runner, where only this user's processes can read it, for as long as
/// this value lives.
pub struct Handoff {
    pub path: String,
    #[cfg(target_os = "linux")]
    _file: std::fs::File,
    #[cfg(not(target_os = "linux"))]
    _dir: tempfile::TempDir,
}

impl Handoff {
    /// On Linux a memfd: the bytes live in memory only and vanish with this process, even
    /// after a SIGKILL; the runner opens it through `/proc/<our pid>/fd/<n>` (readable by the
    /// same user only).
    #[cfg(target_os = "linux")]
    pub fn new(bytes: &[u8]) -> Result<Handoff, Failure> {
        use std::io::Write;
        use std::os::fd::AsRawFd;
        let fd = rustix::fs::memfd_create(
            "postman-cognito-environment",
            rustix::fs::MemfdFlags::CLOEXEC,
        )
        .map_err(|e| Failure::io(format!("cannot make the in-memory environment: {e}")))?;
        let mut file = std::fs::File::from(fd);
        file.write_all(bytes)
            .map_err(|e| Failure::io(format!("cannot fill the in-memory environment: {e}")))?;
        let path = format!("/proc/{}/fd/{}", std::process::id(), file.as_raw_fd());
        Ok(Handoff { path, _file: file })
    }

    /// Elsewhere: a 0600 file in a private folder, removed when this value is dropped; the
    /// folder is named with the PID, and a later run removes those of dead processes.
    #[cfg(not(target_os = "linux"))]
    pub fn new(bytes: &[u8]) -> Result<Handoff, Failure> {
        remove_stale_handoffs();
        let dir = tempfile::Builder::new()
            .prefix(&format!("postman-cognito-exec-{}-", std::process::id()))
            .tempdir()
            .map_err(|e| Failure::io(format!("cannot make a private folder: {e}")))?;
        let path = dir.path().join("environment.json");
        std::fs::write(&path, bytes)
            .map_err(|e| Failure::io(format!("cannot write {}: {e}", path.display())))?;
        Ok(Handoff {
            path: path.display().to_string(),
            _dir: dir,
        })
    }
}

/// Removes the private folders of earlier runs whose process is gone (killed before they could
/// remove their own).
#[cfg(not(target_os = "linux"))]
fn remove_stale_handoffs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("postman-cognito-exec-")
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        #[cfg(unix)]
        let gone = rustix::process::Pid::from_raw(pid)
            .is_some_and(|p| rustix::process::test_kill_process(p) == Err(rustix::io::Errno::SRCH));
        #[cfg(not(unix))]
        let gone = {
            let _ = pid;
            false
        };
        if gone {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// What a set of files held before a run: a hash of each one's bytes.
pub struct Fingerprints(std::collections::HashMap<PathBuf, u64>);

impl Fingerprints {
    pub fn of(files: &[PathBuf]) -> Fingerprints {
        Fingerprints(
            files
                .iter()
                .filter_map(|f| Some((f.clone(), fingerprint(&std::fs::read(f).ok()?))))
                .collect(),
        )
    }

    /// Those of `files` (listed again after the run) that are new or hold other bytes now.
    pub fn changed(&self, files: &[PathBuf]) -> Vec<PathBuf> {
        files
            .iter()
            .filter(|f| {
                let now = std::fs::read(f).ok().map(|b| fingerprint(&b));
                now.is_some() && self.0.get(*f).copied() != now
            })
            .cloned()
            .collect()
    }
}

fn fingerprint(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// Replaces every spelling of each of `secrets` in the files `paths` (and in the files directly
/// inside a folder among them) written since `since`; returns the files changed.
pub fn scrub_outputs(
    paths: &[PathBuf],
    secrets: &[&str],
    since: std::time::SystemTime,
) -> Result<Vec<PathBuf>, Failure> {
    let forms: Vec<String> = secrets
        .iter()
        .flat_map(|s| {
            let escaped = crate::json::edit::json_string(s);
            [s.to_string(), escaped[1..escaped.len() - 1].to_string()]
        })
        .filter(|f| f.len() >= 8)
        .collect();
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
        // Only what the run wrote: older files are not the run's to change.
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
        for form in &forms {
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

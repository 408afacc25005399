//! `exec`: check the command and its files, get the token, hand it to the runner through the
//! runner's channel ([`crate::runner`]: for newman and the Postman CLI an environment in memory,
//! a memfd opened as `/proc/<pid>/fd/<n>`), run it with the terminal and without the tool's own
//! secrets in its environment, tie its life to this process's, forward signals, pass its exit
//! code on, and scrub the token from the files it wrote.

use crate::redact::Shown as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use secrecy::ExposeSecret;

use crate::error::{Exit, Failure};
use crate::runner;
use crate::settings::ExecPlan;
use crate::ui::Ui;

pub fn run(plan: &ExecPlan, stdout: &mut dyn Write, ui: &Ui) -> Result<Exit, Failure> {
    let (runner, line) = (plan.runner, &plan.command);
    let mut names = vec![plan.token_var.as_str()];
    names.extend(plan.identities.iter().map(|(n, _)| n.as_str()));
    // Every input is checked before the sign-in: the user's files the runner reads, and that
    // the runner can be started.
    runner.prepare(line, &names, ui)?;
    let program = find_program(&line.argv[0], &plan.env)?;
    let sources: Vec<&crate::settings::TokenFrom> = std::iter::once(&plan.token)
        .chain(plan.identities.iter().map(|(_, t)| t))
        .collect();
    let tokens = crate::token_source::fetch_all(&sources, &plan.env, ui)?;
    // An identity pool's credentials, for the user of the run's own (id) token.
    let credentials = match &plan.identity_pool {
        Some(ip) => Some(ip.credentials(tokens[0].value.expose_secret())?),
        None => None,
    };
    let mut secrets: Vec<&str> = tokens.iter().map(|t| t.value.expose_secret()).collect();
    if let Some(c) = &credentials {
        names.extend(crate::cognito::identity_pool::VARIABLES);
        secrets.extend(c.values());
    }
    if plan.env.get("GITHUB_ACTIONS") == Some("true") {
        // The runner masks the values in the job's log from here on.
        for secret in &secrets {
            writeln!(stdout, "::add-mask::{secret}")
                .and_then(|()| stdout.flush())
                .map_err(|e| Failure::io(format!("cannot write to standard output: {e}")))?;
        }
    }
    let vars: Vec<(&str, &str)> = names.iter().copied().zip(secrets.iter().copied()).collect();
    let handed = runner.hand_over(line, &vars)?;
    ui.note(&format!("running {} with {}", runner.name(), handed.said));
    let cwd = plan.env.cwd();
    let watched = runner::Fingerprints::of(&runner.watched(line, &cwd));
    let started = std::time::SystemTime::now();
    let code = spawn_and_wait(&program, &handed.argv, &handed.env, &plan.withheld)?;
    drop(handed);
    let mut scrubbed = runner::scrub_outputs(&runner.outputs(line, &cwd), &secrets, started)?;
    // The files the runner rewrote in place: scrubbed when they changed and hold a token.
    let changed = watched.changed(&runner.watched(line, &cwd));
    scrubbed.extend(runner::scrub_outputs(
        &changed,
        &secrets,
        std::time::SystemTime::UNIX_EPOCH,
    )?);
    if !scrubbed.is_empty() {
        ui.line(&format!(
            "removed the token from {} file{} the run wrote: {}",
            scrubbed.len(),
            if scrubbed.len() == 1 { "" } else { "s" },
            scrubbed
                .iter()
                .map(|p| p.shown().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(if code == 0 {
        Exit::Ok
    } else {
        Exit::Child(code)
    })
}

/// The program to start: `name` itself when it holds a `/`, else the first executable file of
/// that name in `PATH`. Checked before the sign-in, so that a missing runner costs no sign-in.
fn find_program(name: &str, env: &crate::env::Env) -> Result<PathBuf, Failure> {
    let cannot = |why: &str| {
        Failure::new(
            Exit::CannotRun,
            format!("cannot run {}: {why}", crate::redact::inline(name)),
        )
        .with_hint("check the command after --, and that it is installed (e.g. npm install newman)")
    };
    let runnable = |p: &Path| {
        p.is_file() && {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                p.metadata()
                    .is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
            }
            #[cfg(not(unix))]
            true
        }
    };
    if name.contains('/') || cfg!(windows) && name.contains('\\') {
        let p = PathBuf::from(name);
        return match p.metadata() {
            Err(_) => Err(cannot("no such command")),
            Ok(_) if !runnable(&p) => Err(cannot("permission denied")),
            Ok(_) => Ok(p),
        };
    }
    let path = env.get("PATH").unwrap_or_default();
    std::env::split_paths(path)
        .map(|dir| dir.join(name))
        .find(|p| runnable(p))
        .ok_or_else(|| cannot("no such command"))
}

/// When the npm launcher started this process (it names its pid in
/// `POSTMAN_COGNITO_LAUNCHER_PID`), asks the kernel to send SIGTERM when the launcher dies, even
/// of SIGKILL, so that the binary never outlives it (Linux).
pub fn tie_to_launcher() {
    #[cfg(target_os = "linux")]
    if let Some(pid) = std::env::var("POSTMAN_COGNITO_LAUNCHER_PID")
        .ok()
        .and_then(|p| p.parse::<i32>().ok())
    {
        use rustix::process::{Signal, getppid, set_parent_process_death_signal};
        if getppid().map(|p| p.as_raw_nonzero().get()) == Some(pid) {
            let _ = set_parent_process_death_signal(Some(Signal::TERM));
        }
    }
}

/// The hidden first argument that makes the binary start a runner tied to its parent's life
/// (see [`child_main`]).
pub const CHILD_ARG: &str = "__exec-child";

/// In the process `exec` starts (its own binary again): asks the kernel to kill this process
/// when its parent (`exec`) dies, even of SIGKILL (`PR_SET_PDEATHSIG`, which outlives the
/// `execve` that follows), makes sure the parent is still the one that started it, then becomes
/// the runner. `args`: the parent's pid, then the runner's command line.
pub fn child_main(args: &[std::ffi::OsString]) -> std::process::ExitCode {
    let fail = |why: String| {
        let _ = writeln!(std::io::stderr(), "postman-cognito: error: {why}");
        std::process::ExitCode::from(Exit::CannotRun.code())
    };
    let (Some(parent), Some(program)) = (args.first(), args.get(1)) else {
        return fail("exec's helper needs the parent's pid and a command".into());
    };
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{Signal, getppid, set_parent_process_death_signal};
        let parent: Option<i32> = parent.to_str().and_then(|p| p.parse().ok());
        if set_parent_process_death_signal(Some(Signal::KILL)).is_err()
            || getppid().map(|p| p.as_raw_nonzero().get()) != parent
        {
            // exec is gone already (or cannot be watched): nothing to run for.
            return std::process::ExitCode::from(Exit::CannotRun.code());
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = parent;
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = Command::new(program).args(&args[2..]).exec();
        fail(format!(
            "cannot run {}: {e}",
            crate::redact::inline(&program.to_string_lossy())
        ))
    }
    #[cfg(not(unix))]
    {
        match Command::new(program).args(&args[2..]).status() {
            Ok(s) => std::process::ExitCode::from(u8::try_from(s.code().unwrap_or(1)).unwrap_or(1)),
            Err(e) => fail(format!("cannot run {}: {e}", program.to_string_lossy())),
        }
    }
}

/// Runs `argv` (its program found at `program`) with this process's terminal and standard
/// streams, without the variables `withheld` (nor any `POSTMAN_COGNITO_*`); forwards SIGINT,
/// SIGTERM, SIGHUP and SIGQUIT; returns its exit code, or 128 + n when signal n ended it. On
/// Linux the runner is started through this binary ([`child_main`]), so that it dies with
/// `exec`, even when `exec` is killed with SIGKILL.
fn spawn_and_wait(
    program: &Path,
    argv: &[String],
    env: &[(String, String)],
    withheld: &[String],
) -> Result<u8, Failure> {
    let args = argv.get(1..).unwrap_or_default();
    let helper = std::env::current_exe()
        .ok()
        .filter(|_| cfg!(target_os = "linux"));
    let mut cmd = match &helper {
        Some(exe) => {
            let mut c = Command::new(exe);
            c.arg(CHILD_ARG)
                .arg(std::process::id().to_string())
                .arg(program)
                .args(args);
            c
        }
        None => {
            let mut c = Command::new(program);
            c.args(args);
            c
        }
    };
    for (name, _) in std::env::vars_os() {
        let shown = name.to_string_lossy();
        if shown.starts_with("POSTMAN_COGNITO_") || withheld.iter().any(|w| *w == shown) {
            cmd.env_remove(&name);
        }
    }
    // The channel's variables, for this child alone (never one of `withheld`).
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let tty = std::io::stdin().is_terminal();
    #[cfg(unix)]
    let forward = signals::Forward::start(tty)?;
    #[cfg(unix)]
    if !tty {
        // Its own process group, so that a signal reaches the runner's children too (the
        // Postman CLI's wrapper ignores SIGINT and SIGTERM itself).
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let program = program.shown();
    let mut child = cmd.spawn().map_err(|e| {
        Failure::new(
            Exit::CannotRun,
            format!(
                "cannot run {program}: {}",
                match e.kind() {
                    std::io::ErrorKind::NotFound => "no such command".to_string(),
                    std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                    _ => e.to_string(),
                }
            ),
        )
        .with_hint("check the command after --, and that it is installed (e.g. npm install newman)")
    })?;
    #[cfg(unix)]
    forward.to(child.id());
    let status = child
        .wait()
        .map_err(|e| Failure::io(format!("cannot wait for {program}: {e}")))?;
    #[cfg(unix)]
    forward.stop();
    if let Some(code) = status.code() {
        return Ok(u8::try_from(code).unwrap_or(1));
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return Ok(u8::try_from(128 + sig).unwrap_or(255));
        }
    }
    Ok(1)
}

#[cfg(unix)]
mod signals {
    use std::sync::{Arc, Mutex};

    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    use signal_hook::iterator::{Handle, Signals};

    use crate::error::Failure;

    /// Catches the signals that would end this process and passes them to the child.
    pub struct Forward {
        handle: Handle,
        child: Arc<Mutex<Option<u32>>>,
        thread: std::thread::JoinHandle<()>,
    }

    impl Forward {
        /// Starts catching (before the child exists, so none is lost). With a terminal the
        /// child shares this process group and gets the terminal's SIGINT and SIGQUIT itself;
        /// only SIGTERM and SIGHUP (sent to this process alone) are passed on. Without one the
        /// child has its own group, and every signal goes to the whole group.
        pub fn start(tty: bool) -> Result<Forward, Failure> {
            let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])
                .map_err(|e| Failure::internal(format!("cannot catch signals: {e}")))?;
            let handle = signals.handle();
            let child: Arc<Mutex<Option<u32>>> = Arc::default();
            let target = child.clone();
            let thread = std::thread::spawn(move || {
                for sig in signals.forever() {
                    let Some(pid) = target.lock().ok().and_then(|c| *c) else {
                        continue;
                    };
                    send(pid, sig, tty);
                }
            });
            Ok(Forward {
                handle,
                child,
                thread,
            })
        }

        pub fn to(&self, pid: u32) {
            if let Ok(mut c) = self.child.lock() {
                *c = Some(pid);
            }
        }

        pub fn stop(self) {
            self.handle.close();
            let _ = self.thread.join();
        }
    }

    fn send(pid: u32, sig: i32, tty: bool) {
        use rustix::process::{Pid, Signal, kill_process, kill_process_group};
        let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else {
            return;
        };
        let signal = match sig {
            SIGINT => Signal::INT,
            SIGTERM => Signal::TERM,
            SIGHUP => Signal::HUP,
            _ => Signal::QUIT,
        };
        if !tty {
            let _ = kill_process_group(pid, signal);
        } else if matches!(sig, SIGTERM | SIGHUP) {
            let _ = kill_process(pid, signal);
        }
    }
}

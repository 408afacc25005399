//! One function per command: each takes its checked plan, acts, and reports through the `Ui`.

pub mod check;
pub mod exec;
pub mod refresh;
pub mod scrub;

use crate::redact::Shown as _;
use std::io::Write;

use secrecy::ExposeSecret;

use crate::cache::Cache;
use crate::error::{Exit, Failure};
use crate::hooks::{self, Hook};
use crate::report;
use crate::settings::{CacheClearPlan, ConfigShowPlan, TokenPlan};
use crate::ui::Ui;

fn to_stdout(e: std::io::Error) -> Failure {
    Failure::io(format!("cannot write to standard output: {e}"))
}

/// The outcome of a command whose only product is what it prints (`man`, `completions`,
/// `config show`): a reader that stopped reading (`man | head`) is no error.
fn printed(r: std::io::Result<()>) -> Result<Exit, Failure> {
    match r {
        Ok(()) => Ok(Exit::Ok),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Exit::Ok),
        Err(e) => Err(to_stdout(e)),
    }
}

/// `token`: signs in (or uses the cache) and prints the token.
pub fn token(plan: &TokenPlan, stdout: &mut dyn Write, ui: &Ui) -> Result<Exit, Failure> {
    let from = crate::settings::TokenFrom::Cognito(Box::new(plan.cognito.clone()));
    let token = crate::token_source::fetch(&from, &plan.env, ui)?;
    let out = if plan.json {
        report::token_json(&token)
    } else {
        format!("{}\n", token.value.expose_secret())
    };
    stdout.write_all(out.as_bytes()).map_err(to_stdout)?;
    if let Some(exp) = token.expires_at {
        ui.line(&report::expiry_line(exp));
    }
    Ok(Exit::Ok)
}

/// `config show`.
pub fn config_show(plan: &ConfigShowPlan, stdout: &mut dyn Write) -> Result<Exit, Failure> {
    printed(show_config(plan, stdout))
}

/// `config profiles`: one name a line.
pub fn profiles(names: &[String], stdout: &mut dyn Write) -> Result<Exit, Failure> {
    printed(
        names
            .iter()
            .try_for_each(|n| writeln!(stdout, "{}", crate::redact::inline(n))),
    )
}

/// `cache clear`.
pub fn cache_clear(plan: &CacheClearPlan, ui: &Ui) -> Result<Exit, Failure> {
    let cache = Cache::open(plan.dir.clone())?;
    let n = cache.clear(plan.key.as_ref())?;
    ui.line(&format!(
        "removed {n} cached token file{} from {}",
        if n == 1 { "" } else { "s" },
        cache.dir().shown()
    ));
    Ok(Exit::Ok)
}

/// `hook install`.
pub fn hook_install(hook: Hook, force: bool, ui: &Ui) -> Result<Exit, Failure> {
    let (path, exe) = hooks::install(hook, force)?;
    ui.line(&format!(
        "installed {}: it runs {} (else postman-cognito from PATH)",
        path.shown(),
        exe.shown()
    ));
    Ok(Exit::Ok)
}

/// `hook run`: what the installed hooks call.
pub fn hook_run(hook: Hook, settings: &hooks::RunSettings, ui: &Ui) -> Result<Exit, Failure> {
    match hook {
        Hook::PreCommit => hooks::run_pre_commit(settings, ui),
        Hook::PrePush => {
            use std::io::Read;
            let mut updates = String::new();
            std::io::stdin()
                .take(1 << 20)
                .read_to_string(&mut updates)
                .map_err(|e| Failure::io(format!("cannot read the pushed refs: {e}")))?;
            hooks::run_pre_push(&updates, settings, ui)
        }
    }
}

/// `hook uninstall`.
pub fn hook_uninstall(hook: Option<Hook>, ui: &Ui) -> Result<Exit, Failure> {
    let removed = hooks::uninstall(hook)?;
    ui.line(&format!(
        "removed {} postman-cognito hook{}",
        removed.len(),
        if removed.len() == 1 { "" } else { "s" }
    ));
    Ok(Exit::Ok)
}

/// `completions SHELL`.
pub fn completions(shell: clap_complete::Shell, stdout: &mut dyn Write) -> Result<Exit, Failure> {
    let mut cmd = crate::cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "postman-cognito", &mut script);
    let mut script = String::from_utf8_lossy(&script).into_owned();
    if shell == clap_complete::Shell::Bash {
        // clap_complete spells the `case` arms of a hyphenated binary's subcommands
        // `postman__subcmd__cognito__subcmd__refresh` while it builds `cmd` as
        // `postman__cognito__subcmd__refresh`, so nothing past the first word completed.
        script = script.replace(
            "postman__subcmd__cognito__subcmd__",
            "postman__cognito__subcmd__",
        );
        // Profile names come from the config files (`config profiles`), not from file names.
        script = script.replace(
            "--profile)\n                    COMPREPLY=($(compgen -f \"${cur}\"))",
            "--profile)\n                    COMPREPLY=($(compgen -W \"$(\"${COMP_WORDS[0]}\" config profiles 2>/dev/null)\" -- \"${cur}\"))",
        );
    }
    printed(stdout.write_all(script.as_bytes()))
}

/// `man`: the top page on stdout, or with `dir` a page per command written there.
pub fn man(
    dir: Option<&std::path::Path>,
    stdout: &mut dyn Write,
    ui: &Ui,
) -> Result<Exit, Failure> {
    let top = without_help(crate::cli::command());
    let Some(dir) = dir else {
        return printed(page(&top, stdout).and_then(|()| stdout.flush()));
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::io(format!("cannot create {}: {e}", dir.shown())))?;
    let mut pages = vec![top.clone()];
    let version = top.get_version().unwrap_or_default().to_string();
    // Every command, nested ones too (`hook install` -> postman-cognito-hook-install.1).
    let mut todo: Vec<(String, clap::Command)> = vec![("postman-cognito".into(), top.clone())];
    while let Some((prefix, cmd)) = todo.pop() {
        for sub in cmd.get_subcommands() {
            let name = format!("{prefix}-{}", sub.get_name());
            pages.push(sub.clone().name(name.clone()).version(version.clone()));
            todo.push((name, sub.clone()));
        }
    }
    for cmd in &pages {
        let path = dir.join(format!("{}.1", cmd.get_name()));
        let mut text = Vec::new();
        page(cmd, &mut text).map_err(to_stdout)?;
        crate::atomic::write(&path, &text, None, None)?;
        ui.line(&format!("wrote {}", path.shown()));
    }
    Ok(Exit::Ok)
}

/// `cmd` and every command under it without clap's `help` subcommand, which has no page of its
/// own (`postman-cognito help` is what `--help` says), so no page names one.
fn without_help(cmd: clap::Command) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    let mut cmd = cmd.disable_help_subcommand(true);
    for name in names {
        cmd = cmd.mut_subcommand(name, without_help);
    }
    cmd
}

/// One man page: clap's sections, then ENVIRONMENT, EXIT STATUS and FILES.
fn page(cmd: &clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone().after_long_help(None::<&str>));
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(out)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(out)?;
    }
    out.write_all(crate::cli::help_tail(true).as_bytes())?;
    man.render_version_section(out)
}

/// `config show`: each setting, its value (secrets redacted) and where it came from.
fn show_config(plan: &ConfigShowPlan, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let file = plan
        .file
        .as_ref()
        .map(|(path, profile)| format!("{} (profile {profile})", path.shown()));
    let profile = plan
        .file
        .as_ref()
        .map(|(path, name)| format!("profile {name} in {}", path.shown()))
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
        let config_file = plan
            .file
            .as_ref()
            .map(|(path, profile)| serde_json::json!({"path": path, "profile": profile}));
        let body = serde_json::json!({"config_file": config_file, "settings": rows});
        return report::write_document(
            out,
            &report::document("config-show", "ok", crate::error::Exit::Ok, body),
        );
    }
    let none = "none found (looked for postman-cognito.toml in the working folder and each one \
                above, up to the repo root or your home folder; --config names one)";
    writeln!(
        out,
        "config file: {}",
        crate::redact::inline(file.as_deref().unwrap_or(none))
    )?;
    let width = plan.rows.iter().map(|s| s.key.len()).max().unwrap_or(0);
    for s in &plan.rows {
        writeln!(
            out,
            "{:width$}  {}  ({})",
            s.key,
            crate::redact::inline(s.value.as_deref().unwrap_or("-")),
            crate::redact::inline(&s.origin.describe(&profile))
        )?;
    }
    Ok(())
}

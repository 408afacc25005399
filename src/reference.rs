//! `docs/reference.md`, generated: every command and its options (from clap, with the defaults
//! of the settings table), the sign-in options once, every config key and environment variable
//! (from the settings table), the exit codes and the files. A test compares the file with this
//! text, so the reference cannot go stale (`UPDATE_REFERENCE=1 cargo test reference` rewrites it).

use std::fmt::Write;

use crate::cli;
use crate::keys::{self, DefaultValue};

/// The whole reference, as Markdown.
pub fn markdown() -> String {
    let root = cli::command();
    let mut out = String::new();
    out.push_str(
        "# Reference\n\n\
         Generated from the command line's definition and the settings table: do not edit by \
         hand (`UPDATE_REFERENCE=1 cargo test reference` writes it again). The guides are in \
         [the docs folder](README.md).\n\n",
    );
    let mut commands = Vec::new();
    collect(&root, "", &mut commands);
    out.push_str("## Commands\n\n");
    for (path, cmd) in &commands {
        let about = cmd.get_about().map(ToString::to_string).unwrap_or_default();
        let _ = writeln!(
            out,
            "- [`postman-cognito {path}`](#{}): {about}",
            anchor(path)
        );
    }
    out.push('\n');
    for (path, cmd) in &commands {
        command(&mut out, path, cmd);
    }
    out.push_str("## Options every command takes\n\n");
    options(&mut out, root.get_arguments().filter(|a| a.is_global_set()));
    if let Some((_, refresh)) = commands.iter().find(|(p, _)| p == "refresh") {
        out.push_str(
            "## Signing in\n\n`refresh`, `token` and `exec` take these. Secrets are never \
             flags: they come from environment variables, standard input or a hidden prompt.\n\n",
        );
        options(&mut out, refresh.get_arguments().filter(|a| is_sign_in(a)));
    }
    config_keys(&mut out);
    environment(&mut out);
    out.push_str("## Exit codes\n\n| code | meaning |\n| --- | --- |\n");
    for (code, what) in crate::error::EXIT_CODES {
        let _ = writeln!(out, "| {code} | {} |", cell(what));
    }
    out.push_str(
        "\n## Files\n\n\
         | file | what it is |\n| --- | --- |\n\
         | `postman-cognito.toml` | the project's config file: looked for from the working folder up to the repo root or the home folder; it must be yours and writable by you alone |\n\
         | `$XDG_CONFIG_HOME/postman-cognito/config.toml` | your own config file, below the project's |\n\
         | `$XDG_CACHE_HOME/postman-cognito/` | the token cache: a folder only you can read, one file (0600) per endpoint, pool, client, user and flow |\n",
    );
    out
}

/// `cmd` and every visible command under it, with its path (`hook install`).
fn collect(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let p = if path.is_empty() {
            sub.get_name().to_string()
        } else {
            format!("{path} {}", sub.get_name())
        };
        if sub.has_subcommands() {
            collect(sub, &p, out);
        } else {
            out.push((p, sub.clone()));
        }
    }
}

fn command(out: &mut String, path: &str, cmd: &clap::Command) {
    let _ = writeln!(out, "## postman-cognito {path}\n");
    let about = cmd
        .get_long_about()
        .or(cmd.get_about())
        .map(ToString::to_string)
        .unwrap_or_default();
    let _ = writeln!(out, "{}\n", about.trim());
    let mut usage_cmd = cmd.clone().bin_name(format!("postman-cognito {path}"));
    let usage = usage_cmd.render_usage().to_string();
    let usage = usage.trim_start_matches("Usage: ").trim();
    let _ = writeln!(out, "```text\n{usage}\n```\n");
    let own: Vec<&clap::Arg> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_global_set() && !is_sign_in(a))
        .collect();
    if !own.is_empty() {
        options(out, own.into_iter());
    }
    if cmd.get_arguments().any(is_sign_in) {
        out.push_str("And the options of [signing in](#signing-in).\n\n");
    }
    if let Some((_, list)) = cli::EXAMPLES.iter().find(|(p, _)| *p == path) {
        out.push_str("Examples:\n\n```sh\n");
        for (line, what) in *list {
            let _ = writeln!(out, "postman-cognito {line}    # {what}");
        }
        out.push_str("```\n\n");
    }
}

fn is_sign_in(arg: &clap::Arg) -> bool {
    arg.get_help_heading() == Some(cli::SIGN_IN)
}

/// A table of options: the flag (or the argument), its values and its help.
fn options<'a>(out: &mut String, args: impl Iterator<Item = &'a clap::Arg>) {
    out.push_str("| option | what it does |\n| --- | --- |\n");
    for arg in args.filter(|a| !a.is_hide_set()) {
        let mut name = String::new();
        if let Some(s) = arg.get_short() {
            let _ = write!(name, "-{s}, ");
        }
        let values = arg
            .get_value_names()
            .map(|v| v.iter().map(|n| format!("<{n}>")).collect::<Vec<_>>())
            .unwrap_or_default();
        if let Some(l) = arg.get_long() {
            let _ = write!(name, "--{l}");
            if arg.get_action().takes_values() {
                let v = if values.is_empty() {
                    format!("<{}>", arg.get_id().as_str().to_uppercase())
                } else {
                    values.join(" ")
                };
                let _ = write!(name, " {v}");
            }
        } else if arg.is_positional() {
            name.push_str(&if values.is_empty() {
                arg.get_id().as_str().to_uppercase()
            } else {
                values.join(" ")
            });
        }
        let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
        let mut what = help.replace('\n', " ");
        let possible: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|p| !p.is_hide_set())
            .map(|p| format!("`{}`", p.get_name()))
            .collect();
        if !possible.is_empty() && arg.get_action().takes_values() {
            let _ = write!(what, " One of {}.", possible.join(", "));
        }
        let _ = writeln!(out, "| `{name}` | {} |", cell(&what));
    }
    out.push('\n');
}

/// Every key a profile may set, with its flag, its variables and its default.
fn config_keys(out: &mut String) {
    out.push_str(
        "## Config keys\n\n\
         Keys of a profile in `postman-cognito.toml` (`[profile.NAME]`). Precedence, the same for \
         every key: the flag, then the environment variables in the order given, then the \
         profile, then the default. A blank variable counts as unset. Secrets have no key of \
         their own: a profile names the variable that holds one (`password_env`), or a command \
         that prints the password (`password_command`).\n\n\
         | key | flag | environment | default |\n| --- | --- | --- | --- |\n",
    );
    for key in keys::ALL {
        let name = match (key.secret, key.name) {
            (true, n) => format!("`{n}_env`"),
            (false, "profile" | "cache") => continue,
            (false, n) => format!("`{n}`"),
        };
        let flag = key.flag.map(|f| format!("`{f}`")).unwrap_or_default();
        let env = key
            .env
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let default = match key.default {
            DefaultValue::None => String::new(),
            DefaultValue::Value("") => "`''`".to_string(),
            DefaultValue::Value(v) => format!("`{v}`"),
            DefaultValue::Derived(how) => how.to_string(),
        };
        let _ = writeln!(out, "| {name} | {flag} | {env} | {} |", cell(&default));
    }
    out.push_str(
        "| `password_command` | | | a command whose standard output is the password (`pass show ...`) |\n\n",
    );
}

/// Every environment variable the tool reads.
fn environment(out: &mut String) {
    out.push_str("## Environment variables\n\n| variable | what it sets |\n| --- | --- |\n");
    for (var, what) in cli::environment_rows() {
        let _ = writeln!(out, "| `{var}` | {} |", cell(&what));
    }
    out.push('\n');
}

/// Text for a table cell: no line break, no bare `|`.
fn cell(text: &str) -> String {
    text.replace('\n', " ").replace('|', "\\|")
}

/// GitHub's anchor for a heading `postman-cognito PATH`.
fn anchor(path: &str) -> String {
    format!("postman-cognito-{}", path.replace(' ', "-"))
}

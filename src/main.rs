use std::process::ExitCode;

use clap::error::ErrorKind;
use postman_cognito::{cli::Cli, error::Exit, run, settings::Env, ui::Ui};

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args
        .get(1)
        .is_some_and(|a| a == postman_cognito::commands::exec::CHILD_ARG)
    {
        // Not a command: `exec` starting its runner (see commands::exec::child_main).
        return postman_cognito::commands::exec::child_main(&args[2..]);
    }
    postman_cognito::commands::exec::tie_to_launcher();
    let mut ui = Ui::stderr();
    let parsed = postman_cognito::cli::command()
        .try_get_matches()
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            e.exit()
        }
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        Err(e) => {
            // One prefix for every error, clap's included.
            let text = e.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("postman-cognito: error: {text}").as_bytes(),
            );
            return ExitCode::from(Exit::Usage.code());
        }
    };
    // A panic is a bug: say so in one line (its message may name a file, never a secret) and
    // exit 70 instead of Rust's 101.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("postman-cognito: error: internal error{at}; please report it\n").as_bytes(),
        );
    }));
    let env = Env::from_process();
    let json = cli.json_command();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        #[cfg(debug_assertions)]
        if env.get("POSTMAN_COGNITO_DEBUG_PANIC").is_some() {
            panic!("POSTMAN_COGNITO_DEBUG_PANIC is set (debug builds only)");
        }
        run(cli, &env, &mut std::io::stdout(), &mut ui)
    }));
    let code = match result {
        Ok(Ok(exit)) => exit,
        Ok(Err(failure)) => {
            ui.error(&failure);
            if let Some(command) = json {
                // Scripts that pipe --json into jq get a document on failure too.
                let doc = postman_cognito::report::failure_document(command, &failure);
                let _ = postman_cognito::report::write_document(&mut std::io::stdout(), &doc);
            }
            failure.exit
        }
        Err(_) => Exit::Internal,
    };
    ExitCode::from(code.code())
}

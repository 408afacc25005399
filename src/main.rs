use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use postman_cognito::{cli::Cli, run};

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let code = match run(
        cli,
        Some(&matches),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    ) {
        Ok(exit) => exit,
        Err(failure) => {
            eprintln!("postman-cognito: error: {}", failure.message);
            if let Some(hint) = &failure.hint {
                eprintln!("  hint: {hint}");
            }
            failure.exit
        }
    };
    ExitCode::from(code.code())
}

use std::process::ExitCode;

use clap::Parser;
use postman_cognito::{cli::Cli, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match run(cli, &mut std::io::stdout(), &mut std::io::stderr()) {
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

//! Issue 17 (in part): shell completion that works past the first word, driven in a real bash.

use std::process::Command;

#[allow(unused_imports)]
use crate::support;
use crate::support::*;

/// What bash completes for the words `line` (the last one being completed).
fn bash_completes(script: &str, line: &[&str]) -> Vec<String> {
    let words = line
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let program = format!(
        "{script}\nCOMP_WORDS=({words}); COMP_CWORD={}; COMP_LINE=\"${{COMP_WORDS[*]}}\"; \
         COMP_POINT=${{#COMP_LINE}}; _postman__cognito postman-cognito \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        line.len() - 1
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(program)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_past_the_first_word() {
    let out = bin().args(["completions", "bash"]).output().unwrap();
    let script = String::from_utf8(out.stdout).unwrap();
    let got = bash_completes(&script, &["postman-cognito", "refresh", "--fl"]);
    assert_eq!(got, vec!["--flow"], "refresh --fl");
    let got = bash_completes(&script, &["postman-cognito", "refresh", "--flow", ""]);
    for flow in [
        "srp",
        "password",
        "refresh",
        "browser",
        "client-credentials",
    ] {
        assert!(got.contains(&flow.to_string()), "--flow: {got:?}");
    }
    let got = bash_completes(&script, &["postman-cognito", "hook", "install", ""]);
    assert!(
        got.contains(&"pre-push".to_string()) && got.contains(&"pre-commit".to_string()),
        "{got:?}"
    );
    let got = bash_completes(&script, &["postman-cognito", "completions", ""]);
    assert!(
        got.contains(&"bash".to_string()) && got.contains(&"zsh".to_string()),
        "{got:?}"
    );
    let got = bash_completes(&script, &["postman-cognito", "ex"]);
    assert_eq!(got, vec!["exec"]);
}

//! docs/reference.md is generated (`postman_cognito::reference::markdown`): it fails here when it
//! is stale. `UPDATE_REFERENCE=1 cargo test reference` writes it again.

use crate::support::repo;

#[test]
fn docs_reference_md_is_the_generated_reference() {
    let want = postman_cognito::reference::markdown();
    let path = repo().join("docs").join("reference.md");
    if std::env::var_os("UPDATE_REFERENCE").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/reference.md is stale: run `UPDATE_REFERENCE=1 cargo test reference` and commit it"
    );
}

#[test]
fn the_reference_names_every_command_config_key_and_exit_code() {
    let text = postman_cognito::reference::markdown();
    for cmd in [
        "refresh",
        "exec",
        "token",
        "check",
        "scrub",
        "hook install",
        "hook run",
        "cache clear",
        "config show",
        "completions",
        "man",
    ] {
        assert!(
            text.contains(&format!("## postman-cognito {cmd}\n")),
            "{cmd}"
        );
    }
    for key in postman_cognito::keys::ALL {
        let name = if key.secret {
            format!("`{}_env`", key.name)
        } else {
            format!("`{}`", key.name)
        };
        assert!(
            text.contains(&name) || matches!(key.name, "profile" | "cache"),
            "{name}"
        );
        for var in key.env {
            assert!(text.contains(&format!("`{var}`")), "{var}");
        }
    }
    for (code, _) in postman_cognito::error::EXIT_CODES {
        assert!(text.contains(&format!("\n| {code} |")), "exit code {code}");
    }
    assert!(
        text.contains("| `--min-ttl <DURATION>` |"),
        "a sign-in option"
    );
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown file's headings (outside code blocks).
fn anchors(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.push(slug(line.trim_start_matches('#')));
        }
    }
    out
}

#[test]
fn every_link_between_the_docs_resolves() {
    let root = repo();
    let mut files = vec![
        root.join("README.md"),
        root.join("CONTRIBUTING.md"),
        root.join("ARCHITECTURE.md"),
    ];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            files.push(p);
        }
    }
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let mut fenced = false;
        for (n, line) in text.lines().enumerate() {
            if line.starts_with("```") {
                fenced = !fenced;
                continue;
            }
            if fenced {
                continue;
            }
            for (i, _) in line.match_indices("](") {
                let rest = &line[i + 2..];
                let Some(end) = rest.find(')') else { continue };
                let target = &rest[..end];
                if target.contains("://") || target.starts_with("mailto:") || target.is_empty() {
                    continue;
                }
                let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
                let dest = if path.is_empty() {
                    file.clone()
                } else {
                    file.parent().unwrap().join(path)
                };
                let place = format!(
                    "{}:{}: {target}",
                    dest.strip_prefix(&root).unwrap_or(file).display(),
                    n + 1
                );
                if !dest.exists() {
                    broken.push(format!("{place} (no such file)"));
                } else if !anchor.is_empty() {
                    let t = std::fs::read_to_string(&dest).unwrap_or_default();
                    if !anchors(&t).iter().any(|a| a == anchor) {
                        broken.push(format!("{place} (no such heading)"));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

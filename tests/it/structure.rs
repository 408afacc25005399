//! The structure the next developer relies on (ARCHITECTURE.md): the top-level modules form
//! layers with no import cycle, and nothing below `settings` and `commands` imports them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::repo;

/// The top-level module each file belongs to (`src/x.rs` or `src/x/...`), none for lib and main.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    let top = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (!matches!(top.as_str(), "main" | "lib")).then_some(top)
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The imports between top-level modules: `crate::x` paths and `use crate::{x, ...}` groups,
/// outside comments and unit tests.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = repo().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mods: BTreeSet<String> = files.iter().filter_map(|f| module_of(&src, f)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let Some(a) = module_of(&src, f) else {
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap()
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let mut names = Vec::new();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + 7..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = &group[..group.find('}').unwrap_or(group.len())];
                names.extend(
                    inner
                        .split(',')
                        .map(|p| p.trim().split("::").next().unwrap_or("").trim().to_string()),
                );
            } else {
                names.push(
                    rest.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect(),
                );
            }
        }
        for b in names {
            if mods.contains(&b) && b != a {
                edges.entry(a.clone()).or_default().insert(b);
            }
        }
    }
    edges
}

#[test]
fn the_top_level_modules_form_layers_without_a_cycle() {
    let edges = imports();
    // Every module reachable from `a` must not reach back to `a`.
    for (a, outs) in &edges {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = outs.iter().collect();
        while let Some(m) = todo.pop() {
            assert_ne!(m, a, "an import cycle through {a} (imports: {edges:?})");
            if seen.insert(m.clone())
                && let Some(next) = edges.get(m)
            {
                todo.extend(next);
            }
        }
    }
    for (a, outs) in &edges {
        if a != "commands" {
            assert!(!outs.contains("commands"), "{a} imports commands");
        }
        if a != "commands" && a != "settings" {
            assert!(!outs.contains("settings"), "{a} imports settings");
        }
    }
}

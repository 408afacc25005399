//! Reading a runner's command line by a table of its options: which take a value (and which may
//! leave it out), which name a file the runner writes, which name its environment file. Every
//! spelling is read: `--opt VALUE`, `--opt=VALUE`, `-o VALUE`, `-oVALUE`.

use std::path::PathBuf;

use super::{Invocation, Placement};
use crate::error::Failure;

/// A runner's options, as its parser reads them.
pub struct Table {
    /// Options that always take a value.
    pub takes_value: &'static [&'static str],
    /// Options whose value may be left out (taken when the next argument does not start with
    /// `-`).
    pub optional_value: &'static [&'static str],
    /// Options whose value names a file or folder the runner writes (reports, exports). A value
    /// of the form `KIND=PATH` (k6's `--out json=run.json`) names `PATH`.
    pub outputs: &'static [&'static str],
    /// The options that name the runner's environment file.
    pub environment: &'static [&'static str],
}

/// Reads `argv` from `start` by `table`: the first positional argument that exists on disk is
/// the collection (or script), every positional one that exists is among `files`.
pub fn read(argv: &[String], start: usize, table: &Table) -> Result<Invocation, Failure> {
    let mut run = Invocation {
        argv: argv.to_vec(),
        start,
        collection: None,
        environment: None,
        outputs: Vec::new(),
        files: Vec::new(),
    };
    let missing = |flag: &str| {
        Failure::usage(format!(
            "{} in the command has no value",
            crate::redact::inline(flag)
        ))
    };
    let mut i = start;
    while i < argv.len() {
        let arg = &argv[i];
        let next = argv.get(i + 1);
        if arg == "--" {
            break;
        }
        let (flag, value, used, at) = if arg.starts_with("--") {
            let (flag, joined) = match arg.split_once('=') {
                Some((f, v)) => (f.to_string(), Some(v.to_string())),
                None => (arg.clone(), None),
            };
            let required = table.takes_value.contains(&flag.as_str());
            let optional = table.optional_value.contains(&flag.as_str());
            match (joined, next) {
                (Some(v), _) => (flag, Some(v), 1, Placement::Joined(i)),
                (None, Some(n)) if required => {
                    (flag, Some(n.clone()), 2, Placement::Separate(i + 1))
                }
                (None, None) if required => return Err(missing(&flag)),
                (None, Some(n)) if optional && !n.starts_with('-') => {
                    (flag, Some(n.clone()), 2, Placement::Separate(i + 1))
                }
                (None, _) => (flag, None, 1, Placement::Separate(i)),
            }
        } else if arg.len() > 1 && arg.starts_with('-') {
            let first = format!("-{}", &arg[1..2]);
            let required = table.takes_value.contains(&first.as_str());
            let optional = table.optional_value.contains(&first.as_str());
            if arg.len() > 2 {
                if required || optional {
                    (first, Some(arg[2..].to_string()), 1, Placement::Attached(i))
                } else {
                    // Flags run together (`-kv`): none of them takes a value.
                    (first, None, 1, Placement::Separate(i))
                }
            } else {
                match next {
                    Some(n) if required => (first, Some(n.clone()), 2, Placement::Separate(i + 1)),
                    None if required => return Err(missing(&first)),
                    Some(n) if optional && !n.starts_with('-') => {
                        (first, Some(n.clone()), 2, Placement::Separate(i + 1))
                    }
                    _ => (first, None, 1, Placement::Separate(i)),
                }
            }
        } else {
            let p = PathBuf::from(arg);
            if p.exists() {
                if run.collection.is_none() {
                    run.collection = Some(p.clone());
                }
                run.files.push(p);
            }
            i += 1;
            continue;
        };
        if let Some(v) = &value {
            if table.outputs.contains(&flag.as_str()) {
                let path = v.split_once('=').map_or(v.as_str(), |(_, p)| p);
                run.outputs.push(PathBuf::from(path));
            }
            if table.environment.contains(&flag.as_str()) {
                run.environment = Some((PathBuf::from(v), at));
            }
        } else if table.outputs.contains(&flag.as_str()) {
            // An output option without its value: the runner's own default file, which the
            // runner names (see its `outputs`).
            run.outputs.push(PathBuf::new());
        }
        i += used;
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: Table = Table {
        takes_value: &["-e", "--env", "-o", "--out", "--report"],
        optional_value: &["--junit"],
        outputs: &["-o", "--out", "--report", "--junit"],
        environment: &["-e", "--env"],
    };

    fn argv(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn every_spelling_is_read() {
        let r = read(
            &argv("k6 run -eA=1 --out=json=o.json --report r --junit -o x -- y"),
            2,
            &TABLE,
        )
        .unwrap();
        assert_eq!(
            r.outputs,
            vec![
                PathBuf::from("o.json"),
                PathBuf::from("r"),
                PathBuf::new(),
                PathBuf::from("x")
            ]
        );
        assert_eq!(
            r.environment,
            Some((PathBuf::from("A=1"), Placement::Attached(2)))
        );
        let r = read(&argv("hopp test c.json --env=e.json"), 2, &TABLE).unwrap();
        assert_eq!(
            r.environment,
            Some((PathBuf::from("e.json"), Placement::Joined(3)))
        );
        assert!(read(&argv("hopp test -e"), 2, &TABLE).is_err());
    }
}

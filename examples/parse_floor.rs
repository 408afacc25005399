//! The parse-only floor of the benchmarks (`bench/run`): read a file and check it is JSON with
//! serde_json, keeping nothing. No tool that reads the whole collection can do less.
//!
//! Usage: `parse_floor FILE`

use serde::de::IgnoredAny;

fn main() {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: parse_floor FILE");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {}: {e}", path.to_string_lossy());
            std::process::exit(1);
        }
    };
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    de.disable_recursion_limit();
    if let Err(e) = serde::Deserialize::deserialize(&mut de).map(|_: IgnoredAny| ()) {
        eprintln!("not JSON: {e}");
        std::process::exit(1);
    }
}

//! The `.bru` reader and editor on any bytes: they answer (edits or an error with an offset
//! inside the input), never panic, and what they write reads back with the auth asked for: the
//! root (first byte odd) sends the reference with bearer, a request (even) inherits. Every block
//! but the auth ones, and every line of the method block but its `auth:` line, is byte for byte
//! what it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postman_cognito::bru;
use postman_cognito::collection::bruno;
use postman_cognito::splice::apply;

const REFERENCE: &str = "{{process.env.COGNITO_TOKEN}}";

/// The blocks' text, the auth ones out and the `auth:` line of a method block out.
fn kept(src: &[u8], file: &bru::File) -> Vec<Vec<u8>> {
    file.blocks
        .iter()
        .filter(|b| b.name != "auth" && b.name != "auth:bearer")
        .map(|b| {
            let mut text = src[b.span.clone()].to_vec();
            if let Some(p) = b.get("auth") {
                let (s, e) = (p.line.start - b.span.start, p.line.end - b.span.start);
                text.drain(s..e);
            }
            text.truncate(text.len() - (b.span.end - b.body.end));
            text
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let before = match bru::read(bytes) {
        Ok(f) => f,
        Err(e) => {
            assert!(e.offset <= bytes.len());
            return;
        }
    };
    let root = first % 2 == 1;
    let Ok(edits) = bruno::plan_bytes(bytes, root, REFERENCE) else {
        return;
    };
    let out = apply(bytes, &edits);
    let after = bru::read(&out).expect("what the editor writes reads back");
    let has_method = before
        .blocks
        .iter()
        .any(|b| bruno::METHODS.contains(&b.name.as_str()));
    match bruno::auth_of_bytes(&out, !root) {
        Some((mode, token)) if root => {
            assert_eq!(mode, "bearer");
            assert_eq!(token.as_deref(), Some(REFERENCE));
        }
        // A request inherits, unless it sends another variable (an identity of its own).
        Some((mode, token)) => {
            let identity = mode == "bearer"
                && token.as_deref().is_some_and(|t| {
                    let v = t.trim();
                    v.starts_with("{{")
                        && v.ends_with("}}")
                        && !["token", "process.env.COGNITO_TOKEN"]
                            .contains(&v[2..v.len() - 2].trim())
                });
            assert!(mode == "inherit" || identity, "{mode}");
            if identity {
                assert_eq!(bruno::auth_of_bytes(bytes, true).map(|a| a.1), Some(token));
            }
        }
        // A request without a method block has no auth line to write (Bruno sends nothing).
        None => {
            assert!(!root && !has_method, "no auth read back");
            assert!(edits.is_empty());
        }
    }
    assert_eq!(
        kept(bytes, &before),
        kept(&out, &after),
        "a block other than auth changed"
    );
    // A second plan changes nothing.
    let again = bruno::plan_bytes(&out, root, REFERENCE).expect("plans again");
    assert!(!postman_cognito::splice::changes(&out, &again));
});

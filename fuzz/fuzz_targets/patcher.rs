//! The patcher on any collection the reader accepts, under each inherit policy: no panic, no
//! internal error (a valid collection is either patched or refused as input), the output reads
//! back, patching twice equals patching once, and outside the auth members (found by
//! jsonc-parser, another parser) every byte is as it was. The first byte of the input varies
//! the white space around every `,` `:` `{` `}` `[` `]` of the rest, so that layouts such as a
//! space before a comma, comma-first lists or `{ }` are explored whatever the corpus holds.
#![no_main]

use jsonc_parser::ast::{Object, Value as V};
use libfuzzer_sys::fuzz_target;
use postman_cognito::collection::export::{self as collection, PatchError};
use postman_cognito::collection::{Policy, TokenAuth as RootAuth, keep::KeepSet};

/// White space that may stand around a structural character.
const SPACES: [&[u8]; 6] = [b"", b" ", b"\n", b"\n  ", b"\t", b"\r\n"];

/// `json` with white space added before and after its structural characters (outside strings),
/// chosen by `seed` and the position.
fn respace(seed: u8, json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() * 2);
    let (mut in_string, mut escaped) = (false, false);
    let mut state = u32::from(seed).wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        SPACES[(state % SPACES.len() as u32) as usize]
    };
    for &b in json {
        if in_string {
            out.push(b);
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                out.push(b);
            }
            b',' | b':' | b'{' | b'}' | b'[' | b']' => {
                out.extend_from_slice(next());
                out.push(b);
                out.extend_from_slice(next());
            }
            _ => out.push(b),
        }
    }
    out
}

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJ0b2tlbl91c2UiOiJpZCJ9.c2ln";

fn without_auth(bytes: &[u8]) -> Option<Vec<u8>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).ok()?;
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &Default::default()).ok()?;
    let V::Object(root) = parsed.value? else {
        return None;
    };
    let mut cuts = Vec::new();
    fn cut(o: &Object, cuts: &mut Vec<(usize, usize)>) {
        let p = &o.properties;
        if let Some(i) = p.iter().position(|m| m.name.as_str() == "auth") {
            cuts.push(if i > 0 {
                (p[i - 1].range.end, p[i].range.end)
            } else if p.len() > 1 {
                (p[0].range.start, p[1].range.start)
            } else {
                (o.range.start + 1, o.range.end - 1)
            });
        }
    }
    fn walk(items: &[V], cuts: &mut Vec<(usize, usize)>) {
        for e in items {
            let V::Object(o) = e else { continue };
            match o
                .properties
                .iter()
                .find(|p| p.name.as_str() == "item")
                .map(|p| &p.value)
            {
                Some(V::Array(a)) => {
                    cut(o, cuts);
                    walk(&a.elements, cuts);
                }
                _ => {
                    if let Some(V::Object(r)) = o
                        .properties
                        .iter()
                        .find(|p| p.name.as_str() == "request")
                        .map(|p| &p.value)
                    {
                        cut(r, cuts);
                    }
                }
            }
        }
    }
    cut(&root, &mut cuts);
    if let Some(V::Array(a)) = root
        .properties
        .iter()
        .find(|p| p.name.as_str() == "item")
        .map(|p| &p.value)
    {
        walk(&a.elements, &mut cuts);
    }
    cuts.sort();
    let mut out = Vec::new();
    let mut at = 0;
    for (s, e) in cuts {
        out.extend_from_slice(&bytes[at..s]);
        at = e;
    }
    out.extend_from_slice(&bytes[at..]);
    Some(out)
}

fuzz_target!(|input: &[u8]| {
    let Some((&seed, rest)) = input.split_first() else {
        return;
    };
    let respaced;
    let data = if seed == 0 {
        rest
    } else {
        respaced = respace(seed, rest);
        &respaced
    };
    let Ok(coll) = collection::read(data) else {
        return;
    };
    let want = RootAuth {
        token: TOKEN,
        header_prefix: None,
        extra: &[],
    };
    for policy in [Policy::Tokens, Policy::All, Policy::None] {
        let once = match collection::patch(data, &coll, &want, policy, &KeepSet::new()) {
            Ok(once) => once,
            Err(PatchError::Input(_)) => continue,
            Err(PatchError::Internal(m)) => panic!("internal error on a valid collection: {m}"),
        };
        let again_coll = collection::read(&once.bytes).expect("the output reads back");
        let twice = collection::patch(&once.bytes, &again_coll, &want, policy, &KeepSet::new())
            .expect("patching the output works");
        assert!(
            twice.bytes == once.bytes,
            "patching twice differs from patching once"
        );
        if let (Some(a), Some(b)) = (without_auth(data), without_auth(&once.bytes)) {
            assert!(a == b, "bytes outside the auth members changed");
        }
    }
});

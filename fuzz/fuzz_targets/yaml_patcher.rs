//! The YAML reader and the v3 line editor on any bytes: they answer (edits or an error with an
//! offset inside the input), never panic, and what they write reads back. When libyaml
//! (serde_yaml, an independent parser) also reads the input, the result reads the same as the
//! input apart from `auth`, which is OAuth 2.0 with the token in a root definition and gone in
//! a request. The first byte chooses root (odd) or request (even).
#![no_main]

use libfuzzer_sys::fuzz_target;
use postman_cognito::collection::TokenAuth as RootAuth;
use postman_cognito::collection::v3 as tree;
use postman_cognito::json::edit::apply;
use postman_cognito::yaml;

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln";

fn without_auth(v: &serde_yaml::Value) -> serde_yaml::Value {
    let mut v = v.clone();
    if let Some(m) = v.as_mapping_mut() {
        m.remove("auth");
    }
    v
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    if let Err(e) = yaml::read(bytes) {
        assert!(e.offset <= bytes.len());
        return;
    }
    let root = first % 2 == 1;
    let want = RootAuth {
        token: TOKEN,
        header_prefix: None,
        extra: &[],
    };
    let Ok(edits) = tree::plan_bytes(bytes, root, &want) else {
        return;
    };
    let out = apply(bytes, &edits);
    let back = yaml::read(&out).expect("what the editor writes reads back");
    if root && back.root.as_map().is_some() {
        assert_eq!(tree::root_access_token(&back).as_deref(), Some(TOKEN));
    }
    let text = |b: &[u8]| {
        std::str::from_utf8(b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b))
            .ok()
            .map(str::to_string)
    };
    if let Some(Ok(before)) = text(bytes).map(|t| serde_yaml::from_str::<serde_yaml::Value>(&t)) {
        let after: serde_yaml::Value = serde_yaml::from_str(&text(&out).unwrap())
            .expect("libyaml reads what the editor wrote");
        if before.is_mapping() {
            assert_eq!(without_auth(&before), without_auth(&after));
        }
    }
});

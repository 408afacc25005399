//! The collection reader on any bytes: it answers (a collection or an error with an offset
//! inside the input), never panics, and agrees with serde_json on what is JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postman_cognito::collection::export as collection;
use postman_cognito::json::scan::{self, KeepAll};

fuzz_target!(|data: &[u8]| {
    match scan::scan(data, &KeepAll) {
        Ok(_) => {
            let text = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
            let mut de = serde_json::Deserializer::from_slice(text);
            de.disable_recursion_limit();
            let v: Result<serde_json::Value, _> = serde::Deserialize::deserialize(&mut de);
            assert!(
                v.is_ok() || text.len() > 1 << 20,
                "we accepted what serde_json refuses"
            );
        }
        Err(e) => assert!(e.offset <= data.len()),
    }
    if let Err(e) = collection::read(data) {
        assert!(e.offset.is_none_or(|o| o <= data.len()));
    }
});

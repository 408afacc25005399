//! Inputs the fuzzers (scripts/fuzz) flagged, kept as regression tests.

#[allow(unused_imports)]
use crate::support;
use crate::support::*;
use postman_cognito::json::scan::{KeepAll, scan};

/// A kept fuzz finding, `fuzz/regressions/<name>`, as bytes.
fn regression(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("fuzz/regressions").join(name)).unwrap()
}

/// The v3 edits of `src` (a root definition when `root`, else a request) applied, with
/// [`TOKEN`]; the planning error when refused.
fn v3_patched(src: &[u8], root: bool) -> Result<Vec<u8>, postman_cognito::error::Failure> {
    let want = postman_cognito::collection::TokenAuth {
        token: TOKEN,
        header_prefix: None,
        extra: &[],
    };
    let edits = postman_cognito::collection::v3::plan_bytes(src, root, &want)?;
    Ok(postman_cognito::json::edit::apply(src, &edits))
}

/// fuzz/regressions/reader-huge-exponent.json: a number whose exponent overflows f64. RFC 8259
/// allows it; serde_json (without arbitrary_precision) refuses it. The reader accepts it and a
/// patch keeps its spelling byte for byte (the fuzz property was wrong, not the reader).
#[test]
fn a_number_beyond_f64_is_valid_json_and_kept_verbatim() {
    let huge = regression("reader-huge-exponent.json");
    assert!(scan(&huge, &KeepAll).is_ok());
    let number = String::from_utf8(huge).unwrap();
    let (dir, file) = temp_copy(&fixture("collections/v21-tabs-oauth2.json"));
    let text = std::fs::read_to_string(&file).unwrap().replacen(
        "\"value\": 1.0",
        &format!("\"value\": {number}"),
        1,
    );
    assert!(text.contains(&number));
    std::fs::write(&file, &text).unwrap();
    bin()
        .arg("refresh")
        .arg(&file)
        .env("POSTMAN_COGNITO_TOKEN", TOKEN)
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains(&format!("\"value\": {number}"))
    );
    drop(dir);
}

/// fuzz/regressions/yaml-empty-type-before-comment.yaml: a v3 root auth whose `type:` is empty
/// and followed by a comment (`type: #x`). The empty value's span sits at the comment, so
/// replacing it wrote `oauth2#x`, one plain scalar; the value now goes right after the colon.
#[test]
fn an_empty_yaml_type_before_a_comment_becomes_oauth2() {
    let src = regression("yaml-empty-type-before-comment.yaml");
    let out = v3_patched(&src, true).unwrap();
    let doc = postman_cognito::yaml::read(&out).unwrap();
    assert_eq!(
        postman_cognito::collection::v3::root_access_token(&doc).as_deref(),
        Some(TOKEN)
    );
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("type: oauth2 #aberer"), "{text}");
}

/// fuzz/regressions/yaml-lone-cr.bin (first byte: root): a lone CR, which YAML reads as a line
/// break and the line edits did not, so an entry was appended to the wrong mapping (the check
/// of the result caught it). Such a file is now refused with its place.
#[test]
fn a_lone_carriage_return_in_yaml_is_refused_with_its_place() {
    let data = regression("yaml-lone-cr.bin");
    let e = postman_cognito::yaml::read(&data[1..]).unwrap_err();
    assert!(
        e.message.contains("carriage return without a line feed"),
        "{e:?}"
    );
    assert_eq!(data[1 + e.offset], b'\r');
}

/// fuzz/regressions/yaml-empty-block-scalar.bin (first byte: root): the auth mapping's last
/// value is an empty block scalar (`key: |-` and nothing under it), whose span the parser puts
/// on the next line; entries appended "after it" landed after the next key. An empty value now
/// ends at its key.
#[test]
fn entries_after_an_empty_block_scalar_stay_in_their_mapping() {
    let data = regression("yaml-empty-block-scalar.bin");
    let src = &data[1..];
    let out = v3_patched(src, true).unwrap();
    let doc = postman_cognito::yaml::read(&out).unwrap();
    assert_eq!(
        postman_cognito::collection::v3::root_access_token(&doc).as_deref(),
        Some(TOKEN)
    );
    let before: serde_yaml::Value = serde_yaml::from_slice(src).unwrap();
    let after: serde_yaml::Value = serde_yaml::from_slice(&out).unwrap();
    assert_eq!(before["ipts"], after["ipts"]);
    assert_eq!(before["order"], after["order"]);
}

/// fuzz/regressions/yaml-auth-only-key.bin (first byte: request): a file whose only key is
/// `auth` (real v3 files start with `$kind`, which the loader checks). Removing it left an
/// anchored null instead of a mapping; it is now refused with the place.
#[test]
fn removing_the_only_key_of_a_yaml_file_is_refused() {
    let data = regression("yaml-auth-only-key.bin");
    // That file is now refused earlier (its document carries an anchor); the rule itself:
    let e = v3_patched(&data[1..], false).unwrap_err();
    assert_eq!(e.exit, postman_cognito::error::Exit::BadInput);
    let e = v3_patched(b"auth:\n  type: bearer\n", false).unwrap_err();
    assert_eq!(e.exit, postman_cognito::error::Exit::BadInput);
    assert!(
        e.message.contains(":1:1: auth is the file's only key"),
        "{}",
        e.message
    );
}

/// fuzz/regressions/yaml-explicit-key.bin: an explicit key (`? ...`) with an empty key, where
/// the line edits cannot tell the mapping's indentation; refused, as any empty or explicit key.
/// fuzz/regressions/yaml-anchored-key.bin: `&d: ...`, an anchored empty key that libyaml and
/// saphyr-parser read differently; keys with anchors or tags are refused too.
#[test]
fn explicit_empty_and_anchored_yaml_keys_are_refused() {
    let data = regression("yaml-explicit-key.bin");
    let anchored = regression("yaml-anchored-key.bin");
    for text in [
        &data[1..],
        &anchored[1..],
        b"? a\n: 1\n",
        b": 1\n",
        b"&a k: 1\n",
        b"\xEF\xBB\xBF?\n   k:!x\r\n",
    ] {
        let e = postman_cognito::yaml::read(text).unwrap_err();
        assert!(
            e.message.contains("explicit") || e.message.contains("whole document"),
            "{e:?}"
        );
    }
}

/// fuzz/regressions/yaml-compact-empty-item.bin (first byte: root): the last entry's value is
/// a compact sequence (`-` at the key's indentation) whose only item is empty; its span sits at
/// the end of the file, so the entry seemed to end on its key's line and the new auth went
/// between the key and its item. Entries now end where their block of lines ends.
#[test]
fn entries_end_where_their_block_of_lines_ends() {
    let data = regression("yaml-compact-empty-item.bin");
    let src = &data[1..];
    let out = v3_patched(src, true).unwrap();
    let doc = postman_cognito::yaml::read(&out).unwrap();
    assert_eq!(
        postman_cognito::collection::v3::root_access_token(&doc).as_deref(),
        Some(TOKEN)
    );
    let text = |b: &[u8]| String::from_utf8(b[3..].to_vec()).unwrap(); // after the BOM
    let before: serde_yaml::Value = serde_yaml::from_str(&text(src)).unwrap();
    let after: serde_yaml::Value = serde_yaml::from_str(&text(&out)).unwrap();
    assert_eq!(before["ls"], after["ls"]);
}

/// fuzz/regressions/yaml-tagged-block-sequence.bin (first byte: root): a block sequence with a
/// tag (`key: !t` then `- item`) has a span from the tag to the first `- `, which was taken for
/// a flow collection; the new auth went between the key and its items. Flow is now told by the
/// `[` or `{` the span ends with.
#[test]
fn a_tagged_block_sequence_is_not_flow() {
    let data = regression("yaml-tagged-block-sequence.bin");
    let src = &data[1..];
    let doc = postman_cognito::yaml::read(src).unwrap();
    let value = &doc.root.as_map().unwrap()[0].value;
    assert!(value.as_seq().is_some() && !value.flow);
    let out = v3_patched(src, true).unwrap();
    let back = postman_cognito::yaml::read(&out).unwrap();
    assert_eq!(
        postman_cognito::collection::v3::root_access_token(&back).as_deref(),
        Some(TOKEN)
    );
}

/// fuzz/regressions/yaml-multiline-flow-auth.bin (first byte: request): a request's auth in
/// flow style over several lines, some at column 0 (flow content may sit at any indentation);
/// only its first line was deleted. Flow collections and scalars now end where their span ends.
#[test]
fn a_multiline_flow_auth_is_removed_whole() {
    let data = regression("yaml-multiline-flow-auth.bin");
    let src = &data[1..];
    let out = v3_patched(src, false).unwrap();
    let mut before: serde_yaml::Value = serde_yaml::from_slice(src).unwrap();
    let after: serde_yaml::Value = serde_yaml::from_slice(&out).unwrap();
    before.as_mapping_mut().unwrap().remove("auth");
    assert_eq!(before, after);
}

/// fuzz/regressions/yaml-tab-only-line.bin (first byte: request): a line holding only a tab
/// inside an auth block was taken for content at column 0, which ended the block there. White
/// space only lines are blank.
#[test]
fn a_tab_only_line_does_not_end_a_block() {
    let data = regression("yaml-tab-only-line.bin");
    let src = &data[1..];
    let out = v3_patched(src, false).unwrap();
    // libyaml refuses this file (a tab in a scalar); the tool's reader reads both.
    let before = postman_cognito::yaml::read(src).unwrap();
    let after = postman_cognito::yaml::read(&out).unwrap();
    assert!(after.root.get("auth").is_none());
    for key in ["$kind", "url", "method", "order"] {
        assert_eq!(
            before.root.get(key).unwrap().as_str(),
            after.root.get(key).unwrap().as_str()
        );
    }
}

/// fuzz/regressions/bru-request-without-method-block.bin (first byte: request): a `.bru` request
/// with a `meta` block and no method block (`get { ... }`). It has no auth line to write, and
/// Bruno sends it no auth: the plan leaves it as it is (the fuzz property expected an auth).
#[test]
fn a_bru_request_without_a_method_block_is_left_as_it_is() {
    let data = regression("bru-request-without-method-block.bin");
    let src = &data[1..];
    let edits =
        postman_cognito::collection::bruno::plan_bytes(src, false, "{{process.env.COGNITO_TOKEN}}")
            .unwrap();
    assert!(edits.is_empty());
    assert!(postman_cognito::collection::bruno::auth_of_bytes(src, true).is_none());
    // With a method block, the same request is made to inherit.
    let mut with = src.to_vec();
    with.extend_from_slice(b"\nget {\n  url: x\n}\n");
    let edits = postman_cognito::collection::bruno::plan_bytes(
        &with,
        false,
        "{{process.env.COGNITO_TOKEN}}",
    )
    .unwrap();
    let out = postman_cognito::splice::apply(&with, &edits);
    assert_eq!(
        postman_cognito::collection::bruno::auth_of_bytes(&out, true)
            .unwrap()
            .0,
        "inherit"
    );
}

/// fuzz/regressions/bru-request-sending-an-identity.bin (first byte: request): a request whose
/// bearer token is `{{passwordCredentials_access_token}}`, another identity's variable. Under
/// `--inherit all` it is kept as it is (the fuzz property expected every request to inherit).
#[test]
fn a_bru_request_sending_another_identity_is_kept_under_inherit_all() {
    let data = regression("bru-request-sending-an-identity.bin");
    let src = &data[1..];
    let edits =
        postman_cognito::collection::bruno::plan_bytes(src, false, "{{process.env.COGNITO_TOKEN}}")
            .unwrap();
    assert!(edits.is_empty());
    // Sending the collection's own variable instead, it is a stale copy: it inherits.
    let own = String::from_utf8(src.to_vec())
        .unwrap()
        .replace("{{passwordCredentials_access_token}}", "{{token}}");
    let edits = postman_cognito::collection::bruno::plan_bytes(
        own.as_bytes(),
        false,
        "{{process.env.COGNITO_TOKEN}}",
    )
    .unwrap();
    let out = postman_cognito::splice::apply(own.as_bytes(), &edits);
    assert_eq!(
        postman_cognito::collection::bruno::auth_of_bytes(&out, true)
            .unwrap()
            .0,
        "inherit"
    );
    assert!(!String::from_utf8(out).unwrap().contains("auth:bearer"));
}

/// fuzz/regressions/bru-text-after-closing-quotes.bin (first byte: request): a method block
/// whose `auth:` value is a `'''` text with `none` after its closing quotes on the same line.
/// Bruno refuses that file (its grammar allows only an @contentType annotation there); the
/// reader took the text and dropped the rest, so the edit left `inheritnone`. Such a file is now
/// refused with its place, as Bruno refuses it.
#[test]
fn text_after_closing_triple_quotes_is_refused_with_its_place() {
    let data = regression("bru-text-after-closing-quotes.bin");
    let src = &data[1..];
    let e = postman_cognito::bru::read(src).unwrap_err();
    assert!(e.message.contains("after the closing '''"), "{e:?}");
    assert_eq!(&src[e.offset - 3..e.offset], b"'''");
    assert!(
        postman_cognito::collection::bruno::plan_bytes(src, false, "{{process.env.COGNITO_TOKEN}}")
            .is_err()
    );
}

/// fuzz/regressions/bru-method-block-as-list.bin (first byte: request): a block named as a
/// method (`delete`) but written as a list (`delete [ ... ]`), which Bruno refuses. The reader
/// took it as a method block, and the edit put an `auth:` line into the list. A dictionary
/// block's name with `[` is now refused with its place, as Bruno refuses it.
#[test]
fn a_method_block_written_as_a_list_is_refused() {
    let data = regression("bru-method-block-as-list.bin");
    let src = &data[1..];
    let e = postman_cognito::bru::read(src).unwrap_err();
    assert_eq!(src[e.offset], b'[', "{e:?}");
    assert!(
        postman_cognito::collection::bruno::plan_bytes(src, false, "{{process.env.COGNITO_TOKEN}}")
            .is_err()
    );
}

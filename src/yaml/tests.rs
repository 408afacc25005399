use super::edit::*;
use super::*;
use crate::splice::{Edits, apply};

fn doc(text: &str) -> Doc {
    read(text.as_bytes()).unwrap()
}

fn err(text: &str) -> YamlError {
    read(text.as_bytes()).unwrap_err()
}

#[test]
fn spans_are_bytes_even_after_multibyte_text_and_a_bom() {
    let text = "\u{feff}name: Café é\r\nauth:\r\n  type: bearer # c\r\n";
    let d = doc(text);
    assert_eq!(d.newline, "\r\n");
    let ty = d.root.get("auth").unwrap().get("type").unwrap();
    assert_eq!(&text.as_bytes()[ty.span.start..ty.span.end], b"bearer");
    let name = d.root.get("name").unwrap();
    assert_eq!(&text[name.span.start..name.span.end], "Café é");
}

#[test]
fn refuses_what_cannot_be_edited_safely() {
    for (text, needle, line) in [
        ("a: 1\n---\nb: 2\n", "more than one YAML document", 2),
        ("a: 1\na: 2\n", "appears twice", 2),
        ("a:\n\tb: 1\n", "tabs", 2),
        ("a: [1\n", "not valid YAML", 2),
        ("? [a]\n: 1\n", "not a plain value", 1),
        (
            "a: 1\r\nb: 2\rc: 3\r\n",
            "carriage return without a line feed",
            2,
        ),
    ] {
        let e = err(text);
        assert!(e.message.contains(needle), "{text:?}: {e:?}");
        assert_eq!(
            line_col(text.as_bytes(), e.offset).0,
            line,
            "{text:?}: {e:?}"
        );
    }
    let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    assert!(err(&deep).message.contains("deeper"), "{:?}", err(&deep));
    let block_deep: String = (0..200)
        .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
        .collect();
    assert!(err(&block_deep).message.contains("deeper"));
    let d = doc("auth: &a\n  type: bearer\nx: *a\ny: !tag 1\nz: {a: 1}\n");
    assert_eq!(
        d.root.get("auth").unwrap().find_unsafe().unwrap().1,
        "an anchor or a tag"
    );
    assert_eq!(
        d.root.get("x").unwrap().find_unsafe().unwrap().1,
        "an alias (*name)"
    );
    assert_eq!(
        d.root.get("y").unwrap().find_unsafe().unwrap().1,
        "an anchor or a tag"
    );
    let z = d.root.get("z").unwrap();
    assert!(z.flow && z.find_unsafe().is_none());
}

#[test]
fn an_entry_ends_where_its_block_ends_whatever_the_spans_say() {
    // A compact sequence whose only item is empty: its span sits at the end of the file.
    let text = "   ls:\r\n   -         ";
    let d = doc(text);
    let e = d.root.entry("ls").unwrap();
    assert_eq!(e.end(text.as_bytes()), text.len());
    // fuzz/regressions/yaml-dash-tab-item.bin: an item whose dash is followed by a tab.
    let text = "d: !t\n-\t\n";
    let d = doc(text);
    assert_eq!(d.root.entry("d").unwrap().end(text.as_bytes()), 8);
    // Blank and comment lines count only between lines of the block.
    let text = "a:\n  b: 1\n\n  # inner\n  c: 2\n\n# after\nd: 3\n";
    let d = doc(text);
    let end = d.root.entry("a").unwrap().end(text.as_bytes());
    assert_eq!(&text[..end], "a:\n  b: 1\n\n  # inner\n  c: 2");
}

#[test]
fn a_question_mark_ending_a_value_is_not_an_explicit_key() {
    let d = doc("a: what?\nb: x ?\nc: 1\n");
    assert_eq!(d.root.get("c").unwrap().as_str(), Some("1"));
}

#[test]
fn deleting_an_entry_takes_its_lines_and_nothing_else() {
    let text = "$kind: x\n# keep me\nauth:\n  type: bearer # gone\n  credentials:\n    token: \"{{t}}\"\n\n# and me\norder: 1\n";
    let d = doc(text);
    let mut e = Edits::default();
    delete_entry(text.as_bytes(), d.root.entry("auth").unwrap(), &mut e).unwrap();
    let out = apply(text.as_bytes(), &e.sorted().unwrap());
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "$kind: x\n# keep me\n\n# and me\norder: 1\n"
    );
    // An empty value and a last entry without a final line break.
    let text = "a: 1\nauth:\nb: 2\nauth2: {type: x}";
    let d = doc(text);
    for (key, want) in [
        ("auth", "a: 1\nb: 2\nauth2: {type: x}"),
        ("auth2", "a: 1\nauth:\nb: 2\n"),
    ] {
        let mut e = Edits::default();
        delete_entry(text.as_bytes(), d.root.entry(key).unwrap(), &mut e).unwrap();
        let out = apply(text.as_bytes(), &e.sorted().unwrap());
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }
    // A key after "- " is not on a line of its own.
    let text = "l:\n  - auth: 1\n    b: 2\n";
    let d = doc(text);
    let item = &d.root.get("l").unwrap().as_seq().unwrap()[0];
    assert!(
        delete_entry(
            text.as_bytes(),
            item.entry("auth").unwrap(),
            &mut Edits::default()
        )
        .is_err()
    );
}

#[test]
fn appends_in_the_neighbours_indentation_and_line_breaks() {
    let text = "a:\r\n    b: 1 # c\r\n    c: |\r\n      x\r\n\r\nz: 2";
    let d = doc(text);
    let mut e = Edits::default();
    append_entries(
        text.as_bytes(),
        d.root.get("a").unwrap(),
        &["n: v".into()],
        d.newline,
        &mut e,
    )
    .unwrap();
    append_entries(
        text.as_bytes(),
        &d.root,
        &["m: w".into()],
        d.newline,
        &mut e,
    )
    .unwrap();
    let out = String::from_utf8(apply(text.as_bytes(), &e.sorted().unwrap())).unwrap();
    assert_eq!(
        out,
        "a:\r\n    b: 1 # c\r\n    c: |\r\n      x\r\n    n: v\r\n\r\nz: 2\r\nm: w\r\n"
    );
    assert_eq!(indent_unit(text.as_bytes(), &d.root), "    ");
    let list = "l:\n  - key: a\n    value: 1\n";
    let d = doc(list);
    let mut e = Edits::default();
    append_items(
        list.as_bytes(),
        d.root.entry("l").unwrap(),
        &[vec!["key: b".into(), "value: 2".into()]],
        "\n",
        &mut e,
    )
    .unwrap();
    let out = String::from_utf8(apply(list.as_bytes(), &e.sorted().unwrap())).unwrap();
    assert_eq!(
        out,
        "l:\n  - key: a\n    value: 1\n  - key: b\n    value: 2\n"
    );
}

#[test]
fn scalars_are_plain_only_when_they_read_back_as_the_same_string() {
    for (s, want) in [
        ("eyJa.b-c_d.e", "eyJa.b-c_d.e"),
        ("Bearer", "Bearer"),
        ("{{token}}", "\"{{token}}\""),
        ("", "\"\""),
        ("true", "\"true\""),
        ("1", "\"1\""),
        ("a: b", "\"a: b\""),
        ("x\ny", "\"x\\ny\""),
    ] {
        assert_eq!(scalar(s), want);
        let back = doc(&format!("k: {want}\n"));
        assert_eq!(back.root.get("k").unwrap().as_str(), Some(s));
        assert!(holds(
            back.root.get("k").unwrap(),
            &serde_json::to_string(s).unwrap()
        ));
    }
    assert!(!holds(doc("k: true\n").root.get("k").unwrap(), "\"true\""));
    assert!(holds(doc("k: true\n").root.get("k").unwrap(), "true"));
}

//! Span edits on JSON text: replace a value, insert a member or element in the style of its
//! neighbours, delete members or elements with their separators. Every byte outside the edits
//! stays as it was.

use super::scan::{Array, Member, Node, Object, Span};

pub use crate::splice::{Edit, Edits, apply, changes, edited_len, pieces};

/// A value to write, rendered in the document's style.
#[derive(Debug, Clone, PartialEq)]
pub enum NewValue {
    Str(String),
    /// JSON text written as it is (e.g. `true`, `[]`).
    Raw(String),
    Object(Vec<(String, NewValue)>),
    Array(Vec<NewValue>),
}

impl NewValue {
    pub fn str(s: impl Into<String>) -> Self {
        NewValue::Str(s.into())
    }
}

/// How a document lays out its text: line ending, one indent step, and key separator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    /// `None` when the document is minified (no line breaks between members).
    pub eol: Option<&'static str>,
    pub indent: String,
    /// The text between a key and its value, such as `": "` or `":"`.
    pub colon: String,
}

impl Style {
    /// Guesses the style from the top-level object's first member.
    pub fn detect(src: &[u8], root: &Object) -> Style {
        // The first line ending tells (a whole-file scan cost 9% of a patch).
        let eol = match src.iter().position(|&c| c == b'\n') {
            Some(i) if i > 0 && src[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        };
        let Some(first) = root.members.first() else {
            return Style {
                eol: Some(eol),
                indent: "\t".into(),
                colon: ": ".into(),
            };
        };
        let colon = text(src, first.key_span.end, first.value.span().start).to_string();
        let before = text(src, root.span.start + 1, first.key_span.start);
        match before.rfind('\n') {
            Some(nl) => Style {
                eol: Some(eol),
                indent: before[nl + 1..].to_string(),
                colon,
            },
            None => Style {
                eol: None,
                indent: String::new(),
                colon,
            },
        }
    }

    /// Renders `v` as it would stand at a line indented by `at`.
    pub fn render(&self, v: &NewValue, at: &str) -> String {
        match v {
            NewValue::Str(s) => json_string(s),
            NewValue::Raw(r) => r.clone(),
            NewValue::Object(members) if members.is_empty() => "{}".into(),
            NewValue::Object(members) => {
                let inner = format!("{at}{}", self.indent);
                let mut out = String::from("{");
                for (i, (k, val)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&self.break_to(&inner));
                    out.push_str(&json_string(k));
                    out.push_str(&self.colon);
                    out.push_str(&self.render(val, &inner));
                }
                out.push_str(&self.break_to(at));
                out.push('}');
                out
            }
            NewValue::Array(items) if items.is_empty() => "[]".into(),
            NewValue::Array(items) => {
                let inner = format!("{at}{}", self.indent);
                let mut out = String::from("[");
                for (i, val) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&self.break_to(&inner));
                    out.push_str(&self.render(val, &inner));
                }
                out.push_str(&self.break_to(at));
                out.push(']');
                out
            }
        }
    }

    /// A line break followed by `indent`, or nothing when minified.
    fn break_to(&self, indent: &str) -> String {
        match self.eol {
            Some(eol) => format!("{eol}{indent}"),
            None => String::new(),
        }
    }
}

/// A JSON string literal for `s`.
pub fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

fn text(src: &[u8], start: usize, end: usize) -> &str {
    std::str::from_utf8(&src[start..end]).unwrap_or_default()
}

/// The white space at the start of the line that holds byte `at`.
pub fn line_indent(src: &[u8], at: usize) -> &str {
    let start = src[..at]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    let len = src[start..]
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    text(src, start, start + len)
}

/// The white space right before byte `at` (back to the previous `,`, `{` or `[`).
fn ws_before(src: &[u8], at: usize) -> &str {
    let start = src[..at]
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        .map_or(0, |p| p + 1);
    text(src, start, at)
}

/// Where the white space starting at byte `at` ends.
fn ws_end(src: &[u8], at: usize) -> usize {
    at + src[at..]
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        .count()
}

/// Where the last line of `ws` starts its indent: the text after its last line break.
fn indent_of(ws: &str) -> &str {
    ws.rfind('\n').map_or(ws, |nl| &ws[nl + 1..])
}

/// Inserts member `key: value` right after member `m`, with the white space the file puts
/// before `m`'s key. Reads nothing but `m` and the bytes around it, so it is safe on an object
/// scanned sparsely (whose member list leaves members out).
pub fn insert_after(
    edits: &mut Edits,
    src: &[u8],
    style: &Style,
    m: &Member,
    key: &str,
    value: &NewValue,
) {
    let lead = ws_before(src, m.key_span.start);
    let colon = text(src, m.key_span.end, m.value.span().start);
    let rendered = style.render(value, indent_of(lead));
    edits.insert(
        m.value.span().end,
        format!(",{lead}{}{colon}{rendered}", json_string(key)),
    );
}

/// Inserts member `key: value` first in the object at `span`, laid out like the member that
/// follows it. Reads the object's bytes, not its member list, so it is safe on an object
/// scanned sparsely.
pub fn insert_first(
    edits: &mut Edits,
    src: &[u8],
    style: &Style,
    span: Span,
    key: &str,
    value: &NewValue,
) {
    let open = span.start + 1;
    let first = ws_end(src, open);
    if src.get(first) == Some(&b'}') {
        let outer = line_indent(src, span.start);
        let whole = NewValue::Object(vec![(key.to_string(), value.clone())]);
        edits.replace(span, style.render(&whole, outer));
        return;
    }
    let lead = text(src, open, first);
    let rendered = style.render(value, indent_of(lead));
    edits.insert(
        first,
        format!("{}{}{rendered},{lead}", json_string(key), style.colon),
    );
}

/// Inserts members at the end of `obj` (or, with `first`, before its first member), laid out
/// like the existing members. `obj` must have been scanned whole (every member listed).
pub fn insert_members(
    edits: &mut Edits,
    src: &[u8],
    style: &Style,
    obj: &Object,
    new: &[(String, NewValue)],
    first: bool,
) {
    if new.is_empty() {
        return;
    }
    let member = |lead: &str, at: &str, k: &str, v: &NewValue, colon: &str| {
        format!("{lead}{}{colon}{}", json_string(k), style.render(v, at))
    };
    match (obj.members.first(), obj.members.last()) {
        (Some(head), Some(last)) => {
            let colon = text(src, last.key_span.end, last.value.span().start);
            if first {
                let lead = ws_before(src, head.key_span.start);
                let mut out = String::new();
                for (k, v) in new {
                    out.push_str(&member("", indent_of(lead), k, v, colon));
                    out.push(',');
                    out.push_str(lead);
                }
                edits.insert(head.key_span.start, out);
            } else {
                // After the last member, with the separator the file puts between its last two
                // members (`,\n  `, ` ,\n  `, comma-first `\n, `), else a comma and the white
                // space before the only member.
                let sep = match obj.members.len() {
                    n if n >= 2 => text(
                        src,
                        obj.members[n - 2].value.span().end,
                        last.key_span.start,
                    )
                    .to_string(),
                    _ => format!(",{}", ws_before(src, last.key_span.start)),
                };
                let lead = ws_before(src, last.key_span.start);
                let mut out = String::new();
                for (k, v) in new {
                    out.push_str(&member(&sep, indent_of(lead), k, v, colon));
                }
                edits.insert(last.value.span().end, out);
            }
        }
        _ => {
            let outer = line_indent(src, obj.span.start);
            let lead = style.break_to(&format!("{outer}{}", style.indent));
            let body: Vec<String> = new
                .iter()
                .map(|(k, v)| member(&lead, indent_of(&lead), k, v, &style.colon))
                .collect();
            let text = format!("{{{}{}}}", body.join(","), style.break_to(outer));
            edits.replace(obj.span, text);
        }
    }
}

/// Inserts `member_text` entries (already rendered, without separators) at the end of `arr`,
/// each laid out like the last element.
pub fn append_elements(
    edits: &mut Edits,
    src: &[u8],
    style: &Style,
    arr: &Array,
    new: &[NewValue],
) {
    if new.is_empty() {
        return;
    }
    match arr.elements.last() {
        Some(last) => {
            let lead = ws_before(src, last.span().start);
            let mut out = String::new();
            for v in new {
                out.push(',');
                out.push_str(lead);
                out.push_str(&style.render(v, indent_of(lead)));
            }
            edits.insert(last.span().end, out);
        }
        None => {
            let outer = line_indent(src, arr.span.start);
            let inner = format!("{outer}{}", style.indent);
            let lead = style.break_to(&inner);
            let body: Vec<String> = new
                .iter()
                .map(|v| format!("{lead}{}", style.render(v, &inner)))
                .collect();
            edits.replace(
                arr.span,
                format!("[{}{}]", body.join(","), style.break_to(outer)),
            );
        }
    }
}

/// Deletes the entries at `remove` (sorted, unique indices) of a container whose entries
/// span `entries` (key start to value end for members), with their separators.
pub fn delete_entries(edits: &mut Edits, container: Span, entries: &[Span], remove: &[usize]) {
    if remove.is_empty() {
        return;
    }
    let Some(first_kept) = (0..entries.len()).find(|i| !remove.contains(i)) else {
        // Nothing left: keep only the brackets.
        edits.delete(Span {
            start: container.start + 1,
            end: container.end - 1,
        });
        return;
    };
    for &i in remove {
        let span = if i < first_kept {
            // Before the first kept entry: take it and the separator after it.
            Span {
                start: entries[i].start,
                end: entries[i + 1].start,
            }
        } else {
            // After a kept entry: take the separator before it and it.
            Span {
                start: entries[i - 1].end,
                end: entries[i].end,
            }
        };
        edits.delete(span);
    }
}

/// Deletes member `m` of the object spanning `obj` in `src`, with its separator. It reads the
/// separators from the bytes, so it works on sparse objects (which do not store every member).
pub fn delete_member(edits: &mut Edits, src: &[u8], obj: Span, m: &Member) {
    let (start, end) = (m.key_span.start, m.value.span().end);
    let before = start - ws_before(src, start).len();
    if before > obj.start + 1 && src[before - 1] == b',' {
        // After another member: take the comma before it (and the space before the comma), so
        // the space before the next member stays as it was, whatever the layout.
        let comma = before - 1;
        edits.delete(Span {
            start: comma - ws_before(src, comma).len(),
            end,
        });
        return;
    }
    let after = ws_end(src, end);
    if src.get(after) == Some(&b',') {
        // The first of several: take it, the comma and the space up to the next member.
        edits.delete(Span {
            start,
            end: ws_end(src, after + 1),
        });
    } else {
        // The only member: keep just the braces.
        edits.delete(Span {
            start: obj.start + 1,
            end: obj.end - 1,
        });
    }
}

/// The spans of an object's members, from key to end of value.
pub fn member_spans(obj: &Object) -> Vec<Span> {
    obj.members
        .iter()
        .map(|m| Span {
            start: m.key_span.start,
            end: m.value.span().end,
        })
        .collect()
}

/// The spans of an array's elements.
pub fn element_spans(arr: &Array) -> Vec<Span> {
    arr.elements.iter().map(Node::span).collect()
}

#[cfg(test)]
mod tests {
    use super::super::scan::{KeepAll, scan};
    use super::*;

    fn obj(src: &str) -> Object {
        scan(src.as_bytes(), &KeepAll)
            .unwrap()
            .root
            .as_object()
            .unwrap()
            .clone()
    }

    fn run(src: &str, f: impl FnOnce(&mut Edits, &Object, &Style)) -> String {
        let o = obj(src);
        let style = Style::detect(src.as_bytes(), &o);
        let mut edits = Edits::default();
        f(&mut edits, &o, &style);
        String::from_utf8(apply(src.as_bytes(), &edits.sorted().unwrap())).unwrap()
    }

    #[test]
    fn insert_member_copies_neighbour_layout() {
        let src = "{\r\n\t\"a\": 1,\r\n\t\"b\": {\r\n\t\t\"c\": 2\r\n\t}\r\n}";
        let new = vec![(
            "auth".to_string(),
            NewValue::Object(vec![("type".into(), NewValue::str("oauth2"))]),
        )];
        let out = run(src, |e, o, s| {
            insert_members(e, src.as_bytes(), s, o, &new, false)
        });
        assert_eq!(
            out,
            "{\r\n\t\"a\": 1,\r\n\t\"b\": {\r\n\t\t\"c\": 2\r\n\t},\r\n\t\"auth\": {\r\n\t\t\"type\": \"oauth2\"\r\n\t}\r\n}"
        );
        let out = run(src, |e, o, s| {
            insert_members(e, src.as_bytes(), s, o, &new[..], true)
        });
        assert!(
            out.starts_with(
                "{\r\n\t\"auth\": {\r\n\t\t\"type\": \"oauth2\"\r\n\t},\r\n\t\"a\": 1,"
            )
        );
    }

    #[test]
    fn minified_stays_minified() {
        let src = r#"{"a":1}"#;
        let new = vec![(
            "b".to_string(),
            NewValue::Object(vec![("c".into(), NewValue::Raw("true".into()))]),
        )];
        let out = run(src, |e, o, s| {
            insert_members(e, src.as_bytes(), s, o, &new, false)
        });
        assert_eq!(out, r#"{"a":1,"b":{"c":true}}"#);
    }

    #[test]
    fn insert_into_empty_object_uses_document_style() {
        let src = "{\n  \"a\": {}\n}";
        let out = run(src, |e, o, s| {
            let inner = o.get("a").unwrap().as_object().unwrap();
            insert_members(
                e,
                src.as_bytes(),
                s,
                inner,
                &[("k".into(), NewValue::str("v"))],
                false,
            )
        });
        assert_eq!(out, "{\n  \"a\": {\n    \"k\": \"v\"\n  }\n}");
    }

    #[test]
    fn delete_member_reads_separators_from_the_bytes_like_delete_entries() {
        for src in [
            "{\n\t\"a\": 1,\n\t\"auth\": {\"type\": \"bearer\"},\n\t\"b\": [2]\n}",
            "{\"auth\": null, \"b\": 2}",
            "{\"a\": 1 , \"auth\": {}}",
            "{ \"auth\": {\"type\": \"oauth2\"} }",
        ] {
            let o = obj(src);
            let at = o.index_of("auth").unwrap();
            let by_bytes = run(src, |e, o, _| {
                delete_member(e, src.as_bytes(), o.span, &o.members[at])
            });
            let by_spans = run(src, |e, o, _| {
                delete_entries(e, o.span, &member_spans(o), &[at])
            });
            assert_eq!(by_bytes, by_spans, "{src}");
            assert!(!by_bytes.contains("auth"));
        }
    }

    #[test]
    fn delete_members_with_their_separators() {
        let src = "{\n\t\"a\": 1,\n\t\"b\": 2,\n\t\"c\": 3\n}";
        for (remove, want) in [
            (vec![0], "{\n\t\"b\": 2,\n\t\"c\": 3\n}"),
            (vec![1], "{\n\t\"a\": 1,\n\t\"c\": 3\n}"),
            (vec![2], "{\n\t\"a\": 1,\n\t\"b\": 2\n}"),
            (vec![0, 1], "{\n\t\"c\": 3\n}"),
            (vec![0, 2], "{\n\t\"b\": 2\n}"),
            (vec![1, 2], "{\n\t\"a\": 1\n}"),
            (vec![0, 1, 2], "{}"),
        ] {
            let out = run(src, |e, o, _| {
                delete_entries(e, o.span, &member_spans(o), &remove)
            });
            assert_eq!(out, want, "{remove:?}");
        }
    }

    #[test]
    fn append_elements_like_the_last_one() {
        let src = "{\"p\": [\n    {\"k\": 1}\n  ], \"q\": []}";
        let out = run(src, |e, o, s| {
            let p = o.get("p").unwrap().as_array().unwrap();
            append_elements(e, src.as_bytes(), s, p, &[NewValue::Raw("2".into())]);
        });
        assert_eq!(out, "{\"p\": [\n    {\"k\": 1},\n    2\n  ], \"q\": []}");
    }

    #[test]
    fn overlapping_edits_are_caught() {
        let mut e = Edits::default();
        e.replace(Span { start: 0, end: 4 }, "x");
        e.replace(Span { start: 2, end: 6 }, "y");
        assert!(e.sorted().is_err());
    }
}

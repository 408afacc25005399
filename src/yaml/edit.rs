//! Line edits on block YAML: delete a mapping entry with its lines, replace a scalar, add
//! entries or sequence items in the indentation of their neighbours, replace a value with a
//! block. Every byte outside the edits stays as it was; what cannot be edited that way (flow
//! style, block scalars, an entry that does not start its line) is refused.

use super::{Entry, Node, Style, Value, YamlError};
use crate::splice::Edits;
use crate::splice::Span;

/// Start of the line holding byte `at`.
pub fn line_start(src: &[u8], at: usize) -> usize {
    src[..at.min(src.len())]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1)
}

/// End of the line holding byte `at`, before its line break.
pub fn line_end(src: &[u8], at: usize) -> usize {
    let at = at.min(src.len());
    let mut end = src[at..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(src.len(), |p| at + p);
    if end > at && src[end - 1] == b'\r' {
        end -= 1;
    }
    end
}

/// End of the line holding byte `at`, after its line break.
pub fn after_line(src: &[u8], at: usize) -> usize {
    let at = at.min(src.len());
    src[at..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(src.len(), |p| at + p + 1)
}

/// The indentation of a node that starts a line (or follows `- ` on it), as spaces.
pub fn indent_of(src: &[u8], at: usize) -> String {
    let start = line_start(src, at);
    let width = String::from_utf8_lossy(&src[start..at]).chars().count();
    " ".repeat(width)
}

/// Whether only indentation (and sequence dashes) comes before byte `at` on its line.
fn starts_line(src: &[u8], at: usize) -> bool {
    src[line_start(src, at)..at]
        .iter()
        .all(|&c| c == b' ' || c == b'-')
}

fn refuse(at: usize, what: &str) -> YamlError {
    YamlError {
        offset: at,
        message: what.to_string(),
    }
}

/// The offset just after the `:` that follows a mapping key.
fn after_colon(src: &[u8], key: &Node) -> Result<usize, YamlError> {
    src[key.span.end..]
        .iter()
        .position(|&c| c == b':')
        .map(|p| key.span.end + p + 1)
        .ok_or_else(|| refuse(key.span.start, "expected \"key:\" here"))
}

/// Where an entry's value last has content (its key, for an empty value).
fn entry_end(src: &[u8], e: &Entry) -> usize {
    e.end(src)
}

/// Deletes `entry` of a block mapping with all its lines.
pub fn delete_entry(src: &[u8], entry: &Entry, edits: &mut Edits) -> Result<(), YamlError> {
    let key = entry.key.span.start;
    if !src[line_start(src, key)..key].iter().all(|&c| c == b' ') {
        return Err(refuse(
            key,
            "this key does not start its line (it follows \"- \" or sits in {...}), so its lines \
             cannot be removed alone",
        ));
    }
    let start = line_start(src, key);
    let end = after_line(src, entry_end(src, entry));
    edits.delete(Span { start, end });
    Ok(())
}

/// Replaces a scalar (not a block scalar) with `text`, already rendered.
pub fn replace_scalar(node: &Node, text: &str, edits: &mut Edits) -> Result<(), YamlError> {
    match &node.value {
        Value::Scalar {
            style: Style::Block,
            ..
        } => Err(refuse(
            node.span.start,
            "a block scalar (| or >) here cannot be replaced safely; write the value on one line",
        )),
        Value::Scalar { .. } if !node.marked => {
            edits.replace(node.span, text);
            Ok(())
        }
        _ => Err(refuse(node.span.start, "expected a plain value here")),
    }
}

/// Sets the value of `entry` to the scalar `text`: the value replaced, or, when it is empty
/// (`key:` alone, or before a comment), written right after the colon.
pub fn set_value(
    src: &[u8],
    entry: &Entry,
    text: &str,
    edits: &mut Edits,
) -> Result<(), YamlError> {
    match &entry.value.value {
        Value::Scalar {
            text: t,
            style: Style::Plain,
        } if t.is_empty() && !entry.value.marked => {
            let colon = after_colon(src, &entry.key)?;
            edits.insert(colon, format!(" {text}"));
            Ok(())
        }
        _ => replace_scalar(&entry.value, text, edits),
    }
}

/// Makes the value of block entry `entry` the plain scalar `text`, whatever it was (a scalar or
/// a block collection), on the key's line.
pub fn set_scalar(
    src: &[u8],
    entry: &Entry,
    text: &str,
    edits: &mut Edits,
) -> Result<(), YamlError> {
    let colon = after_colon(src, &entry.key)?;
    let end = line_end(src, entry.end(src)).max(colon);
    edits.replace(Span { start: colon, end }, format!(" {text}"));
    Ok(())
}

/// Adds `lines` (each `key: value`, or a nested block with its own deeper indentation, given
/// relative to the mapping) after the last entry of block mapping `map`.
pub fn append_entries(
    src: &[u8],
    map: &Node,
    lines: &[String],
    newline: &str,
    edits: &mut Edits,
) -> Result<(), YamlError> {
    let Some(first) = map.as_map().and_then(<[Entry]>::first) else {
        return Err(refuse(
            map.span.start,
            "an empty mapping cannot be extended in place",
        ));
    };
    if map.flow || !starts_line(src, first.key.span.start) {
        return Err(refuse(
            map.span.start,
            "a flow-style mapping ({...}) cannot be edited safely; write it in block style",
        ));
    }
    let indent = indent_of(src, first.key.span.start);
    let last = map.as_map().and_then(<[Entry]>::last).expect("non-empty");
    insert_after(src, entry_end(src, last), &indent, lines, newline, edits);
    Ok(())
}

/// Adds items to block sequence `seq`, each given as its lines (`key: value`), written with
/// the dash prefix of the sequence's first item.
pub fn append_items(
    src: &[u8],
    entry: &Entry,
    items: &[Vec<String>],
    newline: &str,
    edits: &mut Edits,
) -> Result<(), YamlError> {
    let seq = &entry.value;
    let Some(first) = seq.as_seq().and_then(<[Node]>::first) else {
        return Err(refuse(
            seq.span.start,
            "an empty sequence cannot be extended in place",
        ));
    };
    let prefix_bytes = &src[line_start(src, first.span.start)..first.span.start];
    if seq.flow || !prefix_bytes.contains(&b'-') || !starts_line(src, first.span.start) {
        return Err(refuse(
            seq.span.start,
            "a flow-style sequence ([...]) cannot be edited safely; write it in block style",
        ));
    }
    let dash = String::from_utf8_lossy(prefix_bytes).into_owned();
    let pad = " ".repeat(dash.chars().count());
    let mut text = String::new();
    for item in items {
        for (i, line) in item.iter().enumerate() {
            text.push_str(if i == 0 { &dash } else { &pad });
            text.push_str(line);
            text.push_str(newline);
        }
    }
    let at = after_line(src, entry.end(src));
    let lead = if at == src.len() && !src.ends_with(b"\n") {
        newline
    } else {
        ""
    };
    edits.insert(at, format!("{lead}{text}"));
    Ok(())
}

fn insert_after(
    src: &[u8],
    end: usize,
    indent: &str,
    lines: &[String],
    newline: &str,
    edits: &mut Edits,
) {
    let at = after_line(src, end);
    let mut text = String::new();
    if at == src.len() && !src.ends_with(b"\n") {
        text.push_str(newline);
    }
    for line in lines {
        text.push_str(indent);
        text.push_str(line);
        text.push_str(newline);
    }
    edits.insert(at, text);
}

/// Replaces the value of block entry `entry` with the block `lines` (indented relative to the
/// entry's key), written on the lines after the key.
pub fn replace_value(
    src: &[u8],
    entry: &Entry,
    lines: &[String],
    indent_unit: &str,
    newline: &str,
    edits: &mut Edits,
) -> Result<(), YamlError> {
    let key = &entry.key;
    let colon = after_colon(src, key)?;
    let last = entry.end(src);
    let end =
        if last <= line_end(src, key.span.end) && entry.value.span.start >= entry.value.span.end {
            line_end(src, key.span.end)
        } else {
            last
        };
    if end < colon {
        return Err(refuse(key.span.start, "expected \"key:\" here"));
    }
    let indent = format!("{}{indent_unit}", indent_of(src, key.span.start));
    let text: String = lines
        .iter()
        .map(|l| format!("{newline}{indent}{l}"))
        .collect();
    edits.replace(Span { start: colon, end }, text);
    Ok(())
}

/// The indentation step of the document: how much deeper a nested mapping's keys sit than
/// their parent's key (2 when nothing nests).
pub fn indent_unit(src: &[u8], root: &Node) -> String {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if let Some(entries) = n.as_map() {
            for e in entries {
                if let Some(first) = e.value.as_map().and_then(<[Entry]>::first)
                    && !e.value.flow
                {
                    let outer = indent_of(src, e.key.span.start).len();
                    let inner = indent_of(src, first.key.span.start).len();
                    if inner > outer && starts_line(src, e.key.span.start) {
                        return " ".repeat(inner - outer);
                    }
                }
                stack.push(&e.value);
            }
        }
        if let Some(items) = n.as_seq() {
            stack.extend(items.iter());
        }
    }
    "  ".into()
}

/// A string as a YAML scalar: plain when it reads back as the same string, else double-quoted
/// (JSON's escapes are YAML's).
pub fn scalar(s: &str) -> String {
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-/+=".contains(c))
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("a string serializes")
    }
}

/// A JSON value's text (string or boolean) as a YAML scalar.
pub fn scalar_of_json(json: &str) -> String {
    match serde_json::from_str::<String>(json) {
        Ok(s) => scalar(&s),
        Err(_) => json.to_string(),
    }
}

/// Whether scalar `node` already reads as the JSON value `json`.
pub fn holds(node: &Node, json: &str) -> bool {
    let Value::Scalar { text, style } = &node.value else {
        return false;
    };
    match serde_json::from_str::<String>(json) {
        Ok(s) => *text == s && (*style != Style::Plain || scalar(&s) == s),
        Err(_) => *style == Style::Plain && text == json,
    }
}

//! YAML read for byte-exact edits: a tree of nodes with byte spans (from saphyr-parser's
//! events), and the refusals that keep edits safe. Nothing here writes YAML: `yaml::edit`
//! splices lines, and a file is never round-tripped through a serializer.

pub mod edit;

use std::borrow::Cow;

use saphyr_parser::{Event, Parser, ScalarStyle};

pub use crate::splice::Span;

/// Deepest nesting read: Postman files stay far below it; a deeper file is refused.
pub const MAX_DEPTH: usize = 64;

/// A scalar's written form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` or `>`.
    Block,
}

/// What a node is.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Map(Vec<Entry>),
    Seq(Vec<Node>),
    Scalar { text: String, style: Style },
    Alias,
}

/// A node: its value, where it is in the bytes, and what would make editing it unsafe.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Bytes of the node; for a block collection, its first key or entry to the end of its last
    /// one (see [`Node::content_end`]).
    pub span: Span,
    /// `{...}` or `[...]`.
    pub flow: bool,
    /// It carries an anchor (`&a`) or a tag (`!t`).
    pub marked: bool,
}

/// A mapping entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

impl Entry {
    /// Where the entry's content ends (a byte of its last line of content, before the line
    /// break): the value on the key's line, then every following line that belongs to the
    /// block (indented deeper than the key, or a `-` item at the key's indentation for a
    /// sequence), blank and comment lines between them included. Read from the text, since an
    /// empty value's or a sequence's span sits where the parser noticed it, often elsewhere.
    /// For entries of block mappings.
    pub fn end(&self, src: &[u8]) -> usize {
        use edit::{after_line, line_end, line_start};
        let key = self.key.span.start;
        let indent = key - line_start(src, key);
        let key_line_end = line_end(src, key);
        let mut last = self.key.span.end;
        let v = &self.value;
        // Flow collections and quoted or plain scalars end where their span ends (they may go
        // on over lines at any indentation); block collections and block scalars are read
        // from the lines.
        let exact = v.flow
            || matches!(&v.value, Value::Scalar { style, .. } if *style != Style::Block)
            || matches!(v.value, Value::Alias);
        if v.span.start < v.span.end {
            if exact {
                last = last.max(v.content_end(src));
            } else if v.span.start <= key_line_end {
                last = last.max(v.content_end(src).min(key_line_end));
            }
        }
        let compact = v.as_seq().is_some() && !v.flow;
        let mut pos = after_line(src, last);
        while pos < src.len() {
            let next = after_line(src, pos);
            let line = &src[pos..line_end(src, pos)];
            let width = line.iter().take_while(|&&c| c == b' ').count();
            let rest = &line[width..];
            if rest.iter().all(u8::is_ascii_whitespace) || rest[0] == b'#' {
                pos = next;
                continue;
            }
            let item = rest[0] == b'-' && rest.get(1).is_none_or(|c| *c == b' ' || *c == b'\t');
            if width > indent || (compact && width == indent && item) {
                last = line_end(src, pos).max(pos + width);
                pos = next;
                continue;
            }
            break;
        }
        last
    }
}

/// Why bytes are not YAML this tool edits. The caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub offset: usize,
    pub message: String,
}

/// A read document.
#[derive(Debug)]
pub struct Doc {
    pub root: Node,
    /// The line break the file uses (`\r\n` or `\n`).
    pub newline: &'static str,
}

impl Node {
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A scalar that YAML reads as null: `~`, `null`, or nothing.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, style: Style::Plain }
            if text.is_empty() || text == "~" || text.eq_ignore_ascii_case("null"))
    }

    /// The entry with key `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key.as_str() == Some(key))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The end of the node's last non-blank byte (a block scalar's span runs on to the next
    /// line's indentation; an empty collection ends where it starts).
    pub fn content_end(&self, src: &[u8]) -> usize {
        let end = match &self.value {
            Value::Map(m) if !self.flow => m.last().map_or(self.span.end, |e| {
                e.value.content_end(src).max(e.key.span.end)
            }),
            Value::Seq(s) if !self.flow => s.last().map_or(self.span.end, |n| n.content_end(src)),
            _ => self.span.end,
        };
        let mut end = end.min(src.len());
        while end > self.span.start && src[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        end
    }

    /// The merge key (`<<`) of this mapping, if it has one: YAML 1.1 readers (js-yaml, which the
    /// Postman CLI uses) copy the entries of the mapping it names into this one.
    pub fn merge_key(&self) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key.is_merge_key())
    }

    /// Whether this node is a plain `<<` key.
    pub fn is_merge_key(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, style: Style::Plain } if text == "<<")
    }

    /// Whether anything in this subtree is an anchor, a tag, an alias or a merge key.
    pub fn find_unsafe(&self) -> Option<(usize, &'static str)> {
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            if n.marked {
                return Some((n.span.start, "an anchor or a tag"));
            }
            match &n.value {
                Value::Alias => return Some((n.span.start, "an alias (*name)")),
                Value::Map(m) => {
                    if let Some(e) = m.iter().find(|e| e.key.is_merge_key()) {
                        return Some((e.key.span.start, "a merge key (<<)"));
                    }
                    stack.extend(m.iter().flat_map(|e| [&e.key, &e.value]));
                }
                Value::Seq(s) => stack.extend(s.iter()),
                Value::Scalar { .. } => {}
            }
        }
        None
    }
}

/// Byte offsets of char indices (the parser counts chars).
struct Offsets<'a> {
    text: &'a str,
    /// `None` when the text is ASCII (a char index is then the byte offset).
    table: Option<Vec<usize>>,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Self {
        let table = (!text.is_ascii()).then(|| {
            let mut t: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            t.push(text.len());
            t
        });
        Offsets { text, table }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.table {
            None => char_index.min(self.text.len()),
            Some(t) => t[char_index.min(t.len() - 1)],
        }
    }
}

/// A collection being built.
enum Open {
    Map {
        start: usize,
        flow: bool,
        marked: bool,
        entries: Vec<Entry>,
        key: Option<Node>,
    },
    Seq {
        start: usize,
        flow: bool,
        marked: bool,
        items: Vec<Node>,
    },
}

/// Reads `bytes` (UTF-8, a BOM allowed) as one YAML document. Refused: invalid YAML (tabs as
/// indentation included), more than one document, duplicate keys, non-scalar keys, nesting
/// deeper than [`MAX_DEPTH`].
pub fn read(bytes: &[u8]) -> Result<Doc, YamlError> {
    let text = std::str::from_utf8(bytes).map_err(|e| YamlError {
        offset: e.valid_up_to(),
        message: "not UTF-8 text".into(),
    })?;
    // YAML reads a lone CR as a line break; the line edits know LF and CRLF only.
    if let Some(at) = bytes
        .iter()
        .enumerate()
        .position(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
    {
        return Err(YamlError {
            offset: at,
            message: "a carriage return without a line feed (old Mac line endings); save the \
                      file with LF or CRLF line endings"
                .into(),
        });
    }
    let offsets = Offsets::new(text);
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| YamlError {
            offset: offsets.byte(e.marker().index()),
            message: if e.info().contains("recursion limit") {
                format!("nested deeper than {MAX_DEPTH} levels")
            } else {
                format!("not valid YAML: {}", e.info())
            },
        })?;
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index());
        let node = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError {
                        offset: start,
                        message: "more than one YAML document (---) in one file".into(),
                    });
                }
                continue;
            }
            Event::MappingStart(anchor, ref tag) | Event::SequenceStart(anchor, ref tag) => {
                let is_map = matches!(event, Event::MappingStart(..));
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError {
                        offset: start,
                        message: format!("nested deeper than {MAX_DEPTH} levels"),
                    });
                }
                // A flow collection's span ends with its `[` or `{` (after any anchor or tag); a
                // tagged block one spans the tag and the first `- `.
                let flow = bytes[start..end]
                    .iter()
                    .rev()
                    .find(|c| !c.is_ascii_whitespace())
                    .is_some_and(|&c| c == b'[' || c == b'{');
                let marked = anchor != 0 || tag.is_some();
                stack.push(if is_map {
                    Open::Map {
                        start,
                        flow,
                        marked,
                        entries: Vec::new(),
                        key: None,
                    }
                } else {
                    Open::Seq {
                        start,
                        flow,
                        marked,
                        items: Vec::new(),
                    }
                });
                continue;
            }
            Event::MappingEnd | Event::SequenceEnd => match stack.pop() {
                Some(Open::Map {
                    start,
                    flow,
                    marked,
                    entries,
                    ..
                }) => Node {
                    value: Value::Map(entries),
                    span: Span { start, end },
                    flow,
                    marked,
                },
                Some(Open::Seq {
                    start,
                    flow,
                    marked,
                    items,
                }) => Node {
                    value: Value::Seq(items),
                    span: Span { start, end },
                    flow,
                    marked,
                },
                None => continue,
            },
            Event::Scalar(text, style, anchor, tag) => Node {
                value: Value::Scalar {
                    text: Cow::into_owned(text),
                    style: match style {
                        ScalarStyle::Plain => Style::Plain,
                        ScalarStyle::SingleQuoted => Style::SingleQuoted,
                        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                        _ => Style::Block,
                    },
                },
                span: Span { start, end },
                flow: false,
                marked: anchor != 0 || tag.is_some(),
            },
            Event::Alias(_) => Node {
                value: Value::Alias,
                span: Span { start, end },
                flow: false,
                marked: false,
            },
            _ => continue,
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map { entries, key, .. }) => match key.take() {
                None => {
                    let Some(name) = node.as_str() else {
                        return Err(YamlError {
                            offset: node.span.start,
                            message: "a mapping key that is not a plain value".into(),
                        });
                    };
                    if node.span.start >= node.span.end
                        || node.marked
                        || explicit_key(bytes, node.span.start)
                    {
                        return Err(YamlError {
                            offset: node.span.start,
                            message: "an empty, explicit (? ...), anchored or tagged mapping \
                                      key, which Postman files do not use"
                                .into(),
                        });
                    }
                    if entries.iter().any(|e| e.key.as_str() == Some(name)) {
                        return Err(YamlError {
                            offset: node.span.start,
                            message: format!("the key {name:?} appears twice in one mapping"),
                        });
                    }
                    *key = Some(node);
                }
                Some(k) => entries.push(Entry {
                    key: k,
                    value: node,
                }),
            },
        }
    }
    let root = root.unwrap_or(Node {
        value: Value::Scalar {
            text: String::new(),
            style: Style::Plain,
        },
        span: Span { start: 0, end: 0 },
        flow: false,
        marked: false,
    });
    if root.marked {
        return Err(YamlError {
            offset: root.span.start,
            message: "an anchor or a tag on the whole document, which Postman files do not use"
                .into(),
        });
    }
    Ok(Doc { root, newline })
}

/// Whether the key at `at` is explicit: what comes before it (white space and line breaks
/// skipped) is a `?` that starts its line (after indentation and sequence dashes).
fn explicit_key(bytes: &[u8], at: usize) -> bool {
    let Some(q) = bytes[..at].iter().rposition(|c| !c.is_ascii_whitespace()) else {
        return false;
    };
    if bytes[q] != b'?' {
        return false;
    }
    let mut line = bytes[..q]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    if line == 0 && bytes.starts_with(b"\xEF\xBB\xBF") {
        line = 3; // after the BOM
    }
    bytes[line..q]
        .iter()
        .all(|&c| c == b' ' || c == b'-' || c == b'\t')
}

/// "line:col" (1-based, col in chars) of byte `offset`.
pub fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    crate::splice::line_col(bytes, offset)
}

#[cfg(test)]
mod tests;

//! The `.bru` reader of Bruno's files, with byte spans: a file is a list of blocks
//! (`name { ... }` or `name [ ... ]`), each ending at the first line that starts with its
//! closing bracket. Dictionary blocks hold `key: value` lines (a value may be a `'''` text of
//! several lines); text blocks (`script:*`, `tests`, `docs`, `body:*`, `example`, and any block
//! this reader does not know) hold free text; list blocks hold names. Read as
//! `packages/bruno-lang` of Bruno 4 reads them; what it would not read is refused with its
//! offset, never guessed. Nothing is ever written back through a serializer: edits are splices.

use std::ops::Range;

/// Why bytes are not a `.bru` file, at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BruError {
    pub offset: usize,
    pub message: String,
}

/// One `key: value` line of a dictionary block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The key as written, a leading `~` (disabled) and quotes removed.
    pub key: String,
    /// Whether the key was written with a leading `~`.
    pub disabled: bool,
    /// The value, trimmed (a `'''` text as written, delimiters included).
    pub value: String,
    /// The value's bytes (empty at the end of the line when there is no value).
    pub value_span: Range<usize>,
    /// The whole line (or lines), from its start to after its line break.
    pub line: Range<usize>,
}

/// What a block holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dictionary,
    Text,
    List,
}

/// One block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub name: String,
    pub kind: Kind,
    /// From the start of its name to after the line break of its closing line.
    pub span: Range<usize>,
    /// Where its body starts (after the line of `{`) and where its closing line starts.
    pub body: Range<usize>,
    /// Its pairs (dictionary blocks only).
    pub pairs: Vec<Pair>,
}

impl Block {
    /// The pair `key` (enabled), if any.
    pub fn get(&self, key: &str) -> Option<&Pair> {
        self.pairs.iter().find(|p| p.key == key && !p.disabled)
    }
}

/// A `.bru` file, read.
#[derive(Debug, Clone)]
pub struct File {
    pub blocks: Vec<Block>,
    /// The line break its lines end with (`"\r\n"` when its first one does).
    pub newline: &'static str,
}

impl File {
    /// The first block named `name`.
    pub fn block(&self, name: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.name == name)
    }
}

/// The dictionary blocks of Bruno 4's grammars (requests, `collection.bru`, `folder.bru` and
/// environments); every other block is text or a list.
fn is_dictionary(name: &str) -> bool {
    matches!(
        name,
        "meta"
            | "app"
            | "settings"
            | "get"
            | "post"
            | "put"
            | "delete"
            | "patch"
            | "options"
            | "head"
            | "connect"
            | "trace"
            | "http"
            | "grpc"
            | "ws"
            | "query"
            | "headers"
            | "metadata"
            | "auth"
            | "vars"
            | "vars:pre-request"
            | "vars:post-response"
            | "assert"
            | "body:form-urlencoded"
            | "body:multipart-form"
            | "body:file"
            | "body:grpc"
            | "body:ws"
            | "color"
    ) || name.starts_with("params:")
        || (name.starts_with("auth:") && !name.contains(":additional_params:"))
        || name.starts_with("auth:oauth2:additional_params:")
}

fn err(offset: usize, message: impl Into<String>) -> BruError {
    BruError {
        offset,
        message: message.into(),
    }
}

/// The end of the line starting at or before `at`: the offset of its `\n` (or of the end).
fn line_end(src: &[u8], at: usize) -> usize {
    memchr(b'\n', &src[at..]).map_or(src.len(), |i| at + i)
}

fn memchr(b: u8, s: &[u8]) -> Option<usize> {
    s.iter().position(|&c| c == b)
}

/// After the line ending at `end` (its `\n`, or the end of the bytes).
fn next_line(src: &[u8], end: usize) -> usize {
    (end + 1).min(src.len())
}

/// `line` without a final `\r`.
fn trim_cr(src: &[u8], start: usize, end: usize) -> usize {
    if end > start && src[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

fn is_st(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Reads `src` as a `.bru` file.
pub fn read(src: &[u8]) -> Result<File, BruError> {
    if let Err(e) = std::str::from_utf8(src) {
        return Err(err(e.valid_up_to(), "this is not UTF-8 text"));
    }
    if src.starts_with("\u{feff}".as_bytes()) {
        return Err(err(
            0,
            "the file starts with a byte order mark (BOM), which Bruno does not read",
        ));
    }
    let newline = match memchr(b'\n', src) {
        Some(i) if i > 0 && src[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    };
    let mut blocks = Vec::new();
    let mut at = 0;
    loop {
        while at < src.len() && src[at].is_ascii_whitespace() {
            at += 1;
        }
        if at >= src.len() {
            break;
        }
        let block = read_block(src, at)?;
        at = block.span.end;
        blocks.push(block);
    }
    Ok(File { blocks, newline })
}

fn read_block(src: &[u8], start: usize) -> Result<Block, BruError> {
    let mut at = start;
    while at < src.len() && !matches!(src[at], b' ' | b'\t' | b'{' | b'[' | b'\r' | b'\n') {
        at += 1;
    }
    let name = String::from_utf8_lossy(&src[start..at]).into_owned();
    if name.is_empty() {
        return Err(err(start, "expected the name of a block"));
    }
    while at < src.len() && is_st(src[at]) {
        at += 1;
    }
    let (kind, close) = match src.get(at) {
        Some(b'{') if is_dictionary(&name) => (Kind::Dictionary, b'}'),
        Some(b'{') => (Kind::Text, b'}'),
        Some(b'[') if !is_dictionary(&name) => (Kind::List, b']'),
        _ => {
            return Err(err(
                at,
                format!("expected {{ after the block name {name:?}"),
            ));
        }
    };
    at += 1;
    let end = line_end(src, at);
    let rest = &src[at..trim_cr(src, at, end)];
    // A dictionary's first pair may follow its `{` on the same line, as Bruno reads it.
    let same_line = kind == Kind::Dictionary && !rest.iter().all(|&c| is_st(c));
    if !same_line && !rest.iter().all(|&c| is_st(c)) {
        return Err(err(
            at,
            format!("expected a line break after the {{ of {name:?}"),
        ));
    }
    if end == src.len() {
        return Err(err(start, format!("the block {name:?} is never closed")));
    }
    let body_start = if same_line { at } else { next_line(src, end) };
    let mut pairs = Vec::new();
    let mut line = body_start;
    loop {
        if line >= src.len() {
            return Err(err(start, format!("the block {name:?} is never closed")));
        }
        if src[line] == close {
            let e = line_end(src, line);
            let after = &src[line + 1..trim_cr(src, line + 1, e)];
            if !after.iter().all(|&c| is_st(c)) {
                return Err(err(
                    line + 1,
                    format!(
                        "expected nothing after the {} closing {name:?}",
                        close as char
                    ),
                ));
            }
            return Ok(Block {
                name,
                kind,
                span: start..next_line(src, e),
                body: body_start..line,
                pairs,
            });
        }
        line = match kind {
            Kind::Dictionary => read_pair(src, line, &mut pairs)?,
            Kind::Text | Kind::List => next_line(src, line_end(src, line)),
        };
    }
}

/// Reads the line(s) of one pair (or a blank or annotation line) starting at `line`; returns
/// where the next line starts.
fn read_pair(src: &[u8], line: usize, pairs: &mut Vec<Pair>) -> Result<usize, BruError> {
    let end = line_end(src, line);
    let text_end = trim_cr(src, line, end);
    let mut at = line;
    while at < text_end && is_st(src[at]) {
        at += 1;
    }
    if at == text_end {
        return Ok(next_line(src, end)); // a blank line
    }
    if src[at] == b'@' {
        // An annotation of the next pair; one that opens a ''' text runs to its close.
        let text = &src[at..text_end];
        if let Some(open) = find(text, b"'''") {
            let from = at + open + 3;
            return match find(&src[from..], b"'''") {
                Some(i) => Ok(next_line(src, line_end(src, from + i + 3))),
                None => Err(err(at, "a ''' text that is never closed")),
            };
        }
        return Ok(next_line(src, end));
    }
    let disabled = src[at] == b'~';
    let key_start = if disabled { at + 1 } else { at };
    let (key, colon) = if src.get(key_start) == Some(&b'"') {
        let mut i = key_start + 1;
        let mut key = Vec::new();
        loop {
            match src.get(i) {
                Some(b'\\') if src.get(i + 1) == Some(&b'"') => {
                    key.push(b'"');
                    i += 2;
                }
                Some(b'"') => break,
                Some(b'\n') | None => return Err(err(key_start, "a quoted key that never ends")),
                Some(&c) => {
                    key.push(c);
                    i += 1;
                }
            }
        }
        let mut j = i + 1;
        while j < text_end && is_st(src[j]) {
            j += 1;
        }
        if src.get(j) != Some(&b':') || j >= text_end {
            return Err(err(j, "expected : after the quoted key"));
        }
        (String::from_utf8_lossy(&key).into_owned(), j)
    } else {
        let Some(c) = memchr(b':', &src[key_start..text_end]) else {
            return Err(err(at, "expected a line of the form key: value"));
        };
        let raw = &src[key_start..key_start + c];
        if raw.trim_ascii_end().iter().any(|&c| is_st(c)) {
            return Err(err(at, "a key holds a space (quote it)"));
        }
        (
            String::from_utf8_lossy(raw.trim_ascii_end()).into_owned(),
            key_start + c,
        )
    };
    let mut v = colon + 1;
    while v < text_end && is_st(src[v]) {
        v += 1;
    }
    let (value_span, next) = if src[v..text_end].starts_with(b"'''") {
        let from = v + 3;
        let Some(i) = find(&src[from..], b"'''") else {
            return Err(err(v, "a ''' text that is never closed"));
        };
        let close = from + i + 3;
        let e = line_end(src, close);
        // After the closing ''' only a content type annotation may follow on its line.
        let rest = String::from_utf8_lossy(&src[close..trim_cr(src, close, e)]).into_owned();
        let rest = rest.trim_matches([' ', '\t']);
        let annotation = rest.starts_with("@contentType(") && rest.ends_with(')');
        if !rest.is_empty() && !annotation {
            return Err(err(
                close,
                "expected nothing after the closing ''' but an @contentType(...)",
            ));
        }
        (v..close, next_line(src, e))
    } else if src[v..text_end].starts_with(b"[") && src[v + 1..text_end].trim_ascii().is_empty() {
        // A list value: names on lines of their own, up to a line of `]`.
        let mut l = next_line(src, end);
        loop {
            if l >= src.len() {
                return Err(err(v, "a [ list that is never closed"));
            }
            let e = line_end(src, l);
            let t = src[l..trim_cr(src, l, e)].trim_ascii();
            if t == b"]" {
                break (v..trim_cr(src, l, e), next_line(src, e));
            }
            if t.starts_with(b"}") && src[l] == b'}' {
                return Err(err(v, "a [ list that is never closed"));
            }
            l = next_line(src, e);
        }
    } else {
        let mut e = text_end;
        while e > v && is_st(src[e - 1]) {
            e -= 1;
        }
        (v..e, next_line(src, end))
    };
    pairs.push(Pair {
        key,
        disabled,
        value: String::from_utf8_lossy(&src[value_span.clone()]).into_owned(),
        value_span,
        line: line..next,
    });
    Ok(next)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The indent of the pairs of `block` (that of its first pair, else two spaces).
pub fn indent(src: &[u8], block: &Block) -> String {
    block.pairs.first().map_or_else(
        || "  ".to_string(),
        |p| {
            let line = &src[p.line.clone()];
            let n = line.iter().take_while(|&&c| is_st(c)).count();
            String::from_utf8_lossy(&line[..n]).into_owned()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUEST: &str = "meta {\n  name: Get users\n  type: http\n  seq: 2\n}\n\nget {\n  url: {{base}}/users\n  body: none\n  auth: inherit\n}\n\nheaders {\n  ~x-off: 1\n  \"a key\": v\n}\n\nbody:json {\n  {\n    \"a\": 1\n  }\n}\n\ndocs {\n  text: with a colon\n  '''\n}\n";

    #[test]
    fn a_request_reads_as_bruno_reads_it() {
        let f = read(REQUEST.as_bytes()).unwrap();
        let names: Vec<_> = f.blocks.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["meta", "get", "headers", "body:json", "docs"]);
        let get = f.block("get").unwrap();
        let auth = get.get("auth").unwrap();
        assert_eq!(auth.value, "inherit");
        assert_eq!(&REQUEST[auth.value_span.clone()], "inherit");
        assert_eq!(&REQUEST[auth.line.clone()], "  auth: inherit\n");
        let h = f.block("headers").unwrap();
        assert!(h.pairs[0].disabled);
        assert_eq!(h.pairs[1].key, "a key");
        assert_eq!(f.block("docs").unwrap().kind, Kind::Text);
        assert_eq!(f.newline, "\n");
    }

    #[test]
    fn crlf_multiline_values_and_lists() {
        let src = "auth:bearer {\r\n  token: abc  \r\n  note: '''\r\n  a\r\n}\r\n  '''\r\n}\r\nvars:secret [\r\n  token\r\n]\r\n";
        let f = read(src.as_bytes()).unwrap();
        assert_eq!(f.newline, "\r\n");
        let b = f.block("auth:bearer").unwrap();
        assert_eq!(b.get("token").unwrap().value, "abc");
        assert!(b.get("note").unwrap().value.ends_with("'''"));
        assert_eq!(f.blocks[1].kind, Kind::List);
    }

    #[test]
    fn what_bruno_would_not_read_is_refused_with_its_place() {
        for (src, at) in [
            ("meta {\n  name: x\n", 0),
            ("meta {\n  no colon here\n}\n", 9),
            ("meta\n", 4),
            ("meta {\n}x\n", 8),
            ("meta {\n  a: '''\n}\n", 12),
            ("get {\n  auth: '''x\n'''none\n}\n", 22),
            ("delete [\n  x\n]\n", 7),
            ("\u{feff}", 0),
        ] {
            let e = read(src.as_bytes()).unwrap_err();
            assert_eq!(e.offset, at, "{src:?}: {}", e.message);
        }
        assert!(read(b"\xff").is_err());
        assert!(read(b"").unwrap().blocks.is_empty());
    }
}

//! Strict JSON scanner that records the byte span of every value it keeps.
//!
//! It accepts exactly RFC 8259 JSON in UTF-8 (an optional BOM in front), and refuses lone
//! surrogate escapes, duplicate keys in the objects it keeps, and nesting deeper than
//! [`MAX_DEPTH`]. A [`Plan`] says which values to keep as a tree; every other value is
//! validated and skipped without allocating (iteratively, so depth cannot overflow the stack),
//! which keeps a 100 MB collection cheap: only the auth blocks and the item skeleton are kept.

use std::collections::HashSet;

use compact_str::CompactString;

/// Deepest nesting accepted. Real collections stay under 40; the limit keeps recursion bounded.
pub const MAX_DEPTH: usize = 512;

pub use crate::splice::Span;

/// What kind of JSON value a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl Kind {
    /// The word used in messages: "an object", "a string", ...
    pub fn described(self) -> &'static str {
        match self {
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Null => "null",
        }
    }
}

/// One scanned value. Containers the plan did not ask for are `Other`.
///
/// Kept values are boxed so that a `Node` is three words: a 100 MB collection holds hundreds of
/// thousands of skipped members, and their size is most of the memory a run uses.
#[derive(Debug, Clone)]
pub enum Node {
    Object(Box<Object>),
    Array(Box<Array>),
    /// A string, with its decoded text.
    String(Box<Str>),
    /// A number, `true`, `false`, `null`, or a string or container the plan skipped.
    Other {
        span: Span,
        kind: Kind,
    },
}

/// A kept string value.
#[derive(Debug, Clone)]
pub struct Str {
    pub span: Span,
    pub text: CompactString,
}

#[derive(Debug, Clone)]
pub struct Object {
    pub span: Span,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone)]
pub struct Member {
    /// Member names are short: kept inline, with no allocation of their own.
    pub key: CompactString,
    pub key_span: Span,
    pub value: Node,
}

#[derive(Debug, Clone)]
pub struct Array {
    pub span: Span,
    pub elements: Vec<Node>,
}

impl Node {
    pub fn span(&self) -> Span {
        match self {
            Node::Object(o) => o.span,
            Node::Array(a) => a.span,
            Node::String(s) => s.span,
            Node::Other { span, .. } => *span,
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Node::Object(_) => Kind::Object,
            Node::Array(_) => Kind::Array,
            Node::String(_) => Kind::String,
            Node::Other { kind, .. } => *kind,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Node::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Array> {
        match self {
            Node::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(s) => Some(&s.text),
            _ => None,
        }
    }
}

impl Object {
    /// The member with this key (keys are unique in kept objects).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|m| &m.value)
    }

    pub fn member(&self, key: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.key == key)
    }

    pub fn index_of(&self, key: &str) -> Option<usize> {
        self.members.iter().position(|m| m.key == key)
    }
}

/// Says which values to keep as a tree. `Ctx` is the plan's own notion of "where am I".
pub trait Plan {
    type Ctx: Copy;
    /// The context of the top-level value.
    fn root(&self) -> Self::Ctx;
    /// The context of the value of member `key` in an object kept under `ctx`; `None` skips it.
    fn member(&self, ctx: Self::Ctx, key: &str) -> Option<Self::Ctx>;
    /// The context of each element of an array kept under `ctx`; `None` skips them.
    fn element(&self, ctx: Self::Ctx) -> Option<Self::Ctx>;
    /// Whether an object kept under `ctx` stores only the members the plan keeps. The others
    /// are still validated (and their names checked for duplicates) but cost no memory.
    fn sparse(&self, _ctx: Self::Ctx) -> bool {
        false
    }
}

/// A plan that keeps everything (for small documents and tests).
pub struct KeepAll;

impl Plan for KeepAll {
    type Ctx = ();
    fn root(&self) {}
    fn member(&self, _: (), _: &str) -> Option<()> {
        Some(())
    }
    fn element(&self, _: ()) -> Option<()> {
        Some(())
    }
}

/// Why the bytes are not acceptable JSON, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// Byte offset of the problem.
    pub offset: usize,
    pub message: String,
}

/// A scanned document: the top-level value and whether a UTF-8 BOM preceded it.
#[derive(Debug, Clone)]
pub struct Scanned {
    pub root: Node,
    pub bom: bool,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Scans `bytes` as one JSON document, keeping what `plan` asks for.
pub fn scan<P: Plan>(bytes: &[u8], plan: &P) -> Result<Scanned, ScanError> {
    if let Err(e) = simdutf8::compat::from_utf8(bytes) {
        return Err(ScanError {
            offset: e.valid_up_to(),
            message: "invalid UTF-8 (the file must be UTF-8 encoded)".into(),
        });
    }
    let bom = bytes.starts_with(BOM);
    let mut s = Scanner {
        b: bytes,
        pos: if bom { BOM.len() } else { 0 },
        stack: Vec::new(),
        names: Vec::new(),
        members: Vec::new(),
        elements: Vec::new(),
    };
    s.ws();
    if s.pos >= s.b.len() {
        return Err(s.err(if bytes.len() == if bom { BOM.len() } else { 0 } {
            "the file is empty"
        } else {
            "no JSON value, only white space"
        }));
    }
    let root = s.value(Some(plan.root()), plan, 0)?;
    s.ws();
    if s.pos < s.b.len() {
        return Err(s.err("unexpected text after the end of the JSON value"));
    }
    Ok(Scanned { root, bom })
}

pub use crate::splice::line_col;

impl From<ScanError> for crate::error::Malformed {
    fn from(e: ScanError) -> Self {
        crate::error::Malformed {
            offset: Some(e.offset),
            message: format!("not valid JSON: {}", e.message),
        }
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
    /// The open containers of [`Scanner::skip_container`], kept between calls.
    stack: Vec<bool>,
    /// Names (and offsets) of the members of the sparse objects being scanned, innermost last.
    names: Vec<(CompactString, usize)>,
    /// The kept members and elements of the containers being scanned, innermost last: each
    /// container then gets one allocation of the exact size (no growth, no shrinking).
    members: Vec<Member>,
    elements: Vec<Node>,
}

impl Scanner<'_> {
    fn err(&self, message: impl Into<String>) -> ScanError {
        ScanError {
            offset: self.pos,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        let b = self.b;
        let mut i = self.pos;
        while let Some(&c) = b.get(i) {
            match c {
                b'\n' | b' ' | b'\r' => i += 1,
                b'\t' => {
                    // Indentation: exported collections are tab-indented, often ten deep, so
                    // count tabs eight at a time.
                    const TABS: u64 = 0x0909_0909_0909_0909;
                    loop {
                        let Some(chunk) = b.get(i..i + 8) else {
                            i += 1;
                            break;
                        };
                        let other = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])) ^ TABS;
                        if other != 0 {
                            i += (other.trailing_zeros() / 8) as usize;
                            break;
                        }
                        i += 8;
                    }
                }
                _ => break,
            }
        }
        self.pos = i;
    }

    fn unexpected(&self, wanted: &str) -> ScanError {
        match self.peek() {
            None => self.err(format!(
                "the JSON ends too early (expected {wanted}): the file looks truncated"
            )),
            Some(c) => {
                let shown = std::str::from_utf8(&self.b[self.pos..])
                    .ok()
                    .and_then(|s| s.chars().next())
                    .unwrap_or(c as char);
                self.err(format!("expected {wanted}, found {shown:?}"))
            }
        }
    }

    fn expect(&mut self, c: u8, wanted: &str) -> Result<(), ScanError> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(wanted))
        }
    }

    /// One value. `ctx` is `None` when the plan skips it.
    fn value<P: Plan>(
        &mut self,
        ctx: Option<P::Ctx>,
        plan: &P,
        depth: usize,
    ) -> Result<Node, ScanError> {
        let start = self.pos;
        match (self.peek(), ctx) {
            (Some(b'{'), Some(ctx)) => self.object(ctx, plan, depth + 1),
            (Some(b'['), Some(ctx)) => self.array(ctx, plan, depth + 1),
            (Some(b'{' | b'['), None) => {
                let kind = self.skip_container(depth)?;
                Ok(Node::Other {
                    span: Span {
                        start,
                        end: self.pos,
                    },
                    kind,
                })
            }
            (Some(b'"'), None) => {
                self.string(false)?;
                Ok(Node::Other {
                    span: Span {
                        start,
                        end: self.pos,
                    },
                    kind: Kind::String,
                })
            }
            (Some(b'"'), Some(_)) => {
                let text = self.string(true)?;
                Ok(Node::String(Box::new(Str {
                    span: Span {
                        start,
                        end: self.pos,
                    },
                    text,
                })))
            }
            _ => {
                let kind = self.scalar()?;
                Ok(Node::Other {
                    span: Span {
                        start,
                        end: self.pos,
                    },
                    kind,
                })
            }
        }
    }

    fn object<P: Plan>(&mut self, ctx: P::Ctx, plan: &P, depth: usize) -> Result<Node, ScanError> {
        if depth > MAX_DEPTH {
            return Err(self.err(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let start = self.pos;
        self.pos += 1;
        let first = self.members.len();
        let sparse = plan.sparse(ctx);
        let mark = self.names.len();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                if self.peek() != Some(b'"') {
                    return Err(self.unexpected("a key in double quotes"));
                }
                let key_start = self.pos;
                let key = self.string(true)?;
                let key_span = Span {
                    start: key_start,
                    end: self.pos,
                };
                self.ws();
                self.expect(b':', "':' after the key")?;
                self.ws();
                let member_ctx = plan.member(ctx, &key);
                if sparse {
                    self.names.push((key.clone(), key_start));
                }
                let value = self.value(member_ctx, plan, depth)?;
                if !sparse || member_ctx.is_some() {
                    self.members.push(Member {
                        key,
                        key_span,
                        value,
                    });
                }
                self.ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("',' or '}'")),
                }
            }
        }
        if sparse {
            check_unique(self.names[mark..].iter().map(|(k, at)| (k.as_str(), *at)))?;
            self.names.truncate(mark);
        } else {
            check_unique(
                self.members[first..]
                    .iter()
                    .map(|m| (m.key.as_str(), m.key_span.start)),
            )?;
        }
        let members: Vec<Member> = self.members.drain(first..).collect();
        Ok(Node::Object(Box::new(Object {
            span: Span {
                start,
                end: self.pos,
            },
            members,
        })))
    }

    fn array<P: Plan>(&mut self, ctx: P::Ctx, plan: &P, depth: usize) -> Result<Node, ScanError> {
        if depth > MAX_DEPTH {
            return Err(self.err(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let start = self.pos;
        self.pos += 1;
        let first = self.elements.len();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            let child = plan.element(ctx);
            loop {
                self.ws();
                let value = self.value(child, plan, depth)?;
                self.elements.push(value);
                self.ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("',' or ']'")),
                }
            }
        }
        let elements: Vec<Node> = self.elements.drain(first..).collect();
        Ok(Node::Array(Box::new(Array {
            span: Span {
                start,
                end: self.pos,
            },
            elements,
        })))
    }

    /// Validates a container without keeping it, with an explicit stack instead of recursion.
    fn skip_container(&mut self, depth: usize) -> Result<Kind, ScanError> {
        let kind = if self.peek() == Some(b'{') {
            Kind::Object
        } else {
            Kind::Array
        };
        // true: inside an object; false: inside an array.
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        let result = self.skip_with(depth, &mut stack).map(|()| kind);
        self.stack = stack;
        result
    }

    fn skip_with(&mut self, depth: usize, stack: &mut Vec<bool>) -> Result<(), ScanError> {
        loop {
            // Here a value starts (or, for the first iteration, the container itself).
            self.ws();
            match self.peek() {
                Some(c @ (b'{' | b'[')) => {
                    if depth + stack.len() + 1 > MAX_DEPTH {
                        return Err(self.err(format!("nested deeper than {MAX_DEPTH} levels")));
                    }
                    self.pos += 1;
                    stack.push(c == b'{');
                    self.ws();
                    let close = if c == b'{' { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        // Empty container: fall through to the "after a value" step.
                        self.pos += 1;
                        stack.pop();
                    } else {
                        if c == b'{' {
                            self.key_colon()?;
                        }
                        continue;
                    }
                }
                Some(b'"') => {
                    self.string(false)?;
                }
                _ => {
                    self.scalar()?;
                }
            }
            // After a value: close containers or move to the next member.
            loop {
                let Some(&in_object) = stack.last() else {
                    return Ok(());
                };
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if in_object {
                            self.ws();
                            self.key_colon()?;
                        }
                        break;
                    }
                    Some(b'}') if in_object => {
                        self.pos += 1;
                        stack.pop();
                    }
                    Some(b']') if !in_object => {
                        self.pos += 1;
                        stack.pop();
                    }
                    _ => {
                        return Err(self.unexpected(if in_object {
                            "',' or '}'"
                        } else {
                            "',' or ']'"
                        }));
                    }
                }
            }
        }
    }

    fn key_colon(&mut self) -> Result<(), ScanError> {
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("a key in double quotes"));
        }
        self.string(false)?;
        self.ws();
        self.expect(b':', "':' after the key")
    }

    fn scalar(&mut self) -> Result<Kind, ScanError> {
        let rest = &self.b[self.pos..];
        for (word, kind) in [
            (&b"true"[..], Kind::Bool),
            (b"false", Kind::Bool),
            (b"null", Kind::Null),
        ] {
            if rest.starts_with(word) {
                self.pos += word.len();
                return Ok(kind);
            }
        }
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
                Ok(Kind::Number)
            }
            _ => Err(self.unexpected("a JSON value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<(), ScanError> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.unexpected("a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.unexpected("a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.unexpected("a digit in the exponent"));
            }
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, ScanError> {
        let digits = self.b.get(self.pos..self.pos + 4).unwrap_or_default();
        let text = std::str::from_utf8(digits).unwrap_or_default();
        if text.len() != 4 || !text.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(self.err("a \\u escape needs four hex digits"));
        }
        self.pos += 4;
        Ok(u32::from_str_radix(text, 16).unwrap_or_default())
    }

    /// Moves past plain string bytes (anything but '"', '\\' and control characters), eight
    /// at a time: strings are most of a collection's bytes.
    fn plain_run(&mut self) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        // Flags the bytes of `w` that are zero; only bytes above a flagged one can be wrong,
        // so the lowest flag is exact.
        let zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGH;
        let b = self.b;
        let mut i = self.pos;
        while let Some(chunk) = b.get(i..i + 8) {
            let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            let hits = zero(w ^ (ONES * u64::from(b'"')))
                | zero(w ^ (ONES * u64::from(b'\\')))
                | (w.wrapping_sub(ONES * 0x20) & !w & HIGH);
            if hits != 0 {
                self.pos = i + (hits.trailing_zeros() / 8) as usize;
                return;
            }
            i += 8;
        }
        while let Some(&c) = b.get(i) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                break;
            }
            i += 1;
        }
        self.pos = i;
    }

    /// A string starting at the opening quote; decodes it when `keep` (else returns "").
    fn string(&mut self, keep: bool) -> Result<CompactString, ScanError> {
        self.pos += 1;
        let mut out = CompactString::default();
        let mut run = self.pos;
        loop {
            // Fast path: plain bytes (the input is known to be valid UTF-8).
            self.plain_run();
            if keep {
                // Safe: runs end at ASCII bytes, so they are whole UTF-8 sequences.
                out.push_str(std::str::from_utf8(&self.b[run..self.pos]).unwrap_or_default());
            }
            match self.peek() {
                None => {
                    return Err(self.err(
                        "the JSON ends inside a string (a missing '\"'): the file looks truncated",
                    ));
                }
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let esc_start = self.pos;
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.err("the JSON ends inside a string escape"));
                    };
                    self.pos += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape(esc_start)?,
                        _ => {
                            self.pos = esc_start;
                            return Err(
                                self.err(format!("invalid escape '\\{}' in a string", e as char))
                            );
                        }
                    };
                    if keep {
                        out.push(ch);
                    }
                    run = self.pos;
                }
                Some(_) => {
                    return Err(self.err(
                        "a control character (such as a raw newline or tab) inside a string; \
                         it must be escaped",
                    ));
                }
            }
        }
    }

    fn unicode_escape(&mut self, esc_start: usize) -> Result<char, ScanError> {
        let hi = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            let lo = if self.b[self.pos..].starts_with(b"\\u") {
                self.pos += 2;
                self.hex4()?
            } else {
                0
            };
            if !(0xDC00..0xE000).contains(&lo) {
                self.pos = esc_start;
                return Err(self.err(
                    "a lone surrogate escape (\\uD800-\\uDBFF not followed by \\uDC00-\\uDFFF) \
                     is not a character",
                ));
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else if (0xDC00..0xE000).contains(&hi) {
            self.pos = esc_start;
            return Err(self.err(
                "a lone surrogate escape (\\uDC00-\\uDFFF without a leading \\uD800-\\uDBFF) \
                 is not a character",
            ));
        } else {
            hi
        };
        Ok(char::from_u32(code).unwrap_or('\u{FFFD}'))
    }
}

/// Refuses a name that appears twice among `names` (name, offset).
fn check_unique<'a>(
    names: impl ExactSizeIterator<Item = (&'a str, usize)> + Clone,
) -> Result<(), ScanError> {
    let dup = if names.len() <= 24 {
        names
            .clone()
            .enumerate()
            .find(|(i, (k, _))| names.clone().take(*i).any(|(p, _)| p == *k))
            .map(|(_, m)| m)
    } else {
        let mut seen = HashSet::new();
        names.clone().find(|(k, _)| !seen.insert(*k))
    };
    match dup {
        Some((key, offset)) => Err(ScanError {
            offset,
            message: format!(
                "the key {key:?} appears twice in the same object; remove one (JSON readers \
                 disagree on which one counts)"
            ),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Node {
        scan(text.as_bytes(), &KeepAll).expect(text).root
    }

    fn bad(text: &[u8]) -> ScanError {
        scan(text, &KeepAll).expect_err("should be refused")
    }

    #[test]
    fn spans_cover_exact_bytes() {
        let text = "{ \"a\" : [1, 2.5e-3, \"x\\u00e9\"], \"b\": {\"c\": null} }";
        let root = ok(text);
        let obj = root.as_object().unwrap();
        let a = obj.get("a").unwrap();
        assert_eq!(
            &text[a.span().start..a.span().end],
            "[1, 2.5e-3, \"x\\u00e9\"]"
        );
        let arr = a.as_array().unwrap();
        assert_eq!(arr.elements[2].as_str(), Some("xé"));
        let m = obj.member("b").unwrap();
        assert_eq!(&text[m.key_span.start..m.key_span.end], "\"b\"");
    }

    #[test]
    fn decodes_surrogate_pairs_and_escapes() {
        let root = ok(r#""\ud83d\ude00 \/ \n""#);
        assert_eq!(root.as_str(), Some("😀 / \n"));
    }

    #[test]
    fn refuses_what_is_not_json() {
        for (text, needle) in [
            (&b""[..], "empty"),
            (b"   ", "white space"),
            (b"{\"a\": 1", "truncated"),
            (b"{\"a\": \"b", "truncated"),
            (b"{\"a\": 1,}", "key in double quotes"),
            (b"[1 2]", "',' or ']'"),
            (b"01", "unexpected text"),
            (b"1.", "digit after"),
            (b"\"\\ud800\"", "lone surrogate"),
            (b"\"\\udc00\"", "lone surrogate"),
            (b"\"\\x\"", "invalid escape"),
            (b"\"a\tb\"", "control character"),
            (b"\xff", "UTF-8"),
            (b"{\"a\": 1, \"a\": 2}", "appears twice"),
            (b"{} {}", "unexpected text"),
            (b"nul", "a JSON value"),
        ] {
            let e = bad(text);
            assert!(
                e.message.contains(needle),
                "{:?}: {:?}",
                String::from_utf8_lossy(text),
                e
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_crash() {
        for keep in [true, false] {
            let text = format!("{{\"a\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
            let e = if keep {
                scan(text.as_bytes(), &KeepAll).unwrap_err()
            } else {
                scan(text.as_bytes(), &SkipAll).unwrap_err()
            };
            assert!(e.message.contains("nested deeper"), "{e:?}");
        }
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(scan(fine.as_bytes(), &SkipAll).is_ok());
        assert!(scan(fine.as_bytes(), &KeepAll).is_ok());
    }

    /// Keeps only the top level, so the skipping path is exercised.
    struct SkipAll;
    impl Plan for SkipAll {
        type Ctx = ();
        fn root(&self) {}
        fn member(&self, _: (), _: &str) -> Option<()> {
            None
        }
        fn element(&self, _: ()) -> Option<()> {
            None
        }
    }

    #[test]
    fn skipping_validates_as_strictly_as_keeping() {
        for text in [
            &b"{\"a\": {\"b\": [1, {\"c\": \"\\ud800\"}]}}"[..],
            b"{\"a\": [1, 2,]}",
            b"{\"a\": {\"b\" 1}}",
            b"{\"a\": [tru]}",
            b"{\"a\": {\"b\": 1}",
        ] {
            assert!(
                scan(text, &SkipAll).is_err(),
                "{}",
                String::from_utf8_lossy(text)
            );
            assert!(scan(text, &KeepAll).is_err());
        }
        let good = br#"{"a": {"b": [1, {"c": "\ud83d\ude00"}, [], {}], "d": -0.5E+2}, "e": []}"#;
        let root = scan(good, &SkipAll).unwrap().root;
        let a = root.as_object().unwrap().get("a").unwrap();
        assert_eq!(a.kind(), Kind::Object);
        assert!(a.as_object().is_none(), "skipped containers are not kept");
        assert_eq!(a.span().end, good.len() - 10);
    }

    /// Keeps only the member "k" of the top-level object, storing nothing else.
    struct SparseTop;
    impl Plan for SparseTop {
        type Ctx = bool;
        fn root(&self) -> bool {
            true
        }
        fn member(&self, top: bool, key: &str) -> Option<bool> {
            (top && key == "k").then_some(false)
        }
        fn element(&self, _: bool) -> Option<bool> {
            None
        }
        fn sparse(&self, top: bool) -> bool {
            top
        }
    }

    #[test]
    fn sparse_objects_store_only_kept_members_but_check_every_name() {
        let text = br#"{"a": [1, {"x": 2}], "k": "v", "b": {"a": 1}}"#;
        let root = scan(text, &SparseTop).unwrap().root;
        let o = root.as_object().unwrap();
        assert_eq!(o.members.len(), 1);
        assert_eq!(o.get("k").and_then(Node::as_str), Some("v"));
        for dup in [
            &br#"{"a": 1, "k": 2, "a": 3}"#[..],
            br#"{"k": 1, "b": {"k": 1}, "k": 2}"#,
        ] {
            let e = scan(dup, &SparseTop).unwrap_err();
            assert!(e.message.contains("appears twice"), "{e:?}");
        }
        assert!(scan(br#"{"a": {"a": 1, "b": 2}, "b": [{"a": 1}]}"#, &SparseTop).is_ok());
    }

    #[test]
    fn bom_is_noted_and_line_col_counts_characters() {
        let s = scan(b"\xEF\xBB\xBF{}", &KeepAll).unwrap();
        assert!(s.bom);
        assert_eq!(line_col("ab\néé x".as_bytes(), 8), (2, 4));
    }
}

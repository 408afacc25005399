//! Splices on the bytes of a file: replace a byte range with new text, keeping every other
//! byte. The one edit list that the JSON edits, the YAML line edits and every format's plans
//! share; written out streamed ([`pieces`]) so that a large file is never copied whole.

/// A half-open byte range `[start, end)` into the scanned bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// One splice: replace `span` of the original with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

/// A set of non-overlapping splices on one document.
#[derive(Debug, Default)]
pub struct Edits {
    list: Vec<Edit>,
}

impl Edits {
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn replace(&mut self, span: Span, text: impl Into<String>) {
        self.list.push(Edit {
            span,
            text: text.into(),
        });
    }

    pub fn insert(&mut self, at: usize, text: impl Into<String>) {
        self.replace(Span { start: at, end: at }, text);
    }

    pub fn delete(&mut self, span: Span) {
        self.replace(span, "");
    }

    /// The edits in order; an error names two edits that overlap (a bug, never user input).
    pub fn sorted(mut self) -> Result<Vec<Edit>, String> {
        self.list.sort_by_key(|e| (e.span.start, e.span.end));
        for pair in self.list.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if b.span.start < a.span.end || (b.span.start == a.span.start && a.span == b.span) {
                return Err(format!(
                    "internal error: overlapping edits at bytes {}..{} and {}..{}",
                    a.span.start, a.span.end, b.span.start, b.span.end
                ));
            }
        }
        Ok(self.list)
    }
}

/// The edited document as a sequence of byte slices: runs of `src` between the (sorted,
/// non-overlapping) edits and the edits' texts. Lets a large file be written or compared
/// without a second copy of it in memory.
pub fn pieces<'a>(src: &'a [u8], edits: &'a [Edit]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut at = 0;
    edits
        .iter()
        .flat_map(move |e| {
            let run = &src[at..e.span.start];
            at = e.span.end;
            [run, e.text.as_bytes()]
        })
        .chain(std::iter::once(
            &src[edits.last().map_or(0, |e| e.span.end)..],
        ))
        .filter(|p| !p.is_empty())
}

/// The length of the edited document.
pub fn edited_len(src: &[u8], edits: &[Edit]) -> usize {
    edits.iter().fold(src.len(), |n, e| {
        n + e.text.len() - (e.span.end - e.span.start)
    })
}

/// Whether any edit changes a byte.
pub fn changes(src: &[u8], edits: &[Edit]) -> bool {
    edits
        .iter()
        .any(|e| e.text.as_bytes() != &src[e.span.start..e.span.end])
}

/// Applies sorted, non-overlapping edits.
pub fn apply(src: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut out = Vec::with_capacity(edited_len(src, edits));
    pieces(src, edits).for_each(|p| out.extend_from_slice(p));
    out
}

/// 1-based line and column (in characters) of a byte offset, for messages.
pub fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(bytes.len());
    let before = &bytes[..offset];
    let line = 1 + before.iter().filter(|&&c| c == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    let col = 1 + String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count();
    (line, col)
}

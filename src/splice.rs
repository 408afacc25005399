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

/// Applies sorted, non-overlapping edits to `buf` itself, so that a large file is never held
/// twice: when the edits before some point grow the text, the bytes are first moved up by the
/// largest such growth (one move), then every run is copied down to its place.
pub fn apply_in_place(buf: &mut Vec<u8>, edits: &[Edit]) {
    let new_len = edited_len(buf, edits);
    // The largest growth of the text before any point: how far the writing may run ahead.
    let (mut delta, mut ahead) = (0isize, 0isize);
    for e in edits {
        delta += e.text.len() as isize - (e.span.end - e.span.start) as isize;
        ahead = ahead.max(delta);
    }
    let shift = ahead.unsigned_abs();
    if shift > 0 {
        let old = buf.len();
        buf.resize(old + shift, 0);
        buf.copy_within(0..old, shift);
    }
    // Writing at `w` never passes the unread text at `r`: w - r <= the growth so far - shift.
    let (mut w, mut r) = (0, shift);
    for e in edits {
        let run = e.span.start + shift - r;
        buf.copy_within(r..r + run, w);
        w += run;
        buf[w..w + e.text.len()].copy_from_slice(e.text.as_bytes());
        w += e.text.len();
        r = e.span.end + shift;
    }
    let end = buf.len();
    buf.copy_within(r..end, w);
    w += end - r;
    debug_assert_eq!(w, new_len);
    buf.truncate(new_len);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every mix of growing, shrinking, inserting and deleting edits, at the start, in the
    /// middle and at the end, gives in place what the copying [`apply`] gives.
    #[test]
    fn in_place_equals_the_copy_for_every_mix_of_growth_and_shrink() {
        let src: Vec<u8> = (0..64u8).map(|i| b'a' + i % 26).collect();
        // A small linear congruential generator: the same cases on every run.
        let mut seed = 0x2545_f491_u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize % n
        };
        let mut cases = 0;
        for _ in 0..2_000 {
            let mut at = 0;
            let mut edits = Vec::new();
            while at < src.len() && edits.len() < 6 {
                let start = at + next(12);
                if start > src.len() {
                    break;
                }
                let end = (start + next(6)).min(src.len());
                let text = "XYZ0123456789"[..next(14)].repeat(1 + next(3));
                edits.push(Edit {
                    span: Span { start, end },
                    text,
                });
                at = end + usize::from(start == end);
            }
            let mut buf = src.clone();
            apply_in_place(&mut buf, &edits);
            assert_eq!(buf, apply(&src, &edits), "edits {edits:?}");
            cases += 1;
        }
        assert_eq!(cases, 2_000);
        let mut empty = Vec::new();
        apply_in_place(&mut empty, &[]);
        assert!(empty.is_empty());
        let mut grown = b"{}".to_vec();
        let growth = [Edit {
            span: Span { start: 1, end: 1 },
            text: "\"a\":1".into(),
        }];
        apply_in_place(&mut grown, &growth);
        assert_eq!(grown, b"{\"a\":1}");
    }
}

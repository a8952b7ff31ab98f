//! Byte spans into a source text and their conversion to lines and columns.
//!
//! **Invariant:** a `Span` is a half-open byte range `start..end` with `start <= end`, and the
//! offsets of spans built by the parser lie on UTF-8 character boundaries of their source.

/// A half-open byte range in one source file. Offsets are stored in 32 bits, which keeps the
/// syntax tree and the model small; sources are limited to 4 GiB (offsets past that saturate).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// A span from `start` to `end`; the bounds are swapped if given in the wrong order.
    pub fn new(start: usize, end: usize) -> Self {
        let clamp = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        let (start, end) = (clamp(start), clamp(end));
        if start <= end {
            Span { start, end }
        } else {
            Span {
                start: end,
                end: start,
            }
        }
    }

    /// The byte offset where the span starts.
    pub fn start(self) -> usize {
        self.start as usize
    }

    /// The byte offset where the span ends (exclusive).
    pub fn end(self) -> usize {
        self.end as usize
    }

    /// The smallest span that covers both.
    #[must_use]
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The length in bytes.
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the span is empty.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// A 1-based line and column; the column counts characters, not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Line starts of a source text, for turning byte offsets into lines and columns.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// The length of a byte order mark at the start of the text (0 or 3): editors do not show
    /// it, so the columns of the first line are counted after it.
    bom: usize,
}

/// `source` with each `\r` that is not followed by `\n` (a line ending of old Mac files) turned
/// into `\n`. Both are one byte, so every offset stays where it was: spans found in the result
/// hold for `source`. Borrows when there is nothing to change.
pub fn normalize_line_ends(source: &str) -> std::borrow::Cow<'_, str> {
    let bytes = source.as_bytes();
    let lone = |i: usize| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
    if !(0..bytes.len()).any(lone) {
        return std::borrow::Cow::Borrowed(source);
    }
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(at) = rest.find('\r') {
        out.push_str(&rest[..at]);
        out.push(if rest[at + 1..].starts_with('\n') {
            '\r'
        } else {
            '\n'
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

impl LineIndex {
    /// Indexes the line starts of `source`. A line ends at `\n`; a `\r` before it belongs to the
    /// line ending, so CRLF files count lines as LF files do, and a `\r` alone ends a line too
    /// (old Mac line endings; see [`normalize_line_ends`]).
    pub fn new(source: &str) -> Self {
        let mut starts = vec![0];
        let bytes = source.as_bytes();
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
                .map(|(i, _)| i + 1),
        );
        let bom = if source.starts_with('\u{feff}') { 3 } else { 0 };
        LineIndex { starts, bom }
    }

    /// The number of lines (a text ending in a line break has an empty last line).
    pub fn lines(&self) -> usize {
        self.starts.len()
    }

    /// The 0-based line that holds byte `offset` (past the end: the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// The byte offset where 0-based line `line` starts (past the last line: `len`).
    pub fn line_start(&self, line: usize, len: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(len)
    }

    /// The line and column of a byte offset, clamped to the source.
    pub fn line_col(&self, source: &str, offset: usize) -> LineCol {
        let offset = char_floor(source, offset);
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = if line == 0 {
            self.bom.min(offset)
        } else {
            self.starts[line]
        };
        let column = source[start..offset].chars().count() + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }
}

/// The largest character boundary of `s` at or before `at` (at most its length).
pub fn char_floor(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_crlf_is_one_line_break() {
        let src = "ab\r\né x\n";
        let index = LineIndex::new(src);
        assert_eq!(index.line_col(src, 0), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(src, 4), LineCol { line: 2, column: 1 });
        // `x` comes after a two-byte `é` and a space: column 3.
        assert_eq!(index.line_col(src, 7), LineCol { line: 2, column: 3 });
        assert_eq!(index.line_col(src, 99), LineCol { line: 3, column: 1 });
    }

    #[test]
    fn a_byte_order_mark_takes_no_column() {
        let src = "\u{feff}ab\ncd";
        let index = LineIndex::new(src);
        assert_eq!(index.line_col(src, 0), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(src, 3), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(src, 4), LineCol { line: 1, column: 2 });
        assert_eq!(index.line_col(src, 7), LineCol { line: 2, column: 2 });
    }
}

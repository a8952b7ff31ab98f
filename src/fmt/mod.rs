//! `handoff fmt`: the canonical layout of a source text.
//!
//! The layout: two spaces of indentation per block; one item per line; a block with a single
//! item written on one line may stay on one line (`handoff a -> b { carries x }`), every other
//! block is written one item per line, and a workflow always is; one space between tokens,
//! around `->` and comparison operators, after `:` and `,`, none inside `(…)`, `[…]` and
//! `list<…>`; the types of a run of context fields (not broken by a blank line) aligned; the
//! commas between context fields and trailing commas of lists dropped; at most one blank line
//! between items, none at the start or end of a block; line breaks as the file's first one
//! (`\n` or `\r\n`). A block written on one line right under an inline suppression
//! (`// handoff: allow(…)`, which applies to the next line) stays on that line.
//!
//! **Invariants:** [`format()`] does no I/O and never panics. It changes nothing but whitespace and
//! optional commas: every code token is copied as written. It is lossless (every comment and doc
//! comment stays in order, before or after the same token), idempotent, and safe: it refuses a
//! text with a syntax error, and before returning it re-parses and re-checks its own output and
//! refuses (returning [`Error::Unsafe`]) unless the syntax tree is the same but for positions, the
//! comments are the same, and the diagnostics are the same but for positions. It recurses only
//! as deep as blocks nest in the grammar (four levels).

pub(crate) mod lex;
mod print;

use std::hash::{DefaultHasher, Hasher};

use crate::diagnostics::Diagnostic;

/// Why a text was not formatted.
#[derive(Debug)]
pub enum Error {
    /// The text has syntax errors (E001): they are returned, and nothing is formatted.
    Syntax(Vec<Diagnostic>),
    /// The formatter could not prove its output equivalent to the text; the text is to be left
    /// as it is. The message says what differed.
    Unsafe(String),
}

/// Formats one source text: the canonical layout of the same workflows (see the module
/// documentation).
///
/// ```
/// let messy = "workflow w {owner desk\n  step s { owner desk   needs a,b }\n}\n";
/// let formatted = handoff::fmt::format(messy).unwrap();
/// assert_eq!(
///     formatted,
///     "workflow w {\n  owner desk\n  step s {\n    owner desk\n    needs a, b\n  }\n}\n"
/// );
/// // Formatting twice changes nothing.
/// assert_eq!(handoff::fmt::format(&formatted).unwrap(), formatted);
/// ```
pub fn format(source: &str) -> Result<String, Error> {
    let normalized = crate::span::normalize_line_ends(source);
    let source = &*normalized;
    let parsed = crate::parse::parse(source);
    if !parsed.diagnostics.is_empty() {
        return Err(Error::Syntax(parsed.diagnostics));
    }
    let tokens = lex::tokens(source);
    let nodes = print::layout(&parsed.file);
    let mut out = print::print(source, &tokens, &nodes).map_err(|m| Error::Unsafe(m.0))?;
    if source.starts_with('\u{FEFF}') {
        out.insert(0, '\u{FEFF}');
    }
    if crlf(source) {
        out = out.replace('\n', "\r\n");
    }
    let before = tree_hash(&parsed.file);
    drop(parsed);
    verify(source, &out, before)?;
    Ok(out)
}

/// Whether the first line break of `source` is `\r\n`.
fn crlf(source: &str) -> bool {
    source
        .find('\n')
        .is_some_and(|i| source.as_bytes().get(i.wrapping_sub(1)) == Some(&b'\r'))
}

/// Checks that `out` says what `source` says: the same tree but for positions, the same
/// comments, the same diagnostics but for positions.
fn verify(source: &str, out: &str, before: u64) -> Result<(), Error> {
    let reparsed = crate::parse::parse(out);
    if let Some(d) = reparsed.diagnostics.first() {
        return Err(Error::Unsafe(format!(
            "the formatted text does not parse: {}",
            d.message
        )));
    }
    if tree_hash(&reparsed.file) != before {
        return Err(Error::Unsafe(
            "the formatted text has a different syntax tree".to_string(),
        ));
    }
    drop(reparsed);
    if lex::comments(source) != lex::comments(out) {
        return Err(Error::Unsafe(
            "the formatted text has different comments".to_string(),
        ));
    }
    // Suppressions apply to lines, so a line broken or joined could change what they remove.
    if findings(source) != findings(out) {
        return Err(Error::Unsafe(
            "formatting would change the diagnostics: an item would move away from the line of an \
             inline suppression, or onto it; put the suppressed item on a line of its own first"
                .to_string(),
        ));
    }
    Ok(())
}

/// The diagnostics of a text without their positions, sorted.
fn findings(source: &str) -> Vec<(&'static str, String)> {
    let mut all: Vec<_> = crate::check_source(source)
        .diagnostics
        .into_iter()
        .map(|d| (d.rule.code, d.message))
        .collect();
    all.sort();
    all
}

/// A hash of the syntax tree's debug form with every `Span { start: …, end: … }` left out, so
/// two trees that differ only in positions hash alike. Streams: nothing of the size of the tree
/// is held.
fn tree_hash(file: &crate::ast::File<'_>) -> u64 {
    use std::fmt::Write as _;
    let mut sink = SpanlessHasher::default();
    let _ = write!(sink, "{file:?}");
    sink.finish()
}

/// What a span looks like in a debug form: these literal parts, with digits at each `#`.
const SPAN_PATTERN: &[u8] = b"Span { start: #, end: # }";

/// A `fmt::Write` that hashes what is written to it, leaving out each span's debug form.
#[derive(Default)]
struct SpanlessHasher {
    hasher: DefaultHasher,
    /// The bytes that may be the start of a span, held back.
    held: Vec<u8>,
    /// How much of [`SPAN_PATTERN`] `held` matches.
    at: usize,
}

impl SpanlessHasher {
    fn push(&mut self, b: u8) {
        loop {
            match SPAN_PATTERN.get(self.at) {
                Some(b'#') if b.is_ascii_digit() => {
                    self.held.push(b);
                    // Stay on `#` for more digits; `at + 1` is checked on the next byte.
                    return;
                }
                Some(b'#') if self.held.last().is_some_and(u8::is_ascii_digit) => {
                    // The digits ended: match the byte against what follows them.
                    self.at += 1;
                }
                Some(&want) if want == b => {
                    self.held.push(b);
                    self.at += 1;
                    if self.at == SPAN_PATTERN.len() {
                        self.held.clear();
                        self.at = 0;
                    }
                    return;
                }
                _ => {
                    // Not a span: what was held is text. `S` only starts the pattern, so the
                    // byte that broke it may start a new one.
                    let restart = self.at > 0;
                    self.flush();
                    if restart {
                        continue;
                    }
                    self.hasher.write_u8(b);
                    return;
                }
            }
        }
    }

    fn flush(&mut self) {
        self.hasher.write(&self.held);
        self.held.clear();
        self.at = 0;
    }

    fn finish(mut self) -> u64 {
        self.flush();
        self.hasher.finish()
    }
}

impl std::fmt::Write for SpanlessHasher {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for &b in s.as_bytes() {
            self.push(b);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    fn spanless(text: &str) -> u64 {
        let mut h = SpanlessHasher::default();
        let _ = h.write_str(text);
        h.finish()
    }

    #[test]
    fn spans_do_not_count_in_the_tree_hash() {
        assert_eq!(
            spanless("a Span { start: 1, end: 22 } b"),
            spanless("a Span { start: 333, end: 4 } b")
        );
        assert_ne!(spanless("a Span { start: 1, end: 2 } b"), spanless("a b c"));
        assert_ne!(spanless("Span { start: x"), spanless("Span { start: y"));
        assert_ne!(spanless("SSpan"), spanless("Span"));
        assert_ne!(spanless("Span { start: 1, end: 2 }x"), spanless("y"));
    }
}

//! Rendering of diagnostics: human text through miette, and the stable JSON document.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SpanContents,
};
use serde::Serialize;

use super::{Diagnostic, Severity};
use crate::span::{LineIndex, Span};

/// The diagnostics of one file, with the text they point into.
#[derive(Clone, Copy, Debug)]
pub struct FileReport<'a> {
    /// The path as the user should read it.
    pub path: &'a str,
    /// The source text the spans point into.
    pub source: &'a str,
    pub diagnostics: &'a [Diagnostic],
}

/// Lines longer than this are not quoted in human output; the location is given instead.
const MAX_QUOTED_LINE: usize = 400;

/// A label spanning more lines than this is drawn on its first line only, so that a label on a
/// large block does not quote the whole block.
const MAX_LABEL_LINES: usize = 3;

/// The source of one file as miette reads it, with its line index. miette's own `SourceCode`
/// for text counts lines from the start of the text for every label, which made rendering
/// quadratic in the number of diagnostics; this one slices out the lines a label needs (found
/// by binary search in the index) and lets miette read only those.
struct Indexed<'a> {
    name: &'a str,
    source: &'a str,
    index: &'a LineIndex,
}

impl SourceCode for Indexed<'_> {
    fn read_span<'b>(
        &'b self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let len = self.source.len();
        let start = span.offset();
        let end = start + span.len();
        if end > len {
            return Err(MietteError::OutOfBounds);
        }
        let first = self.index.line_of(start);
        let last = self.index.line_of(end.saturating_sub(1).max(start));
        let from_line = first.saturating_sub(before);
        // One line more than needed, so that miette sees the same text after the context as
        // it would in the whole source.
        let to_line = last + after + 2;
        let from = self.index.line_start(from_line, len);
        let to = self.index.line_start(to_line, len);
        let slice = &self.source[from..to];
        let local = miette::SourceSpan::new((start - from).into(), span.len());
        let inner = slice.read_span(&local, before, after)?;
        let data: &'b [u8] = inner.data();
        let offset = inner.span().offset() + from;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            data,
            miette::SourceSpan::new(offset.into(), inner.span().len()),
            inner.line() + from_line,
            // miette counts the column in bytes; the header shows characters, as JSON, SARIF
            // and GitHub annotations do.
            self.index.line_col(self.source, offset).column - 1,
            // miette merges two labels' snippets when the first one's lines reach the second;
            // its own reader counts lines from the start of the text here, which merged every
            // snippet of a diagnostic and quoted everything between distant labels.
            self.index.line_of(offset + data.len().saturating_sub(1)) - self.index.line_of(offset)
                + 1,
        )))
    }
}

/// Adapter that lets miette draw one of our diagnostics.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<&'a Indexed<'a>>,
    location: Option<String>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)?;
        if let Some(location) = &self.location {
            write!(f, "\n  at {location}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}({})",
            self.diagnostic.rule.code, self.diagnostic.rule.name
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.diagnostic.help))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let source = self.source?;
        let d = self.diagnostic;
        let span = |s: Span| to_miette(source, s);
        let primary = LabeledSpan::new_primary_with_span(Some(d.label.clone()), span(d.span));
        let related = d
            .related
            .iter()
            .map(move |l| LabeledSpan::new_with_span(Some(l.message.clone()), span(l.span)));
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}

/// A span for miette: a label over more than [`MAX_LABEL_LINES`] lines is cut at the end of its
/// first line.
fn to_miette(source: &Indexed<'_>, span: Span) -> miette::SourceSpan {
    let (index, len) = (source.index, source.source.len());
    let first = index.line_of(span.start());
    let end = if index.line_of(span.end()) > first + MAX_LABEL_LINES {
        // The end of the first line, before its line break (and a `\r` before that).
        let next = index.line_start(first + 1, len);
        let line = &source.source[span.start().min(len)..next.min(len)];
        span.start() + line.trim_end_matches(['\n', '\r']).len()
    } else {
        span.end()
    };
    miette::SourceSpan::new(span.start().into(), end.saturating_sub(span.start()))
}

/// Whether every line a diagnostic points at is short enough to quote (constant work per label
/// with the line index).
fn quotable(source: &str, index: &LineIndex, d: &Diagnostic) -> bool {
    let len = source.len();
    std::iter::once(d.span)
        .chain(d.related.iter().map(|l| l.span))
        .all(|span| {
            let start = index.line_start(index.line_of(span.start().min(len)), len);
            let line = index.line_of(span.end().min(len));
            // The line ends before its `\n`, when it has one.
            let end = if line + 1 < index.lines() {
                index.line_start(line + 1, len) - 1
            } else {
                len
            };
            end.saturating_sub(start) <= MAX_QUOTED_LINE && span.len() <= MAX_QUOTED_LINE
        })
}

/// Renders diagnostics for people: miette's graphical report without colour, `width` columns
/// wide. The output is deterministic.
pub fn render_human(files: &[FileReport<'_>], width: usize) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(width)
        .with_links(false);
    let mut out = String::new();
    for file in files {
        if file.diagnostics.is_empty() {
            continue;
        }
        let index = LineIndex::new(file.source);
        let indexed = Indexed {
            name: file.path,
            source: file.source,
            index: &index,
        };
        for d in file.diagnostics {
            let report = if quotable(file.source, &index, d) {
                Report {
                    diagnostic: d,
                    source: Some(&indexed),
                    location: None,
                }
            } else {
                let at = index.line_col(file.source, d.span.start());
                Report {
                    diagnostic: d,
                    source: None,
                    location: Some(format!("{}:{}:{}", file.path, at.line, at.column)),
                }
            };
            // Writing into a String cannot fail; a failure here would only lose this report.
            let _ = handler.render_report(&mut out, &report);
            out.push('\n');
        }
    }
    out
}

#[derive(Serialize)]
pub(super) struct JsonDocument<'a> {
    pub(super) version: u32,
    pub(super) diagnostics: Vec<JsonDiagnostic<'a>>,
    /// Present only when some path could not be read.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub(super) unreadable: &'a [Unreadable<'a>],
    pub(super) summary: JsonSummary,
}

/// A path given to `check` that could not be read, and why (the text of the I/O error).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Unreadable<'a> {
    pub path: &'a str,
    pub error: &'a str,
}

#[derive(Serialize)]
pub(super) struct JsonDiagnostic<'a> {
    pub(super) file: &'a str,
    pub(super) code: &'a str,
    pub(super) rule: &'a str,
    pub(super) severity: &'a str,
    pub(super) message: &'a str,
    pub(super) span: JsonSpan,
    pub(super) labels: Vec<JsonLabel<'a>>,
    pub(super) help: &'a str,
    /// Present only when the diagnostic carries a structured fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) fix: Option<JsonFix<'a>>,
}

/// The edits of a diagnostic's fix, and whether `check --fix` applies it.
#[derive(Serialize)]
pub(super) struct JsonFix<'a> {
    pub(super) message: &'a str,
    pub(super) safe: bool,
    pub(super) edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
pub(super) struct JsonEdit<'a> {
    pub(super) span: JsonSpan,
    pub(super) replacement: &'a str,
}

#[derive(Serialize)]
pub(super) struct JsonLabel<'a> {
    pub(super) message: &'a str,
    pub(super) span: JsonSpan,
}

#[derive(Serialize)]
pub(super) struct JsonSpan {
    start: usize,
    end: usize,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
pub(super) struct JsonSummary {
    pub(super) files: usize,
    pub(super) errors: usize,
    pub(super) warnings: usize,
}

pub(super) fn json_span(index: &LineIndex, source: &str, span: Span) -> JsonSpan {
    let start = index.line_col(source, span.start());
    let end = index.line_col(source, span.end());
    JsonSpan {
        start: span.start(),
        end: span.end(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

/// Renders the stable JSON document of `handoff check --format json` (version 1). `files` is
/// the number of files checked, including those without diagnostics.
pub fn render_json(files: &[FileReport<'_>], file_count: usize) -> String {
    render_json_with_unreadable(files, file_count, &[])
}

/// [`render_json`], with the paths that could not be read: they are listed under `unreadable`
/// (a key present only when there are some), so that the output stays one document.
pub fn render_json_with_unreadable(
    files: &[FileReport<'_>],
    file_count: usize,
    unreadable: &[Unreadable<'_>],
) -> String {
    let mut diagnostics = Vec::new();
    let (mut errors, mut warnings) = (0, 0);
    for file in files {
        let index = LineIndex::new(file.source);
        for d in file.diagnostics {
            match d.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
            }
            let mut labels = vec![JsonLabel {
                message: &d.label,
                span: json_span(&index, file.source, d.span),
            }];
            labels.extend(d.related.iter().map(|l| JsonLabel {
                message: &l.message,
                span: json_span(&index, file.source, l.span),
            }));
            diagnostics.push(JsonDiagnostic {
                file: file.path,
                code: d.rule.code,
                rule: d.rule.name,
                severity: d.severity.as_str(),
                message: &d.message,
                span: json_span(&index, file.source, d.span),
                labels,
                help: &d.help,
                fix: d.fix.as_ref().map(|f| JsonFix {
                    message: &f.message,
                    safe: f.safe,
                    edits: f
                        .edits
                        .iter()
                        .map(|e| JsonEdit {
                            span: json_span(&index, file.source, e.span),
                            replacement: &e.replacement,
                        })
                        .collect(),
                }),
            });
        }
    }
    let doc = JsonDocument {
        version: 1,
        diagnostics,
        unreadable,
        summary: JsonSummary {
            files: file_count,
            errors,
            warnings,
        },
    };
    // Serializing plain structs of strings and numbers cannot fail.
    let mut out = serde_json::to_string(&doc).unwrap_or_default();
    out.push('\n');
    out
}

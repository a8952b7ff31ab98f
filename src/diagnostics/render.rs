//! Rendering of diagnostics: human text through miette, and the stable JSON document.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
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

/// Adapter that lets miette draw one of our diagnostics.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<&'a NamedSource<String>>,
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
        self.source?;
        let d = self.diagnostic;
        let primary = LabeledSpan::new_primary_with_span(Some(d.label.clone()), to_miette(d.span));
        let related = d
            .related
            .iter()
            .map(|l| LabeledSpan::new_with_span(Some(l.message.clone()), to_miette(l.span)));
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}

fn to_miette(span: Span) -> miette::SourceSpan {
    miette::SourceSpan::new(span.start().into(), span.len())
}

/// Whether every line a diagnostic points at is short enough to quote.
fn quotable(source: &str, d: &Diagnostic) -> bool {
    std::iter::once(d.span)
        .chain(d.related.iter().map(|l| l.span))
        .all(|span| {
            let start = source[..span.start().min(source.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let end = source[span.end().min(source.len())..]
                .find('\n')
                .map_or(source.len(), |i| span.end() + i);
            end - start <= MAX_QUOTED_LINE && span.len() <= MAX_QUOTED_LINE
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
        let named = NamedSource::new(file.path, file.source.to_string());
        let index = LineIndex::new(file.source);
        for d in file.diagnostics {
            let report = if quotable(file.source, d) {
                Report {
                    diagnostic: d,
                    source: Some(&named),
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
struct JsonDocument<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    code: &'a str,
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    span: JsonSpan,
    labels: Vec<JsonLabel<'a>>,
    help: &'a str,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    message: &'a str,
    span: JsonSpan,
}

#[derive(Serialize)]
struct JsonSpan {
    start: usize,
    end: usize,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    errors: usize,
    warnings: usize,
}

fn json_span(index: &LineIndex, source: &str, span: Span) -> JsonSpan {
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
            });
        }
    }
    let doc = JsonDocument {
        version: 1,
        diagnostics,
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

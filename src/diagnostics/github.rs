//! GitHub Actions workflow commands (`handoff check --format github`): one `::error` or
//! `::warning` line per diagnostic, which the Actions runner turns into an annotation on the
//! file and lines it names.
//!
//! Escaping follows the runner: in the message, `%`, `\r` and `\n` become `%25`, `%0D` and
//! `%0A`; in property values (file, title) `:` and `,` become `%3A` and `%2C` as well. Source
//! text only ever reaches the output through these two functions.

use super::{FileReport, Severity};
use crate::span::LineIndex;

/// Escapes the message of a workflow command.
pub fn escape_data(text: &str) -> String {
    escape(text, false)
}

/// Escapes a property value of a workflow command: as a message, and `:` and `,` too.
pub fn escape_property(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, property: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// Renders one workflow command per diagnostic, in the order given. The message is the
/// diagnostic's message followed by its label and help on further lines.
pub fn render_github(files: &[FileReport<'_>]) -> String {
    let mut out = String::new();
    for file in files {
        let index = LineIndex::new(file.source);
        for d in file.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let start = index.line_col(file.source, d.span.start());
            let end = index.line_col(file.source, d.span.end());
            let title = format!("{} {}", d.rule.code, d.rule.name);
            let message = format!("{}\n{}\nhelp: {}", d.message, d.label, d.help);
            out.push_str(&format!(
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                escape_property(file.path),
                start.line,
                start.column,
                end.line,
                end.column,
                escape_property(&title),
                escape_data(&message),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("50% a:b,c\r\nd"), "50%25 a%3Ab%2Cc%0D%0Ad");
        assert_eq!(escape_data("%0A"), "%250A");
    }
}

//! Parsing: source text to syntax tree, with every syntax error the parser can recover from.
//!
//! The pipeline is: `scan` bounds nesting and finds declaration starts; pest parses the whole
//! file; if that fails (or nesting is too deep), each top-level declaration is parsed on its own,
//! so that every broken declaration reports an error and the others are still lowered.
//!
//! **Invariant:** [`parse`] never fails and never panics: it returns what it could build together
//! with its diagnostics.

mod errors;
mod grammar;
mod lower;
mod scan;

use pest::Parser as _;

pub use grammar::Rule;
pub use scan::MAX_NESTING;

use crate::ast::{File, TopItem, WorkflowDecl};
use crate::diagnostics::Diagnostic;
use crate::rules::e001_syntax_error;
use crate::span::Span;
use grammar::HandoffParser;

/// The result of parsing: the tree that could be built, and the syntax errors.
#[derive(Debug, Default)]
pub struct Parsed<'a> {
    pub file: File<'a>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Decodes raw bytes as UTF-8. On failure, returns the text decoded lossily (so it can still be
/// shown) and an E001 naming the offset of the first invalid byte.
pub fn decode(bytes: &[u8]) -> (String, Option<Diagnostic>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(err) => {
            let offset = err.valid_up_to();
            let byte = bytes.get(offset).copied().unwrap_or(0);
            (
                String::from_utf8_lossy(bytes).into_owned(),
                Some(e001_syntax_error::invalid_utf8(offset, byte)),
            )
        }
    }
}

/// Parses a whole file.
pub fn parse(source: &str) -> Parsed<'_> {
    let scan = scan::scan(source);
    let mut parsed = Parsed::default();
    if scan.too_deep.is_empty() {
        if let Some((items, diagnostics)) = parse_in_pieces(source, &scan, PIECE) {
            parsed.file.items = items;
            parsed.diagnostics = diagnostics;
            return parsed;
        }
        // A guess of the scanner was wrong (or the file is broken): the whole file decides.
        if let Ok(pairs) = HandoffParser::parse(Rule::file, source) {
            lower::Lowerer::new(0, &mut parsed.diagnostics).file(pairs, &mut parsed.file.items);
            return parsed;
        }
    }
    // Recovery: parse each top-level declaration on its own.
    let mut bounds = scan.starts.clone();
    if bounds.first() != Some(&0) {
        bounds.insert(0, 0);
    }
    bounds.push(source.len());
    for window in bounds.windows(2) {
        let (start, end) = (window[0], window[1]);
        if let Some(&(a, b)) = scan.too_deep.iter().find(|(a, _)| (start..end).contains(a)) {
            parsed
                .diagnostics
                .push(e001_syntax_error::too_deep(Span::new(a, b), MAX_NESTING));
            continue;
        }
        let chunk = &source[start..end];
        match HandoffParser::parse(Rule::file, chunk) {
            Ok(pairs) => lower::Lowerer::new(start, &mut parsed.diagnostics)
                .file(pairs, &mut parsed.file.items),
            Err(err) => parsed
                .diagnostics
                .push(errors::from_pest(&err, chunk, start)),
        }
    }
    parsed
}

/// How much source one pest call parses at least when a workflow is parsed piece by piece.
/// pest builds a queue of tokens for everything it parses in one call (dozens of bytes per
/// token); parsing a large workflow in pieces keeps that queue small, and peak memory with it.
const PIECE: usize = 64 * 1024;

/// Parses a file declaration by declaration, and large workflows item run by item run, along
/// the boundaries the scanner found. Returns `None` as soon as a piece does not parse: then the
/// caller parses the whole file, which decides between a wrong guess and a real error.
fn parse_in_pieces<'a>(
    source: &'a str,
    scan: &scan::Scan,
    piece: usize,
) -> Option<(Vec<TopItem<'a>>, Vec<Diagnostic>)> {
    let mut items = Vec::new();
    let mut diagnostics = Vec::new();
    let mut starts: Vec<(usize, Option<&scan::Body>)> = scan
        .starts
        .iter()
        .zip(&scan.bodies)
        .map(|(&s, b)| (s, b.as_ref()))
        .collect();
    if starts.first().map(|s| s.0) != Some(0) {
        starts.insert(0, (0, None));
    }
    for (k, &(start, body)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(source.len(), |s| s.0);
        match body {
            Some(body) if body.open >= start && body.close < end => {
                let decl =
                    parse_workflow_in_pieces(source, start, end, body, piece, &mut diagnostics)?;
                items.push(TopItem::Workflow(decl));
            }
            _ => {
                let pairs = HandoffParser::parse(Rule::file, &source[start..end]).ok()?;
                lower::Lowerer::new(start, &mut diagnostics).file(pairs, &mut items);
            }
        }
    }
    Some((items, diagnostics))
}

/// Parses one workflow declaration `source[start..end]` as its head, runs of items, and tail.
fn parse_workflow_in_pieces<'a>(
    source: &'a str,
    start: usize,
    end: usize,
    body: &scan::Body,
    piece: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<WorkflowDecl<'a>> {
    let head = HandoffParser::parse(Rule::workflow_head, &source[start..=body.open]).ok()?;
    let (doc, name, kw_start) = lower::Lowerer::new(start, diagnostics).workflow_head(head)?;
    // The scanner's count of items is exact for a well-formed body; sizing the vector up front
    // spares the doubling that would leave up to half of it unused.
    let mut items = Vec::with_capacity(body.items.len() + 1);
    let first = body.open + 1;
    let mut from = first;
    let cuts = body
        .items
        .iter()
        .copied()
        .filter(|&i| i > first && i < body.close)
        .chain(std::iter::once(body.close));
    for cut in cuts {
        if cut - from < piece && cut != body.close {
            continue;
        }
        let pairs = HandoffParser::parse(Rule::workflow_body, &source[from..cut]).ok()?;
        lower::Lowerer::new(from, diagnostics).workflow_body(pairs, &mut items);
        from = cut;
    }
    HandoffParser::parse(Rule::workflow_tail, &source[body.close..end]).ok()?;
    Some(WorkflowDecl {
        doc,
        name,
        items,
        span: Span::new(kw_start, body.close + 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(source: &str) -> Vec<TopItem<'_>> {
        let mut diagnostics = Vec::new();
        let mut items = Vec::new();
        let pairs = HandoffParser::parse(Rule::file, source).expect("parses");
        lower::Lowerer::new(0, &mut diagnostics).file(pairs, &mut items);
        items
    }

    #[test]
    fn parsing_in_pieces_builds_the_same_tree_as_parsing_whole() {
        let sources = [
            include_str!("../../tests/fixtures/language/all_forms.handoff"),
            include_str!("../../tests/fixtures/language/section1.handoff"),
            include_str!("../../examples/refund.handoff"),
            include_str!("../../examples/lead_qualification.handoff"),
        ];
        for source in sources {
            let scan = scan::scan(source);
            // A piece size of 1 parses every item on its own.
            let (items, _) = parse_in_pieces(source, &scan, 1).expect("every piece parses");
            assert_eq!(items, whole(source));
        }
    }

    #[test]
    fn a_wrong_guess_of_the_scanner_falls_back_to_the_whole_file() {
        // `step` names a step here, so the scanner's cut before it is wrong.
        let source = "actor a: human\nworkflow w {\n  trigger t: manual\n  step step { owner a }\n  flow t -> step\n}\n";
        let scan = scan::scan(source);
        assert!(parse_in_pieces(source, &scan, 1).is_none());
        let parsed = parse(source);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        assert_eq!(parsed.file.items, whole(source));
    }
}

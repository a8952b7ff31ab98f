//! Parsing: source text to syntax tree, with every syntax error the parser can recover from.
//!
//! The pipeline is: [`scan`] bounds nesting and finds declaration starts; pest parses the whole
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

use crate::ast::File;
use crate::diagnostics::Diagnostic;
use crate::rules::e001_syntax_error;
use crate::span::Span;
use grammar::HandoffParser;

/// The result of parsing: the tree that could be built, and the syntax errors.
#[derive(Debug, Default)]
pub struct Parsed {
    pub file: File,
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
pub fn parse(source: &str) -> Parsed {
    let scan = scan::scan(source);
    let mut parsed = Parsed::default();
    if scan.too_deep.is_empty() {
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

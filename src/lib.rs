//! `handoff`: a compiler for workflows in which work moves between AI agents, people, teams and
//! systems. It parses `.handoff` files, resolves names into a model of each workflow, checks the
//! handoffs, and (in later stages) emits targets.
//!
//! The core does no I/O: every function takes text or models and returns models and
//! diagnostics. See `ARCHITECTURE.md` for the pipeline.

pub mod ast;
pub mod check;
pub mod diagnostics;
pub mod emit;
pub mod ir;
pub mod parse;
pub mod resolve;
pub mod rules;
pub mod span;
pub mod suppress;

use diagnostics::Diagnostic;

/// The result of checking one source text.
#[derive(Debug)]
pub struct Checked {
    /// The resolved model of every workflow that could be built.
    pub module: ir::Module,
    /// Every diagnostic, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses, resolves and checks one source text, and applies its inline suppressions.
pub fn check_source(source: &str) -> Checked {
    let parsed = parse::parse(source);
    let mut diagnostics = parsed.diagnostics;
    let module = resolve::resolve(parsed.file, &mut diagnostics);
    diagnostics.extend(check::check(&module, &check::Settings::default()));
    diagnostics::sort(&mut diagnostics);
    suppress::apply(source, &mut diagnostics);
    Checked {
        module,
        diagnostics,
    }
}

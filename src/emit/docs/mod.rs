//! The docs target: a Markdown page per workflow (prose, a Mermaid diagram with one lane per
//! owner, and tables of handoffs, context, actors, reversibility and diagnostics), an index of
//! several, and the diagram alone as Mermaid or Graphviz DOT. See `docs/targets/docs.md`.
//!
//! - `view.rs`: what the diagrams show (lanes, nodes, edges), independent of syntax;
//! - `mermaid.rs` and `dot.rs`: the two diagram syntaxes, and Mermaid's size limits;
//! - `tables.rs`: the tables; `markdown.rs`: the page and the index;
//! - `escape.rs`: escaping for Markdown, Mermaid and DOT; `text.rs`: durations and conditions.
//!
//! **Invariants:** no I/O; the same input gives the same bytes; building a page is linear in
//! the workflow (plus the size of what it prints); ids in diagrams are generated, never source
//! text; every piece of source text is escaped for where it is written.

mod dot;
pub mod escape;
mod markdown;
pub mod mermaid;
mod tables;
pub(crate) mod text;
mod view;

use crate::check::Analysis;
use crate::diagnostics::Diagnostic;
use crate::ir::Workflow;

pub use markdown::{index, IndexEntry};
pub use mermaid::{Diagram, MAX_EDGES, MAX_TEXT};

/// The syntax of `handoff graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

/// The diagnostics of a file that belong on the page of `wf`: those inside its declaration,
/// and those outside every workflow (about the file's shared actors). `workflows` are the
/// file's, in source order, so finding the one around a diagnostic is a binary search.
pub fn diagnostics_of<'d>(
    wf: &Workflow,
    workflows: &[Workflow],
    all: &'d [Diagnostic],
) -> Vec<&'d Diagnostic> {
    let inside = |w: &Workflow, at: usize| w.span.start() <= at && at < w.span.end();
    let around = |at: usize| {
        let i = workflows.partition_point(|w| w.span.start() <= at);
        i.checked_sub(1)
            .map(|i| &workflows[i])
            .filter(|w| inside(w, at))
    };
    all.iter()
        .filter(|d| {
            let at = d.span.start();
            inside(wf, at) || around(at).is_none()
        })
        .collect()
}

/// The Markdown page of one analysed workflow. `source` is the text of its file (durations are
/// shown as written, diagnostics with their line); `diagnostics` those of
/// [`diagnostics_of`].
pub fn page(a: &Analysis<'_>, source: &str, diagnostics: &[&Diagnostic]) -> String {
    markdown::page(a, source, diagnostics)
}

/// The Mermaid diagrams of the page: one, or parts when one would be above Mermaid's limits.
pub fn diagrams(a: &Analysis<'_>, source: &str) -> Vec<Diagram> {
    mermaid::diagrams(&view::build(a, source))
}

/// The whole diagram in one piece, for `handoff graph`.
pub fn graph(a: &Analysis<'_>, source: &str, format: GraphFormat) -> String {
    let v = view::build(a, source);
    match format {
        GraphFormat::Mermaid => mermaid::whole(&v).text,
        GraphFormat::Dot => dot::render(&v),
    }
}

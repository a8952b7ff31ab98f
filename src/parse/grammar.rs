//! The pest parser generated from `grammar/handoff.pest`.
#![allow(missing_docs, clippy::pedantic)]

/// The parser for the handoff grammar.
#[derive(pest_derive::Parser)]
#[grammar = "../grammar/handoff.pest"]
pub struct HandoffParser;

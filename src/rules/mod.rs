//! The registry of rules: one module per rule, each with its code, name, severity, explanation
//! and the constructors of its diagnostics (the only place its wording lives).
//!
//! **Invariant:** codes are unique and never reused; every rule has an explanation page with the
//! sections What it does, Why it matters, Example and Fix; every rule has a fixture under
//! `tests/fixtures/rules/`. `tests/registry.rs` checks all three.
//!
//! To add a rule: write `src/rules/<code>_<name>.rs` with a `pub static RULE: Rule` and its
//! diagnostic constructors (and, for a semantic rule, its `check` function), add it to `ALL`
//! below, and add `tests/fixtures/rules/<CODE>.handoff` with flagged and clean cases.

use crate::diagnostics::Severity;

pub mod e001_syntax_error;
pub mod e101_undefined_name;
pub mod e102_duplicate_definition;
pub mod e103_wrong_kind;
pub mod e104_duplicate_item;

/// A rule: a stable code, a kebab-case name, a default severity and a page of explanation.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// The stable code, such as `E101`.
    pub code: &'static str,
    /// The kebab-case name, such as `undefined-name`.
    pub name: &'static str,
    /// The default severity.
    pub severity: Severity,
    /// One line: when the rule fires.
    pub summary: &'static str,
    /// The page `handoff explain` prints, in Markdown.
    pub explanation: &'static str,
}

/// Every rule, in code order.
pub static ALL: &[&Rule] = &[
    &e001_syntax_error::RULE,
    &e101_undefined_name::RULE,
    &e102_duplicate_definition::RULE,
    &e103_wrong_kind::RULE,
    &e104_duplicate_item::RULE,
];

/// Looks a rule up by code (`E101`, case-insensitive) or by name (`undefined-name`).
pub fn find(key: &str) -> Option<&'static Rule> {
    ALL.iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(key) || r.name == key)
}

/// Formats the page `handoff explain` prints for a rule.
pub fn explain(rule: &Rule) -> String {
    format!(
        "# {} {} ({})\n\n{}\n\n{}\n",
        rule.code,
        rule.name,
        rule.severity.as_str(),
        rule.summary,
        rule.explanation.trim()
    )
}

/// Quotes a name in backticks, as every message does.
pub(crate) fn tick(name: &str) -> String {
    format!("`{name}`")
}

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

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};

pub mod e001_syntax_error;
pub mod e101_undefined_name;
pub mod e102_duplicate_definition;
pub mod e103_wrong_kind;
pub mod e104_duplicate_item;
pub mod e201_ownerless_step;
pub mod e202_undeclared_handoff;
pub mod e203_needs_human;
pub mod e204_fallback_cycle;
pub mod e205_into_trigger;
pub mod e301_missing_context;
pub mod e302_carries_unavailable;
pub mod e303_type_mismatch;
pub mod e304_confidence_outside_ai;
pub mod e305_sensitive_leak;
pub mod e306_missing_escalation_context;
pub mod e307_customer_unreachable;
pub mod e401_irreversible_without_approval;
pub mod e402_bad_compensation;
pub mod e403_permission_wall;
pub mod e501_unreachable_step;
pub mod e502_no_trigger;
pub mod e503_no_exit_cycle;
pub mod e601_invalid_suppression;
pub mod w201_handoff_without_sla;
pub mod w202_cold_handoff;
pub mod w203_hidden_handoff;
pub mod w204_handoff_same_owner;
pub mod w205_sla_without_fallback;
pub mod w206_invisible_queue;
pub mod w207_undelivered_notice;
pub mod w208_payloadless_trigger;
pub mod w301_unused_field;
pub mod w401_undeclared_reversibility;
pub mod w402_approval_on_reversible;
pub mod w403_approval_chain;
pub mod w501_non_exhaustive_routing;
pub mod w502_exception_sprawl;
pub mod w503_last_mile;
pub mod w504_conservative_threshold;
pub mod w505_overlapping_routes;
pub mod w601_unused_suppression;
pub mod w602_suppression_without_reason;

/// The check of a semantic rule: it reads one workflow's analysis and appends diagnostics.
pub type Check = fn(&Analysis<'_>, &mut Vec<Diagnostic>);

/// A rule: a stable code, a kebab-case name, a default severity and a page of explanation.
#[derive(Debug)]
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
    /// For a semantic rule, its check; rules found by the parser or resolver have none.
    pub check: Option<Check>,
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for Rule {}

/// Every rule, in code order.
pub static ALL: &[&Rule] = &[
    &e001_syntax_error::RULE,
    &e101_undefined_name::RULE,
    &e102_duplicate_definition::RULE,
    &e103_wrong_kind::RULE,
    &e104_duplicate_item::RULE,
    &e201_ownerless_step::RULE,
    &e202_undeclared_handoff::RULE,
    &e203_needs_human::RULE,
    &e204_fallback_cycle::RULE,
    &e205_into_trigger::RULE,
    &e301_missing_context::RULE,
    &e302_carries_unavailable::RULE,
    &e303_type_mismatch::RULE,
    &e304_confidence_outside_ai::RULE,
    &e305_sensitive_leak::RULE,
    &e306_missing_escalation_context::RULE,
    &e307_customer_unreachable::RULE,
    &e401_irreversible_without_approval::RULE,
    &e402_bad_compensation::RULE,
    &e403_permission_wall::RULE,
    &e501_unreachable_step::RULE,
    &e502_no_trigger::RULE,
    &e503_no_exit_cycle::RULE,
    &e601_invalid_suppression::RULE,
    &w201_handoff_without_sla::RULE,
    &w202_cold_handoff::RULE,
    &w203_hidden_handoff::RULE,
    &w204_handoff_same_owner::RULE,
    &w205_sla_without_fallback::RULE,
    &w206_invisible_queue::RULE,
    &w207_undelivered_notice::RULE,
    &w208_payloadless_trigger::RULE,
    &w301_unused_field::RULE,
    &w401_undeclared_reversibility::RULE,
    &w402_approval_on_reversible::RULE,
    &w403_approval_chain::RULE,
    &w501_non_exhaustive_routing::RULE,
    &w502_exception_sprawl::RULE,
    &w503_last_mile::RULE,
    &w504_conservative_threshold::RULE,
    &w505_overlapping_routes::RULE,
    &w601_unused_suppression::RULE,
    &w602_suppression_without_reason::RULE,
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

/// One diagnostic per key (one mistake), with each later occurrence a label of it: where the
/// first one for a key went in a rule's output.
pub(crate) struct OncePer<K>(std::collections::HashMap<K, usize>);

impl<K: std::hash::Hash + Eq> OncePer<K> {
    pub(crate) fn new() -> Self {
        OncePer(std::collections::HashMap::new())
    }

    /// Adds a label to the diagnostic already reported for `key`, if there is one.
    pub(crate) fn also(
        &self,
        out: &mut [Diagnostic],
        key: &K,
        span: crate::span::Span,
        message: String,
    ) -> bool {
        let Some(&at) = self.0.get(key) else {
            return false;
        };
        out[at]
            .related
            .push(crate::diagnostics::Label::new(span, message));
        true
    }

    /// Reports `d` as the diagnostic of `key`.
    pub(crate) fn push(&mut self, out: &mut Vec<Diagnostic>, key: K, d: Diagnostic) {
        self.0.insert(key, out.len());
        out.push(d);
    }
}

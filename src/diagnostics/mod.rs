//! Diagnostics as data: what went wrong, where, and how to fix it.
//!
//! **Invariant:** every diagnostic names a registered rule, has a primary span with a label, and
//! a help line. Wording lives in the rule modules (`src/rules`); this module only carries and
//! renders. Rendering is deterministic: the same diagnostics give the same bytes.

mod failure;
mod github;
mod render;
mod sarif;

pub use failure::{
    render_github_failure, render_github_unreadable, render_json_failure, render_sarif_failure,
    ConfigMistake, CONFIG_CODE, CONFIG_NAME,
};
pub use github::{escape_data, escape_property, render_github};
pub use render::{render_human, render_json, render_json_with_unreadable, FileReport, Unreadable};
pub use sarif::{render_sarif, render_sarif_with_unreadable, rule_uri, INFORMATION_URI, RULES_URI};

use crate::rules::Rule;
use crate::span::Span;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    /// The lowercase name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A secondary span with what it shows ("declared here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Label {
            span,
            message: message.into(),
        }
    }
}

/// One finding in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule that fired; it gives the code, the name and the default severity.
    pub rule: &'static Rule,
    /// The headline: lowercase, no trailing period, names in backticks.
    pub message: String,
    /// Where the problem is.
    pub span: Span,
    /// What is wrong at `span`.
    pub label: String,
    /// Related places, such as the declaration a reference points at.
    pub related: Vec<Label>,
    /// The concrete edit that fixes it.
    pub help: String,
    /// The severity in force (the rule's default unless configuration changed it).
    pub severity: Severity,
    /// The edit the help line names, as data, when it is exact.
    pub fix: Option<Fix>,
    /// Diagnostics (rule and primary span) whose edit also settles this one: it is a second
    /// report of their mistake, and [`settle`] drops it while any of them is still reported
    /// (an `allow` or a suppression of theirs brings it back).
    pub defers_to: Vec<(&'static Rule, Span)>,
}

/// One replacement of source text: the bytes of `span` become `replacement` (an empty span
/// inserts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

impl Edit {
    /// Replaces the text of `span`.
    pub fn replace(span: Span, replacement: impl Into<String>) -> Self {
        Edit {
            span,
            replacement: replacement.into(),
        }
    }

    /// Inserts `text` at byte `offset`.
    pub fn insert(offset: usize, text: impl Into<String>) -> Self {
        Edit::replace(Span::new(offset, offset), text)
    }
}

/// The edits that carry out a diagnostic's help line. `safe` fixes are the ones `check --fix`
/// applies: they make the diagnostic go away and change nothing else the user meant; the others
/// are offered (JSON output, an editor) for a person to judge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, in the voice of a help line ("replace `agnet` with `agent`").
    pub message: String,
    /// Non-overlapping edits of the diagnostic's file, in source order.
    pub edits: Vec<Edit>,
    pub safe: bool,
}

impl Fix {
    /// A fix that `check --fix` applies.
    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(message, edits, true)
    }

    /// A fix offered for a person to judge.
    pub fn new(message: impl Into<String>, mut edits: Vec<Edit>, safe: bool) -> Self {
        edits.sort_by_key(|e| (e.span.start(), e.span.end()));
        Fix {
            message: message.into(),
            edits,
            safe,
        }
    }
}

impl Diagnostic {
    /// A diagnostic of `rule` with its default severity.
    pub fn new(
        rule: &'static Rule,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Diagnostic {
            rule,
            message: message.into(),
            span,
            label: label.into(),
            related: Vec::new(),
            help: help.into(),
            severity: rule.severity,
            fix: None,
            defers_to: Vec::new(),
        }
    }

    /// Marks this diagnostic as a second report of the diagnostic of `rule` at `span`.
    #[must_use]
    pub fn deferring_to(mut self, rule: &'static Rule, span: Span) -> Self {
        self.defers_to.push((rule, span));
        self
    }

    /// Attaches the edit the help line names.
    #[must_use]
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// Adds a secondary label.
    #[must_use]
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Label::new(span, message));
        self
    }

    /// The rule's code, such as `E101`.
    pub fn code(&self) -> &'static str {
        self.rule.code
    }
}

/// Sorts diagnostics by position, then code, then message, so output does not depend on the
/// order in which passes ran.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.span.start(), a.span.end(), a.rule.code, &a.message).cmp(&(
            b.span.start(),
            b.span.end(),
            b.rule.code,
            &b.message,
        ))
    });
}

/// Drops each diagnostic that defers to one still reported ([`Diagnostic::defers_to`]). Run it
/// once levels and suppressions are applied, so that what they remove no longer hides anything.
pub fn settle(diagnostics: &mut Vec<Diagnostic>) {
    if diagnostics.iter().all(|d| d.defers_to.is_empty()) {
        return;
    }
    let reported: std::collections::HashSet<(&'static str, Span)> =
        diagnostics.iter().map(|d| (d.rule.code, d.span)).collect();
    diagnostics.retain(|d| {
        !d.defers_to
            .iter()
            .any(|(rule, span)| reported.contains(&(rule.code, *span)))
    });
}

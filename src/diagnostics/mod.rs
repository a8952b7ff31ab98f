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
    render_github_failure, render_json_failure, render_sarif_failure, ConfigMistake, CONFIG_CODE,
    CONFIG_NAME,
};
pub use github::{escape_data, escape_property, render_github};
pub use render::{render_human, render_json, render_json_with_unreadable, FileReport, Unreadable};
pub use sarif::{render_sarif, rule_uri, INFORMATION_URI, RULES_URI};

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
        }
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

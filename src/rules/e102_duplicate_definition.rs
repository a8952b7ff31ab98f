//! E102 duplicate-definition: a name is declared twice in the same scope.

use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::{tick, Rule};
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "E102",
    name: "duplicate-definition",
    severity: Severity::Error,
    summary: "a name is declared twice in the same scope (point at both)",
    explanation: r#"
## What it does
Reports a second declaration of a name in the same scope. Scopes: the top level of a file holds
actors and, separately, workflows; inside a workflow, actors (top-level ones included), triggers
and steps share one scope; context fields have their own; the members of one enum have theirs.
A transition declared twice is reported too.

## Why it matters
With two declarations, a reference could mean either: the owner of a step, the target of a
handoff or the type of a field would depend on which one the reader looked at.

## Example
```handoff
actor sales: team { inbox email "sales@example.com" }
workflow leads {
  actor sales: human   // the top-level `sales` is already in scope
  trigger inbound: manual
  step call { owner sales }
  flow inbound -> call
}
```

## Fix
Rename one of the two, or delete the one that is not meant.
"#,
    check: None,
};

/// `name` is declared a second time at `second`; the first declaration is at `first`.
pub fn duplicate(what: &str, name: &str, first: Span, second: Span) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("{what} {} is declared twice", tick(name)),
        second,
        format!("second declaration of {}", tick(name)),
        format!(
            "rename or remove one of the two declarations of {}",
            tick(name)
        ),
    )
    .with_label(first, format!("{} is first declared here", tick(name)))
}

/// A declaration takes a name that a declaration of another kind holds (actors, triggers and
/// steps share one scope): `what` is the later one's kind, `taken` the first one's.
pub fn name_taken(what: &str, taken: &str, name: &str, first: Span, second: Span) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!(
            "the {what} {} takes the name of the {taken} {}",
            tick(name),
            tick(name)
        ),
        second,
        format!("this {what} is not kept"),
        format!("rename the {what} or the {taken}: actors, triggers and steps share one scope"),
    )
    .with_label(
        first,
        format!("the {taken} {} is declared here", tick(name)),
    )
}

/// The transition `from -> to` is declared twice.
pub fn duplicate_transition(from: &str, to: &str, first: Span, second: Span) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("the transition `{from} -> {to}` is declared twice"),
        second,
        "second declaration of this transition",
        format!("merge the two `{from} -> {to}` transitions into one"),
    )
    .with_label(first, "first declared here")
}

//! E103 wrong-kind: a reference names the wrong kind of thing.

use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::{tick, Rule};
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "E103",
    name: "wrong-kind",
    severity: Severity::Error,
    summary: "a reference names the wrong kind of thing (an owner that is a step, a transition into an actor)",
    explanation: r#"
## What it does
Reports a reference that finds a declaration, but of the wrong kind: an `owner` that is a step,
a transition into an actor, a `needs` that names a step instead of a field. A `handoff` out of a
trigger is reported here too: a trigger has no owner to hand work off from.

## Why it matters
Ownership and context are the two things handoff checks. A step cannot own work and an actor
cannot be a place the work goes to; mixing them up hides who is accountable.

## Example
```handoff
workflow leads {
  actor sdr: ai
  trigger inbound: webhook "/leads"
  step qualify { owner sdr }
  step call { owner qualify }   // `qualify` is a step
  flow inbound -> qualify -> call
}
```

## Fix
Name a declaration of the kind the position expects: an actor after `owner`, `fallback`,
`approve by` and `escalate to`; a step or trigger in transitions; a field in `needs`,
`provides`, `carries` and conditions. Use `flow` out of a trigger.
"#,
    check: None,
};

/// `name` at `span` is a `found`, but the position expects a `expected`.
pub fn wrong_kind(name: &str, span: Span, expected: &str, found: &str, decl: Span) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!(
            "{} is {} {found}, not {} {expected}",
            tick(name),
            article(found),
            article(expected)
        ),
        span,
        format!("expected {} {expected} here", article(expected)),
        format!(
            "name {} {expected} here instead of the {found} {}",
            article(expected),
            tick(name)
        ),
    )
    .with_label(
        decl,
        format!(
            "{} is declared here as {} {found}",
            tick(name),
            article(found)
        ),
    )
}

/// A `handoff` starts at a trigger.
/// `body`: whether the handoff has a body `{ … }`, which a flow cannot take.
pub fn handoff_from_trigger(name: &str, span: Span, decl: Span, body: bool) -> Diagnostic {
    let help = if body {
        format!(
            "write `flow {name} -> …` instead of `handoff`, without the body `{{ … }}` (a flow \
             takes none: everything the trigger provides flows on)"
        )
    } else {
        format!("write `flow {name} -> …` instead of `handoff`")
    };
    Diagnostic::new(
        &RULE,
        format!("a handoff cannot start at the trigger {}", tick(name)),
        span,
        "a trigger has no owner to hand work off from",
        help,
    )
    .with_label(
        decl,
        format!("{} is declared here as a trigger", tick(name)),
    )
}

/// `a` or `an`, for the word that follows.
pub(crate) fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

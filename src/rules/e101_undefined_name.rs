//! E101 undefined-name: a reference names nothing in scope.

use crate::diagnostics::{Diagnostic, Edit, Fix, Severity};
use crate::rules::{tick, Rule};
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "E101",
    name: "undefined-name",
    severity: Severity::Error,
    summary:
        "a reference names no actor, step, trigger or field in scope (suggest the closest name)",
    explanation: r#"
## What it does
Reports a name that is used but declared nowhere in scope: an owner that is no actor, a transition
to a step that does not exist, a `needs` of a field missing from `context`. When a declared name
of the right kind is close in spelling, the diagnostic suggests it.

## Why it matters
A handoff to nobody is work that waits forever in an invisible queue. Every reference must land
on a declaration so that the compiler can follow the work and its context.

## Example
```handoff
workflow support {
  actor agent: human
  trigger chat: webhook "/chat"
  step answer { owner agnet }
  flow chat -> answer
}
```

## Fix
Correct the spelling (`owner agent`), or declare the missing actor, step, trigger or field.
Top-level actors are visible in every workflow of the file; fields must be declared in the
workflow's `context` block.
"#,
    check: None,
};

/// `name` at `span` names no `kind` (`"actor"`, `"step"`, `"field"`, …). `suggestion` is the
/// closest declared name of that kind, its declaration, and whether it is the only close name:
/// then replacing the name is a safe fix.
pub fn undefined(
    kind: &str,
    name: &str,
    span: Span,
    suggestion: Option<(&str, Span, bool)>,
    declare_hint: &str,
) -> Diagnostic {
    let message = format!("undefined {kind} {}", tick(name));
    let label = format!("no {kind} named {} in scope", tick(name));
    match suggestion {
        Some((close, decl, unique)) => Diagnostic::new(
            &RULE,
            message,
            span,
            label,
            format!(
                "did you mean {}? replace {} with {}",
                tick(close),
                tick(name),
                tick(close)
            ),
        )
        .with_label(decl, format!("{} is declared here", tick(close)))
        .with_fix(Fix::new(
            format!("replace {} with {}", tick(name), tick(close)),
            vec![Edit::replace(span, close)],
            unique,
        )),
        None => Diagnostic::new(&RULE, message, span, label, declare_hint.to_string()),
    }
}

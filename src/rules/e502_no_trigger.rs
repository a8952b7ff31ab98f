//! E502 no-trigger: a workflow has no trigger.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "E502",
    name: "no-trigger",
    severity: Severity::Error,
    summary: "a workflow has no trigger",
    explanation: r"
## What it does
Reports a workflow that declares no `trigger`.

## Why it matters
Without a trigger no work ever enters the workflow: every step is dead code, and whoever relies
on it being run is waiting for nothing.

## Example
```handoff
workflow follow_up {
  actor bot: ai
  step remind { owner bot }
}
```

## Fix
Declare how work enters (`trigger start: manual`, a `webhook`, a `schedule` or a `form`) and a
`flow` from it to the first step.
",
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    // An item dropped for a syntax error (E001) may have supplied what looks absent.
    if a.wf.recovered {
        return;
    }
    let wf = a.wf;
    if !wf.triggers.is_empty() || wf.rejected_trigger {
        return;
    }
    let first = wf
        .steps
        .first()
        .map_or("FIRST_STEP", |s| s.name.text.as_str());
    out.push(Diagnostic::new(
        &RULE,
        format!("workflow `{}` has no trigger", wf.name.text),
        wf.name.span,
        "no work can enter this workflow",
        format!("add `trigger start: manual` (or a `webhook`, `schedule` or `form`) and `flow start -> {first}`"),
    ));
}

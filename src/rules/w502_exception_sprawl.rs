//! W502 exception-sprawl: a workflow has more escalation paths than the limit.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::Step;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W502",
    name: "exception-sprawl",
    severity: Severity::Warning,
    summary: "a workflow has more escalation paths than the limit (default 5)",
    explanation: r#"
## What it does
Counts the `escalate to` declarations of a workflow and reports when there are more than the
limit (5 by default).

## Why it matters
Every escalation is an exception path that a person must be ready to take. When exceptions
multiply, the happy path stops being the common path, and the people on the receiving end
cannot tell which escalations matter.

## Example
```handoff
workflow sprawl {
  owner agent
  actor sync: system
  actor agent: human { inbox email "agent@example.com" }
  trigger start: manual
  step a { owner sync escalate to agent when attempts > 1 { sla 1h } }
  step b { owner sync escalate to agent when attempts > 1 { sla 1h } }
  step c {
    owner sync
    escalate to agent when attempts > 1 { sla 1h }
    escalate to agent when elapsed > 1d { sla 1h }
    escalate to agent when attempts > 5 { sla 1h }
    escalate to agent when attempts > 9 { sla 1h }
  }
  flow start -> a -> b -> c
}
```

## Fix
Merge exceptions into fewer, clearer escalation points (one per owner change, say), or split the
workflow into smaller ones.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    let escalations: Vec<_> = wf.steps.iter().flat_map(Step::escalations).collect();
    let limit = a.settings.exception_limit;
    if escalations.len() <= limit {
        return;
    }
    let mut d = Diagnostic::new(
        &RULE,
        format!(
            "workflow `{}` has {} escalation paths, more than the limit of {limit}",
            wf.name.text,
            escalations.len()
        ),
        wf.name.span,
        "too many exception paths",
        "merge escalations into fewer points, or split the workflow into smaller ones",
    );
    for e in escalations.iter().take(8) {
        d = d.with_label(
            std::cmp::min(
                e.span,
                crate::span::Span::new(e.span.start(), e.target.span.end()),
            ),
            "escalation path",
        );
    }
    out.push(d);
}

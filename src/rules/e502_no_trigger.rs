//! E502 no-trigger: a workflow has no trigger.

use rustc_hash::FxHashSet as HashSet;

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{ReversibilityKind, StepId};
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
    // The step work should enter: the first that no route leads into (an `else` step or a
    // compensating step is entered from its own step), else the first step. Linear.
    let mut named = vec![false; wf.steps.len()];
    for s in &wf.steps {
        let else_step = s.approval().and_then(|ap| ap.else_step);
        let undo = match s.reversibility().map(|r| r.kind) {
            Some(ReversibilityKind::CompensableBy(r)) => Some(r),
            _ => None,
        };
        for id in [else_step, undo]
            .into_iter()
            .flatten()
            .filter_map(|r| r.target)
        {
            named[id.index()] = true;
        }
    }
    let first_index = (0..wf.steps.len())
        .find(|&i| {
            !named[i]
                && a.graph
                    .routes_in(a.step_node(StepId(i as u32)))
                    .next()
                    .is_none()
        })
        .or((!wf.steps.is_empty()).then_some(0));
    let first = first_index.map_or("FIRST_STEP", |i| wf.steps[i].name.text.as_str());
    // The trigger provides what the first step needs (else E301 after the edit).
    let needs: Vec<&str> = first_index
        .map(|i| &wf.steps[i].needs)
        .into_iter()
        .flatten()
        .filter_map(|r| r.target)
        .map(|f| a.field_name(f))
        .collect();
    let provides = if needs.is_empty() {
        String::new()
    } else {
        format!(" {{ provides {} }}", needs.join(", "))
    };
    // A trigger name that nothing in the workflow has taken.
    let taken: HashSet<&str> = wf
        .steps
        .iter()
        .map(|s| s.name.text.as_str())
        .chain(wf.actors.iter().map(|x| x.name.text.as_str()))
        .collect();
    let start = ["start", "begin", "intake", "entry"]
        .into_iter()
        .map(str::to_string)
        .chain((1..=taken.len() + 1).map(|k| format!("start_{k}")))
        .find(|n| !taken.contains(n.as_str()))
        .unwrap_or_default();
    out.push(Diagnostic::new(
        &RULE,
        format!("workflow `{}` has no trigger", wf.name.text),
        wf.name.span,
        "no work can enter this workflow",
        format!("add `trigger {start}: manual{provides}` (or a `webhook`, `schedule` or `form`) and `flow {start} -> {first}`"),
    ));
}

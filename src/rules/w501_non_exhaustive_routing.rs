//! W501 non-exhaustive-routing: every route out of a step or trigger is conditional, none is
//! `otherwise`, and some case takes none of them.

use crate::check::routing::case_text;
use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::Guard;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W501",
    name: "non-exhaustive-routing",
    severity: Severity::Warning,
    summary: "every route out of a step or trigger is conditional, none is `otherwise`, and the conditions do not cover every case",
    explanation: r#"
## What it does
Reports a step or trigger whose outgoing transitions all have a `when` condition, with no
`otherwise` and no unconditional transition, when some case takes none of them. The message
names one such case (`no route when intent = 30`).

Conditions that compare one field with constants are decided exactly: numbers, money and
durations as real values, dates as calendar days, datetimes as instants, bools and enums by their
values, text by the strings named. A comparison between two fields, or on `confidence`,
`attempts` or `elapsed`, is only known when the work runs, so a route that depends on it is
never certain to be taken. When the conditions cover every case (every member of an enum, say),
nothing is reported.

## Why it matters
When none of the conditions holds, the work stops at that step without anyone deciding so: the
medium-intent lead that was neither hot enough for sales nor cold enough for the newsletter.

## Example
```handoff
workflow leads {
  actor bot: ai
  context { intent: number }
  trigger inbound: webhook "/leads" { provides intent }
  step call { owner bot needs intent }
  step nurture { owner bot needs intent }
  flow inbound -> call when intent >= 70
  flow inbound -> nurture when intent < 30
}
```
Nothing takes the work when `intent = 30`.

## Fix
Make one route `otherwise` (`flow inbound -> nurture otherwise`), or add a route for the
remaining cases (`flow inbound -> nurture when intent < 70`).
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    // An item dropped for a syntax error (E001) may have supplied what looks absent.
    if a.wf.recovered {
        return;
    }
    let wf = a.wf;
    for n in a.graph.g.node_indices() {
        let Some(routing) = a.routing(n) else {
            continue;
        };
        if !routing.all_conditional {
            continue;
        }
        let Some(Some(case)) = &routing.uncovered else {
            // Covered, or too large to decide: nothing proven to report.
            continue;
        };
        let id = a.graph.id(n);
        let what = match id {
            crate::ir::NodeId::Trigger(_) => "trigger",
            crate::ir::NodeId::Step(_) => "step",
        };
        let name = wf.node_name(id);
        let span = match id {
            crate::ir::NodeId::Trigger(t) => wf.trigger(t).name.span,
            crate::ir::NodeId::Step(s) => wf.step(s).name.span,
        };
        let (message, help) = if case.is_empty() {
            // No field is decided: either every condition is known only at run time, or none
            // can hold at all (`when false`).
            let why = if routing.has_unknown {
                "is certain to be taken: its conditions are known only when the work runs"
            } else {
                "is ever taken: none of its conditions can hold"
            };
            (
                format!("no route out of {what} `{name}` {why}"),
                format!(
                    "make one route out of `{name}` `otherwise`, so that the work always goes on"
                ),
            )
        } else {
            let case = case_text(wf, case);
            // With a comparison known only at run time, a route may still be taken there.
            let taken = if routing.has_unknown {
                "is certain to be taken"
            } else {
                "is taken"
            };
            (
                format!("no route out of {what} `{name}` {taken} when {case}"),
                format!(
                    "make one route out of `{name}` `otherwise`, or add a route for the remaining cases (such as {case})"
                ),
            )
        };
        let mut d = Diagnostic::new(
            &RULE,
            message,
            span,
            "the work stops here when no condition holds",
            help,
        );
        for t in routing.conditional.iter().take(5) {
            if let Guard::When(c) = &wf.transitions[t.index()].guard {
                d = d.with_label(c.span, "conditional route");
            }
        }
        out.push(d);
    }
}

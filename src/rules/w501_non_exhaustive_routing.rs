//! W501 non-exhaustive-routing: every outgoing transition of a step is conditional and none is
//! `otherwise`.

use crate::check::graph::EdgeKind;
use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{Guard, StepId};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W501",
    name: "non-exhaustive-routing",
    severity: Severity::Warning,
    summary: "every outgoing transition of a step is conditional and none is `otherwise`",
    explanation: r#"
## What it does
Reports a step whose outgoing transitions all have a `when` condition, with no `otherwise` and
no unconditional transition.

## Why it matters
When none of the conditions holds, the work stops at that step without anyone deciding so: the
medium-intent lead that was neither hot enough for sales nor cold enough for the newsletter.

## Example
```handoff
workflow leads {
  actor bot: ai
  actor sales: team
  context { intent: number }
  trigger inbound: webhook "/leads"
  step qualify { owner bot provides intent }
  step call { owner sales }
  step nurture { owner bot }
  flow inbound -> qualify
  handoff qualify -> call when intent >= 70 { sla 4h }
  flow qualify -> nurture when intent < 30
}
```

## Fix
Make one route `otherwise` (`flow qualify -> nurture otherwise`), or add one for the remaining
cases.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    for (index, step) in wf.steps.iter().enumerate() {
        let node = a.step_node(StepId(index as u32));
        // Transitions out of the step (approval `else` routes are not routing decisions).
        let mut any = false;
        let mut all_conditional = true;
        for (_, _, kind) in a.graph.routes_out(node) {
            if let EdgeKind::Transition(id, _) = kind {
                any = true;
                all_conditional &= matches!(wf.transitions[id.index()].guard, Guard::When(_));
            }
        }
        if !any || !all_conditional {
            continue;
        }
        let mut d = Diagnostic::new(
            &RULE,
            format!(
                "every route out of step `{}` is conditional and none is `otherwise`",
                step.name.text
            ),
            step.name.span,
            "the work stops here when no condition holds",
            format!(
                "add `otherwise` to one route out of `{}`, or a route for the remaining cases",
                step.name.text
            ),
        );
        let mut conditions: Vec<_> = a
            .graph
            .routes_out(node)
            .filter_map(|(_, _, kind)| match kind {
                EdgeKind::Transition(t, _) => match &wf.transitions[t.index()].guard {
                    Guard::When(c) => Some(c.span),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        conditions.sort();
        for span in conditions.into_iter().take(5) {
            d = d.with_label(span, "conditional route");
        }
        out.push(d);
    }
}

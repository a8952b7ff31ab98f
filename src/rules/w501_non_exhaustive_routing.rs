//! W501 non-exhaustive-routing: every outgoing transition of a step is conditional and none is
//! `otherwise`.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{Guard, NodeId};
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
    let mut routes: Vec<Vec<usize>> = vec![Vec::new(); wf.steps.len()];
    for (i, t) in wf.transitions.iter().enumerate() {
        if t.rejected || t.to.target.is_none() {
            continue;
        }
        if let Some(NodeId::Step(s)) = t.from.target {
            routes[s.index()].push(i);
        }
    }
    for (s, list) in routes.iter().enumerate() {
        if list.is_empty()
            || !list
                .iter()
                .all(|&i| matches!(wf.transitions[i].guard, Guard::When(_)))
        {
            continue;
        }
        let step = &wf.steps[s];
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
        for &i in list.iter().take(5) {
            if let Guard::When(c) = &wf.transitions[i].guard {
                d = d.with_label(c.span, "conditional route");
            }
        }
        out.push(d);
    }
}

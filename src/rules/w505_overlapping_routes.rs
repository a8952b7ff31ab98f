//! W505 overlapping-routes: two conditional routes out of one step or trigger can both hold, so
//! the work takes both.

use crate::check::routing::case_text;
use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::Guard;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W505",
    name: "overlapping-routes",
    severity: Severity::Warning,
    summary: "two conditional transitions out of one step or trigger can both hold, so the work takes both",
    explanation: r#"
## What it does
Reports a conditional route (`when …`) out of a step or trigger whose condition can hold at the
same time as the condition of an earlier route out of the same place, and names one case where
both do (`both hold when amount = 600`). Each route is reported once, against the first earlier
route it overlaps.

Only what can be decided from the conditions counts: comparisons of one field with constants.
Two conditions that depend on `confidence`, `attempts`, `elapsed` or on two fields are not
reported, because whether both hold is known only when the work runs.

## Why it matters
A step routes the work to every transition whose condition holds. Overlapping conditions send
the same request down two paths at once: a refund paid by the system and also queued for a
person, a lead both called by sales and put in the newsletter.

## Example
```handoff
workflow refunds {
  actor bot: system
  context { amount: money }
  trigger request: webhook "/refunds" { provides amount }
  step auto_pay { owner bot needs amount }
  step review { owner bot needs amount }
  flow request -> auto_pay when amount < 1000
  flow request -> review when amount > 500
}
```
Both routes are taken when `amount = 750`.

## Fix
Make the conditions exclusive (`flow request -> review when amount >= 1000`), or make the later
route `otherwise`. If both paths are meant to run, make one of them unconditional.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    for n in a.graph.g.node_indices() {
        let Some(routing) = a.routing(n) else {
            continue;
        };
        // A second `otherwise` would hold with the first: not offered when there is one.
        let has_otherwise = a
            .transitions_out(n)
            .iter()
            .any(|t| matches!(wf.transitions[t.index()].guard, Guard::Otherwise(_)));
        let or_otherwise = if has_otherwise {
            ""
        } else {
            ", or make it `otherwise`"
        };
        for (j, i, case) in &routing.overlaps {
            let (later, earlier) = (
                &wf.transitions[routing.conditional[*j].index()],
                &wf.transitions[routing.conditional[*i].index()],
            );
            let (Guard::When(later_cond), Guard::When(earlier_cond)) =
                (&later.guard, &earlier.guard)
            else {
                continue;
            };
            let (later_arrow, earlier_arrow) = (a.arrow(later), a.arrow(earlier));
            let when = if case.is_empty() {
                "in every case".to_string()
            } else {
                format!("when {}", case_text(wf, case))
            };
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "the routes `{earlier_arrow}` and `{later_arrow}` both hold {when}, so the work takes both"
                    ),
                    later_cond.span,
                    "this condition overlaps an earlier one",
                    format!(
                        "narrow the condition of `{later_arrow}` so that it excludes the cases of `{earlier_arrow}`{or_otherwise}"
                    ),
                )
                .with_label(earlier_cond.span, "this condition holds too"),
            );
        }
    }
}

//! W203 hidden-handoff: a `customer_facing` workflow has a handoff or escalation without `notify`.

use crate::check::flow::{Side, PATH_BUDGET};
use crate::check::{Analysis, RouteOrigin, RouteRef};
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::NodeId;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W203",
    name: "hidden-handoff",
    severity: Severity::Warning,
    summary: "a `customer_facing` workflow has a handoff or escalation without `notify`",
    explanation: r#"
## What it does
In a workflow marked `customer_facing`, reports each handoff and escalation that has no
`notify "…"` message for the customer. A handoff between two steps of the same owner is W204's
alone (made a `flow`, it needs none), unless W204 is allowed or suppressed).

## Why it matters
When a customer's case moves from a chatbot to a person, or from sales to onboarding, the
customer should know: who has it now and what happens next. A silent handoff looks like being
ignored.

## Example
```handoff
workflow chat {
  customer_facing
  customer reply_to
  owner agent
  actor bot: ai
  actor agent: human { inbox email "agent@example.com" }
  context { summary: summary  reply_to: url }
  trigger start: webhook "/chat" { provides reply_to }
  step answer {
    owner bot
    provides summary
    escalate to agent when confidence < 0.5 { carries summary  sla 5m }
  }
  flow start -> answer
}
```

## Fix
Tell the customer: `notify "A colleague is taking over; they can see our conversation."`.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    if !a.wf.customer_facing {
        return;
    }
    let mut budget = PATH_BUDGET;
    for r in a.routes() {
        if r.route.notify.is_some() {
            continue;
        }
        // An escalation to an undefined actor (E101) is not known to change hands.
        if matches!(r.origin, RouteOrigin::Escalation(..)) && r.receiver.is_none() {
            continue;
        }
        let mut help = String::from(
            "add `notify \"…\"` telling the customer who has their case now and what happens next",
        );
        if a.wf.customer.is_some() {
            // A notice sent where the customer field may be missing is E307 next: say how the
            // field gets there too.
            if let Some(reach) = customer_gap(a, r, &mut budget) {
                help.push_str(&reach);
            }
        } else {
            // A notice with no `customer` to send it to is W207 next.
            help.push_str(", and name the field that reaches them in `customer FIELD`");
        }
        out.push(r.defer_same_owner(
            a,
            Diagnostic::new(
                &RULE,
                format!("{} does not tell the customer", r.what(a)),
                r.head,
                "the customer is not told that their case changes hands",
                help,
            ),
        ));
    }
}

/// When the customer field may be missing where the route leaves (so a notice there could not
/// be delivered, E307), the rest of the help: how the field gets there.
fn customer_gap(a: &Analysis<'_>, r: &RouteRef<'_>, budget: &mut usize) -> Option<String> {
    let field = a.wf.customer?.target?;
    let f = a.wf.field(field);
    if f.declared_twice || !f.reaches_a_person() {
        return None;
    }
    let source = r.source?;
    if r.notice_reaches(a, field) {
        return None;
    }
    let n = a.graph.node(NodeId::Step(source));
    let missing = a
        .context
        .explain(a.wf, &a.graph, n, field, Side::In, budget)?;
    let (_, help) = a.explain_cause(field, &missing);
    Some(format!(
        "; `{}` must reach `{}` for the notice to be delivered: {help}",
        f.name.text,
        a.wf.step(source).name.text
    ))
}

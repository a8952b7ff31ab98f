//! W203 hidden-handoff: a `customer_facing` workflow has a handoff or escalation without `notify`.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
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
    for r in a.routes() {
        if r.route.notify.is_some() {
            continue;
        }
        out.push(r.defer_same_owner(a, Diagnostic::new(
            &RULE,
            format!("{} does not tell the customer", r.what(a)),
            r.head,
            "the customer is not told that their case changes hands",
            if a.wf.customer.is_some() {
                "add `notify \"…\"` telling the customer who has their case now and what happens next"
            } else {
                // A notice with no `customer` to send it to is W207 next.
                "add `notify \"…\"` telling the customer who has their case now and what happens next, and name the field that reaches them in `customer FIELD`"
            },
        )));
    }
}

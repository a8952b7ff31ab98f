//! W201 handoff-without-sla: a handoff or escalation to a `human` or `team` has no `sla`.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W201",
    name: "handoff-without-sla",
    severity: Severity::Warning,
    summary: "a handoff or escalation to a `human` or `team` has no `sla`",
    explanation: r##"
## What it does
Reports a handoff whose receiving step is owned by a person (`human` or `team`), and an
escalation to a person, without an `sla`. A handoff between two steps of the same owner is
W204's alone (made a `flow`, it needs none), unless W204 is allowed or suppressed).

## Why it matters
Machines pick work up at once; people have queues. Without an SLA nobody knows how long the
work may wait, nothing fires when it waits too long, and the customer who was told "a colleague
will get back to you" waits indefinitely.

## Example
```handoff
workflow support {
  owner agents
  actor bot: ai
  actor agents: team { inbox slack "#agents" }
  context { summary: summary }
  trigger chat: webhook "/chat"
  step answer { owner bot provides summary }
  step takeover { owner agents needs summary }
  flow chat -> answer
  handoff answer -> takeover { carries summary }
}
```

## Fix
Say how long the person may take to pick the work up: `sla 15m`.
"##,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    for r in a.routes() {
        let Some(receiver) = r.receiver else { continue };
        // A bodiless escalation that E306 reports: its edit writes the body with the `sla`.
        if let crate::check::RouteOrigin::Escalation(s, k) = r.origin {
            if super::e306_missing_escalation_context::needs_body_with_sla(a, s, k) {
                continue;
            }
        }
        if !receiver.kind.is_person() || r.route.sla.is_some() {
            continue;
        }
        out.push(r.defer_same_owner(
            a,
            Diagnostic::new(
                &RULE,
                format!(
                    "{} reaches `{}` with no `sla`",
                    r.what(a),
                    receiver.name.text
                ),
                r.head,
                format!(
                    "nobody knows how long `{}` may take to pick this up",
                    receiver.name.text
                ),
                {
                    // With nobody to take over past the SLA (no fallback anywhere), the edit names
                    // one too, else W205 follows.
                    let receiver_id = a.wf.actors.iter().position(|x| std::ptr::eq(x, receiver));
                    let nobody =
                        a.wf.fallback_of(
                            r.route.fallback,
                            receiver_id.map(|i| crate::ir::ActorId(i as u32)),
                        )
                        .is_none();
                    let items = if nobody {
                        // Past the SLA the fallback receives what the route carries: a
                        // `sensitive` field wants one cleared for it (else E305 after the edit).
                        format!(
                            "sla 4h  fallback {}",
                            a.fallback_person(
                                &[receiver.name.text.as_str()],
                                r.carries_sensitive(a.wf)
                            )
                        )
                    } else {
                        "sla 4h".to_string()
                    };
                    let who = if nobody {
                        " and who takes over past it"
                    } else {
                        ""
                    };
                    if r.route.carries.is_empty()
                        && r.route.notify.is_none()
                        && r.route.fallback.is_none()
                    {
                        format!(
                            "add `{{ {items} }}` (the time the receiver may take{who}) to {}",
                            r.what(a)
                        )
                    } else {
                        format!(
                            "add `{items}` (the time the receiver may take{who}) to the body of {}",
                            r.what(a)
                        )
                    }
                },
            ),
        ));
    }
}

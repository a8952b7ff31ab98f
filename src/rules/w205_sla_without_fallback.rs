//! W205 sla-without-fallback: an `sla` whose breach reaches nobody.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W205",
    name: "sla-without-fallback",
    severity: Severity::Warning,
    summary: "an `sla` whose breach reaches nobody: no fallback on the handoff, the actor or the workflow",
    explanation: r##"
## What it does
Reports an `sla` on a handoff or escalation when nobody takes over once it runs out: there is no
`fallback` on the handoff or escalation, the receiving actor has no `fallback`, and the workflow
has no `owner`. A handoff between two steps of the same owner is W204's alone (made a `flow`,
it needs none), unless W204 is allowed or suppressed).

## Why it matters
An SLA that nobody enforces is a number in a file. When it is breached, the work must go to
someone with the authority to act, or the deadline changes nothing.

## Example
```handoff
workflow tickets {
  actor bot: ai
  actor agents: team { inbox slack "#agents" }
  context { brief: summary }
  trigger new: webhook "/tickets"
  step triage { owner bot provides brief }
  step solve { owner agents needs brief }
  flow new -> triage
  handoff triage -> solve { carries brief  sla 4h }
}
```

## Fix
Name who takes over: `fallback support_lead` on the handoff, a `fallback` on the receiving
actor, or an `owner` for the whole workflow.
"##,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    // The workflow's owner is the fallback of last resort, whatever its kind (the contract
    // counts it). A broken item (E001) may have been the `owner`.
    if a.wf.owner.is_some() || a.wf.recovered {
        return;
    }
    for r in a.routes() {
        let Some(sla) = r.route.sla else { continue };
        let Some(receiver) = r.receiver else { continue };
        // A second declaration (E102) with a fallback: which one was meant is not known.
        if r.route.fallback.is_some()
            || receiver.fallback.is_some()
            || receiver.declared_twice.fallback
        {
            continue;
        }
        out.push(r.defer_same_owner(
            a,
            Diagnostic::new(
                &RULE,
                format!("nobody takes over when the `sla` of {} runs out", r.what(a)),
                sla.span,
                "the breach of this SLA reaches nobody",
                format!(
                    "add `fallback {}` to {}, a `fallback` to `{}`, or an `owner` to the workflow",
                    // Past the SLA the fallback receives what the route carries: a `sensitive`
                    // field wants one cleared for it (else E305 after the edit).
                    a.fallback_person(&[&receiver.name.text], r.carries_sensitive(a.wf)),
                    r.what(a),
                    receiver.name.text
                ),
            ),
        ));
    }
}

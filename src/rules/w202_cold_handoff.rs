//! W202 cold-handoff: a handoff or escalation from `ai` to `human`/`team` carries no `summary`.

use crate::ast::{ActorKind, PrimType};
use crate::check::{Analysis, RouteOrigin};
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{FieldId, NodeId, Type};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W202",
    name: "cold-handoff",
    severity: Severity::Warning,
    summary: "a handoff or escalation from `ai` to `human`/`team` carries no `summary` field",
    explanation: r##"
## What it does
Reports a handoff from a step owned by an `ai` actor to a step owned by a person, and an
escalation from an AI-owned step to a person, that carries no field of type `summary` (or
`list<summary>`). Not reported for a handoff into a step that needs a summary it does not get
(E301 reports that field, with the same edit), nor for an escalation that leaves out a summary
its step needs (E306 does).

## Why it matters
A person taking over from an AI needs to understand the case in seconds. Raw fields (an email, a
score) are not enough: the escalation arrives cold, and the person reads the whole transcript or,
worse, starts over with the customer.

## Example
```handoff
workflow leads {
  owner sales
  actor bot: ai
  actor sales: team { inbox slack "#sales" }
  context { email: email }
  trigger inbound: webhook "/leads" { provides email }
  step qualify { owner bot needs email }
  step call { owner sales needs email }
  flow inbound -> qualify
  handoff qualify -> call { carries email  sla 4h }
}
```

## Fix
Have the AI step write a summary (`brief: summary` in `context`, `provides brief`) and carry it:
`carries email, brief`.
"##,
    check: Some(check),
};

fn is_summary(ty: &Type) -> bool {
    match ty {
        Type::Prim(PrimType::Summary) => true,
        Type::List(inner) => is_summary(inner),
        _ => false,
    }
}

/// A cold handoff or escalation: the route (an index into [`Analysis::routes`]) and the summary
/// field available at its source that it could carry, if there is one.
pub(crate) struct Cold {
    pub(crate) route: usize,
    /// The summary to carry, and whether it is `sensitive` where the receiver is not cleared.
    pub(crate) summary: Option<(FieldId, bool)>,
}

/// Every route W202 reports, with the summary its help suggests carrying.
pub(crate) fn cold_routes(a: &Analysis<'_>) -> Vec<Cold> {
    let wf = a.wf;
    let mut cold = Vec::new();
    for (i, r) in a.routes().iter().enumerate() {
        let (Some(source), Some(receiver)) = (r.source, r.receiver) else {
            continue;
        };
        if a.owner_kind(source) != Some(ActorKind::Ai) || !receiver.kind.is_person() {
            continue;
        }
        // A `carries` name that did not resolve (E101) may have been the summary.
        if r.route.has_unresolved_carries() {
            continue;
        }
        let carries_summary = r
            .route
            .carries
            .iter()
            .filter_map(|c| c.target)
            .any(|f| is_summary(&wf.field(f).ty));
        if carries_summary {
            continue;
        }
        // A handoff whose target step needs a summary that it does not get: E301 reports that
        // field, with the same edit.
        if let RouteOrigin::Handoff(t) = r.origin {
            if let Some((_, to @ NodeId::Step(s))) = wf.transitions[t.index()].ends() {
                let n = a.graph.node(to);
                let lacks_summary = wf
                    .step(s)
                    .needs
                    .iter()
                    .filter_map(|r| r.target)
                    .any(|f| is_summary(&wf.field(f).ty) && !a.context.may_have_in(n, f));
                if lacks_summary && a.graph.reached[n.index()] {
                    continue;
                }
            }
        }
        // An escalation out of a step that needs a summary it has but does not carry: E306
        // reports that field, with the same edit.
        if let RouteOrigin::Escalation(..) = r.origin {
            let n = a.step_node(source);
            let needed_summary = wf
                .step(source)
                .needs
                .iter()
                .filter_map(|r| r.target)
                .any(|f| {
                    is_summary(&wf.field(f).ty)
                        && a.context.has_in(n, f)
                        && !r.route.carries.iter().any(|c| c.target == Some(f))
                });
            if needed_summary {
                continue;
            }
        }
        // Suggest a summary that is already available at the source, if there is one.
        // A `sensitive` one only if the receiver may see it (else E305 after the edit).
        let n = a.step_node(source);
        let cleared = receiver.grants("sensitive");
        let summaries = || {
            a.context
                .after_run(n)
                .filter(|f| is_summary(&wf.field(*f).ty))
        };
        let summary = summaries()
            .find(|f| cleared || !wf.field(*f).sensitive)
            .map(|f| (f, false))
            .or_else(|| summaries().next().map(|f| (f, true)));
        cold.push(Cold { route: i, summary });
    }
    cold
}

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    let mut example: Option<&str> = None;
    for cold in cold_routes(a) {
        let r = &a.routes()[cold.route];
        let (Some(source), Some(receiver)) = (r.source, r.receiver) else {
            continue;
        };
        let help = if let Some((f, uncleared)) = cold.summary {
            format!(
                "add `{}` to `carries` of {}{}",
                a.field_name(f),
                r.what(a),
                if uncleared {
                    " (it is `sensitive`: add `sensitive` to the `can` of the receiver too)"
                } else {
                    ""
                }
            )
        } else {
            // A name the context does not hold yet (else the edit would declare it twice), found
            // once per workflow.
            let name = *example.get_or_insert_with(|| {
                ["brief", "summary", "handoff_summary", "ai_summary"]
                    .into_iter()
                    .find(|n| !wf.fields.iter().any(|f| f.name.text == *n))
                    .unwrap_or("NAME")
            });
            format!(
                "have step `{}` provide a `summary` field (for example `{name}: summary`) and carry it",
                wf.step(source).name.text
            )
        };
        out.push(Diagnostic::new(
            &RULE,
            format!(
                "{} passes work from an AI to `{}` without a summary",
                r.what(a),
                receiver.name.text
            ),
            r.head,
            format!(
                "`{}` gets no summary of what the AI learned",
                receiver.name.text
            ),
            help,
        ));
    }
}

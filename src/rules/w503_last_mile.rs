//! W503 last-mile: a step with no successors is `reversible`, owned by a person, and follows an
//! `ai` step.

use crate::ast::ActorKind;
use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{ReversibilityKind, StepId};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W503",
    name: "last-mile",
    severity: Severity::Warning,
    summary: "a step with no successors is `reversible`, owned by a `human` or `team`, and follows an `ai` step",
    explanation: r#"
## What it does
Reports a final step (no transitions out) that is owned by a person, is marked `reversible`, and
directly follows a step owned by an `ai` actor.

## Why it matters
This is the last-mile trap: the AI did the work, and a person is left to perform a final,
undoable click — copying the result into a tool, pressing send on a draft. It adds a queue and a
delay without adding judgement; the person becomes a manual relay.

## Example
```handoff
workflow notes {
  owner rep
  actor bot: ai
  actor rep: human { can crm.write  inbox email "rep@example.com" }
  context { summary: summary }
  trigger call_ended: webhook "/calls"
  step summarise { owner bot provides summary }
  step paste_into_crm { owner rep needs summary action crm.write reversible }
  flow call_ended -> summarise
  handoff summarise -> paste_into_crm { carries summary  sla 1d }
}
```

## Fix
Let the AI (or a system) finish the reversible step itself (`owner bot`), or, when the person's
last action cannot be undone, declare the step `irreversible` (or `compensable by STEP`).
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    for (i, step) in wf.steps.iter().enumerate() {
        let s = StepId(i as u32);
        let reversible = step
            .reversibility()
            .is_some_and(|r| r.kind == ReversibilityKind::Reversible);
        if !reversible || !a.owner_kind(s).is_some_and(ActorKind::is_person) {
            continue;
        }
        let n = a.step_node(s);
        // A route that failed to resolve may have been the step's successor.
        if a.graph.routes_out(n).next().is_some() || a.has_broken_route(n) {
            continue;
        }
        let ai_before = a
            .graph
            .routes_in(n)
            .filter_map(|(_, p, _)| a.graph.step(p))
            .find(|p| a.owner_kind(*p) == Some(ActorKind::Ai));
        let Some(prev) = ai_before else { continue };
        let ai_actor = a.owner(prev);
        let ai = ai_actor.map_or("the AI", |o| o.name.text.as_str());
        // What else the edit needs so that it gives no new diagnostic: the actions the AI may
        // not do (E403) and a `flow` for a handoff that would join two steps of one owner (W204).
        let mut also = Vec::new();
        let missing: Vec<String> = step
            .actions()
            .iter()
            .filter(|c| ai_actor.is_some_and(|o| !o.grants(&c.name)))
            .map(|c| format!("`{}`", c.name))
            .collect();
        if !missing.is_empty() {
            also.push(format!("add {} to the `can` of `{ai}`", missing.join(", ")));
        }
        let handoff_in = a.graph.routes_in(n).any(|(_, p, kind)| {
            a.graph.step(p) == Some(prev)
                && matches!(
                    kind,
                    crate::check::graph::EdgeKind::Transition(
                        _,
                        crate::ir::TransitionKind::Handoff
                    )
                )
        });
        if handoff_in {
            also.push(format!(
                "write the handoff `{} -> {}` as a `flow`",
                wf.step(prev).name.text,
                step.name.text
            ));
        }
        // A `flow` into the step from a step another actor owns would join two owners (E202)
        // once the AI owns the step: it becomes a handoff.
        let ai_id = a.wf.step(prev).owner.and_then(|o| o.target);
        let mut flows_in: Vec<&str> = a
            .graph
            .routes_in(n)
            .filter(|(_, _, kind)| {
                matches!(
                    kind,
                    crate::check::graph::EdgeKind::Transition(_, crate::ir::TransitionKind::Flow)
                )
            })
            .filter_map(|(_, p, _)| a.graph.step(p))
            .filter(|p| wf.step(*p).owner.and_then(|o| o.target) != ai_id)
            .map(|p| wf.step(p).name.text.as_str())
            .collect();
        flows_in.sort_unstable();
        flows_in.dedup();
        for from in flows_in.iter().take(3) {
            also.push(format!(
                "declare the `flow {from} -> {}` as a `handoff`",
                step.name.text
            ));
        }
        let also = if also.is_empty() {
            String::new()
        } else {
            format!(", {}", also.join(", "))
        };
        out.push(
            Diagnostic::new(
                &RULE,
                format!(
                    "the last step `{}` leaves a person an undoable final task after the AI step `{}`",
                    step.name.text,
                    wf.step(prev).name.text
                ),
                step.name.span,
                "a manual relay at the end of the work",
                format!(
                    "let `{ai}` finish it (`owner {ai}` in step `{}`{also}), or, if the person's action cannot be undone, declare the step `irreversible`",
                    step.name.text
                ),
            )
            .with_label(wf.step(prev).name.span, "the AI does the work here"),
        );
    }
}

//! E304 confidence-outside-ai: `confidence` is used on a step not owned by an `ai` actor.

use crate::ast::ActorKind;
use crate::check::conditions::{CondRef, Operand};
use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{Guard, NodeId, StepId, TransitionId};
use crate::rules::Rule;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "E304",
    name: "confidence-outside-ai",
    severity: Severity::Error,
    summary: "`confidence` is used on a step not owned by an `ai` actor",
    explanation: r#"
## What it does
Reports `confidence` in the condition of an escalation, or of a transition out of a step, when
that step is not owned by an `ai` actor (or the transition starts at a trigger).

## Why it matters
`confidence` is the AI's own estimate of its result. People and systems do not report one, so a
condition on it would never be what the author thought: the escalation would never fire, or
always would.

## Example
```handoff
workflow review {
  owner lead
  actor clerk: human { inbox email "clerk@example.com" }
  actor lead: human { inbox email "lead@example.com" }
  trigger start: manual
  step check {
    owner clerk
    escalate to lead when confidence < 0.5 { sla 1h }
  }
  flow start -> check
}
```

## Fix
Test something the owner does produce (a field, `attempts`, `elapsed`), or give the step to an
`ai` actor if it is the AI's work.
"#,
    check: Some(check),
};

/// Where a condition tests `confidence`, in source order.
fn confidence_spans<'a>(a: &'a Analysis<'_>, cond: CondRef) -> impl Iterator<Item = Span> + 'a {
    a.conditions
        .operands(cond)
        .iter()
        .filter(|(o, _)| *o == Operand::Confidence)
        .map(|&(_, span)| span)
}

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    // One diagnostic per condition: its first use of `confidence`, the others as labels.
    let mut report = |spans: &mut dyn Iterator<Item = Span>, step: Option<StepId>, source: &str| {
        let Some(span) = spans.next() else {
            return;
        };
        let (label, decl) = match step.and_then(|s| a.owner(s)) {
            Some(owner) if owner.kind == ActorKind::Ai => return,
            Some(owner) => (
                format!(
                    "`{source}` is owned by `{}`, a `{}` actor",
                    owner.name.text,
                    owner.kind.keyword()
                ),
                Some((
                    owner.name.span,
                    format!(
                        "`{}` is declared `{}` here",
                        owner.name.text,
                        owner.kind.keyword()
                    ),
                )),
            ),
            // An unresolved or missing owner has been reported already.
            None if step.is_some() => return,
            None => (format!("`{source}` is a trigger, which has no owner"), None),
        };
        let mut d = Diagnostic::new(
            &RULE,
            format!(
                "`confidence` is only defined on steps owned by an `ai` actor, not on `{source}`"
            ),
            span,
            label,
            if step.is_some() {
                "test a field, `attempts` or `elapsed` instead, or give the step to an `ai` actor"
            } else {
                "test a field the trigger provides instead, or route to an `ai` step that sets its confidence first"
            },
        );
        if let Some((span, message)) = decl {
            d = d.with_label(span, message);
        }
        for also in spans {
            d = d.with_label(also, "`confidence` again in the same condition");
        }
        out.push(d);
    };
    for (i, step) in wf.steps.iter().enumerate() {
        for k in 0..step.escalations().len() {
            let mut spans = confidence_spans(a, CondRef::Escalation(StepId(i as u32), k));
            report(&mut spans, Some(StepId(i as u32)), &step.name.text);
        }
    }
    for (i, t) in wf.transitions.iter().enumerate() {
        let (Guard::When(_), Some(from)) = (&t.guard, t.from.target) else {
            continue;
        };
        let cond = CondRef::Guard(TransitionId(i as u32));
        let step = match from {
            NodeId::Step(s) => Some(s),
            NodeId::Trigger(_) => None,
        };
        report(&mut confidence_spans(a, cond), step, wf.node_name(from));
    }
}

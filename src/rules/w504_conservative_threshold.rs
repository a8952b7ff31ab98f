//! W504 conservative-threshold: an escalation fires at `confidence <` (or `<=`) a value of 0.9 or
//! more.

use crate::ast::CmpOp;
use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{Cond, CondKind, ValueKind};
use crate::rules::Rule;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "W504",
    name: "conservative-threshold",
    severity: Severity::Warning,
    summary: "an escalation fires at `confidence <` (or `<=`) a value of 0.9 or more",
    explanation: r#"
## What it does
Reports an escalation condition `confidence < X` or `confidence <= X` (or the same written the
other way round) where X is at or above the threshold (0.9 by default).

## Why it matters
An AI is rarely more than 90% confident. A threshold that high escalates nearly everything: the
people behind the escalation drown in routine cases, stop reading them, and miss the ones that
matter. The automation pays for itself only if most cases stay automated.

## Example
```handoff
workflow chat {
  owner agent
  actor bot: ai
  actor agent: human { inbox email "agent@example.com" }
  context { question: text  brief: summary }
  trigger start: webhook "/chat" { provides question }
  step answer {
    owner bot
    needs question
    provides brief
    escalate to agent when confidence < 0.95 { carries question, brief  sla 5m }
  }
  flow start -> answer
}
```

## Fix
Lower the threshold (`confidence < 0.7`) and measure how many cases escalate.
"#,
    check: Some(check),
};

/// The thresholds of `confidence <`/`<=` comparisons in a condition, with their spans and
/// whether the threshold itself escalates (`<=`).
fn thresholds(cond: &Cond, out: &mut Vec<(f64, bool, Span)>) {
    match &cond.kind {
        CondKind::Or(parts) | CondKind::And(parts) => {
            for p in parts {
                thresholds(p, out);
            }
        }
        CondKind::Compare(l, op, r) => match (&l.kind, op, &r.kind) {
            (ValueKind::Confidence, op @ (CmpOp::Lt | CmpOp::Le), ValueKind::Number(x))
            | (ValueKind::Number(x), op @ (CmpOp::Gt | CmpOp::Ge), ValueKind::Confidence) => {
                out.push((*x, matches!(op, CmpOp::Le | CmpOp::Ge), cond.span));
            }
            _ => {}
        },
        // Under `not` the comparison fires on the other side of the threshold.
        CondKind::Not(_) | CondKind::In(..) | CondKind::Bare(_) => {}
    }
}

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let limit = a.settings.conservative_threshold;
    for (i, step) in a.wf.steps.iter().enumerate() {
        // `confidence` off an AI's step is E304 (or depends on an owner that did not resolve):
        // its threshold is not judged again.
        if a.owner_kind(crate::ir::StepId(i as u32)) != Some(crate::ast::ActorKind::Ai) {
            continue;
        }
        for esc in step.escalations() {
            let mut found = Vec::new();
            thresholds(&esc.condition, &mut found);
            for (x, inclusive, span) in found {
                if x < limit {
                    continue;
                }
                let below = if inclusive { "at or below" } else { "below" };
                out.push(Diagnostic::new(
                    &RULE,
                    format!("this escalation fires whenever confidence is {below} {x}"),
                    span,
                    "nearly every case will escalate",
                    format!("lower the threshold below {limit}, for example `confidence < 0.7`"),
                ));
            }
        }
    }
}

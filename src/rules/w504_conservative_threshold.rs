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
other way round, or turned over by `not`: `not (confidence >= X)`) where X is at or above the
threshold (0.9 by default).

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

/// The thresholds below which a condition fires on `confidence`, with their spans and whether
/// the threshold itself escalates: `confidence < X` or `<= X`, written either way round, or
/// `not (confidence >= X)` (an odd number of `not`s turns the comparison over). Recursion is
/// bounded by the nesting limit of conditions.
fn thresholds(cond: &Cond, negated: bool, out: &mut Vec<(f64, bool, Span)>) {
    match &cond.kind {
        CondKind::Or(parts) | CondKind::And(parts) => {
            for p in parts {
                thresholds(p, negated, out);
            }
        }
        CondKind::Not(inner) => thresholds(inner, !negated, out),
        CondKind::Compare(l, op, r) => {
            // `confidence OP x`, with the comparison turned round when written `x OP confidence`.
            let (op, x) = match (&l.kind, &r.kind) {
                (ValueKind::Confidence, ValueKind::Number(x)) => (*op, *x),
                (ValueKind::Number(x), ValueKind::Confidence) => (
                    match op {
                        CmpOp::Lt => CmpOp::Gt,
                        CmpOp::Le => CmpOp::Ge,
                        CmpOp::Gt => CmpOp::Lt,
                        CmpOp::Ge => CmpOp::Le,
                        other => *other,
                    },
                    *x,
                ),
                _ => return,
            };
            let op = if negated {
                match op {
                    CmpOp::Lt => CmpOp::Ge,
                    CmpOp::Le => CmpOp::Gt,
                    CmpOp::Gt => CmpOp::Le,
                    CmpOp::Ge => CmpOp::Lt,
                    other => other,
                }
            } else {
                op
            };
            if matches!(op, CmpOp::Lt | CmpOp::Le) {
                out.push((x, op == CmpOp::Le, cond.span));
            }
        }
        CondKind::In(..) | CondKind::Bare(_) => {}
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
            thresholds(&esc.condition, false, &mut found);
            // One diagnostic per escalation: its other conservative thresholds are labels.
            let mut conservative = found.into_iter().filter(|&(x, _, _)| x >= limit);
            let Some((x, inclusive, span)) = conservative.next() else {
                continue;
            };
            let below = if inclusive { "at or below" } else { "below" };
            let mut d = Diagnostic::new(
                &RULE,
                format!(
                    "this escalation fires at confidence {below} {x}, a threshold of {limit} or more"
                ),
                span,
                "nearly every case may escalate",
                format!("lower the threshold below {limit}, for example `confidence < 0.7`"),
            );
            for (_, _, also) in conservative {
                d = d.with_label(also, "another threshold of this escalation");
            }
            out.push(d);
        }
    }
}

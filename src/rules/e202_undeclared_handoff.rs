//! E202 undeclared-handoff: a `flow` joins steps with different owners.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::TransitionKind;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "E202",
    name: "undeclared-handoff",
    severity: Severity::Error,
    summary: "a `flow` joins steps with different owners",
    explanation: r##"
## What it does
Reports a `flow` between two steps whose owners differ. A `flow` says the same owner keeps the
work; when the owner changes, the transition is a handoff and must be declared as one.

## Why it matters
An undeclared handoff is where context silently goes missing: a `flow` passes everything, so
nobody decided what the next owner actually receives, and there is no SLA or fallback for the
moment the work changes hands.

## Example
```handoff
workflow leads {
  actor bot: ai
  actor sales: team { inbox slack "#sales" }
  trigger inbound: webhook "/leads"
  step qualify { owner bot }
  step call { owner sales }
  flow inbound -> qualify -> call
}
```

## Fix
Declare the transition as a handoff and list what travels:
`handoff qualify -> call { carries email, brief  sla 4h }`.
"##,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let mut used = None;
    for (i, t) in a.wf.transitions.iter().enumerate() {
        if t.kind != TransitionKind::Flow {
            continue;
        }
        let Some(ends) = a.step_owners(t) else {
            continue;
        };
        if ends.same {
            continue;
        }
        let (sf, st, x, y) = (ends.from, ends.to, ends.from_owner, ends.to_owner);
        let mut d = Diagnostic::new(
            &RULE,
            format!(
                "`flow` joins `{}` and `{}`, which have different owners",
                sf.name.text, st.name.text
            ),
            Analysis::head(t),
            format!(
                "the work passes from `{}` to `{}` here",
                x.name.text, y.name.text
            ),
            {
                // What the receiving step needs, of what the source has: the fields to list
                // (else `…`); an SLA too when a person receives (else W201).
                let needed_ids: Vec<crate::ir::FieldId> = t
                    .ends()
                    .and_then(|(from, to)| match to {
                        crate::ir::NodeId::Step(s) => Some((a.graph.node(from), s)),
                        crate::ir::NodeId::Trigger(_) => None,
                    })
                    .map(|(n, s)| {
                        a.wf.step(s)
                            .needs
                            .iter()
                            .filter_map(|r| r.target)
                            .filter(|f| a.context.has_after_run(n, *f))
                            .collect()
                    })
                    .unwrap_or_default();
                let needed: Vec<&str> = needed_ids.iter().map(|f| a.field_name(*f)).collect();
                let carries = if needed.is_empty() {
                    "…".to_string()
                } else {
                    needed.join(", ")
                };
                // With nobody to take over past the SLA (the receiver has no fallback and the
                // workflow no owner), a fallback too, else W205 follows the edit.
                let sla = if !y.kind.is_person() {
                    String::new()
                } else if a.wf.owner.is_none() && y.fallback.is_none() {
                    let sensitive = needed_ids.iter().any(|f| a.wf.field(*f).sensitive);
                    let fallback = a.fallback_person(&[y.name.text.as_str()], sensitive);
                    format!("  sla 4h  fallback {fallback}")
                } else {
                    "  sla 4h".to_string()
                };
                format!(
                    "declare `handoff {} -> {}{} {{ carries {carries}{sla} }}`{}",
                    sf.name.text,
                    st.name.text,
                    super::w204_handoff_same_owner::keep_guard(&t.guard),
                    if needed.is_empty() {
                        " and list the fields that travel"
                    } else {
                        ": what it carries is all the next owner gets"
                    }
                )
            },
        );
        for (step, owner) in [(sf, x), (st, y)] {
            if let Some(r) = step.owner {
                d = d.with_label(
                    r.span,
                    format!("`{}` is owned by `{}`", step.name.text, owner.name.text),
                );
            }
        }
        let used = used.get_or_insert_with(|| a.used_fields());
        if let Some(fix) = a.flow_to_handoff_fix(i, used) {
            d = d.with_fix(fix);
        }
        out.push(d);
    }
}

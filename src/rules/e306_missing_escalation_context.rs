//! E306 missing-escalation-context: an escalation does not carry every field the step needs.

use crate::check::fixes::add_to_carries;
use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Fix, Severity};
use crate::ir::StepId;
use crate::rules::Rule;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "E306",
    name: "missing-escalation-context",
    severity: Severity::Error,
    summary: "an escalation does not carry every field the step `needs`",
    explanation: r#"
## What it does
Reports an `escalate to` whose `carries` lacks a field that the step `needs`. The escalation
target takes the step over and must complete it, so it needs what the step needs.

## Why it matters
An escalation without context is the human who inherits a conversation with no idea what was
said: the customer repeats everything, and the person decides without the facts the machine had.

## Example
```handoff
workflow support {
  owner agent
  actor bot: ai
  actor agent: human { inbox email "agent@example.com" }
  context { question: text  history: summary }
  trigger chat: webhook "/chat" { provides question, history }
  step answer {
    owner bot
    needs question, history
    escalate to agent when confidence < 0.6 { carries history  sla 5m }
  }
  flow chat -> answer
}
```

## Fix
Add the missing fields to the escalation's `carries`: `carries question, history`.
"#,
    check: Some(check),
};

/// Whether E306 reports escalation `k` of step `s` and the escalation has no body while W201
/// would ask it for an `sla` (its target is a person): E306's edit then writes the body with
/// both, and W201 stays silent about it.
pub(crate) fn needs_body_with_sla(a: &Analysis<'_>, s: StepId, k: usize) -> bool {
    let step = a.wf.step(s);
    let Some(esc) = step.escalations().get(k) else {
        return false;
    };
    let Some(target) = esc.target.target else {
        return false;
    };
    if esc.route.body.is_some() || !a.wf.actor(target).kind.is_person() {
        return false;
    }
    let n = a.step_node(s);
    step.needs
        .iter()
        .filter_map(|r| r.target)
        .any(|f| a.context.has_in(n, f))
}

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    for (i, step) in a.wf.steps.iter().enumerate() {
        let n = a.step_node(StepId(i as u32));
        for (k, esc) in step.escalations().iter().enumerate() {
            // A `carries` name that did not resolve (E101) may have been the missing field; a
            // target that did not resolve is its own mistake, reported once (E101, E103).
            if esc.target.target.is_none() || esc.route.has_unresolved_carries() {
                continue;
            }
            let missing: Vec<_> = step
                .needs
                .iter()
                .filter(|need| {
                    need.target.is_some_and(|f| {
                        // A field the step itself lacks is E301's to report.
                        a.context.has_in(n, f)
                            && !esc.route.carries.iter().any(|c| c.target == Some(f))
                    })
                })
                .collect();
            if missing.is_empty() {
                continue;
            }
            let names: Vec<String> = missing
                .iter()
                .filter_map(|r| r.target)
                .map(|f| format!("`{}`", a.field_name(f)))
                .collect();
            let list = names.join(", ");
            let target = esc
                .target
                .target
                .map_or("…", |t| a.wf.actor(t).name.text.as_str());
            let plain = list.replace('`', "");
            let which = a.escalation_what(StepId(i as u32), k);
            // A body written for `carries` holds the `sla` that W201 asks of an escalation to a
            // person too: one edit, one diagnostic ([`needs_body_with_sla`]).
            let with_sla = needs_body_with_sla(a, StepId(i as u32), k);
            let help = if !esc.route.carries.is_empty() {
                format!("add {list} to `carries` of {which}")
            } else if esc.route.body.is_some() {
                format!("add `carries {plain}` to the body of {which}")
            } else if with_sla {
                format!("add `{{ carries {plain}  sla 4h }}` (with the time `{target}` may take) to {which}")
            } else {
                format!("add `{{ carries {plain} }}` to {which}")
            };
            let fields: Vec<_> = missing.iter().filter_map(|r| r.target).collect();
            let field_names: Vec<&str> = fields.iter().map(|f| a.field_name(*f)).collect();
            // The fix carries the fields (the SLA is a choice it does not make for the user: with
            // the body in place, W201 asks for it).
            let fix_message = if with_sla {
                format!("add `{{ carries {plain} }}` to {which}")
            } else {
                help.clone()
            };
            let fix = Fix::new(
                fix_message,
                vec![add_to_carries(&esc.route, esc.span.end(), &field_names)],
                !fields.iter().any(|f| a.wf.field(*f).sensitive),
            );
            // Carrying a `sensitive` field to a target without clearance is E305: the help
            // says so, so that doing what it says is the whole fix.
            let sensitive: Vec<&str> = fields
                .iter()
                .filter(|f| a.wf.field(**f).sensitive)
                .map(|f| a.field_name(*f))
                .collect();
            let uncleared = esc
                .target
                .target
                .map(|t| a.wf.actor(t))
                .filter(|t| !t.grants("sensitive"));
            let help = match (sensitive.as_slice(), uncleared) {
                ([], _) | (_, None) => help,
                ([one], Some(t)) => format!(
                    "{help}; `{one}` is `sensitive`, so `{}` also needs `sensitive` in its `can`",
                    t.name.text
                ),
                (_, Some(t)) => format!(
                    "{help}; some of them are `sensitive`, so `{}` also needs `sensitive` in its `can`",
                    t.name.text
                ),
            };
            let mut d = Diagnostic::new(
                &RULE,
                format!(
                    "the escalation to `{target}` does not carry {list}, which step `{}` needs",
                    step.name.text
                ),
                Span::new(esc.span.start(), esc.target.span.end()),
                format!("`{target}` would take over without {list}"),
                help,
            )
            .with_fix(fix);
            for r in &missing {
                d = d.with_label(r.span, "needed here");
            }
            out.push(d);
        }
    }
}

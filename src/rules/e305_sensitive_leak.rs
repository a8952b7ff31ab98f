//! E305 sensitive-leak: a `sensitive` field reaches an actor without `can sensitive`.

use std::collections::HashSet;

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{Actor, Field, FieldId};
use crate::rules::Rule;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "E305",
    name: "sensitive-leak",
    severity: Severity::Error,
    summary: "a `sensitive` field reaches an owner, an escalation target or an approver that lacks `can sensitive`",
    explanation: r#"
## What it does
Reports a field marked `sensitive` that is available (on every path, as for E301) to a step
whose owner lacks `can sensitive`, that is carried to an escalation target without it, or that a
step needs while one of its approvers (who see the step's needs) lacks it. A field that reaches
the same actor at several steps is reported once, at the first.

## Why it matters
Personal and secret data (bank details, health data, credentials) should reach only the actors
cleared for it. A `flow` passes everything, so one forgotten boundary is enough to hand an IBAN
to a chatbot or to a contractor team.

## Example
```handoff
workflow refunds {
  actor bot: ai
  context { iban: text sensitive }
  trigger request: form "Refund" { provides iban }
  step check { owner bot needs iban }
  flow request -> check
}
```

## Fix
Stop the field before the actor (leave it out of `carries`, or move the step that collects it
after the uncleared steps), or clear the actor with `can sensitive` if it really may see it.
"#,
    check: Some(check),
};

fn cleared(actor: &Actor) -> bool {
    actor.grants("sensitive")
}

/// A leak of `field` at `span`, pointing at the field's `sensitive` declaration.
fn leak(field: &Field, message: String, span: Span, label: String, help: String) -> Diagnostic {
    Diagnostic::new(&RULE, message, span, label, help).with_label(
        field.span,
        format!("`{}` is declared `sensitive` here", field.name.text),
    )
}

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    if !wf.fields.iter().any(|f| f.sensitive) {
        return;
    }
    let sensitive = |f: &FieldId| wf.field(*f).sensitive;
    let mut reported: HashSet<(u32, FieldId)> = HashSet::new();
    for &n in &a.graph.order {
        let Some(s) = a.graph.step(n) else { continue };
        let step = wf.step(s);
        let Some(owner_id) = step.owner.and_then(|o| o.target) else {
            continue;
        };
        let owner = wf.actor(owner_id);
        if cleared(owner) {
            continue;
        }
        for f in a.context.after_run(n).filter(sensitive) {
            if !reported.insert((owner_id.0, f)) {
                continue;
            }
            let field = wf.field(f);
            out.push(leak(
                field,
                    format!(
                        "the sensitive field `{}` reaches `{}`, which lacks `can sensitive`",
                        field.name.text, owner.name.text
                    ),
                    step.name.span,
                    format!("`{}` is available to step `{}`", field.name.text, step.name.text),
                    format!(
                        "keep `{}` away from step `{}` (leave it out of `carries`), or add `sensitive` to the `can` of `{}`",
                        field.name.text, step.name.text, owner.name.text
                    ),
            ));
        }
    }
    for step in &wf.steps {
        for esc in &step.escalations {
            let Some(target) = esc.target.target.map(|t| wf.actor(t)) else {
                continue;
            };
            if cleared(target) {
                continue;
            }
            for c in &esc.route.carries {
                let Some(f) = c.target.filter(sensitive) else {
                    continue;
                };
                let field = wf.field(f);
                out.push(leak(
                    field,
                        format!(
                            "the sensitive field `{}` is carried to `{}`, which lacks `can sensitive`",
                            field.name.text, target.name.text
                        ),
                        c.span,
                        format!("`{}` would receive `{}` here", target.name.text, field.name.text),
                        format!(
                            "remove `{}` from `carries` of this escalation, or add `sensitive` to the `can` of `{}`",
                            field.name.text, target.name.text
                        ),
                ));
            }
        }
        let Some(approval) = &step.approval else {
            continue;
        };
        for approver in &approval.approvers {
            let Some(actor) = approver.target.map(|t| wf.actor(t)) else {
                continue;
            };
            if cleared(actor) {
                continue;
            }
            let Some(f) = step.needs.iter().filter_map(|n| n.target).find(sensitive) else {
                continue;
            };
            let field = wf.field(f);
            out.push(leak(
                field,
                    format!(
                        "the approver `{}` lacks `can sensitive` but would see the sensitive field `{}`",
                        actor.name.text, field.name.text
                    ),
                    approver.span,
                    format!("approvers see what step `{}` needs, `{}` included", step.name.text, field.name.text),
                    format!(
                        "add `sensitive` to the `can` of `{}`, or choose an approver who has it",
                        actor.name.text
                    ),
            ));
        }
    }
}

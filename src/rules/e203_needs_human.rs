//! E203 needs-human: an approver or an escalation target is an `ai` or `system` actor.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::ActorId;
use crate::ir::Ref;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "E203",
    name: "needs-human",
    severity: Severity::Error,
    summary: "an approver or an escalation target is an `ai` or `system` actor",
    explanation: r"
## What it does
Reports an `approve by` that names an `ai` or `system` actor, and an `escalate to` whose target
is one.

## Why it matters
An approval exists so that a person signs off, and an escalation exists because the machine was
not enough. Routing either to another machine removes the person the safeguard was for.

## Example
```handoff
workflow refunds {
  actor bot: ai
  actor payments: system
  trigger request: manual
  step pay {
    owner payments
    irreversible
    approve by bot
  }
  flow request -> pay
}
```

## Fix
Name a `human` or `team` actor: `approve by finance_lead`, `escalate to support when …`.
",
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let mut report = |r: &Ref<ActorId>, what: &str, help: &str| {
        let Some(id) = r.target else { return };
        let actor = a.actor(id);
        if actor.kind.is_person() {
            return;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                format!(
                    "{what} `{}` is an `{}` actor, not a person",
                    actor.name.text,
                    actor.kind.keyword()
                ),
                r.span,
                format!("`{}` cannot stand in for a person here", actor.name.text),
                help.to_string(),
            )
            .with_label(
                actor.name.span,
                format!(
                    "`{}` is declared `{}` here",
                    actor.name.text,
                    actor.kind.keyword()
                ),
            ),
        );
    };
    for step in &a.wf.steps {
        if let Some(approval) = &step.approval {
            for r in &approval.approvers {
                report(
                    r,
                    "the approver",
                    "name a `human` or `team` actor in `approve by`",
                );
            }
        }
        for esc in &step.escalations {
            report(
                &esc.target,
                "the escalation target",
                "escalate to a `human` or `team` actor",
            );
        }
    }
}

//! E403 permission-wall: a step's `action` is not granted by its owner's `can`.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::StepId;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "E403",
    name: "permission-wall",
    severity: Severity::Error,
    summary: "a step's `action` is not granted by its owner's `can`",
    explanation: r#"
## What it does
Reports each capability in a step's `action` that its owner's `can` does not grant. A wildcard
such as `crm.*` grants every capability under `crm.`.

## Why it matters
A permission wall is where automated work stops in production: the agent is asked to write to
the CRM with a read-only token, fails, and the work waits for someone to notice. Declaring
permissions lets the compiler find the wall before the first customer does.

## Example
```handoff
workflow leads {
  actor bot: ai { can crm.read }
  trigger inbound: webhook "/leads"
  step update { owner bot action crm.write reversible }
  flow inbound -> update
}
```

## Fix
Grant the capability (`can crm.read, crm.write` or `can crm.*`), or give the step to an actor
that has it.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    for (i, step) in a.wf.steps.iter().enumerate() {
        let Some(owner) = a.owner(StepId(i as u32)) else {
            continue;
        };
        for cap in step.actions() {
            if owner.grants(&cap.name) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "step `{}` does `{}`, which its owner `{}` may not do",
                        step.name.text, cap.name, owner.name.text
                    ),
                    cap.span,
                    format!("not granted by the `can` of `{}`", owner.name.text),
                    format!(
                        "add `{}` to the `can` of `{}`, or give step `{}` to an actor that has it",
                        cap.name, owner.name.text, step.name.text
                    ),
                )
                .with_label(
                    owner.name.span,
                    format!("`{}` is declared here", owner.name.text),
                ),
            );
        }
    }
}

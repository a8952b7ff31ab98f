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

An `action` that lists nothing, with the class on the next line (`action` then `reversible`),
reads the class as the action's capability (a list goes on across lines): the diagnostic says
so, and the fix is to write what the step does after `action`, or to remove `action`.
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
            // `action` with nothing after it and the class on the next line: a list goes on
            // across lines, so the class was read as the action.
            let (label, help) = if !is_class_word(&cap.name) {
                (
                    format!("not granted by the `can` of `{}`", owner.name.text),
                    format!(
                        "add `{}` to the `can` of `{}`, or give step `{}` to an actor that has it",
                        cap.name, owner.name.text, step.name.text
                    ),
                )
            } else if step.reversibility().is_some() {
                // The step says its class elsewhere: a second one would be E104.
                (
                    "read as a capability of `action`, not as the step's class".to_string(),
                    format!(
                        "write what step `{}` does after `action` in place of `{}`, or remove \
                         `action` and `{}`",
                        step.name.text, cap.name, cap.name
                    ),
                )
            } else {
                (
                    "read as a capability of `action`, not as the step's class".to_string(),
                    format!(
                        "write what step `{}` does after `action` (`action CAP {}`), or remove \
                         `action`",
                        step.name.text, cap.name
                    ),
                )
            };
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "step `{}` does `{}`, which its owner `{}` may not do",
                        step.name.text, cap.name, owner.name.text
                    ),
                    cap.span,
                    label,
                    help,
                )
                .with_label(
                    owner.name.span,
                    format!("`{}` is declared here", owner.name.text),
                ),
            );
        }
    }
}

/// Whether a capability is named like a reversibility class: after an `action` that lists
/// nothing else, the class was read as its capability.
pub(crate) fn is_class_word(name: &str) -> bool {
    matches!(name, "reversible" | "irreversible")
}

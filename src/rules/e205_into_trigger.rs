//! E205 into-trigger: a transition targets a trigger.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::NodeId;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "E205",
    name: "into-trigger",
    severity: Severity::Error,
    summary: "a transition targets a trigger",
    explanation: r#"
## What it does
Reports a `flow` or `handoff` whose target is a trigger.

## Why it matters
A trigger is where work enters from outside (a webhook, a form, a schedule). Sending work back to
it has no owner and no meaning: the work would vanish at the boundary of the workflow.

## Example
```handoff
workflow intake {
  actor clerk: human { inbox email "clerk@example.com" }
  trigger form_in: form "Request"
  step review { owner clerk }
  flow form_in -> review -> form_in
}
```

## Fix
Route to a step instead. To start over, add a step that restarts the work, or end the workflow.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    for t in &a.wf.transitions {
        let Some((_, NodeId::Trigger(trigger))) = t.ends() else {
            continue;
        };
        let trigger = a.wf.trigger(trigger);
        out.push(
            Diagnostic::new(
                &RULE,
                format!(
                    "a transition cannot lead into the trigger `{}`",
                    trigger.name.text
                ),
                t.to.span,
                "work enters at a trigger; it cannot be sent to one",
                "route the work to a step instead",
            )
            .with_label(
                trigger.name.span,
                format!("`{}` is declared here as a trigger", trigger.name.text),
            ),
        );
    }
}

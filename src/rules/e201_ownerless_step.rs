//! E201 ownerless-step: a step has no `owner`.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "E201",
    name: "ownerless-step",
    severity: Severity::Error,
    summary: "a step has no `owner`",
    explanation: r#"
## What it does
Reports a step without an `owner` item.

## Why it matters
A step nobody owns is work that waits in an invisible queue: no one is paged when it stalls, no
SLA applies, and nobody is accountable for its outcome. Every step needs exactly one owner.

## Example
```handoff
workflow onboarding {
  trigger signup: webhook "/signup"
  step welcome_call { }
  flow signup -> welcome_call
}
```

## Fix
Add `owner ACTOR` to the step, naming the human, team, AI agent or system that does it.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    for step in &a.wf.steps {
        // A step with a broken item (E001) may have written its owner there.
        if step.owner.is_none() && !step.recovered {
            out.push(Diagnostic::new(
                &RULE,
                format!("step `{}` has no owner", step.name.text),
                step.name.span,
                "nobody owns this step",
                format!(
                    "add `owner ACTOR` to step `{}`, naming who does this work",
                    step.name.text
                ),
            ));
        }
    }
}

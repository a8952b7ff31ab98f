//! W401 undeclared-reversibility: a step with an `action` has no reversibility class.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::StepId;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W401",
    name: "undeclared-reversibility",
    severity: Severity::Warning,
    summary: "a step with an `action` has no reversibility class",
    explanation: r"
## What it does
Reports a step that declares side effects (`action`) but not whether they can be undone:
`reversible`, `irreversible` or `compensable by STEP`.

## Why it matters
Whether an action can be taken back decides whether it needs a human approval, a compensation
path, or nothing at all. Left undeclared, an irreversible action slips past every safeguard.

## Example
```handoff
workflow outreach {
  actor bot: ai { can email.send }
  trigger start: manual
  step send { owner bot action email.send }
  flow start -> send
}
```

## Fix
Declare it: `irreversible` (and add `approve by` if a machine owns it), `reversible`, or
`compensable by STEP`.
",
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    for (i, step) in a.wf.steps.iter().enumerate() {
        let Some(first) = step.actions().first() else {
            continue;
        };
        // A step with a broken item (E001) may have written its class there; a compensating
        // step without one is E402's (it must be `reversible`).
        // `action` then `reversible` on the next line: the class was read as a capability
        // the owner lacks, E403's diagnostic.
        // (Or an owner that did not resolve: the class was meant all the same.)
        let class_as_action = || {
            let owner = a.owner(StepId(i as u32));
            step.actions().iter().any(|cap| {
                super::e403_permission_wall::is_class_word(&cap.name)
                    && owner.is_none_or(|owner| !owner.grants(&cap.name))
            })
        };
        if step.reversibility().is_some()
            || step.recovered
            || step.disputed
            || a.compensates(StepId(i as u32))
            || class_as_action()
        {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                format!(
                    "step `{}` acts on the world but does not say whether it can be undone",
                    step.name.text
                ),
                step.name.span,
                "no reversibility class",
                format!(
                    "add `reversible`, `irreversible` (with `approve by` a person when the owner is \
                     not one) or `compensable by STEP` to step `{}`",
                    step.name.text
                ),
            )
            .with_label(first.span, "side effect declared here"),
        );
    }
}

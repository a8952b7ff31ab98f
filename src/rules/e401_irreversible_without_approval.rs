//! E401 irreversible-without-approval: an `irreversible` step owned by `ai` or `system` has no
//! `approve by`.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{ReversibilityKind, StepId};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "E401",
    name: "irreversible-without-approval",
    severity: Severity::Error,
    summary: "an `irreversible` step owned by `ai` or `system` has no `approve by`",
    explanation: r#"
## What it does
Reports a step marked `irreversible` whose owner is an `ai` or `system` actor and that has no
`approve by`.

## Why it matters
A refund paid, an email sent to a customer, a record deleted: when a machine does something that
cannot be undone, a person must have signed off first. Otherwise one wrong inference becomes a
permanent fact.

## Example
```handoff
workflow refunds {
  actor payments: system { can payments.send }
  trigger request: form "Refund"
  step pay { owner payments action payments.send irreversible }
  flow request -> pay
}
```

## Fix
Add an approval by a person: `approve by finance_lead within 1d else decline`. If the step can
in fact be undone, say so with `compensable by STEP` or `reversible`.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    for (i, step) in a.wf.steps.iter().enumerate() {
        // A step with a broken item (E001) may have written its approval there.
        if step.recovered {
            continue;
        }
        let Some(rev) = step.reversibility() else {
            continue;
        };
        if rev.kind != ReversibilityKind::Irreversible || step.approval().is_some() {
            continue;
        }
        // A compensating step must be `reversible`: E402 reports its class.
        if a.compensates(StepId(i as u32)) {
            continue;
        }
        let Some(owner) = a.owner(StepId(i as u32)) else {
            continue;
        };
        if owner.kind.is_person() {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                format!(
                    "irreversible step `{}` runs without a human approval",
                    step.name.text
                ),
                rev.span,
                format!("`{}` cannot be undone", step.name.text),
                format!(
                    "add `approve by {}` (a `human` or `team` actor) to step `{}`",
                    approver(a, step),
                    step.name.text
                ),
            )
            .with_label(
                owner.name.span,
                format!(
                    "`{}` is declared `{}` here",
                    owner.name.text,
                    owner.kind.keyword()
                ),
            ),
        );
    }
}

/// A person to name as the approver: approvers see what the step needs, so one cleared for a
/// `sensitive` field it needs (else E305 follows the edit); one that `can approve` first.
fn approver<'a>(a: &Analysis<'a>, step: &crate::ir::Step) -> &'a str {
    let sensitive = step
        .needs
        .iter()
        .any(|r| r.target.is_some_and(|f| a.wf.field(f).sensitive));
    let cleared = |x: &crate::ir::Actor| !sensitive || x.grants("sensitive");
    match a.some_person_who(&[], |x| cleared(x) && x.grants("approve")) {
        "ACTOR" => a.some_person_who(&[], cleared),
        name => name,
    }
}

//! E402 bad-compensation: a compensating step is not `reversible`, or compensates itself.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::ReversibilityKind;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "E402",
    name: "bad-compensation",
    severity: Severity::Error,
    summary: "a compensating step is not `reversible`, or compensates itself",
    explanation: r#"
## What it does
Reports `compensable by STEP` when STEP is the step itself, or when STEP is not marked
`reversible`.

## Why it matters
A compensation is the undo of an action. An undo that cannot itself be undone (or that has no
declared reversibility) just moves the irreversible moment somewhere less visible; a step that
compensates itself undoes nothing.

## Example
```handoff
workflow orders {
  actor shop: system { can orders.write }
  trigger order: webhook "/orders"
  step reserve { owner shop action orders.write compensable by release }
  step release { owner shop }
  flow order -> reserve
}
```

## Fix
Mark the compensating step `reversible` (and make it so), or name a different step.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    let mut reported = super::OncePer::new();
    for (i, step) in wf.steps.iter().enumerate() {
        let Some(rev) = step.reversibility() else {
            continue;
        };
        let ReversibilityKind::CompensableBy(r) = rev.kind else {
            continue;
        };
        let Some(target) = r.target else { continue };
        if target.index() == i {
            out.push(Diagnostic::new(
                &RULE,
                format!("step `{}` compensates itself", step.name.text),
                r.span,
                "a step cannot undo itself",
                "name the step that undoes this one in `compensable by`",
            ));
            continue;
        }
        let undo = wf.step(target);
        // Two classes given (E104): which one was meant is not known. A broken item (E001) of
        // the compensating step may have been its `reversible`.
        if undo.disputed || (undo.recovered && undo.reversibility().is_none()) {
            continue;
        }
        let is_reversible = undo
            .reversibility()
            .is_some_and(|r| r.kind == ReversibilityKind::Reversible);
        if is_reversible {
            continue;
        }
        // One compensating step named by several steps is one mistake: the others are labels.
        let too = format!(
            "`{}` must be reversible to undo `{}` too",
            undo.name.text, step.name.text
        );
        if reported.also(out, &target, r.span, too) {
            continue;
        }
        let (span, message) = match undo.reversibility() {
            Some(r) => (
                r.span,
                format!("`{}` is declared not reversible here", undo.name.text),
            ),
            None => (
                undo.name.span,
                format!("`{}` declares no reversibility", undo.name.text),
            ),
        };
        reported.push(
            out,
            target,
            Diagnostic::new(
                &RULE,
                format!(
                    "the compensating step `{}` is not `reversible`",
                    undo.name.text
                ),
                r.span,
                format!(
                    "`{}` must be reversible to undo `{}`",
                    undo.name.text, step.name.text
                ),
                format!(
                    "make `reversible` the reversibility class of step `{}` (in place of the one \
                     it has, if any), or compensate with another step",
                    undo.name.text
                ),
            )
            .with_label(span, message),
        );
    }
}

//! W402 approval-on-reversible: a `reversible` step requires approval.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::ReversibilityKind;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W402",
    name: "approval-on-reversible",
    severity: Severity::Warning,
    summary:
        "a `reversible` step requires approval (approval re-entry: friction without protection)",
    explanation: r#"
## What it does
Reports `approve by` on a step marked `reversible`.

## Why it matters
Approvals cost a person's attention and add waiting time. On an action that can simply be
undone they protect nothing, and they train approvers to click through the approvals that do
matter.

## Example
```handoff
workflow crm {
  owner lead
  actor bot: ai { can crm.write }
  actor lead: human { inbox email "lead@example.com" }
  trigger start: manual
  step tag { owner bot action crm.write reversible approve by lead }
  flow start -> tag
}
```

## Fix
Remove the `approve by`, or mark the step `irreversible` if it really cannot be undone.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    for step in &a.wf.steps {
        let (Some(rev), Some(approval)) = (step.reversibility(), &step.approval()) else {
            continue;
        };
        if rev.kind != ReversibilityKind::Reversible {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                format!("step `{}` can be undone but still requires approval", step.name.text),
                approval.span,
                "an approval that protects nothing",
                match approval
                    .else_step
                    .and_then(|r| r.target)
                    .map(|s| a.wf.step(s).name.text.as_str())
                {
                    // The `else` route goes with the approval: say where its work should go.
                    Some(other) => format!(
                        "remove `approve by` from step `{}` (and route to `{other}` another way if \
                         it should still be reached, such as `flow {} -> {other} when …`), or mark \
                         it `irreversible` if it cannot be undone",
                        step.name.text, step.name.text
                    ),
                    None => format!(
                        "remove `approve by` from step `{}`, or mark it `irreversible` if it cannot be undone",
                        step.name.text
                    ),
                },
            )
            .with_label(rev.span, "declared reversible here"),
        );
    }
}

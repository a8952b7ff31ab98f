//! W403 approval-chain: a step needs more than one approver.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W403",
    name: "approval-chain",
    severity: Severity::Warning,
    summary: "a step needs more than one approver",
    explanation: r#"
## What it does
Reports `approve by` with more than one approver.

## Why it matters
Each approver in a chain waits for the previous one, and each assumes the others looked closely.
Chains multiply the delay while diluting the accountability that one clear sign-off gives.

## Example
```handoff
workflow spend {
  actor payments: system
  actor manager: human { inbox email "manager@example.com" }
  actor director: human { inbox email "director@example.com" }
  actor cfo: human { inbox email "cfo@example.com" }
  trigger request: form "Spend"
  step pay { owner payments irreversible approve by manager, director, cfo }
  flow request -> pay
}
```

## Fix
Keep one accountable approver (`approve by cfo`), and use conditions to route only the large
cases to the more senior one.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    for step in &a.wf.steps {
        let Some(approval) = &step.approval() else {
            continue;
        };
        // An approver that failed to resolve has its E101: what it stood for is not known.
        if approval.approvers.iter().any(|r| r.target.is_none()) {
            continue;
        }
        let n = approval.approvers.len();
        if n < 2 {
            continue;
        }
        out.push(Diagnostic::new(
            &RULE,
            format!("step `{}` waits for {n} approvals in a row", step.name.text),
            approval.span,
            format!("{n} approvers, one after the other"),
            "keep one accountable approver, and route only the cases that need more to a senior one",
        ));
    }
}

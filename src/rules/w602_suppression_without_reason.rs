//! W602 suppression-without-reason: a suppression that does not say why.

use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::Rule;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "W602",
    name: "suppression-without-reason",
    severity: Severity::Warning,
    summary: "a `// handoff: allow(CODE)` comment gives no reason after the parenthesis",
    explanation: r#"
## What it does
Reports a suppression comment with nothing after `allow(…)`. The suppression still applies.

## Why it matters
The next reader cannot tell a considered exception from a silenced nuisance. One sentence of
reason is what makes a suppression reviewable.

## Example
```handoff
actor payments: system { can payments.send }
actor manager: human { inbox email "manager@example.com" }
actor cfo: human { inbox email "cfo@example.com" }

workflow spend {
  trigger request: form "Spend"
  step pay {
    owner payments
    action payments.send
    irreversible
    // handoff: allow(W403)
    approve by manager, cfo within 2d
  }
  flow request -> pay
}
```

## Fix
Say why after the parenthesis: `// handoff: allow(W403) audit requires both signatures`.
"#,
    check: None,
};

/// The suppression at `span` gives no reason.
pub fn missing(span: Span, names: &str) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("the suppression of {names} gives no reason"),
        span,
        "nothing after `allow(…)`",
        "say why after the parenthesis: `// handoff: allow(…) why it does not apply here`",
    )
}

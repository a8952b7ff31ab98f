//! E601 invalid-suppression: a `// handoff:` comment that cannot suppress what it names.

use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::Rule;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "E601",
    name: "invalid-suppression",
    severity: Severity::Error,
    summary: "a `// handoff:` comment is not `allow(CODE, …)`, or names an unknown rule, an error or a suppression rule",
    explanation: r#"
## What it does
Reports a suppression comment (`// handoff: allow(W201) reason`) that is malformed, names a rule
that does not exist, names an error rule, or names one of the suppression rules themselves.

## Why it matters
A suppression is a promise that a warning was looked at. One that names nothing real silences
nothing, and the reader believes the opposite; errors are never optional, so a comment cannot
make them go away.

## Example
```handoff
actor payments: system { can payments.send }
actor manager: human { inbox email "manager@example.com" }

workflow spend {
  trigger request: form "Spend"
  // handoff: allow(E101) the name is checked elsewhere
  step pay { owner payments action payments.send irreversible approve by manager }
  flow request -> pay
}
```

## Fix
Name a warning by its code or name (`handoff explain` lists them), or fix the error instead of
suppressing it.
"#,
    check: None,
};

/// The comment after `handoff:` is not `allow(…)`.
pub fn malformed(span: Span) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        "this `handoff:` comment is not a suppression",
        span,
        "expected `allow(CODE, …)` after `handoff:`",
        "write `// handoff: allow(W201) why the warning does not apply here`",
    )
}

/// A name in `allow(…)` is no rule.
pub fn unknown(span: Span, name: &str, suggestion: Option<&str>) -> Diagnostic {
    let help = match suggestion {
        Some(s) => format!("did you mean `{s}`? replace `{name}` with `{s}`"),
        None => format!("remove `{name}`; `handoff explain` lists every rule"),
    };
    Diagnostic::new(
        &RULE,
        format!("no rule is named `{name}`"),
        span,
        "not a rule code or name",
        help,
    )
}

/// An error rule in `allow(…)`.
pub fn error_rule(span: Span, name: &str, code: &str) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("`{name}` is an error and cannot be suppressed"),
        span,
        format!("`{code}` is always reported"),
        format!("fix what `{code}` reports and remove `{name}` from this comment"),
    )
}

/// A suppression rule in `allow(…)`.
pub fn suppression_rule(span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("`{name}` is about suppressions and cannot be suppressed by one"),
        span,
        "suppression rules are not suppressible",
        format!(
            "remove `{name}` from this comment (set its level in `handoff.toml` if it must go)"
        ),
    )
}

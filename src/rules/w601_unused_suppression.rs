//! W601 unused-suppression: a suppression that suppresses nothing.

use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::Rule;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "W601",
    name: "unused-suppression",
    severity: Severity::Warning,
    summary: "a `// handoff: allow(CODE)` comment names a rule that reports nothing on the next line of code",
    explanation: r#"
## What it does
Reports each rule named in a suppression comment that has no diagnostic to suppress: no
diagnostic of that rule starts on the line the comment applies to (the next line that is not
blank and not a comment).

## Why it matters
Suppressions outlive the problems they hid: the workflow changes, the warning goes away, and the
comment stays, ready to hide the next, unrelated warning of that rule on that line. Removing it
keeps every suppression meaningful.

## Example
```handoff
actor payments: system { can payments.send }
actor manager: human { inbox email "manager@example.com" }

workflow spend {
  trigger request: form "Spend"
  // handoff: allow(W201) the manager answers within the day
  step pay { owner payments action payments.send irreversible approve by manager }
  flow request -> pay
}
```

## Fix
Remove the rule from the comment, or the comment when it names nothing else.
"#,
    check: None,
};

/// `name` in a suppression at `span` suppressed nothing on line `line`.
pub fn unused(span: Span, name: &str, line: Option<usize>, alone: bool) -> Diagnostic {
    let label = match line {
        Some(line) => format!("nothing of `{name}` starts on line {line}"),
        None => String::from("no line of code follows this comment"),
    };
    let help = if alone {
        String::from("remove this comment")
    } else {
        format!("remove `{name}` from this comment")
    };
    Diagnostic::new(
        &RULE,
        format!("the suppression of `{name}` suppresses nothing"),
        span,
        label,
        help,
    )
}

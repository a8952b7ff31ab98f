//! E104 duplicate-item: a block repeats a single-valued item.

use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::{tick, Rule};
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "E104",
    name: "duplicate-item",
    severity: Severity::Error,
    summary: "a block repeats a single-valued item (two `owner`s, two reversibility classes)",
    explanation: r#"
## What it does
Reports a block that gives a single-valued item twice: two `owner`s or `title`s, two
reversibility classes (`reversible`, `irreversible`, `compensable by`), two `approve by`, two
`sla`s on a handoff, two `context` blocks in a workflow. It also reports a name listed twice in
one list, such as `needs email, email`. List items (`needs`, `provides`, `carries`, `can`,
`action`) may be split over several lines; those are merged.

The first item is kept, except where the two contradict each other: a step with two different
owners or two different reversibility classes keeps neither as known, so the rules that read
the owner or the class (E202, E304, W402, E401, W401, E402, …) say nothing about the step until
one is removed.

## Why it matters
The compiler would have to pick one of the two values silently, and the reader could not tell
which one runs: which person owns the step, whether a refund can be undone.

## Example
```handoff
workflow refunds {
  actor finance: team { inbox email "finance@example.com" }
  actor payments_bot: system
  trigger request: manual
  step refund {
    owner finance
    owner payments_bot
  }
  flow request -> refund
}
```

## Fix
Keep one of the two items and delete the other.
"#,
    check: None,
};

/// `item` appears a second time at `second` in `block`; the first is at `first`.
pub fn duplicate_item(item: &str, block: &str, first: Span, second: Span) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("{} is given twice in {block}", tick(item)),
        second,
        format!("second {}", tick(item)),
        format!("remove one of the two {} items", tick(item)),
    )
    .with_label(first, "first given here")
}

/// A step has a second reversibility class.
pub fn two_reversibility(step: &str, first: Span, second: Span) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("step {} has two reversibility classes", tick(step)),
        second,
        "second reversibility class",
        "keep one of `reversible`, `irreversible` and `compensable by` and remove the other",
    )
    .with_label(first, "first class given here")
}

/// A name is listed twice in one list.
pub fn listed_twice(name: &str, list: &str, first: Span, second: Span) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("{} is listed twice in {}", tick(name), tick(list)),
        second,
        "listed again here",
        format!("remove the second {}", tick(name)),
    )
    .with_label(first, "first listed here")
}

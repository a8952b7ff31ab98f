//! W208 payloadless-trigger: a `schedule` trigger provides a field that is not `date` or
//! `datetime`.

use crate::ast::PrimType;
use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{TriggerKind, Type};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W208",
    name: "payloadless-trigger",
    severity: Severity::Warning,
    summary: "a `schedule` trigger provides a field that is not `date` or `datetime`",
    explanation: r#"
## What it does
Reports a field in the `provides` of a `schedule` trigger whose type is not `date` or
`datetime`. A scheduled start carries no data: its `date` and `datetime` fields receive the
moment the work started, and nothing can fill any other field.

## Why it matters
The steps after the trigger are checked as if the field were there, but at run time it is empty:
a nightly report that "needs" a customer id that no one ever gives it.

## Example
```handoff
workflow nightly_report {
  actor reporter: system
  context { day: date  region: text }
  trigger nightly: schedule "0 2 * * *" { provides day, region }
  step report { owner reporter needs day, region }
  flow nightly -> report
}
```

## Fix
Provide only `date` or `datetime` fields from the schedule (`provides day`), and have a step
after it provide the rest (`step load_regions { … provides region }`).
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    for trigger in &wf.triggers {
        if !matches!(trigger.kind, TriggerKind::Schedule(_)) {
            continue;
        }
        for r in &trigger.provides {
            let Some(f) = r.target else { continue };
            let field = wf.field(f);
            if field.declared_twice
                || matches!(field.ty, Type::Prim(PrimType::Date | PrimType::Datetime))
            {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "the schedule `{}` cannot fill `{}`: a scheduled start carries no data",
                        trigger.name.text, field.name.text
                    ),
                    r.span,
                    format!("`{}` would always be empty here", field.name.text),
                    format!(
                        "remove `{}` from `provides` of `{}` and let a step after it provide it",
                        field.name.text, trigger.name.text
                    ),
                )
                .with_label(
                    field.span,
                    format!("`{}` is declared `{}` here", field.name.text, field.ty),
                ),
            );
        }
    }
}

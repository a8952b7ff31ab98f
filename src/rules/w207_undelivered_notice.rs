//! W207 undelivered-notice: a workflow has `notify` messages but no `customer` field.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W207",
    name: "undelivered-notice",
    severity: Severity::Warning,
    summary: "a workflow has `notify` messages but no `customer` field to send them to",
    explanation: r#"
## What it does
Reports a workflow whose handoffs or escalations have `notify` messages while the workflow has no
`customer FIELD` naming where the customer is reached. It points at the first `notify`.

## Why it matters
A notice with no address is written, reviewed and never sent: the customer who was told "a
specialist will call you within four hours" hears nothing.

## Example
```handoff
workflow support {
  owner agents
  actor bot: ai
  actor agents: team { inbox email "agents@example.com" }
  context { email: email  brief: summary }
  trigger chat: webhook "/chat" { provides email }
  step answer { owner bot needs email provides brief }
  step reply { owner agents needs email, brief }
  flow chat -> answer
  handoff answer -> reply {
    carries email, brief
    sla 1h
    notify "A colleague will answer you within the hour."
  }
}
```

## Fix
Name the field that reaches the customer: `customer email` (an `email` or `url` field).
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    // An item dropped for a syntax error (E001) may have been the `customer`.
    if wf.customer.is_some() || wf.recovered {
        return;
    }
    let mut notices: Vec<_> = a
        .routes()
        .iter()
        .filter_map(|r| r.route.notify.as_ref().map(|n| n.span))
        .collect();
    notices.sort();
    let Some(&first) = notices.first() else {
        return;
    };
    let count = notices.len();
    let (which, them) = if count == 1 {
        ("a `notify` message".to_string(), "it")
    } else {
        (format!("{count} `notify` messages"), "them")
    };
    let candidates = wf
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.declared_twice && f.reaches_a_person());
    // Whether field `i` reaches every notice: available after the step it leaves from, or
    // carried with it.
    let delivered = |i: usize| {
        let field = crate::ir::FieldId(i as u32);
        a.routes()
            .iter()
            .filter(|r| r.route.notify.is_some())
            .all(|r| r.notice_reaches(a, field))
    };
    let mut d = Diagnostic::new(
        &RULE,
        format!(
            "workflow `{}` has {which} but no `customer` field to send {them} to",
            wf.name.text
        ),
        first,
        "this notice has no address",
        // The field to name, when the workflow has one of a type that can reach a person.
        // Preferably one available wherever a notice is sent (another would be E307 next).
        match candidates
            .clone()
            .find(|&(i, _)| delivered(i))
            .or_else(|| candidates.clone().next())
            .map(|(_, f)| f)
        {
            Some(f) => format!(
                "add `customer {}` to the workflow (or name another `email` or `url` field that reaches the customer)",
                f.name.text
            ),
            None => "add an `email` or `url` field that reaches the customer to `context`, provide it, and name it in `customer FIELD`".to_string(),
        },
    )
    .with_label(wf.name.span, "no `customer` in this workflow");
    for span in notices.iter().skip(1).take(4) {
        d = d.with_label(*span, "nor has this one");
    }
    out.push(d);
}

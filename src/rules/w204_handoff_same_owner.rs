//! W204 handoff-same-owner: a `handoff` joins steps with the same owner.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::TransitionKind;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "W204",
    name: "handoff-same-owner",
    severity: Severity::Warning,
    summary: "a `handoff` joins steps with the same owner",
    explanation: r#"
## What it does
Reports a `handoff` between two steps that have the same owner.

## Why it matters
A handoff marks a change of owner; the tooling builds SLAs, fallbacks and context boundaries
around it. Declaring one where the owner keeps the work drops context for no reason and makes the
real handoffs harder to see.

## Example
```handoff
workflow review {
  owner editor
  actor editor: human { inbox email "editor@example.com" }
  context { text_draft: text }
  trigger draft: manual { provides text_draft }
  step read { owner editor needs text_draft }
  step approve { owner editor needs text_draft }
  flow draft -> read
  handoff read -> approve { carries text_draft  sla 1d }
}
```

## Fix
Write `flow read -> approve`: the owner keeps the work and all of its context.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    for t in &a.wf.transitions {
        if t.kind != TransitionKind::Handoff {
            continue;
        }
        let Some(ends) = a.step_owners(t) else {
            continue;
        };
        if !ends.same {
            continue;
        }
        let (sf, st, x) = (ends.from, ends.to, ends.from_owner);
        out.push(Diagnostic::new(
            &RULE,
            format!(
                "handoff between `{}` and `{}`, which are both owned by `{}`",
                sf.name.text, st.name.text, x.name.text
            ),
            Analysis::head(t),
            "the owner does not change here",
            format!(
                "write `flow {} -> {}{}`: the owner keeps the work and its context",
                sf.name.text,
                st.name.text,
                keep_guard(&t.guard)
            ),
        ));
    }
}

/// What the help writes after the ends so that the rewritten route keeps its condition (`…`
/// stands for the condition as written).
pub(super) fn keep_guard(guard: &crate::ir::Guard) -> &'static str {
    match guard {
        crate::ir::Guard::Always => "",
        crate::ir::Guard::When(_) => " when …",
        crate::ir::Guard::Otherwise(_) => " otherwise",
    }
}

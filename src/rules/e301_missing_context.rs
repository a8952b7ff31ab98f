//! E301 missing-context: a step needs a field that is not available on some path.

use std::collections::BTreeMap;

use crate::check::flow::{Cause, Missing};
use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{Cond, FieldId, Guard, ValueKind};
use crate::rules::Rule;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "E301",
    name: "missing-context",
    severity: Severity::Error,
    summary: "a step `needs` a field that is not available on some path (name the path and where it was lost)",
    explanation: r#"
## What it does
Computes, for every step, the context fields present on every path from a trigger (a `flow`
passes everything, a `handoff` exactly its `carries`, an escalation path `carries ∪ provides`),
and reports a `needs` of a field that is missing on some path. The diagnostic names one concrete
path on which the field is missing and points at the boundary where it was dropped. A field
tested by a condition must be available where the condition is evaluated, and is reported the
same way.

## Why it matters
This is the classic broken handoff: the AI learned the customer's email and intent, but the
handoff to sales carried only a name, so the account executive asks the customer again, or
works blind.

## Example
```handoff
workflow leads {
  actor bot: ai
  actor sales: team
  context { email: email  brief: summary }
  trigger inbound: webhook "/leads" { provides email }
  step qualify { owner bot needs email provides brief }
  step call { owner sales needs email, brief }
  flow inbound -> qualify
  handoff qualify -> call { carries brief }
}
```

## Fix
Carry the field across the boundary where it is dropped (`carries brief, email`), or provide it
on every path before the step that needs it. When one boundary drops a field that several
steps need, one diagnostic points at all of them.
"#,
    check: Some(check),
};

/// The sites that lack a field for one cause, and the explanation of that cause.
type Group = (Vec<Site>, Option<Missing>);

/// A place that needs a field: a `needs` item or a field tested by a condition.
struct Site {
    span: Span,
    step_or_source: String,
    condition: bool,
}

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    // Sites grouped by (field, cause), so one dropped field gives one diagnostic.
    let mut groups: BTreeMap<(FieldId, Option<Cause>), Group> = BTreeMap::new();
    let mut add = |field: FieldId, missing: Option<Missing>, site: Site| {
        let key = (field, missing.as_ref().map(|m| m.cause));
        let entry = groups.entry(key).or_insert_with(|| (Vec::new(), None));
        if entry.1.is_none() {
            entry.1 = missing;
        }
        entry.0.push(site);
    };

    for (i, step) in wf.steps.iter().enumerate() {
        let n = a.step_node(crate::ir::StepId(i as u32));
        if !a.graph.reached[n.index()] {
            continue;
        }
        for need in &step.needs {
            let Some(f) = need.target else { continue };
            if a.context.has_in(n, f) {
                continue;
            }
            let missing = a.context.missing_in(wf, &a.graph, n, f);
            add(
                f,
                missing,
                Site {
                    span: need.span,
                    step_or_source: step.name.text.clone(),
                    condition: false,
                },
            );
        }
        // Escalation conditions are evaluated after the owner's attempt.
        for esc in &step.escalations {
            for (f, span) in tested(&esc.condition) {
                if a.context.has_after_run(n, f) {
                    continue;
                }
                let missing = a.context.missing_in(wf, &a.graph, n, f);
                add(
                    f,
                    missing,
                    Site {
                        span,
                        step_or_source: step.name.text.clone(),
                        condition: true,
                    },
                );
            }
        }
    }
    // Transition conditions are evaluated after the source ran.
    for t in &wf.transitions {
        let (Guard::When(cond), Some((from, _))) = (&t.guard, t.ends()) else {
            continue;
        };
        let n = a.graph.node(from);
        for (f, span) in tested(cond) {
            if a.context.has_out(n, f) {
                continue;
            }
            let missing = a.context.missing_out(wf, &a.graph, n, f);
            add(
                f,
                missing,
                Site {
                    span,
                    step_or_source: wf.node_name(from).to_string(),
                    condition: true,
                },
            );
        }
    }

    for ((field, _), (mut sites, missing)) in groups {
        sites.sort_by_key(|s| s.span);
        let first = &sites[0];
        let name = a.field_name(field);
        let what = if first.condition {
            format!(
                "the condition after `{}` tests `{name}`",
                first.step_or_source
            )
        } else {
            format!("step `{}` needs `{name}`", first.step_or_source)
        };
        let mut d = match &missing {
            Some(m) => {
                let (label, help) = a.explain_cause(field, m);
                Diagnostic::new(
                    &RULE,
                    format!(
                        "{what}, which is missing on the path `{}`",
                        a.path_text(&m.path)
                    ),
                    first.span,
                    format!("`{name}` is not available here on every path"),
                    help,
                )
                .with_label(label.span, label.message)
            }
            None => Diagnostic::new(
                &RULE,
                format!("{what}, which is not available on every path"),
                first.span,
                format!("`{name}` is not available here on every path"),
                format!(
                    "provide `{name}` on every path into `{}`, and carry it across each handoff",
                    first.step_or_source
                ),
            ),
        };
        for site in sites.iter().skip(1).take(5) {
            d = d.with_label(site.span, format!("`{}` needs it too", site.step_or_source));
        }
        out.push(d);
    }
}

/// The resolved fields a condition tests, with their spans, in source order, each once.
pub(crate) fn tested(cond: &Cond) -> Vec<(FieldId, Span)> {
    let mut fields: Vec<(FieldId, Span)> = Vec::new();
    cond.for_each_value(&mut |v| {
        if let ValueKind::Field(Some(f)) = v.kind {
            if !fields.iter().any(|(g, _)| *g == f) {
                fields.push((f, v.span));
            }
        }
    });
    fields
}

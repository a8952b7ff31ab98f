//! E301 missing-context: a step needs a field that is not available on some path.

use std::collections::BTreeMap;

use crate::check::flow::{Cause, Side, PATH_BUDGET};
use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use petgraph::graph::NodeIndex;

use crate::check::conditions::CondRef;
use crate::ir::{Cond, FieldId, Guard, StepId, TransitionId, ValueKind};
use crate::rules::Rule;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "E301",
    name: "missing-context",
    severity: Severity::Error,
    summary: "a step `needs` a field that is not available on some path (name the path and where it was lost)",
    explanation: r##"
## What it does
Computes, for every step, the context fields present on every path from a trigger (a `flow`
passes everything, a `handoff` exactly its `carries`, an approval's `else` route what the step
received, since it did not run; escalations take nothing away from the work that continues),
and reports a `needs` of a field that is missing on some path. The diagnostic names one concrete
path on which the field is missing and points at the boundary where it was dropped; its help
also names the other handoffs and triggers that lose the field on other paths, so that doing
what it says makes the field available everywhere. A field
tested by a condition must be available where the condition is evaluated, and is reported the
same way.

## Why it matters
This is the classic broken handoff: the AI learned the customer's email and intent, but the
handoff to sales carried only a name, so the account executive asks the customer again, or
works blind.

## Example
```handoff
workflow leads {
  owner sales
  actor bot: ai
  actor sales: team { inbox slack "#sales" }
  context { email: email  brief: summary }
  trigger inbound: webhook "/leads" { provides email }
  step qualify { owner bot needs email provides brief }
  step call { owner sales needs email, brief }
  flow inbound -> qualify
  handoff qualify -> call { carries brief  sla 4h }
}
```

## Fix
Carry the field across the boundary where it is dropped (`carries brief, email`), or provide it
on every path before the step that needs it. When one boundary drops a field that several
steps need, one diagnostic points at all of them.
"##,
    check: Some(check),
};

/// A place that needs a field: a `needs` item or a field tested by a condition.
struct Site {
    span: Span,
    step_or_source: String,
    condition: bool,
    /// The node where availability is judged, and on which side of it.
    at: (NodeIndex, Side),
}

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    // Sites grouped by (field, cause), so one dropped field gives one diagnostic. Finding the
    // cause is constant time per site; the path is built once per group.
    let mut groups: BTreeMap<(FieldId, Option<Cause>), Vec<Site>> = BTreeMap::new();
    let mut add = |field: FieldId, site: Site| {
        let cause = a.context.cause(wf, &a.graph, site.at.0, field, site.at.1);
        groups.entry((field, cause)).or_default().push(site);
    };

    for (i, step) in wf.steps.iter().enumerate() {
        let n = a.step_node(StepId(i as u32));
        if !a.graph.reached[n.index()] {
            continue;
        }
        for need in &step.needs {
            let Some(f) = need.target else { continue };
            if !a.context.may_have_in(n, f) {
                add(
                    f,
                    Site {
                        span: need.span,
                        step_or_source: step.name.text.clone(),
                        condition: false,
                        at: (n, Side::In),
                    },
                );
            }
        }
        // Escalation conditions are evaluated after the owner's attempt: `avail_in ∪ provides`.
        for k in 0..step.escalations().len() {
            let cond = CondRef::Escalation(StepId(i as u32), k);
            for (f, span) in a.conditions.fields(cond) {
                if !a.context.may_have_out(n, f) {
                    add(
                        f,
                        Site {
                            span,
                            step_or_source: step.name.text.clone(),
                            condition: true,
                            at: (n, Side::Out),
                        },
                    );
                }
            }
        }
    }
    // Transition conditions are evaluated after the source ran.
    for (i, t) in wf.transitions.iter().enumerate() {
        let (Guard::When(_), Some((from, _))) = (&t.guard, t.ends()) else {
            continue;
        };
        let cond = CondRef::Guard(TransitionId(i as u32));
        let n = a.graph.node(from);
        if !a.graph.reached[n.index()] {
            continue;
        }
        for (f, span) in a.conditions.fields(cond) {
            if !a.context.may_have_out(n, f) {
                add(
                    f,
                    Site {
                        span,
                        step_or_source: wf.node_name(from).to_string(),
                        condition: true,
                        at: (n, Side::Out),
                    },
                );
            }
        }
    }

    let mut paths = PATH_BUDGET;
    for ((field, _), mut sites) in groups {
        sites.sort_by_key(|s| s.span);
        let first = &sites[0];
        let (n, side) = first.at;
        // The other boundaries take a search of the graph: only for the diagnostics that get
        // a full path, so that the check stays linear on huge broken inputs.
        let searched = paths > 0;
        let missing = a.context.explain(wf, &a.graph, n, field, side, &mut paths);
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
                let (label, mut help) = a.explain_cause(field, m);
                if searched {
                    help.push_str(&a.other_boundaries(field, n, m));
                }
                // Bringing a `sensitive` field to an owner without clearance is E305: the help
                // says so, so that doing what it says is the whole fix.
                let uncleared = a
                    .graph
                    .step(n)
                    .and_then(|s| a.owner(s))
                    .filter(|o| !o.grants("sensitive"));
                if let (false, true, Some(owner)) =
                    (first.condition, wf.field(field).sensitive, uncleared)
                {
                    help.push_str(&format!(
                        "; `{name}` is `sensitive`, so `{}` also needs `sensitive` in its `can`",
                        owner.name.text
                    ));
                }
                let d = Diagnostic::new(
                    &RULE,
                    format!(
                        "{what}, which is missing on the path `{}`",
                        a.path_text(&m.path)
                    ),
                    first.span,
                    format!("`{name}` is not available here on every path"),
                    help,
                )
                .with_label(label.span, label.message);
                match a.carries_fix(field, m) {
                    Some(fix) => d.with_fix(fix),
                    None => d,
                }
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
            let label = if site.condition {
                "tested here too".to_string()
            } else {
                format!("`{}` needs it too", site.step_or_source)
            };
            d = d.with_label(site.span, label);
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

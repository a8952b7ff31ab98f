//! E302 carries-unavailable: a handoff or escalation carries a field that is not available at
//! its source on some path.

use crate::check::flow::{Missing, Side, PATH_BUDGET};
use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{FieldId, StepId, TransitionKind};
use crate::rules::Rule;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "E302",
    name: "carries-unavailable",
    severity: Severity::Error,
    summary:
        "a handoff or escalation `carries` a field that is not available at its source on some path",
    explanation: r#"
## What it does
Reports a field in the `carries` of a handoff that is not available after the source step on
every path, and a field in the `carries` of an escalation that is
not available after the owner's attempt. The diagnostic names a path on which it is missing.

## Why it matters
A `carries` list is a promise to the receiver. Promising a field that is sometimes absent means
the receiver plans on context it will not get, which is worse than not promising it.

## Example
```handoff
workflow support {
  owner agent
  actor bot: ai
  actor agent: human { inbox email "agent@example.com" }
  context { ticket: text  summary: summary }
  trigger chat: webhook "/chat" { provides ticket }
  step answer { owner bot needs ticket }
  step takeover { owner agent needs summary }
  flow chat -> answer
  handoff answer -> takeover { carries summary  sla 1h }
}
```

## Fix
Make the field available before the boundary (have the source step `provides summary`), or
carry it into the source step across the earlier boundary that drops it.
"#,
    check: Some(check),
};

/// Whether E301 reports `f` missing at the source itself (it `needs` it): the field is then
/// not reported again on the routes out of it.
fn missing_at(a: &Analysis<'_>, from: crate::ir::NodeId, f: crate::ir::FieldId) -> bool {
    let crate::ir::NodeId::Step(s) = from else {
        return false;
    };
    a.wf.step(s).needs.iter().any(|r| r.target == Some(f))
        && !a.context.may_have_in(a.graph.node(from), f)
}

/// The fields that a condition evaluated after each node ran tests (the guards of its routes,
/// the conditions of its escalations), as sorted `(node, field)` pairs. A field missing there
/// is E301's at the condition, so carrying it out of the same node is not reported again.
fn tested_after(a: &Analysis<'_>) -> Vec<(usize, usize)> {
    let mut tested: Vec<(usize, usize)> = a
        .conditions_after()
        .flat_map(|(n, cond)| {
            a.conditions
                .fields(cond)
                .map(move |(f, _)| (n.index(), f.index()))
        })
        .collect();
    tested.sort_unstable();
    tested.dedup();
    tested
}

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    let mut paths = PATH_BUDGET;
    // One diagnostic per field missing after a node: the routes out of it that carry the field
    // lack it for one reason (the help's edit fixes them all); the others are labels.
    let mut reported = super::OncePer::new();
    let mut tested: Option<Vec<(usize, usize)>> = None;
    let mut reported_by_e301 = |n: usize, f: FieldId| {
        tested
            .get_or_insert_with(|| tested_after(a))
            .binary_search(&(n, f.index()))
            .is_ok()
    };
    for t in &wf.transitions {
        // A handoff into a trigger (E205) takes no further part, its `carries` included.
        if t.kind != TransitionKind::Handoff || t.dropped() {
            continue;
        }
        let Some((from, _)) = t.ends() else { continue };
        let n = a.graph.node(from);
        if !a.graph.reached[n.index()] {
            continue;
        }
        for c in &t.route().carries {
            let Some(f) = c.target else { continue };
            if a.context.may_have_out(n, f)
                || missing_at(a, from, f)
                || reported_by_e301(n.index(), f)
            {
                continue;
            }
            let what = format!("the handoff `{}`", a.arrow(t));
            let key = (n.index(), f);
            if reported.also(out, &key, c.span, also(&what)) {
                continue;
            }
            let missing = a.context.explain(wf, &a.graph, n, f, Side::Out, &mut paths);
            let d = diagnostic(a, f, c.span, wf.node_name(from), &what, missing);
            reported.push(out, key, d);
        }
    }
    for (i, step) in wf.steps.iter().enumerate() {
        let n = a.step_node(StepId(i as u32));
        if !a.graph.reached[n.index()] {
            continue;
        }
        for esc in step.escalations() {
            for c in &esc.route.carries {
                let Some(f) = c.target else { continue };
                if a.context.may_have_out(n, f)
                    || missing_at(a, crate::ir::NodeId::Step(StepId(i as u32)), f)
                    || reported_by_e301(n.index(), f)
                {
                    continue;
                }
                let key = (n.index(), f);
                if reported.also(out, &key, c.span, also("an escalation")) {
                    continue;
                }
                let missing = a.context.explain(wf, &a.graph, n, f, Side::Out, &mut paths);
                let d = diagnostic(a, f, c.span, &step.name.text, "this escalation", missing);
                reported.push(out, key, d);
            }
        }
    }
}

/// The label of a route out of the same node that carries the same missing field.
fn also(what: &str) -> String {
    format!("{what} carries it from there too")
}

fn diagnostic(
    a: &Analysis<'_>,
    field: FieldId,
    span: Span,
    source: &str,
    route: &str,
    missing: Option<Missing>,
) -> Diagnostic {
    let name = a.field_name(field);
    match missing {
        Some(m) => {
            let (label, help) = a.explain_cause(field, &m);
            let fix = a.carries_fix(field, &m);
            let d = Diagnostic::new(
                &RULE,
                format!(
                    "{route} carries `{name}`, which is missing after `{source}` on the path `{}`",
                    a.path_text(&m.path)
                ),
                span,
                format!("`{name}` is not available at `{source}` on every path"),
                help,
            )
            .with_label(label.span, label.message);
            match fix {
                Some(fix) => d.with_fix(fix),
                None => d,
            }
        }
        None => Diagnostic::new(
            &RULE,
            format!(
                "{route} carries `{name}`, which is not available after `{source}` on every path"
            ),
            span,
            format!("`{name}` is not available at `{source}` on every path"),
            format!("provide `{name}` before `{source}`, or remove it from `carries`"),
        ),
    }
}

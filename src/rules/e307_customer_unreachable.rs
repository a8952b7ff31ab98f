//! E307 customer-unreachable: a `notify` is sent where the workflow's `customer` field is not
//! available on some path, or `customer` names a field that is not `email` or `url`.

use crate::check::flow::{Side, PATH_BUDGET};
use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{NodeId, StepId};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "E307",
    name: "customer-unreachable",
    severity: Severity::Error,
    summary: "a `notify` is sent where the workflow's `customer` field is not available on some path, or `customer` names a field that is not `email` or `url`",
    explanation: r#"
## What it does
`customer FIELD` names the context field through which the customer is told what happens: an
`email` field (each `notify` message is emailed to it) or a `url` field (each message is posted
to it, as a chat platform's callback expects). A `notify` is sent from the source of its
handoff or escalation once that step ran, so the field must be available there on every path:
in what the source step received plus what it provides (for a handoff), or in what the escalating
step received plus what it provides (for an escalation).

The rule reports a `notify` sent where the field may be missing, naming a path on which it is
and the boundary that dropped it (once per step the notices leave from: the others are labels),
and a `customer` field of another type. A notice sent from a
step that needs the field and lacks it, or from any step after one, is not reported: E301
reports that step, with the boundary that dropped the field.

## Why it matters
A notice that has no address to go to is never delivered: the customer who was promised a call
within four hours hears nothing, and nobody notices.

## Example
```handoff
workflow support {
  owner agents
  customer_facing
  customer email
  actor bot: ai
  actor agents: team { inbox email "agents@example.com" }
  context { email: email  question: text  brief: summary }
  trigger chat: webhook "/chat" { provides question }
  step answer { owner bot needs question provides brief }
  step reply { owner agents needs brief }
  flow chat -> answer
  handoff answer -> reply {
    carries brief
    sla 1h
    notify "A colleague will answer you within the hour."
  }
}
```
The webhook never provides `email`, so the notice on `answer -> reply` has nowhere to go.

## Fix
Make the field available before the notice: provide it from the trigger (`provides question,
email`), or carry it across the boundary that drops it. For a wrong type, name an `email` or
`url` field in `customer`.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    let Some(customer) = wf.customer else { return };
    let Some(field) = customer.target else { return };
    let f = wf.field(field);
    if f.declared_twice {
        return;
    }
    if !f.reaches_a_person() {
        out.push(
            Diagnostic::new(
                &RULE,
                format!(
                    "the customer field `{}` is `{}`, so notices cannot be delivered to it",
                    f.name.text, f.ty
                ),
                customer.span,
                "the customer is reached through an `email` or `url` field",
                format!(
                    "name an `email` or `url` field in `customer`, or change the type of `{}` to `email` or `url`",
                    f.name.text
                ),
            )
            .with_label(
                f.span,
                format!("`{}` is declared `{}` here", f.name.text, f.ty),
            ),
        );
        return;
    }
    // The steps where E301 reports the field missing, and every step after them: a notice sent
    // from one of them lacks the field for the reason that E301 gives, which names the boundary
    // that dropped it, so it is not reported again (as E302 is not). Linear: each node once.
    let mut after = vec![false; a.graph.g.node_count()];
    let mut queue = Vec::new();
    for (i, step) in wf.steps.iter().enumerate() {
        let n = a.step_node(StepId(i as u32));
        if a.graph.reached[n.index()]
            && step.needs.iter().any(|r| r.target == Some(field))
            && !a.context.may_have_in(n, field)
        {
            after[n.index()] = true;
            queue.push(n);
        }
    }
    // E301 reports the field at a condition evaluated after a node (a route's guard, an
    // escalation's condition) that tests it where it may be missing: the same reason.
    let mut seed = |n: petgraph::graph::NodeIndex, queue: &mut Vec<_>| {
        if a.graph.reached[n.index()] && !a.context.may_have_out(n, field) && !after[n.index()] {
            after[n.index()] = true;
            queue.push(n);
        }
    };
    for (n, cond) in a.conditions_after() {
        if a.conditions.fields(cond).any(|(f, _)| f == field) {
            seed(n, &mut queue);
        }
    }
    while let Some(n) = queue.pop() {
        for (_, next, _) in a.graph.routes_out(n) {
            if !after[next.index()] {
                after[next.index()] = true;
                queue.push(next);
            }
        }
    }
    let mut budget = PATH_BUDGET;
    // One diagnostic per step the notices leave from: the field is missing there for one
    // reason, whichever notice is sent; the other notices are labels of it.
    let mut reported = super::OncePer::new();
    for r in a.routes() {
        let Some(notify) = &r.route.notify else {
            continue;
        };
        let Some(source) = r.source else { continue };
        let n = a.graph.node(NodeId::Step(source));
        if !a.graph.reached[n.index()] || a.context.may_have_out(n, field) {
            continue;
        }
        // A route that carries the field where it may be missing is E302's (or E301's) to
        // report, with the boundary that dropped it: the same reason.
        if after[n.index()] || r.route.carries.iter().any(|c| c.target == Some(field)) {
            continue;
        }
        let what = r.what(a);
        let source_name = &wf.step(source).name.text;
        let either = format!("the notice of {what} cannot reach the customer either");
        if reported.also(out, &source, notify.span, either) {
            continue;
        }
        let missing = a
            .context
            .explain(wf, &a.graph, n, field, Side::In, &mut budget);
        let path = missing
            .as_ref()
            .filter(|m| m.path.len() > 1)
            .map(|m| format!(" on the path `{}`", a.path_text(&m.path)))
            .unwrap_or_default();
        let mut d = Diagnostic::new(
            &RULE,
            format!(
                "the notice of {what} cannot reach the customer: `{}` is not available at `{source_name}`{path}",
                f.name.text
            ),
            notify.span,
            format!("sent after `{source_name}`, where `{}` may be missing", f.name.text),
            format!(
                "add `{}` to `provides` of a trigger or step before `{source_name}`",
                f.name.text
            ),
        )
        .with_label(customer.span, "the customer is reached through this field");
        if let Some(m) = &missing {
            let (label, help) = a.explain_cause(field, m);
            d = d.with_label(label.span, label.message);
            d.help = help;
        }
        reported.push(out, source, d);
    }
}

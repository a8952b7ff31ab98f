//! E305 sensitive-leak: a `sensitive` field reaches an actor without `can sensitive`.

use std::collections::HashSet;

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::check::graph::EdgeKind;
use crate::check::{Analysis, RouteOrigin};
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{
    Actor, ActorId, FallbackFrom, Field, FieldId, NodeId, Route, TransitionKind, Workflow,
};
use crate::rules::Rule;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "E305",
    name: "sensitive-leak",
    severity: Severity::Error,
    summary: "a `sensitive` field reaches an owner, a handoff's receiver or fallback, an escalation target or its fallback, or an approver that lacks `can sensitive`",
    explanation: r#"
## What it does
Reports a field marked `sensitive` that reaches an actor without `can sensitive`:
- it is available (on every path, as for E301) to a step whose owner lacks it;
- a handoff carries it to a receiver that lacks it: the target step's owner, or, when the
  handoff has an `sla`, the fallback its breach reaches (the handoff's `fallback`, else the
  receiving actor's, else the workflow owner), whether or not the field is available on every
  path into the receiving step;
- an escalation carries it to its target, or, with an `sla`, to the fallback its breach reaches
  (the escalation's, else the target's, else the workflow owner), when that actor lacks it;
- a step needs it while one of the step's approvers (who see the step's needs) lacks it.

Every handoff or escalation that carries the field to such an actor is reported, at its
`carries`; a step where the field is available is reported only when no boundary already was
for that actor and field, and then once per actor and field, at the first such step; a step's
owner who also approves it is that one report. An `ai` or `system` actor named as an approver,
escalation target or fallback is left to E203: it cannot stand there at all. A field
that reaches the step only over a `flow` between different owners is left to E202, which
reports that `flow`: the handoff it asks for decides what travels.

## Why it matters
Personal and secret data (bank details, health data, credentials) should reach only the actors
cleared for it. A `flow` passes everything, so one forgotten boundary is enough to hand an IBAN
to a chatbot or to a contractor team.

## Example
```handoff
workflow refunds {
  actor bot: ai
  context { iban: text sensitive }
  trigger request: form "Refund" { provides iban }
  step check { owner bot needs iban }
  flow request -> check
}
```

## Fix
Stop the field before the actor (leave it out of `carries`, or move the step that collects it
after the uncleared steps), or clear the actor with `can sensitive` if it really may see it.
"#,
    check: Some(check),
};

fn cleared(actor: &Actor) -> bool {
    // A second declaration (E102) that clears it: which one was meant is not known.
    actor.grants("sensitive") || actor.declared_twice.sensitive
}

/// A leak of `field` at `span`, pointing at the field's `sensitive` declaration.
fn leak(field: &Field, message: String, span: Span, label: String, help: String) -> Diagnostic {
    Diagnostic::new(&RULE, message, span, label, help).with_label(
        field.span,
        format!("`{}` is declared `sensitive` here", field.name.text),
    )
}

/// Who a route's SLA breach reaches: the route's own fallback, else the receiver's, else the
/// workflow owner (docs/language.md).
fn breach_receiver(wf: &Workflow, route: &Route, receiver: Option<ActorId>) -> Option<ActorId> {
    route.sla?;
    let (fallback, from) = wf.fallback_of(route.fallback, receiver)?;
    // A machine named as a fallback is E203's: it cannot be one, so its clearance is moot.
    let named = matches!(from, FallbackFrom::Route | FallbackFrom::Receiver);
    (!named || wf.actor(fallback).kind.is_person()).then_some(fallback)
}

/// The sensitive fields a handoff or an escalation carries to someone without clearance: to the
/// receiver, or past the SLA to the fallback its breach reaches.
fn check_carries(
    a: &Analysis<'_>,
    route: &Route,
    receiver: Option<ActorId>,
    what: &str,
    needed_by: Option<&crate::ir::Step>,
    reported: &mut HashSet<(u32, FieldId)>,
    out: &mut Vec<Diagnostic>,
) {
    let wf = a.wf;
    let fallback = breach_receiver(wf, route, receiver);
    for c in &route.carries {
        let Some(f) = c.target.filter(|f| wf.field(*f).sensitive) else {
            continue;
        };
        let field = wf.field(f);
        let uncleared_receiver = receiver.filter(|r| !cleared(wf.actor(*r)));
        let uncleared_fallback =
            fallback.filter(|r| !cleared(wf.actor(*r)) && Some(*r) != receiver);
        // Each boundary that hands the field over is a mistake of its own (each needs its own
        // edit); the steps of those actors are then not reported again for the field. The
        // receiver and the fallback past the SLA of one boundary are one diagnostic, which
        // names both, so that doing what its help says clears the boundary.
        let (to, how, also) = match (uncleared_receiver, uncleared_fallback) {
            (Some(r), fallback) => (r, "", fallback),
            (None, Some(fb)) => (fb, " as the fallback past the SLA", None),
            (None, None) => continue,
        };
        reported.insert((to.0, f));
        let (name, actor) = (&field.name.text, &wf.actor(to).name.text);
        let also = also.map(|fb| {
            reported.insert((fb.0, f));
            wf.actor(fb)
        });
        let (message, whom) = match also {
            Some(fb) => (
                format!(
                    "the sensitive field `{name}` is carried to `{actor}` and, past the SLA, to `{}`, and neither has `can sensitive`",
                    fb.name.text
                ),
                format!("`{actor}` and of `{}`", fb.name.text),
            ),
            None => (
                format!(
                    "the sensitive field `{name}` is carried to `{actor}`{how}, and `{actor}` lacks `can sensitive`"
                ),
                format!("`{actor}`"),
            ),
        };
        // A field the step needs cannot be left out of `carries` (E301 or E306 after the edit):
        // the help clears the actor, or names a cleared fallback instead.
        let needer = needed_by.filter(|s| s.needs.iter().any(|r| r.target == Some(f)));
        let help = if let Some(step) = needer {
            let needs = format!(
                "step `{}` needs `{name}`, so it stays in `carries`",
                step.name.text
            );
            if uncleared_receiver.is_none() {
                let other = receiver.map(|r| wf.actor(r).name.text.as_str());
                let except: Vec<&str> = std::iter::once(actor.as_str()).chain(other).collect();
                match a.some_person_who(&except, cleared) {
                    "ACTOR" => format!(
                        "{needs}: add `sensitive` to the `can` of {whom}, or name a fallback who has it"
                    ),
                    person => format!(
                        "{needs}: name a fallback who has `can sensitive` (`fallback {person}`), or add `sensitive` to the `can` of {whom}"
                    ),
                }
            } else {
                format!("{needs}: add `sensitive` to the `can` of {whom}")
            }
        } else {
            format!(
                "remove `{name}` from `carries` of {what}, or add `sensitive` to the `can` of {whom}"
            )
        };
        let mut d = leak(
            field,
            message,
            c.span,
            format!("{what} gives `{name}` to `{actor}` here"),
            help,
        );
        if let Some(fb) = also {
            d = d.with_label(
                fb.name.span,
                format!(
                    "`{}` receives it past the SLA and lacks `can sensitive` too",
                    fb.name.text
                ),
            );
        }
        out.push(d);
    }
}

/// How a sensitive field arrives at a step, for the help line: the edit that stops it there.
// The short names follow the other rules: `a` the analysis, `n` the node, `f` the field.
#[allow(clippy::many_single_char_names)]
fn arrival_help(a: &Analysis<'_>, n: NodeIndex, f: FieldId, owner: &Actor) -> String {
    let wf = a.wf;
    let name = &wf.field(f).name.text;
    let clear = format!("or add `sensitive` to the `can` of `{}`", owner.name.text);
    let Some(s) = a.graph.step(n) else {
        return clear;
    };
    let step = wf.step(s);
    // A step that needs the field cannot do without it: keeping it away only trades this for
    // E301.
    if step.needs.iter().any(|r| r.target == Some(f)) {
        return format!(
            "step `{}` needs `{name}`: add `sensitive` to the `can` of `{}`, or give the step an owner who has it",
            step.name.text, owner.name.text
        );
    }
    if step.provides.iter().any(|p| p.target == Some(f)) && !a.context.has_in(n, f) {
        return format!(
            "step `{}` produces `{name}` itself: remove it from `provides` and let a cleared actor collect it, {clear}",
            step.name.text
        );
    }
    let mut incoming: Vec<(NodeIndex, EdgeKind)> = a
        .graph
        .g
        .edges_directed(n, Direction::Incoming)
        .map(|e| (e.source(), *e.weight()))
        .collect();
    incoming.sort_by_key(|(p, k)| (p.index(), matches!(k, EdgeKind::Compensation)));
    let mut fallback = None;
    for (p, kind) in incoming {
        let from = wf.node_name(a.graph.id(p));
        let text = match kind {
            EdgeKind::Transition(t, TransitionKind::Handoff) => {
                let t = &wf.transitions[t.index()];
                if !t.route().carries.iter().any(|c| c.target == Some(f)) {
                    continue;
                }
                format!(
                    "remove `{name}` from `carries` of the handoff `{}`, {clear}",
                    a.arrow(t)
                )
            }
            EdgeKind::Transition(_, TransitionKind::Flow) => {
                if !a.context.has_out(p, f) {
                    continue;
                }
                match a.graph.id(p) {
                    NodeId::Trigger(_) => format!(
                        "the trigger `{from}` provides `{name}` and a `flow` passes everything: remove `{name}` from its `provides`, or route the work through a cleared step first, {clear}"
                    ),
                    NodeId::Step(_) => format!(
                        "a `flow` from `{from}` passes everything: make it a `handoff` that leaves `{name}` out of `carries`, {clear}"
                    ),
                }
            }
            EdgeKind::ApprovalElse => {
                if !a.context.has_in(p, f) {
                    continue;
                }
                format!(
                    "the `else` route of `{from}` passes what `{from}` received, `{name}` included: send rejections to a step whose owner has `can sensitive`, {clear}"
                )
            }
            EdgeKind::Compensation => {
                if !a.context.has_after_run(p, f) {
                    continue;
                }
                format!(
                    "step `{}` compensates `{from}` and runs with its context, `{name}` included: give it an owner with `can sensitive`, {clear}",
                    step.name.text
                )
            }
        };
        fallback.get_or_insert(text);
    }
    fallback
        .unwrap_or_else(|| format!("keep `{name}` away from step `{}`, {clear}", step.name.text))
}

/// Whether `f` reaches step `n` only over `flow`s from steps of another owner (each one E202), or
/// from steps it reached that way, so that the handoff E202 asks for is where the field is kept or given.
#[allow(clippy::many_single_char_names)]
fn only_through_undeclared_handoffs(
    a: &Analysis<'_>,
    n: NodeIndex,
    f: FieldId,
    passed_on: &HashSet<(NodeIndex, FieldId)>,
) -> bool {
    let wf = a.wf;
    if let Some(s) = a.graph.step(n) {
        let step = wf.step(s);
        // A step that needs the field keeps needing it behind any handoff: a leak of its own.
        if step.needs.iter().any(|r| r.target == Some(f)) {
            return false;
        }
        if step.provides.iter().any(|p| p.target == Some(f)) && !a.context.has_in(n, f) {
            return false;
        }
    }
    let mut undeclared = false;
    for e in a.graph.g.edges_directed(n, Direction::Incoming) {
        let p = e.source();
        let delivers = match *e.weight() {
            EdgeKind::Transition(t, TransitionKind::Flow) => {
                if !a.context.has_out(p, f) {
                    continue;
                }
                let changes_owner = a
                    .step_owners(&wf.transitions[t.index()])
                    .is_some_and(|ends| !ends.same);
                if changes_owner || passed_on.contains(&(p, f)) {
                    undeclared = true;
                    continue;
                }
                true
            }
            EdgeKind::Transition(t, TransitionKind::Handoff) => wf.transitions[t.index()]
                .route()
                .carries
                .iter()
                .any(|c| c.target == Some(f)),
            EdgeKind::ApprovalElse => a.context.has_in(p, f),
            EdgeKind::Compensation => a.context.has_after_run(p, f),
        };
        if delivers {
            return false;
        }
    }
    undeclared
}

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    if !wf.fields.iter().any(|f| f.sensitive) {
        return;
    }
    let sensitive = |f: &FieldId| wf.field(*f).sensitive;
    // Each actor and field once: what a handoff carries to an actor is reported there (where the
    // fix is), not again where the field is available to the actor's step.
    let mut reported: HashSet<(u32, FieldId)> = HashSet::new();
    for r in a.routes() {
        let (route, receiver, what) = match r.origin {
            RouteOrigin::Handoff(t) => {
                let t = &wf.transitions[t.index()];
                let receiver = a
                    .target_step(t)
                    .and_then(|s| wf.step(s).owner)
                    .and_then(|o| o.target);
                (t.route(), receiver, format!("the handoff `{}`", a.arrow(t)))
            }
            RouteOrigin::Escalation(s, i) => {
                let esc = &wf.step(s).escalations()[i];
                // A machine as the escalation target is E203's: it cannot be one.
                let target = esc.target.target.filter(|t| wf.actor(*t).kind.is_person());
                (&esc.route, target, r.what(a))
            }
        };
        // The step the field is carried for: a handoff's target, an escalation's own step.
        let step = match r.origin {
            RouteOrigin::Handoff(t) => a.target_step(&wf.transitions[t.index()]),
            RouteOrigin::Escalation(s, _) => Some(s),
        };
        let needed_by = step.map(|s| wf.step(s));
        check_carries(a, route, receiver, &what, needed_by, &mut reported, out);
    }
    let mut passed_on: HashSet<(NodeIndex, FieldId)> = HashSet::new();
    for &n in &a.graph.order {
        let Some(s) = a.graph.step(n) else { continue };
        let step = wf.step(s);
        let Some(owner_id) = step.owner.and_then(|o| o.target) else {
            continue;
        };
        let owner = wf.actor(owner_id);
        if cleared(owner) {
            continue;
        }
        for f in a.context.after_run(n).filter(sensitive) {
            if reported.contains(&(owner_id.0, f)) {
                continue;
            }
            if only_through_undeclared_handoffs(a, n, f, &passed_on) {
                // E202 reports the `flow` that changes owners; declaring it as the handoff its
                // help asks for decides what travels, so the field is not reported again here,
                // nor where the same owner's flows take it next.
                passed_on.insert((n, f));
                continue;
            }
            reported.insert((owner_id.0, f));
            let field = wf.field(f);
            out.push(leak(
                field,
                format!(
                    "the sensitive field `{}` reaches `{}`, which lacks `can sensitive`",
                    field.name.text, owner.name.text
                ),
                step.name.span,
                format!(
                    "`{}` is available to step `{}`",
                    field.name.text, step.name.text
                ),
                arrival_help(a, n, f, owner),
            ));
        }
    }
    for step in &wf.steps {
        let Some(approval) = &step.approval() else {
            continue;
        };
        for approver in &approval.approvers {
            let Some(id) = approver.target else {
                continue;
            };
            let actor = wf.actor(id);
            // A machine approver is E203's.
            if cleared(actor) || !actor.kind.is_person() {
                continue;
            }
            let Some(f) = step.needs.iter().filter_map(|n| n.target).find(sensitive) else {
                continue;
            };
            // The step's own owner, reported for the field already, is the same mistake.
            let owner = step.owner.and_then(|o| o.target);
            if owner == Some(id) && reported.contains(&(id.0, f)) {
                continue;
            }
            let field = wf.field(f);
            out.push(leak(
                field,
                format!(
                    "the approver `{}` lacks `can sensitive` but would see the sensitive field `{}`",
                    actor.name.text, field.name.text
                ),
                approver.span,
                format!("approvers see what step `{}` needs, `{}` included", step.name.text, field.name.text),
                format!(
                    "add `sensitive` to the `can` of `{}`, or choose an approver who has it",
                    actor.name.text
                ),
            ));
        }
    }
}

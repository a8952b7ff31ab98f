//! E501 unreachable-step: no path from any trigger reaches the step.

use std::collections::VecDeque;

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::NodeId;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "E501",
    name: "unreachable-step",
    severity: Severity::Error,
    summary: "no path from any trigger reaches the step",
    explanation: r#"
## What it does
Reports a step that no path from a trigger reaches. A step named in `compensable by` counts as
reached with the step it compensates, and the `else` step of an approval with the approving
step. Unreachable steps that follow one another are reported once, at the first of them. Not
reported when the workflow has no trigger at all (that is E502), nor for a step at the end of a
route that was rejected or whose source did not resolve, nor for the source of a route into a
trigger (E205: probably an arrow written the wrong way round), nor for a step that an E101 suggested
for a misspelt name (`flow a -> reveiw` is E101, "did you mean `review`?", and `review` is not
also unreachable).

## Why it matters
An unreachable step is usually a forgotten transition: the step that was meant to tell the
customer, or to hand over to a person, never runs, and nothing fails loudly.

## Example
```handoff
workflow onboarding {
  actor bot: ai
  trigger signup: webhook "/signup"
  step welcome { owner bot }
  step follow_up { owner bot }
  flow signup -> welcome
}
```

## Fix
Add the missing transition (`flow welcome -> follow_up`), or delete the step.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    // An item dropped for a syntax error (E001) may have supplied what looks absent.
    if a.wf.recovered {
        return;
    }
    let wf = a.wf;
    if wf.triggers.is_empty() {
        return;
    }
    let g = &a.graph.g;
    let mut reached = a.graph.reached.clone();
    // A step at the end of an edge that failed to resolve or was rejected may well be reachable
    // through it: it and what follows are not reported again.
    let mut queue: VecDeque<NodeIndex> = VecDeque::new();
    for t in &wf.transitions {
        let broken = t.rejected || t.from.target.is_none();
        if let (true, Some(to @ NodeId::Step(_))) = (broken, t.to.target) {
            let n = a.graph.node(to);
            if !reached[n.index()] {
                reached[n.index()] = true;
                queue.push_back(n);
            }
        }
        // A route from a step into a trigger (E205) is most likely an arrow written the wrong
        // way round (`flow a -> start`): its step was meant to be reached from the trigger.
        if let (Some(from @ NodeId::Step(_)), Some(NodeId::Trigger(_))) =
            (t.from.target, t.to.target)
        {
            let n = a.graph.node(from);
            if !reached[n.index()] {
                reached[n.index()] = true;
                queue.push_back(n);
            }
        }
    }
    // So is a step that a "did you mean" suggested for a name that did not resolve: the
    // misspelt route was probably meant to lead there.
    for (i, step) in wf.steps.iter().enumerate() {
        let n = a.step_node(crate::ir::StepId(i as u32));
        if step.suggested && !reached[n.index()] {
            reached[n.index()] = true;
            queue.push_back(n);
        }
    }
    spread(g, &mut reached, queue);
    // Report the first of each region of unreachable steps: first those with no unreachable
    // predecessor, then (for unreachable cycles) the earliest remaining step.
    let unreached: Vec<NodeIndex> = g.node_indices().filter(|n| !reached[n.index()]).collect();
    let mut heads: Vec<NodeIndex> = unreached
        .iter()
        .copied()
        .filter(|&n| {
            g.neighbors_directed(n, Direction::Incoming)
                .all(|p| reached[p.index()] && p != n)
        })
        .collect();
    let mut covered = reached.clone();
    let mut order = heads.clone();
    order.extend(unreached.iter().copied());
    heads.clear();
    for n in order {
        if covered[n.index()] {
            continue;
        }
        covered[n.index()] = true;
        let more = spread(g, &mut covered, VecDeque::from([n]));
        heads.push(n);
        let Some(s) = a.graph.step(n) else { continue };
        let step = wf.step(s);
        let label = if more == 0 {
            "no trigger leads here".to_string()
        } else {
            format!(
                "no trigger leads here, nor to the {more} step{} after it",
                if more == 1 { "" } else { "s" }
            )
        };
        out.push(Diagnostic::new(
            &RULE,
            format!("step `{}` is unreachable", step.name.text),
            step.name.span,
            label,
            format!(
                "add a transition into `{}` (for example from a trigger or an earlier step), or remove it",
                step.name.text
            ),
        ));
    }
}

/// Marks everything reachable from the queued nodes; returns how many nodes it marked.
fn spread(
    g: &petgraph::graph::DiGraph<(), crate::check::graph::EdgeKind, u32>,
    seen: &mut [bool],
    mut queue: VecDeque<NodeIndex>,
) -> usize {
    let mut marked = 0;
    while let Some(v) = queue.pop_front() {
        for e in g.edges_directed(v, Direction::Outgoing) {
            let w = e.target();
            if !seen[w.index()] {
                seen[w.index()] = true;
                marked += 1;
                queue.push_back(w);
            }
        }
    }
    marked
}

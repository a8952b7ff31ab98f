//! E503 no-exit-cycle: a cycle of steps from which no step without successors can be reached.

use std::collections::VecDeque;

use petgraph::algo::kosaraju_scc;
use petgraph::graph::NodeIndex;
use petgraph::visit::{EdgeFiltered, EdgeRef};

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "E503",
    name: "no-exit-cycle",
    severity: Severity::Error,
    summary: "a cycle of steps from which no step without successors can be reached",
    explanation: r#"
## What it does
Finds the cycles of the workflow (strongly connected sets of steps) and reports each one from
which the work can never finish: no step without successors is reachable from it, no approval
can end it by a rejection, and no conditional route can leave the work where it is. A cycle
with a route out that leads only into such a cycle is not reported: the one it leads into is.

## Why it matters
Work caught in such a loop bounces between owners forever: a ticket reassigned between two teams,
a draft sent back for review without end. Nobody is alerted, because every step is working.

## Example
```handoff
workflow review {
  owner editor
  actor writer: human { inbox email "writer@example.com" }
  actor editor: human { inbox email "editor@example.com" }
  trigger start: manual
  step draft { owner writer }
  step edit { owner editor }
  flow start -> draft
  handoff draft -> edit { sla 1d }
  handoff edit -> draft { sla 1d }
}
```

## Fix
Give the cycle a way out: a step after it (`handoff edit -> publish when approved == true`) and a
condition on the way back.
"#,
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    // An item dropped for a syntax error (E001) may have supplied what looks absent.
    if a.wf.recovered {
        return;
    }
    let wf = a.wf;
    if !a.graph.has_route_cycle() {
        return;
    }
    let g = &a.graph.g;
    let routes = EdgeFiltered::from_fn(g, |e| e.weight().is_route());
    // Where the work may end: no route out, an approval whose rejection ends the work, routes
    // whose conditions leave some case to none of them, or a route that failed (its diagnostic
    // has been given; it may well have been the way out).
    let mut can_end = vec![false; g.node_count()];
    let mut queue = VecDeque::new();
    for (i, step) in wf.steps.iter().enumerate() {
        let n = a.step_node(crate::ir::StepId(i as u32));
        let rejection_ends = step
            .approval()
            .as_ref()
            .is_some_and(|ap| ap.else_step.is_none());
        if a.may_stop_at(n) || rejection_ends {
            can_end[n.index()] = true;
            queue.push_back(n);
        }
    }
    while let Some(v) = queue.pop_front() {
        for (_, p, _) in a.graph.routes_in(v) {
            if !can_end[p.index()] {
                can_end[p.index()] = true;
                queue.push_back(p);
            }
        }
    }
    let sccs = kosaraju_scc(&routes);
    // A cycle with a route out that leads only into another such cycle is not reported: the
    // work does leave it, and the cycle it is caught in is the one mistake (reported itself).
    let mut component = vec![usize::MAX; g.node_count()];
    for (c, scc) in sccs.iter().enumerate() {
        for n in scc {
            component[n.index()] = c;
        }
    }
    let leaves = |c: usize, scc: &[NodeIndex]| {
        scc.iter().any(|&n| {
            g.edges(n)
                .any(|e| e.weight().is_route() && component[e.target().index()] != c)
        })
    };
    let mut cycles: Vec<Vec<NodeIndex>> = sccs
        .iter()
        .enumerate()
        .filter(|(_, scc)| {
            scc.len() > 1
                || g.edges_connecting(scc[0], scc[0])
                    .any(|e| e.weight().is_route())
        })
        .filter(|(_, scc)| scc.iter().all(|n| !can_end[n.index()]))
        // A cycle the work never reaches is E501's: no work is caught in it.
        .filter(|(_, scc)| scc.iter().any(|n| a.graph.reached[n.index()]))
        .filter(|&(c, scc)| !leaves(c, scc))
        .map(|(_, scc)| scc.clone())
        .collect();
    for scc in &mut cycles {
        scc.sort();
    }
    cycles.sort();
    for scc in cycles {
        let steps: Vec<_> = scc.iter().filter_map(|&n| a.graph.step(n)).collect();
        let Some(&first) = steps.first() else {
            continue;
        };
        let names: Vec<String> = steps
            .iter()
            .map(|s| format!("`{}`", wf.step(*s).name.text))
            .collect();
        let last = steps[steps.len() - 1];
        let message = if steps.len() == 1 {
            format!(
                "step {} loops onto itself and the work can never leave it",
                names[0]
            )
        } else {
            format!(
                "steps {} form a cycle that the work can never leave",
                names.join(", ")
            )
        };
        let same_owner =
            a.owner(last).map(|o| &o.name.text) == a.owner(first).map(|o| &o.name.text);
        let exit_kind = if same_owner { "flow" } else { "handoff" };
        let mut d = Diagnostic::new(
            &RULE,
            message,
            wf.step(first).name.span,
            "the cycle has no way out",
            format!(
                "add a route out of the cycle, for example `{exit_kind} {} -> NEXT_STEP when …`, so the work can finish",
                wf.step(last).name.text
            ),
        );
        for s in steps.iter().skip(1).take(8) {
            d = d.with_label(wf.step(*s).name.span, "part of the cycle");
        }
        out.push(d);
    }
}

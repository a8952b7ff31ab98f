//! E204 fallback-cycle: following `fallback` links returns to the start.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::Actor;
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "E204",
    name: "fallback-cycle",
    severity: Severity::Error,
    summary: "following `fallback` links returns to the start",
    explanation: r"
## What it does
Follows each actor's `fallback` and reports a chain that comes back to where it started, once
per cycle. A fallback that is an `ai` or `system` actor is E203's and closes no cycle.

## Why it matters
A fallback is who takes over when an SLA runs out. In a cycle, work past its deadline is passed
around forever between actors who have each already let it lapse, and nobody with the authority
to break the loop is ever paged.

## Example
```handoff
actor tier1: team { fallback tier2 }
actor tier2: team { fallback tier1 }
```

## Fix
End the chain at an actor without a `fallback`, usually a named person who is accountable:
`actor tier2: team { fallback support_lead }`.
",
    check: Some(check),
};

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    // Cycles among the file's top-level actors are reported once for the file; here only those
    // that involve an actor of this workflow.
    check_actors(&a.wf.actors, |actor| !actor.top_level, out);
}

/// Reports every fallback cycle among `actors` that contains an actor for which `report_if`
/// holds. Each actor has at most one fallback, so following links is linear overall.
pub fn check_actors(
    actors: &[Actor],
    report_if: impl Fn(&Actor) -> bool,
    out: &mut Vec<Diagnostic>,
) {
    // 0: not visited, 1: on the current chain, 2: done.
    let mut state = vec![0u8; actors.len()];
    for start in 0..actors.len() {
        let mut chain = Vec::new();
        let mut at = start;
        let mut ends = false;
        while state[at] == 0 {
            state[at] = 1;
            chain.push(at);
            // A fallback that is an `ai` or `system` actor is E203's: it cannot stand there, so
            // it closes no cycle.
            let next = actors[at]
                .fallback
                .and_then(|f| f.target)
                .filter(|n| actors[n.index()].kind.is_person());
            if let Some(next) = next {
                at = next.index();
            } else {
                ends = true;
                break;
            }
        }
        // The chain came back to an actor on itself: that part of it is a cycle.
        if !ends && state[at] == 1 {
            if let Some(pos) = chain.iter().position(|&i| i == at) {
                let cycle = &chain[pos..];
                if cycle.iter().any(|&i| report_if(&actors[i])) {
                    out.push(diagnostic(actors, cycle));
                }
            }
        }
        for i in chain {
            state[i] = 2;
        }
    }
}

fn diagnostic(actors: &[Actor], cycle: &[usize]) -> Diagnostic {
    // Start the cycle at its first declared actor, so the report does not depend on traversal.
    let first = cycle
        .iter()
        .enumerate()
        .min_by_key(|(_, &i)| actors[i].span.start())
        .map_or(0, |(k, _)| k);
    let ordered: Vec<usize> = cycle[first..]
        .iter()
        .chain(&cycle[..first])
        .copied()
        .collect();
    let names: Vec<&str> = ordered
        .iter()
        .map(|&i| actors[i].name.text.as_str())
        .collect();
    let start = &actors[ordered[0]];
    let last = &actors[ordered[ordered.len() - 1]];
    let text = names
        .iter()
        .chain(std::iter::once(&names[0]))
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" → ");
    let span = last.fallback.map_or(last.name.span, |f| f.span);
    let mut d = Diagnostic::new(
        &RULE,
        format!("fallback links form a cycle: {text}"),
        span,
        format!("this fallback leads back to `{}`", start.name.text),
        format!(
            "remove `fallback {}` from `{}` or point it at an actor outside the cycle",
            start.name.text, last.name.text
        ),
    );
    for &i in &ordered[..ordered.len() - 1] {
        if let Some(f) = actors[i].fallback {
            d = d.with_label(
                f.span,
                format!("`{}` falls back to this actor", actors[i].name.text),
            );
        }
    }
    d
}

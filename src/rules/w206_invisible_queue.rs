//! W206 invisible-queue: a person or team receives work but has no `inbox`.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{Actor, ActorId, Workflow};
use crate::rules::Rule;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "W206",
    name: "invisible-queue",
    severity: Severity::Warning,
    summary: "a `human` or `team` actor receives work (owns a step, approves, is escalated to, is a fallback, or owns the workflow) and has no `inbox`",
    explanation: r##"
## What it does
Reports a `human` or `team` actor that receives work in a workflow and has no `inbox`: it owns a
step, approves one, is the target of an escalation, is named as a `fallback` (of an actor, a
handoff or an escalation), or owns the workflow. It is reported once per actor, at its
declaration, with a pointer to the first place it receives work. A top-level actor is reported
once for the file.

## Why it matters
A compiled workflow tells a person that work waits for them through their inboxes. Without one,
the task sits in a queue nobody looks at: the lead waits, the SLA runs out, and the fallback
gets a surprise.

## Example
```handoff
workflow refunds {
  owner finance
  actor bot: ai
  actor finance: team
  context { amount: money  brief: summary }
  trigger request: webhook "/refunds" { provides amount }
  step check { owner bot needs amount provides brief }
  step pay { owner finance needs amount, brief }
  flow request -> check
  handoff check -> pay { carries amount, brief  sla 1d }
}
```

## Fix
Say where the actor is told: `inbox email "finance@example.com"` or `inbox slack "#finance"` in
its declaration.
"##,
    check: Some(check),
};

/// The first place in a workflow where an actor receives work, by actor.
fn receivers(wf: &Workflow) -> Vec<Option<Span>> {
    let mut first: Vec<Option<Span>> = vec![None; wf.actors.len()];
    let mut note = |id: Option<ActorId>, span: Span| {
        if let Some(id) = id {
            let slot = &mut first[id.index()];
            if slot.is_none_or(|s| span < s) {
                *slot = Some(span);
            }
        }
    };
    if let Some(o) = wf.owner {
        note(o.target, o.span);
    }
    for actor in &wf.actors {
        if let Some(f) = actor.fallback {
            note(f.target, f.span);
        }
    }
    for step in &wf.steps {
        if let Some(o) = step.owner {
            note(o.target, o.span);
        }
        if let Some(ap) = &step.approval() {
            for r in &ap.approvers {
                note(r.target, r.span);
            }
        }
        for esc in step.escalations() {
            note(esc.target.target, esc.target.span);
            if let Some(f) = esc.route.fallback {
                note(f.target, f.span);
            }
        }
    }
    // A rejected transition (E102, E103) or one into a trigger (E205) takes no further part:
    // its fallback goes with it.
    for t in wf.transitions.iter().filter(|t| !t.dropped()) {
        if let Some(f) = t.route().fallback {
            note(f.target, f.span);
        }
    }
    first
}

fn diagnostic(actor: &Actor, first_use: Span) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!(
            "`{}` receives work but has no `inbox`: nobody is told that work waits",
            actor.name.text
        ),
        actor.name.span,
        "no `inbox` here",
        format!(
            "add `inbox email \"…\"` or `inbox slack \"…\"` to the declaration of `{}`",
            actor.name.text
        ),
    )
    .with_label(first_use, "work waits for it here")
}

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    for (actor, first) in wf.actors.iter().zip(receivers(wf)) {
        // A top-level actor is reported once for the file, by `check_module`.
        if actor.top_level
            || !actor.kind.is_person()
            || !actor.inboxes.is_empty()
            || actor.declared_twice.inbox
        {
            continue;
        }
        if let Some(first) = first {
            out.push(diagnostic(actor, first));
        }
    }
}

/// Top-level actors: reported once for the file, at the first workflow where they receive work.
pub fn check_module(module: &crate::ir::Module, out: &mut Vec<Diagnostic>) {
    let mut done = vec![false; module.actors.len()];
    for wf in &module.workflows {
        let first = receivers(wf);
        for (i, actor) in module.actors.iter().enumerate() {
            if done[i]
                || !actor.kind.is_person()
                || !actor.inboxes.is_empty()
                || actor.declared_twice.inbox
                // Declared again inside this workflow (E102) with an inbox.
                || wf.actors.get(i).is_some_and(|x| x.declared_twice.inbox)
            {
                continue;
            }
            // Each workflow's actor table starts with the file's top-level actors.
            if let Some(span) = first.get(i).copied().flatten() {
                done[i] = true;
                out.push(diagnostic(actor, span));
            }
        }
    }
}

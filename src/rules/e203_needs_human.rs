//! E203 needs-human: an approver, an escalation target or a fallback is an `ai` or `system` actor.

use crate::check::Analysis;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ir::{Actor, ActorId, Ref};
use crate::rules::Rule;

pub static RULE: Rule = Rule {
    code: "E203",
    name: "needs-human",
    severity: Severity::Error,
    summary: "an approver, an escalation target or a `fallback` (of an actor, a handoff or an escalation) is an `ai` or `system` actor",
    explanation: r"
## What it does
Reports an `approve by` that names an `ai` or `system` actor, an `escalate to` whose target is
one, and a `fallback` (of an actor, a handoff or an escalation) that is one.

## Why it matters
An approval exists so that a person signs off, and an escalation exists because the machine was
not enough. Routing either to another machine removes the person the safeguard was for. A
fallback receives a person's task when its time runs out: a task waiting for an `ai` or `system`
fallback waits forever.

## Example
```handoff
workflow refunds {
  actor bot: ai
  actor payments: system
  trigger request: manual
  step pay {
    owner payments
    irreversible
    approve by bot
  }
  flow request -> pay
}
```

## Fix
Name a `human` or `team` actor: `approve by finance_lead`, `escalate to support when …`,
`fallback support_lead`.
",
    check: Some(check),
};

/// Reports an `ai` or `system` actor named where a person must act.
/// `help` is built only when there is something to report.
fn report(
    actors: &[Actor],
    r: &Ref<ActorId>,
    what: &str,
    help: impl FnOnce() -> String,
    out: &mut Vec<Diagnostic>,
) {
    let Some(id) = r.target else { return };
    let actor = &actors[id.index()];
    // A second declaration (E102) as a person: which one was meant is not known.
    if actor.kind.is_person() || actor.declared_twice.person {
        return;
    }
    out.push(
        Diagnostic::new(
            &RULE,
            format!(
                "{what} `{}` is {} `{}` actor, not a person",
                actor.name.text,
                super::e103_wrong_kind::article(actor.kind.keyword()),
                actor.kind.keyword()
            ),
            r.span,
            format!("`{}` cannot stand in for a person here", actor.name.text),
            help(),
        )
        .with_label(
            actor.name.span,
            format!(
                "`{}` is declared `{}` here",
                actor.name.text,
                actor.kind.keyword()
            ),
        ),
    );
}

const FALLBACK_HELP: &str = "name a `human` or `team` actor as the fallback";

/// The fallbacks of the file's top-level actors, checked once for the file.
pub fn check_actors(actors: &[Actor], out: &mut Vec<Diagnostic>) {
    for actor in actors {
        if let Some(f) = &actor.fallback {
            report(actors, f, "the fallback", || FALLBACK_HELP.to_string(), out);
        }
    }
}

fn check(a: &Analysis<'_>, out: &mut Vec<Diagnostic>) {
    let wf = a.wf;
    let actors = &wf.actors;
    // The help names a person of the workflow when there is one, other than those the edit
    // must not name (the actor itself, the receiver, the approvers listed already), which would
    // make another mistake (E204, E104) or change nothing.
    let such_as = |approver: bool, except: &[&str]| match a.some_person(except, approver) {
        "ACTOR" => String::new(),
        name => format!(", such as `{name}`"),
    };
    let name = |r: &Ref<ActorId>| {
        r.target
            .map_or("", |id| actors[id.index()].name.text.as_str())
    };
    let fallback_help = |except: &[&str]| format!("{FALLBACK_HELP}{}", such_as(false, except));
    // Top-level actors are checked once for the file (`check_actors`).
    for actor in actors.iter().filter(|x| !x.top_level) {
        if let Some(f) = &actor.fallback {
            let help = || fallback_help(&[actor.name.text.as_str()]);
            report(actors, f, "the fallback", help, out);
        }
    }
    for (i, step) in wf.steps.iter().enumerate() {
        let owner = a
            .owner(crate::ir::StepId(i as u32))
            .map_or("", |o| o.name.text.as_str());
        if let Some(approval) = &step.approval() {
            for r in &approval.approvers {
                let help = || {
                    let listed: Vec<&str> = approval.approvers.iter().map(name).collect();
                    format!(
                        "name a `human` or `team` actor in `approve by`{}",
                        such_as(true, &listed)
                    )
                };
                report(actors, r, "the approver", help, out);
            }
        }
        for esc in step.escalations() {
            let help = || {
                format!(
                    "escalate to a `human` or `team` actor{}",
                    such_as(false, &[owner])
                )
            };
            report(actors, &esc.target, "the escalation target", help, out);
            if let Some(f) = &esc.route.fallback {
                let help = || fallback_help(&[name(&esc.target)]);
                report(actors, f, "the fallback", help, out);
            }
        }
    }
    // A rejected transition (E102, E103) or one into a trigger (E205) takes no further part:
    // its fallback goes with it.
    for t in wf.transitions.iter().filter(|t| !t.dropped()) {
        if let Some(f) = &t.route().fallback {
            let receiver = match t.to.target {
                Some(crate::ir::NodeId::Step(s)) => a.owner(s).map_or("", |o| o.name.text.as_str()),
                _ => "",
            };
            let help = || fallback_help(&[receiver]);
            report(actors, f, "the fallback", help, out);
        }
    }
}

//! Cutting a workflow into scenario parts. A Make run cannot wait for a person, so every
//! person's task, approval and escalation ends one part and starts the next; steps where routes
//! join, and the continuation after a step that may escalate, are parts of their own too (Make
//! flows are trees), entered over their webhook.

use crate::ir::{StepId, TriggerId, Workflow};

/// Where a part starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entry {
    /// A trigger: the work enters here.
    Trigger(TriggerId),
    /// The answer to a person's task (a step owned by a human or a team).
    Task(StepId),
    /// The decision of the `n`th approver of a step.
    Approval(StepId, usize),
    /// The answer of the target of the `n`th escalation of a step.
    Escalation(StepId, usize),
    /// The routes out of a step that may escalate, after it ran (escalated or not).
    After(StepId),
    /// A step reached by several routes (or nested too deep to inline).
    Join(StepId),
}

impl Entry {
    /// What the part's name says after its number.
    pub fn label(self, wf: &Workflow) -> String {
        let step = |s: StepId| wf.step(s).name.text.as_str();
        let owner = |s: StepId| {
            wf.step(s)
                .owner
                .and_then(|o| o.target)
                .map_or("", |a| wf.actor(a).name.text.as_str())
        };
        match self {
            Entry::Trigger(t) if wf.triggers.len() == 1 => {
                let _ = t;
                "intake".to_owned()
            }
            Entry::Trigger(t) => format!("intake from {}", wf.trigger(t).name.text),
            Entry::Task(s) => format!("after {} by {}", step(s), owner(s)),
            Entry::Approval(s, k) => {
                let approver = wf
                    .step(s)
                    .approval()
                    .as_ref()
                    .and_then(|ap| ap.approvers.get(k))
                    .and_then(|r| r.target)
                    .map_or("", |a| wf.actor(a).name.text.as_str());
                format!("after approval by {approver} of {}", step(s))
            }
            Entry::Escalation(s, k) => {
                let target = wf.step(s).escalations()[k]
                    .target
                    .target
                    .map_or("", |a| wf.actor(a).name.text.as_str());
                format!("after escalation of {} to {target}", step(s))
            }
            Entry::After(s) => format!("after {}", step(s)),
            Entry::Join(s) => format!("at {}", step(s)),
        }
    }
}

/// A part's name: `workflow · n label`, cut to Make's 120 characters.
pub fn part_name(wf: &Workflow, number: usize, label: &str) -> String {
    let full = format!("{} · {number} {label}", wf.name.text);
    full.chars().take(120).collect()
}

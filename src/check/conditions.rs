//! One walk over every condition of a workflow, for the rules that read conditions.
//!
//! Several rules read the operands of every condition: E301 (the fields a condition tests),
//! W301 (which fields are used), E304 (where `confidence` is tested), E303 and the routing
//! analysis (whether a condition is free of reported mistakes). Each walking the condition
//! trees again cost more than the rules themselves on large workflows (the trees are spread
//! over the heap), so the trees are walked once here, and the rules read the compact result.
//!
//! **Invariant:** the operands of a condition are in source order; a field appears once per
//! condition (at its first use), `confidence` at every use.

use crate::ir::{Cond, FieldId, Guard, NodeId, StepId, TransitionId, ValueKind, Workflow};
use crate::span::Span;

use super::types;

/// An operand that a rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// A resolved context field.
    Field(FieldId),
    /// `confidence`.
    Confidence,
}

/// One condition of a workflow.
#[derive(Clone, Copy, Debug)]
pub enum CondRef {
    /// The `when` of a transition.
    Guard(TransitionId),
    /// The condition of a step's escalation (the step, and the index of the escalation).
    Escalation(StepId, usize),
}

/// Guards walked apart from the [`Conditions`] they belong to, one run of nodes after another
/// (see [`Conditions::walk_guards`]).
#[derive(Default)]
pub struct WalkedGuards {
    operands: Vec<(Operand, Span)>,
    /// Per guard: its transition, where its operands end, whether it is sound.
    guards: Vec<(TransitionId, u32, bool)>,
}

/// The operands and soundness of every condition of a workflow.
#[derive(Default)]
pub struct Conditions {
    /// Per step, the number of its first escalation among all escalations (one more entry at
    /// the end). Empty when the workflow has no condition at all.
    esc_start: Vec<u32>,
    /// Per condition (every escalation in step order, then one per transition, with or without
    /// a `when`), where its operands are in `operands`. The guards are walked in the order the
    /// caller asks ([`Conditions::walk_guard`]), so a condition's operands need not follow the
    /// previous one's.
    range: Vec<(u32, u32)>,
    operands: Vec<(Operand, Span)>,
    /// Per condition: whether it is free of mistakes already reported ([`types::is_sound`]).
    sound: Vec<bool>,
}

impl Conditions {
    /// Walks the escalation conditions of a workflow, and makes room for its guards, which
    /// [`Conditions::walk_guard`] walks (a guard not walked has no operands and is sound).
    pub fn new(wf: &Workflow) -> Self {
        let has_guard = wf
            .transitions
            .iter()
            .any(|t| matches!(t.guard, Guard::When(_)));
        if !has_guard && wf.steps.iter().all(|s| s.escalations().is_empty()) {
            return Conditions::default();
        }
        let mut c = Conditions {
            esc_start: Vec::with_capacity(wf.steps.len() + 1),
            ..Conditions::default()
        };
        let mut esc = 0u32;
        for step in &wf.steps {
            c.esc_start.push(esc);
            esc += step.escalations().len() as u32;
        }
        c.esc_start.push(esc);
        let count = esc as usize + wf.transitions.len();
        c.range = vec![(0, 0); count];
        c.sound = vec![true; count];
        let mut k = 0;
        for (i, step) in wf.steps.iter().enumerate() {
            let confidence = confidence_defined(wf, Some(NodeId::Step(StepId(i as u32))));
            for e in step.escalations() {
                c.add(wf, k, &e.condition, confidence);
                k += 1;
            }
        }
        c
    }

    /// Walks the condition of a transition, if it has one (once per transition).
    pub fn walk_guard(&mut self, wf: &Workflow, t: TransitionId) {
        if let (Some(i), Guard::When(cond)) = (
            self.index(CondRef::Guard(t)),
            &wf.transitions[t.index()].guard,
        ) {
            let confidence = confidence_defined(wf, wf.transitions[t.index()].from.target);
            self.add(wf, i, cond, confidence);
        }
    }

    /// The guards of `transitions` walked apart (on any thread), to be put in with
    /// [`Conditions::put_guards`]: their operands, one after the other, and per guard where its
    /// operands end and whether it is sound.
    pub fn walk_guards(wf: &Workflow, transitions: &[TransitionId], walked: &mut WalkedGuards) {
        for &t in transitions {
            if let Guard::When(cond) = &wf.transitions[t.index()].guard {
                let confidence = confidence_defined(wf, wf.transitions[t.index()].from.target);
                let sound = Self::walk(wf, cond, &mut walked.operands, confidence);
                walked.guards.push((t, walked.operands.len() as u32, sound));
            }
        }
    }

    /// Puts in guards walked by [`Conditions::walk_guards`], in the order they were walked.
    pub fn put_guards(&mut self, walked: WalkedGuards) {
        let offset = self.operands.len() as u32;
        self.operands.extend(walked.operands);
        let mut start = offset;
        for (t, end, sound) in walked.guards {
            if let Some(i) = self.index(CondRef::Guard(t)) {
                self.range[i] = (start, offset + end);
                self.sound[i] = sound;
            }
            start = offset + end;
        }
    }

    fn add(&mut self, wf: &Workflow, i: usize, cond: &Cond, confidence: bool) {
        let first = self.operands.len();
        let sound = Self::walk(wf, cond, &mut self.operands, confidence);
        self.range[i] = (first as u32, self.operands.len() as u32);
        self.sound[i] = sound;
    }

    /// Appends the operands of a condition to `operands`; returns whether it is sound.
    /// `confidence` says whether `confidence` is defined where the condition is evaluated
    /// (else E304 reports it, and the condition is not sound).
    fn walk(
        wf: &Workflow,
        cond: &Cond,
        operands: &mut Vec<(Operand, Span)>,
        confidence: bool,
    ) -> bool {
        let first = operands.len();
        let mut sound = true;
        cond.for_each_value(&mut |v| match v.kind {
            ValueKind::Field(Some(f)) => {
                sound &= !wf.field(f).declared_twice;
                let field = Operand::Field(f);
                if !operands[first..].iter().any(|(o, _)| *o == field) {
                    operands.push((field, v.span));
                }
            }
            ValueKind::Field(None) => sound = false,
            ValueKind::Confidence => {
                sound &= confidence;
                operands.push((Operand::Confidence, v.span));
            }
            _ => {}
        });
        if sound {
            // The tree was just walked, so this second walk reads it from the cache.
            let mut found = Vec::new();
            types::problems(wf, cond, &mut found);
            sound = found.is_empty();
        }
        sound
    }

    /// Whether the workflow has no condition at all.
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    fn index(&self, c: CondRef) -> Option<usize> {
        if self.range.is_empty() {
            return None;
        }
        Some(match c {
            CondRef::Escalation(s, k) => self.esc_start[s.index()] as usize + k,
            CondRef::Guard(t) => self.esc_start[self.esc_start.len() - 1] as usize + t.index(),
        })
    }

    /// The operands of a condition, in source order (each field once).
    pub fn operands(&self, c: CondRef) -> &[(Operand, Span)] {
        match self.index(c) {
            Some(i) => {
                let (start, end) = self.range[i];
                &self.operands[start as usize..end as usize]
            }
            None => &[],
        }
    }

    /// The resolved fields a condition tests, with their spans, in source order, each once.
    pub fn fields(&self, c: CondRef) -> impl Iterator<Item = (FieldId, Span)> + '_ {
        self.operands(c).iter().filter_map(|&(o, span)| match o {
            Operand::Field(f) => Some((f, span)),
            Operand::Confidence => None,
        })
    }

    /// Every operand of every condition.
    pub fn all_operands(&self) -> &[(Operand, Span)] {
        &self.operands
    }

    /// Whether a condition is free of mistakes already reported: every field resolved, none
    /// declared twice, no type error (true for a transition without a condition).
    pub fn is_sound(&self, c: CondRef) -> bool {
        self.index(c).is_none_or(|i| self.sound[i])
    }
}

/// Whether `confidence` is defined after `source` (E304's rule): on a step owned by an `ai`
/// actor, or whose owner is unknown (reported already); not after a trigger.
fn confidence_defined(wf: &Workflow, source: Option<NodeId>) -> bool {
    match source {
        Some(NodeId::Step(s)) => wf
            .step(s)
            .owner
            .and_then(|o| o.target)
            .is_none_or(|o| wf.actor(o).kind == crate::ast::ActorKind::Ai),
        Some(NodeId::Trigger(_)) => false,
        None => true,
    }
}

//! Context as data flow (LANGUAGE.md §4): which fields are available at every step, on every
//! path from a trigger, and — when one is not — a concrete path on which it is missing and the
//! boundary where it was lost.
//!
//! Sets of fields are bit sets indexed by `FieldId`. `avail_in(n)` is the intersection, over the
//! routes into `n` from reached nodes, of what each route passes: a `flow` passes
//! `avail_out(source)`, a `handoff` exactly its `carries`, an approval's `else` route the
//! source's `avail_in`, a compensation the compensated step's `avail_out`. A step's
//! `avail_out` is `avail_in ∪ provides`, intersected with `carries ∪ provides` of each of its
//! escalations (the work may reach the successors along an escalation path). The fixpoint is
//! computed by iterating in reverse post-order; on an acyclic workflow one pass suffices.
//!
//! **Invariants:** a `handoff` passes its `carries` as declared, even where a carried field is
//! not available at its source (that is E302, reported once at the handoff, and nothing
//! downstream is reported again); unreached nodes keep the full set, so nothing is reported
//! about context at a step no trigger reaches (that is E501).

use std::cell::RefCell;
use std::collections::VecDeque;

use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::bits::{self, BitMatrix};
use super::graph::{EdgeKind, Graph};
use crate::ir::{FieldId, NodeId, Ref, StepId, TransitionId, TransitionKind, TriggerId, Workflow};

/// Where a field was lost on the way to a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cause {
    /// The path starts at this trigger, which does not provide the field, and no step on the
    /// path provides it.
    NotProvided(TriggerId),
    /// The field was available at the source of this handoff, which does not carry it.
    Handoff(TransitionId),
    /// The field was available in this step, but its escalation (index into `escalations`)
    /// does not carry it.
    Escalation(StepId, usize),
}

/// Where the availability of a field is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// On entry to a step (`needs`; escalation conditions also count the step's `provides`).
    In,
    /// After a node, towards its successors (escalation paths included).
    Out,
}

/// How many diagnostics of one workflow get a full path (see [`ContextFlow::explain`]).
pub const PATH_BUDGET: usize = 100;

/// A concrete path on which a field is missing, and why.
#[derive(Clone, Debug)]
pub struct Missing {
    pub cause: Cause,
    /// The nodes from a trigger to the node in question.
    pub path: Vec<NodeIndex>,
    /// Handoffs on the path after the cause that do not carry the field either: the fix must
    /// add it to them too.
    pub also_dropped_by: Vec<TransitionId>,
}

/// How a node came to lack a field, in the per-field search; every labelled node also knows
/// the cause at the root of its chain, so grouping by cause costs nothing.
#[derive(Clone, Copy)]
enum Parent {
    None,
    Root(Cause, EdgeIndex),
    Via(EdgeIndex, Cause),
}

/// The result of the context analysis of one workflow.
pub struct ContextFlow {
    avail_in: BitMatrix,
    avail_out: BitMatrix,
    provides: BitMatrix,
    /// Per-field traces, computed when first asked for.
    traces: RefCell<Vec<(FieldId, Vec<Parent>)>>,
}

/// How many per-field traces are kept at once.
const TRACE_CACHE: usize = 8;

fn fill_row(m: &mut BitMatrix, row: usize, refs: &[Ref<FieldId>]) {
    for id in refs.iter().filter_map(|r| r.target) {
        m.insert(row, id.index());
    }
}

impl ContextFlow {
    /// Runs the analysis.
    pub fn new(wf: &Workflow, graph: &Graph) -> Self {
        let fields = wf.fields.len();
        let n = graph.g.node_count();
        let mut provides = BitMatrix::new(n, fields, false);
        for (i, t) in wf.triggers.iter().enumerate() {
            fill_row(&mut provides, i, &t.provides);
        }
        for (i, s) in wf.steps.iter().enumerate() {
            fill_row(&mut provides, graph.triggers + i, &s.provides);
        }
        let mut avail_in = BitMatrix::new(n, fields, true);
        let mut avail_out = BitMatrix::new(n, fields, true);
        for t in 0..graph.triggers {
            avail_in.row_mut(t).fill(0);
            let row = provides.row(t).to_vec();
            avail_out.row_mut(t).copy_from_slice(&row);
        }
        // Rows only for what has them: handoffs' `carries`, and each escalation's `carries`.
        let mut carries_row = vec![usize::MAX; wf.transitions.len()];
        let handoffs = wf
            .transitions
            .iter()
            .filter(|t| t.kind == TransitionKind::Handoff)
            .count();
        let mut carries = BitMatrix::new(handoffs, fields, false);
        let mut next = 0;
        for (i, t) in wf.transitions.iter().enumerate() {
            if t.kind == TransitionKind::Handoff {
                fill_row(&mut carries, next, &t.route().carries);
                carries_row[i] = next;
                next += 1;
            }
        }
        let mut first_escalation = Vec::with_capacity(wf.steps.len() + 1);
        let total: usize = wf.steps.iter().map(|s| s.escalations.len()).sum();
        let mut escalations = BitMatrix::new(total, fields, false);
        let mut next = 0;
        for s in &wf.steps {
            first_escalation.push(next);
            for e in &s.escalations {
                fill_row(&mut escalations, next, &e.route.carries);
                next += 1;
            }
        }
        first_escalation.push(next);

        // On an acyclic workflow, one pass in reverse post-order reaches the fixpoint: every
        // node comes after all of its predecessors. Only a back edge calls for more passes.
        let mut position = vec![usize::MAX; n];
        for (k, v) in graph.order.iter().enumerate() {
            position[v.index()] = k;
        }
        let cyclic = graph.g.edge_references().any(|e| {
            graph.reached[e.source().index()]
                && position[e.target().index()] <= position[e.source().index()]
        });

        let words = avail_in.words();
        let full = BitMatrix::full_row(fields);
        let mut incoming = vec![0u64; words];
        let mut out = vec![0u64; words];
        let mut scratch = vec![0u64; words];
        let mut changed = true;
        while changed {
            changed = false;
            for &v in &graph.order {
                let Some(step) = graph.step(v) else { continue };
                incoming.copy_from_slice(&full);
                for e in graph.g.edges_directed(v, Direction::Incoming) {
                    let u = e.source().index();
                    if !graph.reached[u] {
                        continue;
                    }
                    match *e.weight() {
                        EdgeKind::Transition(t, TransitionKind::Handoff) => {
                            bits::intersect(&mut incoming, carries.row(carries_row[t.index()]));
                        }
                        EdgeKind::Transition(_, TransitionKind::Flow) | EdgeKind::Compensation => {
                            bits::intersect(&mut incoming, avail_out.row(u));
                        }
                        EdgeKind::ApprovalElse => bits::intersect(&mut incoming, avail_in.row(u)),
                    }
                }
                let i = v.index();
                if incoming != avail_in.row(i) {
                    avail_in.row_mut(i).copy_from_slice(&incoming);
                    changed = true;
                }
                out.copy_from_slice(&incoming);
                bits::union(&mut out, provides.row(i));
                for k in first_escalation[step.index()]..first_escalation[step.index() + 1] {
                    scratch.copy_from_slice(escalations.row(k));
                    bits::union(&mut scratch, provides.row(i));
                    bits::intersect(&mut out, &scratch);
                }
                if out != avail_out.row(i) {
                    avail_out.row_mut(i).copy_from_slice(&out);
                    changed = true;
                }
            }
            if !cyclic {
                break;
            }
        }
        ContextFlow {
            avail_in,
            avail_out,
            provides,
            traces: RefCell::new(Vec::new()),
        }
    }

    /// Whether `field` is available on entry to `n` on every path.
    pub fn has_in(&self, n: NodeIndex, field: FieldId) -> bool {
        self.avail_in.contains(n.index(), field.index())
    }

    /// Whether `field` is available after `n` ran, along the owner's own completion (before
    /// escalations are taken into account): `avail_in ∪ provides`.
    pub fn has_after_run(&self, n: NodeIndex, field: FieldId) -> bool {
        self.has_in(n, field) || self.provides.contains(n.index(), field.index())
    }

    /// Whether `field` reaches the successors of `n` on every path, escalations included.
    pub fn has_out(&self, n: NodeIndex, field: FieldId) -> bool {
        self.avail_out.contains(n.index(), field.index())
    }

    /// The fields available on entry to `n` on every path, in declaration order.
    pub fn fields_in(&self, n: NodeIndex) -> impl Iterator<Item = FieldId> + '_ {
        self.avail_in.ones(n.index()).map(|i| FieldId(i as u32))
    }

    /// The fields available after `n` ran (before escalations).
    pub fn after_run(&self, n: NodeIndex) -> impl Iterator<Item = FieldId> + '_ {
        self.avail_in
            .ones(n.index())
            .chain(self.provides.ones(n.index()))
            .map(|i| FieldId(i as u32))
    }

    /// Runs `f` on the trace of `field`, computing it first if it is not cached.
    fn with_trace<R>(
        &self,
        wf: &Workflow,
        graph: &Graph,
        field: FieldId,
        f: impl FnOnce(&[Parent]) -> R,
    ) -> R {
        let mut traces = self.traces.borrow_mut();
        let pos = if let Some(pos) = traces.iter().position(|(g, _)| *g == field) {
            pos
        } else {
            if traces.len() >= TRACE_CACHE {
                traces.remove(0);
            }
            traces.push((field, self.trace(wf, graph, field)));
            traces.len() - 1
        };
        f(&traces[pos].1)
    }

    /// Where `field` was lost on the way into step node `n`: constant time once the field's
    /// trace exists.
    fn cause_in(
        &self,
        wf: &Workflow,
        graph: &Graph,
        n: NodeIndex,
        field: FieldId,
    ) -> Option<Cause> {
        self.with_trace(wf, graph, field, |parents| match parents[n.index()] {
            Parent::None => None,
            Parent::Root(cause, _) | Parent::Via(_, cause) => Some(cause),
        })
    }

    /// Where `field` was lost before the successors of `n`.
    fn cause_out(
        &self,
        wf: &Workflow,
        graph: &Graph,
        n: NodeIndex,
        field: FieldId,
    ) -> Option<Cause> {
        match graph.id(n) {
            NodeId::Trigger(t) => Some(Cause::NotProvided(t)),
            NodeId::Step(s) if self.has_after_run(n, field) => self
                .dropping_escalation(wf, n, s, field)
                .map(|i| Cause::Escalation(s, i)),
            NodeId::Step(_) => self.cause_in(wf, graph, n, field),
        }
    }

    /// Explains why `field` is missing on entry to step node `n` (which a trigger reaches).
    pub fn missing_in(
        &self,
        wf: &Workflow,
        graph: &Graph,
        n: NodeIndex,
        field: FieldId,
    ) -> Option<Missing> {
        self.with_trace(wf, graph, field, |parents| Self::walk(graph, parents, n))
    }

    /// Reads a path back from `n` to the place the field was lost, then on to a trigger.
    fn walk(graph: &Graph, parents: &[Parent], n: NodeIndex) -> Option<Missing> {
        let mut tail = vec![n];
        let mut also = Vec::new();
        let mut at = n;
        let mut guard = parents.len() + 1;
        loop {
            guard = guard.checked_sub(1)?;
            match parents[at.index()] {
                Parent::None => return None,
                Parent::Via(e, _) => {
                    if let Some(&EdgeKind::Transition(t, TransitionKind::Handoff)) =
                        graph.g.edge_weight(e)
                    {
                        also.push(t);
                    }
                    let (from, _) = graph.g.edge_endpoints(e)?;
                    tail.push(from);
                    at = from;
                }
                Parent::Root(cause, e) => {
                    let (from, _) = graph.g.edge_endpoints(e)?;
                    let mut path = graph.path_from_trigger(from);
                    tail.reverse();
                    path.extend(tail);
                    also.reverse();
                    return Some(Missing {
                        cause,
                        path,
                        also_dropped_by: also,
                    });
                }
            }
        }
    }

    /// Explains why `field` does not reach the successors of `n`.
    pub fn missing_out(
        &self,
        wf: &Workflow,
        graph: &Graph,
        n: NodeIndex,
        field: FieldId,
    ) -> Option<Missing> {
        if matches!(graph.id(n), NodeId::Step(_)) && !self.has_after_run(n, field) {
            return self.missing_in(wf, graph, n, field);
        }
        // Lost at the node itself: a trigger that does not provide it, or an escalation.
        Some(Missing {
            cause: self.cause_out(wf, graph, n, field)?,
            path: graph.path_from_trigger(n),
            also_dropped_by: Vec::new(),
        })
    }

    /// Where `field` was lost on the way to `n`, on `side` of it.
    pub fn cause(
        &self,
        wf: &Workflow,
        graph: &Graph,
        n: NodeIndex,
        field: FieldId,
        side: Side,
    ) -> Option<Cause> {
        match side {
            Side::In => self.cause_in(wf, graph, n, field),
            Side::Out => self.cause_out(wf, graph, n, field),
        }
    }

    /// Explains why `field` is missing at `n` on `side`. Reading a path back is linear in its
    /// length, so a check calls this with a budget: once it is spent, only the boundary is
    /// named, and the check stays linear on huge broken inputs.
    pub fn explain(
        &self,
        wf: &Workflow,
        graph: &Graph,
        n: NodeIndex,
        field: FieldId,
        side: Side,
        budget: &mut usize,
    ) -> Option<Missing> {
        if *budget > 0 {
            *budget -= 1;
            return match side {
                Side::In => self.missing_in(wf, graph, n, field),
                Side::Out => self.missing_out(wf, graph, n, field),
            };
        }
        self.cause(wf, graph, n, field, side).map(|cause| Missing {
            cause,
            path: vec![n],
            also_dropped_by: Vec::new(),
        })
    }

    fn dropping_escalation(
        &self,
        wf: &Workflow,
        n: NodeIndex,
        s: StepId,
        field: FieldId,
    ) -> Option<usize> {
        if self.provides.contains(n.index(), field.index()) {
            return None;
        }
        wf.step(s)
            .escalations
            .iter()
            .position(|e| !e.route.carries.iter().any(|c| c.target == Some(field)))
    }

    /// A breadth-first search from every place where `field` is lost, along routes that pass
    /// its absence on, labelling every reached node that lacks it with how it came to.
    fn trace(&self, wf: &Workflow, graph: &Graph, field: FieldId) -> Vec<Parent> {
        let f = field.index();
        let mut parents = vec![Parent::None; graph.g.node_count()];
        let mut queue = VecDeque::new();
        for e in graph.g.edge_references() {
            let (u, v) = (e.source(), e.target());
            if !graph.reached[u.index()] || !parents[v.index()].is_none() {
                continue;
            }
            let after_run = self.has_after_run(u, field);
            let cause = match (*e.weight(), graph.id(u)) {
                (EdgeKind::Transition(t, TransitionKind::Handoff), _) => {
                    let carried = wf.transitions[t.index()]
                        .route()
                        .carries
                        .iter()
                        .any(|c| c.target == Some(field));
                    (!carried && after_run).then_some(Cause::Handoff(t))
                }
                (EdgeKind::Transition(_, TransitionKind::Flow), NodeId::Trigger(t)) => {
                    (!self.provides.contains(u.index(), f)).then_some(Cause::NotProvided(t))
                }
                (
                    EdgeKind::Transition(_, TransitionKind::Flow) | EdgeKind::Compensation,
                    NodeId::Step(s),
                ) => {
                    if after_run && !self.has_out(u, field) {
                        self.dropping_escalation(wf, u, s, field)
                            .map(|i| Cause::Escalation(s, i))
                    } else {
                        None
                    }
                }
                _ => None,
            };
            if let Some(cause) = cause {
                parents[v.index()] = Parent::Root(cause, e.id());
                queue.push_back(v);
            }
        }
        while let Some(u) = queue.pop_front() {
            let provided = self.provides.contains(u.index(), f);
            let cause = match parents[u.index()] {
                Parent::Root(cause, _) | Parent::Via(_, cause) => cause,
                Parent::None => continue,
            };
            for e in graph.g.edges_directed(u, Direction::Outgoing) {
                let v = e.target();
                if !parents[v.index()].is_none() {
                    continue;
                }
                let passes_absence = match *e.weight() {
                    EdgeKind::ApprovalElse => true,
                    EdgeKind::Transition(t, TransitionKind::Handoff) => {
                        !provided
                            && !wf.transitions[t.index()]
                                .route()
                                .carries
                                .iter()
                                .any(|c| c.target == Some(field))
                    }
                    EdgeKind::Transition(_, TransitionKind::Flow) | EdgeKind::Compensation => {
                        !provided
                    }
                };
                if passes_absence {
                    parents[v.index()] = Parent::Via(e.id(), cause);
                    queue.push_back(v);
                }
            }
        }
        parents
    }
}

impl Parent {
    fn is_none(&self) -> bool {
        matches!(self, Parent::None)
    }
}

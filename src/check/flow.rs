//! Context as data flow (docs/language.md): which fields are available at every step, on every
//! path from a trigger, and — when one is not — a concrete path on which it is missing and the
//! boundary where it was lost.
//!
//! Sets of fields are bit sets indexed by `FieldId`. `avail_in(n)` is the intersection, over the
//! routes into `n` from reached nodes, of what each route passes: a `flow` passes
//! `avail_out(source)`, a `handoff` exactly its `carries`, an approval's `else` route the
//! source's `avail_in` (the step did not run), a compensation the compensated step's
//! `avail_out`. A step's `avail_out` is `avail_in ∪ provides`: an escalation shows its target
//! only its `carries`, but the work keeps its context, so escalations cut nothing that
//! continues.
//!
//! The fixpoint is computed with a worklist ordered by reverse post-order: every node is
//! visited once in that order, and visited again only when what one of its routes passes has
//! changed. Sets only shrink, and a change is pushed only to the routes it affects, so on an
//! acyclic workflow this is one pass, and a cycle costs visits in proportion to the changes that
//! travel around it, not a full pass per step of propagation.
//!
//! Explanations come from a per-field breadth-first search over (node, has-the-field) pairs,
//! starting at the triggers: the first time the search reaches `(n, absent)` it has a shortest
//! concrete path on which the field is missing at `n`, and the last boundary on that path that
//! turned "present" into "absent" (a handoff that does not carry it, or the `else` route of a
//! step that provides it) is the cause. If the field was never present on that path, the cause
//! is the trigger that starts it. A loop in which every route back drops the field is explained
//! like any other path: the search goes around it.
//!
//! **Invariants:** a `handoff` passes its `carries` as declared, even where a carried field is
//! not available at its source (that is E302, reported once at the handoff, and nothing
//! downstream is reported again); unreached nodes keep the full set, so nothing is reported
//! about context at a step no trigger reaches (that is E501); `(n, absent)` is reachable in the
//! search exactly when the field is not in `avail_in(n)`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::{Mutex, PoisonError};

use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::bits::{self, BitMatrix, SharedRows};
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
    /// The step provides the field, but its approval's `else` route was taken: the step did not
    /// run, so what it provides never existed on this path.
    ApprovalElse(StepId),
}

/// Where the availability of a field is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// On entry to a step (`needs`).
    In,
    /// After a node ran, towards its successors (`avail_in ∪ provides`).
    Out,
}

/// How many diagnostics of one workflow get a full path (see [`ContextFlow::explain`]).
pub const PATH_BUDGET: usize = 100;

/// A concrete path on which a field is missing, and why.
#[derive(Clone, Debug)]
pub struct Missing {
    pub cause: Cause,
    /// The nodes from a trigger to the node in question (a node may appear twice when the path
    /// goes around a loop).
    pub path: Vec<NodeIndex>,
    /// Handoffs on the path after the cause that do not carry the field either: the fix must
    /// add it to them too.
    pub also_dropped_by: Vec<TransitionId>,
}

/// A state of the per-field search: `2 * node + 1` when the field is present on entry to the
/// node, `2 * node` when it is absent.
type State = usize;

/// How the search first reached a state.
#[derive(Clone, Copy)]
struct Reach {
    /// The edge taken and the state it was taken from; `None` at a trigger.
    from: Option<(EdgeIndex, State)>,
    /// For an absent state: the boundary at the root of its path.
    cause: Option<Cause>,
    /// Whether the edge of `from` is that boundary.
    drop: bool,
}

/// What each node provides, as sorted field indices per node (one flat vector): a dense row per
/// node would cost `nodes × fields` bits for what is usually a few fields per step.
struct Provides {
    start: Vec<usize>,
    ids: Vec<usize>,
    /// Per node: its `provides` holds a name that did not resolve, so it may have been any field
    /// (set only for the lenient analysis).
    all: Vec<bool>,
}

impl Provides {
    fn new(wf: &Workflow, graph: &Graph) -> Self {
        let mut start = Vec::with_capacity(graph.g.node_count() + 1);
        let mut ids = Vec::new();
        let lists = wf
            .triggers
            .iter()
            .map(|t| &t.provides)
            .chain(wf.steps.iter().map(|s| &s.provides));
        for refs in lists {
            start.push(ids.len());
            let from = ids.len();
            ids.extend(refs.iter().filter_map(|r| r.target).map(FieldId::index));
            ids[from..].sort_unstable();
            let mut kept = from;
            for k in from..ids.len() {
                if k == from || ids[k] != ids[kept - 1] {
                    ids[kept] = ids[k];
                    kept += 1;
                }
            }
            ids.truncate(kept);
        }
        start.push(ids.len());
        let all = vec![false; start.len() - 1];
        Provides { start, ids, all }
    }

    /// The same, where a `provides` list with an unresolved name provides every field, and so
    /// does a step that lost an item to a syntax error (it may have been a `provides`).
    fn lenient(&self, wf: &Workflow) -> Self {
        let unresolved = |refs: &[Ref<FieldId>]| refs.iter().any(|r| r.target.is_none());
        let all = wf
            .triggers
            .iter()
            .map(|t| unresolved(&t.provides))
            .chain(
                wf.steps
                    .iter()
                    .map(|s| s.recovered || unresolved(&s.provides)),
            )
            .collect();
        Provides {
            start: self.start.clone(),
            ids: self.ids.clone(),
            all,
        }
    }

    fn of(&self, n: usize) -> &[usize] {
        &self.ids[self.start[n]..self.start[n + 1]]
    }

    fn contains(&self, n: usize, f: usize) -> bool {
        self.all[n] || self.of(n).binary_search(&f).is_ok()
    }

    /// `row &= !provides(n)`.
    fn remove_from(&self, n: usize, row: &mut [u64]) {
        if self.all[n] {
            row.fill(0);
            return;
        }
        for &f in self.of(n) {
            row[f / 64] &= !(1 << (f % 64));
        }
    }
}

/// The result of the context analysis of one workflow.
pub struct ContextFlow {
    /// `avail_in` per node; `avail_out` is `avail_in ∪ provides`, computed where it is read.
    avail_in: SharedRows,
    provides: Provides,
    /// When a `provides` or `carries` list holds a name that did not resolve (E101): the same
    /// analysis where such a list holds every field, so that nothing is reported missing that
    /// the unresolved name may have been (one mistake, one diagnostic).
    lenient: Option<(SharedRows, Provides)>,
    /// Per-field searches, computed when first asked for (rules run in parallel: a lock).
    traces: Mutex<Vec<(FieldId, Vec<Option<Reach>>)>>,
}

/// How many per-field traces are kept at once.
const TRACE_CACHE: usize = 8;

fn fill_row(m: &mut BitMatrix, row: usize, refs: &[Ref<FieldId>]) {
    for id in refs.iter().filter_map(|r| r.target) {
        m.insert(row, id.index());
    }
}

/// Whether a `provides` or a handoff's `carries` list holds a name that did not resolve, or a step
/// lost an item to a syntax error.
fn provides_or_carries_unresolved(wf: &Workflow) -> bool {
    let unresolved = |refs: &[Ref<FieldId>]| refs.iter().any(|r| r.target.is_none());
    wf.triggers.iter().any(|t| unresolved(&t.provides))
        || wf
            .steps
            .iter()
            .any(|s| s.recovered || unresolved(&s.provides))
        || wf
            .transitions
            .iter()
            .any(|t| unresolved(&t.route().carries))
}

fn carries(wf: &Workflow, t: TransitionId, field: FieldId) -> bool {
    wf.transitions[t.index()]
        .route()
        .carries
        .iter()
        .any(|c| c.target == Some(field))
}

impl ContextFlow {
    /// Runs the analysis.
    pub fn new(wf: &Workflow, graph: &Graph) -> Self {
        let provides = Provides::new(wf, graph);
        let avail_in = Self::solve(wf, graph, &provides, false);
        let tainted = provides_or_carries_unresolved(wf);
        let lenient = tainted.then(|| {
            let lenient = provides.lenient(wf);
            (Self::solve(wf, graph, &lenient, true), lenient)
        });
        ContextFlow {
            avail_in,
            provides,
            lenient,
            traces: Mutex::new(Vec::new()),
        }
    }

    /// The fixpoint: `avail_in` of every node. With `lenient`, a handoff whose `carries` holds
    /// an unresolved name carries every field.
    fn solve(wf: &Workflow, graph: &Graph, provides: &Provides, lenient: bool) -> SharedRows {
        let fields = wf.fields.len();
        let n = graph.g.node_count();
        let mut avail_in = SharedRows::new(n, fields, true);
        let nothing = vec![0; avail_in.words()];
        for t in 0..graph.triggers {
            avail_in.set(t, &nothing);
        }
        // Rows only for what has them: handoffs' `carries`.
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
                if lenient && t.route().has_unresolved_carries() {
                    carries
                        .row_mut(next)
                        .copy_from_slice(&BitMatrix::full_row(fields));
                } else {
                    fill_row(&mut carries, next, &t.route().carries);
                }
                carries_row[i] = next;
                next += 1;
            }
        }

        // The worklist: positions in reverse post-order, smallest first, each queued at most
        // once at a time. Every reached step starts queued.
        let mut position = vec![usize::MAX; n];
        for (k, v) in graph.order.iter().enumerate() {
            position[v.index()] = k;
        }
        let mut queued = vec![false; graph.order.len()];
        let mut work: BinaryHeap<Reverse<usize>> = BinaryHeap::new();
        for (k, &v) in graph.order.iter().enumerate() {
            if graph.step(v).is_some() {
                queued[k] = true;
                work.push(Reverse(k));
            }
        }

        let words = avail_in.words();
        let full = BitMatrix::full_row(fields);
        let mut incoming = vec![0u64; words];
        let mut scratch = vec![0u64; words];
        let mut kept: Vec<usize> = Vec::new();
        while let Some(Reverse(k)) = work.pop() {
            queued[k] = false;
            let v = graph.order[k];
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
                    // A lenient node provides every field: the intersection changes nothing.
                    EdgeKind::Transition(_, TransitionKind::Flow) | EdgeKind::Compensation
                        if provides.all[u] => {}
                    EdgeKind::Transition(_, TransitionKind::Flow) | EdgeKind::Compensation => {
                        // `incoming &= avail_in(u) ∪ provides(u)`, without building the union:
                        // the provided bits that `incoming` holds survive the intersection.
                        kept.clear();
                        kept.extend(
                            provides
                                .of(u)
                                .iter()
                                .filter(|&&f| incoming[f / 64] & (1 << (f % 64)) != 0),
                        );
                        bits::intersect(&mut incoming, avail_in.row(u));
                        for &f in &kept {
                            incoming[f / 64] |= 1 << (f % 64);
                        }
                    }
                    EdgeKind::ApprovalElse => bits::intersect(&mut incoming, avail_in.row(u)),
                }
            }
            let i = v.index();
            if incoming == avail_in.row(i) {
                continue;
            }
            // What was lost, beyond what the step provides itself, is lost to `avail_out` too.
            for (lost, (old, new)) in scratch
                .iter_mut()
                .zip(avail_in.row(i).iter().zip(&incoming))
            {
                *lost = old & !new;
            }
            provides.remove_from(i, &mut scratch);
            let out_changed = scratch.iter().any(|&w| w != 0);
            avail_in.set(i, &incoming);
            // `avail_in` changed: the `else` route passes it; `avail_out` changed: flows and
            // compensations pass it. A handoff passes a constant.
            for e in graph.g.edges_directed(v, Direction::Outgoing) {
                let affected = match *e.weight() {
                    EdgeKind::ApprovalElse => true,
                    EdgeKind::Transition(_, TransitionKind::Flow) | EdgeKind::Compensation => {
                        out_changed
                    }
                    EdgeKind::Transition(_, TransitionKind::Handoff) => false,
                };
                let p = position[e.target().index()];
                if affected && p != usize::MAX && !queued[p] {
                    queued[p] = true;
                    work.push(Reverse(p));
                }
            }
        }
        avail_in
    }

    /// Whether `field` may be available on entry to `n`: as [`ContextFlow::has_in`], except
    /// that an unresolved name in a `provides` or `carries` list counts as any field. The rules
    /// that report missing fields ask this, so an E101 is not reported again as missing context.
    pub fn may_have_in(&self, n: NodeIndex, field: FieldId) -> bool {
        match &self.lenient {
            Some((m, _)) => m.contains(n.index(), field.index()),
            None => self.has_in(n, field),
        }
    }

    /// Whether `field` may be available after `n` ran (see [`ContextFlow::may_have_in`]).
    pub fn may_have_out(&self, n: NodeIndex, field: FieldId) -> bool {
        match &self.lenient {
            Some((m, p)) => {
                m.contains(n.index(), field.index()) || p.contains(n.index(), field.index())
            }
            None => self.has_out(n, field),
        }
    }

    /// Whether `field` is available on entry to `n` on every path.
    pub fn has_in(&self, n: NodeIndex, field: FieldId) -> bool {
        self.avail_in.contains(n.index(), field.index())
    }

    /// Whether `field` is available after `n` ran: `avail_in ∪ provides` (the same as
    /// [`ContextFlow::has_out`]; escalations take nothing away).
    pub fn has_after_run(&self, n: NodeIndex, field: FieldId) -> bool {
        self.has_out(n, field)
    }

    /// Whether `field` reaches the successors of `n` on every path.
    pub fn has_out(&self, n: NodeIndex, field: FieldId) -> bool {
        self.has_in(n, field) || self.provides.contains(n.index(), field.index())
    }

    /// The fields available on entry to `n` on every path, in declaration order.
    pub fn fields_in(&self, n: NodeIndex) -> impl Iterator<Item = FieldId> + '_ {
        self.avail_in.ones(n.index()).map(|i| FieldId(i as u32))
    }

    /// The fields available after `n` ran: `avail_out`, in declaration order.
    pub fn after_run(&self, n: NodeIndex) -> impl Iterator<Item = FieldId> + '_ {
        let mut own = self.provides.of(n.index()).iter().copied().peekable();
        let mut inherited = self.avail_in.ones(n.index()).peekable();
        // A merge of two increasing sequences, without repeats.
        std::iter::from_fn(move || {
            let next = match (inherited.peek(), own.peek()) {
                (Some(&a), Some(&b)) => a.min(b),
                (Some(&a), None) => a,
                (None, Some(&b)) => b,
                (None, None) => return None,
            };
            if inherited.peek() == Some(&next) {
                inherited.next();
            }
            if own.peek() == Some(&next) {
                own.next();
            }
            Some(FieldId(next as u32))
        })
    }

    /// The fields some route into `n` may pass that are not available on entry on every path:
    /// `(∪ over the reached routes into n of what each passes) \ avail_in(n)`, in declaration
    /// order. A target that keeps what a route passes and has to give `n` exactly `avail_in`
    /// removes these on entry. The cost is the routes into `n` times the words of a field set,
    /// and the result lists only differences, so emitting it for every step stays linear in the
    /// routes where most context flows on unchanged (a chain removes nothing).
    pub fn dropped_in(&self, wf: &Workflow, graph: &Graph, n: NodeIndex) -> Vec<FieldId> {
        let words = self.avail_in.words();
        let mut may = vec![0u64; words];
        for e in graph.g.edges_directed(n, Direction::Incoming) {
            let u = e.source().index();
            if !graph.reached[u] {
                continue;
            }
            match *e.weight() {
                EdgeKind::Transition(t, TransitionKind::Handoff) => {
                    for f in wf.transitions[t.index()]
                        .route()
                        .carries
                        .iter()
                        .filter_map(|c| c.target)
                    {
                        may[f.index() / 64] |= 1 << (f.index() % 64);
                    }
                }
                EdgeKind::Transition(_, TransitionKind::Flow) | EdgeKind::Compensation => {
                    for (w, a) in may.iter_mut().zip(self.avail_in.row(u)) {
                        *w |= a;
                    }
                    for &f in self.provides.of(u) {
                        may[f / 64] |= 1 << (f % 64);
                    }
                }
                EdgeKind::ApprovalElse => {
                    for (w, a) in may.iter_mut().zip(self.avail_in.row(u)) {
                        *w |= a;
                    }
                }
            }
        }
        for (w, a) in may.iter_mut().zip(self.avail_in.row(n.index())) {
            *w &= !a;
        }
        let mut out = Vec::new();
        for (k, &w) in may.iter().enumerate() {
            let mut w = w;
            while w != 0 {
                let bit = w.trailing_zeros() as usize;
                let f = k * 64 + bit;
                if f < wf.fields.len() {
                    out.push(FieldId(f as u32));
                }
                w &= w - 1;
            }
        }
        out
    }

    /// What the per-field searches take each node to provide: the lenient analysis's when there
    /// is one, since the rules report a field missing only where that analysis has it missing
    /// (and a step that lost an item to E001 then provides every field).
    fn traced_provides(&self) -> &Provides {
        self.lenient.as_ref().map_or(&self.provides, |(_, p)| p)
    }

    /// Whether the per-field searches take handoff `t` to carry `field`: as declared, or, with
    /// a lenient analysis, any field when its `carries` holds a name that did not resolve.
    fn traced_carries(&self, wf: &Workflow, t: TransitionId, field: FieldId) -> bool {
        carries(wf, t, field)
            || (self.lenient.is_some()
                && wf.transitions[t.index()].route().has_unresolved_carries())
    }

    /// Runs `f` on the trace of `field`, computing it first if it is not cached.
    fn with_trace<R>(
        &self,
        wf: &Workflow,
        graph: &Graph,
        field: FieldId,
        f: impl FnOnce(&[Option<Reach>]) -> R,
    ) -> R {
        let mut traces = self.traces.lock().unwrap_or_else(PoisonError::into_inner);
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

    /// Every boundary at which `field` is lost on some path into node `n` (where it is
    /// absent): the handoffs that drop it or pass it on absent without carrying it, and the
    /// triggers that start a path on which nothing provides it. Adding the field to all of them
    /// makes it available at `n` on every path. Linear in the size of the graph (a backward
    /// search over the states the field's trace reached).
    pub fn boundaries(
        &self,
        wf: &Workflow,
        graph: &Graph,
        n: NodeIndex,
        field: FieldId,
    ) -> (Vec<TransitionId>, Vec<TriggerId>) {
        let f = field.index();
        self.with_trace(wf, graph, field, |states| {
            let mut handoffs = Vec::new();
            let mut triggers = Vec::new();
            let mut seen = vec![false; graph.g.node_count()];
            let mut queue = VecDeque::from([n]);
            seen[n.index()] = true;
            while let Some(v) = queue.pop_front() {
                if let NodeId::Trigger(t) = graph.id(v) {
                    triggers.push(t);
                    continue;
                }
                for e in graph.g.edges_directed(v, Direction::Incoming) {
                    let u = e.source();
                    for present in [false, true] {
                        if states[2 * u.index() + usize::from(present)].is_none() {
                            continue;
                        }
                        let after = present || self.traced_provides().contains(u.index(), f);
                        let passes = match *e.weight() {
                            EdgeKind::Transition(_, TransitionKind::Flow)
                            | EdgeKind::Compensation => after,
                            EdgeKind::Transition(t, TransitionKind::Handoff) => {
                                self.traced_carries(wf, t, field)
                            }
                            EdgeKind::ApprovalElse => present,
                        };
                        if passes {
                            continue;
                        }
                        if let EdgeKind::Transition(t, TransitionKind::Handoff) = *e.weight() {
                            handoffs.push(t);
                        }
                        // Absent before the edge too: the field was lost further back (an
                        // `else` route passes only what its step received).
                        let absent_before = match *e.weight() {
                            EdgeKind::ApprovalElse => !present,
                            _ => !after,
                        };
                        if absent_before && !seen[u.index()] {
                            seen[u.index()] = true;
                            queue.push_back(u);
                        }
                    }
                }
            }
            handoffs.sort_unstable();
            handoffs.dedup();
            triggers.sort_unstable();
            triggers.dedup();
            (handoffs, triggers)
        })
    }

    /// Where `field` was lost on the way into node `n`: constant time once the field's trace
    /// exists.
    fn cause_in(
        &self,
        wf: &Workflow,
        graph: &Graph,
        n: NodeIndex,
        field: FieldId,
    ) -> Option<Cause> {
        if let NodeId::Trigger(t) = graph.id(n) {
            return Some(Cause::NotProvided(t));
        }
        self.with_trace(wf, graph, field, |states| {
            states[2 * n.index()].and_then(|r| r.cause)
        })
    }

    /// Explains why `field` is missing on entry to node `n` (which a trigger reaches).
    pub fn missing_in(
        &self,
        wf: &Workflow,
        graph: &Graph,
        n: NodeIndex,
        field: FieldId,
    ) -> Option<Missing> {
        if let NodeId::Trigger(t) = graph.id(n) {
            return Some(Missing {
                cause: Cause::NotProvided(t),
                path: vec![n],
                also_dropped_by: Vec::new(),
            });
        }
        self.with_trace(wf, graph, field, |states| Self::walk(graph, states, n))
    }

    /// Reads the path back from `(n, absent)` to a trigger, noting the handoffs after the
    /// boundary that do not carry the field either.
    fn walk(graph: &Graph, states: &[Option<Reach>], n: NodeIndex) -> Option<Missing> {
        let mut at: State = 2 * n.index();
        let cause = states[at]?.cause?;
        let mut path = vec![n];
        let mut also = Vec::new();
        let mut before_drop = true;
        let mut guard = states.len() + 1;
        while let Some((e, prev)) = states[at]?.from {
            guard = guard.checked_sub(1)?;
            let reach = states[at]?;
            if reach.drop {
                before_drop = false;
            } else if before_drop {
                if let Some(&EdgeKind::Transition(t, TransitionKind::Handoff)) =
                    graph.g.edge_weight(e)
                {
                    also.push(t);
                }
            }
            path.push(NodeIndex::new(prev / 2));
            at = prev;
        }
        path.reverse();
        also.reverse();
        Some(Missing {
            cause,
            path,
            also_dropped_by: also,
        })
    }

    /// Explains why `field` does not reach the successors of `n`.
    pub fn missing_out(
        &self,
        wf: &Workflow,
        graph: &Graph,
        n: NodeIndex,
        field: FieldId,
    ) -> Option<Missing> {
        if self.provides.contains(n.index(), field.index()) {
            return None;
        }
        self.missing_in(wf, graph, n, field)
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
        if side == Side::Out && self.provides.contains(n.index(), field.index()) {
            return None;
        }
        self.cause_in(wf, graph, n, field)
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

    /// The breadth-first search over (node, has `field` on entry) from every trigger, labelling
    /// each reached state with how it was first reached.
    fn trace(&self, wf: &Workflow, graph: &Graph, field: FieldId) -> Vec<Option<Reach>> {
        let f = field.index();
        let mut states: Vec<Option<Reach>> = vec![None; 2 * graph.g.node_count()];
        let mut queue = VecDeque::new();
        for t in 0..graph.triggers {
            let s = 2 * t;
            states[s] = Some(Reach {
                from: None,
                cause: Some(Cause::NotProvided(TriggerId(t as u32))),
                drop: false,
            });
            queue.push_back(s);
        }
        while let Some(s) = queue.pop_front() {
            let u = NodeIndex::new(s / 2);
            let present = s % 2 == 1;
            let after = present || self.traced_provides().contains(u.index(), f);
            let Some(here) = states[s] else { continue };
            for e in graph.g.edges_directed(u, Direction::Outgoing) {
                let (passes, boundary) = match *e.weight() {
                    EdgeKind::Transition(_, TransitionKind::Flow) | EdgeKind::Compensation => {
                        (after, None)
                    }
                    EdgeKind::Transition(t, TransitionKind::Handoff) => {
                        (self.traced_carries(wf, t, field), Some(Cause::Handoff(t)))
                    }
                    EdgeKind::ApprovalElse => (present, graph.step(u).map(Cause::ApprovalElse)),
                };
                let next = 2 * e.target().index() + usize::from(passes);
                if states[next].is_some() {
                    continue;
                }
                let drop = !passes && after;
                let cause = if passes {
                    None
                } else if drop {
                    boundary
                } else {
                    here.cause
                };
                states[next] = Some(Reach {
                    from: Some((e.id(), s)),
                    cause,
                    drop,
                });
                queue.push_back(next);
            }
        }
        states
    }
}

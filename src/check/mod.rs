//! Semantic checks: every rule of docs/language.md beyond syntax and names.
//!
//! Each workflow is analysed once ([`Analysis`]: its routing graph and its context flow), then
//! every registered rule with a `check` function reads the analysis and reports. Rules live in
//! `src/rules/`, one module each.
//!
//! **Invariants:** a check never reports about a reference that failed to resolve or an edge that
//! was rejected (their diagnostic has been given); every analysis is linear, or linear times the
//! number of fields in bit-set words, in the size of the workflow.

pub mod bits;
pub mod conditions;
pub mod fixes;
pub mod flow;
pub mod graph;
pub mod routing;
pub mod types;

use petgraph::graph::NodeIndex;
use petgraph::Direction;
use rayon::prelude::*;

use crate::ast::ActorKind;
use crate::diagnostics::{Diagnostic, Label};
use crate::ir::{
    Actor, ActorId, Cond, FieldId, Guard, Module, NodeId, Route, StepId, Transition, TransitionId,
    TransitionKind, Workflow,
};
use crate::rules;
use crate::span::Span;
use conditions::{CondRef, Conditions, WalkedGuards};
use flow::{Cause, ContextFlow, Missing};
use graph::{EdgeKind, Graph};

/// Settings of the rules that have a number in them.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// W502: how many escalation paths a workflow may have before it is exception sprawl.
    pub exception_limit: usize,
    /// W504: an escalation at `confidence <` this value or more is too conservative.
    pub conservative_threshold: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            exception_limit: 5,
            conservative_threshold: 0.9,
        }
    }
}

/// The two ends of a step-to-step transition and their owners (see [`Analysis::step_owners`]).
pub struct StepOwners<'a> {
    pub from: &'a crate::ir::Step,
    pub to: &'a crate::ir::Step,
    pub from_owner: &'a Actor,
    pub to_owner: &'a Actor,
    pub same: bool,
}

/// A handoff or an escalation, seen from the rules about handoff quality.
pub struct RouteRef<'a> {
    /// The step the work leaves (a handoff out of a trigger is rejected earlier).
    pub source: Option<StepId>,
    /// Who receives the work: the owner of the target step, or the escalation target.
    pub receiver: Option<&'a Actor>,
    pub route: &'a Route,
    /// The `a -> b` of a handoff, the `escalate to x` of an escalation.
    pub head: Span,
    /// Which handoff or escalation this is.
    pub origin: RouteOrigin,
}

/// Where a [`RouteRef`] comes from.
#[derive(Clone, Copy, Debug)]
pub enum RouteOrigin {
    Handoff(TransitionId),
    /// A step and the index of one of its escalations.
    Escalation(StepId, usize),
}

impl RouteRef<'_> {
    /// Whether a notice sent with this route can reach the customer through `field` as E307
    /// judges it: the field may be available after the step the route leaves (or that step is
    /// never reached), or the route carries it (then a missing field is E302's).
    pub fn notice_reaches(&self, a: &Analysis<'_>, field: FieldId) -> bool {
        self.route.carries.iter().any(|c| c.target == Some(field))
            || self.source.is_none_or(|s| {
                let n = a.step_node(s);
                !a.graph.reached[n.index()] || a.context.may_have_out(n, field)
            })
    }

    /// Whether the route carries a `sensitive` field (its fallback past the SLA receives it).
    pub fn carries_sensitive(&self, wf: &Workflow) -> bool {
        self.route
            .carries
            .iter()
            .any(|c| c.target.is_some_and(|f| wf.field(f).sensitive))
    }

    /// Whether this is a handoff between two steps of the same owner (W204): its fix makes it
    /// a `flow`, so what a handoff should have (an SLA, a notice, a fallback) is not asked of it.
    pub fn same_owner_handoff(&self, a: &Analysis<'_>) -> bool {
        match self.origin {
            RouteOrigin::Handoff(t) => a
                .step_owners(&a.wf.transitions[t.index()])
                .is_some_and(|ends| ends.same),
            RouteOrigin::Escalation(..) => false,
        }
    }

    /// `d`, marked as a second report of W204 when this is a handoff between two steps of one
    /// owner: W204's fix makes it a `flow`, which needs no SLA, notice or fallback; when W204 is
    /// allowed or suppressed, `d` is reported after all ([`crate::diagnostics::settle`]).
    pub fn defer_same_owner(&self, a: &Analysis<'_>, d: Diagnostic) -> Diagnostic {
        if self.same_owner_handoff(a) {
            d.deferring_to(&rules::w204_handoff_same_owner::RULE, self.head)
        } else {
            d
        }
    }

    /// "the handoff `a -> b`" or "the escalation of `s` to `x`", for messages.
    pub fn what(&self, a: &Analysis<'_>) -> String {
        let wf = a.wf;
        match self.origin {
            RouteOrigin::Handoff(t) => {
                format!("the handoff `{}`", a.arrow(&wf.transitions[t.index()]))
            }
            RouteOrigin::Escalation(s, i) => a.escalation_what(s, i),
        }
    }
}

/// What the rules read about one workflow.
pub struct Analysis<'a> {
    pub wf: &'a Workflow,
    pub settings: &'a Settings,
    pub graph: Graph,
    pub context: ContextFlow,
    /// The operands and soundness of every condition, from one walk over them.
    pub conditions: Conditions,
    routes: Vec<RouteRef<'a>>,
    /// The transitions out of each node in source order, those that failed included, as
    /// `out_ids[out_start[n]..out_start[n + 1]]` for the graph node `n`.
    out_start: Vec<u32>,
    out_ids: Vec<TransitionId>,
    /// Per graph node: a route out of it failed to resolve or was rejected (its diagnostic has
    /// been given, so nothing that depends on the node's routes is reported).
    broken: Vec<bool>,
    /// Per graph node: the routing decision, for nodes whose routes have conditions.
    routing: Vec<Option<Box<Routing>>>,
}

/// What the routing analysis found out about the conditional routes of one node.
pub struct Routing {
    /// The conditional (`when`) transitions out of the node, in source order.
    pub conditional: Vec<TransitionId>,
    /// Whether every route out of the node is conditional (no `otherwise`, none unconditional).
    pub all_conditional: bool,
    /// When every route is conditional: a case that no route takes (`Some(None)`: every case is
    /// covered); `None` when the analysis could not decide within its bounds.
    pub uncovered: Option<Option<routing::Case>>,
    /// Whether a condition tests something that is only known when the work runs.
    pub has_unknown: bool,
    /// For a conditional route (index into `conditional`), the first earlier sibling that can
    /// hold at the same time, with a case where both do.
    pub overlaps: Vec<(usize, usize, routing::Case)>,
    /// Whether at most one conditional route can hold in any case: decided within the bounds,
    /// with nothing only known at run time, and no two conditions that meet.
    pub exclusive: bool,
}

/// Runs every semantic rule on every workflow of a module.
pub fn check(module: &Module, settings: &Settings) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    rules::e204_fallback_cycle::check_actors(&module.actors, |_| true, &mut out);
    rules::e203_needs_human::check_actors(&module.actors, &mut out);
    rules::w206_invisible_queue::check_module(module, &mut out);
    for wf in &module.workflows {
        let analysis = Analysis::new(wf, settings);
        // The rules only read the analysis: they run in parallel, and their findings are
        // joined in the order of the registry, as one after the other would give them.
        let found: Vec<Vec<Diagnostic>> = rules::ALL
            .par_iter()
            .filter_map(|rule| rule.check)
            .map(|check| {
                let mut found = Vec::new();
                check(&analysis, &mut found);
                found
            })
            .collect();
        out.extend(found.into_iter().flatten());
    }
    out
}

/// "first" to "tenth", then "11th", "21st", "22nd", "23rd", "111th"…
fn ordinal(n: usize) -> String {
    const WORDS: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    if let Some(word) = n.checked_sub(1).and_then(|i| WORDS.get(i)) {
        return (*word).to_string();
    }
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// From how many nodes [`Analysis::new`] runs the context analysis and the routing part side by
/// side.
const SIDE_BY_SIDE: usize = 32_768;

/// How many other boundaries an E301 help names at most.
const NAMED_BOUNDARIES: usize = 6;

/// The transitions out of graph node `n`: `ids[start[n]..start[n + 1]]`.
fn outs<'s>(start: &[u32], ids: &'s [TransitionId], n: usize) -> &'s [TransitionId] {
    &ids[start[n] as usize..start[n + 1] as usize]
}

/// The part of the analysis about routes: the transitions out of each node, the conditions
/// and the routing decisions.
struct RoutingParts<'a> {
    routes: Vec<RouteRef<'a>>,
    conditions: Conditions,
    out_start: Vec<u32>,
    out_ids: Vec<TransitionId>,
    broken: Vec<bool>,
    routing: Vec<Option<Box<Routing>>>,
}

impl<'a> RoutingParts<'a> {
    fn new(wf: &'a Workflow, graph: &Graph) -> Self {
        let routes = Analysis::collect_routes(wf, graph);
        let mut conditions = Conditions::new(wf);
        let nodes = graph.g.node_count();
        let node_of = |id: NodeId| graph.node(id).index();
        // Transitions out of each node, in source order (counting sort: linear).
        let mut out_start = vec![0u32; nodes + 1];
        for t in &wf.transitions {
            if let Some(from) = t.from.target {
                out_start[node_of(from) + 1] += 1;
            }
        }
        for i in 0..nodes {
            out_start[i + 1] += out_start[i];
        }
        let mut fill = out_start.clone();
        let mut out_ids = vec![TransitionId(0); out_start[nodes] as usize];
        let mut broken = vec![false; nodes];
        for (i, t) in wf.transitions.iter().enumerate() {
            if let Some(from) = t.from.target {
                let n = node_of(from);
                out_ids[fill[n] as usize] = TransitionId(i as u32);
                fill[n] += 1;
                // A condition with a mistake breaks the node too: known once the node's
                // conditions are walked, below.
                let failed = t.rejected || !matches!(t.to.target, Some(NodeId::Step(_)));
                broken[n] |= failed;
            }
        }
        for (i, step) in wf.steps.iter().enumerate() {
            let else_failed = step
                .approval()
                .as_ref()
                .and_then(|ap| ap.else_step)
                .is_some_and(|r| r.target.is_none());
            broken[node_of(NodeId::Step(StepId(i as u32)))] |= else_failed;
        }
        // The guards are walked in parallel, run of nodes by run (reading the condition trees
        // is the slow part; one list per run, not per node, keeps the memory of it small), and
        // put in in node order, as one walk after the other would.
        if !conditions.is_empty() {
            let walked: Vec<WalkedGuards> = (0..nodes)
                .into_par_iter()
                .with_min_len(1024)
                .fold(WalkedGuards::default, |mut walked, n| {
                    Conditions::walk_guards(wf, outs(&out_start, &out_ids, n), &mut walked);
                    walked
                })
                .collect();
            for walked in walked {
                conditions.put_guards(walked);
            }
            for (n, broken) in broken.iter_mut().enumerate() {
                for &t in outs(&out_start, &out_ids, n) {
                    *broken |= !conditions.is_sound(CondRef::Guard(t));
                }
            }
        }
        // Each node's routing is decided on its own: in parallel, in node order.
        let routing = (0..nodes)
            .into_par_iter()
            .with_min_len(64)
            .map(|n| Analysis::decide_routing(wf, &broken, &out_start, &out_ids, n).map(Box::new))
            .collect();
        // The conditions of transitions whose source did not resolve (out of no node).
        if out_ids.len() < wf.transitions.len() {
            for (i, t) in wf.transitions.iter().enumerate() {
                if t.from.target.is_none() {
                    conditions.walk_guard(wf, TransitionId(i as u32));
                }
            }
        }
        RoutingParts {
            routes,
            conditions,
            out_start,
            out_ids,
            broken,
            routing,
        }
    }
}

impl<'a> Analysis<'a> {
    /// Analyses one workflow. In a large workflow the context analysis and the routing part run
    /// side by side (neither reads the other): at 100,000 steps this takes a fifth off the
    /// checks. In a smaller one they run one after the other: there a second thread's
    /// allocations take fresh memory (peak +7% at 10,000 steps) for no measurable gain.
    pub fn new(wf: &'a Workflow, settings: &'a Settings) -> Self {
        let graph = Graph::new(wf);
        let (context, routing) = if graph.g.node_count() >= SIDE_BY_SIDE {
            rayon::join(
                || ContextFlow::new(wf, &graph),
                || RoutingParts::new(wf, &graph),
            )
        } else {
            (ContextFlow::new(wf, &graph), RoutingParts::new(wf, &graph))
        };
        Analysis {
            wf,
            settings,
            graph,
            context,
            conditions: routing.conditions,
            routes: routing.routes,
            out_start: routing.out_start,
            out_ids: routing.out_ids,
            broken: routing.broken,
            routing: routing.routing,
        }
    }

    /// Every condition evaluated after a node ran, with the node: the guards of the resolved
    /// routes out of it (in transition order), then the conditions of its escalations.
    pub fn conditions_after(&self) -> impl Iterator<Item = (NodeIndex, CondRef)> + '_ {
        let wf = self.wf;
        let guards = wf.transitions.iter().enumerate().filter_map(|(i, t)| {
            let (Guard::When(_), Some((from, _))) = (&t.guard, t.ends()) else {
                return None;
            };
            Some((
                self.graph.node(from),
                CondRef::Guard(TransitionId(i as u32)),
            ))
        });
        let escalations = wf.steps.iter().enumerate().flat_map(move |(i, step)| {
            let s = StepId(i as u32);
            (0..step.escalations().len())
                .map(move |k| (self.step_node(s), CondRef::Escalation(s, k)))
        });
        guards.chain(escalations)
    }

    /// The transitions out of a node in source order, including those that failed.
    pub fn transitions_out(&self, n: NodeIndex) -> &[TransitionId] {
        outs(&self.out_start, &self.out_ids, n.index())
    }

    /// Whether a route out of the node failed to resolve or was rejected, or has a condition
    /// with a mistake: what depends on the node's routes is then not reported again.
    pub fn has_broken_route(&self, n: NodeIndex) -> bool {
        self.broken[n.index()]
    }

    /// The routing decision of a node whose routes have conditions (`None` for a node with a
    /// broken route, without conditional routes, or with one conditional route beside an
    /// unconditional one, where there is nothing to decide).
    pub fn routing(&self, n: NodeIndex) -> Option<&Routing> {
        self.routing.get(n.index()).and_then(|r| r.as_deref())
    }

    /// Whether the work may stop at a node: it has no route out, or its routes are all
    /// conditional and some case takes none of them (or that cannot be decided).
    pub fn may_stop_at(&self, n: NodeIndex) -> bool {
        if self.broken[n.index()] {
            return true;
        }
        let else_route = self
            .graph
            .step(n)
            .and_then(|s| self.wf.step(s).approval())
            .is_some_and(|ap| ap.else_step.is_some());
        if self.transitions_out(n).is_empty() {
            return !else_route;
        }
        match self.routing(n) {
            Some(r) if r.all_conditional => !matches!(r.uncovered, Some(None)),
            _ => false,
        }
    }

    /// Decides the routing of node `n` from what it reads only (the workflow, the broken nodes
    /// and the transitions out of each node), so that nodes are decided in parallel.
    fn decide_routing(
        wf: &Workflow,
        broken: &[bool],
        out_start: &[u32],
        out_ids: &[TransitionId],
        n: usize,
    ) -> Option<Routing> {
        if broken[n] {
            return None;
        }
        let outs = outs(out_start, out_ids, n);
        let mut conditional = Vec::new();
        let mut conditions: Vec<&Cond> = Vec::new();
        for &t in outs {
            if let Guard::When(c) = &wf.transitions[t.index()].guard {
                conditional.push(t);
                conditions.push(c);
            }
        }
        let all_conditional = conditional.len() == outs.len();
        // Nothing to decide for one condition beside an unconditional route: it overlaps no
        // other and some route is always taken (most nodes with a condition look like this, so
        // they cost neither the analysis nor its memory).
        if conditional.is_empty() || (conditional.len() == 1 && !all_conditional) {
            return None;
        }
        let decided = routing::Decided::new(wf, &conditions);
        let mut result = Routing {
            conditional,
            all_conditional,
            uncovered: None,
            has_unknown: decided.as_ref().is_some_and(|d| d.has_unknown),
            overlaps: Vec::new(),
            exclusive: false,
        };
        let Some(decided) = decided else {
            return Some(result);
        };
        if all_conditional {
            result.uncovered = decided.uncovered();
        }
        let mut steps = 0;
        let mut complete = true;
        'routes: for j in 1..conditions.len() {
            for i in 0..j {
                match decided.overlap(i, j, &mut steps) {
                    Some(Some(case)) => {
                        result.overlaps.push((j, i, case));
                        continue 'routes;
                    }
                    Some(None) => {}
                    None => {
                        complete = false;
                        break 'routes;
                    }
                }
            }
        }
        result.exclusive = complete && !result.has_unknown && result.overlaps.is_empty();
        Some(result)
    }

    /// "the escalation of `s` to `x`" for the `i`-th escalation of step `s`; with several
    /// escalations of one step to the same actor, which one ("the second escalation …").
    pub fn escalation_what(&self, s: StepId, i: usize) -> String {
        let wf = self.wf;
        let step = wf.step(s);
        let target_of = |k: usize| step.escalations()[k].target.target;
        let target = target_of(i).map_or("…", |x| wf.actor(x).name.text.as_str());
        // With several escalations of one step to the same actor, say which one.
        let same: Vec<usize> = (0..step.escalations().len())
            .filter(|&k| target_of(k) == target_of(i))
            .collect();
        if same.len() > 1 {
            let nth = same.iter().position(|&k| k == i).unwrap_or(0);
            let ordinal = ordinal(nth + 1);
            format!(
                "the {ordinal} escalation of `{}` to `{target}`",
                step.name.text
            )
        } else {
            format!("the escalation of `{}` to `{target}`", step.name.text)
        }
    }

    /// The resolved owner of a step.
    pub fn owner(&self, step: StepId) -> Option<&'a Actor> {
        let wf = self.wf;
        wf.step(step)
            .owner
            .and_then(|o| o.target)
            .map(|id| wf.actor(id))
    }

    /// Whether another step names `step` in its `compensable by` (a compensation: E402 reports
    /// a class it lacks).
    pub fn compensates(&self, step: StepId) -> bool {
        self.graph
            .g
            .edges_directed(self.step_node(step), Direction::Incoming)
            .any(|e| matches!(e.weight(), EdgeKind::Compensation))
    }

    /// The kind of the owner of `step`, when it resolved.
    pub fn owner_kind(&self, step: StepId) -> Option<ActorKind> {
        self.owner(step).map(|a| a.kind)
    }

    /// The resolved actor of an id.
    pub fn actor(&self, id: ActorId) -> &'a Actor {
        self.wf.actor(id)
    }

    /// The step a transition leads to, when it resolved to one and was not rejected.
    pub fn target_step(&self, t: &Transition) -> Option<StepId> {
        match t.ends()? {
            (_, NodeId::Step(s)) => Some(s),
            _ => None,
        }
    }

    /// The step a transition starts at, when it resolved to one and was not rejected.
    pub fn source_step(&self, t: &Transition) -> Option<StepId> {
        match t.ends()? {
            (NodeId::Step(s), _) => Some(s),
            _ => None,
        }
    }

    /// For a transition between two steps whose owners resolved: the two steps and their
    /// owners, and whether the owner stays the same.
    pub fn step_owners(&self, t: &Transition) -> Option<StepOwners<'a>> {
        let (from, to) = (self.source_step(t)?, self.target_step(t)?);
        let (from_owner, to_owner) = (
            self.wf.step(from).owner?.target?,
            self.wf.step(to).owner?.target?,
        );
        Some(StepOwners {
            from: self.wf.step(from),
            to: self.wf.step(to),
            from_owner: self.actor(from_owner),
            to_owner: self.actor(to_owner),
            same: from_owner == to_owner,
        })
    }

    /// The span of a transition's `from -> to` part.
    pub fn head(t: &Transition) -> Span {
        t.from.span.to(t.to.span)
    }

    /// `a -> b` for a transition.
    pub fn arrow(&self, t: &Transition) -> String {
        match t.ends() {
            Some((a, b)) => format!("{} -> {}", self.wf.node_name(a), self.wf.node_name(b)),
            None => String::from("…"),
        }
    }

    /// A person (a `human` or `team` actor of the workflow) with an inbox (who is told that
    /// work waits, W206) to name in a help line, other than `except`: one that `can approve`
    /// first when `approver`; `ACTOR` when there is none.
    pub fn some_person(&self, except: &[&str], approver: bool) -> &'a str {
        match self.some_person_who(except, |x| approver && x.grants("approve")) {
            "ACTOR" => self.some_person_who(except, |_| true),
            name => name,
        }
    }

    /// A person to name as a fallback, other than `except`: one with `can sensitive` when a
    /// `sensitive` field reaches the fallback (else E305 follows the edit); `ACTOR` when none.
    pub fn fallback_person(&self, except: &[&str], sensitive: bool) -> &'a str {
        self.some_person_who(except, |x| !sensitive || x.grants("sensitive"))
    }

    /// The same, for a person for whom `wanted` holds.
    pub fn some_person_who(
        &self,
        except: &[&str],
        wanted: impl Fn(&crate::ir::Actor) -> bool,
    ) -> &'a str {
        let people = || {
            self.wf
                .actors
                .iter()
                .filter(|a| a.kind.is_person() && !except.contains(&a.name.text.as_str()))
        };
        // Only a person with whom the edit is clean: one for whom `wanted` holds and who has an
        // inbox (else W206 follows the edit). Otherwise the help says `ACTOR`: naming someone
        // unfit would trade this diagnostic for another.
        people()
            .find(|x| wanted(x) && (!x.inboxes.is_empty() || x.declared_twice.inbox))
            .map_or("ACTOR", |a| a.name.text.as_str())
    }

    /// The name of a field.
    pub fn field_name(&self, f: FieldId) -> &'a str {
        &self.wf.field(f).name.text
    }

    /// A path as `a -> b -> c`, shortened in the middle when long.
    pub fn path_text(&self, path: &[NodeIndex]) -> String {
        let name = |n: &NodeIndex| self.wf.node_name(self.graph.id(*n)).to_string();
        if path.len() <= 8 {
            return path.iter().map(name).collect::<Vec<_>>().join(" -> ");
        }
        let head: Vec<String> = path[..3].iter().map(name).collect();
        let tail: Vec<String> = path[path.len() - 4..].iter().map(name).collect();
        format!("{} -> … -> {}", head.join(" -> "), tail.join(" -> "))
    }

    /// The label at the place a field was lost, and the edit that fixes the loss.
    pub fn explain_cause(&self, field: FieldId, missing: &Missing) -> (Label, String) {
        let wf = self.wf;
        let f = self.field_name(field);
        let (label, mut help) = match missing.cause {
            Cause::NotProvided(t) => {
                let trigger = wf.trigger(t);
                (
                    Label::new(
                        trigger.name.span,
                        format!("the path starts here, and nothing on it provides `{f}`"),
                    ),
                    if missing.path.iter().any(|&n| self.graph.step(n).is_some()) {
                        format!(
                            "add `{f}` to `provides` of the trigger `{}`, or to `provides` of a step on the path",
                            trigger.name.text
                        )
                    } else {
                        format!(
                            "add `{f}` to `provides` of the trigger `{}`",
                            trigger.name.text
                        )
                    },
                )
            }
            Cause::Handoff(t) => {
                let t = &wf.transitions[t.index()];
                (
                    Label::new(
                        Self::head(t),
                        format!("`{f}` is dropped here: not in `carries`"),
                    ),
                    format!("add `{f}` to `carries` of the handoff `{}`", self.arrow(t)),
                )
            }
            Cause::ApprovalElse(s) => {
                let step = wf.step(s);
                let target = step.approval().and_then(|a| a.else_step);
                let span = target.map_or(step.name.span, |r| r.span);
                let else_name = target
                    .and_then(|r| r.target)
                    .map_or("…", |t| wf.step(t).name.text.as_str());
                let at_else_step = target
                    .and_then(|r| r.target)
                    .is_some_and(|t| missing.path.last() == Some(&self.step_node(t)));
                let help = if at_else_step {
                    format!(
                        "provide `{f}` before `{}`, on every path into it: its `else` route passes only what `{}` received",
                        step.name.text, step.name.text
                    )
                } else {
                    format!("add `{f}` to `provides` of the `else` step `{else_name}`")
                };
                (
                    Label::new(
                        span,
                        format!(
                            "the `else` route of `{}`: the step did not run, so `{f}`, which it provides, is lost here",
                            step.name.text
                        ),
                    ),
                    help,
                )
            }
        };
        if !missing.also_dropped_by.is_empty() {
            let more: Vec<String> = missing
                .also_dropped_by
                .iter()
                .map(|t| format!("`{}`", self.arrow(&wf.transitions[t.index()])))
                .collect();
            help.push_str(&format!(", and to `carries` of {}", more.join(", ")));
        }
        (label, help)
    }

    /// The rest of the fix when `field` is lost at `n` on other paths than the one `missing`
    /// explains (two branches of a join, two routes back in a loop, a second trigger): the
    /// handoffs and triggers its help does not name yet, as a clause to append to it, or
    /// nothing.
    pub fn other_boundaries(&self, field: FieldId, n: NodeIndex, missing: &Missing) -> String {
        // The help for a loss on an `else` route provides the field before the approving step,
        // which covers what triggers lack: only the handoffs that drop it are named then.
        let on_else = matches!(missing.cause, Cause::ApprovalElse(_));
        let wf = self.wf;
        let f = self.field_name(field);
        let (handoffs, triggers) = self.context.boundaries(wf, &self.graph, n, field);
        let named_handoff = |t: &TransitionId| {
            missing.cause == Cause::Handoff(*t) || missing.also_dropped_by.contains(t)
        };
        let handoffs: Vec<String> = handoffs
            .iter()
            .filter(|t| !named_handoff(t))
            .map(|t| format!("`{}`", self.arrow(&wf.transitions[t.index()])))
            .collect();
        let triggers: Vec<String> = triggers
            .iter()
            .filter(|&&t| !on_else && missing.cause != Cause::NotProvided(t))
            .map(|&t| format!("`{}`", wf.trigger(t).name.text))
            .collect();
        // A long list helps nobody: the first few, and how many more.
        let listed = |names: &[String]| {
            let mut text = names
                .iter()
                .take(NAMED_BOUNDARIES)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if names.len() > NAMED_BOUNDARIES {
                text.push_str(&format!(" and {} more", names.len() - NAMED_BOUNDARIES));
            }
            text
        };
        let mut parts = Vec::new();
        if !handoffs.is_empty() {
            parts.push(format!("to `carries` of {}", listed(&handoffs)));
        }
        if !triggers.is_empty() {
            let what = if triggers.len() == 1 {
                "trigger"
            } else {
                "triggers"
            };
            parts.push(format!("to `provides` of the {what} {}", listed(&triggers)));
        }
        if parts.is_empty() {
            return String::new();
        }
        format!(
            "; `{f}` is lost on other paths too: add it {}",
            parts.join(", and ")
        )
    }

    /// Every handoff and escalation of the workflow (the places where work changes hands), in
    /// source order; computed once per workflow.
    pub fn routes(&self) -> &[RouteRef<'a>] {
        &self.routes
    }

    fn collect_routes(wf: &'a Workflow, graph: &Graph) -> Vec<RouteRef<'a>> {
        let owner = |s: StepId| {
            wf.step(s)
                .owner
                .and_then(|o| o.target)
                .map(|id| wf.actor(id))
        };
        let mut routes = Vec::new();
        for (i, step) in wf.steps.iter().enumerate() {
            for (k, esc) in step.escalations().iter().enumerate() {
                routes.push(RouteRef {
                    source: Some(StepId(i as u32)),
                    receiver: esc.target.target.map(|a| wf.actor(a)),
                    route: &esc.route,
                    head: Span::new(esc.span.start(), esc.target.span.end()),
                    origin: RouteOrigin::Escalation(StepId(i as u32), k),
                });
            }
        }
        for e in graph.g.edge_weights() {
            let EdgeKind::Transition(id, TransitionKind::Handoff) = *e else {
                continue;
            };
            let t = &wf.transitions[id.index()];
            let Some((from, NodeId::Step(to))) = t.ends() else {
                continue;
            };
            routes.push(RouteRef {
                source: match from {
                    NodeId::Step(s) => Some(s),
                    NodeId::Trigger(_) => None,
                },
                receiver: owner(to),
                route: t.route(),
                head: Self::head(t),
                origin: RouteOrigin::Handoff(id),
            });
        }
        routes.sort_by_key(|r| r.head);
        routes
    }

    /// The node of a step.
    pub fn step_node(&self, s: StepId) -> NodeIndex {
        self.graph.node(NodeId::Step(s))
    }
}

#[cfg(test)]
mod tests {
    use super::ordinal;

    #[test]
    fn ordinals_are_words_to_ten_then_numbers_with_their_suffix() {
        let got: Vec<String> = [1, 3, 4, 10, 11, 12, 13, 21, 22, 23, 24, 101, 111, 112]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            got,
            [
                "first", "third", "fourth", "tenth", "11th", "12th", "13th", "21st", "22nd",
                "23rd", "24th", "101st", "111th", "112th"
            ]
        );
    }
}

//! Semantic checks: every rule of LANGUAGE.md §5 beyond syntax and names.
//!
//! Each workflow is analysed once ([`Analysis`]: its routing graph and its context flow), then
//! every registered rule with a `check` function reads the analysis and reports. Rules live in
//! `src/rules/`, one module each.
//!
//! **Invariants:** a check never reports about a reference that failed to resolve or an edge that
//! was rejected (their diagnostic has been given); every analysis is linear, or linear times the
//! number of fields in bit-set words, in the size of the workflow.

pub mod bits;
pub mod flow;
pub mod graph;
pub mod types;

use petgraph::graph::NodeIndex;

use crate::ast::ActorKind;
use crate::diagnostics::{Diagnostic, Label};
use crate::ir::{
    Actor, ActorId, FieldId, Module, NodeId, Route, StepId, Transition, TransitionId,
    TransitionKind, Workflow,
};
use crate::rules;
use crate::span::Span;
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
    /// "the handoff `a -> b`" or "the escalation of `s` to `x`", for messages.
    pub fn what(&self, a: &Analysis<'_>) -> String {
        let wf = a.wf;
        match self.origin {
            RouteOrigin::Handoff(t) => {
                format!("the handoff `{}`", a.arrow(&wf.transitions[t.index()]))
            }
            RouteOrigin::Escalation(s, i) => {
                let step = wf.step(s);
                let target = step.escalations[i]
                    .target
                    .target
                    .map_or("…", |x| wf.actor(x).name.text.as_str());
                format!("the escalation of `{}` to `{target}`", step.name.text)
            }
        }
    }
}

/// What the rules read about one workflow.
pub struct Analysis<'a> {
    pub wf: &'a Workflow,
    pub settings: &'a Settings,
    pub graph: Graph,
    pub context: ContextFlow,
    routes: Vec<RouteRef<'a>>,
}

/// Runs every semantic rule on every workflow of a module.
pub fn check(module: &Module, settings: &Settings) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    rules::e204_fallback_cycle::check_actors(&module.actors, |_| true, &mut out);
    for wf in &module.workflows {
        let analysis = Analysis::new(wf, settings);
        for rule in rules::ALL {
            if let Some(check) = rule.check {
                check(&analysis, &mut out);
            }
        }
    }
    out
}

impl<'a> Analysis<'a> {
    /// Analyses one workflow.
    pub fn new(wf: &'a Workflow, settings: &'a Settings) -> Self {
        let graph = Graph::new(wf);
        let context = ContextFlow::new(wf, &graph);
        let routes = Self::collect_routes(wf, &graph);
        Analysis {
            wf,
            settings,
            graph,
            context,
            routes,
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

    /// The kind of a step's resolved owner.
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
                    format!(
                        "add `{f}` to `provides` of the trigger `{}`, or to `provides` of a step on the path",
                        trigger.name.text
                    ),
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
                let target = step.approval.as_ref().and_then(|a| a.else_step);
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
            for (k, esc) in step.escalations.iter().enumerate() {
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

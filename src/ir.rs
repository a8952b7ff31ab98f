//! The resolved model of a workflow: what checks and emitters read.
//!
//! **Invariants:**
//! - Every workflow is self-contained: its actor table holds the file's top-level actors first
//!   (in source order) and then its own, so ids never point outside the workflow.
//! - A reference that did not resolve is kept with `target: None`; the diagnostic for it has
//!   already been given, and no later stage reports anything about it again.
//! - Flow chains are expanded: `flow a -> b -> c` is two transitions, in source order; the
//!   condition of a chain belongs to its first link.
//! - Lists keep source order; a name listed twice in one list is kept once.

use crate::ast::{ActorKind, CmpOp, Duration, InboxChannel, PrimType, Str};
use crate::span::Span;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The index of this id in its table.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id!(
    /// An index into [`Workflow::actors`].
    ActorId
);
id!(
    /// An index into [`Workflow::fields`].
    FieldId
);
id!(
    /// An index into [`Workflow::triggers`].
    TriggerId
);
id!(
    /// An index into [`Workflow::steps`].
    StepId
);
id!(
    /// An index into [`Workflow::transitions`].
    TransitionId
);

/// A place work can be: a trigger (where it enters) or a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeId {
    Trigger(TriggerId),
    Step(StepId),
}

/// A reference as written, with what it resolved to (`None` if it did not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ref<T> {
    pub target: Option<T>,
    pub span: Span,
}

/// A name and the span of its declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// All workflows of one file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Module {
    /// The file's top-level actors (each workflow also holds a copy of them, first in its table).
    pub actors: Vec<Actor>,
    pub workflows: Vec<Workflow>,
}

/// One resolved workflow.
#[derive(Clone, Debug, PartialEq)]
pub struct Workflow {
    pub name: Name,
    pub doc: Option<String>,
    pub title: Option<Str>,
    pub version: Option<Str>,
    pub owner: Option<Ref<ActorId>>,
    pub customer_facing: bool,
    /// Whether an item of the workflow was dropped for a syntax error (E001): the rules about
    /// something absent (an unreachable step, no trigger, an unused field, a cycle without exit,
    /// a case no route takes) stay silent, since the dropped item may have supplied it.
    pub recovered: bool,
    /// Whether a trigger's declaration was rejected (E102): the workflow is not reported as
    /// having no trigger (E502), which would send the user to add what they wrote.
    pub rejected_trigger: bool,
    /// `customer FIELD`: the field that reaches the customer.
    pub customer: Option<Ref<FieldId>>,
    pub actors: Vec<Actor>,
    pub fields: Vec<Field>,
    pub triggers: Vec<Trigger>,
    pub steps: Vec<Step>,
    pub transitions: Vec<Transition>,
    /// The whole `workflow { … }` declaration.
    pub span: Span,
}

/// Where the fallback of a route comes from (see [`Workflow::fallback_of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FallbackFrom {
    /// The route's own `fallback`.
    Route,
    /// The receiving actor's `fallback`.
    Receiver,
    /// The workflow's `owner`, the fallback of last resort.
    WorkflowOwner,
}

impl Workflow {
    /// Who gets a route's work past its SLA: the route's own `fallback`, else the receiving
    /// actor's, else the workflow owner. A `fallback` that did not resolve reaches nobody (its
    /// E101 has been given), rather than passing the work on to the next in line.
    pub fn fallback_of(
        &self,
        own: Option<Ref<ActorId>>,
        receiver: Option<ActorId>,
    ) -> Option<(ActorId, FallbackFrom)> {
        if let Some(own) = own {
            return own.target.map(|a| (a, FallbackFrom::Route));
        }
        if let Some(f) = receiver.and_then(|r| self.actor(r).fallback) {
            return f.target.map(|a| (a, FallbackFrom::Receiver));
        }
        self.owner
            .and_then(|o| o.target)
            .map(|a| (a, FallbackFrom::WorkflowOwner))
    }

    /// The actor with this id.
    pub fn actor(&self, id: ActorId) -> &Actor {
        &self.actors[id.index()]
    }

    /// The field with this id.
    pub fn field(&self, id: FieldId) -> &Field {
        &self.fields[id.index()]
    }

    /// The step with this id.
    pub fn step(&self, id: StepId) -> &Step {
        &self.steps[id.index()]
    }

    /// The trigger with this id.
    pub fn trigger(&self, id: TriggerId) -> &Trigger {
        &self.triggers[id.index()]
    }

    /// The name of a node.
    pub fn node_name(&self, node: NodeId) -> &str {
        match node {
            NodeId::Trigger(t) => &self.trigger(t).name.text,
            NodeId::Step(s) => &self.step(s).name.text,
        }
    }
}

/// What a rejected second declaration of an actor (E102) gives that its kept declaration may
/// lack: the rules that would report the lack stay silent (one mistake, one diagnostic).
// Four independent facts about the other declaration, not the states of one machine.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlsoDeclared {
    /// An `inbox` (W206).
    pub inbox: bool,
    /// A `fallback` (W205).
    pub fallback: bool,
    /// `can sensitive` (E305).
    pub sensitive: bool,
    /// A person's kind, `human` or `team` (E203).
    pub person: bool,
}

/// An actor in a workflow's scope.
#[derive(Clone, Debug, PartialEq)]
pub struct Actor {
    pub name: Name,
    pub kind: ActorKind,
    pub doc: Option<String>,
    pub title: Option<Str>,
    /// Capabilities from every `can` item, in order, each once.
    pub can: Vec<Capability>,
    pub fallback: Option<Ref<ActorId>>,
    pub members: Vec<Str>,
    /// Where the actor is told that work waits for it, in source order, each once.
    pub inboxes: Vec<Inbox>,
    /// Whether the actor is declared at the top level of the file (and shared by its workflows).
    pub top_level: bool,
    /// What another declaration of the same name, rejected (E102), gives: which one was meant is
    /// not known, so what the kept one lacks and the other gives is not reported.
    pub declared_twice: AlsoDeclared,
    pub span: Span,
}

impl Actor {
    /// Whether the actor's `can` grants `capability`, directly or through a `prefix.*` wildcard.
    pub fn grants(&self, capability: &str) -> bool {
        self.can.iter().any(|c| grants(&c.name, capability))
    }
}

/// Whether one entry of a `can` list grants `capability`: the same name, or a `prefix.*`
/// wildcard over it.
pub fn grants(entry: &str, capability: &str) -> bool {
    entry == capability
        || entry
            .strip_suffix('*')
            .is_some_and(|prefix| capability.starts_with(prefix) && capability.len() > prefix.len())
}

/// `inbox email "…"` or `inbox slack "…"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inbox {
    pub channel: InboxChannel,
    pub address: Str,
    /// The whole `inbox …` item.
    pub span: Span,
}

/// A capability as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capability {
    pub name: String,
    pub span: Span,
}

/// A context field.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: Name,
    pub ty: Type,
    pub sensitive: bool,
    /// Whether a second declaration of the same name was rejected (E102): which type is meant is
    /// then unclear, so conditions on the field are not type-checked or decided.
    pub declared_twice: bool,
    /// Whether an E101 "did you mean" suggested this field for a misspelt name: the misspelt
    /// use was probably meant for it, so it is not reported as unused.
    pub suggested: bool,
    pub doc: Option<String>,
    pub span: Span,
}

impl Field {
    /// Whether a notice can be delivered through the field (`email` or `url`): what `customer`
    /// must name (E307).
    pub fn reaches_a_person(&self) -> bool {
        matches!(
            self.ty,
            Type::Prim(crate::ast::PrimType::Email | crate::ast::PrimType::Url)
        )
    }
}

/// A field type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    Prim(PrimType),
    /// The members of an enum, in declaration order.
    Enum(Vec<Name>),
    List(Box<Type>),
}

impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Type::Prim(p) => f.write_str(p.keyword()),
            Type::Enum(members) => {
                f.write_str("enum(")?;
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(&m.text)?;
                }
                f.write_str(")")
            }
            Type::List(inner) => write!(f, "list<{inner}>"),
        }
    }
}

/// How work enters a workflow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TriggerKind {
    Manual,
    Webhook(Str),
    Schedule(Str),
    Form(Str),
}

/// A trigger.
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub name: Name,
    pub kind: TriggerKind,
    pub provides: Vec<Ref<FieldId>>,
    pub doc: Option<String>,
    pub span: Span,
}

/// A step. What most steps of a large workflow lack (documentation, a title, actions, an
/// approval, escalations, a reversibility class) is kept apart in [`StepExtra`], boxed, and
/// read through the methods of the same names: a step of only an owner and its fields then
/// takes 120 bytes rather than 280, which at 100,000 steps is 16 MB less for resolution to
/// write and for the checks to read.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub name: Name,
    /// The `owner` reference; `None` when the step has no `owner` item.
    pub owner: Option<Ref<ActorId>>,
    /// Whether an item of the step was dropped for a syntax error: the rules about a missing
    /// item (no owner, no approval, no reversibility class) stay silent about it.
    pub recovered: bool,
    /// Whether the step gives two different reversibility classes (E104): it keeps none, and
    /// the rules about its class (W401, E401, W402, E402, W503) stay silent about it.
    pub disputed: bool,
    /// Whether an E101 "did you mean" suggested this step for a misspelt name: the misspelt
    /// route was probably meant to lead here, so it is not reported as unreachable.
    pub suggested: bool,
    pub needs: Vec<Ref<FieldId>>,
    pub provides: Vec<Ref<FieldId>>,
    pub span: Span,
    /// `None` when every part of it would be empty.
    pub extra: Option<Box<StepExtra>>,
}

/// The parts of a [`Step`] that most steps lack.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepExtra {
    pub doc: Option<String>,
    pub title: Option<Str>,
    pub actions: Vec<Capability>,
    /// `uses "NAME"`: the implementation kept outside the workflow file.
    pub uses: Option<Str>,
    pub reversibility: Option<Reversibility>,
    pub approval: Option<Approval>,
    pub escalations: Vec<Escalation>,
}

impl StepExtra {
    /// Whether every part is empty.
    pub fn is_empty(&self) -> bool {
        self.doc.is_none()
            && self.title.is_none()
            && self.actions.is_empty()
            && self.uses.is_none()
            && self.reversibility.is_none()
            && self.approval.is_none()
            && self.escalations.is_empty()
    }
}

impl Step {
    /// The `///` documentation comment.
    pub fn doc(&self) -> Option<&String> {
        self.extra.as_ref()?.doc.as_ref()
    }

    /// `title "…"`.
    pub fn title(&self) -> Option<&Str> {
        self.extra.as_ref()?.title.as_ref()
    }

    /// The capabilities of its `action` items.
    pub fn actions(&self) -> &[Capability] {
        self.extra.as_ref().map_or(&[], |e| &e.actions)
    }

    /// `uses "NAME"`.
    pub fn uses(&self) -> Option<&Str> {
        self.extra.as_ref()?.uses.as_ref()
    }

    /// Its reversibility class, if declared.
    pub fn reversibility(&self) -> Option<Reversibility> {
        self.extra.as_ref()?.reversibility
    }

    /// `approve by …`.
    pub fn approval(&self) -> Option<&Approval> {
        self.extra.as_ref()?.approval.as_ref()
    }

    /// Its escalations, in order.
    pub fn escalations(&self) -> &[Escalation] {
        self.extra.as_ref().map_or(&[], |e| &e.escalations)
    }
}

/// A step's reversibility class, with the span of the item that gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reversibility {
    pub kind: ReversibilityKind,
    pub span: Span,
}

/// The reversibility classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReversibilityKind {
    Reversible,
    Irreversible,
    CompensableBy(Ref<StepId>),
}

/// `approve by …`
#[derive(Clone, Debug, PartialEq)]
pub struct Approval {
    pub approvers: Vec<Ref<ActorId>>,
    pub within: Option<Duration>,
    pub else_step: Option<Ref<StepId>>,
    pub span: Span,
}

/// What travels along a handoff or an escalation, and who is told.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Route {
    pub carries: Vec<Ref<FieldId>>,
    pub sla: Option<Duration>,
    pub fallback: Option<Ref<ActorId>>,
    pub notify: Option<Str>,
    pub reason: Option<Str>,
    /// The span of `{ … }` as written (`None` without a body): where a fix adds `carries`.
    pub body: Option<Span>,
}

/// `escalate to … when … { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct Escalation {
    pub target: Ref<ActorId>,
    pub condition: Cond,
    pub route: Route,
    pub span: Span,
}

/// Whether a transition keeps the owner or hands the work off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransitionKind {
    Flow,
    Handoff,
}

/// When a transition is taken.
#[derive(Clone, Debug, PartialEq)]
pub enum Guard {
    Always,
    When(Box<Cond>),
    Otherwise(Span),
}

/// A transition between two nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub kind: TransitionKind,
    pub from: Ref<NodeId>,
    pub to: Ref<NodeId>,
    pub guard: Guard,
    /// What most transitions lack: a route (what a handoff carries and who is told) and a
    /// `///` comment, read through [`Transition::route`] and [`Transition::doc`]. `None` for
    /// the many flows of a large workflow, which then take 72 bytes each rather than 96.
    pub extra: Option<Box<TransitionExtra>>,
    /// The span of the declaration this transition came from (a whole chain for flows).
    pub span: Span,
    /// Set when resolution rejected the edge (for example a `handoff` out of a trigger); checks
    /// do not report anything about a rejected edge again.
    pub rejected: bool,
}

impl Route {
    /// Whether a name in `carries` did not resolve (E101): it may have been any field.
    pub fn has_unresolved_carries(&self) -> bool {
        self.carries.iter().any(|c| c.target.is_none())
    }
}

/// The parts of a [`Transition`] that most transitions lack.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransitionExtra {
    /// For handoffs: what is carried and who is told; empty for flows.
    pub route: Route,
    pub doc: Option<String>,
}

impl TransitionExtra {
    /// The extra part of a transition, `None` when it would be empty.
    pub fn boxed(route: Route, doc: Option<String>) -> Option<Box<TransitionExtra>> {
        (route != Route::default() || doc.is_some())
            .then(|| Box::new(TransitionExtra { route, doc }))
    }
}

/// The route of a transition without a body.
static NO_ROUTE: Route = Route {
    carries: Vec::new(),
    sla: None,
    fallback: None,
    notify: None,
    reason: None,
    body: None,
};

impl Transition {
    /// What the transition carries and who is told: empty for flows.
    pub fn route(&self) -> &Route {
        self.extra.as_ref().map_or(&NO_ROUTE, |e| &e.route)
    }

    /// The `///` documentation comment of the flow or handoff.
    pub fn doc(&self) -> Option<&String> {
        self.extra.as_ref()?.doc.as_ref()
    }

    /// Whether the edge was rejected (E102, E103) or leads into a trigger (E205): either way
    /// it takes no further part in checking, its body (`carries`, `fallback`) included.
    pub fn dropped(&self) -> bool {
        self.rejected || matches!(self.to.target, Some(NodeId::Trigger(_)))
    }

    /// The resolved ends, when both resolved and the edge was not rejected.
    pub fn ends(&self) -> Option<(NodeId, NodeId)> {
        if self.rejected {
            return None;
        }
        Some((self.from.target?, self.to.target?))
    }
}

/// A resolved condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Cond {
    pub kind: CondKind,
    pub span: Span,
}

/// The shape of a condition.
#[derive(Clone, Debug, PartialEq)]
pub enum CondKind {
    Or(Vec<Cond>),
    And(Vec<Cond>),
    Not(Box<Cond>),
    Compare(Value, CmpOp, Value),
    In(Value, Vec<Value>),
    Bare(Value),
}

/// An operand of a condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

/// What an operand is, after resolution.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    /// A context field; `None` if the name did not resolve.
    Field(Option<FieldId>),
    /// A member of the enum on the other side of the comparison (not yet checked to exist).
    Member(Box<str>),
    Number(f64),
    String(Box<str>),
    Duration(u64),
    Bool(bool),
    Confidence,
    Attempts,
    Elapsed,
}

impl Cond {
    /// Calls `f` on every operand, depth first, left to right.
    pub fn for_each_value<'a>(&'a self, f: &mut impl FnMut(&'a Value)) {
        match &self.kind {
            CondKind::Or(parts) | CondKind::And(parts) => {
                for p in parts {
                    p.for_each_value(f);
                }
            }
            CondKind::Not(inner) => inner.for_each_value(f),
            CondKind::Compare(a, _, b) => {
                f(a);
                f(b);
            }
            CondKind::In(a, items) => {
                f(a);
                for i in items {
                    f(i);
                }
            }
            CondKind::Bare(v) => f(v),
        }
    }
}

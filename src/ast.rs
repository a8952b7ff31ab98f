//! The syntax tree: what a file says, before names are resolved.
//!
//! **Invariant:** every node carries the byte span of the source it came from, and spans of
//! children lie inside the span of their parent. Strings are already unescaped. Nothing here is
//! checked beyond the grammar: duplicates, unknown names and wrong kinds are found by `resolve`.

use crate::span::Span;

/// A name as written, with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident<'a> {
    pub name: &'a str,
    pub span: Span,
}

/// A string literal, unescaped, with the span of the literal including its quotes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

/// A duration literal in whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Duration {
    pub seconds: u64,
    pub span: Span,
}

/// A capability such as `crm.write` or `crm.*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capability<'a> {
    pub name: &'a str,
    pub span: Span,
}

/// A parsed file: its top-level declarations in source order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct File<'a> {
    pub items: Vec<TopItem<'a>>,
    /// The names that broken declarations (E001) seem to declare (`stpe review {`, `x: nubmer`,
    /// `actor a: humam`), each with the offset where it stands: a reference to one of them in
    /// the same workflow (or to one outside every workflow) is not also reported undefined
    /// (E101).
    pub broken_names: Vec<(&'a str, usize)>,
}

/// A top-level declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum TopItem<'a> {
    Actor(ActorDecl<'a>),
    Workflow(WorkflowDecl<'a>),
}

/// The kind of an actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActorKind {
    Human,
    Team,
    Ai,
    System,
}

impl ActorKind {
    /// The keyword that names this kind.
    pub fn keyword(self) -> &'static str {
        match self {
            ActorKind::Human => "human",
            ActorKind::Team => "team",
            ActorKind::Ai => "ai",
            ActorKind::System => "system",
        }
    }

    /// Whether actors of this kind are people (`human` or `team`).
    pub fn is_person(self) -> bool {
        matches!(self, ActorKind::Human | ActorKind::Team)
    }
}

/// `actor NAME: KIND { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct ActorDecl<'a> {
    pub doc: Option<String>,
    pub name: Ident<'a>,
    pub kind: ActorKind,
    pub kind_span: Span,
    pub items: Vec<ActorItem<'a>>,
    pub span: Span,
}

/// An item of an actor body; `span` covers the whole item.
#[derive(Clone, Debug, PartialEq)]
pub struct ActorItem<'a> {
    pub kind: ActorItemKind<'a>,
    pub span: Span,
}

/// What an actor item says.
#[derive(Clone, Debug, PartialEq)]
pub enum ActorItemKind<'a> {
    Title(Str),
    Can(Vec<Capability<'a>>),
    Fallback(Ident<'a>),
    Members(Vec<Str>),
    Inbox(InboxChannel, Str),
}

/// Where an inbox delivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InboxChannel {
    Email,
    Slack,
}

impl InboxChannel {
    /// The keyword that names this channel.
    pub fn keyword(self) -> &'static str {
        match self {
            InboxChannel::Email => "email",
            InboxChannel::Slack => "slack",
        }
    }
}

/// `workflow NAME { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowDecl<'a> {
    pub doc: Option<String>,
    pub name: Ident<'a>,
    pub items: Vec<WorkflowItem<'a>>,
    /// Whether an item of the workflow was dropped for a syntax error (E001).
    pub recovered: bool,
    pub span: Span,
}

/// An item of a workflow body; `span` covers the whole item.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowItem<'a> {
    pub kind: WorkflowItemKind<'a>,
    pub span: Span,
}

/// What a workflow item says.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkflowItemKind<'a> {
    Title(Str),
    Version(Str),
    Owner(Ident<'a>),
    CustomerFacing,
    Customer(Ident<'a>),
    Actor(Box<ActorDecl<'a>>),
    Context(Vec<FieldDecl<'a>>),
    Trigger(Box<TriggerDecl<'a>>),
    // Steps and flows are most of a large workflow: they are stored inline, which saves an
    // allocation each; the rarer, larger declarations are boxed to keep items small.
    Step(StepDecl<'a>),
    Flow(FlowDecl<'a>),
    Handoff(Box<HandoffDecl<'a>>),
}

/// `FIELD: TYPE [sensitive]`
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl<'a> {
    pub doc: Option<String>,
    pub name: Ident<'a>,
    pub ty: TypeExpr<'a>,
    pub sensitive: bool,
    pub span: Span,
}

/// A field type as written.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr<'a> {
    pub kind: TypeKind<'a>,
    pub span: Span,
}

/// The shape of a field type.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind<'a> {
    Prim(PrimType),
    Enum(Vec<Ident<'a>>),
    List(Box<TypeExpr<'a>>),
}

/// A primitive field type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrimType {
    Text,
    Number,
    Bool,
    Email,
    Url,
    Date,
    Datetime,
    Duration,
    Money,
    Summary,
}

impl PrimType {
    /// The keyword that names this type.
    pub fn keyword(self) -> &'static str {
        match self {
            PrimType::Text => "text",
            PrimType::Number => "number",
            PrimType::Bool => "bool",
            PrimType::Email => "email",
            PrimType::Url => "url",
            PrimType::Date => "date",
            PrimType::Datetime => "datetime",
            PrimType::Duration => "duration",
            PrimType::Money => "money",
            PrimType::Summary => "summary",
        }
    }

    /// The type named by a keyword.
    pub fn from_keyword(word: &str) -> Option<Self> {
        Some(match word {
            "text" => PrimType::Text,
            "number" => PrimType::Number,
            "bool" => PrimType::Bool,
            "email" => PrimType::Email,
            "url" => PrimType::Url,
            "date" => PrimType::Date,
            "datetime" => PrimType::Datetime,
            "duration" => PrimType::Duration,
            "money" => PrimType::Money,
            "summary" => PrimType::Summary,
            _ => return None,
        })
    }
}

/// `trigger NAME: KIND [ARG] { provides … }`
#[derive(Clone, Debug, PartialEq)]
pub struct TriggerDecl<'a> {
    pub doc: Option<String>,
    pub name: Ident<'a>,
    pub kind: TriggerKind,
    pub kind_span: Span,
    /// Each `provides` item with its span and names.
    pub provides: Vec<ListItem<'a>>,
    pub span: Span,
}

/// The kind of a trigger and its argument.
#[derive(Clone, Debug, PartialEq)]
pub enum TriggerKind {
    Manual,
    Webhook(Str),
    Schedule(Str),
    Form(Str),
}

/// A list item such as `needs a, b`: the span of the whole item and its names.
#[derive(Clone, Debug, PartialEq)]
pub struct ListItem<'a> {
    pub names: Vec<Ident<'a>>,
    pub span: Span,
}

/// `step NAME { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct StepDecl<'a> {
    pub doc: Option<String>,
    pub name: Ident<'a>,
    pub items: Vec<StepItem<'a>>,
    /// Whether an item of the step was dropped for a syntax error (E001): what the step lacks
    /// may have been written in it, so its absence is not reported again.
    pub recovered: bool,
    pub span: Span,
}

/// An item of a step body; `span` covers the whole item.
#[derive(Clone, Debug, PartialEq)]
pub struct StepItem<'a> {
    pub kind: StepItemKind<'a>,
    pub span: Span,
}

/// What a step item says.
#[derive(Clone, Debug, PartialEq)]
pub enum StepItemKind<'a> {
    Title(Str),
    Owner(Ident<'a>),
    Needs(Vec<Ident<'a>>),
    Provides(Vec<Ident<'a>>),
    Action(Vec<Capability<'a>>),
    Uses(Str),
    Reversible,
    Irreversible,
    CompensableBy(Ident<'a>),
    Approve(Box<ApproveDecl<'a>>),
    Escalate(Box<EscalateDecl<'a>>),
}

/// `approve by A, B [within D] [else S]`
#[derive(Clone, Debug, PartialEq)]
pub struct ApproveDecl<'a> {
    pub approvers: Vec<Ident<'a>>,
    pub within: Option<Duration>,
    pub else_step: Option<Ident<'a>>,
}

/// `escalate to ACTOR when CONDITION { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct EscalateDecl<'a> {
    pub target: Ident<'a>,
    pub condition: Expr<'a>,
    pub body: Vec<RouteItem<'a>>,
    /// The span of `{ … }`, when the escalation has a body.
    pub body_span: Option<Span>,
}

/// `flow A -> B -> C [guard]`
#[derive(Clone, Debug, PartialEq)]
pub struct FlowDecl<'a> {
    pub doc: Option<String>,
    /// Most flows link two steps: those are kept inline, without an allocation.
    pub chain: smallvec::SmallVec<[Ident<'a>; 2]>,
    pub guard: Option<Guard<'a>>,
    pub span: Span,
}

/// `handoff A -> B [guard] { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct HandoffDecl<'a> {
    pub doc: Option<String>,
    pub from: Ident<'a>,
    pub to: Ident<'a>,
    pub guard: Option<Guard<'a>>,
    pub body: Vec<RouteItem<'a>>,
    /// The span of `{ … }`, when the handoff has a body.
    pub body_span: Option<Span>,
    pub span: Span,
}

/// `when CONDITION` or `otherwise`, with the span of the whole guard.
#[derive(Clone, Debug, PartialEq)]
pub enum Guard<'a> {
    When(Box<Expr<'a>>, Span),
    Otherwise(Span),
}

/// An item of a handoff or escalation body; `span` covers the whole item.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteItem<'a> {
    pub kind: RouteItemKind<'a>,
    pub span: Span,
}

/// What a handoff or escalation item says.
#[derive(Clone, Debug, PartialEq)]
pub enum RouteItemKind<'a> {
    Carries(Vec<Ident<'a>>),
    Sla(Duration),
    Fallback(Ident<'a>),
    Notify(Str),
    Reason(Str),
}

impl RouteItemKind<'_> {
    /// The keyword that starts the item.
    pub fn keyword(&self) -> &'static str {
        match self {
            RouteItemKind::Carries(_) => "carries",
            RouteItemKind::Sla(_) => "sla",
            RouteItemKind::Fallback(_) => "fallback",
            RouteItemKind::Notify(_) => "notify",
            RouteItemKind::Reason(_) => "reason",
        }
    }
}

/// A condition expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr<'a> {
    pub kind: ExprKind<'a>,
    pub span: Span,
}

/// The shape of a condition.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind<'a> {
    Or(Vec<Expr<'a>>),
    And(Vec<Expr<'a>>),
    Not(Box<Expr<'a>>),
    Compare(Operand<'a>, CmpOp, Operand<'a>),
    In(Operand<'a>, Vec<Operand<'a>>),
    Bare(Operand<'a>),
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// An operand of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Operand<'a> {
    pub kind: OperandKind<'a>,
    pub span: Span,
}

/// What an operand is.
#[derive(Clone, Debug, PartialEq)]
pub enum OperandKind<'a> {
    /// A field or, next to an enum-typed operand, a member of that enum.
    Name(&'a str),
    Number(f64),
    String(String),
    Duration(u64),
    Bool(bool),
    Confidence,
    Attempts,
    Elapsed,
}

//! The syntax tree: what a file says, before names are resolved.
//!
//! **Invariant:** every node carries the byte span of the source it came from, and spans of
//! children lie inside the span of their parent. Strings are already unescaped. Nothing here is
//! checked beyond the grammar: duplicates, unknown names and wrong kinds are found by `resolve`.

use crate::span::Span;

/// A name as written, with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
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
pub struct Capability {
    pub name: String,
    pub span: Span,
}

/// A parsed file: its top-level declarations in source order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct File {
    pub items: Vec<TopItem>,
}

/// A top-level declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum TopItem {
    Actor(ActorDecl),
    Workflow(WorkflowDecl),
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
pub struct ActorDecl {
    pub doc: Option<String>,
    pub name: Ident,
    pub kind: ActorKind,
    pub kind_span: Span,
    pub items: Vec<ActorItem>,
    pub span: Span,
}

/// An item of an actor body; `span` covers the whole item.
#[derive(Clone, Debug, PartialEq)]
pub struct ActorItem {
    pub kind: ActorItemKind,
    pub span: Span,
}

/// What an actor item says.
#[derive(Clone, Debug, PartialEq)]
pub enum ActorItemKind {
    Title(Str),
    Can(Vec<Capability>),
    Fallback(Ident),
    Members(Vec<Str>),
}

/// `workflow NAME { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowDecl {
    pub doc: Option<String>,
    pub name: Ident,
    pub items: Vec<WorkflowItem>,
    pub span: Span,
}

/// An item of a workflow body; `span` covers the whole item.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowItem {
    pub kind: WorkflowItemKind,
    pub span: Span,
}

/// What a workflow item says.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkflowItemKind {
    Title(Str),
    Version(Str),
    Owner(Ident),
    CustomerFacing,
    Actor(Box<ActorDecl>),
    Context(Vec<FieldDecl>),
    Trigger(Box<TriggerDecl>),
    Step(Box<StepDecl>),
    Flow(Box<FlowDecl>),
    Handoff(Box<HandoffDecl>),
}

/// `FIELD: TYPE [sensitive]`
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    pub doc: Option<String>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub sensitive: bool,
    pub span: Span,
}

/// A field type as written.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub span: Span,
}

/// The shape of a field type.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    Prim(PrimType),
    Enum(Vec<Ident>),
    List(Box<TypeExpr>),
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
pub struct TriggerDecl {
    pub doc: Option<String>,
    pub name: Ident,
    pub kind: TriggerKind,
    pub kind_span: Span,
    /// Each `provides` item with its span and names.
    pub provides: Vec<ListItem>,
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
pub struct ListItem {
    pub names: Vec<Ident>,
    pub span: Span,
}

/// `step NAME { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct StepDecl {
    pub doc: Option<String>,
    pub name: Ident,
    pub items: Vec<StepItem>,
    pub span: Span,
}

/// An item of a step body; `span` covers the whole item.
#[derive(Clone, Debug, PartialEq)]
pub struct StepItem {
    pub kind: StepItemKind,
    pub span: Span,
}

/// What a step item says.
#[derive(Clone, Debug, PartialEq)]
pub enum StepItemKind {
    Title(Str),
    Owner(Ident),
    Needs(Vec<Ident>),
    Provides(Vec<Ident>),
    Action(Vec<Capability>),
    Reversible,
    Irreversible,
    CompensableBy(Ident),
    Approve(Box<ApproveDecl>),
    Escalate(Box<EscalateDecl>),
}

/// `approve by A, B [within D] [else S]`
#[derive(Clone, Debug, PartialEq)]
pub struct ApproveDecl {
    pub approvers: Vec<Ident>,
    pub within: Option<Duration>,
    pub else_step: Option<Ident>,
}

/// `escalate to ACTOR when CONDITION { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct EscalateDecl {
    pub target: Ident,
    pub condition: Expr,
    pub body: Vec<RouteItem>,
}

/// `flow A -> B -> C [guard]`
#[derive(Clone, Debug, PartialEq)]
pub struct FlowDecl {
    pub doc: Option<String>,
    pub chain: Vec<Ident>,
    pub guard: Option<Guard>,
    pub span: Span,
}

/// `handoff A -> B [guard] { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct HandoffDecl {
    pub doc: Option<String>,
    pub from: Ident,
    pub to: Ident,
    pub guard: Option<Guard>,
    pub body: Vec<RouteItem>,
    pub span: Span,
}

/// `when CONDITION` or `otherwise`, with the span of the whole guard.
#[derive(Clone, Debug, PartialEq)]
pub enum Guard {
    When(Box<Expr>, Span),
    Otherwise(Span),
}

/// An item of a handoff or escalation body; `span` covers the whole item.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteItem {
    pub kind: RouteItemKind,
    pub span: Span,
}

/// What a handoff or escalation item says.
#[derive(Clone, Debug, PartialEq)]
pub enum RouteItemKind {
    Carries(Vec<Ident>),
    Sla(Duration),
    Fallback(Ident),
    Notify(Str),
    Reason(Str),
}

impl RouteItemKind {
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
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// The shape of a condition.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Compare(Operand, CmpOp, Operand),
    In(Operand, Vec<Operand>),
    Bare(Operand),
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
pub struct Operand {
    pub kind: OperandKind,
    pub span: Span,
}

/// What an operand is.
#[derive(Clone, Debug, PartialEq)]
pub enum OperandKind {
    /// A field or, next to an enum-typed operand, a member of that enum.
    Name(String),
    Number(f64),
    String(String),
    Duration(u64),
    Bool(bool),
    Confidence,
    Attempts,
    Elapsed,
}

//! The public model of a checked workflow: the `handoff-ir` JSON format, version 1.
//!
//! This is what `handoff build --target ir` writes, one [`Document`] per workflow, and what
//! [`crate::compile`] returns to a Rust tool. It is a **stable** format (see
//! `docs/targets/ir.md`): within a version only additive changes are made, and the JSON Schema
//! of it (`schema/handoff-ir.schema.json`) is generated from these types.
//!
//! It is not [`crate::ir`]: that module is the compiler's internal resolved model (typed ids,
//! byte spans, unresolved references kept for error recovery), which changes whenever the
//! compiler needs it to. This model names everything by name, gives spans as lines and
//! columns, resolves what a reader would otherwise have to work out (fallbacks, the fields
//! available at each step, where each field crosses a boundary), and exists only for workflows
//! without errors.
//!
//! Every list is in source order. Edges are addressed by their index in [`Document::edges`].

#![warn(missing_docs)]

mod build;

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A name (of an actor, a field, a trigger, a step or a workflow) or a file path: a shared
/// string, so that the many places that list the same name (every step's
/// [`Step::available_on_entry`], for instance) do not each hold a copy. It serializes as a JSON
/// string and dereferences to `&str`.
pub type Name = Arc<str>;

pub use build::build;

/// The name of the format, in [`Format::name`].
pub const FORMAT_NAME: &str = "handoff-ir";
/// The version of the format, in [`Format::version`]. It changes only when a change is not
/// additive (a field removed, renamed or given another meaning).
pub const FORMAT_VERSION: u32 = 1;

/// The IR of one workflow: the document `handoff build --target ir` writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "handoff-ir")]
pub struct Document {
    /// Which format this is: always `{"name": "handoff-ir", "version": 1}` for this version.
    pub format: Format,
    /// The workflow itself: its name, owner and flags.
    pub workflow: Workflow,
    /// Every actor in the workflow's scope: the file's top-level actors first, then its own.
    pub actors: Vec<Actor>,
    /// The context fields, in declaration order.
    pub fields: Vec<Field>,
    /// Where work enters the workflow.
    pub triggers: Vec<Trigger>,
    /// The steps, in declaration order.
    pub steps: Vec<Step>,
    /// Every route work can take: flows, handoffs, escalations, the `else` routes of approvals
    /// and compensations, in source order. Other parts refer to an edge by its index here.
    pub edges: Vec<Edge>,
    /// The warnings the checker reported about this workflow (and about the file's top-level
    /// actors), in source order: the known risks.
    pub warnings: Vec<Warning>,
}

/// The format marker of a [`Document`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Format {
    /// Always `handoff-ir`.
    pub name: String,
    /// The format version (see [`FORMAT_VERSION`]).
    pub version: u32,
}

impl Default for Format {
    fn default() -> Self {
        Format {
            name: FORMAT_NAME.to_string(),
            version: FORMAT_VERSION,
        }
    }
}

/// A place in the source: 1-based lines and columns (columns count characters), the end
/// exclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Span {
    /// The path of the source file as it was given to the compiler.
    pub file: Name,
    /// The line where the element starts.
    pub line: u32,
    /// The column where the element starts.
    pub column: u32,
    /// The line where the element ends.
    pub end_line: u32,
    /// The column just after the element's last character.
    pub end_column: u32,
}

/// The workflow declaration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Workflow {
    /// The workflow's name (an identifier, unique in its file).
    pub name: Name,
    /// `title "…"`.
    pub title: Option<String>,
    /// `version "…"`.
    pub version: Option<String>,
    /// The `///` documentation comment above the declaration.
    pub doc: Option<String>,
    /// `owner ACTOR`: accountable for the workflow, the fallback of last resort.
    pub owner: Option<Name>,
    /// Whether the workflow is marked `customer_facing`.
    pub customer_facing: bool,
    /// `customer FIELD`: the field through which `notify` messages reach the customer.
    pub customer: Option<Name>,
    /// The workflow declaration.
    pub span: Span,
}

/// The kind of an actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ActorKind {
    /// One person.
    Human,
    /// A group of people working from a shared queue.
    Team,
    /// An AI agent.
    Ai,
    /// A system or tool.
    System,
}

/// An actor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Actor {
    /// The actor's name.
    pub name: Name,
    /// What the actor is.
    pub kind: ActorKind,
    /// `title "…"`.
    pub title: Option<String>,
    /// The `///` documentation comment.
    pub doc: Option<String>,
    /// The capabilities of its `can` items as written (`crm.*` included), in order, each once.
    pub permissions: Vec<String>,
    /// Its `fallback`: who takes over work it leaves past an SLA.
    pub fallback: Option<Name>,
    /// `members "…"` (documentation only).
    pub members: Vec<String>,
    /// Where the actor is told that work waits for it.
    pub inboxes: Vec<Inbox>,
    /// Whether it is declared at the top level of the file (shared by the file's workflows).
    pub shared: bool,
    /// The actor declaration.
    pub span: Span,
}

/// The channel of an inbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InboxChannel {
    /// An email address.
    Email,
    /// A Slack channel.
    Slack,
}

/// `inbox email "…"` or `inbox slack "…"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Inbox {
    /// The channel.
    pub channel: InboxChannel,
    /// The address or channel name, as written.
    pub address: String,
    /// The `inbox` item.
    pub span: Span,
}

/// A context field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Field {
    /// The field's name.
    pub name: Name,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: Type,
    /// Whether it is marked `sensitive`.
    pub sensitive: bool,
    /// The `///` documentation comment.
    pub doc: Option<String>,
    /// Every boundary (handoff or escalation) the field meets: carried across it, or dropped
    /// there although it was available at its source. In edge order.
    pub crossings: Vec<Crossing>,
    /// The field declaration.
    pub span: Span,
}

/// A field type as a structured value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Type {
    /// A primitive type such as `text` or `money`.
    Primitive {
        /// The type's keyword.
        name: PrimitiveType,
    },
    /// `enum(a, b, …)`.
    Enum {
        /// The members, in declaration order.
        members: Vec<String>,
    },
    /// `list<T>`.
    List {
        /// The type of the items.
        item: Box<Type>,
    },
}

/// The primitive field types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum PrimitiveType {
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

/// What happens to a field at one boundary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Crossing {
    /// The index of the handoff or escalation in [`Document::edges`].
    pub edge: usize,
    /// Whether the field is carried across or dropped there.
    pub status: CrossingStatus,
}

/// See [`Crossing::status`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CrossingStatus {
    /// Listed in the boundary's `carries`.
    Carried,
    /// Available at the boundary's source (after the source step ran) but not carried: the
    /// receiver does not get it.
    Dropped,
}

/// The kind of a trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TriggerKind {
    /// Started by hand.
    Manual,
    /// An HTTP request to a path.
    Webhook,
    /// A cron schedule.
    Schedule,
    /// A form with a title.
    Form,
}

/// A trigger.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Trigger {
    /// The trigger's name.
    pub name: Name,
    /// How work enters.
    pub kind: TriggerKind,
    /// The path, cron expression or form title; `null` for `manual`.
    pub argument: Option<String>,
    /// The fields the work starts with.
    pub provides: Vec<Name>,
    /// The `///` documentation comment.
    pub doc: Option<String>,
    /// The trigger declaration.
    pub span: Span,
}

/// A step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Step {
    /// The step's name.
    pub name: Name,
    /// `title "…"`.
    pub title: Option<String>,
    /// The `///` documentation comment.
    pub doc: Option<String>,
    /// The owning actor.
    pub owner: Name,
    /// The fields the step reads.
    pub needs: Vec<Name>,
    /// The fields the step produces.
    pub provides: Vec<Name>,
    /// The capabilities of its `action` items (its side effects).
    pub actions: Vec<String>,
    /// `uses "NAME"` as written, if any.
    pub uses: Option<String>,
    /// The name of the implementation that does the step's work: `uses`, else `WORKFLOW.STEP`.
    pub implementation: String,
    /// Its reversibility class; `null` when undeclared.
    pub reversibility: Option<Reversibility>,
    /// `approve by …`, if any.
    pub approval: Option<Approval>,
    /// The indices in [`Document::edges`] of its escalations, in order.
    pub escalations: Vec<usize>,
    /// The fields available on entry to the step on every path from a trigger (docs/language.md),
    /// in declaration order.
    pub available_on_entry: Vec<Name>,
    /// The step declaration.
    pub span: Span,
}

/// The reversibility classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReversibilityKind {
    /// `reversible`.
    Reversible,
    /// `irreversible`.
    Irreversible,
    /// `compensable by STEP`.
    Compensable,
}

/// A step's declared reversibility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Reversibility {
    /// The class.
    pub kind: ReversibilityKind,
    /// For `compensable`: the step that undoes this one.
    pub compensated_by: Option<Name>,
    /// The reversibility item.
    pub span: Span,
}

/// A duration, in seconds and as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Duration {
    /// The length in whole seconds.
    pub seconds: u64,
    /// The literal as written, such as `1h30m`.
    pub text: String,
}

/// `approve by A, B within D else S`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Approval {
    /// The approvers, in the order they approve.
    pub approvers: Vec<Name>,
    /// `within`: how long the approvers may take.
    pub within: Option<Duration>,
    /// `else`: where a rejection or timeout sends the work; `null` ends it (fail closed).
    pub else_step: Option<Name>,
    /// The index in [`Document::edges`] of the `approval-else` edge, if any.
    pub else_edge: Option<usize>,
    /// The `approve` item.
    pub span: Span,
}

/// The kinds of edges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// `flow A -> B`: the same owner keeps the work (or A is a trigger).
    Flow,
    /// `handoff A -> B`: ownership changes; only `carries` crosses.
    Handoff,
    /// `escalate to ACTOR when …` of a step: the actor takes the step over.
    Escalation,
    /// The `else` of an approval: a rejection or a timeout sends the work there.
    ApprovalElse,
    /// `compensable by STEP`: from the step to the step that undoes it.
    Compensation,
}

/// What an edge endpoint is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EndpointKind {
    /// A trigger.
    Trigger,
    /// A step.
    Step,
    /// An actor (the target of an escalation).
    Actor,
}

/// One end of an edge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Endpoint {
    /// What it is.
    pub kind: EndpointKind,
    /// Its name.
    pub name: Name,
}

/// A route work can take.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Edge {
    /// Which kind of route.
    pub kind: EdgeKind,
    /// Where the work comes from.
    pub source: Endpoint,
    /// Where it goes: a step, or for an escalation an actor.
    pub target: Endpoint,
    /// `when CONDITION` of a flow or a handoff, or the condition of an escalation.
    pub condition: Option<Condition>,
    /// Whether the route is an `otherwise` route.
    pub otherwise: bool,
    /// Handoffs and escalations: the fields that cross, as listed in `carries`.
    pub carries: Vec<Name>,
    /// Handoffs and escalations: the fields available at the source (after the source step
    /// ran) that do not cross.
    pub dropped: Vec<Name>,
    /// `sla`: how long the receiver may take to pick the work up.
    pub sla: Option<Duration>,
    /// Handoffs and escalations: who gets the work past the SLA, resolved: the route's own
    /// `fallback`, else the receiving actor's, else the workflow owner (docs/language.md, E305).
    pub fallback: Option<Name>,
    /// Where [`Edge::fallback`] comes from.
    pub fallback_from: Option<FallbackSource>,
    /// `notify "…"`: what the customer is told.
    pub notify: Option<String>,
    /// `reason "…"`: why a person is needed here.
    pub reason: Option<String>,
    /// The `///` documentation comment of a flow or a handoff.
    pub doc: Option<String>,
    /// The declaration the edge comes from (a whole chain for flows, the `escalate`, `approve`
    /// or reversibility item for the others).
    pub span: Span,
}

/// Where a resolved fallback comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FallbackSource {
    /// The handoff's or escalation's own `fallback`.
    Route,
    /// The `fallback` of the receiving actor (the target step's owner, or the escalation
    /// target).
    Receiver,
    /// The workflow's `owner`.
    WorkflowOwner,
}

/// A condition as an expression tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Condition {
    /// `a or b or …`.
    Or {
        /// The alternatives.
        operands: Vec<Condition>,
        /// The whole expression.
        span: Span,
    },
    /// `a and b and …`.
    And {
        /// The conjuncts.
        operands: Vec<Condition>,
        /// The whole expression.
        span: Span,
    },
    /// `not a`.
    Not {
        /// The negated condition.
        operand: Box<Condition>,
        /// The whole expression.
        span: Span,
    },
    /// `left OP right`.
    Compare {
        /// The left operand.
        left: Operand,
        /// The operator.
        operator: Comparison,
        /// The right operand.
        right: Operand,
        /// The whole expression.
        span: Span,
    },
    /// `left in [a, b, …]`.
    In {
        /// The operand tested.
        left: Operand,
        /// The listed values.
        set: Vec<Operand>,
        /// The whole expression.
        span: Span,
    },
    /// A `bool` operand used as a whole condition.
    Value {
        /// The operand.
        operand: Operand,
        /// The whole expression.
        span: Span,
    },
}

/// A comparison operator, as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[allow(missing_docs)]
pub enum Comparison {
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

/// An operand of a condition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Operand {
    /// A context field.
    Field {
        /// The field's name.
        name: Name,
        /// The operand.
        span: Span,
    },
    /// A member of the enum on the other side of the comparison.
    Member {
        /// The member's name.
        name: String,
        /// The operand.
        span: Span,
    },
    /// A number literal.
    Number {
        /// Its value; `null` if it is too large for a double.
        value: Option<f64>,
        /// The literal as written.
        text: String,
        /// The operand.
        span: Span,
    },
    /// A string literal, unescaped.
    String {
        /// The string's value.
        value: String,
        /// The operand.
        span: Span,
    },
    /// A duration literal.
    Duration {
        /// The length in whole seconds.
        seconds: u64,
        /// The literal as written.
        text: String,
        /// The operand.
        span: Span,
    },
    /// `true` or `false`.
    Bool {
        /// The value.
        value: bool,
        /// The operand.
        span: Span,
    },
    /// `confidence`: the AI owner's confidence in its result, 0..1.
    Confidence {
        /// The operand.
        span: Span,
    },
    /// `attempts`: how many times the step was tried.
    Attempts {
        /// The operand.
        span: Span,
    },
    /// `elapsed`: the time since the work entered the step.
    Elapsed {
        /// The operand.
        span: Span,
    },
}

/// The severity of a reported diagnostic (an IR holds warnings only, since a workflow with
/// errors has no IR; the field is there so that configured severities can be told apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A risk the compiler accepts.
    Warning,
    /// A mistake (never present in an IR of version 1).
    Error,
}

/// A warning the checker reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Warning {
    /// The rule's code, such as `W201`.
    pub code: String,
    /// The rule's kebab-case name, such as `handoff-without-sla`.
    pub name: String,
    /// The severity in force.
    pub severity: Severity,
    /// The headline.
    pub message: String,
    /// What is wrong at [`Warning::span`].
    pub label: String,
    /// Where.
    pub span: Span,
    /// Related places, such as declarations.
    pub related: Vec<Related>,
    /// The edit that addresses it.
    pub help: String,
}

/// A secondary place of a [`Warning`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Related {
    /// What it shows.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// An entry of the `index.json` that `handoff build --target ir` writes next to the documents
/// when it compiles a directory or several workflows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IndexEntry {
    /// The workflow's name.
    pub workflow: String,
    /// The document's file name, relative to the index.
    pub file: String,
    /// The path of the source file, as given.
    pub source: String,
}

/// The `index.json` of a build.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Index {
    /// The same marker as the documents'.
    pub format: Format,
    /// One entry per workflow, in the order of the files and of the workflows in them.
    pub workflows: Vec<IndexEntry>,
}

/// A document as JSON text: pretty-printed, two-space indentation, a final newline; the same
/// document gives the same bytes.
pub fn to_json<T: Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes [`to_json`] of `value` to `out` without building the text first (the command line
/// streams large documents to their files this way). The caller chooses the writer; this crate
/// opens no file.
pub fn write_json<T: Serialize, W: std::io::Write>(value: &T, out: W) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The JSON Schema (2020-12) of [`Document`], as committed in `schema/handoff-ir.schema.json`.
pub fn schema() -> String {
    let mut schema = schemars::schema_for!(Document);
    schema.insert(
        "$id".to_string(),
        serde_json::Value::String(
            "https://handoff.invalid/schema/handoff-ir.schema.json".to_string(),
        ),
    );
    to_json(&schema)
}

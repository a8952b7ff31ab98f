//! The n8n target: one workflow JSON per `workflow`, in the shape n8n 2.8's export writes.
//!
//! The mapping (see `docs/targets/n8n.md` for the whole story):
//! - a trigger becomes its n8n trigger node, followed by a `Set` node that keeps exactly the
//!   fields the trigger provides;
//! - every step starts with a `Set` node, `«step» · context`, that keeps **only** the fields
//!   available there (§4), so a field that was not carried across a handoff is gone in n8n too;
//! - `ai` and `system` steps become a placeholder `Code` node named after the step, with the
//!   owner, needs, provides and reversibility in its notes;
//! - `human` and `team` steps become a `Wait` node resuming on a form whose fields are the
//!   step's `provides`, followed by a `Code` node that merges the answers into the context;
//! - a handoff becomes a `Set` node keeping exactly its `carries`; `notify` a `Set` node holding
//!   the literal message; an `sla` the time limit of the receiver's form, with a visible branch
//!   to the fallback when it runs out;
//! - `approve by` becomes a form per approver and an `If` on the answer (rejection or timeout
//!   goes to the `else` step or ends: fail closed); `escalate to` an `If` on the condition whose
//!   true branch carries the listed fields to the target's form, then joins the successors;
//! - conditional routes become an `If` (one condition) or a `Switch` (several, every matching
//!   output taken, `otherwise` as the fallback output); unconditional routes fan out;
//! - a failed implementation gives the workflow owner a task (retry, take over, abort), and an
//!   abort runs the compensations of the completed `compensable by` steps (`errors.rs`).
//!
//! **Invariants:** node names are unique by construction: a node is named either by a trigger's
//! or a step's identifier alone (one scope holds both, so they differ), or by a fixed prefix or
//! a ` · ` suffix around identifiers that an identifier cannot contain (a space, `·`, `→`), with
//! a different prefix or suffix for each kind of generated node and an index where a step has
//! several of one kind (`lane ACTOR`, `step STEP`, `lane · triggers`, `STEP · context`, `handoff A → B`,
//! `STEP · escalation to X (2)`, …), so no user name and no other generated name can produce the
//! same text. Ids are UUID v5 of the
//! workflow and node names, so output is byte-identical across runs; every string from the
//! source is either a plain parameter that cannot start an expression, or a JavaScript string
//! literal inside an expression the compiler wrote, with `{`, `}` and `$` escaped.

mod audit;
mod errors;
mod implementations;
mod intake;
mod layout;
mod tasks;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::ast::PrimType;
use crate::check::Analysis;
use crate::ir::{
    Cond, CondKind, FieldId, Guard, NodeId, ReversibilityKind, StepId, TransitionKind, TriggerKind,
    Type, Value as Operand, ValueKind, Workflow,
};

use audit::Row;
use layout::{coord, Canvas, Place};

pub use implementations::Implementation;
pub use tasks::{FROM_ADDRESS, SLACK_CREDENTIAL, SMTP_CREDENTIAL};

/// The n8n output of one workflow.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    /// The orchestration, `<workflow>.json`: always written.
    pub orchestration: String,
    /// One intake per form or webhook trigger, `<workflow>.intake.<trigger>.json` (file name,
    /// JSON): it answers whoever started the work at once, then starts the orchestration.
    pub intakes: Vec<(String, String)>,
    /// The implementations the orchestration calls: written only where no file exists yet.
    pub implementations: Vec<Implementation>,
    /// The error workflow, `<workflow>.errors.json` (file name, JSON): n8n runs it when a run
    /// fails, and it tells the workflow owner.
    pub errors: (String, String),
}

/// The n8n version whose node types and versions the output uses.
pub const N8N_VERSION: &str = "2.8.4";

/// Which shape of workflow JSON to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// What n8n's own export writes (and `n8n import:workflow` reads).
    Export,
    /// What n8n's public REST API accepts: `name`, `nodes`, `connections` and `settings` only.
    Api,
}

/// A test variant: the first trigger is replaced by a manual trigger followed by a node that
/// emits `payload`, and AI and system placeholders emit the sample `outputs` of their step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TestRun {
    pub payload: Map<String, Value>,
    /// Per step name: the fields its placeholder provides (and, for AI steps, `_confidence`).
    pub outputs: BTreeMap<String, Map<String, Value>>,
}

/// How to emit.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub profile: Profile,
    pub test: Option<TestRun>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            profile: Profile::Export,
            test: None,
        }
    }
}

/// The node types and versions the output may use (all shipped by n8n 2.8.4).
pub const NODE_TYPES: &[(&str, f64)] = &[
    ("n8n-nodes-base.set", 3.4),
    ("n8n-nodes-base.if", 2.2),
    ("n8n-nodes-base.switch", 3.4),
    ("n8n-nodes-base.wait", 1.1),
    ("n8n-nodes-base.code", 2.0),
    ("n8n-nodes-base.webhook", 2.1),
    ("n8n-nodes-base.manualTrigger", 1.0),
    ("n8n-nodes-base.scheduleTrigger", 1.2),
    ("n8n-nodes-base.formTrigger", 2.5),
    ("n8n-nodes-base.noOp", 1.0),
    ("n8n-nodes-base.stickyNote", 1.0),
    ("n8n-nodes-base.emailSend", 2.1),
    ("n8n-nodes-base.slack", 2.4),
    ("n8n-nodes-base.executeWorkflow", 1.3),
    ("n8n-nodes-base.executeWorkflowTrigger", 1.1),
    ("n8n-nodes-base.httpRequest", 4.2),
    ("n8n-nodes-base.stopAndError", 1.0),
    ("n8n-nodes-base.errorTrigger", 1.0),
    ("n8n-nodes-base.crypto", 2.0),
    ("n8n-nodes-base.dataTable", 1.1),
];

const SET: &str = "n8n-nodes-base.set";
const IF: &str = "n8n-nodes-base.if";
const SWITCH: &str = "n8n-nodes-base.switch";
const WAIT: &str = "n8n-nodes-base.wait";
const CODE: &str = "n8n-nodes-base.code";
const NOOP: &str = "n8n-nodes-base.noOp";
const STICKY: &str = "n8n-nodes-base.stickyNote";

/// The namespace of the UUIDs of this target (a UUID v5 of "handoff/n8n" in the URL namespace).
fn namespace() -> uuid::Uuid {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"https://handoff.invalid/n8n")
}

pub(super) fn uuid_of(parts: &[&str]) -> String {
    uuid::Uuid::new_v5(&namespace(), parts.join("\u{0}").as_bytes()).to_string()
}

/// A node of the output.
#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Node {
    parameters: Value,
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    type_version: Value,
    position: [i64; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credentials: Option<Value>,
    /// Node settings n8n keeps beside the parameters (`retryOnFail`, `onError`, …).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    settings: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    notes_in_flow: bool,
}

#[derive(Serialize)]
struct Connection {
    node: String,
    #[serde(rename = "type")]
    kind: &'static str,
    index: u32,
}

#[derive(Serialize)]
struct Outputs {
    main: Vec<Vec<Connection>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportWorkflow<'a> {
    name: &'a str,
    nodes: &'a [Node],
    connections: BTreeMap<&'a str, Outputs>,
    settings: Value,
    pin_data: Value,
    meta: Value,
    tags: Vec<Value>,
    active: bool,
    id: String,
}

#[derive(Serialize)]
struct ApiWorkflow<'a> {
    name: &'a str,
    nodes: &'a [Node],
    connections: BTreeMap<&'a str, Outputs>,
    settings: Value,
}

// ---------------------------------------------------------------------------------------------
// Text from the source.
// ---------------------------------------------------------------------------------------------

/// A JavaScript string literal for `text`, safe inside an n8n expression: JSON escaping, plus
/// `{`, `}` and `$` as unicode escapes so that no `{{`, `}}` or `${` can appear in the output.
pub fn js_string(text: &str) -> String {
    let json = serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\""));
    json.replace('{', "\\u007b")
        .replace('}', "\\u007d")
        .replace('$', "\\u0024")
}

/// A parameter holding `text` literally. n8n evaluates a parameter only when it starts with
/// `=`; such text is wrapped in an expression that evaluates to the literal string.
pub fn plain(text: &str) -> String {
    if text.starts_with('=') {
        format!("={{{{ {} }}}}", js_string(text))
    } else {
        text.to_string()
    }
}

/// Markdown text that renders `text` literally in a sticky note (no markup, no HTML).
pub(super) fn markdown_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.'
            | '!' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// An accessor for a context field in an expression. Field names are identifiers.
fn field_ref(name: &str) -> String {
    format!("$json[\"{name}\"]")
}

// ---------------------------------------------------------------------------------------------
// Conditions.
// ---------------------------------------------------------------------------------------------

/// A condition as a JavaScript boolean expression over the current item.
fn condition_js(wf: &Workflow, cond: &Cond) -> String {
    match &cond.kind {
        CondKind::Or(parts) => join_js(wf, parts, " || "),
        CondKind::And(parts) => join_js(wf, parts, " && "),
        CondKind::Not(inner) => format!("!({})", condition_js(wf, inner)),
        CondKind::Bare(v) => format!("Boolean({})", operand_js(wf, v)),
        // The language's operators are JavaScript's loose ones, spelled the same.
        CondKind::Compare(a, op, b) => {
            format!(
                "({} {} {})",
                operand_js(wf, a),
                op.symbol(),
                operand_js(wf, b)
            )
        }
        CondKind::In(a, items) => {
            let items: Vec<String> = items.iter().map(|i| operand_js(wf, i)).collect();
            format!(
                "[{}].some(v => v == {})",
                items.join(", "),
                operand_js(wf, a)
            )
        }
    }
}

fn join_js(wf: &Workflow, parts: &[Cond], sep: &str) -> String {
    let parts: Vec<String> = parts.iter().map(|p| condition_js(wf, p)).collect();
    format!("({})", parts.join(sep))
}

fn operand_js(wf: &Workflow, v: &Operand) -> String {
    match &v.kind {
        ValueKind::Field(Some(f)) => field_ref(&wf.field(*f).name.text),
        ValueKind::Field(None) => "undefined".to_string(),
        ValueKind::Member(m) => js_string(m),
        ValueKind::Number(n) => format!("{n}"),
        ValueKind::String(s) => js_string(s),
        ValueKind::Duration(secs) => format!("{secs}"),
        ValueKind::Bool(b) => format!("{b}"),
        ValueKind::Confidence => "Number($json[\"_confidence\"] ?? 1)".to_string(),
        ValueKind::Attempts => "Number($json[\"_attempts\"] ?? 1)".to_string(),
        ValueKind::Elapsed => {
            "((Date.now() - Date.parse($json[\"_entered_at\"] ?? new Date().toISOString())) / 1000)"
                .to_string()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The builder.
// ---------------------------------------------------------------------------------------------

struct Builder<'a> {
    wf: &'a Workflow,
    a: &'a Analysis<'a>,
    options: &'a Options,
    nodes: Vec<Node>,
    connections: BTreeMap<String, Vec<Vec<(String, u32)>>>,
    /// Lane (row band) of each owner; triggers have lane 0.
    lanes: BTreeMap<String, usize>,
    /// The places of the nodes, for the layout (`layout.rs`).
    canvas: Canvas,
    /// The implementation each step calls, by step index.
    calls: BTreeMap<u32, implementations::Call>,
    /// The n8n workflow's name: the workflow's, or its intake's.
    title: String,
    /// Where another run starts this workflow (`_entry`, node): an intake's trigger, or a
    /// route a fork hands to a run of its own.
    entries: Vec<(String, String, Place)>,
    /// Per graph node: whether no route reaches it (a compensating step).
    unreached: Vec<bool>,
    /// The names of [`STEP_BOOKKEEPING`] that no declared field has: what a step's entry
    /// removes besides the fields it must not receive.
    bookkeeping: Vec<&'static str>,
    /// Whether the run keeps `_completed`, the compensable steps done (errors.rs).
    compensation: bool,
    /// The nodes where an abort starts (a failed step whose owner chose to abort).
    aborts: Vec<String>,
    /// The id of the workflow n8n runs when a run fails (`settings.errorWorkflow`).
    error_workflow: Option<String>,
}

/// Fields handoff writes on the work item for the step that just ran or the route just
/// taken: how a person's task was answered, an AI's confidence, the entry of a run another run
/// started and, for a fork, the run that started it. Routes out of the step read them; the
/// next step's entry removes them.
const STEP_BOOKKEEPING: &[&str] = &[
    "_answered_by",
    "_answered_at",
    "_confidence",
    "_entry",
    "_parent",
];

impl<'a> Builder<'a> {
    /// An empty n8n workflow named `title`, built from `a`.
    fn new(
        a: &'a Analysis<'a>,
        options: &'a Options,
        title: String,
        calls: BTreeMap<u32, implementations::Call>,
    ) -> Self {
        Builder {
            wf: a.wf,
            a,
            options,
            nodes: Vec::new(),
            connections: BTreeMap::new(),
            lanes: BTreeMap::new(),
            canvas: Canvas::default(),
            calls,
            title,
            entries: Vec::new(),
            unreached: Vec::new(),
            bookkeeping: STEP_BOOKKEEPING
                .iter()
                .copied()
                .filter(|b| a.wf.fields.iter().all(|f| f.name.text != *b))
                .collect(),
            compensation: false,
            aborts: Vec::new(),
            error_workflow: None,
        }
    }
}

impl Builder<'_> {
    fn add(
        &mut self,
        name: &str,
        kind: &str,
        version: f64,
        parameters: Value,
        place: Place,
    ) -> String {
        // n8n writes whole versions as integers (`1`, not `1.0`).
        let type_version = if version.fract() == 0.0 {
            json!(version.round() as i64)
        } else {
            json!(version)
        };
        // Positioned once the last node is added (`layout.rs`).
        self.canvas.place(place);
        self.nodes.push(Node {
            parameters,
            id: uuid_of(&[&self.title, name]),
            name: name.to_string(),
            kind: kind.to_string(),
            type_version,
            position: [0, 0],
            webhook_id: None,
            credentials: None,
            settings: None,
            notes: None,
            notes_in_flow: false,
        });
        name.to_string()
    }

    /// The node named `name` (recent nodes are found first: a node is usually set up right
    /// after it was added).
    fn node_mut(&mut self, name: &str) -> Option<&mut Node> {
        self.nodes.iter_mut().rev().find(|n| n.name == name)
    }

    fn note(&mut self, name: &str, text: String) {
        if let Some(node) = self.node_mut(name) {
            node.notes = Some(text);
            node.notes_in_flow = true;
        }
    }

    /// Gives a node that receives HTTP requests (a trigger, a wait) its stable webhook id.
    fn listen(&mut self, name: &str) {
        let id = uuid_of(&[&self.wf.name.text, name, "webhook"]);
        if let Some(node) = self.node_mut(name) {
            node.webhook_id = Some(id);
        }
    }

    /// Names the credential a node uses (`kind`: the credential type, `credential`: id, name).
    fn credential(&mut self, name: &str, kind: &str, credential: (&str, &str)) {
        if let Some(node) = self.node_mut(name) {
            node.credentials = Some(json!({ kind: { "id": credential.0, "name": credential.1 } }));
        }
    }

    /// Sets a node's settings (`retryOnFail`, `onError`, …).
    fn settings(&mut self, name: &str, settings: Value) {
        if let Some(node) = self.node_mut(name) {
            node.settings = Some(settings);
        }
    }

    fn connect(&mut self, from: &str, output: usize, to: &str) {
        let outputs = self.connections.entry(from.to_string()).or_default();
        while outputs.len() <= output {
            outputs.push(Vec::new());
        }
        outputs[output].push((to.to_string(), 0));
    }

    /// A `Set` node that keeps exactly `fields` (plus the bookkeeping fields `keep_meta`).
    fn keep(
        &mut self,
        name: &str,
        fields: &[FieldId],
        source: Option<&str>,
        stamp: bool,
        place: Place,
    ) -> String {
        let mut assignments = Vec::new();
        for &f in fields {
            let field = self.wf.field(f);
            let value = match source {
                Some(path) => format!("={{{{ $json[\"{path}\"][\"{}\"] }}}}", field.name.text),
                None => format!("={{{{ {} }}}}", field_ref(&field.name.text)),
            };
            assignments.push(json!({
                "id": uuid_of(&[&self.wf.name.text, name, &field.name.text]),
                "name": field.name.text,
                "value": value,
                "type": n8n_type(&field.ty),
            }));
        }
        if stamp {
            assignments.push(json!({
                "id": uuid_of(&[&self.wf.name.text, name, "_entered_at"]),
                "name": "_entered_at",
                "value": "={{ $now.toISO() }}",
                "type": "string",
            }));
        }
        self.set_node(name, &assignments, place)
    }

    /// The `Set` node where work enters a step: it stamps `_entered_at` and removes what the
    /// step must not receive — `dropped` (fields some route into the step may pass that are
    /// not available on every path, [`crate::check::flow::ContextFlow::dropped_in`]) and the
    /// bookkeeping of the step before ([`STEP_BOOKKEEPING`]) — so the step receives exactly
    /// `avail_in` (§9). Every route into a step passes at most what it may pass, so listing
    /// what to remove, not what to keep, is exact, and the output does not grow with the
    /// fields available at every step (a chain removes nothing).
    fn enter(&mut self, name: &str, dropped: &[FieldId], place: Place) -> String {
        let wf = self.wf;
        let mut removed: Vec<&str> = self.bookkeeping.clone();
        removed.extend(dropped.iter().map(|&f| wf.field(f).name.text.as_str()));
        let parameters = json!({
            "mode": "manual",
            "assignments": { "assignments": [{
                "id": uuid_of(&[&wf.name.text, name, "_entered_at"]),
                "name": "_entered_at",
                "value": "={{ $now.toISO() }}",
                "type": "string",
            }] },
            "includeOtherFields": true,
            "include": "except",
            "excludeFields": removed.join(","),
            "options": {},
        });
        self.add(name, SET, 3.4, parameters, place)
    }

    /// A Code node (2.0) running the JavaScript `code`.
    fn code_node(&mut self, name: &str, code: &str, place: Place) -> String {
        self.add(name, CODE, 2.0, json!({ "jsCode": code }), place)
    }

    /// A `Set` node whose item holds exactly `assignments`.
    fn set_node(&mut self, name: &str, assignments: &[Value], place: Place) -> String {
        let parameters = json!({
            "mode": "manual",
            "assignments": { "assignments": assignments },
            "includeOtherFields": false,
            "options": {},
        });
        self.add(name, SET, 3.4, parameters, place)
    }

    /// An Execute Workflow node that starts a run of the workflow `workflow` of this output at
    /// its entry `entry` (`_entry`), with the item as it is, and does not wait for it. A fork
    /// also passes this run's id (`_parent`), which the new run's audit trail names.
    fn start_run(
        &mut self,
        name: &str,
        workflow: &str,
        entry: &str,
        fork: bool,
        place: Place,
    ) -> String {
        let mut inputs = json!({ "_entry": entry });
        if fork {
            inputs["_parent"] = json!("={{ $execution.id }}");
        }
        self.add(
            name,
            "n8n-nodes-base.executeWorkflow",
            1.3,
            json!({
                "workflowId": { "__rl": true, "value": workflow_id(workflow), "mode": "id", "cachedResultName": workflow },
                "workflowInputs": {
                    "mappingMode": "defineBelow",
                    "value": inputs,
                    "matchingColumns": [],
                    "schema": [],
                    "attemptToConvertTypes": false,
                    "convertFieldsToString": false,
                },
                "mode": "each",
                "options": { "waitForSubWorkflow": false },
            }),
            place,
        )
    }

    /// The n8n node of trigger `i`, and where its fields are in the item it emits.
    fn trigger_node(&mut self, i: usize, place: Place) -> (String, Option<&'static str>) {
        let wf = self.wf;
        let t = &wf.triggers[i];
        let provides = ids(&t.provides);
        let name = t.name.text.clone();
        let (node, source) = match &t.kind {
            TriggerKind::Manual => (self.add(&name, "n8n-nodes-base.manualTrigger", 1.0, json!({}), place), None),
            TriggerKind::Webhook(path) => {
                let path = path.value.trim_start_matches('/');
                let node = self.add(
                    &name,
                    "n8n-nodes-base.webhook",
                    2.1,
                    json!({ "httpMethod": "POST", "path": plain(path), "responseMode": "onReceived", "options": { "responseCode": { "values": { "responseCode": "customCode", "customCode": 202 } } } }),
                    place,
                );
                (node, Some("body"))
            }
            TriggerKind::Schedule(cron) => (
                self.add(
                    &name,
                    "n8n-nodes-base.scheduleTrigger",
                    1.2,
                    json!({ "rule": { "interval": [{ "field": "cronExpression", "expression": plain(&cron.value) }] } }),
                    place,
                ),
                None,
            ),
            TriggerKind::Form(title) => {
                let fields = self.form_fields(&provides);
                (
                    self.add(
                        &name,
                        "n8n-nodes-base.formTrigger",
                        2.5,
                        json!({ "formTitle": plain(&title.value), "formFields": { "values": fields }, "options": {} }),
                        place,
                    ),
                    None,
                )
            }
        };
        if matches!(t.kind, TriggerKind::Webhook(_) | TriggerKind::Form(_)) {
            self.listen(&node);
        }
        (node, source)
    }

    /// The context a schedule starts with: its `date` and `datetime` fields hold the time the
    /// run started (UTC); a schedule has nothing else to give, so other fields stay absent
    /// (W208 warns about them).
    fn schedule_context(&mut self, name: &str, fields: &[FieldId], place: Place) -> String {
        let mut assignments = Vec::new();
        for &f in fields {
            let field = self.wf.field(f);
            let value = match &field.ty {
                Type::Prim(PrimType::Date) => "={{ $now.toUTC().toISODate() }}",
                Type::Prim(PrimType::Datetime) => "={{ $now.toUTC().toISO() }}",
                _ => continue,
            };
            assignments.push(json!({
                "id": uuid_of(&[&self.wf.name.text, name, &field.name.text]),
                "name": field.name.text,
                "value": value,
                "type": "string",
            }));
        }
        self.set_node(name, &assignments, place)
    }

    /// An `If` node testing a JavaScript condition.
    fn if_node(&mut self, name: &str, js: &str, place: Place) -> String {
        let parameters = json!({
            "conditions": {
                "options": { "caseSensitive": true, "leftValue": "", "typeValidation": "loose", "version": 2 },
                "conditions": [{
                    "id": uuid_of(&[&self.wf.name.text, name, "condition"]),
                    "leftValue": format!("={{{{ {js} }}}}"),
                    "rightValue": "",
                    "operator": { "type": "boolean", "operation": "true", "singleValue": true },
                }],
                "combinator": "and",
            },
            "looseTypeValidation": true,
            "options": {},
        });
        self.add(name, IF, 2.2, parameters, place)
    }

    /// The form fields for `fields`, typed.
    fn form_fields(&self, fields: &[FieldId]) -> Vec<Value> {
        fields
            .iter()
            .map(|&f| {
                let field = self.wf.field(f);
                let mut v = json!({
                    "fieldLabel": field.name.text,
                    "requiredField": true,
                });
                match &field.ty {
                    Type::Prim(PrimType::Email) => v["fieldType"] = json!("email"),
                    Type::Prim(PrimType::Number | PrimType::Money) => {
                        v["fieldType"] = json!("number");
                    }
                    Type::Prim(PrimType::Date | PrimType::Datetime) => {
                        v["fieldType"] = json!("date");
                    }
                    Type::Prim(PrimType::Summary) | Type::List(_) => {
                        v["fieldType"] = json!("textarea");
                    }
                    Type::Prim(PrimType::Bool) => {
                        v["fieldType"] = json!("dropdown");
                        v["fieldOptions"] =
                            json!({ "values": [{ "option": "true" }, { "option": "false" }] });
                    }
                    Type::Enum(members) => {
                        v["fieldType"] = json!("dropdown");
                        let options: Vec<Value> = members
                            .iter()
                            .map(|m| json!({ "option": plain(&m.text) }))
                            .collect();
                        v["fieldOptions"] = json!({ "values": options });
                    }
                    Type::Prim(_) => {}
                }
                v
            })
            .collect()
    }

    /// The fields of the form where a person does a step: what the step provides, or a single
    /// `done` choice when it provides nothing.
    fn answer_fields(&self, provides: &[FieldId]) -> Vec<Value> {
        if provides.is_empty() {
            vec![json!({
                "fieldLabel": "done",
                "fieldType": "dropdown",
                "requiredField": true,
                "fieldOptions": { "values": [{ "option": "Done" }] },
            })]
        } else {
            self.form_fields(provides)
        }
    }

    /// A `NoOp` node where a branch of the work ends or joins.
    fn no_op(&mut self, name: &str, place: Place) -> String {
        self.add(name, NOOP, 1.0, json!({}), place)
    }

    /// A form description that shows the context fields to the person, as an expression the
    /// compiler writes (field values are read with a safe accessor; labels are literals).
    fn context_description(&self, intro: &str, fields: &[FieldId]) -> String {
        let mut parts = vec![js_string(intro)];
        for &f in fields {
            let field = self.wf.field(f);
            parts.push(js_string(&format!("\n{}: ", field_title(field))));
            parts.push(format!("String({} ?? \"\")", field_ref(&field.name.text)));
        }
        format!("={{{{ {} }}}}", parts.join(" + "))
    }

    /// A `Wait` node resuming on a form.
    fn form_wait(
        &mut self,
        name: &str,
        title: &str,
        description: &str,
        fields: &[Value],
        limit: Option<u64>,
        place: Place,
    ) -> String {
        let mut parameters = json!({
            "resume": "form",
            "formTitle": plain(title),
            "formDescription": description,
            "formFields": { "values": fields },
            "options": {},
        });
        if let Some(seconds) = limit {
            let (amount, unit) = duration_unit(seconds);
            parameters["limitWaitTime"] = json!(true);
            parameters["limitType"] = json!("afterTimeInterval");
            parameters["resumeAmount"] = json!(amount);
            parameters["resumeUnit"] = json!(unit);
        }
        let name = self.add(name, WAIT, 1.1, parameters, place);
        self.listen(&name);
        name
    }

    /// A `Code` node that puts the answers of a task (the fields `fields`) back into the context
    /// kept by the node `base`. `delivery` is `None` when no answer is merged (the context is
    /// restored); an answer records where it came from (the inbox, or n8n's form) and when.
    fn merge(
        &mut self,
        name: &str,
        base: &str,
        fields: &[FieldId],
        delivery: Option<tasks::Answer<'_>>,
        place: Place,
    ) -> String {
        let mut conversions = Vec::new();
        for &f in fields {
            let field = self.wf.field(f);
            let convert = match &field.ty {
                Type::Prim(PrimType::Number | PrimType::Money | PrimType::Duration) => "Number(v)",
                Type::Prim(PrimType::Bool) => "(v === true || v === \"true\")",
                _ => "v",
            };
            conversions.push(format!(
                "  if (answers[{key}] !== undefined) {{ const v = answers[{key}]; out[{key}] = {convert}; }}",
                key = serde_json::to_string(&field.name.text).unwrap_or_default()
            ));
        }
        let (answers, record) = match delivery {
            None => ("item.json", String::new()),
            Some(tasks::Answer::Form) => (
                "item.json",
                "\n  out._answered_by = \"n8n form\";\n  out._answered_at = new Date().toISOString();".to_string(),
            ),
            Some(tasks::Answer::Inbox(d)) if d.every_inbox => (
                "(item.json.data ?? {})",
                "\n  out._answered_by = item.json._answered_by;\n  out._answered_at = item.json._answered_at ?? new Date().toISOString();".to_string(),
            ),
            Some(tasks::Answer::Inbox(d)) => (
                "(item.json.data ?? {})",
                format!(
                    "\n  out._answered_by = {};\n  out._answered_at = new Date().toISOString();",
                    js_string(&d.inbox)
                ),
            ),
        };
        let code = format!(
            "// Generated by handoff: the context before the task, with the answers merged in.\nconst base = $({base}).all();\nreturn $input.all().map((item, i) => {{\n  const answers = {answers};\n  const out = {{ ...((base[i] ?? base[0] ?? {{ json: {{}} }}).json) }};\n{}{record}\n  return {{ json: out }};\n}});",
            conversions.join("\n"),
            base = js_string(base)
        );
        self.code_node(name, &code, place)
    }
}

/// A rule of a `Switch` node: its output (named `key`) is taken when the JavaScript condition
/// `js` holds; `validation` is the node's type validation (`loose` or `strict`).
fn switch_rule(id: &str, js: &str, validation: &str, key: &str) -> Value {
    json!({
        "conditions": {
            "options": { "caseSensitive": true, "leftValue": "", "typeValidation": validation, "version": 3 },
            "conditions": [{
                "id": id,
                "leftValue": format!("={{{{ {js} }}}}"),
                "rightValue": "",
                "operator": { "type": "boolean", "operation": "true", "singleValue": true },
            }],
            "combinator": "and",
        },
        "renameOutput": true,
        "outputKey": key,
    })
}

/// How a field is titled for a person: its `///` comment (the first line, without a final
/// period), else its name in words (`case_summary` → `Case summary`).
fn field_title(field: &crate::ir::Field) -> String {
    if let Some(doc) = &field.doc {
        let first = doc.lines().next().unwrap_or("").trim();
        let first = first.strip_suffix('.').unwrap_or(first);
        if !first.is_empty() {
            return first.to_string();
        }
    }
    let words = field.name.text.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// The threshold of an escalation that fires on time alone (`elapsed > D` or `elapsed >= D`).
fn elapsed_threshold(cond: &Cond) -> Option<u64> {
    use crate::ast::CmpOp;
    let CondKind::Compare(a, op, b) = &cond.kind else {
        return None;
    };
    match (&a.kind, op, &b.kind) {
        (ValueKind::Elapsed, CmpOp::Gt | CmpOp::Ge, ValueKind::Duration(secs)) => Some(*secs),
        _ => None,
    }
}

/// The type of an assignment in a `Set` node.
pub(super) fn n8n_type(ty: &Type) -> &'static str {
    match ty {
        Type::Prim(PrimType::Number | PrimType::Money | PrimType::Duration) => "number",
        Type::Prim(PrimType::Bool) => "boolean",
        Type::List(_) => "array",
        _ => "string",
    }
}

/// A duration as an amount in the largest whole unit n8n's `Wait` offers.
fn duration_unit(seconds: u64) -> (u64, &'static str) {
    if seconds % 86_400 == 0 {
        (seconds / 86_400, "days")
    } else if seconds % 3_600 == 0 {
        (seconds / 3_600, "hours")
    } else if seconds % 60 == 0 {
        (seconds / 60, "minutes")
    } else {
        (seconds, "seconds")
    }
}

/// The fields of a list of references that resolved.
fn ids(refs: &[crate::ir::Ref<FieldId>]) -> Vec<FieldId> {
    refs.iter().filter_map(|r| r.target).collect()
}

/// Emits one workflow as n8n JSON. The workflow must be free of error diagnostics.
/// The n8n id of a workflow of the output, from its name.
fn workflow_id(name: &str) -> String {
    uuid_of(&[name]).replace('-', "")[..16].to_string()
}

pub fn emit(a: &Analysis<'_>, options: &Options) -> Result<Output, Vec<String>> {
    let wf = a.wf;
    let (implementations, calls) = implementations::collect(wf, options.test.as_ref());
    let mut b = Builder::new(a, options, wf.name.text.clone(), calls);
    b.error_workflow = Some(errors::error_workflow_id(&wf.name.text));
    b.layout();
    b.compensation = b.tracks_completed();
    b.build();
    let orchestration = b.finish()?;
    let mut intakes = Vec::new();
    if options.test.is_none() {
        for (i, t) in wf.triggers.iter().enumerate() {
            if intake::has_intake(t) {
                intakes.push(intake::emit(a, options, i)?);
            }
        }
    }
    Ok(Output {
        orchestration,
        intakes,
        implementations,
        errors: errors::emit(a, options)?,
    })
}

impl Builder<'_> {
    /// Which steps no route reaches (a breadth-first search from the triggers), and the lanes.
    fn layout(&mut self) {
        let g = &self.a.graph;
        let n = g.g.node_count();
        let mut reached = vec![false; n];
        let mut queue = std::collections::VecDeque::new();
        for (t, r) in reached.iter_mut().enumerate().take(g.triggers) {
            *r = true;
            queue.push_back(petgraph::graph::NodeIndex::new(t));
        }
        while let Some(v) = queue.pop_front() {
            for (_, w, _) in g.routes_out(v) {
                if !reached[w.index()] {
                    reached[w.index()] = true;
                    queue.push_back(w);
                }
            }
        }
        // Steps no route reaches (compensations) are not part of the run: no node of the
        // output is unreachable.
        self.unreached = reached.iter().map(|r| !r).collect();
        self.lanes();
    }

    fn build(&mut self) {
        let wf = self.wf;
        // Entries of steps, built first so that routes can point at them.
        let mut exit: Vec<Option<String>> = Vec::new();
        for i in 0..wf.steps.len() {
            let s = StepId(i as u32);
            if self.unreached[self.a.step_node(s).index()] {
                exit.push(None);
                continue;
            }
            let (_, x) = self.step(s);
            exit.push(Some(x));
        }
        // Triggers.
        let test = self.options.test.clone();
        let mut trigger_exit: Vec<Option<String>> = Vec::new();
        for (i, t) in wf.triggers.iter().enumerate() {
            let place = self.place_of(NodeId::Trigger(crate::ir::TriggerId(i as u32)));
            let provides = ids(&t.provides);
            let context = format!("{} · context", t.name.text);
            if let Some(test) = &test {
                if i > 0 {
                    trigger_exit.push(None);
                    continue;
                }
                let start = self.add(
                    "Test start",
                    "n8n-nodes-base.manualTrigger",
                    1.0,
                    json!({}),
                    place,
                );
                let payload =
                    serde_json::to_string(&Value::Object(test.payload.clone())).unwrap_or_default();
                let code = format!(
                    "// Test payload for the trigger `{}`.\nreturn [{{ json: {payload} }}];",
                    t.name.text
                );
                let payload_node = self.code_node("Test payload", &code, place.at(1, 0));
                self.connect(&start, 0, &payload_node);
                self.audit_table(&start);
                let kept = self.keep(&context, &provides, None, false, place.at(2, 0));
                self.connect(&payload_node, 0, &kept);
                trigger_exit.push(Some(kept));
                continue;
            }
            if intake::has_intake(t) {
                // Started by the trigger's intake (a workflow of its own), with the trigger's
                // fields as they came in.
                let kept = self.keep(&context, &provides, None, false, place.at(1, 0));
                self.entries
                    .push((format!("intake:{}", t.name.text), kept.clone(), place));
                trigger_exit.push(Some(kept));
                continue;
            }
            let (node, source) = self.trigger_node(i, place);
            if let Some(doc) = &t.doc {
                self.note(&node, doc.clone());
            }
            self.audit_table(&node);
            let kept = if matches!(t.kind, TriggerKind::Schedule(_)) {
                self.schedule_context(&context, &provides, place.at(1, 0))
            } else {
                self.keep(&context, &provides, source, false, place.at(1, 0))
            };
            self.connect(&node, 0, &kept);
            trigger_exit.push(Some(kept));
        }
        // Routes.
        for (i, exit_node) in trigger_exit.iter().enumerate() {
            if let Some(exit_node) = exit_node {
                let node = NodeId::Trigger(crate::ir::TriggerId(i as u32));
                self.routes(node, exit_node);
            }
        }
        for (i, exit_node) in exit.iter().enumerate() {
            if let Some(exit_node) = exit_node {
                self.routes(NodeId::Step(StepId(i as u32)), exit_node);
            }
        }
        self.abort_path();
        self.entry_points();
    }

    /// Builds the nodes of one step; returns its entry and exit nodes.
    fn step(&mut self, s: StepId) -> (String, String) {
        let wf = self.wf;
        let step = wf.step(s);
        let name = step.name.text.clone();
        let place = self.place_of(NodeId::Step(s));
        let n = self.a.step_node(s);
        let provides = ids(&step.provides);
        let owner = self.a.owner(s);
        let call = self.calls.get(&s.0).cloned();
        let person = call.is_none() && owner.is_some_and(|o| o.kind.is_person());

        let context = format!("{name} · context");
        let dropped = self.a.context.dropped_in(wf, &self.a.graph, n);
        let entry = self.enter(&context, &dropped, place);
        if let Some(doc) = step.doc() {
            self.note(&entry, doc.clone());
        }
        let mut last = entry.clone();
        let mut col = 1;

        // Approvals: one task per approver, in order; rejection or timeout fails closed.
        if let Some(approval) = &step.approval() {
            let needs = ids(&step.needs);
            let rejected = format!("{name} · rejected");
            let mut ifs = Vec::new();
            for approver in approval.approvers.iter().filter_map(|r| r.target) {
                let actor = wf.actor(approver);
                let who = actor.name.text.clone();
                let description =
                    self.context_description(&format!("{who}: approve the step {name}."), &needs);
                let (form, delivery) = self.task(
                    &format!("{name} · approval by {who}"),
                    Some(actor),
                    &format!("Approve {name}?"),
                    &description,
                    &tasks::Ask::Approval,
                    approval.within.map(|d| d.seconds),
                    place.at(col, 1),
                );
                self.connect(&last, 0, &form.entry);
                // An answer is a new item; a wait that ran out passes `_entered_at` on.
                let approved = if delivery.is_some() {
                    format!(
                        "{} && ($json[\"data\"] || {{}})[\"approved\"] === true",
                        tasks::ANSWERED
                    )
                } else {
                    format!("{} && $json[\"decision\"] === \"Approve\"", tasks::ANSWERED)
                };
                let check = self.if_node(
                    &format!("{name} · approved by {who}?"),
                    &approved,
                    place.at(col + 1, 1),
                );
                self.connect(&form.exit, 0, &check);
                // The decision, with a fingerprint of the values the approver saw.
                let row = Row::new("approval", &name)
                    .actors([who.as_str()])
                    .fields(&needs)
                    .fingerprint(&context, &needs);
                self.audit(&check, 0, row.clone().detail("approved"));
                self.audit(
                    &check,
                    1,
                    row.detail_js(&format!(
                        "{} ? \"rejected\" : \"no answer in time\"",
                        tasks::ANSWERED
                    )),
                );
                ifs.push(check.clone());
                let restore = self.merge(
                    &format!("{name} · approved context by {who}"),
                    &context,
                    &[],
                    None,
                    place.at(col + 2, 1),
                );
                self.connect(&check, 0, &restore);
                last = restore;
                col += 3;
            }
            // Rejections and timeouts go to the `else` step with the context on entry, or end.
            let restore = self.merge(&rejected, &context, &[], None, place.at(col, 2));
            for check in &ifs {
                self.connect(check, 1, &restore);
            }
            if let Some(other) = approval.else_step.and_then(|r| r.target) {
                let target = format!("{} · context", wf.step(other).name.text);
                self.connect(&restore, 0, &target);
                // The work moves to the `else` step with the step's context: what its owner
                // reads there is that step's `needs`.
                let actors = self.owners(NodeId::Step(s), other);
                let event = if actors.len() > 1 { "handoff" } else { "route" };
                let row = Row::new(event, &name)
                    .actors(actors)
                    .fields(&ids(&wf.step(other).needs))
                    .detail(&format!("to {}: not approved", wf.step(other).name.text));
                self.audit(&restore, 0, row);
            } else {
                let end = self.no_op(
                    &format!("{name} · not approved (end)"),
                    place.at(col + 1, 2),
                );
                self.connect(&restore, 0, &end);
            }
        }

        // The work: the implementation, or the person's task.
        let work_place = place.at(col, 0);
        let result = format!("{name} · result");
        let fields = self.answer_fields(&provides);
        let title = step
            .title()
            .as_ref()
            .map_or(name.clone(), |t| t.value.clone());
        // An escalation on `elapsed` of a person's step is the task's time limit.
        let elapsed_limit = if person {
            step.escalations()
                .iter()
                .enumerate()
                .find_map(|(k, e)| elapsed_threshold(&e.condition).map(|secs| (k, secs)))
        } else {
            None
        };
        let mut timeout_escalation: Option<(String, usize)> = None;
        if let Some(call) = &call {
            let (needs, node, returned) = self.call_as(s, call, &context, &name, work_place);
            self.connect(&last, 0, &needs);
            let join = self.no_op(&result, place.at(col + 2, 0));
            self.connect(&returned, 0, &join);
            // A failed implementation: the workflow owner retries, takes over or aborts.
            self.failed(
                s,
                call,
                (&node, &returned),
                &context,
                &join,
                place.at(col, 2),
            );
            col += 3;
        } else if person {
            let incoming_sla = self.incoming_sla(s);
            let description = self.context_description(
                &format!(
                    "{}{}",
                    step.title()
                        .as_ref()
                        .map_or(name.as_str(), |t| t.value.as_str()),
                    owner
                        .map(|o| format!(" ({})", o.name.text))
                        .unwrap_or_default()
                ),
                &ids(&step.needs),
            );
            let sla = incoming_sla.as_ref().map(|(secs, _)| *secs);
            let limit = match (sla, elapsed_limit) {
                (Some(a), Some((_, b))) => Some(a.min(b)),
                (a, b) => a.or(b.map(|(_, secs)| secs)),
            };
            let (task, delivery) = self.task(
                &name,
                owner,
                &title,
                &description,
                &tasks::Ask::Form(&fields),
                limit,
                work_place,
            );
            self.connect(&last, 0, &task.entry);
            let join = self.no_op(&result, place.at(col + 3, 0));
            let answer = self.merge(
                &format!("{name} · answer"),
                &context,
                &provides,
                Some(tasks::Answer::of(delivery.as_ref())),
                place.at(col + 2, 0),
            );
            self.connect(&answer, 0, &join);
            if limit.is_some() {
                let answered = self.answered(&format!("{name} · answered?"), place.at(col + 1, 0));
                self.connect(&task.exit, 0, &answered);
                self.connect(&answered, 0, &answer);
                match (elapsed_limit, sla) {
                    (Some((k, secs)), sla) if sla.is_none_or(|sla| secs <= sla) => {
                        timeout_escalation = Some((answered, k));
                    }
                    _ => {
                        let fallback = incoming_sla.and_then(|(_, f)| f).map(|f| self.wf.actor(f));
                        self.cover(
                            &name,
                            (&answered, 1),
                            fallback,
                            &tasks::Cover {
                                step: &name,
                                shown: &ids(&step.needs),
                                title: &title,
                                description: &description,
                                fields: &fields,
                                provides: &provides,
                                base: &context,
                                limit: sla,
                                join: &join,
                            },
                            place.at(col + 1, 1),
                        );
                    }
                }
            } else {
                self.connect(&task.exit, 0, &answer);
            }
            col += 4;
        } else {
            // A step without an owner that resolved: nothing to run; the work passes through.
            self.no_op(&result, work_place);
            self.connect(&last, 0, &result);
            col += 1;
        }
        // Notes: who owns it, what it reads and writes, whether it can be undone.
        let mut notes = vec![format!(
            "Owner: {}",
            owner.map_or("none".to_string(), |o| format!(
                "{} ({})",
                o.name.text,
                o.kind.keyword()
            ))
        )];
        if let Some(call) = &call {
            notes.push(format!("Implementation: {}", call.name));
        }
        let names_of = |refs: &[crate::ir::Ref<FieldId>]| {
            let names: Vec<String> = ids(refs)
                .iter()
                .map(|f| wf.field(*f).name.text.clone())
                .collect();
            if names.is_empty() {
                "-".to_string()
            } else {
                names.join(", ")
            }
        };
        notes.push(format!("Needs: {}", names_of(&step.needs)));
        notes.push(format!("Provides: {}", names_of(&step.provides)));
        if let Some(rev) = step.reversibility() {
            notes.push(match rev.kind {
                ReversibilityKind::Reversible => "Reversible".to_string(),
                ReversibilityKind::Irreversible => "Irreversible".to_string(),
                ReversibilityKind::CompensableBy(r) => format!(
                    "Compensable by {}",
                    r.target
                        .map_or("?".to_string(), |t| wf.step(t).name.text.clone())
                ),
            });
        }
        if !step.actions().is_empty() {
            notes.push(format!(
                "Actions: {}",
                step.actions()
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let work_name = name.clone();
        self.note(&work_name, notes.join("\n"));

        // Escalations: an `If` per escalation; the true branch carries `carries ∪ provides` to
        // the target's task, then joins the successors with the owner's whole context and the
        // target's answers (docs/language.md: the work keeps its context, so the successors
        // receive `avail_in ∪ provides` whether or not it escalated). A task nobody answers in
        // time goes to the fallback, then ends as breached: the owner's result never passes.
        let done = self.no_op(&format!("{name} · done"), place.at(col + 4, 0));
        let mut current = result.clone();
        let mut output = 0;
        for (k, esc) in step.escalations().iter().enumerate() {
            let Some(target) = esc.target.target else {
                continue;
            };
            let target_actor = wf.actor(target);
            let who = target_actor.name.text.clone();
            let row = 1 + 2 * coord(k);
            let check = self.if_node(
                &format!("{name} · escalate to {who}? ({})", k + 1),
                &condition_js(wf, &esc.condition),
                place.at(col, row),
            );
            self.connect(&current, output, &check);
            let mut carried = ids(&esc.route.carries);
            for f in &provides {
                if !carried.contains(f) {
                    carried.push(*f);
                }
            }
            let carry = self.keep(
                &format!("{name} · escalation to {who} ({})", k + 1),
                &carried,
                None,
                true,
                place.at(col + 1, row),
            );
            let owner_name = owner.map(|o| o.name.text.clone());
            let escalation = |detail: &str, fields: &[FieldId]| {
                Row::new("escalation", &name)
                    .actors(owner_name.iter().cloned().chain([who.clone()]))
                    .fields(fields)
                    .detail(detail)
            };
            let written = crate::emit::docs::text::condition(wf, &esc.condition);
            let when = escalation(&format!("to {who} when {written}"), &carried);
            // Nobody answered: only the carried fields exist to cross.
            let timed_out = escalation(
                &format!("to {who}: no answer in time ({written})"),
                &ids(&esc.route.carries),
            );
            if let Some((answered, at)) = timeout_escalation.clone() {
                if at == k {
                    // The person did not answer in time: the work escalates with what it has,
                    // and the customer is told on the way.
                    self.audit(&answered, 1, timed_out);
                    match &esc.route.notify {
                        Some(message) => self.notify(
                            &format!("{name} · notify on timeout ({})", k + 1),
                            &message.value,
                            (&name, &who),
                            (&answered, 1),
                            &carry,
                            place.at(col + 1, row + 2),
                        ),
                        None => self.connect(&answered, 1, &carry),
                    }
                }
            }
            self.audit(&check, 0, when);
            let description = self.context_description(
                &format!("{who}: the step {name} was escalated to you."),
                &carried,
            );
            let limit = esc.route.sla.map(|d| d.seconds);
            let (form, delivery) = self.task(
                &format!("{name} · taken over by {who} ({})", k + 1),
                Some(target_actor),
                &format!("Take over {name}"),
                &description,
                &tasks::Ask::Form(&fields),
                limit,
                place.at(col + 2, row),
            );
            // The customer is told when the work crosses the boundary, from what the escalating
            // step holds (its context and its results), beside the work: a delivery never
            // holds it up.
            match &esc.route.notify {
                Some(message) => self.notify(
                    &format!("{name} · notify on escalation ({})", k + 1),
                    &message.value,
                    (&name, &who),
                    (&check, 0),
                    &carry,
                    place.at(col + 1, row + 1),
                ),
                None => self.connect(&check, 0, &carry),
            }
            self.connect(&carry, 0, &form.entry);
            let merged = self.merge(
                &format!("{name} · escalation result ({})", k + 1),
                &context,
                &provides,
                Some(tasks::Answer::of(delivery.as_ref())),
                place.at(col + 4, row),
            );
            if limit.is_some() {
                let answered = self.answered(
                    &format!("{name} · taken over in time? ({})", k + 1),
                    place.at(col + 3, row),
                );
                self.connect(&form.exit, 0, &answered);
                self.connect(&answered, 0, &merged);
                let fallback = esc
                    .route
                    .fallback
                    .and_then(|f| f.target)
                    .or(target_actor.fallback.and_then(|f| f.target))
                    .or(wf.owner.and_then(|o| o.target))
                    .filter(|f| *f != target)
                    .map(|f| wf.actor(f));
                let covered_base = context.clone();
                self.cover(
                    &format!("{name} · escalation ({})", k + 1),
                    (&answered, 1),
                    fallback,
                    &tasks::Cover {
                        step: &name,
                        shown: &carried,
                        title: &format!("Take over {name}"),
                        description: &description,
                        fields: &fields,
                        provides: &provides,
                        base: &covered_base,
                        limit,
                        join: &done,
                    },
                    place.at(col + 3, row + 1),
                );
            } else {
                self.connect(&form.exit, 0, &merged);
            }
            self.connect(&merged, 0, &done);
            // The false branch goes on to the next escalation, or to `done`.
            current = check;
            output = 1;
        }
        self.connect(&current, output, &done);
        let exit = self.completed(s, &done, place.at(col + 5, 0));
        (entry, exit)
    }

    /// The delivery of a `notify` message to the customer, beside the work: an email to the
    /// workflow's `customer` field when it is an `email`, an HTTP POST of `{message, workflow,
    /// run, from, to}` to it when it is a `url` (a chat platform's callback). A failed delivery
    /// is retried (three tries) and never fails or holds up the work. Without a `customer`
    /// field (W207) the message is only kept, in `customer_message`, for a channel of the
    /// user's own.
    /// The delivery stands between `before` (a node and its output) and `then`; the node after
    /// it passes on the work as it was at `before` (a delivery's own output is the mail
    /// server's or the callback's answer).
    fn notify(
        &mut self,
        name: &str,
        message: &str,
        ends: (&str, &str),
        before: (&str, usize),
        then: &str,
        place: Place,
    ) {
        let wf = self.wf;
        let customer = wf.customer.and_then(|c| c.target).map(|f| wf.field(f));
        let title = wf
            .title
            .as_ref()
            .map_or(wf.name.text.as_str(), |t| t.value.as_str());
        let how = match customer.map(|f| &f.ty) {
            Some(Type::Prim(PrimType::Email)) => "emailed to the customer",
            _ => "posted to the customer's url",
        };
        let node = match customer.map(|f| (&f.ty, &f.name.text)) {
            Some((Type::Prim(PrimType::Email), field)) => {
                let node = self.add(
                    name,
                    "n8n-nodes-base.emailSend",
                    2.1,
                    json!({
                        "fromEmail": FROM_ADDRESS,
                        "toEmail": format!("={{{{ {} }}}}", field_ref(field)),
                        "subject": plain(title),
                        "emailFormat": "text",
                        "text": plain(message),
                        "options": { "appendAttribution": false },
                    }),
                    place,
                );
                self.credential(&node, "smtp", SMTP_CREDENTIAL);
                node
            }
            Some((Type::Prim(PrimType::Url), field)) => {
                let body = format!(
                    "={{{{ JSON.stringify({{ message: {}, workflow: {}, run: $execution.id, from: {}, to: {} }}) }}}}",
                    js_string(message),
                    js_string(&wf.name.text),
                    js_string(ends.0),
                    js_string(ends.1)
                );
                self.add(
                    name,
                    "n8n-nodes-base.httpRequest",
                    4.2,
                    json!({
                        "method": "POST",
                        "url": format!("={{{{ {} }}}}", field_ref(field)),
                        "sendBody": true,
                        "specifyBody": "json",
                        "jsonBody": body,
                        "options": {},
                    }),
                    place,
                )
            }
            _ => {
                let parameters = json!({
                    "mode": "manual",
                    "assignments": { "assignments": [{
                        "id": uuid_of(&[&self.title, name, "message"]),
                        "name": "customer_message",
                        "value": plain(message),
                        "type": "string",
                    }] },
                    "includeOtherFields": true,
                    "include": "all",
                    "options": {},
                });
                let node = self.add(name, SET, 3.4, parameters, place);
                self.note(
                    &node,
                    "No `customer` field: send `customer_message` on a channel of your own."
                        .to_string(),
                );
                let row = Row::new("notice", ends.0)
                    .detail("kept in customer_message: the workflow has no customer field");
                self.audit(&node, 0, row);
                self.connect(before.0, before.1, &node);
                self.connect(&node, 0, then);
                return;
            }
        };
        self.settings(
            &node,
            json!({
                "retryOnFail": true,
                "maxTries": 3,
                "waitBetweenTries": 1000,
                "onError": "continueErrorOutput",
            }),
        );
        self.note(
            &node,
            "Tells the customer; a failed delivery is retried, audited and never stops the work."
                .to_string(),
        );
        let code = format!(
            "// Generated by handoff: the work goes on as it was before the customer was told.\nreturn $({}).all({}).map((item) => ({{ json: item.json }}));",
            js_string(before.0),
            if before.1 == 0 { String::new() } else { before.1.to_string() }
        );
        let told = self.code_node(
            &format!("{name} · sent"),
            &code,
            place.at(place.col + 1, place.row),
        );
        self.connect(before.0, before.1, &node);
        self.connect(&node, 0, &told);
        self.connect(&node, 1, &told);
        self.connect(&told, 0, then);
        self.audit(&node, 0, Row::new("notice", ends.0).detail(how));
        let failed = Row::new("notice failed", ends.0)
            .detail(&format!("not {how}: the delivery failed three times"));
        self.audit(&node, 1, failed);
    }

    /// The shortest `sla` of the handoffs into a step, and who covers it when it runs out: the
    /// handoff's `fallback`, else the receiving actor's, else the workflow owner.
    fn incoming_sla(&self, s: StepId) -> Option<(u64, Option<crate::ir::ActorId>)> {
        let wf = self.wf;
        let owner = self.a.owner(s);
        let mut best: Option<(u64, Option<crate::ir::ActorId>)> = None;
        // The routes into the step, from the graph: linear in its in-degree.
        let handoffs = self
            .a
            .graph
            .routes_in(self.a.step_node(s))
            .filter_map(|(_, _, kind)| match kind {
                crate::check::graph::EdgeKind::Transition(id, TransitionKind::Handoff) => {
                    Some(&wf.transitions[id.index()])
                }
                _ => None,
            });
        for t in handoffs {
            let Some(sla) = t.route().sla else { continue };
            let fallback = t
                .route()
                .fallback
                .and_then(|f| f.target)
                .or_else(|| owner.and_then(|o| o.fallback).and_then(|f| f.target))
                .or_else(|| wf.owner.and_then(|o| o.target));
            if best.as_ref().is_none_or(|(secs, _)| sla.seconds < *secs) {
                best = Some((sla.seconds, fallback));
            }
        }
        best
    }

    /// The routes out of a trigger or a step, from its exit node.
    fn routes(&mut self, from: NodeId, exit: &str) {
        let wf = self.wf;
        let node = self.a.graph.node(from);
        let mut always = Vec::new();
        let mut when = Vec::new();
        let mut otherwise = None;
        for (_, _, kind) in self.a.graph.routes_out(node) {
            let crate::check::graph::EdgeKind::Transition(t, _) = kind else {
                continue;
            };
            let transition = &wf.transitions[t.index()];
            match &transition.guard {
                Guard::Always => always.push(t),
                Guard::When(_) => when.push(t),
                Guard::Otherwise(_) => otherwise = Some(t),
            }
        }
        always.sort();
        when.sort();
        // Routes that may be taken together run apart: each in a run of its own, so that a
        // person's open task on one branch does not hold up another.
        // Conditional routes that the routing analysis shows exclusive are never taken together.
        let exclusive = when.len() <= 1 || self.a.routing(node).is_some_and(|r| r.exclusive);
        let fork = (always.len() >= 2)
            || (!always.is_empty() && (!when.is_empty() || otherwise.is_some()))
            || (always.is_empty() && !exclusive);
        let source = wf.node_name(from).to_string();
        // The routes stand between the steps, outside the step's frame.
        let place = self.place_of(from).alone().at(5, 0);
        for t in always {
            let target = self.reach(t, fork, place.at(5, -1));
            self.connect(exit, 0, &target);
            self.audit_route(t, exit, 0);
        }
        if when.is_empty() && otherwise.is_none() {
            return;
        }
        if when.len() <= 1 {
            let js = when.first().map_or("false".to_string(), |t| {
                match &wf.transitions[t.index()].guard {
                    Guard::When(c) => condition_js(wf, c),
                    _ => "false".to_string(),
                }
            });
            let check = self.if_node(&format!("{source} · route"), &js, place.at(4, 1));
            self.connect(exit, 0, &check);
            if let Some(t) = when.first() {
                let target = self.reach(*t, fork, place.at(5, 1));
                self.connect(&check, 0, &target);
                self.audit_route(*t, &check, 0);
            }
            if let Some(t) = otherwise {
                let target = self.reach(t, fork, place.at(5, 2));
                self.connect(&check, 1, &target);
                self.audit_route(t, &check, 1);
            }
            return;
        }
        // Several conditions: a `Switch` that takes every matching output; `otherwise` is the
        // fallback output.
        let rules: Vec<Value> = when
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let (js, written) = match &wf.transitions[t.index()].guard {
                    Guard::When(c) => (
                        condition_js(wf, c),
                        crate::emit::docs::text::condition(wf, c),
                    ),
                    _ => ("false".to_string(), String::new()),
                };
                // The output is named by its condition, as written.
                switch_rule(
                    &uuid_of(&[&wf.name.text, &source, "rule", &k.to_string()]),
                    &js,
                    "loose",
                    &plain(&written),
                )
            })
            .collect();
        let mut options = json!({ "allMatchingOutputs": true });
        if otherwise.is_some() {
            options["fallbackOutput"] = json!("extra");
        }
        let switch = self.add(
            &format!("{source} · route"),
            SWITCH,
            3.4,
            json!({ "rules": { "values": rules }, "looseTypeValidation": true, "options": options }),
            place.at(4, 1),
        );
        self.connect(exit, 0, &switch);
        for (k, t) in when.iter().enumerate() {
            let target = self.reach(*t, fork, place.at(5, 1 + coord(k)));
            self.connect(&switch, k, &target);
            self.audit_route(*t, &switch, k);
        }
        if let Some(t) = otherwise {
            let target = self.reach(t, fork, place.at(5, 1 + coord(when.len())));
            self.connect(&switch, when.len(), &target);
            self.audit_route(t, &switch, when.len());
        }
    }

    /// The owners of the two ends of a route, by name, once each (a trigger has none).
    fn owners(&self, from: NodeId, to: StepId) -> Vec<String> {
        let of = |n: NodeId| match n {
            NodeId::Step(s) => self.a.owner(s).map(|o| o.name.text.clone()),
            NodeId::Trigger(_) => None,
        };
        let mut actors: Vec<String> = of(from).into_iter().collect();
        if let Some(o) = of(NodeId::Step(to)).filter(|o| !actors.contains(o)) {
            actors.push(o);
        }
        actors
    }

    /// The audit row of route `t`, taken from `from`'s output `output`: a `handoff` names the
    /// fields it carries; a `route` (the same owner) carries no field across a boundary.
    fn audit_route(&mut self, t: crate::ir::TransitionId, from: &str, output: usize) {
        let wf = self.wf;
        let transition = &wf.transitions[t.index()];
        let Some((source, NodeId::Step(to))) = transition.ends() else {
            return;
        };
        let target = &wf.step(to).name.text;
        let actors = self.owners(source, to);
        let (event, fields) = match transition.kind {
            TransitionKind::Handoff => ("handoff", ids(&transition.route().carries)),
            TransitionKind::Flow => ("route", Vec::new()),
        };
        let detail = match &transition.guard {
            Guard::Always => format!("to {target}"),
            Guard::When(c) => format!(
                "to {target} when {}",
                crate::emit::docs::text::condition(wf, c)
            ),
            Guard::Otherwise(_) => format!("to {target} otherwise"),
        };
        let row = Row::new(event, wf.node_name(source))
            .actors(actors)
            .fields(&fields)
            .detail(&detail);
        let name = format!("audit {} → {target}", wf.node_name(source));
        self.audit_as(&name, from, output, row);
    }

    /// The node the work goes to for route `t`: where the route arrives, or, when `fork`, a node
    /// that starts a run of this workflow of its own at that arrival and does not wait for it.
    fn reach(&mut self, t: crate::ir::TransitionId, fork: bool, place: Place) -> String {
        let arrival = self.arrive(t, place);
        if !fork || arrival.is_empty() {
            return arrival;
        }
        let wf = self.wf;
        let transition = &wf.transitions[t.index()];
        let Some((from, NodeId::Step(to))) = transition.ends() else {
            return arrival;
        };
        let name = format!("{} · fork → {}", wf.node_name(from), wf.step(to).name.text);
        let key = format!("route:{}", t.index());
        let title = self.title.clone();
        let node = self.start_run(
            &name,
            &title,
            &key,
            true,
            place.at(place.col - 1, place.row),
        );
        // The branch reads on from the fork, though it runs apart.
        self.canvas.link(&node, &arrival);
        self.note(
            &node,
            "Starts this branch as a run of its own, without waiting: a person's open task on one branch never holds up another.".to_string(),
        );
        self.entries.push((key, arrival, place));
        node
    }

    /// The node a route arrives at: for a handoff, a `Set` node keeping exactly its `carries`
    /// (with its customer notification beside it), then the target's context; for a flow, the
    /// target's context directly.
    fn arrive(&mut self, t: crate::ir::TransitionId, place: Place) -> String {
        let wf = self.wf;
        let transition = &wf.transitions[t.index()];
        let Some((from, NodeId::Step(to))) = transition.ends() else {
            return String::new();
        };
        let target = format!("{} · context", wf.step(to).name.text);
        if transition.kind == TransitionKind::Flow {
            return target;
        }
        let arrow = format!("{} → {}", wf.node_name(from), wf.step(to).name.text);
        let carries = ids(&transition.route().carries);
        let handoff = self.keep(&format!("handoff {arrow}"), &carries, None, false, place);
        self.keep_run_fields(&handoff);
        let mut notes = Vec::new();
        if let Some(reason) = &transition.route().reason {
            notes.push(format!("Reason: {}", reason.value));
        }
        if let Some(sla) = transition.route().sla {
            notes.push(format!(
                "SLA: {}",
                crate::emit::docs::text::duration("", sla)
            ));
        }
        if !notes.is_empty() {
            self.note(
                &handoff,
                notes.join(
                    "
",
                ),
            );
        }
        self.connect(&handoff, 0, &target);
        // The customer is told when the work crosses the boundary, from what the source holds
        // (before `carries` cuts it), beside the work: a delivery never holds it up.
        if let Some(message) = &transition.route().notify {
            let crossing = self.no_op(&arrow, place.at(place.col - 1, place.row));
            self.notify(
                &format!("notify {arrow}"),
                &message.value,
                (wf.node_name(from), &wf.step(to).name.text),
                (&crossing, 0),
                &handoff,
                place.at(place.col, place.row + 1),
            );
            return crossing;
        }
        handoff
    }

    /// Lays the canvas out, checks the output and serializes it.
    fn finish(mut self) -> Result<String, Vec<String>> {
        self.arrange();
        let mut errors = Vec::new();
        let mut names = std::collections::BTreeSet::new();
        for node in &self.nodes {
            if !names.insert(node.name.as_str()) {
                errors.push(format!("two nodes are named `{}`", node.name));
            }
            let version = node.type_version.as_f64().unwrap_or(-1.0);
            let known = NODE_TYPES
                .iter()
                .any(|(kind, v)| *kind == node.kind && (*v - version).abs() < f64::EPSILON);
            if !known {
                errors.push(format!(
                    "node `{}` has an unknown type {} v{version}",
                    node.name, node.kind
                ));
            }
        }
        let mut connections: BTreeMap<&str, Outputs> = BTreeMap::new();
        for (from, outputs) in &self.connections {
            if !names.contains(from.as_str()) {
                errors.push(format!("a connection starts at the missing node `{from}`"));
            }
            let main = outputs
                .iter()
                .map(|targets| {
                    targets
                        .iter()
                        .map(|(to, index)| {
                            if !names.contains(to.as_str()) {
                                errors
                                    .push(format!("`{from}` connects to the missing node `{to}`"));
                            }
                            Connection {
                                node: to.clone(),
                                kind: "main",
                                index: *index,
                            }
                        })
                        .collect()
                })
                .collect();
            connections.insert(from.as_str(), Outputs { main });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut settings = json!({ "executionOrder": "v1" });
        if let Some(id) = &self.error_workflow {
            settings["errorWorkflow"] = json!(id);
        }
        let name = &self.title;
        let text = match self.options.profile {
            Profile::Export => serde_json::to_string_pretty(&ExportWorkflow {
                name,
                nodes: &self.nodes,
                connections,
                settings,
                pin_data: json!({}),
                meta: json!({ "templateCredsSetupCompleted": true }),
                tags: Vec::new(),
                active: false,
                id: workflow_id(name),
            }),
            Profile::Api => serde_json::to_string_pretty(&ApiWorkflow {
                name,
                nodes: &self.nodes,
                connections,
                settings,
            }),
        };
        text.map(|mut t| {
            t.push('\n');
            t
        })
        .map_err(|e| vec![e.to_string()])
    }
}

//! The Make target: every workflow becomes several scenario blueprints, cut where a person must
//! answer (see `docs/targets/make.md`).
//!
//! - `blueprint.rs`: the serde structs of Make's format;
//! - `modules.rs`: the confirmed modules and their versions;
//! - `split.rs`: where a workflow is cut into parts, and their names;
//! - `filter.rs`: conditions as filters;
//! - `escape.rs`: source text as inert Make text;
//! - `validate.rs`: the structural validator, run on every blueprint before it is returned.
//!
//! **Invariants:** no I/O; the same input gives the same bytes (parts are numbered in the order
//! a breadth-first walk from the triggers first needs them); source text only reaches the
//! output through `escape`; module ids are unique per blueprint; every blueprint passes
//! `validate`.

pub mod blueprint;
pub mod escape;
pub mod filter;
pub mod modules;
pub mod split;
pub mod validate;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde_json::{json, Value};

use crate::ast::{ActorKind, InboxChannel};
use crate::check::Analysis;
use crate::ir::{
    ActorId, FieldId, Guard, NodeId, ReversibilityKind, StepId, TriggerKind, Workflow,
};

use blueprint::{
    Blueprint, Condition, Designer, Filter, Metadata, Module, ModuleMetadata, Place, Route,
    Settings,
};
use modules::Known;
use split::Entry;

/// Where compiler-made links point: the user replaces this host with their webhooks' addresses.
const HOOKS: &str = "https://hooks.handoff.invalid";
/// Routers nested deeper than this in one part continue in a part of their own.
const MAX_NEST: usize = 16;
/// Horizontal and vertical steps of the designer layout.
const COLUMN: i64 = 300;
const ROW: i64 = 200;

/// The context at a point of a part: for each variable, the module path it is read from (`7.`
/// for the `util:SetVariable2` that set it, `1.data.` for a record found by the SLA sweep).
#[derive(Clone, Default)]
pub struct Context {
    vars: BTreeMap<String, String>,
}

impl Context {
    /// `{{7.name}}`, or `None` when the context does not hold `name`.
    pub fn get(&self, name: &str) -> Option<String> {
        self.vars
            .get(name)
            .map(|prefix| format!("{{{{{prefix}{name}}}}}"))
    }

    /// A variable the analysis says is there (§4). Were it missing, the reference points at
    /// module 0, which the validator rejects: a bug in the emitter, never a wrong value.
    fn var(&self, name: &str) -> String {
        self.get(name)
            .unwrap_or_else(|| format!("{{{{0.{name}}}}}"))
    }
}

/// One scenario of the output.
pub struct Scenario {
    /// The file name inside the workflow's folder (`3-after-approval-by-finance-lead-of-pay.json`).
    pub file: String,
    pub json: String,
}

/// Emits every scenario part of one workflow, plus its SLA sweep. The workflow must be free of
/// error diagnostics. `Err` lists what the validator found (a bug in the emitter).
pub fn emit(a: &Analysis<'_>) -> Result<Vec<Scenario>, Vec<String>> {
    let mut e = Emitter {
        a,
        wf: a.wf,
        parts: HashMap::new(),
        queue: VecDeque::new(),
        next_id: 1,
        sweeps: BTreeSet::new(),
        labels: Vec::new(),
    };
    for t in 0..a.wf.triggers.len() {
        e.part_of(Entry::Trigger(crate::ir::TriggerId(t as u32)));
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    while let Some((entry, number)) = e.queue.pop_front() {
        e.next_id = 1;
        let label = entry.label(e.wf);
        let flow = e.part(entry, number);
        let bp = scenario(split::part_name(e.wf, number, &label), flow);
        push(
            &mut out,
            &mut problems,
            format!(
                "{number}-{}.json",
                crate::emit::file_stem(&escape::slug(&label))
            ),
            &bp,
        );
    }
    if let Some(flow) = e.sweep() {
        let bp = scenario(
            format!("{} · SLA sweep", e.wf.name.text)
                .chars()
                .take(120)
                .collect(),
            flow,
        );
        push(&mut out, &mut problems, "sla-sweep.json".to_owned(), &bp);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn scenario(name: String, flow: Vec<Module>) -> Blueprint {
    Blueprint {
        name,
        flow,
        metadata: Metadata {
            version: 1,
            scenario: Settings::default(),
            designer: Designer {
                orphans: Vec::new(),
            },
        },
    }
}

fn push(out: &mut Vec<Scenario>, problems: &mut Vec<String>, file: String, bp: &Blueprint) {
    let value = serde_json::to_value(bp).unwrap_or(Value::Null);
    for p in validate::validate(&value) {
        problems.push(format!("{file}: {p}"));
    }
    let mut json = serde_json::to_string_pretty(bp).unwrap_or_default();
    json.push('\n');
    out.push(Scenario { file, json });
}

struct Emitter<'a> {
    a: &'a Analysis<'a>,
    wf: &'a Workflow,
    parts: HashMap<Entry, usize>,
    queue: VecDeque<(Entry, usize)>,
    next_id: u32,
    /// The label of part `n` at index `n - 1`.
    labels: Vec<String>,
    /// Fallback actors of task records that carry a deadline.
    sweeps: BTreeSet<ActorId>,
}

/// Where the modules being built go and how they are laid out.
struct Cursor {
    x: i64,
    y: i64,
    /// Where each variable of the current context is read.
    context: Context,
    /// The `compensable by` steps completed on the way here in this part, in order.
    undo: Vec<StepId>,
}

impl Cursor {
    fn start() -> Self {
        Cursor {
            x: 0,
            y: 0,
            context: Context::default(),
            undo: Vec::new(),
        }
    }

    /// A cursor for a branch starting at `(x, y)` with the same context.
    fn branch(&self, x: i64, y: i64) -> Self {
        Cursor {
            x,
            y,
            context: self.context.clone(),
            undo: self.undo.clone(),
        }
    }
}

impl<'a> Emitter<'a> {
    fn part_of(&mut self, entry: Entry) -> usize {
        if let Some(&n) = self.parts.get(&entry) {
            return n;
        }
        let n = self.parts.len() + 1;
        self.parts.insert(entry, n);
        self.labels.push(entry.label(self.wf));
        self.queue.push_back((entry, n));
        n
    }

    fn module(
        &mut self,
        known: Known,
        at: &mut Cursor,
        name: String,
        parameters: Value,
        mapper: Value,
    ) -> Module {
        let id = self.next_id;
        self.next_id += 1;
        let m = Module {
            id,
            module: known.0,
            version: known.1,
            filter: None,
            parameters,
            mapper,
            metadata: ModuleMetadata {
                designer: Place {
                    x: at.x,
                    y: at.y,
                    name,
                },
            },
            routes: None,
            onerror: Vec::new(),
        };
        at.x += COLUMN;
        m
    }

    fn step_name(&self, s: StepId) -> &'a str {
        &self.wf.step(s).name.text
    }

    fn field(&self, f: FieldId) -> &'a str {
        &self.wf.field(f).name.text
    }

    fn is_person(&self, s: StepId) -> bool {
        matches!(
            self.a.owner_kind(s),
            Some(ActorKind::Human | ActorKind::Team)
        )
    }

    fn in_degree(&self, s: StepId) -> usize {
        self.a.graph.routes_in(self.a.step_node(s)).count()
    }

    /// The context at a boundary (§4): one `util:SetVariable2` for the correlation id and one
    /// per field of `fields`, read with `read` (from what was there before). From here on the
    /// context is exactly these variables. A filter of the boundary goes on the first module.
    fn context(
        &mut self,
        at: &mut Cursor,
        name: &str,
        fields: &[FieldId],
        read: &dyn Fn(&str) -> String,
        correlation: &str,
    ) -> Vec<Module> {
        let mut vars = vec![("handoff_correlation_id", correlation.to_owned())];
        for &f in fields {
            let n = self.field(f);
            vars.push((n, read(n)));
        }
        let mut context = Context::default();
        let mut out = Vec::with_capacity(vars.len());
        for (n, value) in vars {
            let m = self.module(
                modules::SET_VARIABLE,
                at,
                format!("{name}: {n}"),
                json!({}),
                json!({"name": n, "scope": "roundtrip", "value": value}),
            );
            context.vars.insert(n.to_owned(), format!("{}.", m.id));
            out.push(m);
        }
        at.context = context;
        out
    }

    fn url(&self, what: &str) -> String {
        format!(
            "{HOOKS}/{}/{}",
            escape::url_segment(&self.wf.name.text),
            escape::url_segment(what)
        )
    }

    /// The modules of one part.
    fn part(&mut self, entry: Entry, number: usize) -> Vec<Module> {
        let mut at = Cursor::start();
        let mut flow = Vec::new();
        // A scheduled start has no caller: its part begins with the context (the schedule is a
        // scenario setting the user gives after import); every other part starts at its
        // webhook and answers at once, so no caller ever waits on a person.
        let scheduled = matches!(entry, Entry::Trigger(t) if matches!(self.wf.trigger(t).kind, TriggerKind::Schedule(_)));
        if !scheduled {
            let hook = self.module(
                modules::WEBHOOK,
                &mut at,
                format!("{} · start", self.wf.name.text),
                json!({"maxResults": 1}),
                json!({}),
            );
            flow.push(hook);
            let respond = self.module(
                modules::RESPOND,
                &mut at,
                "accepted".into(),
                json!({}),
                json!({"status": "202", "body": "{\"accepted\": true}", "headers": []}),
            );
            flow.push(respond);
        }
        let from_hook = |n: &str| format!("{{{{1.{n}}}}}");
        match entry {
            Entry::Trigger(t) => {
                let provides: Vec<FieldId> = self
                    .wf
                    .trigger(t)
                    .provides
                    .iter()
                    .filter_map(|r| r.target)
                    .collect();
                let at_start = |_: &str| "{{now}}".to_owned();
                let read: &dyn Fn(&str) -> String = if scheduled { &at_start } else { &from_hook };
                let m = self.context(
                    &mut at,
                    &format!("{} · context", self.wf.trigger(t).name.text),
                    &provides,
                    read,
                    "{{uuid}}",
                );
                flow.extend(m);
                self.routes_out(NodeId::Trigger(t), None, &mut flow, &mut at, 0);
            }
            Entry::Join(s) => {
                let fields: Vec<FieldId> = self.a.context.fields_in(self.a.step_node(s)).collect();
                let m = self.context(
                    &mut at,
                    &format!("{} · context", self.step_name(s)),
                    &fields,
                    &from_hook,
                    "{{1.handoff_correlation_id}}",
                );
                flow.extend(m);
                self.run_step(s, &mut flow, &mut at, 0);
            }
            Entry::After(s) => {
                let fields: Vec<FieldId> = self.a.context.after_run(self.a.step_node(s)).collect();
                let m = self.context(
                    &mut at,
                    &format!("{} · done", self.step_name(s)),
                    &fields,
                    &from_hook,
                    "{{1.handoff_correlation_id}}",
                );
                flow.extend(m);
                self.routes_out(NodeId::Step(s), Some("1.".into()), &mut flow, &mut at, 0);
            }
            Entry::Task(s) | Entry::Escalation(s, _) => {
                let record = self.load(number, &mut flow, &mut at);
                let node = self.a.step_node(s);
                let provides: BTreeSet<FieldId> = self
                    .wf
                    .step(s)
                    .provides
                    .iter()
                    .filter_map(|r| r.target)
                    .collect();
                let fields: Vec<FieldId> = self.a.context.after_run(node).collect();
                let wf = self.wf;
                let read = |n: &str| {
                    if provides.iter().any(|&p| wf.field(p).name.text == n) {
                        format!("{{{{1.{n}}}}}")
                    } else {
                        format!("{{{{{record}.{n}}}}}")
                    }
                };
                let m = self.context(
                    &mut at,
                    &format!("{} · answered", self.step_name(s)),
                    &fields,
                    &read,
                    "{{1.handoff_correlation_id}}",
                );
                let mut checks: Vec<Condition> = vec![Condition {
                    a: format!("{{{{{record}.handoff_correlation_id}}}}"),
                    o: "exist",
                    b: None,
                }];
                for &p in &provides {
                    checks.push(Condition {
                        a: format!("{{{{1.{}}}}}", self.field(p)),
                        o: "exist",
                        b: None,
                    });
                }
                flow.extend(filtered(
                    m,
                    Filter {
                        name: "the task is known and every provides came back".into(),
                        conditions: vec![checks],
                    },
                ));
                if let Entry::Task(_) = entry {
                    self.after_step(s, Some("1.".into()), &mut flow, &mut at, 0);
                } else {
                    let n = self.part_of(Entry::After(s));
                    let extra = self.route_inputs(s, "1.");
                    let call = self.call_part_with(n, &fields, extra, &mut at);
                    flow.push(call);
                }
            }
            Entry::Approval(s, k) => {
                let record = self.load(number, &mut flow, &mut at);
                let fields: Vec<FieldId> = self.a.context.fields_in(self.a.step_node(s)).collect();
                let read = |n: &str| format!("{{{{{record}.{n}}}}}");
                let mut approved_at = at.branch(at.x + COLUMN, at.y);
                let mut approved = Vec::new();
                let m = self.context(
                    &mut approved_at,
                    &format!("{} · approved", self.step_name(s)),
                    &fields,
                    &read,
                    "{{1.handoff_correlation_id}}",
                );
                approved.extend(filtered(
                    m,
                    Filter {
                        name: "approved".into(),
                        conditions: vec![vec![
                            Condition {
                                a: format!("{{{{{record}.handoff_correlation_id}}}}"),
                                o: "exist",
                                b: None,
                            },
                            Condition {
                                a: "{{1.handoff_approved}}".into(),
                                o: "text:equal",
                                b: Some("true".into()),
                            },
                        ]],
                    },
                ));
                let decision = self.approval_row(s, k, "approved", &fields, &mut approved_at);
                approved.push(decision);
                let approvers = self
                    .wf
                    .step(s)
                    .approval()
                    .as_ref()
                    .map_or(0, |ap| ap.approvers.len());
                if k + 1 < approvers {
                    self.ask(
                        Entry::Approval(s, k + 1),
                        &fields,
                        &mut approved,
                        &mut approved_at,
                    );
                } else if self.is_person(s) {
                    // The task after the last approval keeps the SLA of the handoff into the
                    // step: the approval's part is shared by every route in, so the shortest.
                    let sla = self.incoming_sla(s);
                    self.ask_with(
                        Entry::Task(s),
                        &fields,
                        sla,
                        &mut approved,
                        &mut approved_at,
                    );
                } else {
                    self.run_step(s, &mut approved, &mut approved_at, 1);
                }
                let mut rejected_at = at.branch(at.x + COLUMN, at.y + ROW);
                let mut rejected = Vec::new();
                let m = self.context(
                    &mut rejected_at,
                    &format!("{} · not approved", self.step_name(s)),
                    &fields,
                    &read,
                    "{{1.handoff_correlation_id}}",
                );
                rejected.extend(filtered(
                    m,
                    Filter {
                        name: "rejected or unknown".into(),
                        conditions: vec![
                            vec![Condition {
                                a: format!("{{{{{record}.handoff_correlation_id}}}}"),
                                o: "notexist",
                                b: None,
                            }],
                            vec![Condition {
                                a: "{{1.handoff_approved}}".into(),
                                o: "text:notequal",
                                b: Some("true".into()),
                            }],
                        ],
                    },
                ));
                let decision = self.approval_row(s, k, "rejected", &fields, &mut rejected_at);
                rejected.push(decision);
                let else_step = self
                    .wf
                    .step(s)
                    .approval()
                    .as_ref()
                    .and_then(|ap| ap.else_step)
                    .and_then(|r| r.target);
                if let Some(e) = else_step {
                    self.goto(e, None, &mut rejected, &mut rejected_at, 1);
                }
                let branching = self.router(
                    &mut at,
                    format!("{} · decision", self.step_name(s)),
                    vec![approved, rejected],
                );
                flow.push(branching);
            }
        }
        flow
    }

    /// Loads the stored context of a resumed part and records who answered and when.
    fn load(&mut self, number: usize, flow: &mut Vec<Module>, at: &mut Cursor) -> u32 {
        let key = format!("{{{{1.handoff_correlation_id}}}}.{number}");
        let get = self.module(
            modules::GET_RECORD,
            at,
            "load the context".into(),
            json!({}),
            json!({"key": key, "returnWrapped": false}),
        );
        let id = get.id;
        flow.push(get);
        let answered = self.module(
            modules::ADD_RECORD,
            at,
            "record the answer".into(),
            json!({}),
            json!({"key": key, "overwrite": true, "data": {
                "handoff_correlation_id": "{{1.handoff_correlation_id}}",
                "handoff_answered_by": "{{1.handoff_inbox}}",
                "handoff_answered_at": "{{now}}",
            }}),
        );
        flow.push(answered);
        id
    }

    fn router(&mut self, at: &mut Cursor, name: String, routes: Vec<Vec<Module>>) -> Module {
        let mut m = self.module(modules::ROUTER, at, name, json!({}), Value::Null);
        m.routes = Some(routes.into_iter().map(|flow| Route { flow }).collect());
        m
    }

    /// Calls another part over its webhook with `fields` of the current context.
    fn call_part(&mut self, number: usize, fields: &[FieldId], at: &mut Cursor) -> Module {
        self.call_part_with(number, fields, Vec::new(), at)
    }

    /// What the `after STEP` part's filters read besides the context: `confidence` and the
    /// `handoff_route_N` answers of the step's result (see `filter.rs`), passed on as given.
    fn route_inputs(&self, s: StepId, result: &str) -> Vec<Value> {
        let node = self.a.step_node(s);
        let mut out = Vec::new();
        if self.a.owner_kind(s) == Some(ActorKind::Ai) {
            out.push(json!({"name": "confidence", "value": format!("{{{{{result}confidence}}}}")}));
        }
        for i in 0..self.a.transitions_out(node).len() {
            let n = format!("handoff_route_{i}");
            out.push(json!({"name": n, "value": format!("{{{{{result}{n}}}}}")}));
        }
        out
    }

    fn call_part_with(
        &mut self,
        number: usize,
        fields: &[FieldId],
        extra: Vec<Value>,
        at: &mut Cursor,
    ) -> Module {
        let c = &at.context;
        let mut query = vec![
            json!({"name": "handoff_correlation_id", "value": c.var("handoff_correlation_id")}),
        ];
        query.extend(extra);
        for &f in fields {
            let n = self.field(f);
            query.push(json!({"name": n, "value": c.var(n)}));
        }
        let label = self.labels.get(number - 1).cloned().unwrap_or_default();
        let url = self.url(&format!("{number}-{}", escape::slug(&label)));
        self.module(
            modules::HTTP,
            at,
            format!("continue in part {number}"),
            json!({"authenticationType": "noAuth"}),
            json!({
                "url": url, "method": "post", "queryParameters": query, "parseResponse": true,
            }),
        )
    }

    /// Runs a step inline: its context, its implementation, its result, then what follows.
    fn run_step(&mut self, s: StepId, flow: &mut Vec<Module>, at: &mut Cursor, depth: usize) {
        let step = self.wf.step(s);
        let node = self.a.step_node(s);
        let fields: Vec<FieldId> = self.a.context.fields_in(node).collect();
        let before = at.context.clone();
        let read = |n: &str| before.var(n);
        let m = self.context(
            at,
            &format!("{} · context", step.name.text),
            &fields,
            &read,
            &before.var("handoff_correlation_id"),
        );
        flow.extend(m);
        let c = at.context.clone();
        let implementation = self.implementation(s);
        let needs: Vec<Value> = step
            .needs
            .iter()
            .filter_map(|r| r.target)
            .map(|f| json!({"name": self.field(f), "value": c.var(self.field(f))}))
            .collect();
        let mut call = self.module(
            modules::HTTP,
            at,
            format!("{} · run", step.name.text),
            json!({"authenticationType": "noAuth"}),
            json!({"url": self.url(&implementation), "method": "post", "queryParameters": needs, "parseResponse": true}),
        );
        call.onerror = self.on_error(s, call.id, at);
        let r = call.id;
        flow.push(call);
        let provides: BTreeSet<FieldId> = step.provides.iter().filter_map(|r| r.target).collect();
        let after: Vec<FieldId> = self.a.context.after_run(node).collect();
        let wf = self.wf;
        let read = |n: &str| {
            if provides.iter().any(|&p| wf.field(p).name.text == n) {
                format!("{{{{{r}.data.{n}}}}}")
            } else {
                c.var(n)
            }
        };
        let m = self.context(
            at,
            &format!("{} · done", step.name.text),
            &after,
            &read,
            &c.var("handoff_correlation_id"),
        );
        let checks: Vec<Condition> = provides
            .iter()
            .map(|&p| Condition {
                a: format!("{{{{{r}.data.{}}}}}", self.field(p)),
                o: "exist",
                b: None,
            })
            .collect();
        if checks.is_empty() {
            flow.extend(m);
        } else {
            flow.extend(filtered(
                m,
                Filter {
                    name: "every provides came back".into(),
                    conditions: vec![checks],
                },
            ));
        }
        if matches!(
            step.reversibility().map(|r| r.kind),
            Some(ReversibilityKind::CompensableBy(_))
        ) {
            at.undo.push(s);
        }
        self.after_step(s, Some(format!("{r}.data.")), flow, at, depth);
    }

    /// `onerror` of the implementation call `call` (§9 Errors): a reversible step is retried;
    /// when `compensable by` steps completed before it in this part, their compensations run,
    /// latest first, and the run ends there; otherwise the run stops, unretried, as an
    /// incomplete execution for the owner to retry, take over or discard.
    fn on_error(&mut self, s: StepId, call: u32, at: &Cursor) -> Vec<Module> {
        let mut h = at.branch(at.x - COLUMN, at.y + ROW / 2);
        let step = self.step_name(s).to_owned();
        let error = self.audit(
            &mut h,
            "error",
            vec![
                ("step", step),
                ("error", format!("{{{{{call}.error.message}}}}")),
            ],
        );
        let reversible = matches!(
            self.wf.step(s).reversibility().map(|r| r.kind),
            Some(ReversibilityKind::Reversible)
        );
        if reversible {
            return vec![
                error,
                self.module(
                    modules::BREAK,
                    &mut h,
                    "retry (reversible)".into(),
                    json!({}),
                    json!({"retry": true, "count": 3, "interval": 1}),
                ),
            ];
        }
        if at.undo.is_empty() {
            return vec![
                error,
                self.module(
                    modules::BREAK,
                    &mut h,
                    "stop for the owner (not retried)".into(),
                    json!({}),
                    json!({"retry": false}),
                ),
            ];
        }
        let mut out = vec![error];
        for &done in at.undo.iter().rev() {
            let Some(ReversibilityKind::CompensableBy(r)) =
                self.wf.step(done).reversibility().map(|r| r.kind)
            else {
                continue;
            };
            let Some(comp) = r.target else { continue };
            let url = self.url(&self.implementation(comp));
            let row = self.audit(
                &mut h,
                "compensation",
                vec![
                    ("step", self.step_name(done).to_owned()),
                    ("by", self.step_name(comp).to_owned()),
                ],
            );
            out.push(row);
            out.push(self.module(
                modules::HTTP,
                &mut h,
                format!("undo {} with {}", self.step_name(done), self.step_name(comp)),
                json!({"authenticationType": "noAuth"}),
                json!({"url": url, "method": "post", "parseResponse": true,
                    "queryParameters": [{"name": "handoff_correlation_id", "value": at.context.var("handoff_correlation_id")}]}),
            ));
        }
        // The compensations ran: the run ends here, its failure and its compensations on the
        // audit (Make's published error-handler pattern: log, then `builtin:Ignore`).
        out.push(self.module(
            modules::IGNORE,
            &mut h,
            "end after compensating".into(),
            json!({}),
            json!({}),
        ));
        out
    }

    /// An audit row (§9 Audit): a call to the user-owned scenario `WORKFLOW.audit` with the
    /// event, the workflow and its version, the run (correlation id), the time, and names —
    /// never values — of what crossed.
    fn audit(&mut self, at: &mut Cursor, event: &str, details: Vec<(&str, String)>) -> Module {
        let mut query = vec![
            json!({"name": "handoff_correlation_id", "value": at.context.var("handoff_correlation_id")}),
            json!({"name": "event", "value": event}),
            json!({"name": "workflow", "value": self.wf.name.text}),
            json!({"name": "version", "value": escape::text(self.wf.version.as_ref().map_or("", |v| v.value.as_str()))}),
            json!({"name": "at", "value": "{{now}}"}),
        ];
        for (name, value) in details {
            query.push(json!({"name": name, "value": value}));
        }
        let url = self.url(&format!("{}.audit", self.wf.name.text));
        self.module(
            modules::HTTP,
            at,
            format!("audit: {event}"),
            json!({"authenticationType": "noAuth"}),
            json!({"url": url, "method": "post", "queryParameters": query, "parseResponse": true}),
        )
    }

    /// The audit row of an approver's decision: who (the inbox), what, and the names of the
    /// values approved.
    fn approval_row(
        &mut self,
        s: StepId,
        k: usize,
        decision: &str,
        fields: &[FieldId],
        at: &mut Cursor,
    ) -> Module {
        let approver = self
            .wf
            .step(s)
            .approval()
            .as_ref()
            .and_then(|ap| ap.approvers.get(k))
            .and_then(|r| r.target)
            .map_or(String::new(), |a| self.wf.actor(a).name.text.clone());
        let details = vec![
            ("step", self.step_name(s).to_owned()),
            ("approver", approver),
            ("inbox", "{{1.handoff_inbox}}".to_owned()),
            ("decision", decision.to_owned()),
            ("fields", self.names(fields)),
        ];
        self.audit(at, "approval", details)
    }

    /// The names of fields, comma-separated (identifiers only).
    fn names(&self, fields: &[FieldId]) -> String {
        fields
            .iter()
            .map(|&f| self.field(f))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The name of a step's implementation: `uses`, else `WORKFLOW.STEP`.
    fn implementation(&self, s: StepId) -> String {
        let step = self.wf.step(s);
        step.uses().map_or_else(
            || format!("{}.{}", self.wf.name.text, step.name.text),
            |u| u.value.clone(),
        )
    }

    /// After a step ran: its escalations, then its routes.
    fn after_step(
        &mut self,
        s: StepId,
        result: Option<String>,
        flow: &mut Vec<Module>,
        at: &mut Cursor,
        depth: usize,
    ) {
        let step = self.wf.step(s);
        if step.escalations().is_empty() {
            self.routes_out(NodeId::Step(s), result, flow, at, depth);
            return;
        }
        let node = self.a.step_node(s);
        let after: Vec<FieldId> = self.a.context.after_run(node).collect();
        let context = at.context.clone();
        let ops = filter::Operands {
            wf: self.wf,
            context: &context,
            result: result.clone(),
        };
        let mut routes = Vec::new();
        let mut negations = Vec::new();
        // The routes start one column right of the router, which takes `at.x`.
        let base = at.x + COLUMN;
        for (i, esc) in step.escalations().iter().enumerate() {
            let mut r_at = at.branch(base, at.y + ROW * row(i));
            let mut r = Vec::new();
            let f = filter::dnf(&ops, &esc.condition, false).unwrap_or_else(|| {
                fallback(result.as_deref(), &format!("handoff_escalate_{i}"), true)
            });
            negations.push(filter::dnf(&ops, &esc.condition, true).unwrap_or_else(|| {
                fallback(result.as_deref(), &format!("handoff_escalate_{i}"), false)
            }));
            let carries: Vec<FieldId> = esc.route.carries.iter().filter_map(|r| r.target).collect();
            let details = vec![
                ("step", step.name.text.clone()),
                (
                    "to",
                    esc.target
                        .target
                        .map_or(String::new(), |a| self.wf.actor(a).name.text.clone()),
                ),
                ("fields", self.names(&carries)),
                (
                    "notice",
                    if esc.route.notify.is_some() {
                        "sent"
                    } else {
                        "none"
                    }
                    .to_owned(),
                ),
            ];
            let row = self.audit(&mut r_at, "escalation", details);
            r.push(row);
            self.notify(
                esc.route.notify.as_ref().map(|n| n.value.as_str()),
                &mut r,
                &mut r_at,
            );
            self.ask(Entry::Escalation(s, i), &after, &mut r, &mut r_at);
            r[0].filter = Some(Filter {
                name: format!(
                    "escalate to {}",
                    esc.target
                        .target
                        .map_or("", |a| self.wf.actor(a).name.text.as_str())
                ),
                conditions: f,
            });
            routes.push(r);
        }
        let mut r_at = at.branch(base, at.y + ROW * row(routes.len()));
        let n = self.part_of(Entry::After(s));
        let extra = result
            .as_deref()
            .map(|r| self.route_inputs(s, r))
            .unwrap_or_default();
        let mut call = self.call_part_with(n, &after, extra, &mut r_at);
        call.filter = Some(Filter {
            name: "no escalation".into(),
            conditions: filter::and(negations)
                .unwrap_or_else(|| fallback(result.as_deref(), "handoff_no_escalation", true)),
        });
        routes.push(vec![call]);
        let branching = self.router(at, format!("{} · escalate?", step.name.text), routes);
        flow.push(branching);
    }

    /// The routes out of a node, after it ran.
    #[allow(clippy::needless_pass_by_value)]
    fn routes_out(
        &mut self,
        from: NodeId,
        result: Option<String>,
        flow: &mut Vec<Module>,
        at: &mut Cursor,
        depth: usize,
    ) {
        let node = self.a.graph.node(from);
        let outs: Vec<_> = self
            .a
            .transitions_out(node)
            .iter()
            .map(|&t| &self.wf.transitions[t.index()])
            .filter(|t| matches!(t.ends(), Some((_, NodeId::Step(_)))))
            .collect();
        if outs.is_empty() {
            return;
        }
        let context = at.context.clone();
        let ops = filter::Operands {
            wf: self.wf,
            context: &context,
            result: result.clone(),
        };
        let mut routes = Vec::new();
        // The routes start one column right of the router, which takes `at.x`.
        let base = at.x + COLUMN;
        for (i, t) in outs.iter().enumerate() {
            let Some((_, NodeId::Step(to))) = t.ends() else {
                continue;
            };
            let cond = match &t.guard {
                Guard::Always => None,
                Guard::When(c) => Some(filter::dnf(&ops, c, false).unwrap_or_else(|| {
                    fallback(result.as_deref(), &format!("handoff_route_{i}"), true)
                })),
                Guard::Otherwise(_) => {
                    let negs: Vec<_> = outs
                        .iter()
                        .enumerate()
                        .filter_map(|(j, o)| match &o.guard {
                            Guard::When(c) => {
                                Some(filter::dnf(&ops, c, true).unwrap_or_else(|| {
                                    fallback(
                                        result.as_deref(),
                                        &format!("handoff_route_{j}"),
                                        false,
                                    )
                                }))
                            }
                            _ => None,
                        })
                        .collect();
                    Some(filter::and(negs).unwrap_or_else(|| {
                        fallback(result.as_deref(), &format!("handoff_route_{i}"), true)
                    }))
                }
            };
            let mut r_at = at.branch(base, at.y + ROW * row(i));
            let mut r = Vec::new();
            let crossing: Vec<FieldId> = self.a.context.fields_in(self.a.step_node(to)).collect();
            let kind = match t.kind {
                crate::ir::TransitionKind::Handoff => "handoff",
                crate::ir::TransitionKind::Flow => "route",
            };
            let details = vec![
                ("from", self.wf.node_name(from).to_owned()),
                ("to", self.step_name(to).to_owned()),
                ("fields", self.names(&crossing)),
                (
                    "notice",
                    if t.route().notify.is_some() {
                        "sent"
                    } else {
                        "none"
                    }
                    .to_owned(),
                ),
            ];
            let row = self.audit(&mut r_at, kind, details);
            r.push(row);
            self.notify(
                t.route().notify.as_ref().map(|n| n.value.as_str()),
                &mut r,
                &mut r_at,
            );
            let sla = t.route().sla.map(|d| d.seconds);
            let fallback_actor = t.route().fallback;
            self.goto(
                to,
                sla.map(|s| (s, fallback_actor)),
                &mut r,
                &mut r_at,
                depth + 1,
            );
            if r.is_empty() {
                continue;
            }
            if let Some(c) = cond {
                if !c.is_empty() {
                    r[0].filter = Some(Filter {
                        name: format!("{} → {}", self.wf.node_name(from), self.step_name(to)),
                        conditions: c,
                    });
                }
            }
            routes.push(r);
        }
        if routes.len() == 1 && outs.len() == 1 && matches!(outs[0].guard, Guard::Always) {
            let r = routes.pop().unwrap_or_default();
            flow.extend(r);
            return;
        }
        if routes.is_empty() {
            return;
        }
        let branching = self.router(at, format!("{} · route", self.wf.node_name(from)), routes);
        flow.push(branching);
    }

    /// Moves the work to step `to`: inline, over another part's webhook, or as a person's task.
    /// What crosses is `avail_in(to)`: with one route in, exactly what that route passes (a
    /// handoff's `carries`); with several, what every one of them passes.
    fn goto(
        &mut self,
        to: StepId,
        sla: Option<(u64, Option<crate::ir::Ref<ActorId>>)>,
        flow: &mut Vec<Module>,
        at: &mut Cursor,
        depth: usize,
    ) {
        let fields: Vec<FieldId> = self.a.context.fields_in(self.a.step_node(to)).collect();
        let step = self.wf.step(to);
        if step
            .approval()
            .as_ref()
            .is_some_and(|ap| !ap.approvers.is_empty())
        {
            let within = step
                .approval()
                .as_ref()
                .and_then(|ap| ap.within)
                .map(|d| d.seconds);
            self.ask_with(
                Entry::Approval(to, 0),
                &fields,
                within.map(|w| (w, None)),
                flow,
                at,
            );
        } else if self.is_person(to) {
            self.ask_with(Entry::Task(to), &fields, sla, flow, at);
        } else if self.in_degree(to) != 1 || depth > MAX_NEST {
            let n = self.part_of(Entry::Join(to));
            let call = self.call_part(n, &fields, at);
            flow.push(call);
        } else {
            self.run_step(to, flow, at, depth);
        }
    }

    /// The shortest `sla` of the handoffs into step `s`, with that handoff's own `fallback`
    /// (`fallback_of` adds the receiver's and the owner's).
    fn incoming_sla(&self, s: StepId) -> Option<(u64, Option<crate::ir::Ref<ActorId>>)> {
        let mut best: Option<(u64, Option<crate::ir::Ref<ActorId>>)> = None;
        for (_, _, kind) in self.a.graph.routes_in(self.a.step_node(s)) {
            let crate::check::graph::EdgeKind::Transition(t, crate::ir::TransitionKind::Handoff) =
                kind
            else {
                continue;
            };
            let route = self.wf.transitions[t.index()].route();
            let Some(sla) = route.sla else { continue };
            if best.is_none_or(|(secs, _)| sla.seconds < secs) {
                best = Some((sla.seconds, route.fallback));
            }
        }
        best
    }

    fn ask(&mut self, entry: Entry, stored: &[FieldId], flow: &mut Vec<Module>, at: &mut Cursor) {
        let sla = match entry {
            Entry::Escalation(s, i) => self.wf.step(s).escalations()[i]
                .route
                .sla
                .map(|d| (d.seconds, self.wf.step(s).escalations()[i].route.fallback)),
            Entry::Approval(s, _) => self
                .wf
                .step(s)
                .approval()
                .as_ref()
                .and_then(|ap| ap.within)
                .map(|d| (d.seconds, None)),
            _ => None,
        };
        self.ask_with(entry, stored, sla, flow, at);
    }

    /// The split: stores the context under the correlation id and sends the task to every
    /// inbox of the actor, each with its own link to the next part's webhook.
    fn ask_with(
        &mut self,
        entry: Entry,
        stored: &[FieldId],
        sla: Option<(u64, Option<crate::ir::Ref<ActorId>>)>,
        flow: &mut Vec<Module>,
        at: &mut Cursor,
    ) {
        let (actor, shown, what): (Option<ActorId>, Vec<FieldId>, String) = match entry {
            Entry::Task(s) => (
                self.wf.step(s).owner.and_then(|o| o.target),
                self.wf
                    .step(s)
                    .needs
                    .iter()
                    .filter_map(|r| r.target)
                    .collect(),
                format!("task `{}`", self.step_name(s)),
            ),
            Entry::Approval(s, k) => (
                self.wf
                    .step(s)
                    .approval()
                    .as_ref()
                    .and_then(|ap| ap.approvers.get(k))
                    .and_then(|r| r.target),
                self.wf
                    .step(s)
                    .needs
                    .iter()
                    .filter_map(|r| r.target)
                    .collect(),
                format!("approval of `{}`", self.step_name(s)),
            ),
            Entry::Escalation(s, i) => (
                self.wf.step(s).escalations()[i].target.target,
                self.wf.step(s).escalations()[i]
                    .route
                    .carries
                    .iter()
                    .filter_map(|r| r.target)
                    .collect(),
                format!("escalation of `{}`", self.step_name(s)),
            ),
            _ => (None, Vec::new(), String::new()),
        };
        let number = self.part_of(entry);
        let c = at.context.clone();
        let correlation = c.var("handoff_correlation_id");
        let link = format!(
            "{}?handoff_correlation_id={correlation}",
            self.url(&format!("{number}-{}", escape::slug(&entry.label(self.wf))))
        );
        let mut data = serde_json::Map::new();
        data.insert("handoff_correlation_id".into(), json!(correlation));
        for &f in stored {
            let n = self.field(f);
            data.insert(n.to_owned(), json!(c.var(n)));
        }
        data.insert("handoff_part".into(), json!(number.to_string()));
        data.insert("handoff_link".into(), json!(link));
        if let Some((seconds, fallback)) = sla {
            let fallback = self.wf.fallback_of(fallback, actor).map(|(a, _)| a);
            data.insert(
                "handoff_due".into(),
                json!(format!("{{{{addSeconds(now; {seconds})}}}}")),
            );
            if let Some(f) = fallback {
                data.insert("handoff_fallback".into(), json!(self.wf.actor(f).name.text));
                self.sweeps.insert(f);
            }
        }
        let key = format!("{correlation}.{number}");
        let store = self.module(
            modules::ADD_RECORD,
            at,
            format!("store the context for part {number}"),
            json!({}),
            json!({"key": key, "overwrite": true, "data": data}),
        );
        flow.push(store);
        // `uses` on a person's step replaces the task messages with that implementation: it gets
        // the needs and the link to answer on, and answers there when the person is done.
        if let Entry::Task(s) = entry {
            if self.wf.step(s).uses().is_some() {
                let mut query = vec![json!({"name": "handoff_link", "value": link})];
                for &f in &shown {
                    let n = self.field(f);
                    query.push(json!({"name": n, "value": c.var(n)}));
                }
                let url = self.url(&self.implementation(s));
                let call = self.module(
                    modules::HTTP,
                    at,
                    format!("{} · hand to its implementation", self.step_name(s)),
                    json!({"authenticationType": "noAuth"}),
                    json!({"url": url, "method": "post", "queryParameters": query, "parseResponse": true}),
                );
                flow.push(call);
                return;
            }
        }
        let Some(actor) = actor else { return };
        // What the person is given, with field titles (the first line of a field's doc comment).
        let mut text_body = format!("{}\n", escape::text(&what));
        let mut html_body = format!("{}<br>", escape::html(&what));
        for &f in &shown {
            let title = self
                .wf
                .field(f)
                .doc
                .as_deref()
                .and_then(|d| d.lines().next())
                .unwrap_or(self.field(f));
            let value = c.var(self.field(f));
            text_body.push_str(&format!("{}: {value}\n", escape::text(title)));
            html_body.push_str(&format!("{}: {value}<br>", escape::html(title)));
        }
        let inboxes = self.wf.actor(actor).inboxes.clone();
        for (i, inbox) in inboxes.iter().enumerate() {
            let own_link = format!("{link}&handoff_inbox={i}");
            let m = match inbox.channel {
                InboxChannel::Email => self.module(
                    modules::EMAIL,
                    at,
                    format!("tell {} by email", self.wf.actor(actor).name.text),
                    json!({}),
                    email(
                        escape::text(&inbox.address.value),
                        escape::text(&format!("{}: {what}", self.wf.name.text)),
                        format!("{html_body}Answer here: {own_link}"),
                    ),
                ),
                InboxChannel::Slack => self.module(
                    modules::SLACK,
                    at,
                    format!("tell {} on Slack", self.wf.actor(actor).name.text),
                    json!({}),
                    json!({
                        "channel": escape::text(&inbox.address.value),
                        "text": format!("{text_body}Answer here: {own_link}"),
                    }),
                ),
            };
            flow.push(m);
        }
    }

    /// The customer notice of a boundary: an email to the workflow's customer field.
    fn notify(&mut self, message: Option<&str>, flow: &mut Vec<Module>, at: &mut Cursor) {
        let Some(message) = message else { return };
        let c = at.context.clone();
        let to = self
            .wf
            .customer
            .and_then(|r| r.target)
            .map(|f| c.var(self.field(f)));
        let m = if let Some(to) = to {
            let subject = escape::text(
                &self
                    .wf
                    .title
                    .as_ref()
                    .map_or(self.wf.name.text.clone(), |t| t.value.clone()),
            );
            self.module(
                modules::EMAIL,
                at,
                "tell the customer".into(),
                json!({}),
                email(to, subject, escape::html(message)),
            )
        } else {
            let url = self.url(&format!("{}.customer_notice", self.wf.name.text));
            self.module(
                modules::HTTP,
                at,
                "tell the customer".into(),
                json!({"authenticationType": "noAuth"}),
                json!({
                    "url": url, "method": "post", "parseResponse": true,
                    "queryParameters": [
                        {"name": "handoff_correlation_id", "value": c.var("handoff_correlation_id")},
                        {"name": "message", "value": escape::text(message)},
                    ],
                }),
            )
        };
        flow.push(m);
    }

    /// The SLA sweep: a scenario the user schedules, finding overdue tasks in the data store and
    /// telling each task's fallback.
    fn sweep(&mut self) -> Option<Vec<Module>> {
        let mut at = Cursor::start();
        self.next_id = 1;
        // A found record's fields are read as `{{1.data.field}}`.
        let search = self.module(
            modules::SEARCH_RECORDS,
            &mut at,
            "overdue tasks".into(),
            json!({"continueWhenNoRes": false, "limit": 100}),
            json!({
                "filter": [[{"a": "handoff_due", "o": "date:less", "b": "{{now}}"}]],
                "sort": [],
            }),
        );
        let mut record = Context::default();
        record
            .vars
            .insert("handoff_correlation_id".into(), "1.data.".into());
        let mut routes = Vec::new();
        let actors: Vec<ActorId> = self.sweeps.iter().copied().collect();
        let router_x = at.x;
        for (i, actor) in actors.into_iter().enumerate() {
            let a = self.wf.actor(actor);
            let inboxes = a.inboxes.clone();
            let name = a.name.text.clone();
            let mut r_at = at.branch(router_x + COLUMN, ROW * row(i));
            r_at.context = record.clone();
            let mut r = vec![self.audit(
                &mut r_at,
                "sla breach",
                vec![
                    ("fallback", name.clone()),
                    ("part", "{{1.data.handoff_part}}".to_owned()),
                ],
            )];
            for inbox in &inboxes {
                let text = format!("{}: a task is overdue and now yours (part {{{{1.data.handoff_part}}}}). Answer here: {{{{1.data.handoff_link}}}}", escape::text(&self.wf.name.text));
                let m = match inbox.channel {
                    InboxChannel::Email => self.module(
                        modules::EMAIL,
                        &mut r_at,
                        format!("tell {name} by email"),
                        json!({}),
                        email(
                            escape::text(&inbox.address.value),
                            escape::text(&format!("{}: overdue task", self.wf.name.text)),
                            text,
                        ),
                    ),
                    InboxChannel::Slack => self.module(
                        modules::SLACK,
                        &mut r_at,
                        format!("tell {name} on Slack"),
                        json!({}),
                        json!({
                            "channel": escape::text(&inbox.address.value),
                            "text": text,
                        }),
                    ),
                };
                r.push(m);
            }
            let r = filtered(
                r,
                Filter {
                    name: format!("falls back to {name}"),
                    conditions: vec![vec![Condition {
                        a: "{{1.data.handoff_fallback}}".into(),
                        o: "text:equal",
                        b: Some(escape::text(&name)),
                    }]],
                },
            );
            routes.push(r);
        }
        if routes.is_empty() {
            return None;
        }
        let branching = self.router(&mut at, "who takes over".into(), routes);
        Some(vec![search, branching])
    }
}

/// The mapper of `google-email:ActionSendEmail` (the connection is attached after import).
fn email(to: String, subject: String, html: String) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("from".into(), json!(""));
    m.insert("to".into(), Value::Array(vec![Value::String(to)]));
    m.insert("cc".into(), json!([]));
    m.insert("bcc".into(), json!([]));
    m.insert("subject".into(), Value::String(subject));
    m.insert("html".into(), Value::String(html));
    m.insert("attachments".into(), json!([]));
    Value::Object(m)
}

/// `modules` with `filter` on the first of them (a boundary's filter stops all of it).
fn filtered(mut modules: Vec<Module>, filter: Filter) -> Vec<Module> {
    if let Some(first) = modules.first_mut() {
        first.filter = Some(filter);
    }
    modules
}

/// A row index as a designer offset (saturating: layout only).
fn row(i: usize) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX / (2 * ROW))
}

/// The documented fallback for a condition Make's filters cannot express: the implementation of
/// the step the route leaves answers `name` (`true` or `false`).
fn fallback(result: Option<&str>, name: &str, holds: bool) -> Vec<Vec<Condition>> {
    let prefix = result.unwrap_or("1.");
    vec![vec![Condition {
        a: format!("{{{{{prefix}{name}}}}}"),
        o: "boolean:equal",
        b: Some(holds.to_string()),
    }]]
}

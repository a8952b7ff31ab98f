//! Building the public model from the internal one and the checker's analyses.
//!
//! Linear in the size of the workflow, plus the fields available at each step and at each
//! boundary (what the output lists).

use crate::ast::{self, CmpOp, PrimType};
use crate::check::{Analysis, Settings};
use crate::diagnostics::{self, Diagnostic};
use crate::ir::{
    self, ActorId, Cond, CondKind, FallbackFrom, FieldId, Guard, NodeId, ReversibilityKind, Route,
    StepId, TransitionKind, ValueKind, Workflow as Wf,
};
use crate::span::{self, LineIndex};

use super::{
    Actor, ActorKind, Approval, Comparison, Condition, Crossing, CrossingStatus, Document,
    Duration, Edge, EdgeKind, Endpoint, EndpointKind, FallbackSource, Field, Format, Inbox,
    InboxChannel, Name, Operand, PrimitiveType, Related, Reversibility, Severity, Step, Trigger,
    TriggerKind, Type, Warning, Workflow,
};

/// Builds one [`Document`] per workflow of a checked module. `file` is the path spans name;
/// `diagnostics` are the module's (their warnings go into the documents). Meant for a module
/// without error diagnostics: the IR of a workflow with errors is not defined, and
/// [`crate::compile`] does not build it.
pub fn build(
    source: &str,
    file: &str,
    module: &ir::Module,
    diagnostics: &[Diagnostic],
    settings: &Settings,
) -> Vec<Document> {
    let spans = Spans {
        source,
        file: Name::from(file),
        index: LineIndex::new(source),
    };
    // Diagnostics outside every workflow (at the file's top-level actors) go to each workflow.
    let inside = |d: &Diagnostic, wf: &Wf| {
        d.span.start() >= wf.span.start() && d.span.end() <= wf.span.end()
    };
    let shared: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| !module.workflows.iter().any(|wf| inside(d, wf)))
        .collect();
    module
        .workflows
        .iter()
        .map(|wf| {
            let analysis = Analysis::new(wf, settings);
            let mut warnings: Vec<&Diagnostic> = shared.clone();
            warnings.extend(diagnostics.iter().filter(|d| inside(d, wf)));
            diagnostics_sorted(&mut warnings);
            let names = |list: &mut dyn Iterator<Item = &String>| -> Vec<Name> {
                list.map(|n| Name::from(n.as_str())).collect()
            };
            Builder {
                a: &analysis,
                wf,
                spans: &spans,
                actors: names(&mut wf.actors.iter().map(|a| &a.name.text)),
                fields: names(&mut wf.fields.iter().map(|f| &f.name.text)),
                triggers: names(&mut wf.triggers.iter().map(|t| &t.name.text)),
                steps: names(&mut wf.steps.iter().map(|s| &s.name.text)),
            }
            .document(&warnings)
        })
        .collect()
}

fn diagnostics_sorted(list: &mut [&Diagnostic]) {
    list.sort_by_key(|d| (d.span.start(), d.span.end(), d.rule.code));
}

/// Turns byte spans into [`super::Span`]s.
struct Spans<'a> {
    source: &'a str,
    file: Name,
    index: LineIndex,
}

impl Spans<'_> {
    fn of(&self, span: span::Span) -> super::Span {
        let start = self.index.line_col(self.source, span.start());
        let end = self.index.line_col(self.source, span.end());
        let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        super::Span {
            file: Name::clone(&self.file),
            line: n(start.line),
            column: n(start.column),
            end_line: n(end.line),
            end_column: n(end.column),
        }
    }

    fn text(&self, span: span::Span) -> String {
        self.source
            .get(span.start()..span.end())
            .unwrap_or_default()
            .to_string()
    }
}

struct Builder<'a, 'b> {
    a: &'b Analysis<'a>,
    wf: &'a Wf,
    spans: &'b Spans<'b>,
    /// The names of the workflow's actors, fields, triggers and steps, by id, shared by every
    /// place that lists them.
    actors: Vec<Name>,
    fields: Vec<Name>,
    triggers: Vec<Name>,
    steps: Vec<Name>,
}

// The two questions the IR asks the context analysis (docs/language.md), in one place each.

/// The fields available on entry to a step, on every path from a trigger.
fn available_on_entry(a: &Analysis<'_>, step: StepId) -> Vec<FieldId> {
    a.context.fields_in(a.step_node(step)).collect()
}

/// The fields present at a boundary out of a step (a handoff or an escalation), in declaration
/// order: those available after the step ran, which the boundary could carry.
fn present_at_boundary(a: &Analysis<'_>, step: StepId) -> Vec<FieldId> {
    let mut fields: Vec<FieldId> = a.context.after_run(a.step_node(step)).collect();
    fields.sort_unstable();
    fields.dedup();
    fields
}

impl Builder<'_, '_> {
    fn document(&self, warnings: &[&Diagnostic]) -> Document {
        let wf = self.wf;
        let mut edges = self.edges();
        let mut fields: Vec<Field> = wf.fields.iter().map(|f| self.field(f)).collect();
        for (i, edge) in edges.iter_mut().enumerate() {
            self.crossings(i, edge, &mut fields);
        }
        // The edges each step declares, found in one pass.
        let mut escalations = vec![Vec::new(); wf.steps.len()];
        let mut else_edges = vec![None; wf.steps.len()];
        for (i, e) in edges.iter().enumerate() {
            match (e.step, e.edge.kind) {
                (Some(s), EdgeKind::Escalation) => escalations[s.index()].push(i),
                (Some(s), EdgeKind::ApprovalElse) => else_edges[s.index()] = Some(i),
                _ => {}
            }
        }
        let steps = wf
            .steps
            .iter()
            .zip(escalations)
            .zip(else_edges)
            .enumerate()
            .map(|(i, ((s, esc), else_edge))| self.step(StepId(i as u32), s, esc, else_edge))
            .collect();
        Document {
            format: Format::default(),
            workflow: Workflow {
                name: Name::from(wf.name.text.as_str()),
                title: wf.title.as_ref().map(|t| t.value.clone()),
                version: wf.version.as_ref().map(|t| t.value.clone()),
                doc: wf.doc.clone(),
                owner: self.actor_ref(wf.owner),
                customer_facing: wf.customer_facing,
                customer: wf
                    .customer
                    .and_then(|c| c.target)
                    .map(|f| self.field_name(f)),
                span: self.spans.of(wf.span),
            },
            actors: wf.actors.iter().map(|a| self.actor(a)).collect(),
            fields,
            triggers: wf.triggers.iter().map(|t| self.trigger(t)).collect(),
            steps,
            edges: edges.into_iter().map(|e| e.edge).collect(),
            warnings: warnings.iter().map(|d| self.warning(d)).collect(),
        }
    }

    fn field_name(&self, f: FieldId) -> Name {
        Name::clone(&self.fields[f.index()])
    }

    fn actor_name(&self, a: ActorId) -> Name {
        Name::clone(&self.actors[a.index()])
    }

    fn step_name(&self, s: StepId) -> Name {
        Name::clone(&self.steps[s.index()])
    }

    fn node_name(&self, n: NodeId) -> Name {
        match n {
            NodeId::Trigger(t) => Name::clone(&self.triggers[t.index()]),
            NodeId::Step(s) => self.step_name(s),
        }
    }

    fn actor_ref(&self, r: Option<ir::Ref<ActorId>>) -> Option<Name> {
        r.and_then(|r| r.target).map(|a| self.actor_name(a))
    }

    fn fields(&self, refs: &[ir::Ref<FieldId>]) -> Vec<Name> {
        refs.iter()
            .filter_map(|r| r.target)
            .map(|f| self.field_name(f))
            .collect()
    }

    fn duration(&self, d: ast::Duration) -> Duration {
        Duration {
            seconds: d.seconds,
            text: self.spans.text(d.span),
        }
    }

    fn actor(&self, a: &ir::Actor) -> Actor {
        Actor {
            name: Name::from(a.name.text.as_str()),
            kind: match a.kind {
                ast::ActorKind::Human => ActorKind::Human,
                ast::ActorKind::Team => ActorKind::Team,
                ast::ActorKind::Ai => ActorKind::Ai,
                ast::ActorKind::System => ActorKind::System,
            },
            title: a.title.as_ref().map(|t| t.value.clone()),
            doc: a.doc.clone(),
            permissions: a.can.iter().map(|c| c.name.clone()).collect(),
            fallback: self.actor_ref(a.fallback),
            members: a.members.iter().map(|m| m.value.clone()).collect(),
            inboxes: a
                .inboxes
                .iter()
                .map(|i| Inbox {
                    channel: match i.channel {
                        ast::InboxChannel::Email => InboxChannel::Email,
                        ast::InboxChannel::Slack => InboxChannel::Slack,
                    },
                    address: i.address.value.clone(),
                    span: self.spans.of(i.span),
                })
                .collect(),
            shared: a.top_level,
            span: self.spans.of(a.span),
        }
    }

    fn field(&self, f: &ir::Field) -> Field {
        Field {
            name: Name::from(f.name.text.as_str()),
            ty: ty(&f.ty),
            sensitive: f.sensitive,
            doc: f.doc.clone(),
            crossings: Vec::new(),
            span: self.spans.of(f.span),
        }
    }

    fn trigger(&self, t: &ir::Trigger) -> Trigger {
        let (kind, argument) = match &t.kind {
            ir::TriggerKind::Manual => (TriggerKind::Manual, None),
            ir::TriggerKind::Webhook(s) => (TriggerKind::Webhook, Some(s.value.clone())),
            ir::TriggerKind::Schedule(s) => (TriggerKind::Schedule, Some(s.value.clone())),
            ir::TriggerKind::Form(s) => (TriggerKind::Form, Some(s.value.clone())),
        };
        Trigger {
            name: Name::from(t.name.text.as_str()),
            kind,
            argument,
            provides: self.fields(&t.provides),
            doc: t.doc.clone(),
            span: self.spans.of(t.span),
        }
    }

    fn step(
        &self,
        id: StepId,
        s: &ir::Step,
        escalations: Vec<usize>,
        else_edge: Option<usize>,
    ) -> Step {
        Step {
            name: self.step_name(id),
            title: s.title().map(|t| t.value.clone()),
            doc: s.doc().cloned(),
            owner: self.actor_ref(s.owner).unwrap_or_default(),
            needs: self.fields(&s.needs),
            provides: self.fields(&s.provides),
            actions: s.actions().iter().map(|c| c.name.clone()).collect(),
            uses: s.uses().map(|u| u.value.clone()),
            implementation: s.uses().map_or_else(
                || format!("{}.{}", self.wf.name.text, s.name.text),
                |u| u.value.clone(),
            ),
            reversibility: s.reversibility().map(|r| {
                let (kind, by) = match r.kind {
                    ReversibilityKind::Reversible => (super::ReversibilityKind::Reversible, None),
                    ReversibilityKind::Irreversible => {
                        (super::ReversibilityKind::Irreversible, None)
                    }
                    ReversibilityKind::CompensableBy(by) => (
                        super::ReversibilityKind::Compensable,
                        by.target.map(|t| self.step_name(t)),
                    ),
                };
                Reversibility {
                    kind,
                    compensated_by: by,
                    span: self.spans.of(r.span),
                }
            }),
            approval: s.approval().map(|ap| Approval {
                approvers: ap
                    .approvers
                    .iter()
                    .filter_map(|r| r.target)
                    .map(|a| self.actor_name(a))
                    .collect(),
                within: ap.within.map(|d| self.duration(d)),
                else_step: ap
                    .else_step
                    .and_then(|r| r.target)
                    .map(|t| self.step_name(t)),
                else_edge,
                span: self.spans.of(ap.span),
            }),
            escalations,
            available_on_entry: available_on_entry(self.a, id)
                .into_iter()
                .map(|f| self.field_name(f))
                .collect(),
            span: self.spans.of(s.span),
        }
    }

    fn node(&self, n: NodeId) -> Endpoint {
        Endpoint {
            kind: match n {
                NodeId::Trigger(_) => EndpointKind::Trigger,
                NodeId::Step(_) => EndpointKind::Step,
            },
            name: self.node_name(n),
        }
    }

    fn step_end(&self, s: StepId) -> Endpoint {
        self.node(NodeId::Step(s))
    }

    /// The resolved fallback of a route: its own, else the receiver's, else the workflow owner.
    fn fallback(
        &self,
        route: &Route,
        receiver: Option<ActorId>,
    ) -> (Option<Name>, Option<FallbackSource>) {
        match self.wf.fallback_of(route.fallback, receiver) {
            Some((a, from)) => (
                Some(self.actor_name(a)),
                Some(match from {
                    FallbackFrom::Route => FallbackSource::Route,
                    FallbackFrom::Receiver => FallbackSource::Receiver,
                    FallbackFrom::WorkflowOwner => FallbackSource::WorkflowOwner,
                }),
            ),
            None => (None, None),
        }
    }

    fn route_edge(
        &self,
        kind: EdgeKind,
        source: Endpoint,
        target: Endpoint,
        route: &Route,
        receiver: Option<ActorId>,
        span: span::Span,
    ) -> Edge {
        let (fallback, fallback_from) = self.fallback(route, receiver);
        Edge {
            kind,
            source,
            target,
            condition: None,
            otherwise: false,
            carries: self.fields(&route.carries),
            dropped: Vec::new(),
            sla: route.sla.map(|d| self.duration(d)),
            fallback,
            fallback_from,
            notify: route.notify.as_ref().map(|n| n.value.clone()),
            reason: route.reason.as_ref().map(|r| r.value.clone()),
            doc: None,
            span: self.spans.of(span),
        }
    }

    fn plain_edge(
        &self,
        kind: EdgeKind,
        source: Endpoint,
        target: Endpoint,
        span: span::Span,
    ) -> Edge {
        Edge {
            kind,
            source,
            target,
            condition: None,
            otherwise: false,
            carries: Vec::new(),
            dropped: Vec::new(),
            sla: None,
            fallback: None,
            fallback_from: None,
            notify: None,
            reason: None,
            doc: None,
            span: self.spans.of(span),
        }
    }

    /// Every edge, in source order, with what the crossings need to know.
    fn edges(&self) -> Vec<Built> {
        let wf = self.wf;
        let mut out: Vec<(usize, Built)> = Vec::new();
        for t in &wf.transitions {
            let Some((from, to)) = t.ends() else { continue };
            let NodeId::Step(to_step) = to else { continue };
            let mut edge = match t.kind {
                TransitionKind::Flow => {
                    let mut e =
                        self.plain_edge(EdgeKind::Flow, self.node(from), self.node(to), t.span);
                    e.doc = t.doc().cloned();
                    e
                }
                TransitionKind::Handoff => {
                    let receiver = wf.step(to_step).owner.and_then(|o| o.target);
                    self.route_edge(
                        EdgeKind::Handoff,
                        self.node(from),
                        self.node(to),
                        t.route(),
                        receiver,
                        t.span,
                    )
                }
            };
            edge.doc = t.doc().cloned();
            match &t.guard {
                Guard::Always => {}
                Guard::When(c) => edge.condition = Some(self.condition(c)),
                Guard::Otherwise(_) => edge.otherwise = true,
            }
            let boundary = match (t.kind, from) {
                (TransitionKind::Handoff, NodeId::Step(s)) => Some(s),
                _ => None,
            };
            out.push((
                t.span.start(),
                Built {
                    edge,
                    step: None,
                    boundary,
                    route: (t.kind == TransitionKind::Handoff).then(|| t.route().clone()),
                },
            ));
        }
        for (i, s) in wf.steps.iter().enumerate() {
            let id = StepId(i as u32);
            if let Some(ap) = s.approval() {
                if let Some(target) = ap.else_step.and_then(|r| r.target) {
                    out.push((
                        ap.span.start(),
                        Built {
                            edge: self.plain_edge(
                                EdgeKind::ApprovalElse,
                                self.step_end(id),
                                self.step_end(target),
                                ap.span,
                            ),
                            step: Some(id),
                            boundary: None,
                            route: None,
                        },
                    ));
                }
            }
            for esc in s.escalations() {
                let Some(target) = esc.target.target else {
                    continue;
                };
                let mut edge = self.route_edge(
                    EdgeKind::Escalation,
                    self.step_end(id),
                    Endpoint {
                        kind: EndpointKind::Actor,
                        name: self.actor_name(target),
                    },
                    &esc.route,
                    Some(target),
                    esc.span,
                );
                edge.condition = Some(self.condition(&esc.condition));
                out.push((
                    esc.span.start(),
                    Built {
                        edge,
                        step: Some(id),
                        boundary: Some(id),
                        route: Some(esc.route.clone()),
                    },
                ));
            }
            if let Some(r) = s.reversibility() {
                if let ReversibilityKind::CompensableBy(by) = r.kind {
                    if let Some(target) = by.target.filter(|t| *t != id) {
                        out.push((
                            r.span.start(),
                            Built {
                                edge: self.plain_edge(
                                    EdgeKind::Compensation,
                                    self.step_end(id),
                                    self.step_end(target),
                                    r.span,
                                ),
                                step: Some(id),
                                boundary: None,
                                route: None,
                            },
                        ));
                    }
                }
            }
        }
        // Stable: the links of one chain share its start and keep their order.
        out.sort_by_key(|(start, _)| *start);
        out.into_iter().map(|(_, b)| b).collect()
    }

    /// Fills the `dropped` list of a boundary edge and the `crossings` of the fields it meets:
    /// linear in the fields it carries and the fields present at its source.
    fn crossings(&self, index: usize, built: &mut Built, fields: &mut [Field]) {
        let (Some(step), Some(route)) = (built.boundary, &built.route) else {
            return;
        };
        let mut carried: Vec<FieldId> = route.carries.iter().filter_map(|r| r.target).collect();
        carried.sort_unstable();
        let mut met: Vec<(FieldId, CrossingStatus)> = carried
            .iter()
            .map(|&f| (f, CrossingStatus::Carried))
            .collect();
        met.extend(
            present_at_boundary(self.a, step)
                .into_iter()
                .filter(|f| carried.binary_search(f).is_err())
                .map(|f| (f, CrossingStatus::Dropped)),
        );
        met.sort_by_key(|(f, _)| *f);
        for (f, status) in met {
            if status == CrossingStatus::Dropped {
                built.edge.dropped.push(self.field_name(f));
            }
            fields[f.index()].crossings.push(Crossing {
                edge: index,
                status,
            });
        }
    }

    fn condition(&self, c: &Cond) -> Condition {
        let span = self.spans.of(c.span);
        match &c.kind {
            CondKind::Or(parts) => Condition::Or {
                operands: parts.iter().map(|p| self.condition(p)).collect(),
                span,
            },
            CondKind::And(parts) => Condition::And {
                operands: parts.iter().map(|p| self.condition(p)).collect(),
                span,
            },
            CondKind::Not(inner) => Condition::Not {
                operand: Box::new(self.condition(inner)),
                span,
            },
            CondKind::Compare(l, op, r) => Condition::Compare {
                left: self.operand(l),
                operator: match op {
                    CmpOp::Eq => Comparison::Eq,
                    CmpOp::Ne => Comparison::Ne,
                    CmpOp::Lt => Comparison::Lt,
                    CmpOp::Le => Comparison::Le,
                    CmpOp::Gt => Comparison::Gt,
                    CmpOp::Ge => Comparison::Ge,
                },
                right: self.operand(r),
                span,
            },
            CondKind::In(l, items) => Condition::In {
                left: self.operand(l),
                set: items.iter().map(|i| self.operand(i)).collect(),
                span,
            },
            CondKind::Bare(v) => Condition::Value {
                operand: self.operand(v),
                span,
            },
        }
    }

    fn operand(&self, v: &ir::Value) -> Operand {
        let span = self.spans.of(v.span);
        match &v.kind {
            ValueKind::Field(f) => Operand::Field {
                name: f.map_or_else(
                    || Name::from(self.spans.text(v.span)),
                    |f| self.field_name(f),
                ),
                span,
            },
            ValueKind::Member(m) => Operand::Member {
                name: m.to_string(),
                span,
            },
            ValueKind::Number(n) => Operand::Number {
                value: n.is_finite().then_some(*n),
                text: self.spans.text(v.span),
                span,
            },
            ValueKind::String(s) => Operand::String {
                value: s.to_string(),
                span,
            },
            ValueKind::Duration(seconds) => Operand::Duration {
                seconds: *seconds,
                text: self.spans.text(v.span),
                span,
            },
            ValueKind::Bool(b) => Operand::Bool { value: *b, span },
            ValueKind::Confidence => Operand::Confidence { span },
            ValueKind::Attempts => Operand::Attempts { span },
            ValueKind::Elapsed => Operand::Elapsed { span },
        }
    }

    fn warning(&self, d: &Diagnostic) -> Warning {
        Warning {
            code: d.rule.code.to_string(),
            name: d.rule.name.to_string(),
            severity: match d.severity {
                diagnostics::Severity::Warning => Severity::Warning,
                diagnostics::Severity::Error => Severity::Error,
            },
            message: d.message.clone(),
            label: d.label.clone(),
            span: self.spans.of(d.span),
            related: d
                .related
                .iter()
                .map(|l| Related {
                    message: l.message.clone(),
                    span: self.spans.of(l.span),
                })
                .collect(),
            help: d.help.clone(),
        }
    }
}

/// An edge being built, with what the crossings need.
struct Built {
    edge: Edge,
    /// The step whose item declares it (approval `else`, escalation, compensation).
    step: Option<StepId>,
    /// For handoffs out of a step and escalations: the step at the boundary.
    boundary: Option<StepId>,
    /// For handoffs and escalations: what the route carries.
    route: Option<Route>,
}

/// A field type, iteratively: a deeply nested `list<…>` cannot overflow the stack here.
fn ty(t: &ir::Type) -> Type {
    let mut depth = 0;
    let mut inner = t;
    while let ir::Type::List(item) = inner {
        depth += 1;
        inner = item;
    }
    let mut out = match inner {
        ir::Type::Prim(p) => Type::Primitive { name: prim(*p) },
        ir::Type::Enum(members) => Type::Enum {
            members: members.iter().map(|m| m.text.clone()).collect(),
        },
        ir::Type::List(_) => Type::Enum {
            members: Vec::new(),
        },
    };
    for _ in 0..depth {
        out = Type::List {
            item: Box::new(out),
        };
    }
    out
}

fn prim(p: PrimType) -> PrimitiveType {
    match p {
        PrimType::Text => PrimitiveType::Text,
        PrimType::Number => PrimitiveType::Number,
        PrimType::Bool => PrimitiveType::Bool,
        PrimType::Email => PrimitiveType::Email,
        PrimType::Url => PrimitiveType::Url,
        PrimType::Date => PrimitiveType::Date,
        PrimType::Datetime => PrimitiveType::Datetime,
        PrimType::Duration => PrimitiveType::Duration,
        PrimType::Money => PrimitiveType::Money,
        PrimType::Summary => PrimitiveType::Summary,
    }
}

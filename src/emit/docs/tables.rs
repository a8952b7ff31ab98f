//! The tables of a page: handoffs, context dictionary, actors, reversibility and diagnostics.
//! Every cell goes through [`escape::markdown`] (or [`escape::code`] for identifiers).
//!
//! **Invariant:** each table is built in one pass over the workflow's tables plus the output
//! it prints (the dropped fields of a route are a set difference over the fields available at
//! its source).

use crate::check::{Analysis, RouteOrigin};
use crate::diagnostics::Diagnostic;
use crate::ir::{ActorId, FieldId, NodeId, ReversibilityKind, StepId};
use crate::span::LineIndex;

use super::escape::{code, markdown, with_code_spans};
use super::text;

const NONE: &str = "—";

fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

fn header(cells: &[&str]) -> String {
    let mut out = format!("| {} |\n|", cells.join(" | "));
    for _ in cells {
        out.push_str("---|");
    }
    out.push('\n');
    out
}

fn codes<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let list: Vec<String> = names.into_iter().map(code).collect();
    if list.is_empty() {
        NONE.to_string()
    } else {
        list.join(", ")
    }
}

fn or_none(text: String) -> String {
    if text.is_empty() {
        NONE.to_string()
    } else {
        text
    }
}

/// The fields available where work leaves `step` along a handoff or an escalation (§4), read
/// through the context analysis so that the docs follow any change to its semantics.
pub fn available_at_source(a: &Analysis<'_>, step: StepId) -> Vec<FieldId> {
    let mut fields: Vec<FieldId> = a.context.after_run(a.step_node(step)).collect();
    fields.sort_unstable();
    fields.dedup();
    fields
}

/// One handoff or escalation, resolved for the tables.
pub struct RouteRow {
    pub kind: &'static str,
    pub from: String,
    pub to: String,
    pub from_owner: Option<ActorId>,
    pub to_owner: Option<ActorId>,
    pub carried: Vec<FieldId>,
    pub dropped: Vec<FieldId>,
    pub sla: Option<String>,
    /// Markdown: the route's fallback, or the receiver's.
    pub fallback: String,
    pub notify: Option<String>,
    pub reason: Option<String>,
}

/// Every handoff and escalation of the workflow, in source order.
pub fn routes(a: &Analysis<'_>, source: &str) -> Vec<RouteRow> {
    let wf = a.wf;
    let mut marker = vec![false; wf.fields.len()];
    a.routes()
        .iter()
        .map(|r| {
            let (kind, from, to, to_owner) = match r.origin {
                RouteOrigin::Handoff(t) => {
                    let t = &wf.transitions[t.index()];
                    let to =
                        t.to.target
                            .map_or(String::new(), |n| wf.node_name(n).into());
                    let to_owner = match t.to.target {
                        Some(NodeId::Step(s)) => wf.step(s).owner.and_then(|o| o.target),
                        _ => None,
                    };
                    let from = t
                        .from
                        .target
                        .map_or(String::new(), |n| wf.node_name(n).into());
                    ("handoff", from, to, to_owner)
                }
                RouteOrigin::Escalation(s, i) => {
                    let esc = &wf.step(s).escalations()[i];
                    let to = esc
                        .target
                        .target
                        .map_or(String::new(), |x| wf.actor(x).name.text.clone());
                    (
                        "escalation",
                        wf.step(s).name.text.clone(),
                        to,
                        esc.target.target,
                    )
                }
            };
            let carried: Vec<FieldId> = r.route.carries.iter().filter_map(|c| c.target).collect();
            for &f in &carried {
                marker[f.index()] = true;
            }
            let dropped: Vec<FieldId> = r
                .source
                .map(|s| available_at_source(a, s))
                .unwrap_or_default()
                .into_iter()
                .filter(|f| !marker[f.index()])
                .collect();
            for &f in &carried {
                marker[f.index()] = false;
            }
            let fallback = match (r.route.fallback.and_then(|f| f.target), r.receiver) {
                (Some(f), _) => code(&wf.actor(f).name.text),
                (None, Some(rec)) => match rec.fallback.and_then(|f| f.target) {
                    Some(f) => format!(
                        "{} (fallback of {})",
                        code(&wf.actor(f).name.text),
                        code(&rec.name.text)
                    ),
                    None => String::new(),
                },
                (None, None) => String::new(),
            };
            RouteRow {
                kind,
                from,
                to,
                from_owner: r
                    .source
                    .and_then(|s| wf.step(s).owner.and_then(|o| o.target)),
                to_owner,
                carried,
                dropped,
                sla: r.route.sla.map(|d| text::duration(source, d)),
                fallback,
                notify: r.route.notify.as_ref().map(|n| n.value.clone()),
                reason: r.route.reason.as_ref().map(|n| n.value.clone()),
            }
        })
        .collect()
}

/// The handoff table.
pub fn handoffs(a: &Analysis<'_>, rows: &[RouteRow]) -> String {
    if rows.is_empty() {
        return String::from("No handoffs or escalations: one owner does all the work.\n");
    }
    let wf = a.wf;
    let actor = |id: Option<ActorId>| id.map_or(NONE.to_string(), |x| code(&wf.actor(x).name.text));
    let fields = |f: &[FieldId]| codes(f.iter().map(|&f| a.field_name(f)));
    let mut out = header(&[
        "Kind",
        "From → to",
        "From owner",
        "To owner",
        "Carried",
        "Dropped",
        "SLA",
        "Fallback",
        "Customer notice",
        "Reason",
    ]);
    for r in rows {
        out.push_str(&row(&[
            r.kind.to_string(),
            format!("{} → {}", code(&r.from), code(&r.to)),
            actor(r.from_owner),
            actor(r.to_owner),
            fields(&r.carried),
            fields(&r.dropped),
            r.sla.clone().unwrap_or_else(|| NONE.to_string()),
            or_none(r.fallback.clone()),
            r.notify.as_deref().map_or(NONE.to_string(), markdown),
            r.reason.as_deref().map_or(NONE.to_string(), markdown),
        ]));
    }
    out
}

/// The context dictionary.
pub fn context(a: &Analysis<'_>, rows: &[RouteRow]) -> String {
    let wf = a.wf;
    if wf.fields.is_empty() {
        return String::from("The workflow declares no context fields.\n");
    }
    let n = wf.fields.len();
    let mut provided: Vec<Vec<&str>> = vec![Vec::new(); n];
    let mut needed: Vec<Vec<&str>> = vec![Vec::new(); n];
    let mut crosses: Vec<Vec<String>> = vec![Vec::new(); n];
    let mut dropped: Vec<Vec<String>> = vec![Vec::new(); n];
    for t in &wf.triggers {
        for f in t.provides.iter().filter_map(|r| r.target) {
            provided[f.index()].push(&t.name.text);
        }
    }
    for s in &wf.steps {
        for f in s.provides.iter().filter_map(|r| r.target) {
            provided[f.index()].push(&s.name.text);
        }
        for f in s.needs.iter().filter_map(|r| r.target) {
            needed[f.index()].push(&s.name.text);
        }
    }
    for r in rows {
        let at = format!("{} → {}", code(&r.from), code(&r.to));
        for f in &r.carried {
            crosses[f.index()].push(at.clone());
        }
        for f in &r.dropped {
            dropped[f.index()].push(at.clone());
        }
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            NONE.to_string()
        } else {
            v.join(", ")
        }
    };
    let mut out = header(&[
        "Field",
        "Type",
        "Sensitivity",
        "Doc",
        "Provided by",
        "Needed by",
        "Crosses at",
        "Dropped at",
    ]);
    for (i, f) in wf.fields.iter().enumerate() {
        out.push_str(&row(&[
            code(&f.name.text),
            markdown(&f.ty.to_string()),
            if f.sensitive {
                "**sensitive**"
            } else {
                "normal"
            }
            .to_string(),
            f.doc.as_deref().map_or(NONE.to_string(), markdown),
            codes(provided[i].iter().copied()),
            codes(needed[i].iter().copied()),
            list(&crosses[i]),
            list(&dropped[i]),
        ]));
    }
    out
}

/// The actors table.
pub fn actors(a: &Analysis<'_>) -> String {
    let wf = a.wf;
    let n = wf.actors.len();
    let mut owns: Vec<Vec<&str>> = vec![Vec::new(); n];
    let mut approves: Vec<Vec<&str>> = vec![Vec::new(); n];
    let mut escalated: Vec<Vec<&str>> = vec![Vec::new(); n];
    for s in &wf.steps {
        if let Some(o) = s.owner.and_then(|o| o.target) {
            owns[o.index()].push(&s.name.text);
        }
        if let Some(ap) = &s.approval() {
            for x in ap.approvers.iter().filter_map(|r| r.target) {
                approves[x.index()].push(&s.name.text);
            }
        }
        for e in s.escalations() {
            if let Some(x) = e.target.target {
                escalated[x.index()].push(&s.name.text);
            }
        }
    }
    let mut out = header(&[
        "Actor",
        "Kind",
        "Title",
        "Permissions",
        "Inboxes",
        "Owns",
        "Approves",
        "Escalated from",
        "Fallback",
    ]);
    for (i, actor) in wf.actors.iter().enumerate() {
        let inboxes: Vec<String> = actor
            .inboxes
            .iter()
            .map(|b| format!("{} {}", b.channel.keyword(), markdown(&b.address.value)))
            .collect();
        let mut title = actor
            .title
            .as_ref()
            .map_or(String::new(), |t| markdown(&t.value));
        if !actor.members.is_empty() {
            let members: Vec<String> = actor.members.iter().map(|m| markdown(&m.value)).collect();
            if !title.is_empty() {
                title.push_str("<br>");
            }
            title.push_str(&format!("members: {}", members.join(", ")));
        }
        out.push_str(&row(&[
            code(&actor.name.text),
            actor.kind.keyword().to_string(),
            or_none(title),
            codes(actor.can.iter().map(|c| c.name.as_str())),
            or_none(inboxes.join("<br>")),
            codes(owns[i].iter().copied()),
            codes(approves[i].iter().copied()),
            codes(escalated[i].iter().copied()),
            actor
                .fallback
                .and_then(|f| f.target)
                .map_or(NONE.to_string(), |f| code(&wf.actor(f).name.text)),
        ]));
    }
    out
}

/// The reversibility table: every step with an `action`.
pub fn reversibility(a: &Analysis<'_>, source: &str) -> String {
    let wf = a.wf;
    let mut out = String::new();
    for s in wf.steps.iter().filter(|s| !s.actions().is_empty()) {
        if out.is_empty() {
            out = header(&[
                "Step",
                "Actions",
                "Class",
                "Approval chain or compensation",
                "Implementation",
            ]);
        }
        let (class, guard) = match s.reversibility().map(|r| r.kind) {
            Some(ReversibilityKind::Reversible) => ("reversible", String::new()),
            Some(ReversibilityKind::Irreversible) => ("**irreversible**", String::new()),
            Some(ReversibilityKind::CompensableBy(r)) => (
                "compensable",
                r.target.map_or(String::new(), |c| {
                    format!("undone by {}", code(&wf.step(c).name.text))
                }),
            ),
            None => ("undeclared", String::new()),
        };
        let mut chain = guard;
        if let Some(ap) = &s.approval() {
            let approvers: Vec<String> = ap
                .approvers
                .iter()
                .filter_map(|r| r.target)
                .map(|x| code(&wf.actor(x).name.text))
                .collect();
            if !chain.is_empty() {
                chain.push_str("; ");
            }
            chain.push_str(&format!("approved by {}", approvers.join(" then ")));
            if let Some(w) = ap.within {
                chain.push_str(&format!(" within {}", text::duration(source, w)));
            }
            if let Some(e) = ap.else_step.and_then(|r| r.target) {
                chain.push_str(&format!(", else {}", code(&wf.step(e).name.text)));
            }
        }
        let implementation = match &s.uses() {
            Some(u) => markdown(&u.value),
            None => code(&format!("{}.{}", wf.name.text, s.name.text)),
        };
        out.push_str(&row(&[
            code(&s.name.text),
            codes(s.actions().iter().map(|c| c.name.as_str())),
            class.to_string(),
            or_none(chain),
            implementation,
        ]));
    }
    if out.is_empty() {
        out.push_str("No step has an `action`.\n");
    }
    out
}

/// The diagnostics table.
pub fn diagnostics(source: &str, diagnostics: &[&Diagnostic]) -> String {
    if diagnostics.is_empty() {
        return String::from("`handoff check` reports nothing on this workflow.\n");
    }
    let index = LineIndex::new(source);
    let mut out = header(&["Code", "Severity", "Line", "Message", "Fix"]);
    for d in diagnostics {
        out.push_str(&row(&[
            format!("`{}`", d.code()),
            d.severity.as_str().to_string(),
            index.line_col(source, d.span.start()).line.to_string(),
            with_code_spans(&d.message),
            with_code_spans(&d.help),
        ]));
    }
    out
}

//! What the diagrams show, independent of their syntax: lanes, nodes and edges with their
//! labels as plain text. Mermaid and DOT render the same view, so they never disagree.
//!
//! **Invariants:** node and lane ids are indices, never text from the source; the view is built
//! in one pass over the workflow's tables (linear); labels are short (see [`LABEL_MAX`]).

use crate::ast::ActorKind;
use crate::check::Analysis;
use crate::ir::{ActorId, Guard, NodeId, ReversibilityKind, TransitionKind};

use super::escape::shorten;
use super::text;

/// The longest label text taken from one piece of source text, in characters.
pub const LABEL_MAX: usize = 80;
/// How many field names an edge label lists before `+N more`.
pub const FIELDS_MAX: usize = 6;

/// What a node stands for; it decides the shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Trigger,
    /// A step, by the kind of its owner (`None`: no owner resolved).
    Step(Option<ActorKind>),
    /// The approval gate in front of a step.
    Approval,
    /// Where an escalation lands with its target.
    Escalation,
}

/// A node of the diagram.
#[derive(Clone, Debug)]
pub struct Node {
    /// Short, ASCII, unique in the diagram: `t0`, `s3`, `g3`, `e5`.
    pub id: String,
    /// What the node is called in references to it from another part: an identifier.
    pub name: String,
    /// Nodes with the same group are kept together when a diagram is split: a trigger's own
    /// index, or the triggers' count plus the step's index for a step, its approval gate and
    /// its escalations.
    pub group: usize,
    pub shape: Shape,
    /// Lines of plain text.
    pub lines: Vec<String>,
    /// The lane (index into [`View::lanes`]), `None` for triggers.
    pub lane: Option<usize>,
    pub irreversible: bool,
}

/// How an edge is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeStyle {
    /// A `flow`: the owner keeps the work.
    Flow,
    /// A `handoff`: the work changes hands.
    Handoff,
    /// An escalation, an approval's `else` route or a compensation: the exception paths.
    Exception,
}

/// An edge of the diagram, between indices into [`View::nodes`].
#[derive(Clone, Debug)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub style: EdgeStyle,
    /// Lines of plain text (empty: no label).
    pub lines: Vec<String>,
}

/// A lane: the steps of one owner.
#[derive(Clone, Debug)]
pub struct Lane {
    pub title: String,
}

/// The whole picture of one workflow.
#[derive(Clone, Debug, Default)]
pub struct View {
    pub lanes: Vec<Lane>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// The lane title of an actor: name, kind and title.
fn lane_title(a: &Analysis<'_>, id: ActorId) -> String {
    let actor = a.actor(id);
    let mut title = format!("{} · {}", actor.name.text, actor.kind.keyword());
    if let Some(t) = &actor.title {
        title.push_str(" · ");
        title.push_str(&shorten(&t.value, LABEL_MAX));
    }
    title
}

/// Field names, at most [`FIELDS_MAX`] of them, then how many more.
fn field_list(a: &Analysis<'_>, fields: &[crate::ir::Ref<crate::ir::FieldId>]) -> String {
    let names: Vec<&str> = fields
        .iter()
        .filter_map(|r| r.target)
        .map(|f| a.field_name(f))
        .collect();
    let mut out = names
        .iter()
        .take(FIELDS_MAX)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > FIELDS_MAX {
        out.push_str(&format!(" +{} more", names.len() - FIELDS_MAX));
    }
    out
}

/// Builds the view of one workflow.
pub fn build(a: &Analysis<'_>, source: &str) -> View {
    let wf = a.wf;
    let mut view = View::default();
    // Lanes in order of first appearance among the steps, then escalation and approval targets.
    let mut lane_of: Vec<Option<usize>> = vec![None; wf.actors.len()];
    let mut lane = |view: &mut View, id: ActorId| -> usize {
        if let Some(l) = lane_of[id.index()] {
            return l;
        }
        view.lanes.push(Lane {
            title: lane_title(a, id),
        });
        lane_of[id.index()] = Some(view.lanes.len() - 1);
        view.lanes.len() - 1
    };
    let mut no_owner_lane: Option<usize> = None;

    for (i, t) in wf.triggers.iter().enumerate() {
        let kind = match &t.kind {
            crate::ir::TriggerKind::Manual => String::from("manual"),
            crate::ir::TriggerKind::Webhook(s) => {
                format!("webhook {}", shorten(&s.value, LABEL_MAX))
            }
            crate::ir::TriggerKind::Schedule(s) => {
                format!("schedule {}", shorten(&s.value, LABEL_MAX))
            }
            crate::ir::TriggerKind::Form(s) => format!("form {}", shorten(&s.value, LABEL_MAX)),
        };
        view.nodes.push(Node {
            id: format!("t{i}"),
            name: t.name.text.clone(),
            group: i,
            shape: Shape::Trigger,
            lines: vec![format!("▶ {}", t.name.text), kind],
            lane: None,
            irreversible: false,
        });
    }
    let step_base = view.nodes.len();
    for (i, step) in wf.steps.iter().enumerate() {
        let owner = step.owner.and_then(|o| o.target);
        let l = match owner {
            Some(id) => lane(&mut view, id),
            None => *no_owner_lane.get_or_insert_with(|| {
                view.lanes.push(Lane {
                    title: String::from("no owner"),
                });
                view.lanes.len() - 1
            }),
        };
        let irreversible = matches!(
            step.reversibility().map(|r| r.kind),
            Some(ReversibilityKind::Irreversible)
        );
        let mut lines = Vec::new();
        if let Some(title) = &step.title() {
            lines.push(shorten(&title.value, LABEL_MAX));
        }
        lines.push(step.name.text.clone());
        if irreversible {
            lines.push(String::from("⚠ irreversible"));
        } else if let Some(ReversibilityKind::CompensableBy(r)) =
            step.reversibility().map(|r| r.kind)
        {
            if let Some(c) = r.target {
                lines.push(format!("↺ undone by {}", wf.step(c).name.text));
            }
        }
        view.nodes.push(Node {
            id: format!("s{i}"),
            name: step.name.text.clone(),
            group: step_base + i,
            shape: Shape::Step(owner.map(|o| a.actor(o).kind)),
            lines,
            lane: Some(l),
            irreversible,
        });
    }
    // Approval gates: edges into an approved step go to its gate.
    let mut gate_of: Vec<Option<usize>> = vec![None; wf.steps.len()];
    for (i, step) in wf.steps.iter().enumerate() {
        let Some(approval) = &step.approval() else {
            continue;
        };
        let approvers: Vec<&str> = approval
            .approvers
            .iter()
            .filter_map(|r| r.target)
            .map(|id| a.actor(id).name.text.as_str())
            .collect();
        let l = approval
            .approvers
            .iter()
            .find_map(|r| r.target)
            .map_or(view.nodes[step_base + i].lane, |id| {
                Some(lane(&mut view, id))
            });
        let mut lines = vec![format!("approve {}?", step.name.text)];
        lines.push(format!("by {}", approvers.join(" then ")));
        if let Some(w) = approval.within {
            lines.push(format!("within {}", text::duration(source, w)));
        }
        view.nodes.push(Node {
            id: format!("g{i}"),
            name: format!("approval of {}", step.name.text),
            group: step_base + i,
            shape: Shape::Approval,
            lines,
            lane: l,
            irreversible: false,
        });
        let gate = view.nodes.len() - 1;
        gate_of[i] = Some(gate);
        view.edges.push(Edge {
            from: gate,
            to: step_base + i,
            style: EdgeStyle::Flow,
            lines: vec![String::from("approved")],
        });
        if let Some(target) = approval.else_step.and_then(|r| r.target) {
            view.edges.push(Edge {
                from: gate,
                to: step_base + target.index(),
                style: EdgeStyle::Exception,
                lines: vec![String::from("rejected or no answer")],
            });
        }
    }
    let node_index = |n: NodeId| match n {
        NodeId::Trigger(t) => t.index(),
        NodeId::Step(s) => step_base + s.index(),
    };
    let entry = |n: NodeId| match n {
        NodeId::Step(s) => gate_of[s.index()].unwrap_or(step_base + s.index()),
        NodeId::Trigger(t) => t.index(),
    };
    for t in &wf.transitions {
        let Some((from, to)) = t.ends() else { continue };
        let mut lines = Vec::new();
        match &t.guard {
            Guard::Always => {}
            Guard::When(c) => lines.push(format!(
                "when {}",
                shorten(&text::condition(a.wf, c), LABEL_MAX)
            )),
            Guard::Otherwise(_) => lines.push(String::from("otherwise")),
        }
        let style = match t.kind {
            TransitionKind::Flow => EdgeStyle::Flow,
            TransitionKind::Handoff => {
                let route = t.route();
                if !route.carries.is_empty() {
                    lines.push(format!("carries {}", field_list(a, &route.carries)));
                }
                if let Some(sla) = route.sla {
                    lines.push(format!("SLA {}", text::duration(source, sla)));
                }
                EdgeStyle::Handoff
            }
        };
        view.edges.push(Edge {
            from: node_index(from),
            to: entry(to),
            style,
            lines,
        });
    }
    for (i, step) in wf.steps.iter().enumerate() {
        if let Some(ReversibilityKind::CompensableBy(r)) = step.reversibility().map(|r| r.kind) {
            if let Some(c) = r.target {
                view.edges.push(Edge {
                    from: step_base + i,
                    to: step_base + c.index(),
                    style: EdgeStyle::Exception,
                    lines: vec![String::from("undo")],
                });
            }
        }
        for (k, esc) in step.escalations().iter().enumerate() {
            let Some(target) = esc.target.target else {
                continue;
            };
            let l = lane(&mut view, target);
            let mut lines = vec![format!("escalated from {}", step.name.text)];
            lines.push(format!("to {}", a.actor(target).name.text));
            view.nodes.push(Node {
                id: format!("e{i}x{k}"),
                name: format!("escalation of {}", step.name.text),
                group: step_base + i,
                shape: Shape::Escalation,
                lines,
                lane: Some(l),
                irreversible: false,
            });
            let mut lines = vec![format!(
                "escalate when {}",
                shorten(&text::condition(a.wf, &esc.condition), LABEL_MAX)
            )];
            if !esc.route.carries.is_empty() {
                lines.push(format!("carries {}", field_list(a, &esc.route.carries)));
            }
            if let Some(sla) = esc.route.sla {
                lines.push(format!("SLA {}", text::duration(source, sla)));
            }
            view.edges.push(Edge {
                from: step_base + i,
                to: view.nodes.len() - 1,
                style: EdgeStyle::Exception,
                lines,
            });
        }
    }
    view
}

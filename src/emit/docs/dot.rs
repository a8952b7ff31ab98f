//! The Graphviz (DOT) rendering of the same view as the Mermaid diagram: one `cluster` per lane,
//! shapes by kind of owner, bold edges for handoffs, dashed ones for exception paths.
//!
//! Node ids are the view's generated ids, quoted; every label is a quoted string escaped by
//! [`super::escape::dot`]. Graphviz has no size limit worth splitting for, so there is one graph.

use super::escape;
use super::view::{EdgeStyle, Shape, View};

fn label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| escape::dot(l))
        .collect::<Vec<_>>()
        .join("\\n")
}

fn node(view: &View, i: usize) -> String {
    let n = &view.nodes[i];
    let (shape, fill) = match n.shape {
        Shape::Trigger => ("oval", "#eef6ee"),
        Shape::Step(Some(crate::ast::ActorKind::Human)) => {
            ("box\", style=\"rounded,filled", "#fff4e0")
        }
        Shape::Step(Some(crate::ast::ActorKind::Team)) => ("box3d", "#fff4e0"),
        Shape::Step(Some(crate::ast::ActorKind::Ai)) => ("hexagon", "#e8efff"),
        Shape::Step(Some(crate::ast::ActorKind::System)) => ("cylinder", "#eeeeee"),
        Shape::Step(None) => ("box", "#eeeeee"),
        Shape::Approval => ("diamond", "#fdf7d0"),
        Shape::Escalation => ("cds", "#fde8e8"),
    };
    let mut attrs = format!(
        "label=\"{}\", shape=\"{shape}\", fillcolor=\"{fill}\"",
        label(&n.lines)
    );
    if !matches!(n.shape, Shape::Step(Some(crate::ast::ActorKind::Human))) {
        attrs.push_str(", style=\"filled\"");
    }
    if n.irreversible {
        attrs.push_str(", color=\"#c0392b\", penwidth=3");
    }
    format!("\"{}\" [{attrs}];", n.id)
}

/// The view as a DOT digraph.
pub fn render(view: &View) -> String {
    let mut out = String::from(
        "digraph workflow {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    let mut by_lane: Vec<Vec<usize>> = vec![Vec::new(); view.lanes.len()];
    for (i, n) in view.nodes.iter().enumerate() {
        match n.lane {
            Some(l) => by_lane[l].push(i),
            None => out.push_str(&format!("  {}\n", node(view, i))),
        }
    }
    for (l, members) in by_lane.iter().enumerate() {
        if members.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "  subgraph \"cluster_{l}\" {{\n    label=\"{}\";\n    style=\"rounded\";\n    color=\"#888888\";\n",
            escape::dot(&view.lanes[l].title)
        ));
        for &i in members {
            out.push_str(&format!("    {}\n", node(view, i)));
        }
        out.push_str("  }\n");
    }
    for e in &view.edges {
        let style = match e.style {
            EdgeStyle::Flow => "solid\", penwidth=\"1",
            EdgeStyle::Handoff => "bold\", penwidth=\"2.5",
            EdgeStyle::Exception => "dashed\", penwidth=\"1",
        };
        out.push_str(&format!(
            "  \"{}\" -> \"{}\" [style=\"{style}\", label=\"{}\"];\n",
            view.nodes[e.from].id,
            view.nodes[e.to].id,
            label(&e.lines)
        ));
    }
    out.push_str("}\n");
    out
}

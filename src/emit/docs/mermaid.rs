//! The Mermaid flowchart: one global direction, one `subgraph` per lane, shapes by kind of
//! owner, thick arrows for handoffs, dotted ones for exception paths.
//!
//! Ids are generated (`t0`, `s3`, `g3`, `e3x0`, lanes `lane0`) and never come from the source,
//! so a step called `end`, `graph`, `subgraph`, `click`, `style` or `class` only ever appears
//! inside a quoted, escaped label. Every label is quoted and escaped with Mermaid's entity
//! codes ([`super::escape::mermaid`]).
//!
//! Mermaid refuses a diagram above `maxTextSize` (50,000 characters) or `maxEdges` (500) by
//! default. When the whole diagram is above either, [`diagrams`] splits it into parts cut in
//! source order, each well under both limits; an edge to a node of another part ends at a
//! small reference node naming it and its part.
//!
//! **Invariants:** output is deterministic; building every part is linear in the view (each
//! node and edge is rendered once and placed once).

use super::escape;
use super::view::{EdgeStyle, Shape, View};

/// Mermaid's default `maxTextSize`.
pub const MAX_TEXT: usize = 50_000;
/// Mermaid's default `maxEdges`.
pub const MAX_EDGES: usize = 500;
/// The text budget of one part: the limit less room for lane headers and reference nodes.
const PART_TEXT: usize = 30_000;
/// The edge budget of one part.
const PART_EDGES: usize = 300;
/// The text of a lane beyond its `subgraph` line: `end` and its `style` line.
const LANE_EXTRA: usize = 40 + LANE_STYLE.len();

/// One diagram of a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagram {
    /// `None` for the whole workflow; for a part, what it covers.
    pub title: Option<String>,
    pub text: String,
    /// How many edges it has (Mermaid's `maxEdges` counts these).
    pub edges: usize,
}

const LANE_STYLE: &str = "fill:#fbfbfb,stroke:#9a9a9a,color:#333333";

const HEADER: &str = "flowchart LR\n";

const CLASSES: &str = "\
    classDef trigger fill:#eef6ee,stroke:#4a8a4a,color:#1d3b1d\n\
    classDef human fill:#fff4e0,stroke:#b07a1a,color:#3b2a08\n\
    classDef team fill:#fff4e0,stroke:#b07a1a,color:#3b2a08\n\
    classDef ai fill:#e8efff,stroke:#4a66b0,color:#15224a\n\
    classDef system fill:#eeeeee,stroke:#666666,color:#222222\n\
    classDef approval fill:#fdf7d0,stroke:#9a8a10,color:#3a3405\n\
    classDef escalation fill:#fde8e8,stroke:#b04a4a,color:#4a1515\n\
    classDef irreversible stroke:#c0392b,stroke-width:3px\n\
    classDef ref fill:#ffffff,stroke:#999999,stroke-dasharray:4 3,color:#555555\n";

fn label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| escape::mermaid(l))
        .collect::<Vec<_>>()
        .join("<br/>")
}

/// The definition line of a node (without indentation or newline).
fn node_line(view: &View, i: usize) -> String {
    let n = &view.nodes[i];
    let text = label(&n.lines);
    let (open, close, class) = match n.shape {
        Shape::Trigger => ("([\"", "\"])", "trigger"),
        Shape::Step(Some(crate::ast::ActorKind::Human)) => ("(\"", "\")", "human"),
        Shape::Step(Some(crate::ast::ActorKind::Team)) => ("[[\"", "\"]]", "team"),
        Shape::Step(Some(crate::ast::ActorKind::Ai)) => ("{{\"", "\"}}", "ai"),
        Shape::Step(Some(crate::ast::ActorKind::System)) => ("[(\"", "\")]", "system"),
        Shape::Step(None) => ("[\"", "\"]", "system"),
        Shape::Approval => ("{\"", "\"}", "approval"),
        Shape::Escalation => (">\"", "\"]", "escalation"),
    };
    let mut line = format!("{}{open}{text}{close}:::{class}", n.id);
    if n.irreversible {
        line.push_str("\n    class ");
        line.push_str(&n.id);
        line.push_str(" irreversible");
    }
    line
}

/// The line of an edge, between two ids.
fn edge_line(from: &str, to: &str, style: EdgeStyle, lines: &[String]) -> String {
    let arrow = match style {
        EdgeStyle::Flow => "-->",
        EdgeStyle::Handoff => "==>",
        EdgeStyle::Exception => "-.->",
    };
    if lines.is_empty() {
        format!("{from} {arrow} {to}")
    } else {
        format!("{from} {arrow}|\"{}\"| {to}", label(lines))
    }
}

fn lane_line(view: &View, l: usize) -> String {
    format!(
        "subgraph lane{l}[\"{}\"]",
        escape::mermaid(&view.lanes[l].title)
    )
}

/// What the reference node to `i` from another part may cost, in characters.
fn ref_cost(view: &View, i: usize) -> usize {
    let n = &view.nodes[i];
    32 + n.id.len()
        + escape::mermaid(&escape::shorten(
            &format!("→ {} (part 1000000)", n.name),
            super::view::LABEL_MAX,
        ))
        .len()
}

/// Renders the nodes in `nodes` (grouped by lane, lanes in order), the reference nodes in
/// `refs` (index of the node and its part), and the edges in `edges`.
fn render(view: &View, nodes: &[usize], refs: &[(usize, usize)], edges: &[usize]) -> String {
    let mut out = String::from(HEADER);
    // Nodes by lane, keeping their order; a counting pass keeps this linear.
    let mut by_lane: Vec<Vec<usize>> = vec![Vec::new(); view.lanes.len()];
    for &i in nodes {
        match view.nodes[i].lane {
            Some(l) => by_lane[l].push(i),
            None => out.push_str(&format!("    {}\n", node_line(view, i))),
        }
    }
    for (l, members) in by_lane.iter().enumerate() {
        if members.is_empty() {
            continue;
        }
        out.push_str(&format!("    {}\n", lane_line(view, l)));
        for &i in members {
            out.push_str(&format!("    {}\n", node_line(view, i)));
        }
        out.push_str("    end\n");
        out.push_str(&format!("    style lane{l} {LANE_STYLE}\n"));
    }
    for &(i, part) in refs {
        let n = &view.nodes[i];
        let text = escape::mermaid(&escape::shorten(
            &format!("→ {} (part {})", n.name, part + 1),
            super::view::LABEL_MAX,
        ));
        out.push_str(&format!("    r{}[\"{text}\"]:::ref\n", n.id));
    }
    for &e in edges {
        let edge = &view.edges[e];
        let id = |i: usize| {
            // At most a few hundred references per part: the scan is bounded.
            if refs.iter().any(|&(r, _)| r == i) {
                format!("r{}", view.nodes[i].id)
            } else {
                view.nodes[i].id.clone()
            }
        };
        out.push_str(&format!(
            "    {}\n",
            edge_line(&id(edge.from), &id(edge.to), edge.style, &edge.lines)
        ));
    }
    out.push_str(CLASSES);
    out
}

/// The whole workflow in one diagram, whatever its size (for `handoff graph`).
pub fn whole(view: &View) -> Diagram {
    let nodes: Vec<usize> = (0..view.nodes.len()).collect();
    let edges: Vec<usize> = (0..view.edges.len()).collect();
    Diagram {
        title: None,
        text: render(view, &nodes, &[], &edges),
        edges: edges.len(),
    }
}

/// The diagrams of a page: the whole workflow when it is within Mermaid's default limits,
/// otherwise parts that each are.
pub fn diagrams(view: &View) -> Vec<Diagram> {
    let all = whole(view);
    if all.text.len() <= MAX_TEXT && all.edges <= MAX_EDGES {
        return vec![all];
    }
    split(view)
}

/// A part being filled by [`split`].
struct Part {
    nodes: Vec<usize>,
    edges: Vec<usize>,
    /// The estimated length of its text.
    text: usize,
}

/// Cuts the view into parts in source order (by node group), each under the part budgets.
fn split(view: &View) -> Vec<Diagram> {
    // Nodes in group order (stable), and the edges out of each node.
    let mut order: Vec<usize> = (0..view.nodes.len()).collect();
    order.sort_by_key(|&i| view.nodes[i].group);
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); view.nodes.len()];
    for (e, edge) in view.edges.iter().enumerate() {
        out_edges[edge.from].push(e);
    }
    let mut parts = vec![Part {
        nodes: Vec::new(),
        edges: Vec::new(),
        text: HEADER.len() + CLASSES.len(),
    }];
    let mut part_of = vec![usize::MAX; view.nodes.len()];
    let mut lane_seen_in = vec![usize::MAX; view.lanes.len()];
    for &i in &order {
        let node = &view.nodes[i];
        let lane_cost = node
            .lane
            .filter(|&l| lane_seen_in[l] != parts.len() - 1)
            .map_or(0, |l| lane_line(view, l).len() + LANE_EXTRA);
        let cost = node_line(view, i).len() + 8 + lane_cost;
        let cur = parts.len() - 1;
        if !parts[cur].nodes.is_empty() && parts[cur].text + cost > PART_TEXT {
            parts.push(Part {
                nodes: Vec::new(),
                edges: Vec::new(),
                text: HEADER.len() + CLASSES.len(),
            });
        }
        let cur = parts.len() - 1;
        if let Some(l) = node.lane {
            if lane_seen_in[l] != cur {
                lane_seen_in[l] = cur;
                parts[cur].text += lane_line(view, l).len() + LANE_EXTRA;
            }
        }
        parts[cur].text += node_line(view, i).len() + 8;
        parts[cur].nodes.push(i);
        part_of[i] = cur;
        for &e in &out_edges[i] {
            let edge = &view.edges[e];
            let cost = edge_line(
                &view.nodes[edge.from].id,
                &view.nodes[edge.to].id,
                edge.style,
                &edge.lines,
            )
            .len()
                + 8
                + ref_cost(view, edge.from)
                + ref_cost(view, edge.to);
            let cur = parts.len() - 1;
            if parts[cur].edges.len() + 1 > PART_EDGES || parts[cur].text + cost > PART_TEXT {
                parts.push(Part {
                    nodes: Vec::new(),
                    edges: Vec::new(),
                    text: HEADER.len() + CLASSES.len(),
                });
            }
            let cur = parts.len() - 1;
            parts[cur].text += cost;
            parts[cur].edges.push(e);
        }
    }
    let total = parts.len();
    // Reference nodes: per part, each foreign end once.
    let mut ref_in = vec![usize::MAX; view.nodes.len()];
    parts
        .iter()
        .enumerate()
        .map(|(p, part)| {
            let mut refs = Vec::new();
            for &e in &part.edges {
                let edge = &view.edges[e];
                for end in [edge.from, edge.to] {
                    if part_of[end] != p && ref_in[end] != p {
                        ref_in[end] = p;
                        refs.push((end, part_of[end]));
                    }
                }
            }
            let first = part.nodes.first().map(|&i| view.nodes[i].name.clone());
            let last = part.nodes.last().map(|&i| view.nodes[i].name.clone());
            let title = match (first, last) {
                (Some(a), Some(b)) if a != b => {
                    format!("part {} of {total}: from {a} to {b}", p + 1)
                }
                (Some(a), _) => format!("part {} of {total}: {a}", p + 1),
                _ => format!("part {} of {total}: routes", p + 1),
            };
            Diagram {
                title: Some(title),
                text: render(view, &part.nodes, &refs, &part.edges),
                edges: part.edges.len(),
            }
        })
        .collect()
}

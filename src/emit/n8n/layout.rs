//! The canvas: where the nodes of an n8n workflow stand, so that a person reads the workflow at
//! a glance in n8n's editor.
//!
//! The builder does not place nodes. For each node it adds it gives a [`Place`]: the lane the
//! node belongs to (the actor who owns its step, or the triggers' lane), the step it belongs to
//! if any, and a hint of where it stands inside its step (its main line at row 0, side branches
//! below). Once the last node is
//! added, [`Builder::arrange`] lays the canvas out from the connections themselves:
//! - **columns**: a node stands one column right of the furthest node that leads to it (the
//!   longest path over the connections; the back edges of loops, found by a depth-first search
//!   from the nodes nothing leads to, are left out), so every connection runs left to right but
//!   a loop's way back. A fork and the branch it starts in a run of its own count as connected.
//!   A node that starts more connections than it ends (an entry switch) moves right, to just
//!   before the nearest node it leads to;
//! - **rows**: a depth-first walk from the starts, taking each node's connections in the order
//!   of their hinted rows (a step's main line before its side branches), puts a node on the row
//!   of the node it came from (the `k`-th branch `k` rows below), or on the next free row under
//!   it. A straight connection never runs behind a node: the cells it crosses are kept free;
//! - **lanes**: a horizontal band per actor, in order of first use, below the triggers' band,
//!   each as high as its rows, headed by a sticky note that names the actor (its kind and
//!   title); the label stands above the band's first row, never behind a node;
//! - **frames**: behind the nodes of each step, a sticky note titled by the step (its routes and
//!   handoffs stand outside it, between the steps).
//!
//! **Invariants:** positions depend only on the order nodes were added, their places and the
//! connections, so the output is byte-identical across runs; no two nodes share a position and
//! no node stands on a lane's label (`tests/n8n_output.rs` also checks, on the examples, that no
//! connection runs back and no two frames overlap); the work is linear in nodes plus connections (a straight
//! connection keeps at most [`SPAN`] cells free).

use std::collections::{HashMap, VecDeque};

use serde_json::json;

use super::{markdown_literal, uuid_of, Builder, Node, STICKY};
use crate::ir::NodeId;

/// Where a node goes: its lane, the step it belongs to (its index in the routing graph), and
/// its column and row inside its step (a hint: only the order of rows among the branches out of
/// one node is used).
#[derive(Clone, Copy)]
pub(super) struct Place {
    pub(super) lane: usize,
    pub(super) step: Option<usize>,
    pub(super) col: i64,
    pub(super) row: i64,
    /// An audit node (`audit.rs`): it stands in its lane's audit row, above the work, not in
    /// the grid of the work's nodes.
    pub(super) audit: bool,
}

impl Place {
    /// The first place in `lane`, in no step.
    pub(super) fn lane(lane: usize) -> Place {
        Place {
            lane,
            step: None,
            col: 0,
            row: 0,
            audit: false,
        }
    }

    /// The same place, in no step.
    pub(super) fn alone(self) -> Place {
        Place { step: None, ..self }
    }

    pub(super) fn at(self, col: i64, row: i64) -> Place {
        Place { col, row, ..self }
    }

    /// The place of an audit node: its lane's audit row (the lane and column are found from its
    /// connection when the canvas is laid out).
    pub(super) fn audit() -> Place {
        Place {
            audit: true,
            ..Place::lane(0)
        }
    }
}

/// What the layout knows beside the nodes.
#[derive(Default)]
pub(super) struct Canvas {
    /// The place of each node, in the order the nodes were added.
    places: Vec<Place>,
    /// Nodes that are not connected but read left to right: a fork and the arrival it starts in
    /// a run of its own.
    links: Vec<(String, String)>,
    /// Whether the workflow is drawn in labelled lanes (the orchestration; an intake is not).
    lanes: bool,
    /// Lanes of no actor: (lane, the sticky note's name, its Markdown).
    named: Vec<(usize, String, String)>,
}

impl Canvas {
    pub(super) fn place(&mut self, place: Place) {
        self.places.push(place);
    }

    pub(super) fn link(&mut self, from: &str, to: &str) {
        self.links.push((from.to_string(), to.to_string()));
    }

    /// Labels lane `lane`, of no actor, with the sticky note `sticky` (a name no actor's lane
    /// can have: `lane · …`) holding `content` (Markdown).
    pub(super) fn name_lane(&mut self, lane: usize, sticky: &str, content: &str) {
        self.named
            .push((lane, sticky.to_string(), content.to_string()));
    }
}

/// A count as a canvas coordinate.
pub(super) fn coord(x: usize) -> i64 {
    i64::try_from(x).unwrap_or(i64::MAX / 4)
}

/// The grid, in n8n's canvas units (a node is 100 × 100, its name written under it).
const COLUMN: i64 = 200;
const ROW: i64 = 180;
/// A lane's audit row, above its first row of work (clear of the steps' frames).
const AUDIT_ROW: i64 = 220;
/// Left of the first column, where a lane's label begins.
const LEFT: i64 = 60;
/// Above a lane's first row: its label.
const HEADER: i64 = 120;
/// Below a lane's last row, and between lanes.
const FOOTER: i64 = 100;
const GAP: i64 = 40;
/// A step's frame: above its first row (its title), below its last row (the node names), and
/// beside its nodes.
const FRAME_TOP: i64 = 70;
const FRAME_BOTTOM: i64 = 170;
const FRAME_SIDE: i64 = 40;
/// The longest straight connection whose cells are kept free (longer ones may cross nodes):
/// this bounds the work per connection.
const SPAN: usize = 8;

/// A connection, for the layout.
struct Edge {
    to: usize,
    /// The order in which the walk takes the connections out of a node.
    key: (i64, usize, usize),
    back: bool,
}

impl Builder<'_> {
    /// Lanes by owner, in order of first use (triggers have lane 0), drawn in labelled bands.
    pub(super) fn lanes(&mut self) {
        self.canvas.lanes = true;
        for step in &self.wf.steps {
            if let Some(owner) = step.owner.and_then(|o| o.target) {
                let name = self.wf.actor(owner).name.text.clone();
                let next = self.lanes.len() + 1;
                self.lanes.entry(name).or_insert(next);
            }
        }
    }

    /// The lane of a trigger or step: triggers have lane 0, steps their owner's lane.
    pub(super) fn lane_of(&self, node: NodeId) -> usize {
        match node {
            NodeId::Trigger(_) => 0,
            NodeId::Step(s) => self
                .a
                .owner(s)
                .and_then(|o| self.lanes.get(&o.name.text).copied())
                .unwrap_or(0),
        }
    }

    /// The first place of a trigger's or a step's nodes.
    pub(super) fn place_of(&self, node: NodeId) -> Place {
        let step = match node {
            NodeId::Step(_) => Some(self.a.graph.node(node).index()),
            NodeId::Trigger(_) => None,
        };
        Place {
            step,
            ..Place::lane(self.lane_of(node))
        }
    }

    /// Gives every node its position, and adds the lanes' labels (see the module's doc).
    pub(super) fn arrange(&mut self) {
        let n = self.nodes.len();
        let place = |i: usize| self.canvas.places.get(i).copied().unwrap_or(Place::lane(0));
        let index: HashMap<&str, usize> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| (node.name.as_str(), i))
            .collect();
        let mut out: Vec<Vec<Edge>> = (0..n).map(|_| Vec::new()).collect();
        // Audit nodes, with the node they hang off, in the order of the connections; and per
        // node the highest lane among its own and the nodes it leads to that are no audit.
        let mut audits: Vec<(usize, usize)> = Vec::new();
        let mut highest: Vec<usize> = (0..n).map(|i| place(i).lane).collect();
        for (from, outputs) in &self.connections {
            let Some(&v) = index.get(from.as_str()) else {
                continue;
            };
            for (output, targets) in outputs.iter().enumerate() {
                for (to, _) in targets {
                    if let Some(&w) = index.get(to.as_str()) {
                        // Audit nodes stand apart, in their lane's audit row (below).
                        if place(w).audit {
                            audits.push((w, v));
                            continue;
                        }
                        highest[v] = highest[v].min(place(w).lane);
                        let k = out[v].len();
                        out[v].push(Edge {
                            to: w,
                            key: (place(w).row, output, k),
                            back: false,
                        });
                    }
                }
            }
        }
        for (from, to) in &self.canvas.links {
            if let (Some(&v), Some(&w)) = (index.get(from.as_str()), index.get(to.as_str())) {
                let k = out[v].len();
                out[v].push(Edge {
                    to: w,
                    key: (place(w).row, usize::MAX, k),
                    back: false,
                });
            }
        }
        drop(index);
        for edges in &mut out {
            edges.sort_by_key(|e| e.key);
        }
        // The starts: nodes nothing leads to, in the order they were added; then whatever only
        // a loop reaches.
        let mut has_in = vec![false; n];
        for e in out.iter().flatten() {
            has_in[e.to] = true;
        }
        let roots: Vec<usize> = (0..n)
            .filter(|&i| !has_in[i])
            .chain((0..n).filter(|&i| has_in[i]))
            .collect();

        // Back edges: a connection to a node still on the depth-first search's stack.
        let mut state = vec![0u8; n];
        for &root in &roots {
            if state[root] != 0 {
                continue;
            }
            state[root] = 1;
            let mut stack = vec![(root, 0usize)];
            while let Some(&mut (v, ref mut next)) = stack.last_mut() {
                if *next < out[v].len() {
                    let k = *next;
                    *next += 1;
                    let w = out[v][k].to;
                    match state[w] {
                        0 => {
                            state[w] = 1;
                            stack.push((w, 0));
                        }
                        1 => out[v][k].back = true,
                        _ => {}
                    }
                } else {
                    state[v] = 2;
                    stack.pop();
                }
            }
        }

        // Columns: the longest path over forward connections, in topological order.
        let mut indegree = vec![0usize; n];
        for e in out.iter().flatten().filter(|e| !e.back) {
            indegree[e.to] += 1;
        }
        let ins = indegree.clone();
        let mut col = vec![0usize; n];
        let mut order = Vec::with_capacity(n);
        let mut queue: VecDeque<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
        while let Some(v) = queue.pop_front() {
            order.push(v);
            for e in out[v].iter().filter(|e| !e.back) {
                col[e.to] = col[e.to].max(col[v] + 1);
                indegree[e.to] -= 1;
                if indegree[e.to] == 0 {
                    queue.push_back(e.to);
                }
            }
        }
        // A node that starts more than it ends moves right, next to what it leads to.
        for &v in order.iter().rev() {
            let forward = out[v].iter().filter(|e| !e.back);
            let outs = forward.clone().count();
            if outs > ins[v] {
                if let Some(nearest) = forward.map(|e| col[e.to]).min() {
                    col[v] = col[v].max(nearest.saturating_sub(1));
                }
            }
        }

        // Rows: a depth-first walk from the starts, the main line first.
        let lanes = (0..n).map(|i| place(i).lane).max().unwrap_or(0) + 1;
        let mut row = vec![usize::MAX; n];
        // Taken cells, as a union-find over rows per (lane, column): a taken cell points to a
        // row below it, so the first free row at or below a wanted one is found in nearly
        // constant time however many rows are taken (a fan-out of thousands of branches).
        let mut taken = Taken::default();
        let mut rows = vec![0usize; lanes];
        // (node, the node it came from, the row it would like)
        let mut stack: Vec<(usize, Option<usize>, usize)> = Vec::new();
        for &root in &roots {
            if row[root] != usize::MAX || place(root).audit {
                continue;
            }
            stack.push((root, None, 0));
            while let Some((v, from, wanted)) = stack.pop() {
                if row[v] != usize::MAX {
                    if let Some(u) = from {
                        keep_free(
                            &mut taken,
                            (place(u).lane, col[u], row[u]),
                            (place(v).lane, col[v], row[v]),
                        );
                    }
                    continue;
                }
                let lane = place(v).lane;
                let straight = from
                    .filter(|&u| place(u).lane == lane && col[v] > col[u] + 1)
                    .filter(|&u| col[v] - col[u] <= SPAN)
                    .map(|u| (col[u], row[u]));
                let mut r = taken.free(lane, col[v], wanted);
                // Not across a straight connection's cells (at most one row can be its own).
                if straight.is_some_and(|(c, at)| {
                    at == r && (c + 1..col[v]).any(|x| taken.contains(lane, x, r))
                }) {
                    r = taken.free(lane, col[v], r + 1);
                }
                taken.take(lane, col[v], r);
                row[v] = r;
                rows[lane] = rows[lane].max(r + 1);
                if let Some(u) = from {
                    keep_free(
                        &mut taken,
                        (place(u).lane, col[u], row[u]),
                        (lane, col[v], r),
                    );
                }
                // Pushed in reverse so that the first connection is walked first; the k-th
                // branch in the same lane would like to stand k rows below.
                let mut same = 0;
                let mut next = Vec::new();
                for e in &out[v] {
                    let w = e.to;
                    let wanted = if place(w).lane == lane {
                        let k = same;
                        if row[w] == usize::MAX {
                            same += 1;
                        }
                        r + k
                    } else {
                        0
                    };
                    next.push((w, Some(v), wanted));
                }
                stack.extend(next.into_iter().rev());
            }
        }

        // Audit nodes: each in the audit row of the highest lane among its source's and its
        // siblings' (the other nodes its source leads to), one column right of its source
        // or the next free column of that row. n8n (execution order v1) runs the branches out
        // of a node from the top of the canvas down, so a row is written before the work goes
        // on, and before a wait can hold the rest of the branch back.
        let mut lane_of: Vec<usize> = (0..n).map(|i| place(i).lane).collect();
        let mut audit_row = vec![false; lanes];
        // The free columns of the audit rows, found as rows are (`usize::MAX` is no column).
        let mut free = Taken::default();
        for &(w, u) in &audits {
            let lane = highest[u];
            let c = free.free(lane, usize::MAX, col[u] + 1);
            free.take(lane, usize::MAX, c);
            col[w] = c;
            row[w] = 0;
            lane_of[w] = lane;
            audit_row[lane] = true;
        }
        let audit_height = |lane: usize| if audit_row[lane] { AUDIT_ROW } else { 0 };

        // Lanes: bands as high as their rows, empty ones left out.
        let used: Vec<bool> = {
            let mut used = vec![false; lanes];
            for &lane in &lane_of {
                used[lane] = true;
            }
            used
        };
        let mut top = vec![0i64; lanes];
        let mut y = 0;
        for lane in 0..lanes {
            top[lane] = y;
            if used[lane] || (self.canvas.lanes && lane == 0) {
                y += HEADER + audit_height(lane) + coord(rows[lane].max(1)) * ROW + FOOTER + GAP;
            }
        }
        let places: Vec<Place> = (0..n).map(place).collect();
        let (left, header) = if self.canvas.lanes {
            (LEFT + COLUMN / 2, HEADER)
        } else {
            (0, 0)
        };
        for (i, node) in self.nodes.iter_mut().enumerate() {
            let lane = lane_of[i];
            let below = if places[i].audit {
                0
            } else {
                audit_height(lane) + coord(row[i]) * ROW
            };
            node.position = [left + coord(col[i]) * COLUMN, top[lane] + header + below];
        }
        if !self.canvas.lanes {
            return;
        }
        let width = (coord(col.iter().copied().max().unwrap_or(0)) + 1) * COLUMN + COLUMN / 2;
        let wf = self.wf;
        // The triggers' lane and any other lane the builder named have names no actor's lane
        // can have (`·` is not in identifiers).
        let mut labels: Vec<(usize, String, String)> = self
            .lanes
            .iter()
            .map(|(name, lane)| {
                let actor = wf.actors.iter().find(|a| &a.name.text == name);
                let kind = actor.map_or("", |a| a.kind.keyword());
                let title = actor
                    .and_then(|a| a.title.as_ref())
                    .map(|t| format!("\n{}", markdown_literal(&t.value)))
                    .unwrap_or_default();
                let content = format!("# {} ({kind}){title}", markdown_literal(name));
                (*lane, format!("lane {name}"), content)
            })
            .chain(self.canvas.named.iter().cloned())
            .collect();
        labels.push((
            0,
            "lane · triggers".to_string(),
            "# Triggers\nWhere work enters the workflow.".to_string(),
        ));
        labels.sort();
        let mut stickies = Vec::new();
        for (lane, sticky, content) in labels {
            if lane >= lanes || !(used[lane] || lane == 0) {
                continue;
            }
            stickies.push(self.label(
                sticky,
                &content,
                [0, top[lane]],
                width,
                audit_height(lane) + coord(rows[lane].max(1)) * ROW,
            ));
        }
        // A frame behind each step's nodes, titled by the step, in order of the steps.
        let mut frames: std::collections::BTreeMap<usize, [i64; 4]> =
            std::collections::BTreeMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(step) = places[i].step {
                let [x, y] = node.position;
                let frame = frames.entry(step).or_insert([x, y, x, y]);
                *frame = [
                    frame[0].min(x),
                    frame[1].min(y),
                    frame[2].max(x),
                    frame[3].max(y),
                ];
            }
        }
        let steps: HashMap<usize, crate::ir::StepId> = (0..self.wf.steps.len())
            .filter_map(|k| u32::try_from(k).ok())
            .map(crate::ir::StepId)
            .map(|s| (self.a.step_node(s).index(), s))
            .collect();
        for (step, bounds) in frames {
            if let Some(&s) = steps.get(&step) {
                stickies.push(self.frame(s, bounds));
            }
        }
        self.nodes.splice(0..0, stickies);
    }

    /// The sticky note behind the nodes of step `s`, which stand between `[x0, y0]` and
    /// `[x1, y1]`: it names the step by its title (and identifier).
    fn frame(&self, s: crate::ir::StepId, [x0, y0, x1, y1]: [i64; 4]) -> Node {
        let wf = self.wf;
        let step = wf.step(s);
        let name = &step.name.text;
        let content = match &step.title() {
            Some(title) => format!("## {}\n`{name}`", markdown_literal(&title.value)),
            None => format!("## `{name}`"),
        };
        // A name no other node can have (a space after a fixed prefix).
        let sticky = format!("step {name}");
        Node {
            parameters: json!({
                "content": content,
                "height": y1 - y0 + FRAME_TOP + FRAME_BOTTOM,
                "width": x1 - x0 + 100 + 2 * FRAME_SIDE,
                "color": 5,
            }),
            id: uuid_of(&[&wf.name.text, &sticky]),
            name: sticky,
            kind: STICKY.to_string(),
            type_version: json!(1),
            position: [x0 - FRAME_SIDE, y0 - FRAME_TOP],
            webhook_id: None,
            credentials: None,
            settings: None,
            notes: None,
            notes_in_flow: false,
        }
    }

    /// The sticky note `sticky` that labels a lane with `content` (Markdown); `rows` is the
    /// height of the lane's rows.
    fn label(
        &self,
        sticky: String,
        content: &str,
        position: [i64; 2],
        width: i64,
        rows: i64,
    ) -> Node {
        let wf = self.wf;
        let height = HEADER + rows + FOOTER;
        Node {
            parameters: json!({ "content": content, "height": height, "width": width + LEFT, "color": 7 }),
            id: uuid_of(&[&wf.name.text, &sticky]),
            name: sticky,
            kind: STICKY.to_string(),
            type_version: json!(1),
            position,
            webhook_id: None,
            credentials: None,
            settings: None,
            notes: None,
            notes_in_flow: false,
        }
    }
}

/// Keeps free the cells that a straight connection from `from` to `to` (lane, column, row)
/// crosses, when it is short enough to bother.
fn keep_free(taken: &mut Taken, from: (usize, usize, usize), to: (usize, usize, usize)) {
    if from.0 != to.0 || from.2 != to.2 || to.1 <= from.1 + 1 || to.1 - from.1 > SPAN {
        return;
    }
    for x in from.1 + 1..to.1 {
        taken.take(to.0, x, to.2);
    }
}

/// The taken cells of the canvas: each points at a row below it in its (lane, column), with
/// paths compressed as they are followed.
#[derive(Default)]
struct Taken {
    below: HashMap<(usize, usize, usize), usize>,
}

impl Taken {
    fn contains(&self, lane: usize, col: usize, row: usize) -> bool {
        self.below.contains_key(&(lane, col, row))
    }

    fn take(&mut self, lane: usize, col: usize, row: usize) {
        self.below.entry((lane, col, row)).or_insert(row + 1);
    }

    /// The first free row at or below `row` in (lane, column).
    fn free(&mut self, lane: usize, col: usize, row: usize) -> usize {
        let mut r = row;
        let mut path = Vec::new();
        while let Some(&next) = self.below.get(&(lane, col, r)) {
            path.push(r);
            r = next;
        }
        for p in path {
            self.below.insert((lane, col, p), r);
        }
        r
    }
}

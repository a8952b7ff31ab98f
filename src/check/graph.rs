//! The routing graph of one workflow: triggers and steps as nodes, and every way work moves
//! between them as edges.
//!
//! **Invariants:** node `i` is trigger `i` for `i < triggers`, and step `i - triggers` after that;
//! only edges whose ends resolved, that were not rejected and that end at a step are in the
//! graph (a transition into a trigger is E205 and takes no further part). Every traversal here is
//! iterative, so a chain of 100,000 steps cannot overflow the stack.

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::ir::{NodeId, ReversibilityKind, StepId, TransitionId, TransitionKind, Workflow};

/// Why work can move along an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// A `flow` or `handoff` transition.
    Transition(TransitionId, TransitionKind),
    /// The `else` route of an approval: it carries the context available on entry to the step.
    ApprovalElse,
    /// From a step to the step that compensates it (`compensable by`): the compensating step
    /// runs with the context available after the step it undoes.
    Compensation,
}

impl EdgeKind {
    /// Whether the edge is a route the work takes onward (not a compensation).
    pub fn is_route(self) -> bool {
        !matches!(self, EdgeKind::Compensation)
    }
}

/// The graph with its reachability from the triggers.
pub struct Graph {
    pub g: DiGraph<(), EdgeKind, u32>,
    pub triggers: usize,
    /// Whether a trigger reaches the node (for the context analysis).
    pub reached: Vec<bool>,
    /// For a reached step: the edge by which a breadth-first search from the triggers first got
    /// there, so that a shortest path from a trigger can be read back.
    pub parent: Vec<Option<EdgeIndex>>,
    /// Reached nodes in an order where, outside cycles, every node comes after its predecessors.
    pub order: Vec<NodeIndex>,
}

impl Graph {
    /// Builds the graph of a workflow.
    pub fn new(wf: &Workflow) -> Self {
        let triggers = wf.triggers.len();
        let mut g: DiGraph<(), EdgeKind, u32> =
            DiGraph::with_capacity(triggers + wf.steps.len(), wf.transitions.len());
        for _ in 0..triggers + wf.steps.len() {
            g.add_node(());
        }
        let node = |id: NodeId| match id {
            NodeId::Trigger(t) => NodeIndex::new(t.index()),
            NodeId::Step(s) => NodeIndex::new(triggers + s.index()),
        };
        for (i, t) in wf.transitions.iter().enumerate() {
            if let Some((from, to @ NodeId::Step(_))) = t.ends() {
                g.add_edge(
                    node(from),
                    node(to),
                    EdgeKind::Transition(TransitionId(i as u32), t.kind),
                );
            }
        }
        for (i, step) in wf.steps.iter().enumerate() {
            let from = NodeIndex::new(triggers + i);
            if let Some(target) = step
                .approval()
                .as_ref()
                .and_then(|a| a.else_step)
                .and_then(|r| r.target)
            {
                g.add_edge(from, node(NodeId::Step(target)), EdgeKind::ApprovalElse);
            }
            if let Some(ReversibilityKind::CompensableBy(r)) = step.reversibility().map(|r| r.kind)
            {
                if let Some(target) = r.target.filter(|t| t.index() != i) {
                    g.add_edge(from, node(NodeId::Step(target)), EdgeKind::Compensation);
                }
            }
        }
        let mut graph = Graph {
            g,
            triggers,
            reached: Vec::new(),
            parent: Vec::new(),
            order: Vec::new(),
        };
        graph.search();
        graph
    }

    /// The node of a trigger or step.
    pub fn node(&self, id: NodeId) -> NodeIndex {
        match id {
            NodeId::Trigger(t) => NodeIndex::new(t.index()),
            NodeId::Step(s) => NodeIndex::new(self.triggers + s.index()),
        }
    }

    /// The trigger or step of a node.
    pub fn id(&self, n: NodeIndex) -> NodeId {
        let i = n.index();
        if i < self.triggers {
            NodeId::Trigger(crate::ir::TriggerId(i as u32))
        } else {
            NodeId::Step(StepId((i - self.triggers) as u32))
        }
    }

    /// The step of a node, if it is one.
    pub fn step(&self, n: NodeIndex) -> Option<StepId> {
        match self.id(n) {
            NodeId::Step(s) => Some(s),
            NodeId::Trigger(_) => None,
        }
    }

    /// Breadth-first search from every trigger, recording parents, then a reverse post-order
    /// of the reached nodes for the data-flow analysis.
    fn search(&mut self) {
        let n = self.g.node_count();
        self.reached = vec![false; n];
        self.parent = vec![None; n];
        let mut queue = std::collections::VecDeque::new();
        for t in 0..self.triggers {
            self.reached[t] = true;
            queue.push_back(NodeIndex::new(t));
        }
        while let Some(v) = queue.pop_front() {
            for e in self.g.edges_directed(v, Direction::Outgoing) {
                let w = e.target();
                if !self.reached[w.index()] {
                    self.reached[w.index()] = true;
                    self.parent[w.index()] = Some(e.id());
                    queue.push_back(w);
                }
            }
        }
        // Reverse post-order by an explicit-stack depth-first search.
        let mut visited = vec![false; n];
        let mut post = Vec::with_capacity(n);
        for t in 0..self.triggers {
            let root = NodeIndex::new(t);
            if visited[t] {
                continue;
            }
            visited[t] = true;
            let mut stack = vec![(
                root,
                self.g
                    .neighbors_directed(root, Direction::Outgoing)
                    .detach(),
            )];
            while let Some((v, walker)) = stack.last_mut() {
                let v = *v;
                if let Some((_, w)) = walker.next(&self.g) {
                    if !visited[w.index()] {
                        visited[w.index()] = true;
                        let walk = self.g.neighbors_directed(w, Direction::Outgoing).detach();
                        stack.push((w, walk));
                    }
                } else {
                    post.push(v);
                    stack.pop();
                }
            }
        }
        post.reverse();
        self.order = post;
    }

    /// Whether the route edges (transitions and `else` routes) form a cycle anywhere, by
    /// Kahn's algorithm: linear, and much cheaper than finding the strongly connected sets.
    pub fn has_route_cycle(&self) -> bool {
        let n = self.g.node_count();
        let mut indegree = vec![0u32; n];
        for e in self.g.edge_references() {
            if e.weight().is_route() {
                indegree[e.target().index()] += 1;
            }
        }
        let mut ready: Vec<NodeIndex> = (0..n)
            .filter(|&i| indegree[i] == 0)
            .map(NodeIndex::new)
            .collect();
        let mut removed = 0;
        while let Some(v) = ready.pop() {
            removed += 1;
            for (_, w, _) in self.routes_out(v) {
                indegree[w.index()] -= 1;
                if indegree[w.index()] == 0 {
                    ready.push(w);
                }
            }
        }
        removed < n
    }

    /// The nodes of a shortest path from a trigger to `n` (inclusive), following BFS parents.
    pub fn path_from_trigger(&self, n: NodeIndex) -> Vec<NodeIndex> {
        let mut path = vec![n];
        let mut at = n;
        while let Some(e) = self.parent[at.index()] {
            let Some((from, _)) = self.g.edge_endpoints(e) else {
                break;
            };
            path.push(from);
            at = from;
        }
        path.reverse();
        path
    }

    /// The route edges (transitions and approval `else` routes) out of a node.
    pub fn routes_out(
        &self,
        n: NodeIndex,
    ) -> impl Iterator<Item = (EdgeIndex, NodeIndex, EdgeKind)> + '_ {
        self.g
            .edges_directed(n, Direction::Outgoing)
            .filter(|e| e.weight().is_route())
            .map(|e| (e.id(), e.target(), *e.weight()))
    }

    /// The route edges into a node.
    pub fn routes_in(
        &self,
        n: NodeIndex,
    ) -> impl Iterator<Item = (EdgeIndex, NodeIndex, EdgeKind)> + '_ {
        self.g
            .edges_directed(n, Direction::Incoming)
            .filter(|e| e.weight().is_route())
            .map(|e| (e.id(), e.source(), *e.weight()))
    }
}

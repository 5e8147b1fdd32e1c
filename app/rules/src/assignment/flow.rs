//! A generic min-cost flow network: nodes are numbers, edges have a capacity and a cost.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One direction of an edge in the residual network.
struct FlowEdge {
    to: usize,
    residual: u32,
    cost: i64,
}

/// A min-cost flow network solved by successive shortest paths: Dijkstra on costs reduced by node
/// potentials, then as many augmenting paths as the zero-reduced-cost edges carry, repeated until
/// the sink is out of reach. Costs must start non-negative.
pub(super) struct FlowNetwork {
    /// Edge `e` and edge `e ^ 1` are each other's reverse.
    edges: Vec<FlowEdge>,
    outgoing: Vec<Vec<usize>>,
    /// Node potentials: with them every residual edge has a non-negative reduced cost.
    pub(super) potential: Vec<i64>,
}

impl FlowNetwork {
    pub(super) fn new(nodes: usize) -> Self {
        FlowNetwork {
            edges: Vec::new(),
            outgoing: vec![Vec::new(); nodes],
            potential: vec![0; nodes],
        }
    }

    /// Adds an edge (and its reverse) and returns its number.
    pub(super) fn add_edge(&mut self, from: usize, to: usize, capacity: u32, cost: i64) -> usize {
        let edge = self.edges.len();
        self.edges.push(FlowEdge {
            to,
            residual: capacity,
            cost,
        });
        self.edges.push(FlowEdge {
            to: from,
            residual: 0,
            cost: -cost,
        });
        self.outgoing[from].push(edge);
        self.outgoing[to].push(edge + 1);
        edge
    }

    pub(super) fn flow(&self, edge: usize) -> u32 {
        self.edges[edge ^ 1].residual
    }

    fn reduced_cost(&self, from: usize, edge: usize) -> i64 {
        let FlowEdge { to, cost, .. } = self.edges[edge];
        cost + self.potential[from] - self.potential[to]
    }

    pub(super) fn send_max_flow(&mut self, source: usize, sink: usize) {
        while self.reprice(source, sink) {
            self.augment_along_zero_cost_paths(source, sink);
        }
    }

    /// Dijkstra from `source`, stopping at `sink`, then raises each node's potential by its
    /// distance (capped at the sink's, which keeps every reduced cost non-negative), so shortest
    /// paths to the sink cost zero. False when the sink is out of reach.
    fn reprice(&mut self, source: usize, sink: usize) -> bool {
        let mut distance = vec![i64::MAX; self.outgoing.len()];
        let mut queue = BinaryHeap::new();
        distance[source] = 0;
        queue.push(Reverse((0, source)));
        while let Some(Reverse((so_far, node))) = queue.pop() {
            if so_far > distance[node] {
                continue;
            }
            if node == sink {
                break;
            }
            for &edge in &self.outgoing[node] {
                if self.edges[edge].residual == 0 {
                    continue;
                }
                let reduced = self.reduced_cost(node, edge);
                debug_assert!(reduced >= 0, "negative reduced cost {reduced}");
                let to = self.edges[edge].to;
                if so_far + reduced < distance[to] {
                    distance[to] = so_far + reduced;
                    queue.push(Reverse((so_far + reduced, to)));
                }
            }
        }
        let to_sink = distance[sink];
        if to_sink == i64::MAX {
            return false;
        }
        for (potential, &d) in self.potential.iter_mut().zip(&distance) {
            *potential += d.min(to_sink);
        }
        true
    }

    /// Augments along zero-reduced-cost paths from `source` to `sink` (depth-first, never
    /// revisiting a node that led nowhere) until none is left. Every such path is a shortest one,
    /// and its reverse edges cost zero too, so the potentials stay valid.
    fn augment_along_zero_cost_paths(&mut self, source: usize, sink: usize) {
        let nodes = self.outgoing.len();
        let mut next_edge = vec![0; nodes];
        let mut dead_end = vec![false; nodes];
        let mut on_path = vec![false; nodes];
        let mut path: Vec<usize> = Vec::new();
        on_path[source] = true;
        loop {
            let node = path.last().map_or(source, |&edge| self.edges[edge].to);
            if node == sink {
                let amount = path
                    .iter()
                    .map(|&edge| self.edges[edge].residual)
                    .min()
                    .unwrap_or(0);
                for &edge in &path {
                    self.edges[edge].residual -= amount;
                    self.edges[edge ^ 1].residual += amount;
                    on_path[self.edges[edge].to] = false;
                }
                path.clear();
                continue;
            }
            let step = loop {
                let Some(&edge) = self.outgoing[node].get(next_edge[node]) else {
                    break None;
                };
                let to = self.edges[edge].to;
                if self.edges[edge].residual > 0
                    && !dead_end[to]
                    && !on_path[to]
                    && self.reduced_cost(node, edge) == 0
                {
                    break Some(edge);
                }
                next_edge[node] += 1;
            };
            match step {
                Some(edge) => {
                    on_path[self.edges[edge].to] = true;
                    path.push(edge);
                }
                None => {
                    dead_end[node] = true;
                    on_path[node] = false;
                    match path.pop() {
                        Some(edge) => next_edge[self.edges[edge ^ 1].to] += 1,
                        None => return,
                    }
                }
            }
        }
    }
}

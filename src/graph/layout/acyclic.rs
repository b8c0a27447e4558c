//! Cycle breaking for the layout: within every strongly connected component (found by the graph's Tarjan
//! code, `crate::graph::scc`) the members get their visit order, and an edge that points backwards in that
//! order is reversed. Every kept edge then goes forwards in one total order (components in topological order,
//! members in visit order), so the result is acyclic. Self-loops are dropped and counted; duplicate edges
//! are merged.

use crate::graph::scc::components;

/// An edge of the acyclic graph, as it will be drawn (`upper` above `lower`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DagEdge {
    pub upper: usize,
    pub lower: usize,
    /// The input edge was `(lower, upper)`: it was reversed to break a cycle.
    pub reversed: bool,
}

/// The input's edges made acyclic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acyclic {
    /// In input order (first occurrence of each distinct edge).
    pub edges: Vec<DagEdge>,
    pub self_loops: usize,
}

/// Breaks every cycle of the graph `0..n` with `edges` (`upper → lower`); out-of-range edges are ignored.
#[must_use]
pub fn break_cycles(n: usize, edges: &[(usize, usize)]) -> Acyclic {
    let mut seen = std::collections::HashSet::with_capacity(edges.len());
    let mut distinct: Vec<(usize, usize)> = Vec::with_capacity(edges.len());
    let mut self_loops = 0;
    for &(u, l) in edges {
        if u >= n || l >= n {
            continue;
        }
        if u == l {
            self_loops += 1;
            continue;
        }
        if seen.insert((u, l)) {
            distinct.push((u, l));
        }
    }
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(u, l) in &distinct {
        down[u].push(l);
    }
    let nodes: Vec<usize> = (0..n).collect();
    let comps = components(&nodes, |v| down[*v].clone());
    // (component id, position in the component's visit order) of every node.
    let mut comp = vec![0usize; n];
    let mut rank_in = vec![0usize; n];
    for (c, members) in comps.iter().enumerate() {
        for (i, &v) in members.iter().enumerate() {
            comp[v] = c;
            rank_in[v] = i;
        }
    }
    let mut out_seen = std::collections::HashSet::with_capacity(distinct.len());
    let mut out = Vec::with_capacity(distinct.len());
    for (u, l) in distinct {
        let backwards = comp[u] == comp[l] && rank_in[u] > rank_in[l];
        let e = if backwards {
            DagEdge {
                upper: l,
                lower: u,
                reversed: true,
            }
        } else {
            DagEdge {
                upper: u,
                lower: l,
                reversed: false,
            }
        };
        // a → b and b → a: keep one drawn edge per pair of ends.
        if out_seen.insert((e.upper, e.lower)) {
            out.push(e);
        }
    }
    Acyclic {
        edges: out,
        self_loops,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_acyclic(n: usize, edges: &[DagEdge]) -> bool {
        let mut indeg = vec![0; n];
        let mut down = vec![Vec::new(); n];
        for e in edges {
            indeg[e.lower] += 1;
            down[e.upper].push(e.lower);
        }
        let mut queue: Vec<usize> = (0..n).filter(|v| indeg[*v] == 0).collect();
        let mut seen = 0;
        while let Some(v) = queue.pop() {
            seen += 1;
            for &w in &down[v] {
                indeg[w] -= 1;
                if indeg[w] == 0 {
                    queue.push(w);
                }
            }
        }
        seen == n
    }

    #[test]
    fn a_cycle_is_broken_by_reversing_and_marking_one_edge() {
        let out = break_cycles(3, &[(0, 1), (1, 2), (2, 0)]);
        assert!(is_acyclic(3, &out.edges));
        assert_eq!(out.edges.iter().filter(|e| e.reversed).count(), 1);
        assert_eq!(out.edges.len(), 3);
    }

    #[test]
    fn acyclic_input_keeps_every_edge_as_given() {
        let edges = [(0, 1), (0, 2), (1, 3), (2, 3)];
        let out = break_cycles(4, &edges);
        assert!(out.edges.iter().all(|e| !e.reversed));
        let got: Vec<_> = out.edges.iter().map(|e| (e.upper, e.lower)).collect();
        assert_eq!(got, edges);
    }

    #[test]
    fn self_loops_duplicates_and_out_of_range_edges_are_dropped() {
        let out = break_cycles(2, &[(0, 0), (0, 1), (0, 1), (5, 1)]);
        assert_eq!(out.self_loops, 1);
        assert_eq!(out.edges.len(), 1);
    }

    #[test]
    fn two_way_dependency_becomes_one_drawn_edge() {
        let out = break_cycles(2, &[(0, 1), (1, 0)]);
        assert_eq!(out.edges.len(), 1);
        assert!(is_acyclic(2, &out.edges));
    }
}

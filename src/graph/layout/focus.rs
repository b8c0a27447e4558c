//! The part of the graph the console lays out: the whole graph, or the neighbourhood of one node — what it
//! waits on up to N hops up, and what waits on it up to N hops down (waits-on edges only; siblings reached by
//! going up then down are not included).

use crate::flux::ResourceRef;
use crate::graph::Graph;
use std::collections::{BTreeSet, VecDeque};

/// Every node of the graph, sorted.
#[must_use]
pub fn whole(graph: &Graph) -> Vec<ResourceRef> {
    let mut all: Vec<ResourceRef> = graph.nodes().map(|n| n.rref.clone()).collect();
    all.sort();
    all
}

/// `centre` with everything within `depth` waits-on hops upstream and downstream of it, sorted. Empty when the
/// graph does not know `centre`.
#[must_use]
pub fn neighbourhood(graph: &Graph, centre: &ResourceRef, depth: usize) -> Vec<ResourceRef> {
    if graph.node(centre).is_none() {
        return Vec::new();
    }
    let mut out: BTreeSet<ResourceRef> = BTreeSet::from([centre.clone()]);
    for upstream in [true, false] {
        let mut seen: BTreeSet<&ResourceRef> = BTreeSet::from([centre]);
        let mut queue: VecDeque<(&ResourceRef, usize)> = VecDeque::from([(centre, 0)]);
        while let Some((r, d)) = queue.pop_front() {
            if d == depth {
                continue;
            }
            let next = if upstream {
                graph.dependencies(r)
            } else {
                graph.dependents(r)
            };
            for n in next {
                if seen.insert(n) {
                    out.insert(n.clone());
                    queue.push_back((n, d + 1));
                }
            }
        }
    }
    out.into_iter().collect()
}

/// Whether `r` has a waits-on neighbour outside `shown` (sorted; the picture is cut off there).
#[must_use]
pub fn has_hidden_neighbours(graph: &Graph, r: &ResourceRef, shown: &[ResourceRef]) -> bool {
    graph
        .dependencies(r)
        .into_iter()
        .chain(graph.dependents(r))
        .any(|n| shown.binary_search(n).is_err())
}

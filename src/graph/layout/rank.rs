//! Layering: longest path from the top (a node with no upper neighbour is in layer 0; any other node is one
//! layer below its lowest upper neighbour), then every edge spanning `k > 1` layers passes `k - 1` dummy nodes so
//! that all edges of the [`Layered`] graph join adjacent layers.
//!
//! The long edges of one upper node share its **trunk**: one dummy per layer below it, as deep as its longest
//! edge, each edge leaving the trunk one layer above its lower end (a source read by a `dependsOn` chain of 1,000
//! is one line with 1,000 branches, not 500,000 dummies). Dummies are bounded by [`DUMMIES_PER_ELEMENT`] per node
//! and edge: edges are routed shortest first, and one whose trunk would pass the budget is **cut** (not drawn; the
//! console says so).

use super::acyclic::DagEdge;

/// A proper layered graph: real nodes `0..real`, dummies after them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layered {
    pub real: usize,
    /// Layer of each node.
    pub layer: Vec<u32>,
    /// Neighbours one layer up / down of each node (in edge order, no duplicates).
    pub up: Vec<Vec<usize>>,
    pub down: Vec<Vec<usize>>,
    /// Per acyclic edge, the node it enters its lower end from: the upper end itself (one layer apart) or the
    /// last dummy of the upper end's trunk; `None`: the edge is cut.
    pub via: Vec<Option<usize>>,
    /// The node above each dummy (`above[d - real]`): the upper end or the trunk's dummy one layer up.
    pub above: Vec<usize>,
    /// Position of each node in its layer (set by [`Layered::set_order`]; input order until then).
    pub pos: Vec<u32>,
    pub layer_count: usize,
}

impl Layered {
    /// Number of nodes, dummies included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.layer.len()
    }

    /// Whether there are no nodes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.layer.is_empty()
    }

    /// Records the position of every node from an order of the layers.
    pub fn set_order(&mut self, layers: &[Vec<usize>]) {
        for layer in layers {
            for (i, &v) in layer.iter().enumerate() {
                self.pos[v] = u32::try_from(i).unwrap_or(u32::MAX);
            }
        }
    }
}

/// Layer of each of the `n` nodes of an acyclic graph (longest path from the nodes with nothing above them).
#[must_use]
pub fn layers_of(n: usize, edges: &[DagEdge]) -> Vec<u32> {
    let mut indeg = vec![0u32; n];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in edges {
        indeg[e.lower] += 1;
        down[e.upper].push(e.lower);
    }
    let mut layer = vec![0u32; n];
    let mut queue: std::collections::VecDeque<usize> = (0..n).filter(|v| indeg[*v] == 0).collect();
    while let Some(v) = queue.pop_front() {
        for &w in &down[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                queue.push_back(w);
            }
        }
    }
    layer
}

/// Dummies allowed per node and edge of the input.
pub const DUMMIES_PER_ELEMENT: usize = 2;

/// The layered graph of `n` real nodes and acyclic `edges`, dummies inserted (see the module doc).
#[must_use]
pub fn layered(n: usize, edges: &[DagEdge]) -> Layered {
    let mut layer = layers_of(n, edges);
    let spans: Vec<usize> = edges
        .iter()
        .map(|e| (layer[e.lower] - layer[e.upper]) as usize)
        .collect();
    // Which edges fit the budget, shortest first: each needs its upper end's trunk `span - 1` deep.
    let budget = DUMMIES_PER_ELEMENT * (n + edges.len());
    let mut by_span: Vec<usize> = (0..edges.len()).collect();
    by_span.sort_by_key(|i| spans[*i]);
    let mut depth = vec![0usize; n];
    let mut used = 0usize;
    let mut routed = vec![false; edges.len()];
    for i in by_span {
        let e = &edges[i];
        let need = spans[i].saturating_sub(1);
        let extra = need.saturating_sub(depth[e.upper]);
        if used + extra <= budget {
            used += extra;
            depth[e.upper] = depth[e.upper].max(need);
            routed[i] = true;
        }
    }
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut trunk: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut above = Vec::new();
    let mut via = Vec::with_capacity(edges.len());
    for (i, e) in edges.iter().enumerate() {
        if !routed[i] {
            via.push(None);
            continue;
        }
        let need = spans[i].saturating_sub(1);
        // Grow the trunk in edge order, so dummies are numbered as the edges that first need them.
        while trunk[e.upper].len() < need {
            let prev = trunk[e.upper].last().copied().unwrap_or(e.upper);
            let d = layer.len();
            layer.push(layer[prev] + 1);
            up.push(vec![prev]);
            down.push(Vec::new());
            down[prev].push(d);
            above.push(prev);
            trunk[e.upper].push(d);
        }
        let from = match need {
            0 => e.upper,
            k => trunk[e.upper][k - 1],
        };
        // `break_cycles` keeps one edge per pair of ends, and each trunk dummy leads into its own layer: no
        // duplicate links.
        down[from].push(e.lower);
        up[e.lower].push(from);
        via.push(Some(from));
    }
    let layer_count = layer.iter().max().map_or(0, |m| *m as usize + 1);
    let mut pos = vec![0u32; layer.len()];
    let mut next = vec![0u32; layer_count];
    for (v, l) in layer.iter().enumerate() {
        pos[v] = next[*l as usize];
        next[*l as usize] += 1;
    }
    Layered {
        real: n,
        layer,
        up,
        down,
        via,
        above,
        pos,
        layer_count,
    }
}

/// The nodes edge `e` passes through from `top` down to `bottom` (empty when it is cut).
#[must_use]
pub fn chain(g: &Layered, e: usize, top: usize, bottom: usize) -> Vec<usize> {
    let Some(mut at) = g.via.get(e).copied().flatten() else {
        return Vec::new();
    };
    let mut out = vec![bottom, at];
    while at >= g.real && at != top {
        at = g.above[at - g.real];
        out.push(at);
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(upper: usize, lower: usize) -> DagEdge {
        DagEdge {
            upper,
            lower,
            reversed: false,
        }
    }

    #[test]
    fn every_edge_goes_down_and_long_edges_get_one_dummy_per_layer_crossed() {
        // 0 → 1 → 2 → 3 and 0 → 3 (spans 3 layers: 2 dummies).
        let g = layered(4, &[e(0, 1), e(1, 2), e(2, 3), e(0, 3)]);
        assert_eq!(&g.layer[..4], &[0, 1, 2, 3]);
        assert_eq!(g.len(), 6);
        let long = chain(&g, 3, 0, 3);
        assert_eq!(long.len(), 4);
        for pair in long.windows(2) {
            assert_eq!(g.layer[pair[1]], g.layer[pair[0]] + 1);
            assert!(g.down[pair[0]].contains(&pair[1]));
        }
    }

    #[test]
    fn a_node_sits_one_layer_below_its_lowest_parent() {
        let g = layered(4, &[e(0, 1), e(1, 2), e(0, 2), e(3, 2)]);
        assert_eq!(&g.layer[..4], &[0, 1, 2, 0]);
    }

    #[test]
    fn the_long_edges_of_one_node_share_its_trunk() {
        // 0 → 1 → 2 → 3 → 4, and 0 waits-on-edges to 2, 3 and 4: one trunk of three dummies, not 1 + 2 + 3.
        let edges = [
            e(0, 1),
            e(1, 2),
            e(2, 3),
            e(3, 4),
            e(0, 2),
            e(0, 3),
            e(0, 4),
        ];
        let g = layered(5, &edges);
        assert_eq!(g.len(), 5 + 3);
        for (i, edge) in edges.iter().enumerate() {
            let c = chain(&g, i, edge.upper, edge.lower);
            assert_eq!(c.first(), Some(&edge.upper));
            assert_eq!(c.last(), Some(&edge.lower));
            assert_eq!(
                c.len() as u32,
                g.layer[edge.lower] - g.layer[edge.upper] + 1
            );
        }
    }

    #[test]
    fn dummies_stay_within_the_budget_and_the_longest_edges_are_cut() {
        // Node k waits on k - 1 and on the last node: every upper end has its own long edge (n²/2 dummies if
        // all were routed).
        let n = 200;
        let mut edges: Vec<DagEdge> = (1..n).map(|k| e(k - 1, k)).collect();
        edges.extend((0..n - 2).map(|k| e(k, n - 1)));
        let g = layered(n, &edges);
        assert!(g.len() - n <= DUMMIES_PER_ELEMENT * (n + edges.len()));
        let cut: Vec<usize> = (0..edges.len()).filter(|i| g.via[*i].is_none()).collect();
        assert!(!cut.is_empty());
        // Cut edges are the longest: every routed edge is at most as long as any cut one.
        let span = |i: usize| g.layer[edges[i].lower] - g.layer[edges[i].upper];
        let longest_routed = (0..edges.len())
            .filter(|i| g.via[*i].is_some())
            .map(span)
            .max();
        let shortest_cut = cut.iter().map(|i| span(*i)).min();
        assert!(longest_routed <= shortest_cut);
        assert!(chain(&g, cut[0], edges[cut[0]].upper, n - 1).is_empty());
    }
}

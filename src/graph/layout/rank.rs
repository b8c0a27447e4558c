//! Layering: longest path from the top (a node with no upper neighbour is in layer 0; any other node is one
//! layer below its lowest upper neighbour), then every edge spanning `k > 1` layers is split by `k - 1` dummy
//! nodes so that all edges of the [`Layered`] graph join adjacent layers.

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
    /// Per acyclic edge, the nodes it passes through from top to bottom.
    pub chains: Vec<Vec<usize>>,
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

/// The layered graph of `n` real nodes and acyclic `edges`, dummies inserted.
#[must_use]
pub fn layered(n: usize, edges: &[DagEdge]) -> Layered {
    let mut layer = layers_of(n, edges);
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut chains = Vec::with_capacity(edges.len());
    for e in edges {
        let (top, bottom) = (layer[e.upper], layer[e.lower]);
        let mut chain = vec![e.upper];
        let mut prev = e.upper;
        for l in top + 1..bottom {
            let d = layer.len();
            layer.push(l);
            up.push(Vec::new());
            down.push(Vec::new());
            down[prev].push(d);
            up[d].push(prev);
            chain.push(d);
            prev = d;
        }
        if !down[prev].contains(&e.lower) {
            down[prev].push(e.lower);
            up[e.lower].push(prev);
        }
        chain.push(e.lower);
        chains.push(chain);
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
        chains,
        pos,
        layer_count,
    }
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
        let long = &g.chains[3];
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
}

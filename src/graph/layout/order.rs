//! Crossing reduction: the order of the nodes within each layer.
//!
//! Starts from a depth-first order over the edges in both directions (each node right after the branch that
//! first reaches it, so each connected part stays together), then alternates a down sweep (each layer sorted by the barycenter of its upper
//! neighbours' positions) and an up sweep (lower neighbours), each followed by transposition (swap adjacent
//! nodes while that removes crossings). Crossings are counted exactly after every sweep and the best order seen
//! is kept; it stops after a sweep pair that brings no improvement. Ties keep the current order, so the result
//! is deterministic.

use super::rank::Layered;

/// Transposition rounds per layer per sweep.
const TRANSPOSE_ROUNDS: usize = 4;

/// Every layer in input order: real nodes by index, then dummies by the edge they belong to.
#[must_use]
pub fn input_order(g: &Layered) -> Vec<Vec<usize>> {
    let mut layers = vec![Vec::new(); g.layer_count];
    for v in 0..g.len() {
        layers[g.layer[v] as usize].push(v);
    }
    layers
}

/// The depth-first initial order (see the module doc).
#[must_use]
pub fn initial_order(g: &Layered) -> Vec<Vec<usize>> {
    let mut layers = vec![Vec::new(); g.layer_count];
    let mut visited = vec![false; g.len()];
    let mut stack = Vec::new();
    let starts = (0..g.real).filter(|v| g.layer[*v] == 0).chain(0..g.len());
    for start in starts {
        if visited[start] {
            continue;
        }
        stack.push(start);
        while let Some(v) = stack.pop() {
            if visited[v] {
                continue;
            }
            visited[v] = true;
            layers[g.layer[v] as usize].push(v);
            // Both directions: a node's other parents (e.g. a second source) join its connected part instead
            // of waiting for their own turn as a start.
            stack.extend(g.up[v].iter().rev().filter(|w| !visited[**w]));
            stack.extend(g.down[v].iter().rev().filter(|w| !visited[**w]));
        }
    }
    layers
}

/// Positions of every node given an order of the layers.
fn positions(n: usize, layers: &[Vec<usize>]) -> Vec<usize> {
    let mut pos = vec![0; n];
    for layer in layers {
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i;
        }
    }
    pos
}

/// Crossings between layer `l` and `l + 1` (Barth–Jünger–Mutzel: inversions of the lower ends, counted with a
/// Fenwick tree, edges sorted by upper then lower position).
fn crossings_between(g: &Layered, upper: &[usize], lower_len: usize, pos: &[usize]) -> u64 {
    let mut ends: Vec<(usize, usize)> = Vec::new();
    for &u in upper {
        for &w in &g.down[u] {
            ends.push((pos[u], pos[w]));
        }
    }
    ends.sort_unstable();
    let mut tree = vec![0u64; lower_len + 1];
    let mut count = 0u64;
    for (seen, &(_, p)) in ends.iter().enumerate() {
        // Edges already inserted whose lower end is right of p cross this one.
        let mut at_most = 0u64;
        let mut i = p + 1;
        while i > 0 {
            at_most += tree[i];
            i &= i - 1;
        }
        count += seen as u64 - at_most;
        let mut i = p + 1;
        while i <= lower_len {
            tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    count
}

/// Total crossings of an order of the layers.
#[must_use]
pub fn total_crossings(g: &Layered, layers: &[Vec<usize>]) -> u64 {
    let pos = positions(g.len(), layers);
    layers
        .windows(2)
        .map(|w| crossings_between(g, &w[0], w[1].len(), &pos))
        .sum()
}

/// Sorts one layer by the barycenter of each node's neighbours (`up` or `down`); a node without any keeps its
/// position as its key.
fn sort_layer(layer: &mut [usize], neighbours: &[Vec<usize>], pos: &mut [usize]) {
    let mut keyed: Vec<(f64, usize, usize)> = layer
        .iter()
        .map(|&v| {
            let ns = &neighbours[v];
            let key = if ns.is_empty() {
                pos[v] as f64
            } else {
                ns.iter().map(|w| pos[*w] as f64).sum::<f64>() / ns.len() as f64
            };
            (key, pos[v], v)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for (i, (_, _, v)) in keyed.into_iter().enumerate() {
        layer[i] = v;
        pos[v] = i;
    }
}

/// Crossings among the edges of `a` and `b` (towards both neighbouring layers) when `a` is left of `b`.
fn pair_crossings(
    g: &Layered,
    a: usize,
    b: usize,
    pos: &[usize],
    buf: &mut [Vec<usize>; 2],
) -> u64 {
    let mut total = 0;
    for side in [&g.up, &g.down] {
        buf[0].clear();
        buf[0].extend(side[a].iter().map(|w| pos[*w]));
        buf[1].clear();
        buf[1].extend(side[b].iter().map(|w| pos[*w]));
        buf[0].sort_unstable();
        buf[1].sort_unstable();
        // Pairs (x from a, y from b) with x > y cross.
        let mut j = 0;
        for &x in &buf[0] {
            while j < buf[1].len() && buf[1][j] < x {
                j += 1;
            }
            total += j as u64;
        }
    }
    total
}

/// Swaps adjacent nodes of one layer while that removes crossings.
fn transpose(g: &Layered, layer: &mut [usize], pos: &mut [usize]) {
    let mut buf = [Vec::new(), Vec::new()];
    for _ in 0..TRANSPOSE_ROUNDS {
        let mut improved = false;
        for i in 1..layer.len() {
            let (a, b) = (layer[i - 1], layer[i]);
            let keep = pair_crossings(g, a, b, pos, &mut buf);
            if keep == 0 {
                continue;
            }
            let swapped = pair_crossings(g, b, a, pos, &mut buf);
            if swapped < keep {
                layer.swap(i - 1, i);
                pos[a] = i;
                pos[b] = i - 1;
                improved = true;
            }
        }
        if !improved {
            break;
        }
    }
}

/// The order of every layer with few crossings, and their number (see the module doc).
#[must_use]
pub fn reduce_crossings(g: &Layered, sweeps: usize) -> (Vec<Vec<usize>>, u64) {
    let mut layers = initial_order(g);
    let mut pos = positions(g.len(), &layers);
    let mut best = layers.clone();
    let mut best_count = total_crossings(g, &layers);
    for _ in 0..sweeps {
        if best_count == 0 {
            break;
        }
        let before = best_count;
        for down in [true, false] {
            let range: Vec<usize> = if down {
                (1..layers.len()).collect()
            } else {
                (0..layers.len().saturating_sub(1)).rev().collect()
            };
            for l in range {
                let neighbours = if down { &g.up } else { &g.down };
                sort_layer(&mut layers[l], neighbours, &mut pos);
                transpose(g, &mut layers[l], &mut pos);
            }
            let count = total_crossings(g, &layers);
            if count < best_count {
                best_count = count;
                best.clone_from(&layers);
            }
        }
        if best_count >= before {
            break;
        }
    }
    (best, best_count)
}

#[cfg(test)]
mod tests {
    use super::super::acyclic::break_cycles;
    use super::super::rank::layered;
    use super::*;

    fn graph(n: usize, edges: &[(usize, usize)]) -> Layered {
        layered(n, &break_cycles(n, edges).edges)
    }

    #[test]
    fn crossings_are_counted_exactly() {
        // Layer 0: 0 1 2, layer 1: 3 4 5; 0→5, 1→4, 2→3 cross pairwise: 3 crossings.
        let g = graph(6, &[(0, 5), (1, 4), (2, 3)]);
        assert_eq!(total_crossings(&g, &input_order(&g)), 3);
        // 0→3 and 1→3 share an end: no crossing.
        let g = graph(4, &[(0, 3), (1, 3), (2, 3)]);
        assert_eq!(total_crossings(&g, &input_order(&g)), 0);
    }

    #[test]
    fn a_twisted_bipartite_graph_is_untangled() {
        let g = graph(6, &[(0, 5), (1, 4), (2, 3)]);
        let (_, crossings) = reduce_crossings(&g, 4);
        assert_eq!(crossings, 0);
    }

    #[test]
    fn every_node_is_in_exactly_one_layer_position() {
        let g = graph(7, &[(0, 3), (1, 3), (0, 6), (2, 4), (4, 5), (3, 5)]);
        let (layers, _) = reduce_crossings(&g, 4);
        let mut all: Vec<usize> = layers.iter().flatten().copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..g.len()).collect::<Vec<_>>());
        for (l, layer) in layers.iter().enumerate() {
            assert!(layer.iter().all(|v| g.layer[*v] as usize == l));
        }
    }
}

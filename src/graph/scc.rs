//! Strongly connected components (Tarjan, iterative so 10,000-deep chains cannot overflow the stack).
//!
//! Used for cycle reports and to order root-cause recomputation (components come out dependencies first).

use std::collections::HashMap;
use std::hash::Hash;

/// The strongly connected components of the graph restricted to `nodes`, in Tarjan's emission order: every
/// component comes after all components it can reach. `successors(n)` may name nodes outside `nodes`; they are
/// ignored. Components list their members in the order they were first visited from `nodes`' order.
pub fn components<N, F, I>(nodes: &[N], mut successors: F) -> Vec<Vec<N>>
where
    N: Clone + Eq + Hash,
    F: FnMut(&N) -> I,
    I: IntoIterator<Item = N>,
{
    let index_of: HashMap<&N, usize> = nodes.iter().enumerate().map(|(i, n)| (n, i)).collect();
    let succ: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            successors(n)
                .into_iter()
                .filter_map(|s| index_of.get(&s).copied())
                .collect()
        })
        .collect();
    let n = nodes.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    let mut next_index = 0usize;
    // Call stack frames: (node, position in its successor list).
    let mut frames: Vec<(usize, usize)> = Vec::new();
    for start in 0..n {
        if index[start] != usize::MAX {
            continue;
        }
        frames.push((start, 0));
        index[start] = next_index;
        low[start] = next_index;
        next_index += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (v, ref mut pos)) = frames.last_mut() {
            if let Some(&w) = succ[v].get(*pos) {
                *pos += 1;
                if index[w] == usize::MAX {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    frames.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(nodes[w].clone());
                    if w == v {
                        break;
                    }
                }
                component.reverse();
                out.push(component);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_come_out_dependencies_first_and_cycles_are_grouped() {
        // a -> b -> c -> b, c -> d
        let nodes = vec!['a', 'b', 'c', 'd'];
        let succ = |n: &char| match n {
            'a' => vec!['b'],
            'b' => vec!['c'],
            'c' => vec!['b', 'd'],
            _ => vec![],
        };
        let comps = components(&nodes, succ);
        assert_eq!(comps, vec![vec!['d'], vec!['b', 'c'], vec!['a']]);
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let nodes: Vec<u32> = (0..200_000).collect();
        let comps = components(&nodes, |n| (*n + 1 < 200_000).then_some(*n + 1));
        assert_eq!(comps.len(), 200_000);
        assert_eq!(comps[0], vec![199_999]);
    }
}

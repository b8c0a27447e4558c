//! Folding blocked chains onto their root cause: every node whose only root cause ([`Graph::root_causes`]) is
//! another node `R` belongs to `R`'s chain; a chain of at least [`MIN_CHAIN`] nodes is drawn as one box
//! ("blocked: 17 behind R") unless the user expanded it. Folding is a quotient of the graph: every edge
//! is redirected to the box of its ends, edges inside a box vanish, duplicates merge.

use crate::flux::ResourceRef;
use crate::graph::Graph;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Smallest chain worth folding.
pub const MIN_CHAIN: usize = 2;

/// The nodes blocked behind one root cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub root: ResourceRef,
    /// Sorted.
    pub members: Vec<ResourceRef>,
}

/// A node of the folded graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoldedNode {
    Object(ResourceRef),
    Chain(Chain),
}

/// The folded graph: nodes, and edges `(upper, lower)` = (dependency, dependent) as indices into `nodes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folded {
    pub nodes: Vec<FoldedNode>,
    pub edges: Vec<(usize, usize)>,
    /// The input nodes (sorted), and which folded node each went to.
    pub members: Vec<ResourceRef>,
    slot: Vec<usize>,
}

impl Folded {
    /// The folded node an input node went to (its box when folded); `None` when it was not laid out.
    #[must_use]
    pub fn index_of(&self, r: &ResourceRef) -> Option<usize> {
        self.members.binary_search(r).ok().map(|i| self.slot[i])
    }

    /// Whether `r` was among the input nodes.
    #[must_use]
    pub fn contains(&self, r: &ResourceRef) -> bool {
        self.members.binary_search(r).is_ok()
    }
}

/// The chains among `nodes` (members and roots restricted to `nodes`' members; the root itself need not be in
/// `nodes`), sorted by root, each with at least `min` members.
#[must_use]
pub fn chains(graph: &Graph, nodes: &[ResourceRef], min: usize) -> Vec<Chain> {
    let mut by_root: BTreeMap<&ResourceRef, Vec<ResourceRef>> = BTreeMap::new();
    for r in nodes {
        if let [root] = graph.root_causes(r)
            && root != r
        {
            by_root.entry(root).or_default().push(r.clone());
        }
    }
    by_root
        .into_iter()
        .filter(|(_, m)| m.len() >= min.max(1))
        .map(|(root, mut members)| {
            members.sort();
            Chain {
                root: root.clone(),
                members,
            }
        })
        .collect()
}

/// Folds `nodes` (sorted and deduplicated here) with every chain of at least [`MIN_CHAIN`] members folded
/// except those whose root is in `expanded`. Nodes keep `nodes`' order; each box takes the place of its first
/// member. Lookups are binary searches over the sorted input (cheaper than hashing 12,000 references).
#[must_use]
pub fn fold(
    graph: &Graph,
    mut nodes: Vec<ResourceRef>,
    expanded: &BTreeSet<ResourceRef>,
) -> Folded {
    nodes.sort();
    nodes.dedup();
    let folded_chains: Vec<Chain> = chains(graph, &nodes, MIN_CHAIN)
        .into_iter()
        .filter(|c| !expanded.contains(&c.root))
        .collect();
    let mut chain_of: HashMap<&ResourceRef, usize> = HashMap::new();
    for (i, c) in folded_chains.iter().enumerate() {
        for m in &c.members {
            chain_of.insert(m, i);
        }
    }
    let mut out_nodes = Vec::with_capacity(nodes.len());
    let mut slot = Vec::with_capacity(nodes.len());
    let mut box_index: Vec<Option<usize>> = vec![None; folded_chains.len()];
    for r in &nodes {
        let i = match chain_of.get(r) {
            Some(&c) => *box_index[c].get_or_insert_with(|| {
                out_nodes.push(FoldedNode::Chain(folded_chains[c].clone()));
                out_nodes.len() - 1
            }),
            None => {
                out_nodes.push(FoldedNode::Object(r.clone()));
                out_nodes.len() - 1
            }
        };
        slot.push(i);
    }
    let mut out = Folded {
        nodes: out_nodes,
        edges: Vec::new(),
        members: nodes,
        slot,
    };
    let mut seen = BTreeSet::new();
    for (at, r) in out.members.iter().enumerate() {
        let lower = out.slot[at];
        for (kind, d) in graph.out_edges(r) {
            if !kind.is_waits_on() {
                continue;
            }
            if let Some(upper) = out.index_of(d)
                && upper != lower
                && seen.insert((upper, lower))
            {
                out.edges.push((upper, lower));
            }
        }
    }
    out
}

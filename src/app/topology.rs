//! `Topology`: the questions the navigator and the detail pane ask about how objects relate, answered by
//! [`crate::graph::Graph`]. The trait keeps the tree code independent of the graph's internals (owned refs,
//! placeholders, cached root causes).

use crate::flux::{Health, ResourceRef};
use crate::graph::{Graph, NodeState};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Relations between the objects the console shows (every list sorted, no duplicates).
pub trait Topology {
    /// Extra roots so that every node is reachable from `roots` going down the dependency (`ownership ==
    /// false`) or ownership relation: one per group of nodes that only cycles lead to (the first in order).
    fn extra_roots(&self, roots: &[ResourceRef], ownership: bool) -> Vec<ResourceRef>;
    /// Objects that wait on nothing (sources and heads of `dependsOn` chains).
    fn roots(&self) -> Vec<ResourceRef>;
    /// Objects that wait on `r`.
    fn dependents(&self, r: &ResourceRef) -> Vec<ResourceRef>;
    /// Objects `r` waits on.
    fn dependencies(&self, r: &ResourceRef) -> Vec<ResourceRef>;
    /// Objects no Kustomization/HelmRelease applied.
    fn inventory_roots(&self) -> Vec<ResourceRef>;
    /// Flux objects `r` applied.
    fn inventory_children(&self, r: &ResourceRef) -> Vec<ResourceRef>;
    /// Who applied `r`.
    fn owners(&self, r: &ResourceRef) -> Vec<ResourceRef>;
    /// The objects upstream of `r` that fail by their own fault and so keep `r` from being ready (never `r`
    /// itself; empty when `r` is not held up by anything).
    fn root_causes(&self, r: &ResourceRef) -> Vec<ResourceRef>;
    /// Whether `r` is only referenced (missing, or a HelmChart a HelmRelease implies).
    fn placeholder(&self, r: &ResourceRef) -> Option<NodeState>;

    /// The first root cause.
    fn root_cause(&self, r: &ResourceRef) -> Option<ResourceRef> {
        self.root_causes(r).into_iter().next()
    }
}

fn owned(refs: Vec<&ResourceRef>) -> Vec<ResourceRef> {
    refs.into_iter().cloned().collect()
}

impl Topology for Graph {
    fn extra_roots(&self, roots: &[ResourceRef], ownership: bool) -> Vec<ResourceRef> {
        let mut reached: HashSet<&ResourceRef> = HashSet::with_capacity(self.node_count());
        for r in roots {
            if let Some(node) = self.node(r) {
                mark(self, &node.rref, ownership, &mut reached);
            }
        }
        if reached.len() >= self.node_count() {
            return Vec::new();
        }
        let mut left: Vec<&ResourceRef> = self.nodes().map(|n| &n.rref).collect();
        left.sort();
        let mut extra = Vec::new();
        for r in left {
            if !reached.contains(r) {
                mark(self, r, ownership, &mut reached);
                extra.push(r.clone());
            }
        }
        extra
    }
    fn roots(&self) -> Vec<ResourceRef> {
        owned(Graph::roots(self))
    }
    fn dependents(&self, r: &ResourceRef) -> Vec<ResourceRef> {
        owned(Graph::dependents(self, r))
    }
    fn dependencies(&self, r: &ResourceRef) -> Vec<ResourceRef> {
        owned(Graph::dependencies(self, r))
    }
    fn inventory_roots(&self) -> Vec<ResourceRef> {
        owned(Graph::inventory_roots(self))
    }
    fn inventory_children(&self, r: &ResourceRef) -> Vec<ResourceRef> {
        owned(Graph::inventory_children(self, r))
    }
    fn owners(&self, r: &ResourceRef) -> Vec<ResourceRef> {
        owned(Graph::owners(self, r))
    }
    /// The graph's root causes, with one refinement: a `Failing` cause whose own upstream is not ready is
    /// looked through, so a Kustomization failing with `ArtifactFailed` because its GitRepository cannot clone
    /// points at the GitRepository (the graph counts every `Failing` object as failing by its own fault).
    fn root_causes(&self, r: &ResourceRef) -> Vec<ResourceRef> {
        let mut stack: Vec<ResourceRef> = Graph::root_causes(self, r)
            .iter()
            .filter(|c| *c != r)
            .cloned()
            .collect();
        if stack.is_empty() && self.health_of(r) == Some(Health::Failing) {
            stack = self.upstream_causes(r);
        }
        let mut seen = BTreeSet::from([r.clone()]);
        let mut out = BTreeSet::new();
        while let Some(c) = stack.pop() {
            if !seen.insert(c.clone()) {
                continue;
            }
            if self.health_of(&c) == Some(Health::Failing) {
                let upstream = self.upstream_causes(&c);
                if !upstream.is_empty() {
                    stack.extend(upstream);
                    continue;
                }
            }
            out.insert(c);
        }
        out.into_iter().collect()
    }
    fn placeholder(&self, r: &ResourceRef) -> Option<NodeState> {
        self.node(r)
            .map(|n| n.state)
            .filter(|s| *s != NodeState::Present)
    }
}

/// Marks everything below `start` (dependents or applied objects) as reached.
fn mark<'g>(
    graph: &'g Graph,
    start: &'g ResourceRef,
    ownership: bool,
    reached: &mut HashSet<&'g ResourceRef>,
) {
    let mut stack = vec![start];
    while let Some(r) = stack.pop() {
        if reached.insert(r) {
            if ownership {
                stack.extend(graph.inventory_children(r));
            } else {
                stack.extend(graph.dependents(r));
            }
        }
    }
}

impl GraphExt for Graph {
    fn health_of(&self, r: &ResourceRef) -> Option<Health> {
        self.node(r).and_then(|n| n.health)
    }

    fn upstream_causes(&self, r: &ResourceRef) -> Vec<ResourceRef> {
        Graph::dependencies(self, r)
            .into_iter()
            .filter(|d| self.health_of(d) != Some(Health::Ready))
            .flat_map(|d| Graph::root_causes(self, d).iter().cloned())
            .collect()
    }
}

trait GraphExt {
    fn health_of(&self, r: &ResourceRef) -> Option<Health>;
    /// Root causes of the not-ready objects `r` waits on.
    fn upstream_causes(&self, r: &ResourceRef) -> Vec<ResourceRef>;
}

/// Counts of each health, for the status bar.
#[must_use]
pub fn count_by_health<'a>(healths: impl Iterator<Item = &'a Health>) -> BTreeMap<Health, usize> {
    let mut out = BTreeMap::new();
    for h in healths {
        *out.entry(*h).or_default() += 1;
    }
    out
}

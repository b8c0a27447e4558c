//! `Topology`: the questions the navigator and the detail pane ask about how objects relate, answered by
//! [`crate::graph::Graph`]. The trait keeps the tree code independent of the graph's internals (owned refs,
//! placeholders, cached root causes). Root causes are the graph's own ([`crate::graph::root_cause`]), so the
//! tree and detail pane agree with the DAG screen, `fluxops follow` and `fluxops graph`.

use crate::flux::{Health, ResourceRef};
use crate::graph::{Graph, NodeState};
use std::collections::{BTreeMap, HashSet};

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
    /// itself; empty when `r` is not held up by anything, or fails by its own fault). For a graph this is
    /// [`Graph::root_causes`] without `r`: the one definition, which looks through a failing object whose
    /// upstream is broken.
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
    fn root_causes(&self, r: &ResourceRef) -> Vec<ResourceRef> {
        Graph::root_causes(self, r)
            .iter()
            .filter(|c| *c != r)
            .cloned()
            .collect()
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

/// Counts of each health, for the status bar.
#[must_use]
pub fn count_by_health<'a>(healths: impl Iterator<Item = &'a Health>) -> BTreeMap<Health, usize> {
    let mut out = BTreeMap::new();
    for h in healths {
        *out.entry(*h).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flux::{FluxKind, FluxObject};
    use serde_json::json;

    fn obj(kind: &str, name: &str, spec: serde_json::Value, reason: &str) -> FluxObject {
        let api = if kind == "Kustomization" {
            "kustomize.toolkit.fluxcd.io/v1"
        } else {
            "source.toolkit.fluxcd.io/v1"
        };
        serde_json::from_value(json!({
            "apiVersion": api, "kind": kind,
            "metadata": {"name": name, "namespace": "flux-system"},
            "spec": spec,
            "status": {"conditions": [{"type": "Ready", "status": "False", "reason": reason, "message": "x"}]}
        }))
        .unwrap()
    }

    #[test]
    fn tree_root_causes_are_the_graphs_without_the_object_itself() {
        let source = |name: &str| json!({"sourceRef": {"kind": "GitRepository", "name": name}});
        let g = Graph::build([
            obj(
                "GitRepository",
                "platform-secrets",
                json!({"url": "https://x"}),
                "AuthenticationFailed",
            ),
            obj(
                "Kustomization",
                "secrets",
                source("platform-secrets"),
                "ReconciliationFailed",
            ),
            obj("Kustomization", "own", json!({}), "ReconciliationFailed"),
        ]);
        let git = ResourceRef::new(FluxKind::GitRepository, "flux-system", "platform-secrets");
        let secrets = ResourceRef::new(FluxKind::Kustomization, "flux-system", "secrets");
        let own = ResourceRef::new(FluxKind::Kustomization, "flux-system", "own");
        // The failing Kustomization behind the failing source points at it, in the tree as in the graph.
        assert_eq!(Topology::root_causes(&g, &secrets), vec![git.clone()]);
        assert_eq!(Graph::root_causes(&g, &secrets), std::slice::from_ref(&git));
        // Objects failing by their own fault have no root cause in the tree (the graph names themselves).
        for r in [&git, &own] {
            assert!(Topology::root_causes(&g, r).is_empty(), "{r}");
            assert_eq!(Graph::root_causes(&g, r), std::slice::from_ref(r));
        }
    }
}

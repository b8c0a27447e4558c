//! The chain `recover-chain` walks: from the target's root causes (`Graph::root_causes`) down to the target,
//! every object on a waits-on path between them, in dependency order (what an object waits on comes before
//! it), so each is reconciled and Ready before its dependents. Pure.

use crate::actions::{TargetKind, TargetRef};
use crate::flux::ResourceRef;
use crate::graph::Graph;
use std::collections::{BTreeMap, BTreeSet};

/// Why no chain can be walked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("{0} is not in the graph")]
    Unknown(String),
    #[error(
        "root cause {0} cannot be reconciled (it does not exist or is not a Flux object fluxops acts on)"
    )]
    NotReconcilable(String),
}

fn to_resource(rref: &TargetRef) -> Option<ResourceRef> {
    Some(ResourceRef::new(
        rref.kind.flux()?,
        rref.namespace.as_deref().unwrap_or_default(),
        &rref.name,
    ))
}

fn to_target(rref: &ResourceRef) -> Option<TargetRef> {
    let kind = TargetKind::from_flux(rref.kind)?;
    Some(TargetRef::namespaced(kind, &rref.namespace, &rref.name))
}

/// The chain from `target`'s root causes down to `target`, dependencies first. A target with no root cause is
/// a chain of itself. Objects on the way that fluxops cannot reconcile (implied HelmCharts) are left out; a
/// root cause that cannot be reconciled (a dangling reference) is an error.
///
/// # Errors
/// See [`ChainError`].
pub fn chain(graph: &Graph, target: &TargetRef) -> Result<Vec<TargetRef>, ChainError> {
    let Some(start) = to_resource(target).filter(|r| graph.node(r).is_some()) else {
        return Err(ChainError::Unknown(target.to_string()));
    };
    let roots: Vec<ResourceRef> = graph
        .root_causes(&start)
        .iter()
        .filter(|r| **r != start)
        .cloned()
        .collect();
    if roots.is_empty() {
        return Ok(vec![target.clone()]);
    }
    // Upstream of the target (what it waits on, transitively) …
    let mut upstream: BTreeSet<ResourceRef> = BTreeSet::from([start.clone()]);
    let mut todo = vec![start.clone()];
    while let Some(r) = todo.pop() {
        for d in graph.dependencies(&r) {
            if upstream.insert(d.clone()) {
                todo.push(d.clone());
            }
        }
    }
    // … that waits on a root cause (downstream of one, transitively, or one itself).
    let mut members: BTreeSet<ResourceRef> = BTreeSet::new();
    let mut todo: Vec<ResourceRef> = roots.clone();
    while let Some(r) = todo.pop() {
        if upstream.contains(&r) && members.insert(r.clone()) {
            todo.extend(graph.dependents(&r).into_iter().cloned());
        }
    }
    for root in &roots {
        let present = graph
            .node(root)
            .is_some_and(|n| n.object.is_some() && to_target(root).is_some());
        if !present {
            return Err(ChainError::NotReconcilable(format!(
                "{}/{}/{}",
                root.kind, root.namespace, root.name
            )));
        }
    }
    Ok(order(graph, &members)
        .into_iter()
        .filter(|r| graph.node(r).is_some_and(|n| n.object.is_some()))
        .filter_map(|r| to_target(&r))
        .collect())
}

/// `members` in dependency order (Kahn's algorithm within the set; ties by name; a cycle's members last, by
/// name).
fn order(graph: &Graph, members: &BTreeSet<ResourceRef>) -> Vec<ResourceRef> {
    let mut waiting: BTreeMap<ResourceRef, usize> = members
        .iter()
        .map(|m| {
            let deps = graph
                .dependencies(m)
                .into_iter()
                .filter(|d| *d != m && members.contains(*d))
                .count();
            (m.clone(), deps)
        })
        .collect();
    let mut out = Vec::with_capacity(members.len());
    loop {
        let ready: Vec<ResourceRef> = waiting
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(r, _)| r.clone())
            .collect();
        if ready.is_empty() {
            break;
        }
        for r in ready {
            waiting.remove(&r);
            for d in graph.dependents(&r) {
                if let Some(n) = waiting.get_mut(d) {
                    *n = n.saturating_sub(1);
                }
            }
            out.push(r);
        }
    }
    out.extend(waiting.into_keys());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flux::FluxObject;

    fn obj(v: serde_json::Value) -> FluxObject {
        serde_json::from_value(v).unwrap()
    }

    fn ks(name: &str, depends: &[&str], ready: &str) -> FluxObject {
        obj(serde_json::json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system"},
            "spec": {"interval": "10m", "sourceRef": {"kind": "GitRepository", "name": "repo"},
                     "dependsOn": depends.iter().map(|d| serde_json::json!({"name": d})).collect::<Vec<_>>()},
            "status": {"conditions": [{"type": "Ready", "status": ready, "reason": if ready == "True" {"ReconciliationSucceeded"} else if depends.is_empty() {"ReconciliationFailed"} else {"DependencyNotReady"}, "message": "m"}]}
        }))
    }

    fn repo() -> FluxObject {
        obj(serde_json::json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": "repo", "namespace": "flux-system"},
            "spec": {"interval": "1m", "url": "https://example.com/x"},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded", "message": "ok"}]}
        }))
    }

    #[test]
    fn the_chain_runs_from_the_root_cause_down_in_dependency_order() {
        let graph = Graph::build([
            repo(),
            ks("infra", &[], "False"),
            ks("configs", &["infra"], "False"),
            ks("apps", &["configs"], "False"),
            ks("other", &[], "True"),
        ]);
        let apps = TargetRef::namespaced(TargetKind::Kustomization, "flux-system", "apps");
        let names: Vec<String> = chain(&graph, &apps)
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["infra", "configs", "apps"]);
        let other = TargetRef::namespaced(TargetKind::Kustomization, "flux-system", "other");
        assert_eq!(chain(&graph, &other).unwrap(), vec![other]);
        let missing = TargetRef::namespaced(TargetKind::Kustomization, "flux-system", "nope");
        assert!(matches!(
            chain(&graph, &missing),
            Err(ChainError::Unknown(_))
        ));
    }
}

//! The Flux owner of a target, for the policy input: the Kustomization or HelmRelease that applies it.
//!
//! Found, in this order: for a Flux object, its ownership edge in the graph (an inventory edge before an owner
//! label edge); for any object, the Kustomization/HelmRelease whose `status.inventory` lists it (group, kind,
//! namespace and name all match; the HelmRelease first, as it applies the object directly); then the target's
//! own `kustomize.toolkit.fluxcd.io/*` or `helm.toolkit.fluxcd.io/*` labels. An owner known only from labels
//! and absent from the graph counts as not suspended: the policy then assumes it will revert the change.

use super::input::OwnerInput;
use crate::actions::TargetRef;
use crate::flux::{FluxKind, InventoryId, ResourceRef};
use crate::graph::{EdgeKind, Graph};
use std::collections::BTreeMap;

/// The Flux owner of `target` (with `labels`, the target's own labels) in `graph`.
#[must_use]
pub fn flux_owner(
    graph: &Graph,
    target: &TargetRef,
    labels: &BTreeMap<String, String>,
) -> Option<OwnerInput> {
    edge_owner(graph, target)
        .or_else(|| inventory_owner(graph, target))
        .or_else(|| label_owner(labels))
        .map(|owner| describe(graph, &owner))
}

fn is_applier(kind: FluxKind) -> bool {
    matches!(kind, FluxKind::Kustomization | FluxKind::HelmRelease)
}

fn edge_owner(graph: &Graph, target: &TargetRef) -> Option<ResourceRef> {
    let kind = target.kind.flux()?;
    let rref = ResourceRef::new(
        kind,
        target.namespace.as_deref().unwrap_or_default(),
        &target.name,
    );
    let mut owners: Vec<(u8, ResourceRef)> = graph
        .in_edges(&rref)
        .filter(|(edge, from)| edge.is_ownership() && is_applier(from.kind))
        .map(|(edge, from)| (u8::from(edge != EdgeKind::Inventory), from.clone()))
        .collect();
    owners.sort();
    owners.into_iter().next().map(|(_, owner)| owner)
}

fn inventory_owner(graph: &Graph, target: &TargetRef) -> Option<ResourceRef> {
    let namespace = target.namespace.as_deref().unwrap_or_default();
    let mut owners: Vec<ResourceRef> = graph
        .nodes()
        .filter(|node| is_applier(node.rref.kind))
        .filter(|node| {
            node.object
                .as_ref()
                .and_then(|o| o.status.inventory.as_ref())
                .is_some_and(|inventory| {
                    inventory.entries.iter().any(|entry| {
                        InventoryId::parse(&entry.id).is_ok_and(|id| {
                            id.kind == target.kind.as_str()
                                && id.group == target.kind.group()
                                && id.namespace == namespace
                                && id.name == target.name
                        })
                    })
                })
        })
        .map(|node| node.rref.clone())
        .collect();
    owners.sort_by_key(|r| (r.kind != FluxKind::HelmRelease, r.clone()));
    owners.into_iter().next()
}

fn label_owner(labels: &BTreeMap<String, String>) -> Option<ResourceRef> {
    [
        (FluxKind::HelmRelease, "helm.toolkit.fluxcd.io"),
        (FluxKind::Kustomization, "kustomize.toolkit.fluxcd.io"),
    ]
    .into_iter()
    .find_map(|(kind, prefix)| {
        let name = labels.get(&format!("{prefix}/name"))?;
        let namespace = labels.get(&format!("{prefix}/namespace"))?;
        Some(ResourceRef::new(kind, namespace, name))
    })
}

fn describe(graph: &Graph, owner: &ResourceRef) -> OwnerInput {
    let spec = graph
        .node(owner)
        .and_then(|n| n.object.as_ref())
        .map(|o| &o.spec);
    OwnerInput {
        kind: owner.kind.as_str().to_owned(),
        namespace: owner.namespace.clone(),
        name: owner.name.clone(),
        suspended: spec.and_then(|s| s.suspend).unwrap_or(false),
        interval: spec.and_then(|s| s.interval.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::TargetKind;
    use crate::flux::FluxObject;

    fn object(yaml: serde_json::Value) -> FluxObject {
        serde_json::from_value(yaml).unwrap()
    }

    fn ks(name: &str, suspend: bool, entries: &[&str]) -> FluxObject {
        object(serde_json::json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system"},
            "spec": {"interval": "10m", "suspend": suspend, "sourceRef": {"kind": "GitRepository", "name": "repo"}},
            "status": {"inventory": {"entries": entries.iter().map(|id| serde_json::json!({"id": id, "v": "v1"})).collect::<Vec<_>>()}}
        }))
    }

    #[test]
    fn a_workload_is_owned_by_the_kustomization_whose_inventory_lists_it() {
        let graph = Graph::build([
            ks(
                "apps",
                false,
                &["apps_web_apps_Deployment", "apps_web__Service"],
            ),
            ks("infra", true, &["_worker-1__Node"]),
        ]);
        let web = TargetRef::namespaced(TargetKind::Deployment, "apps", "web");
        let owner = flux_owner(&graph, &web, &BTreeMap::new()).unwrap();
        assert_eq!(
            (owner.kind.as_str(), owner.name.as_str()),
            ("Kustomization", "apps")
        );
        assert!(!owner.suspended);
        assert_eq!(owner.interval.as_deref(), Some("10m"));
        // Same name, other kind or group: not the same object.
        let cm = TargetRef::namespaced(TargetKind::ConfigMap, "apps", "web");
        assert_eq!(flux_owner(&graph, &cm, &BTreeMap::new()), None);
        let node = TargetRef {
            kind: TargetKind::Node,
            namespace: None,
            name: "worker-1".into(),
        };
        assert!(
            flux_owner(&graph, &node, &BTreeMap::new())
                .unwrap()
                .suspended
        );
    }

    #[test]
    fn a_flux_object_is_owned_through_its_inventory_edge_and_labels_are_the_fallback() {
        let graph = Graph::build([ks(
            "apps",
            true,
            &["apps_podinfo_helm.toolkit.fluxcd.io_HelmRelease"],
        )]);
        let hr = TargetRef::namespaced(TargetKind::HelmRelease, "apps", "podinfo");
        let owner = flux_owner(&graph, &hr, &BTreeMap::new()).unwrap();
        assert_eq!(owner.name, "apps");
        assert!(owner.suspended);
        let labels: BTreeMap<String, String> = [
            (
                "helm.toolkit.fluxcd.io/name".to_owned(),
                "podinfo".to_owned(),
            ),
            (
                "helm.toolkit.fluxcd.io/namespace".to_owned(),
                "apps".to_owned(),
            ),
        ]
        .into();
        let pod = TargetRef::namespaced(TargetKind::Deployment, "apps", "podinfo");
        let owner = flux_owner(&Graph::default(), &pod, &labels).unwrap();
        assert_eq!(
            (owner.kind.as_str(), owner.suspended),
            ("HelmRelease", false)
        );
    }
}

//! Edge kinds and the edges one Flux object contributes to the graph, read from its spec, labels and inventory.
//!
//! Direction: a **waits-on** edge points from the object that waits (the dependent) to what it waits on (the
//! dependency): `DependsOn`, `SourceRef`, `ChartSource`, `ChartRef`, `Include`, `HealthCheck`. **Ownership**
//! edges (`Inventory`, `OwnerLabel`) point from the owner (the Kustomization/HelmRelease that applies) to the
//! object it applied; with `wait`/health checks the owner indeed waits on what it applied, so the convention
//! holds, but ownership edges are never walked for root causes. An owner listing itself in its own inventory
//! (the bootstrap `flux-system` Kustomization does) gives no edge, and neither does the inventory of an object
//! with `spec.kubeConfig` (it lists objects of the remote cluster).
//!
//! HelmRelease `spec.chart`: the controller creates HelmChart `<hr.namespace>-<hr.name>` in
//! `sourceRef.namespace` (default: the HelmRelease's namespace). The HelmRelease contributes both
//! `HR → HelmChart` and `HelmChart → source` (`ChartSource`), whether or not the HelmChart object is known: in
//! a repository load it never is, and the chart node is then an *implied* node (not dangling). A HelmChart
//! object present in the cluster contributes its own `HelmChart → source` edge, which is the same edge once
//! reconciled (edges are reference-counted).

use crate::flux::api::CrossRef;
use crate::flux::{FluxKind, FluxObject, InventoryId, ResourceRef};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why one object points at another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EdgeKind {
    /// `spec.dependsOn[]` (Kustomization → Kustomization, HelmRelease → HelmRelease).
    DependsOn,
    /// `spec.sourceRef` of a Kustomization or ExternalArtifact.
    SourceRef,
    /// HelmRelease → its generated HelmChart, and HelmChart → its HelmRepository/GitRepository/Bucket.
    ChartSource,
    /// HelmRelease `spec.chartRef`.
    ChartRef,
    /// GitRepository `spec.include[].repository`.
    Include,
    /// Kustomization `spec.healthChecks[]` naming a Flux object.
    HealthCheck,
    /// Owner → child found in the owner's `status.inventory`.
    Inventory,
    /// Owner → child found in the child's `kustomize.toolkit.fluxcd.io/*` or `helm.toolkit.fluxcd.io/*` labels.
    OwnerLabel,
}

impl EdgeKind {
    /// Every edge kind.
    pub const ALL: [EdgeKind; 8] = [
        EdgeKind::DependsOn,
        EdgeKind::SourceRef,
        EdgeKind::ChartSource,
        EdgeKind::ChartRef,
        EdgeKind::Include,
        EdgeKind::HealthCheck,
        EdgeKind::Inventory,
        EdgeKind::OwnerLabel,
    ];

    /// Whether the source of the edge cannot become ready while the target is not (walked for root causes).
    #[must_use]
    pub fn is_waits_on(self) -> bool {
        !self.is_ownership()
    }

    /// Whether the edge records who applied whom (the ownership view).
    #[must_use]
    pub fn is_ownership(self) -> bool {
        matches!(self, EdgeKind::Inventory | EdgeKind::OwnerLabel)
    }

    /// A short word for the UI.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            EdgeKind::DependsOn => "dependsOn",
            EdgeKind::SourceRef => "sourceRef",
            EdgeKind::ChartSource => "chart source",
            EdgeKind::ChartRef => "chartRef",
            EdgeKind::Include => "include",
            EdgeKind::HealthCheck => "healthCheck",
            EdgeKind::Inventory => "inventory",
            EdgeKind::OwnerLabel => "owner label",
        }
    }
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One directed edge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Edge {
    pub from: ResourceRef,
    pub to: ResourceRef,
    pub kind: EdgeKind,
}

impl Edge {
    fn new(from: &ResourceRef, to: ResourceRef, kind: EdgeKind) -> Self {
        Self {
            from: from.clone(),
            to,
            kind,
        }
    }
}

/// The HelmChart the helm-controller generates for a HelmRelease using `spec.chart`, with the chart's source.
#[must_use]
pub fn generated_chart(hr: &FluxObject) -> Option<(ResourceRef, Option<ResourceRef>)> {
    let chart = hr.spec.chart.as_ref()?;
    let src = &chart.spec.source_ref;
    let ns = src
        .namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or(hr.namespace());
    let chart_ref = ResourceRef::new(
        FluxKind::HelmChart,
        ns,
        format!("{}-{}", hr.namespace(), hr.name()),
    );
    let source = cross_ref(src, ns);
    Some((chart_ref, source))
}

/// Resolves a typed reference to a Flux object; `None` when the kind is not a Flux kind or the name is empty.
fn cross_ref(r: &CrossRef, default_ns: &str) -> Option<ResourceRef> {
    let kind = FluxKind::from_kind(&r.kind)?;
    if r.name.is_empty() {
        return None;
    }
    if let Some(api) = r.api_version.as_deref().filter(|a| !a.is_empty())
        && api.split_once('/').map(|(g, _)| g) != Some(kind.group())
    {
        return None;
    }
    let ns = r
        .namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or(default_ns);
    Some(ResourceRef::new(kind, ns, &r.name))
}

/// The owner named by the `<group>/name` + `<group>/namespace` labels, if any.
fn label_owner(obj: &FluxObject) -> Option<ResourceRef> {
    let labels = obj.metadata.labels.as_ref()?;
    [FluxKind::Kustomization, FluxKind::HelmRelease]
        .into_iter()
        .find_map(|kind| {
            let name = labels.get(&format!("{}/name", kind.group()))?;
            let ns = labels.get(&format!("{}/namespace", kind.group()))?;
            (!name.is_empty()).then(|| ResourceRef::new(kind, ns, name))
        })
}

/// Every edge `obj` contributes (see the module doc), deduplicated, in a deterministic order.
#[must_use]
pub fn edges_of(obj: &FluxObject) -> Vec<Edge> {
    let Some(me) = obj.resource_ref() else {
        return Vec::new();
    };
    let ns = obj.namespace();
    let spec = &obj.spec;
    let mut edges = Vec::new();
    if me.kind.is_applier() {
        for dep in &spec.depends_on {
            if dep.name.is_empty() {
                continue;
            }
            let dep_ns = dep
                .namespace
                .as_deref()
                .filter(|n| !n.is_empty())
                .unwrap_or(ns);
            let target = ResourceRef::new(me.kind, dep_ns, &dep.name);
            edges.push(Edge::new(&me, target, EdgeKind::DependsOn));
        }
    }
    match me.kind {
        FluxKind::Kustomization | FluxKind::ExternalArtifact => {
            if let Some(t) = spec.source_ref.as_ref().and_then(|r| cross_ref(r, ns)) {
                edges.push(Edge::new(&me, t, EdgeKind::SourceRef));
            }
        }
        FluxKind::HelmChart => {
            // HelmChart sourceRef has no namespace field: always its own namespace.
            if let Some(t) = spec.source_ref.as_ref().and_then(|r| cross_ref(r, ns)) {
                let t = ResourceRef::new(t.kind, ns, t.name);
                edges.push(Edge::new(&me, t, EdgeKind::ChartSource));
            }
        }
        FluxKind::GitRepository => {
            for inc in &spec.include {
                if !inc.repository.name.is_empty() {
                    let t = ResourceRef::new(FluxKind::GitRepository, ns, &inc.repository.name);
                    edges.push(Edge::new(&me, t, EdgeKind::Include));
                }
            }
        }
        _ => {}
    }
    if me.kind == FluxKind::HelmRelease {
        if let Some((chart, source)) = generated_chart(obj) {
            if let Some(source) = source {
                edges.push(Edge::new(&chart, source, EdgeKind::ChartSource));
            }
            edges.push(Edge::new(&me, chart, EdgeKind::ChartSource));
        }
        if let Some(t) = spec.chart_ref.as_ref().and_then(|r| cross_ref(r, ns)) {
            edges.push(Edge::new(&me, t, EdgeKind::ChartRef));
        }
    }
    if me.kind == FluxKind::Kustomization {
        for hc in &spec.health_checks {
            if let Some(t) = cross_ref(hc, ns) {
                edges.push(Edge::new(&me, t, EdgeKind::HealthCheck));
            }
        }
    }
    // With spec.kubeConfig the inventory lists objects of the remote cluster, not of this one.
    if me.kind.is_applier()
        && spec.kube_config.is_none()
        && let Some(inv) = &obj.status.inventory
    {
        for entry in &inv.entries {
            let child = InventoryId::parse(&entry.id)
                .ok()
                .and_then(|id| id.flux_ref());
            if let Some(child) = child.filter(|c| *c != me) {
                edges.push(Edge::new(&me, child, EdgeKind::Inventory));
            }
        }
    }
    if let Some(owner) = label_owner(obj).filter(|o| *o != me) {
        edges.push(Edge::new(&owner, me.clone(), EdgeKind::OwnerLabel));
    }
    edges.sort();
    edges.dedup();
    edges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(json: serde_json::Value) -> FluxObject {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn helm_release_chart_goes_through_the_generated_chart_in_the_source_namespace() {
        let hr = obj(serde_json::json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "lidarr", "namespace": "downloads"},
            "spec": {"chart": {"spec": {"chart": "lidarr", "sourceRef": {
                "kind": "HelmRepository", "name": "k8s-at-home", "namespace": "flux-system"}}}}
        }));
        let chart = ResourceRef::new(FluxKind::HelmChart, "flux-system", "downloads-lidarr");
        let repo = ResourceRef::new(FluxKind::HelmRepository, "flux-system", "k8s-at-home");
        let me = ResourceRef::new(FluxKind::HelmRelease, "downloads", "lidarr");
        let edges = edges_of(&hr);
        assert!(edges.contains(&Edge::new(&me, chart.clone(), EdgeKind::ChartSource)));
        assert!(edges.contains(&Edge::new(&chart, repo, EdgeKind::ChartSource)));
        assert_eq!(edges.len(), 2);
    }

    #[test]
    fn depends_on_defaults_to_the_dependents_namespace_and_kind() {
        let ks = obj(serde_json::json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "team"},
            "spec": {"dependsOn": [{"name": "infra"}, {"name": "crds", "namespace": "flux-system"}],
                     "sourceRef": {"kind": "GitRepository", "name": "repo"}}
        }));
        let targets: Vec<_> = edges_of(&ks)
            .into_iter()
            .map(|e| (e.kind, e.to.to_string()))
            .collect();
        assert_eq!(
            targets,
            vec![
                (
                    EdgeKind::DependsOn,
                    "Kustomization/flux-system/crds".to_owned()
                ),
                (EdgeKind::DependsOn, "Kustomization/team/infra".to_owned()),
                (EdgeKind::SourceRef, "GitRepository/team/repo".to_owned()),
            ]
        );
    }

    #[test]
    fn owner_labels_and_inventory_point_from_owner_to_child_but_never_at_self() {
        let ks = obj(serde_json::json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "flux-system", "namespace": "flux-system",
                "labels": {"kustomize.toolkit.fluxcd.io/name": "flux-system",
                           "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}},
            "spec": {"sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
            "status": {"inventory": {"entries": [
                {"id": "flux-system_flux-system_kustomize.toolkit.fluxcd.io_Kustomization", "v": "v1"},
                {"id": "flux-system_infrastructure_kustomize.toolkit.fluxcd.io_Kustomization", "v": "v1"},
                {"id": "flux-system_source-controller_apps_Deployment", "v": "v1"},
                {"id": "bad id", "v": "v1"}
            ]}}
        }));
        let kinds: Vec<_> = edges_of(&ks)
            .into_iter()
            .map(|e| (e.kind, e.to.name))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (EdgeKind::Inventory, "infrastructure".to_owned()),
                (EdgeKind::SourceRef, "flux-system".to_owned()),
            ]
        );
    }

    #[test]
    fn source_to_source_edges_stay_in_the_source_namespace() {
        let git = obj(serde_json::json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": "app", "namespace": "team"},
            "spec": {"url": "https://x", "include": [{"repository": {"name": "shared"}, "toPath": "shared"}]}
        }));
        let chart = obj(serde_json::json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmChart",
            "metadata": {"name": "team-web", "namespace": "team"},
            "spec": {"chart": "web", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}
        }));
        let targets = |o: &FluxObject| {
            edges_of(o)
                .into_iter()
                .map(|e| (e.kind, e.to.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            targets(&git),
            vec![(EdgeKind::Include, "GitRepository/team/shared".to_owned())]
        );
        assert_eq!(
            targets(&chart),
            vec![(
                EdgeKind::ChartSource,
                "HelmRepository/team/charts".to_owned()
            )]
        );
    }

    #[test]
    fn a_remote_inventory_gives_no_local_edges() {
        let ks = obj(serde_json::json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "tenants", "namespace": "production"},
            "spec": {"sourceRef": {"kind": "GitRepository", "name": "r"},
                     "kubeConfig": {"secretRef": {"name": "cluster-kubeconfig"}}},
            "status": {"inventory": {"entries": [
                {"id": "flux-system_apps_kustomize.toolkit.fluxcd.io_Kustomization", "v": "v1"}
            ]}}
        }));
        assert!(edges_of(&ks).iter().all(|e| e.kind != EdgeKind::Inventory));
    }

    #[test]
    fn health_checks_on_non_flux_objects_give_no_edge() {
        let ks = obj(serde_json::json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "a", "namespace": "x"},
            "spec": {"sourceRef": {"kind": "GitRepository", "name": "r"}, "healthChecks": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "name": "web", "namespace": "y"}
            ]}
        }));
        let hc: Vec<_> = edges_of(&ks)
            .into_iter()
            .filter(|e| e.kind == EdgeKind::HealthCheck)
            .map(|e| e.to.to_string())
            .collect();
        assert_eq!(hc, vec!["HelmRelease/y/web".to_owned()]);
    }
}

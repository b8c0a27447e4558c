//! The dependency graph of every shared fleet (loaded with `flux::repo`), and root causes on them.
//!
//! Expected numbers were verified by reading the fleet files; each test says where they come from.

#![allow(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns; a failed unwrap is a failed test"
)]

mod support;

use support::fleets::fleet_objects;
use support::objects::with_status;

use fluxops::flux::{FluxKind, FluxObject, Health, ResourceRef};
use fluxops::graph::{EdgeKind, Graph, NodeState};
use std::collections::BTreeMap;

fn edge_counts(g: &Graph) -> Vec<(EdgeKind, usize)> {
    g.edge_counts().into_iter().collect()
}

fn ks(ns: &str, name: &str) -> ResourceRef {
    ResourceRef::new(FluxKind::Kustomization, ns, name)
}

fn dangling_targets(g: &Graph) -> Vec<String> {
    g.dangling().iter().map(|d| d.target.to_string()).collect()
}

#[test]
fn kustomize_helm_example_graph() {
    // 3 Kustomizations (apps → infra-configs → infra-controllers: 2 dependsOn) whose sourceRefs name the
    // ExternalArtifacts `apps` and `infrastructure` an ArtifactGenerator makes in the cluster (dangling,
    // expected); HelmRelease podinfo uses spec.chart (HR → implied HelmChart podinfo/podinfo-podinfo →
    // HelmRepository podinfo: 2 chart-source edges); cert-manager and envoy-gateway use chartRef to their
    // OCIRepositories.
    let g = Graph::build(fleet_objects("flux2-kustomize-helm-example"));
    assert_eq!(
        edge_counts(&g),
        vec![
            (EdgeKind::DependsOn, 2),
            (EdgeKind::SourceRef, 3),
            (EdgeKind::ChartSource, 2),
            (EdgeKind::ChartRef, 2),
        ]
    );
    assert_eq!(
        dangling_targets(&g),
        vec![
            "ExternalArtifact/flux-system/apps",
            "ExternalArtifact/flux-system/infrastructure"
        ]
    );
    assert!(g.dangling().iter().all(|d| d.expected));
    let chart = ResourceRef::new(FluxKind::HelmChart, "podinfo", "podinfo-podinfo");
    assert_eq!(g.node(&chart).map(|n| n.state), Some(NodeState::Implied));
    assert!(g.cycles().is_empty());
    // No cross-kind dependsOn and no reference of a kind its field rejects: dangling refs are all there is.
    assert_eq!(g.warnings().len(), g.dangling().len(), "{:?}", g.warnings());
    assert!(g.cross_kind_depends_on().is_empty());
}

#[test]
fn multi_tenancy_graph() {
    // kyverno-policies → kyverno and tenants → kyverno-policies (2 dependsOn); 5 sourceRefs: the three cluster
    // Kustomizations use the bootstrap GitRepository flux-system (absent: dangling, expected),
    // kyverno-controller its OCIRepository, dev-team its GitRepository apps/dev-team.
    let g = Graph::build(fleet_objects("flux2-multi-tenancy"));
    assert_eq!(
        edge_counts(&g),
        vec![(EdgeKind::DependsOn, 2), (EdgeKind::SourceRef, 5)]
    );
    assert_eq!(
        dangling_targets(&g),
        vec!["GitRepository/flux-system/flux-system"]
    );
    assert_eq!(g.dangling()[0].referrers.len(), 3);
    assert!(g.cycles().is_empty());
    // No cross-kind dependsOn and no reference of a kind its field rejects: dangling refs are all there is.
    assert_eq!(g.warnings().len(), g.dangling().len(), "{:?}", g.warnings());
    assert_eq!(
        g.dependencies(&ks("apps", "dev-team")),
        vec![&ResourceRef::new(
            FluxKind::GitRepository,
            "apps",
            "dev-team"
        )]
    );
}

#[test]
fn hub_spoke_graph() {
    // Per namespace (production, staging): apps → infra-configs → infra-controllers → tenants (3 dependsOn
    // each = 6), 4 sourceRefs each to flux-system/flux-system (8, dangling). 3 HelmReleases with spec.chart
    // in each namespace (the hub builds deploy/ into both with targetNamespace; 2 chart-source edges each = 12),
    // each reaching the HelmRepository of its own namespace.
    let g = Graph::build(fleet_objects("flux2-hub-spoke-example"));
    assert_eq!(
        edge_counts(&g),
        vec![
            (EdgeKind::DependsOn, 6),
            (EdgeKind::SourceRef, 8),
            (EdgeKind::ChartSource, 12),
        ]
    );
    assert_eq!(
        dangling_targets(&g),
        vec!["GitRepository/flux-system/flux-system"]
    );
    assert!(g.cycles().is_empty());
    // No cross-kind dependsOn and no reference of a kind its field rejects: dangling refs are all there is.
    assert_eq!(g.warnings().len(), g.dangling().len(), "{:?}", g.warnings());
    assert_eq!(
        g.blast_radius(&ks("production", "tenants")),
        vec![
            &ks("production", "apps"),
            &ks("production", "infra-configs"),
            &ks("production", "infra-controllers"),
        ]
    );
}

#[test]
fn bjw_s_home_ops_graph() {
    // 115 dependsOn entries (data/README.md; 112 Kustomization → Kustomization, 3 HelmRelease → HelmRelease:
    // zigbee2mqtt → mosquitto, vector-agent and vector-aggregator → loki),
    // 100 Kustomization sourceRefs (all to GitRepository home-ops or flux), 56 HelmReleases with spec.chart
    // (2 edges each = 112). Nothing dangles: home-ops is in the repository, the definitions' sourceRef comes
    // from their parent's patch, and HelmRelease mosquitto gets namespace home-automation from its overlay.
    let objects = fleet_objects("bjw-s-labs__home-ops@2022-06");
    let g = Graph::build(objects.clone());
    assert_eq!(
        edge_counts(&g),
        vec![
            (EdgeKind::DependsOn, 115),
            (EdgeKind::SourceRef, 100),
            (EdgeKind::ChartSource, 112),
        ]
    );
    let depends_on_hr = g
        .edges()
        .into_iter()
        .filter(|e| e.kind == EdgeKind::DependsOn && e.from.kind == FluxKind::HelmRelease)
        .count();
    assert_eq!(depends_on_hr, 3);
    assert!(g.dangling().is_empty(), "{:?}", g.dangling());
    assert!(g.cycles().is_empty());
    // No cross-kind dependsOn and no reference of a kind its field rejects: dangling refs are all there is.
    assert_eq!(g.warnings().len(), g.dangling().len(), "{:?}", g.warnings());
    assert!(g.cross_kind_depends_on().is_empty());
    assert_eq!(g.state_counts().get(&NodeState::Implied), Some(&56));
}

#[test]
fn a_failing_source_is_the_root_cause_downstream_and_nowhere_else() {
    // Everything without status is Unknown (pass-through). Fail the GitRepository every Kustomization uses and
    // one HelmRepository; HelmReleases charted from other repositories must not blame either.
    let objects = fleet_objects("bjw-s-labs__home-ops@2022-06");
    let home_ops = ResourceRef::new(FluxKind::GitRepository, "flux-system", "home-ops");
    let k8s_at_home = ResourceRef::new(
        FluxKind::HelmRepository,
        "flux-system",
        "k8s-at-home-charts",
    );
    let failing = [home_ops.clone(), k8s_at_home.clone()];
    let g = Graph::build(with_status(&objects, |r| {
        failing
            .contains(r)
            .then_some(("False", "GitOperationFailed"))
    }));
    let downstream = g.blast_radius(&home_ops);
    // 98 of the 100 Kustomizations wait on home-ops, directly or through dependsOn (manage-flux and flux use
    // the flux GitRepository but depend on Kustomizations that use home-ops). The other two sync CRDs from
    // their own GitRepositories and must not blame home-ops.
    assert_eq!(downstream.len(), 98);
    assert!(downstream.iter().all(|r| r.kind == FluxKind::Kustomization));
    for name in [
        "cluster-crds-external-snapshotter",
        "cluster-crds-kube-prometheus-stack",
    ] {
        assert!(!downstream.contains(&&ks("flux-system", name)));
        assert!(g.root_causes(&ks("flux-system", name)).is_empty(), "{name}");
    }
    for r in &downstream {
        assert!(g.root_causes(r).contains(&home_ops), "{r}");
    }
    let charted_from_k8s_at_home = g.blast_radius(&k8s_at_home);
    assert!(!charted_from_k8s_at_home.is_empty());
    for r in &charted_from_k8s_at_home {
        assert!(g.root_causes(r).contains(&k8s_at_home), "{r}");
        assert!(!g.root_causes(r).contains(&home_ops), "{r}");
    }
    let unrelated: Vec<_> = g
        .nodes()
        .filter(|n| n.rref.kind == FluxKind::HelmRelease)
        .filter(|n| !charted_from_k8s_at_home.contains(&&n.rref))
        .map(|n| n.rref.clone())
        .collect();
    assert!(!unrelated.is_empty());
    for r in &unrelated {
        assert!(g.root_causes(r).is_empty(), "{r}: {:?}", g.root_causes(r));
    }
    assert_eq!(g.root_causes(&home_ops), std::slice::from_ref(&home_ops));
}

#[test]
fn a_failing_kustomization_blocks_its_depends_on_chain_but_not_its_siblings() {
    // downloads-namespace is the head of the downloads chain (lidarr, nzbget, … depend on it; recyclarr also
    // on sonarr and radarr). Everything else is Ready; the chain is Blocked.
    let objects = fleet_objects("bjw-s-labs__home-ops@2022-06");
    let head = ks("flux-system", "downloads-namespace");
    let g0 = Graph::build(objects.clone());
    let chain: Vec<ResourceRef> = g0.blast_radius(&head).into_iter().cloned().collect();
    assert!(chain.contains(&ks("flux-system", "downloads-recyclarr")));
    let g = Graph::build(with_status(&objects, |r| {
        Some(if *r == head {
            ("False", "ReconciliationFailed")
        } else if chain.contains(r) {
            ("False", "DependencyNotReady")
        } else {
            ("True", "ReconciliationSucceeded")
        })
    }));
    assert_eq!(
        g.node(&ks("flux-system", "downloads-lidarr"))
            .and_then(|n| n.health),
        Some(Health::Blocked)
    );
    for r in &chain {
        assert_eq!(g.root_causes(r), std::slice::from_ref(&head), "{r}");
    }
    let media = ks("flux-system", "media-plex");
    assert!(g.node(&media).is_some());
    assert!(g.root_causes(&media).is_empty());
    let with_causes: BTreeMap<_, _> = g.all_root_causes().into_iter().collect();
    assert_eq!(with_causes.len(), chain.len() + 1);
}

#[test]
fn incremental_build_of_a_fleet_equals_a_fresh_build() {
    let objects = fleet_objects("bjw-s-labs__home-ops@2022-06");
    let mut g = Graph::new();
    for o in objects.iter().cloned() {
        assert!(g.upsert(o));
    }
    assert_eq!(g, Graph::build(objects.clone()));
    // Fail the source, then recover it, as a watch would deliver it.
    let failed = with_status(&objects, |r| {
        (r.name == "home-ops").then_some(("False", "GitOperationFailed"))
    });
    let home_ops = failed.iter().find(|o| o.name() == "home-ops").unwrap();
    g.upsert(home_ops.clone());
    assert_eq!(g, Graph::build(failed.clone()));
    let lidarr = ks("flux-system", "downloads-lidarr");
    assert!(!g.root_causes(&lidarr).is_empty());
    let original = objects.iter().find(|o| o.name() == "home-ops").unwrap();
    g.upsert(original.clone());
    assert_eq!(g, Graph::build(objects.clone()));
    // Removing the source leaves a dangling placeholder that now blocks everything downstream.
    let home_ops_ref = original.resource_ref().unwrap();
    assert!(g.remove(&home_ops_ref));
    assert_eq!(
        g.node(&home_ops_ref).map(|n| n.state),
        Some(NodeState::Dangling)
    );
    assert_eq!(g.root_causes(&lidarr), std::slice::from_ref(&home_ops_ref));
}

#[test]
fn inventory_builds_the_flux_tree_of_the_cli_testdata() {
    // flux2 cmd/flux/testdata/tree/kustomizations.yaml: flux-system applies infrastructure (and lists its own
    // GitRepository); infrastructure applies HelmRepository cert-manager/cert-manager. Same tree as tree.golden.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/status-blocks/flux2-cli-testdata/tree/kustomizations.yaml"
    );
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace("{{ .fluxns }}", "flux-system");
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text).unwrap();
    let objects: Vec<FluxObject> = docs
        .into_iter()
        .filter(|d| d["kind"] == "Kustomization")
        .map(|d| serde_json::from_value(d).unwrap())
        .collect();
    let g = Graph::build(objects);
    let root = ks("flux-system", "flux-system");
    assert_eq!(
        g.inventory_children(&root),
        vec![
            &ks("flux-system", "infrastructure"),
            &ResourceRef::new(FluxKind::GitRepository, "flux-system", "flux-system"),
        ]
    );
    assert_eq!(
        g.inventory_children(&ks("flux-system", "infrastructure")),
        vec![&ResourceRef::new(
            FluxKind::HelmRepository,
            "cert-manager",
            "cert-manager"
        )]
    );
    let roots = g.inventory_roots();
    assert!(roots.contains(&&root));
    assert!(!roots.contains(&&ks("flux-system", "infrastructure")));
    assert_eq!(g.owners(&ks("flux-system", "infrastructure")), vec![&root]);
}

#[test]
fn a_failing_kustomization_under_a_failing_source_points_at_the_source_and_back_when_it_recovers() {
    // downloads-namespace fails (ReconciliationFailed) while home-ops, the GitRepository it applies from,
    // cannot fetch: the chain below it blames home-ops. When home-ops recovers (a watch update), the failure
    // is downloads-namespace's own again; the cached answers always equal a fresh build.
    let objects = fleet_objects("bjw-s-labs__home-ops@2022-06");
    let head = ks("flux-system", "downloads-namespace");
    let home_ops = ResourceRef::new(FluxKind::GitRepository, "flux-system", "home-ops");
    let g0 = Graph::build(objects.clone());
    assert!(g0.dependencies(&head).contains(&&home_ops));
    let chain: Vec<ResourceRef> = g0.blast_radius(&head).into_iter().cloned().collect();
    assert!(!chain.is_empty());
    let fleet = |source_ok: bool| {
        with_status(&objects, |r| {
            Some(if *r == home_ops {
                if source_ok {
                    ("True", "Succeeded")
                } else {
                    ("False", "GitOperationFailed")
                }
            } else if *r == head {
                ("False", "ReconciliationFailed")
            } else if chain.contains(r) {
                ("False", "DependencyNotReady")
            } else {
                ("True", "ReconciliationSucceeded")
            })
        })
    };
    let broken = fleet(false);
    let mut g = Graph::build(broken.clone());
    assert_eq!(g.node(&head).and_then(|n| n.health), Some(Health::Failing));
    assert_eq!(g.root_causes(&head), std::slice::from_ref(&home_ops));
    for r in &chain {
        assert_eq!(g.root_causes(r), std::slice::from_ref(&home_ops), "{r}");
    }
    let recovered = fleet(true);
    let source = |objs: &[FluxObject]| {
        objs.iter()
            .find(|o| o.resource_ref().as_ref() == Some(&home_ops))
            .cloned()
            .unwrap()
    };
    g.upsert(source(&recovered));
    assert_eq!(g, Graph::build(recovered.clone()));
    assert_eq!(g.root_causes(&head), std::slice::from_ref(&head));
    for r in &chain {
        assert_eq!(g.root_causes(r), std::slice::from_ref(&head), "{r}");
    }
    g.upsert(source(&broken));
    assert_eq!(g, Graph::build(broken));
    assert_eq!(g.root_causes(&head), std::slice::from_ref(&home_ops));
}

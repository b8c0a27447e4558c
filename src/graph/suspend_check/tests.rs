//! The two suspend traps on built objects: live objects (managedFields, inventory) and repository objects.

use super::*;
use crate::flux::FluxObject;
use crate::graph::GraphWarning;
use serde_json::{Value, json};

fn obj(v: Value) -> FluxObject {
    serde_json::from_value(v).unwrap()
}

fn owner_labels(parent: &str) -> Value {
    json!({"kustomize.toolkit.fluxcd.io/name": parent, "kustomize.toolkit.fluxcd.io/namespace": "flux-system"})
}

/// A parent Kustomization applying `children` (inventory ids), with `wait` and `healthChecks`.
fn parent(
    name: &str,
    children: &[&str],
    wait: bool,
    health_checks: Value,
    live: bool,
) -> FluxObject {
    let entries: Vec<Value> = children
        .iter()
        .map(|id| json!({"id": id, "v": "v2"}))
        .collect();
    let mut meta = json!({"name": name, "namespace": "flux-system"});
    if live {
        meta["resourceVersion"] = json!("7");
    }
    obj(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": meta,
        "spec": {"sourceRef": {"kind": "GitRepository", "name": "flux-system"}, "wait": wait,
                 "healthChecks": health_checks},
        "status": {"inventory": {"entries": entries}}
    }))
}

/// A live HelmRelease in `apps`, labelled as applied by `owner`, with the given managedFields.
fn live_hr(name: &str, owner: &str, suspend: bool, managed: Value) -> FluxObject {
    obj(json!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
        "metadata": {"name": name, "namespace": "apps", "resourceVersion": "42",
                     "labels": owner_labels(owner), "managedFields": managed},
        "spec": {"suspend": suspend, "chartRef": {"kind": "OCIRepository", "name": "chart"}}
    }))
}

fn suspend_entry(manager: &str, operation: &str) -> Value {
    json!({"manager": manager, "operation": operation, "fieldsType": "FieldsV1",
           "fieldsV1": {"f:spec": {"f:suspend": {}}}})
}

fn kc_apply() -> Value {
    json!({"manager": "kustomize-controller", "operation": "Apply"})
}

fn hr_ref(name: &str) -> ResourceRef {
    ResourceRef::new(FluxKind::HelmRelease, "apps", name)
}

fn ks_ref(name: &str) -> ResourceRef {
    ResourceRef::new(FluxKind::Kustomization, "flux-system", name)
}

#[test]
fn hand_suspended_child_of_a_flux_parent_is_reported_with_who_suspended_it() {
    let graph = Graph::build([
        parent(
            "apps",
            &["apps_web_helm.toolkit.fluxcd.io_HelmRelease"],
            false,
            json!([]),
            true,
        ),
        live_hr(
            "web",
            "apps",
            true,
            json!([
                kc_apply(),
                suspend_entry("flux-client-side-apply", "Update")
            ]),
        ),
    ]);
    let found = graph.suspend_reverted();
    assert_eq!(
        found,
        vec![SuspendReverted {
            child: hr_ref("web"),
            parent: ks_ref("apps"),
            evidence: SuspendEvidence::SuspendedBy(vec!["flux-client-side-apply".into()]),
        }]
    );
    let text = GraphWarning::SuspendReverted(found[0].clone()).to_string();
    assert!(
        text.contains("flux2#3462") && text.contains("Kustomization/flux-system/apps"),
        "{text}"
    );
    assert!(
        graph
            .warnings()
            .iter()
            .any(|w| matches!(w, GraphWarning::SuspendReverted(_)))
    );
}

#[test]
fn suspend_written_by_the_parents_manifest_is_not_reported() {
    // kustomize-controller owns spec.suspend of a suspended child: its manifest says `suspend: true`.
    let graph = Graph::build([
        parent("apps", &[], false, json!([]), true),
        live_hr(
            "web",
            "apps",
            true,
            json!([{"manager": "kustomize-controller", "operation": "Apply",
            "fieldsV1": {"f:spec": {"f:suspend": {}, "f:interval": {}}}}]),
        ),
    ]);
    assert!(graph.suspend_reverted().is_empty());
}

#[test]
fn no_parent_no_managed_fields_or_not_suspended_gives_no_report() {
    let orphan = {
        let mut o = live_hr(
            "a",
            "apps",
            true,
            json!([suspend_entry("kubectl-patch", "Update")]),
        );
        o.metadata.labels = None;
        o
    };
    let graph = Graph::build([
        parent("apps", &[], false, json!([]), true),
        orphan,
        live_hr("b", "apps", true, json!([])),
        live_hr("c", "apps", false, json!([suspend_entry("flux", "Update")])),
    ]);
    assert!(
        graph.suspend_reverted().is_empty(),
        "{:?}",
        graph.suspend_reverted()
    );
}

#[test]
fn repository_manifest_with_explicit_suspend_false_is_reported_and_omitted_is_not() {
    let child = |name: &str, suspend: Option<bool>| {
        let mut spec = json!({"sourceRef": {"kind": "GitRepository", "name": "flux-system"}});
        if let Some(s) = suspend {
            spec["suspend"] = json!(s);
        }
        obj(json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system", "labels": owner_labels("flux-system")},
            "spec": spec
        }))
    };
    let graph = Graph::build([
        parent("flux-system", &[], false, json!([]), false),
        child("pinned", Some(false)),
        child("omitted", None),
        child("held", Some(true)),
    ]);
    let found = graph.suspend_reverted();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].child, ks_ref("pinned"));
    assert_eq!(found[0].parent, ks_ref("flux-system"));
    assert_eq!(found[0].evidence, SuspendEvidence::ManifestSaysFalse);
}

#[test]
fn suspended_release_in_a_waiting_parents_inventory_is_reported_once() {
    let graph = Graph::build([
        parent(
            "apps",
            &["apps_web_helm.toolkit.fluxcd.io_HelmRelease"],
            true,
            json!([]),
            true,
        ),
        // Both the inventory and the owner labels say `apps` applied it: one finding.
        live_hr("web", "apps", true, json!([kc_apply()])),
    ]);
    assert_eq!(
        graph.suspended_health_checked(),
        vec![SuspendedHealthChecked {
            child: hr_ref("web"),
            parent: ks_ref("apps"),
            via: HealthCheckVia::Wait
        }]
    );
}

#[test]
fn suspended_release_named_in_health_checks_is_reported_without_wait() {
    let checks = json!([{"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
                         "name": "web", "namespace": "apps"}]);
    let mut hr = live_hr("web", "other", true, json!([]));
    hr.metadata.labels = None;
    let graph = Graph::build([parent("infra", &[], false, checks, true), hr]);
    let found = graph.suspended_health_checked();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].via, HealthCheckVia::HealthChecks);
    assert_eq!(found[0].parent, ks_ref("infra"));
    let text = found[0].to_string();
    assert!(text.contains("kustomize-controller#1100"), "{text}");
}

#[test]
fn no_health_check_report_without_wait_for_a_running_child_or_a_suspended_parent() {
    let mut suspended_parent = parent(
        "held",
        &["apps_x_helm.toolkit.fluxcd.io_HelmRelease"],
        true,
        json!([]),
        true,
    );
    suspended_parent.spec.suspend = Some(true);
    let graph = Graph::build([
        parent(
            "apps",
            &["apps_web_helm.toolkit.fluxcd.io_HelmRelease"],
            false,
            json!([]),
            true,
        ),
        live_hr("web", "apps", true, json!([])),
        parent(
            "busy",
            &["apps_run_helm.toolkit.fluxcd.io_HelmRelease"],
            true,
            json!([]),
            true,
        ),
        live_hr("run", "busy", false, json!([])),
        suspended_parent,
        live_hr("x", "held", true, json!([])),
    ]);
    assert!(
        graph.suspended_health_checked().is_empty(),
        "{:?}",
        graph.suspended_health_checked()
    );
}

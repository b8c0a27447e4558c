//! The simulated kustomize-controller really applies a Kustomization's manifests against the stored objects:
//! a Deployment whose selector differs from the stored one fails with the API server's immutable-field error in
//! kustomize-controller's wording, on every retry, until the Deployment is deleted; then the next reconcile
//! creates it anew and the Kustomization is Ready, its inventory listing it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::flux::FluxKind;
use fluxops::sim::GroupResource;
use fluxops::sim::store::ObjectKey;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, DeleteParams};
use serde_json::Value;
use support::objects::{GIT, ks};
use support::sim::scenario;
use support::status::{condition, has, ready};

/// The Deployment as the cluster has it (applied by an earlier revision), and the Kustomization whose Git now
/// adds a selector label.
const STORED: &str = "---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: apps}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
";

const GIT_CONTENT: &str = "{reconcile: 1s, manifests: [{object: {apiVersion: apps/v1, kind: Deployment, \
    metadata: {name: web, namespace: apps}, spec: {replicas: 1, selector: {matchLabels: {app: web, tier: front}}, \
    template: {metadata: {labels: {app: web, tier: front}}, spec: {containers: [{name: web, image: nginx:1.27}]}}}}}]}";

const MESSAGE: &str = "Deployment/apps/web dry-run failed (Invalid): Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"tier\":\"front\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable\n";

fn deployment_key() -> ObjectKey {
    ObjectKey::new(GroupResource::new("apps", "deployments"), "apps", "web")
}

fn reconciles(o: &Value) -> i64 {
    o["status"]["history"][0]["totalReconciliations"]
        .as_i64()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_selector_fails_the_real_apply_until_the_deployment_is_recreated() {
    let text = format!(
        "kind: Scenario\nname: t\n{GIT}{}{STORED}",
        ks("apps", "10m", ", retryInterval: 1m", GIT_CONTENT)
    );
    let c = scenario(&text, 100.0).await;
    let failing = |o: &Value| has(o, "Ready", "False", "ReconciliationFailed");
    let failed = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "apps",
            "failed",
            failing,
        )
        .await;
    assert_eq!(condition(&failed, "Ready").unwrap()["message"], MESSAGE);
    let events = c.events("flux-system", "apps").await;
    assert!(
        events.iter().any(|e| e.type_.as_deref() == Some("Warning")
            && e.reason.as_deref() == Some("ReconciliationFailed")
            && e.message.as_deref() == Some(MESSAGE)),
        "{events:?}"
    );
    // Every retry hits the same error while the stored Deployment keeps its selector.
    let n = reconciles(&failed);
    let again = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "apps",
            "retried",
            |o| reconciles(o) > n && failing(o),
        )
        .await;
    assert_eq!(condition(&again, "Ready").unwrap()["message"], MESSAGE);
    let stored = c.sim.store().get(&deployment_key()).unwrap();
    let old_uid = stored["metadata"]["uid"].as_str().unwrap().to_owned();
    assert_eq!(stored["spec"]["selector"]["matchLabels"]["app"], "web");
    assert!(stored["spec"]["selector"]["matchLabels"]["tier"].is_null());

    let deployments: Api<Deployment> = Api::namespaced(c.client.clone(), "apps");
    deployments
        .delete("web", &DeleteParams::default())
        .await
        .unwrap();
    c.request_reconcile(
        FluxKind::Kustomization,
        "flux-system",
        "apps",
        "2026-01-01T00:00:00Z",
        &[],
    )
    .await;
    let done = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "apps",
            "Ready",
            ready,
        )
        .await;
    let revision = done["status"]["lastAttemptedRevision"].as_str().unwrap();
    assert_eq!(done["status"]["lastAppliedRevision"], revision);
    assert_eq!(
        condition(&done, "Ready").unwrap()["message"],
        format!("Applied revision: {revision}")
    );
    let ids: Vec<&str> = done["status"]["inventory"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"apps_web_apps_Deployment"), "{ids:?}");
    let recreated = serde_json::to_value(deployments.get("web").await.unwrap()).unwrap();
    assert_ne!(recreated["metadata"]["uid"], old_uid.as_str());
    assert_eq!(
        recreated["spec"]["selector"]["matchLabels"],
        serde_json::json!({"app": "web", "tier": "front"})
    );
    assert_eq!(
        recreated["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"],
        "apps"
    );
    let managers: Vec<&str> = recreated["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert!(managers.contains(&"kustomize-controller"), "{managers:?}");
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_fleet_fails_by_a_real_apply_too() {
    use fluxops::sim::fleet::{FleetSpec, generate_into};
    let store = fluxops::sim::Store::standard();
    let behaviours = generate_into(&store, &FleetSpec::new(400)).unwrap();
    let failing: Vec<_> = behaviours
        .iter()
        .filter(|(r, _)| r.kind == FluxKind::Kustomization)
        .collect();
    assert!(!failing.is_empty());
    for (r, b) in failing {
        assert!(b.failure.is_none(), "no scripted message for {r}");
        let ks = serde_json::json!({"metadata": {"name": r.name, "namespace": r.namespace}});
        let objects = fluxops::sim::controllers::apply::desired(&ks, &b.manifests, 0);
        let checked = fluxops::sim::controllers::apply::check(&store, &objects);
        let message = checked.error.unwrap();
        assert!(
            message.starts_with(&format!(
                "Deployment/{}/{} dry-run failed (Invalid): Deployment.apps \"{}\" is invalid: spec.selector: Invalid value: ",
                r.namespace, r.name, r.name
            )) && message.ends_with(": field is immutable\n"),
            "{message}"
        );
    }
}

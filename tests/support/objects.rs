//! Object builders: a `ResourceRef`, objects with a given Ready condition, scenario text for a GitRepository and Kustomizations, and a Kustomization body for the
//! bare API server.

use fluxops::flux::{FluxKind, FluxObject, ResourceRef};
use kube::api::DynamicObject;
use serde_json::json;

pub fn r(kind: FluxKind, ns: &str, name: &str) -> ResourceRef {
    ResourceRef::new(kind, ns, name)
}

pub const GIT: &str = "---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: repo, namespace: flux-system}
spec: {interval: 1h, url: https://github.com/acme/repo, ref: {branch: main}}
simulation: {reconcile: 50ms}
";

pub fn ks(name: &str, interval: &str, extra_spec: &str, simulation: &str) -> String {
    format!(
        "---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: {name}, namespace: flux-system}}
spec: {{interval: {interval}, path: ./{name}, prune: true, sourceRef: {{kind: GitRepository, name: repo}}{extra_spec}}}
simulation: {simulation}
"
    )
}

pub fn demo_body(name: &str) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "labels": {"team": "a"}},
        "spec": {"interval": "10m", "path": "./apps", "prune": true, "force": false,
                 "sourceRef": {"kind": "GitRepository", "name": "fleet"}}
    }))
    .unwrap()
}

/// Sets the Ready condition of every object `status_of` names (others keep no status).
pub fn with_status(
    objects: &[FluxObject],
    status_of: impl Fn(&ResourceRef) -> Option<(&'static str, &'static str)>,
) -> Vec<FluxObject> {
    objects
        .iter()
        .cloned()
        .map(|mut o| {
            if let Some((status, reason)) = status_of(&o.resource_ref().unwrap()) {
                o.status = serde_json::from_value(json!({"conditions": [
                    {"type": "Ready", "status": status, "reason": reason, "message": "test"}
                ]}))
                .unwrap();
            }
            o
        })
        .collect()
}

//! The objects an execution reads and patches: a dynamic kube API per [`TargetKind`], the exact URL paths a
//! plan sends to (the execution's permit is made of them, `cluster::guard`), and what a live object says
//! (Flux suspend state, the reconcile request handled, the Ready condition, the artifact). Pure apart from
//! [`get`].

use crate::actions::{TargetKind, TargetRef};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use serde_json::Value;

/// The API resource of `kind` (the version the actions use).
#[must_use]
pub fn api_resource(kind: TargetKind) -> ApiResource {
    let gvk = GroupVersionKind::gvk(kind.group(), kind.version(), kind.as_str());
    ApiResource::from_gvk_with_plural(&gvk, kind.plural())
}

/// The dynamic API of `rref`'s collection on `client`.
#[must_use]
pub fn api(client: &kube::Client, rref: &TargetRef) -> Api<DynamicObject> {
    let ar = api_resource(rref.kind);
    match &rref.namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    }
}

/// The URL path of `rref` (what a GET, PATCH or DELETE of it is sent to).
#[must_use]
pub fn path(rref: &TargetRef) -> String {
    let kind = rref.kind;
    let base = if kind.group().is_empty() {
        format!("/api/{}", kind.version())
    } else {
        format!("/apis/{}/{}", kind.group(), kind.version())
    };
    match &rref.namespace {
        Some(ns) => format!("{base}/namespaces/{ns}/{}/{}", kind.plural(), rref.name),
        None => format!("{base}/{}/{}", kind.plural(), rref.name),
    }
}

/// The namespace an Event about `rref` goes to (cluster-scoped objects: `default`, as kubectl does).
#[must_use]
pub fn event_namespace(rref: &TargetRef) -> &str {
    rref.namespace.as_deref().unwrap_or("default")
}

/// The URL path Events about `rref` are created at.
#[must_use]
pub fn events_path(rref: &TargetRef) -> String {
    format!("/api/v1/namespaces/{}/events", event_namespace(rref))
}

/// The live object, `None` when it does not exist.
///
/// # Errors
/// Any API error but 404.
pub async fn get(client: &kube::Client, rref: &TargetRef) -> Result<Option<Value>, kube::Error> {
    match api(client, rref).get_opt(&rref.name).await? {
        Some(obj) => Ok(Some(serde_json::to_value(obj).unwrap_or(Value::Null))),
        None => Ok(None),
    }
}

/// `spec.suspend`.
#[must_use]
pub fn suspended(obj: &Value) -> bool {
    obj.pointer("/spec/suspend")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// `status.lastHandledReconcileAt`.
#[must_use]
pub fn last_handled(obj: &Value) -> Option<&str> {
    obj.pointer("/status/lastHandledReconcileAt")
        .and_then(Value::as_str)
}

/// A string map of the object at `pointer` (`/metadata/labels`, `/metadata/annotations`); a value that is not a
/// string counts as empty, a missing map as no entries.
#[must_use]
pub fn string_map(obj: &Value, pointer: &str) -> std::collections::BTreeMap<String, String> {
    obj.pointer(pointer)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// `metadata.resourceVersion`.
#[must_use]
pub fn resource_version(obj: &Value) -> Option<&str> {
    obj.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
}

/// `status.artifact.revision` (sources), else `status.lastAppliedRevision` / `lastAttemptedRevision`.
#[must_use]
pub fn revision(obj: &Value) -> Option<&str> {
    [
        "/status/artifact/revision",
        "/status/lastAppliedRevision",
        "/status/lastAttemptedRevision",
    ]
    .iter()
    .find_map(|p| obj.pointer(p).and_then(Value::as_str))
}

/// The status condition of type `kind`.
pub fn condition<'a>(obj: &'a Value, kind: &str) -> Option<&'a Value> {
    obj.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
}

fn condition_true(obj: &Value, kind: &str) -> bool {
    condition(obj, kind).and_then(|c| c.get("status").and_then(Value::as_str)) == Some("True")
}

/// Where a Flux object's reconcile stands, as `flux` judges it after the request was handled (kstatus).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready { message: String },
    InProgress,
    Failed { message: String },
}

/// The object's readiness: Ready=True at the current generation is ready; Stalled=True, or Ready=False with no
/// reconcile in progress or with `Reconciling` reason `ProgressingWithRetry` (the attempt failed and will be
/// retried at the retry interval, FLUX.md §5: `flux reconcile` reports that failure), is failed; anything else
/// is in progress.
#[must_use]
pub fn readiness(obj: &Value) -> Readiness {
    let generation = obj.pointer("/metadata/generation").and_then(Value::as_i64);
    let observed = obj
        .pointer("/status/observedGeneration")
        .and_then(Value::as_i64);
    let current = match (generation, observed) {
        (Some(g), Some(o)) => o >= g,
        _ => true,
    };
    let message = |kind: &str| {
        condition(obj, kind)
            .and_then(|c| c.get("message").and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned()
    };
    if condition_true(obj, "Stalled") {
        return Readiness::Failed {
            message: message("Stalled"),
        };
    }
    let retrying = condition(obj, "Reconciling")
        .and_then(|c| c.get("reason").and_then(Value::as_str))
        == Some("ProgressingWithRetry");
    let ready_false = condition(obj, "Ready").and_then(|c| c.get("status").and_then(Value::as_str))
        == Some("False");
    if current && retrying && ready_false {
        return Readiness::Failed {
            message: message("Ready"),
        };
    }
    if !current || condition_true(obj, "Reconciling") {
        return Readiness::InProgress;
    }
    match condition(obj, "Ready").and_then(|c| c.get("status").and_then(Value::as_str)) {
        Some("True") => Readiness::Ready {
            message: message("Ready"),
        },
        Some("False") => Readiness::Failed {
            message: message("Ready"),
        },
        _ => Readiness::InProgress,
    }
}

/// The source a Kustomization or HelmRelease reads (`spec.sourceRef`, `spec.chartRef`, or the HelmChart the
/// helm-controller generates for `spec.chart`), as flux's `reconcile --with-source` reconciles it.
#[must_use]
pub fn source_of(rref: &TargetRef, obj: &Value) -> Option<TargetRef> {
    let own_ns = rref.namespace.clone().unwrap_or_default();
    let from_ref = |r: &Value| {
        let kind = TargetKind::from_user(r.get("kind")?.as_str()?)?;
        let name = r.get("name")?.as_str()?;
        let ns = r
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or(&own_ns);
        Some(TargetRef::namespaced(kind, ns, name))
    };
    match rref.kind {
        TargetKind::Kustomization => from_ref(obj.pointer("/spec/sourceRef")?),
        TargetKind::HelmRelease => {
            if let Some(chart_ref) = obj.pointer("/spec/chartRef") {
                return from_ref(chart_ref);
            }
            let chart_ns = obj
                .pointer("/spec/chart/spec/sourceRef/namespace")
                .and_then(Value::as_str)
                .unwrap_or(&own_ns);
            obj.pointer("/spec/chart")?;
            Some(TargetRef::namespaced(
                TargetKind::HelmChart,
                chart_ns,
                &format!("{own_ns}-{}", rref.name),
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_follow_the_api_groups_and_scope() {
        let ks = TargetRef::namespaced(TargetKind::Kustomization, "flux-system", "apps");
        assert_eq!(
            path(&ks),
            "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps"
        );
        let cm = TargetRef::namespaced(TargetKind::ConfigMap, "apps", "cfg");
        assert_eq!(path(&cm), "/api/v1/namespaces/apps/configmaps/cfg");
        let node = TargetRef::parse("Node/worker-1").unwrap();
        assert_eq!(path(&node), "/api/v1/nodes/worker-1");
        assert_eq!(events_path(&node), "/api/v1/namespaces/default/events");
    }

    #[test]
    fn readiness_reads_generation_reconciling_stalled_and_ready() {
        let obj = |generation: i64, observed: i64, conds: Value| json!({"metadata": {"generation": generation}, "status": {"observedGeneration": observed, "conditions": conds}});
        let ready = json!([{"type": "Ready", "status": "True", "message": "Applied revision: main@sha1:1"}]);
        assert!(matches!(
            readiness(&obj(2, 2, ready.clone())),
            Readiness::Ready { .. }
        ));
        assert_eq!(readiness(&obj(3, 2, ready)), Readiness::InProgress);
        let failing = json!([{"type": "Ready", "status": "False", "message": "boom"}]);
        assert_eq!(
            readiness(&obj(1, 1, failing)),
            Readiness::Failed {
                message: "boom".into()
            }
        );
        let retrying = json!([{"type": "Ready", "status": "False", "message": "immutable"}, {"type": "Reconciling", "status": "True", "reason": "ProgressingWithRetry"}]);
        assert_eq!(
            readiness(&obj(1, 1, retrying)),
            Readiness::Failed {
                message: "immutable".into()
            }
        );
        let busy = json!([{"type": "Ready", "status": "False"}, {"type": "Reconciling", "status": "True", "reason": "Progressing"}]);
        assert_eq!(readiness(&obj(1, 1, busy)), Readiness::InProgress);
        let stalled = json!([{"type": "Ready", "status": "False"}, {"type": "Stalled", "status": "True", "message": "gave up"}]);
        assert_eq!(
            readiness(&obj(1, 1, stalled)),
            Readiness::Failed {
                message: "gave up".into()
            }
        );
    }

    #[test]
    fn sources_of_kustomizations_and_helmreleases() {
        let ks = TargetRef::namespaced(TargetKind::Kustomization, "apps", "web");
        let obj = json!({"spec": {"sourceRef": {"kind": "GitRepository", "name": "repo", "namespace": "flux-system"}}});
        assert_eq!(
            source_of(&ks, &obj),
            Some(TargetRef::namespaced(
                TargetKind::GitRepository,
                "flux-system",
                "repo"
            ))
        );
        let hr = TargetRef::namespaced(TargetKind::HelmRelease, "apps", "redis");
        let chart = json!({"spec": {"chart": {"spec": {"chart": "redis", "sourceRef": {"kind": "HelmRepository", "name": "bitnami", "namespace": "flux-system"}}}}});
        assert_eq!(
            source_of(&hr, &chart),
            Some(TargetRef::namespaced(
                TargetKind::HelmChart,
                "flux-system",
                "apps-redis"
            ))
        );
        let chart_ref =
            json!({"spec": {"chartRef": {"kind": "OCIRepository", "name": "redis-chart"}}});
        assert_eq!(
            source_of(&hr, &chart_ref),
            Some(TargetRef::namespaced(
                TargetKind::OCIRepository,
                "apps",
                "redis-chart"
            ))
        );
    }
}

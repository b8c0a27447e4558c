//! Pods as the simulated kubelet reports them: built from a pod template with an owner, scheduled on a worker
//! node, and moved through `Pending` (ContainerCreating) → `Running` (Ready) → `Succeeded`/`Failed`
//! (terminated containers with exit codes), with the status fields `kubectl get pods` and `rollout status` read.

use crate::sim::store::meta::{new_uid, now_rfc3339, random_suffix};
use crate::sim::store::{ObjectKey, Selector, Store};
use serde_json::{Value, json};
use std::sync::Arc;

/// The string at `pointer` (empty when absent).
#[must_use]
pub fn text<'a>(obj: &'a Value, pointer: &str) -> &'a str {
    obj.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// An owner reference to `owner` (controller, blocking deletion).
#[must_use]
pub fn owner_ref(owner: &Value) -> Value {
    json!({
        "apiVersion": text(owner, "/apiVersion"),
        "kind": text(owner, "/kind"),
        "name": text(owner, "/metadata/name"),
        "uid": text(owner, "/metadata/uid"),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// Whether `obj` is controlled by the object with `uid`.
#[must_use]
pub fn owned_by(obj: &Value, uid: &str) -> bool {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|refs| refs.iter().any(|r| text(r, "/uid") == uid))
}

/// The objects of `resource` in `namespace` controlled by `owner`.
#[must_use]
pub fn children(
    store: &Store,
    resource: &crate::sim::GroupResource,
    namespace: &str,
    owner: &Value,
) -> Vec<Arc<Value>> {
    let uid = text(owner, "/metadata/uid");
    store
        .list(resource, Some(namespace), &Selector::everything())
        .items
        .into_iter()
        .filter(|o| owned_by(o, uid))
        .collect()
}

/// The pods resource.
#[must_use]
pub fn pods() -> crate::sim::GroupResource {
    crate::sim::GroupResource::new("", "pods")
}

/// The key of a pod.
#[must_use]
pub fn key(namespace: &str, name: &str) -> ObjectKey {
    ObjectKey::core("pods", namespace, name)
}

/// A worker node to run on (round robin by the pod name), `None` without nodes.
fn pick_node(store: &Store, seed: &str) -> Option<String> {
    let nodes: Vec<String> = store
        .list(
            &crate::sim::GroupResource::new("", "nodes"),
            None,
            &Selector::everything(),
        )
        .items
        .iter()
        .filter(|n| {
            n.pointer("/metadata/labels/node-role.kubernetes.io~1control-plane")
                .is_none()
                && n.pointer("/spec/unschedulable").and_then(Value::as_bool) != Some(true)
        })
        .map(|n| text(n, "/metadata/name").to_owned())
        .collect();
    let sum: usize = seed.bytes().map(usize::from).sum();
    (!nodes.is_empty()).then(|| nodes[sum % nodes.len()].clone())
}

/// A new Pending pod named `<prefix><suffix>` from `template`, owned by `owner`, with `labels` added.
#[must_use]
pub fn from_template(
    store: &Store,
    namespace: &str,
    prefix: &str,
    template: &Value,
    owner: &Value,
    labels: &Value,
) -> Value {
    let name = format!("{prefix}{}", random_suffix());
    let mut meta = template
        .get("metadata")
        .cloned()
        .unwrap_or_else(|| json!({}));
    meta["name"] = json!(name);
    meta["namespace"] = json!(namespace);
    meta["generateName"] = json!(prefix);
    meta["uid"] = json!(new_uid());
    if let Some(map) = meta.as_object_mut() {
        map.remove("creationTimestamp");
    }
    let mut all_labels = meta.get("labels").cloned().unwrap_or_else(|| json!({}));
    if let (Some(all), Some(extra)) = (all_labels.as_object_mut(), labels.as_object()) {
        all.extend(extra.clone());
    }
    meta["labels"] = all_labels;
    meta["ownerReferences"] = json!([owner_ref(owner)]);
    let mut spec = template.get("spec").cloned().unwrap_or_else(|| json!({}));
    if spec.get("serviceAccountName").is_none() {
        spec["serviceAccountName"] = json!("default");
    }
    if let Some(node) = pick_node(store, &name) {
        spec["nodeName"] = json!(node);
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": "BestEffort",
                   "conditions": [{"type": "PodScheduled", "status": "True",
                                   "lastTransitionTime": now_rfc3339()}]},
    })
}

fn containers(pod: &Value) -> Vec<(String, String)> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| (text(c, "/name").to_owned(), text(c, "/image").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn conditions(ready: bool, now: &str) -> Value {
    let s = if ready { "True" } else { "False" };
    json!([
        {"type": "Initialized", "status": "True", "lastTransitionTime": now},
        {"type": "Ready", "status": s, "lastTransitionTime": now},
        {"type": "ContainersReady", "status": s, "lastTransitionTime": now},
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
    ])
}

/// The status of a pod whose containers run and are ready.
#[must_use]
pub fn running_status(pod: &Value) -> Value {
    let now = now_rfc3339();
    let statuses: Vec<Value> = containers(pod)
        .into_iter()
        .map(|(name, image)| {
            json!({"name": name, "image": image, "imageID": format!("{image}@sha256:{}", "0".repeat(64)),
                   "ready": true, "started": true, "restartCount": 0,
                   "state": {"running": {"startedAt": now}}})
        })
        .collect();
    json!({
        "phase": "Running",
        "conditions": conditions(true, &now),
        "containerStatuses": statuses,
        "hostIP": "172.18.0.3",
        "podIP": format!("10.244.{}.{}", rand::random_range(1..4), rand::random_range(2..250)),
        "startTime": now,
        "qosClass": "BestEffort",
    })
}

/// The status of a pod whose containers exited with `exit_code` (`Completed` for 0, else `reason`).
#[must_use]
pub fn terminated_status(pod: &Value, exit_code: i64, reason: &str) -> Value {
    let now = now_rfc3339();
    let started = pod
        .pointer("/status/startTime")
        .cloned()
        .unwrap_or_else(|| json!(now));
    let reason = if exit_code == 0 { "Completed" } else { reason };
    let statuses: Vec<Value> = containers(pod)
        .into_iter()
        .map(|(name, image)| {
            json!({"name": name, "image": image, "imageID": format!("{image}@sha256:{}", "0".repeat(64)),
                   "ready": false, "started": false, "restartCount": 0,
                   "state": {"terminated": {"exitCode": exit_code, "reason": reason,
                                            "startedAt": started, "finishedAt": now}}})
        })
        .collect();
    json!({
        "phase": if exit_code == 0 { "Succeeded" } else { "Failed" },
        "conditions": conditions(false, &now),
        "containerStatuses": statuses,
        "hostIP": "172.18.0.3",
        "startTime": started,
        "qosClass": "BestEffort",
    })
}

/// Whether the pod is Running and Ready.
#[must_use]
pub fn is_ready(pod: &Value) -> bool {
    text(pod, "/status/phase") == "Running" && pod.pointer("/metadata/deletionTimestamp").is_none()
}

//! The Deployment controller of the simulated kube-controller-manager: a ReplicaSet per pod template
//! (`<name>-<pod-template-hash>`, revision annotations), the new one scaled to `spec.replicas` and the old ones
//! to zero, pods that follow their ReplicaSet's replicas (created Pending, Ready after `READY_AFTER`), and the
//! Deployment status a real controller writes: `observedGeneration`, replica counts, and the `Available`
//! (MinimumReplicasAvailable / MinimumReplicasUnavailable) and `Progressing` (ReplicaSetUpdated /
//! NewReplicaSetAvailable) conditions, so `kubectl rollout status` and `rollout restart` work as on a cluster.
//! Deleting a Deployment deletes its ReplicaSets and pods (the garbage collector's part).

use super::pod::{self, children, text};
use crate::sim::GroupResource;
use crate::sim::store::meta::now_rfc3339;
use crate::sim::store::{ObjectKey, Store, WriteOptions};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// How long a new pod stays Pending (ContainerCreating) before it is Running and Ready.
pub const READY_AFTER: Duration = Duration::from_millis(300);

const REVISION: &str = "deployment.kubernetes.io/revision";

fn replicasets() -> GroupResource {
    GroupResource::new("apps", "replicasets")
}

/// The `pod-template-hash` of a template (10 characters of the apiserver's safe alphabet).
#[must_use]
pub fn template_hash(template: &Value) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let digest = Sha256::digest(template.to_string().as_bytes());
    digest
        .iter()
        .take(10)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

fn int(obj: &Value, pointer: &str) -> i64 {
    obj.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

/// Reconciles one Deployment; returns whether pods are still starting (reconcile again after `READY_AFTER`).
pub fn reconcile(store: &Store, key: &ObjectKey) -> bool {
    let Some(deploy) = store.get(key) else {
        return false;
    };
    let ns = key.namespace.as_str();
    let replicas = deploy
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let template = deploy
        .pointer("/spec/template")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let hash = template_hash(&template);
    let new_name = format!("{}-{hash}", key.name);
    let sets = children(store, &replicasets(), ns, &deploy);
    // A Deployment stored with a status for its current generation and no ReplicaSet of ours is a scenario's
    // recorded state (pods as a kubelet reported them, crash loops included): it stays as recorded until its
    // spec changes (a new generation: scale, restart, image), and then this controller takes it over.
    let generation = int(&deploy, "/metadata/generation");
    if sets.is_empty() && generation > 0 && int(&deploy, "/status/observedGeneration") >= generation
    {
        return false;
    }
    let max_revision = sets
        .iter()
        .filter_map(|rs| {
            pod::text(
                rs,
                "/metadata/annotations/deployment.kubernetes.io~1revision",
            )
            .parse::<i64>()
            .ok()
        })
        .max()
        .unwrap_or(0);
    let existing = sets
        .iter()
        .find(|rs| text(rs, "/metadata/name") == new_name);
    let current_revision = existing
        .map(|rs| {
            text(
                rs,
                "/metadata/annotations/deployment.kubernetes.io~1revision",
            )
            .to_owned()
        })
        .unwrap_or_else(|| (max_revision + 1).to_string());
    let mut rs_template = template.clone();
    rs_template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
    let mut selector = deploy
        .pointer("/spec/selector")
        .cloned()
        .unwrap_or_else(|| json!({}));
    selector["matchLabels"]["pod-template-hash"] = json!(hash);
    let new_rs = json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": new_name, "namespace": ns,
            "labels": rs_template["metadata"]["labels"].clone(),
            "annotations": {REVISION: current_revision,
                            "deployment.kubernetes.io/desired-replicas": replicas.to_string()},
            "ownerReferences": [pod::owner_ref(&deploy)],
            "uid": existing.map(|rs| text(rs, "/metadata/uid").to_owned()).unwrap_or_else(crate::sim::store::meta::new_uid),
        },
        "spec": {"replicas": replicas, "selector": selector, "template": rs_template},
        "status": existing.and_then(|rs| rs.get("status").cloned()).unwrap_or_else(|| json!({"replicas": 0})),
    });
    let mut pending = false;
    let (mut total, mut updated, mut ready) = (0, 0, 0);
    let mut wanted: Vec<(Option<std::sync::Arc<Value>>, Value)> = sets
        .iter()
        .filter(|rs| text(rs, "/metadata/name") != new_name)
        .map(|rs| {
            let mut next = (**rs).clone();
            next["spec"]["replicas"] = json!(0);
            (Some(std::sync::Arc::clone(rs)), next)
        })
        .collect();
    wanted.push((existing.cloned(), new_rs));
    for (current, next) in wanted {
        let stored = match current {
            Some(c) if c.pointer("/spec/replicas") == next.pointer("/spec/replicas") => c,
            _ => match store.upsert(next) {
                Ok(s) => s,
                Err(_) => continue,
            },
        };
        let (count, ready_count, starting) = scale_pods(store, ns, &stored);
        pending |= starting;
        let rs_name = text(&stored, "/metadata/name").to_owned();
        let _ = store.patch_status(
            &ObjectKey::new(replicasets(), ns, &rs_name),
            &json!({"replicas": count, "readyReplicas": ready_count, "availableReplicas": ready_count,
                    "fullyLabeledReplicas": count, "observedGeneration": int(&stored, "/metadata/generation")}),
        );
        total += count;
        ready += ready_count;
        if rs_name == new_name {
            updated = count;
        }
    }
    write_status(
        store,
        key,
        &deploy,
        &new_name,
        (replicas, total, updated, ready),
    );
    pending
}

/// Creates or deletes pods of one ReplicaSet to match its replicas and readies pods that have waited long
/// enough; returns (pods, ready pods, some still starting).
fn scale_pods(store: &Store, ns: &str, rs: &Value) -> (i64, i64, bool) {
    let want = usize::try_from(int(rs, "/spec/replicas")).unwrap_or(0);
    let mut pods = children(store, &pod::pods(), ns, rs);
    pods.sort_by_key(|p| std::cmp::Reverse(text(p, "/metadata/creationTimestamp").to_owned()));
    while pods.len() > want {
        if let Some(extra) = pods.pop() {
            let _ = store.delete(
                &pod::key(ns, text(&extra, "/metadata/name")),
                &WriteOptions::default(),
            );
        }
    }
    let template = rs.pointer("/spec/template").cloned().unwrap_or_default();
    let hash = json!({"pod-template-hash": text(rs, "/metadata/labels/pod-template-hash")});
    let prefix = format!("{}-", text(rs, "/metadata/name"));
    for _ in pods.len()..want {
        let new = pod::from_template(store, ns, &prefix, &template, rs, &hash);
        if let Ok(created) = store.upsert(new) {
            pods.push(created);
        }
    }
    let mut starting = false;
    let mut ready = 0;
    for p in &pods {
        if pod::is_ready(p) {
            ready += 1;
            continue;
        }
        if text(p, "/status/phase") != "Pending" {
            continue;
        }
        let old_enough = text(p, "/metadata/creationTimestamp")
            .parse::<k8s_openapi::jiff::Timestamp>()
            .is_ok_and(|t| {
                k8s_openapi::jiff::Timestamp::now().duration_since(t)
                    >= k8s_openapi::jiff::SignedDuration::try_from(READY_AFTER).unwrap_or_default()
            });
        let name = text(p, "/metadata/name");
        if old_enough
            && store
                .update_status(&pod::key(ns, name), pod::running_status(p))
                .is_ok()
        {
            ready += 1;
        } else {
            starting = true;
        }
    }
    (i64::try_from(pods.len()).unwrap_or(0), ready, starting)
}

fn condition(type_: &str, status: &str, reason: &str, message: &str, previous: &Value) -> Value {
    let now = now_rfc3339();
    let old = previous
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| text(c, "/type") == type_));
    let transition = match old {
        Some(c) if text(c, "/status") == status => text(c, "/lastTransitionTime").to_owned(),
        _ => now.clone(),
    };
    let update = match old {
        Some(c) if text(c, "/reason") == reason && text(c, "/message") == message => {
            text(c, "/lastUpdateTime").to_owned()
        }
        _ => now,
    };
    json!({"type": type_, "status": status, "lastUpdateTime": update, "lastTransitionTime": transition,
           "reason": reason, "message": message})
}

fn write_status(
    store: &Store,
    key: &ObjectKey,
    deploy: &Value,
    new_rs: &str,
    (replicas, total, updated, ready): (i64, i64, i64, i64),
) {
    let available = if ready >= replicas {
        condition(
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            deploy,
        )
    } else {
        condition(
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            deploy,
        )
    };
    let complete = updated == replicas && total == replicas && ready == replicas;
    let progressing = if complete {
        condition(
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            &format!("ReplicaSet \"{new_rs}\" has successfully progressed."),
            deploy,
        )
    } else {
        condition(
            "Progressing",
            "True",
            "ReplicaSetUpdated",
            &format!("ReplicaSet \"{new_rs}\" is progressing."),
            deploy,
        )
    };
    let mut status = json!({
        "observedGeneration": int(deploy, "/metadata/generation"),
        "replicas": total,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "conditions": [available, progressing],
    });
    if total > ready {
        status["unavailableReplicas"] = json!(total - ready);
    }
    // Zero counts are omitted, as Go's `omitempty` writes them.
    if let Some(map) = status.as_object_mut() {
        map.retain(|k, v| k == "observedGeneration" || v != &json!(0));
    }
    let _ = store.update_status(key, status);
}

/// Deletes the ReplicaSets and pods of a deleted Deployment.
pub fn collect(store: &Store, deleted: &Value) {
    let ns = text(deleted, "/metadata/namespace");
    for rs in children(store, &replicasets(), ns, deleted) {
        for p in children(store, &pod::pods(), ns, &rs) {
            let _ = store.delete(
                &pod::key(ns, text(&p, "/metadata/name")),
                &WriteOptions::default(),
            );
        }
        let _ = store.delete(
            &ObjectKey::new(replicasets(), ns, text(&rs, "/metadata/name")),
            &WriteOptions::default(),
        );
    }
}

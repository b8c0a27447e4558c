//! Postconditions of workload (`job`) actions: pure functions over fetched objects, each a [`Check`] in words,
//! and [`verify`], which fetches what they need and polls until every one holds or the time is up. The Flux
//! postconditions (`flux-ready`, `source-artifact-updated`, `chain-ready`, `suspended`) are the pipeline's.

use super::capture::{Captured, fetch};
use super::report::Check;
use crate::actions::params::{ParamValue, sha256_hex};
use crate::actions::spec::Postcondition;
use crate::actions::{Plan, TargetKind};
use base64::Engine as _;
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, ListParams};
use serde_json::Value;
use std::time::Duration;

fn check(name: Postcondition, passed: bool, detail: String) -> Check {
    Check {
        name: name.as_str().to_owned(),
        passed,
        detail,
    }
}

fn int(obj: &Value, pointer: &str) -> i64 {
    obj.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

/// `kubectl rollout status` for a Deployment: the controller saw the latest generation, every replica is
/// updated, no old replica is left, every updated replica is available; a `ProgressDeadlineExceeded` fails.
#[must_use]
pub fn rollout_complete(deploy: &Value) -> Check {
    let name = Postcondition::RolloutComplete;
    let generation = int(deploy, "/metadata/generation");
    let observed = int(deploy, "/status/observedGeneration");
    if observed < generation {
        return check(
            name,
            false,
            "waiting for the rollout to be observed".to_owned(),
        );
    }
    let progressing = deploy
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("Progressing"));
    if let Some(c) = progressing
        && c.get("reason").and_then(Value::as_str) == Some("ProgressDeadlineExceeded")
    {
        return check(
            name,
            false,
            "the rollout exceeded its progress deadline".to_owned(),
        );
    }
    let want = deploy
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let updated = int(deploy, "/status/updatedReplicas");
    let total = int(deploy, "/status/replicas");
    let available = int(deploy, "/status/availableReplicas");
    let (passed, detail) = if updated < want {
        (
            false,
            format!("{updated} of {want} new replicas have been updated"),
        )
    } else if total > updated {
        (
            false,
            format!("{} old replicas are pending termination", total - updated),
        )
    } else if available < updated {
        (
            false,
            format!("{available} of {updated} updated replicas are available"),
        )
    } else {
        (
            true,
            format!("successfully rolled out ({available} of {want} available)"),
        )
    };
    check(name, passed, detail)
}

/// No pod crash-looping or unable to start its image.
#[must_use]
pub fn pods_not_crash_looping(pods: &[Pod]) -> Check {
    let mut bad = Vec::new();
    for pod in pods {
        let name = pod.metadata.name.as_deref().unwrap_or_default();
        for s in pod
            .status
            .iter()
            .flat_map(|s| s.container_statuses.iter().flatten())
        {
            let reason = s
                .state
                .as_ref()
                .and_then(|st| st.waiting.as_ref())
                .and_then(|w| w.reason.as_deref());
            if let Some(
                r @ ("CrashLoopBackOff"
                | "ImagePullBackOff"
                | "ErrImagePull"
                | "CreateContainerConfigError"),
            ) = reason
            {
                bad.push(format!(
                    "{name}/{}: {r} (restarts {})",
                    s.name, s.restart_count
                ));
            }
        }
    }
    let passed = bad.is_empty();
    let detail = if passed {
        format!("{} pods, none crash-looping", pods.len())
    } else {
        bad.join("; ")
    };
    check(Postcondition::PodsNotCrashLooping, passed, detail)
}

/// The deleted pod (by uid) is gone and a running pod of the same controller replaced it.
#[must_use]
pub fn pod_replaced(old: &Value, old_uid: &str, pods: &[Value]) -> Check {
    let controller = |p: &Value| {
        p.pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
            .and_then(|r| r.get("uid").and_then(Value::as_str).map(str::to_owned))
    };
    let uid = |p: &Value| {
        p.pointer("/metadata/uid")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let name = Postcondition::PodReplaced;
    if pods.iter().any(|p| uid(p).as_deref() == Some(old_uid)) {
        return check(name, false, "the pod still exists".to_owned());
    }
    let Some(owner) = controller(old) else {
        return check(
            name,
            true,
            "the pod is gone (it had no controller to replace it)".to_owned(),
        );
    };
    match pods.iter().find(|p| {
        controller(p).as_deref() == Some(owner.as_str())
            && p.pointer("/status/phase").and_then(Value::as_str) == Some("Running")
    }) {
        Some(p) => check(
            name,
            true,
            format!(
                "replaced by {}",
                p.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
            ),
        ),
        None => check(name, false, "no running replacement yet".to_owned()),
    }
}

/// The key of a ConfigMap or Secret holds the value asked for, compared by SHA-256 (never shown).
#[must_use]
pub fn data_applied(kind: TargetKind, object: &Value, key: &str, want_digest: &str) -> Check {
    let raw = object
        .pointer("/data")
        .and_then(|d| d.get(key))
        .and_then(Value::as_str);
    let got = match (kind, raw) {
        (TargetKind::Secret, Some(b64)) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .ok()
            .map(|bytes| sha256_hex(&bytes)),
        (_, Some(text)) => Some(sha256_hex(text.as_bytes())),
        (_, None) => None,
    };
    let (passed, detail) = match got {
        Some(d) if d == want_digest => (true, format!("data.{key} holds the new value ({d})")),
        Some(d) => (false, format!("data.{key} is {d}, expected {want_digest}")),
        None => (false, format!("data.{key} does not exist")),
    };
    check(Postcondition::DataApplied, passed, detail)
}

/// `spec.unschedulable` of a Node is `want`.
#[must_use]
pub fn node_schedulable(node: &Value, want_unschedulable: bool) -> Check {
    let is = node
        .pointer("/spec/unschedulable")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let name = if want_unschedulable {
        Postcondition::NodeUnschedulable
    } else {
        Postcondition::NodeSchedulable
    };
    let word = |u: bool| if u { "unschedulable" } else { "schedulable" };
    check(
        name,
        is == want_unschedulable,
        format!("the Node is {}", word(is)),
    )
}

/// Only DaemonSet and mirror pods (and finished pods) remain on the Node.
#[must_use]
pub fn node_drained(pods_on_node: &[Value]) -> Check {
    let left: Vec<&str> = pods_on_node
        .iter()
        .filter(|p| {
            let phase = p.pointer("/status/phase").and_then(Value::as_str);
            let daemon = p
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|o| {
                    o.iter()
                        .any(|r| r.get("kind").and_then(Value::as_str) == Some("DaemonSet"))
                });
            let mirror = p
                .pointer("/metadata/annotations/kubernetes.io~1config.mirror")
                .is_some();
            !daemon && !mirror && !matches!(phase, Some("Succeeded" | "Failed"))
        })
        .filter_map(|p| p.pointer("/metadata/name").and_then(Value::as_str))
        .collect();
    let passed = left.is_empty();
    let detail = if passed {
        "only DaemonSet and mirror pods remain".to_owned()
    } else {
        format!("{} pods remain: {}", left.len(), left.join(", "))
    };
    check(Postcondition::NodeDrained, passed, detail)
}

/// The target exists again with a uid other than the captured one.
#[must_use]
pub fn target_recreated(old_uid: Option<&str>, current: Option<&Value>) -> Check {
    let name = Postcondition::TargetRecreated;
    match current
        .and_then(|c| c.pointer("/metadata/uid"))
        .and_then(Value::as_str)
    {
        None => check(name, false, "the target does not exist (yet)".to_owned()),
        Some(uid) if Some(uid) == old_uid => {
            check(name, false, "the target still has its old uid".to_owned())
        }
        Some(uid) => check(name, true, format!("recreated (uid {uid})")),
    }
}

/// No Helm release record of the release is pending.
#[must_use]
pub fn release_not_pending(records: &Value) -> Check {
    let pending = records.as_array().map_or(0, Vec::len);
    check(
        Postcondition::ReleaseNotPending,
        pending == 0,
        if pending == 0 {
            "no pending release record".to_owned()
        } else {
            format!("{pending} pending release records remain")
        },
    )
}

async fn list_json(client: &Client, ns: Option<&str>, fields: Option<&str>) -> Vec<Value> {
    let api: Api<Pod> = match ns {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let mut params = ListParams::default();
    if let Some(f) = fields {
        params = params.fields(f);
    }
    api.list(&params)
        .await
        .map(|l| {
            l.items
                .iter()
                .filter_map(|p| serde_json::to_value(p).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The workload postconditions of `plan` checked once (the Flux ones are skipped).
pub async fn check_once(client: &Client, plan: &Plan, captured: &Captured) -> Vec<Check> {
    let rref = &plan.target.rref;
    let current = fetch(client, rref).await.ok().flatten();
    let missing = |p: Postcondition| check(p, false, format!("{rref} cannot be read"));
    let mut out = Vec::new();
    for post in &plan.spec.postconditions {
        let c = match (*post, current.as_ref()) {
            (Postcondition::RolloutComplete, Some(obj)) => rollout_complete(obj),
            (Postcondition::PodsNotCrashLooping, Some(obj)) => {
                let labels = obj
                    .pointer("/spec/selector/matchLabels")
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default();
                let api: Api<Pod> = Api::namespaced(
                    client.clone(),
                    rref.namespace.as_deref().unwrap_or("default"),
                );
                let pods = api
                    .list(&ListParams::default().labels(&labels))
                    .await
                    .map(|l| l.items)
                    .unwrap_or_default();
                pods_not_crash_looping(&pods)
            }
            (Postcondition::PodReplaced, _) => {
                let pods = list_json(client, rref.namespace.as_deref(), None).await;
                let old = captured
                    .values
                    .get("manifest")
                    .cloned()
                    .unwrap_or(Value::Null);
                pod_replaced(&old, captured.uid.as_deref().unwrap_or_default(), &pods)
            }
            (Postcondition::DataApplied, Some(obj)) => {
                let key = plan.params.text("key").unwrap_or_default();
                let want = match plan.params.get("value") {
                    Some(ParamValue::Secret(s)) => s.digest(),
                    Some(ParamValue::Text(t)) => sha256_hex(t.as_bytes()),
                    _ => String::new(),
                };
                data_applied(rref.kind, obj, &key, &want)
            }
            (Postcondition::NodeUnschedulable, Some(obj)) => node_schedulable(obj, true),
            (Postcondition::NodeSchedulable, Some(obj)) => node_schedulable(obj, false),
            (Postcondition::NodeDrained, Some(_)) => {
                let fields = format!("spec.nodeName={}", rref.name);
                node_drained(&list_json(client, None, Some(&fields)).await)
            }
            (Postcondition::TargetRecreated, cur) => target_recreated(captured.uid.as_deref(), cur),
            (Postcondition::ReleaseNotPending, _) => match (
                &plan.target.facts.helm,
                plan.target.rref.namespace.as_deref(),
            ) {
                (Some(helm), _) => {
                    let secrets: Api<k8s_openapi::api::core::v1::Secret> =
                        Api::namespaced(client.clone(), &helm.storage_namespace);
                    let selector = format!("owner=helm,name={}", helm.release);
                    let items: Vec<Value> = secrets
                        .list_metadata(&ListParams::default().labels(&selector))
                        .await
                        .map(|l| {
                            l.items
                                .iter()
                                .filter_map(|o| serde_json::to_value(o).ok())
                                .collect()
                        })
                        .unwrap_or_default();
                    release_not_pending(&super::capture::pending_records(&items, &helm.release))
                }
                (None, _) => check(*post, false, "the Helm release is not known".to_owned()),
            },
            (
                Postcondition::FluxReady
                | Postcondition::SourceArtifactUpdated
                | Postcondition::ChainReady
                | Postcondition::SuspendedState,
                _,
            ) => continue,
            (p, None) => missing(p),
        };
        out.push(c);
    }
    out
}

/// Polls [`check_once`] every second until every check passes or `timeout` passes; the last result.
pub async fn verify(
    client: &Client,
    plan: &Plan,
    captured: &Captured,
    timeout: Duration,
) -> Vec<Check> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let checks = check_once(client, plan, captured).await;
        if checks.iter().all(|c| c.passed) || tokio::time::Instant::now() >= deadline {
            return checks;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

//! The pure parts of Job actions: a Job's conditions as a phase, rollout status as kubectl reads it, the other
//! workload postconditions, the capture of each kind and the inverse rendered from it (an absent ConfigMap key
//! refused), and a captured Secret manifest holding digests only.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use fluxops::actions::params::parse_pair;
use fluxops::actions::spec::Capture;
use fluxops::actions::{Catalog, ParamValues, TargetKind, TargetRef};
use fluxops::execution::Phase;
use fluxops::execution::capture::{Captured, clean_manifest, inverse_params, value_of};
use fluxops::execution::discover::status_of;
use fluxops::execution::job_follow::phase_of;
use fluxops::execution::workload_checks::{
    node_drained, pod_replaced, rollout_complete, target_recreated,
};
use k8s_openapi::api::batch::v1::Job;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn job(conditions: Value, active: i64) -> Job {
    serde_json::from_value(json!({"apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "fluxops-scale-0123456789ab", "namespace": "fluxops-system", "uid": "u1",
            "creationTimestamp": "2025-01-01T00:00:00Z",
            "labels": {"app.kubernetes.io/managed-by": "fluxops", "fluxops.io/action": "scale",
                       "fluxops.io/execution": "0123456789ab"},
            "annotations": {"fluxops.io/target": "Deployment/apps/web", "fluxops.io/operator": "bob"}},
        "status": {"active": active, "conditions": conditions}}))
    .unwrap()
}

#[test]
fn job_conditions_map_to_phases() {
    assert_eq!(phase_of(&job(json!([]), 0)), Phase::Pending);
    assert_eq!(phase_of(&job(json!([]), 1)), Phase::Running);
    assert_eq!(
        phase_of(&job(json!([{"type": "Complete", "status": "True"}]), 0)),
        Phase::Succeeded
    );
    let Phase::Failed { why } = phase_of(&job(
        json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                "message": "Job has reached the specified backoff limit"}]),
        0,
    )) else {
        panic!("a failed command fails the execution")
    };
    assert!(why.contains("BackoffLimitExceeded"), "{why}");
    assert!(matches!(
        phase_of(&job(json!([{"type": "Failed", "status": "True", "reason": "DeadlineExceeded"}]), 0)),
        Phase::Cancelled { why } if why.contains("timed out")
    ));
    assert_eq!(
        phase_of(&job(json!([{"type": "Complete", "status": "False"}]), 1)),
        Phase::Running
    );
    let (handle, status) = status_of(&job(json!([]), 1)).unwrap();
    assert_eq!(handle.target.to_string(), "Deployment/apps/web");
    assert_eq!(
        (status.operator.as_str(), status.action.as_str()),
        ("bob", "scale")
    );
    assert_eq!(
        status.job.as_deref(),
        Some("fluxops-system/fluxops-scale-0123456789ab")
    );
    let mut dry = job(json!([]), 1);
    dry.metadata
        .labels
        .as_mut()
        .unwrap()
        .insert("fluxops.io/dry-run-of".into(), "x".into());
    assert!(status_of(&dry).is_none(), "dry-run Jobs are not executions");
}

fn deploy(
    generation: i64,
    observed: i64,
    want: i64,
    (total, updated, available): (i64, i64, i64),
) -> Value {
    json!({"metadata": {"generation": generation}, "spec": {"replicas": want},
           "status": {"observedGeneration": observed, "replicas": total, "updatedReplicas": updated,
                      "availableReplicas": available}})
}

#[test]
fn rollout_status_reads_as_kubectl_reads_it() {
    let c = rollout_complete(&deploy(2, 1, 3, (3, 3, 3)));
    assert!(!c.passed && c.detail.contains("observed"), "{c:?}");
    let c = rollout_complete(&deploy(2, 2, 3, (3, 1, 1)));
    assert_eq!(c.detail, "1 of 3 new replicas have been updated");
    let c = rollout_complete(&deploy(2, 2, 3, (4, 3, 3)));
    assert_eq!(c.detail, "1 old replicas are pending termination");
    let c = rollout_complete(&deploy(2, 2, 3, (3, 3, 2)));
    assert_eq!(c.detail, "2 of 3 updated replicas are available");
    assert!(rollout_complete(&deploy(2, 2, 3, (3, 3, 3))).passed);
    let mut stuck = deploy(2, 2, 3, (3, 1, 1));
    stuck["status"]["conditions"] =
        json!([{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]);
    assert!(
        rollout_complete(&stuck)
            .detail
            .contains("progress deadline")
    );
}

#[test]
fn other_postconditions() {
    let old =
        json!({"metadata": {"uid": "p1", "ownerReferences": [{"controller": true, "uid": "rs1"}]}});
    let replacement = json!({"metadata": {"name": "web-2", "uid": "p2",
        "ownerReferences": [{"controller": true, "uid": "rs1"}]}, "status": {"phase": "Running"}});
    assert!(!pod_replaced(&old, "p1", std::slice::from_ref(&old)).passed);
    assert!(!pod_replaced(&old, "p1", &[]).passed, "no replacement yet");
    assert!(pod_replaced(&old, "p1", &[replacement]).passed);
    let daemon = json!({"metadata": {"name": "ds", "ownerReferences": [{"kind": "DaemonSet"}]},
                        "status": {"phase": "Running"}});
    let app = json!({"metadata": {"name": "web-1"}, "status": {"phase": "Running"}});
    assert!(node_drained(std::slice::from_ref(&daemon)).passed);
    assert_eq!(node_drained(&[daemon, app]).detail, "1 pods remain: web-1");
    let new = json!({"metadata": {"uid": "u2"}});
    assert!(!target_recreated(Some("u1"), None).passed);
    assert!(!target_recreated(Some("u2"), Some(&new)).passed);
    assert!(target_recreated(Some("u1"), Some(&new)).passed);
}

fn params(action: &str, pairs: &[&str]) -> ParamValues {
    let catalog = Catalog::builtin().unwrap();
    let spec = catalog.get(action).unwrap();
    let pairs: Vec<_> = pairs.iter().map(|p| parse_pair(p).unwrap()).collect();
    ParamValues::from_pairs(spec, &pairs).unwrap()
}

#[test]
fn captures_render_their_inverse_and_an_absent_key_is_refused() {
    let catalog = Catalog::builtin().unwrap();
    let deploy = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "app", "image": "app:1"}, {"name": "side", "image": "side:9"}]}}}});
    let p = params("update-image", &["container=app", "image=app:2"]);
    let image = value_of(Capture::ContainerImage, TargetKind::Deployment, &deploy, &p);
    assert_eq!(image, json!("app:1"));
    let captured = Captured {
        action: "update-image".into(),
        target: TargetRef::parse("Deployment/apps/web").unwrap(),
        uid: None,
        resource_version: None,
        values: BTreeMap::from([("container-image".to_owned(), image)]),
    };
    let inverse = catalog
        .get("update-image")
        .unwrap()
        .rollback
        .inverse
        .clone()
        .unwrap();
    assert_eq!(
        inverse_params(&inverse, &p, &captured).unwrap(),
        vec![
            ("container".to_owned(), "app".to_owned()),
            ("image".to_owned(), "app:1".to_owned())
        ]
    );

    let cm = json!({"data": {"other": "x"}});
    let p = params("patch-configmap", &["key=color", "value=blue"]);
    let absent = value_of(Capture::ConfigMapValue, TargetKind::ConfigMap, &cm, &p);
    assert_eq!(absent, Value::Null);
    let captured = Captured {
        action: "patch-configmap".into(),
        target: TargetRef::parse("ConfigMap/apps/cfg").unwrap(),
        uid: None,
        resource_version: None,
        values: BTreeMap::from([("configmap-value".to_owned(), absent)]),
    };
    assert_eq!(
        captured.lines(),
        vec!["configmap-value: (absent)".to_owned()]
    );
    let inverse = catalog
        .get("patch-configmap")
        .unwrap()
        .rollback
        .inverse
        .clone()
        .unwrap();
    let err = inverse_params(&inverse, &p, &captured).unwrap_err();
    assert!(err.to_string().contains("did not exist before"), "{err}");
}

#[test]
fn a_captured_secret_manifest_holds_digests_and_no_server_fields() {
    let secret = json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "s", "uid": "u", "resourceVersion": "7", "managedFields": [{}]},
        "data": {"password": "aHVudGVyMg=="}, "status": {}});
    let kept = clean_manifest(TargetKind::Secret, &secret);
    let text = kept.to_string();
    assert!(!text.contains("aHVudGVyMg=="), "{text}");
    assert!(text.contains("sha256:"), "{text}");
    assert!(kept.get("status").is_none() && kept["metadata"].get("managedFields").is_none());
    assert_eq!(kept["metadata"]["name"], "s");
}

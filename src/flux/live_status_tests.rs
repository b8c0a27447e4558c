use super::*;
use serde_json::json;

fn deployment(status: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "podinfo", "namespace": "apps", "generation": 3},
           "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "podinfo"}}},
           "status": status})
}

fn crash_looping_pod(name: &str) -> Value {
    json!({"kind": "Pod", "metadata": {"name": name},
           "status": {"phase": "Running",
                      "conditions": [{"type": "Ready", "status": "False"}],
                      "containerStatuses": [{"name": "backend", "ready": false, "restartCount": 12,
                          "state": {"waiting": {"reason": "CrashLoopBackOff",
                              "message": "back-off 5m0s restarting failed container=backend"}},
                          "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}})
}

#[test]
fn a_deployment_with_every_replica_available_is_current() {
    let s = of(&deployment(
        json!({"observedGeneration": 3, "replicas": 2, "updatedReplicas": 2,
        "readyReplicas": 2, "availableReplicas": 2}),
    ));
    assert_eq!(s.state, LiveState::Current);
    assert_eq!(s.summary, "2/2 available");
}

#[test]
fn a_deployment_rolling_out_or_past_its_deadline() {
    let rolling = of(&deployment(
        json!({"observedGeneration": 3, "replicas": 3, "updatedReplicas": 1,
        "readyReplicas": 2, "availableReplicas": 2}),
    ));
    assert_eq!(rolling.state, LiveState::InProgress);
    assert_eq!(rolling.summary, "2/2 available · 1/2 updated");
    let unobserved = of(&deployment(json!({"observedGeneration": 2})));
    assert_eq!(unobserved.state, LiveState::InProgress);
    assert!(
        unobserved.summary.contains("generation 3 not observed"),
        "{}",
        unobserved.summary
    );
    let stuck = of(&deployment(json!({"observedGeneration": 3, "conditions": [
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
         "message": "ReplicaSet \"podinfo-5d8\" has timed out progressing."}]})));
    assert_eq!(stuck.state, LiveState::Failed);
    assert!(
        stuck
            .summary
            .starts_with("rollout stuck: ProgressDeadlineExceeded"),
        "{}",
        stuck.summary
    );
}

#[test]
fn crash_looping_pods_make_a_workload_failed_and_say_why() {
    let mut s = of(&deployment(
        json!({"observedGeneration": 3, "replicas": 2, "updatedReplicas": 2,
        "readyReplicas": 1, "availableReplicas": 1}),
    ));
    assert_eq!(s.state, LiveState::InProgress);
    let ready = json!({"kind": "Pod", "metadata": {"name": "ok"}, "status": {"phase": "Running",
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [{"name": "backend", "ready": true, "state": {"running": {}}}]}});
    pod_problems(&mut s, &[ready, crash_looping_pod("backend-7d9-x2x9q")]);
    assert_eq!(s.state, LiveState::Failed);
    assert_eq!(s.summary, "1/2 available · 1/2 ready · pods failing");
    assert_eq!(
        s.details,
        vec![
            "pod backend-7d9-x2x9q: backend CrashLoopBackOff, 12 restarts, last exit 1 (Error): back-off 5m0s restarting failed container=backend"
        ]
    );
}

#[test]
fn many_bad_pods_are_cut_to_the_worst_few() {
    let mut s = LiveStatus::new(LiveState::InProgress, "0/9 available");
    let pending = json!({"kind": "Pod", "metadata": {"name": "p"}, "status": {"phase": "Pending",
        "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                        "message": "0/3 nodes are available"}]}});
    let mut pods = vec![pending.clone(); 5];
    pods.push(crash_looping_pod("c"));
    pod_problems(&mut s, &pods);
    assert_eq!(s.details.len(), POD_DETAILS + 1);
    assert!(
        s.details[0].starts_with("pod c: backend CrashLoopBackOff"),
        "{:?}",
        s.details
    );
    assert_eq!(
        s.details[1],
        "pod p: not scheduled: Unschedulable: 0/3 nodes are available"
    );
    assert_eq!(s.details[3], "… 3 more pods not ready");
}

#[test]
fn jobs_fail_complete_or_run() {
    let failed = json!({"kind": "Job", "metadata": {"name": "smoke"}, "status": {"failed": 3, "conditions": [
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
         "message": "Job has reached the specified backoff limit"}]}});
    let s = of(&failed);
    assert_eq!(s.state, LiveState::Failed);
    assert_eq!(
        s.summary,
        "failed: BackoffLimitExceeded: Job has reached the specified backoff limit"
    );
    let done = json!({"kind": "Job", "status": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}});
    assert_eq!(of(&done).state, LiveState::Current);
    let running = json!({"kind": "Job", "status": {"active": 1}});
    assert_eq!(
        of(&running).summary,
        "running: 0 succeeded, 1 active, 0 failed"
    );
}

#[test]
fn pods_by_phase_and_container_state() {
    assert_eq!(of(&crash_looping_pod("x")).state, LiveState::Failed);
    let pull = json!({"kind": "Pod", "status": {"phase": "Pending", "containerStatuses": [
        {"name": "app", "ready": false, "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}});
    assert_eq!(of(&pull).state, LiveState::Failed);
    assert_eq!(of(&pull).summary, "app ImagePullBackOff");
    let done = json!({"kind": "Pod", "status": {"phase": "Succeeded"}});
    assert_eq!(of(&done).state, LiveState::Current);
    let creating = json!({"kind": "Pod", "status": {"phase": "Pending", "containerStatuses": [
        {"name": "app", "ready": false, "state": {"waiting": {"reason": "ContainerCreating"}}}]}});
    assert_eq!(of(&creating).state, LiveState::InProgress);
}

#[test]
fn other_kinds_by_their_conditions_or_their_existence() {
    let ready_false = json!({"kind": "Certificate", "status": {"conditions": [
        {"type": "Ready", "status": "False", "reason": "Failed", "message": "issuer not found"}]}});
    assert_eq!(
        of(&ready_false).summary,
        "not ready: Failed: issuer not found"
    );
    let stalled = json!({"kind": "HelmRelease", "status": {"conditions": [
        {"type": "Ready", "status": "False"}, {"type": "Stalled", "status": "True", "reason": "RetriesExceeded"}]}});
    assert_eq!(of(&stalled).state, LiveState::Failed);
    assert_eq!(
        of(&json!({"kind": "ConfigMap", "data": {"a": "b"}})).summary,
        "exists"
    );
    let lb = json!({"kind": "Service", "spec": {"type": "LoadBalancer"}, "status": {"loadBalancer": {}}});
    assert_eq!(of(&lb).state, LiveState::InProgress);
    let pvc = json!({"kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}});
    assert_eq!(of(&pvc).summary, "pending");
    let deleting =
        json!({"kind": "ConfigMap", "metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}});
    assert_eq!(of(&deleting).summary, "terminating");
}

#[test]
fn selectors_come_from_match_labels() {
    assert_eq!(
        pod_selector(&json!({"spec": {"selector": {"matchLabels": {"a": "1", "b": "2"}}}}))
            .as_deref(),
        Some("a=1,b=2")
    );
    assert_eq!(pod_selector(&json!({"spec": {}})), None);
    assert!(has_pods("StatefulSet") && !has_pods("Service"));
}

use super::*;
use serde_json::{Value, json};

fn obj(kind: &str, generation: i64, status: Value) -> FluxObject {
    serde_json::from_value(json!({
        "kind": kind,
        "metadata": {"name": "a", "namespace": "x", "uid": "u1", "generation": generation},
        "status": status
    }))
    .unwrap()
}

fn cond(type_: &str, status: &str, reason: &str, message: &str, generation: i64) -> Value {
    json!({"type": type_, "status": status, "reason": reason, "message": message,
           "observedGeneration": generation})
}

/// A source in the first seconds of a retry: source-controller's `ProgressiveStatus(true, "building artifact")`
/// (no artifact yet) with the last run's failure condition still set.
fn source_retrying(kind: &str, failure: &str, generation: i64, failed_at: i64) -> FluxObject {
    obj(
        kind,
        generation,
        json!({"observedGeneration": -1, "conditions": [
            cond("Reconciling", "True", "Progressing", "building artifact", generation),
            cond("Ready", "Unknown", "Progressing", "building artifact", generation),
            cond(failure, "True", "AuthenticationFailed", "authentication required", failed_at),
        ]}),
    )
}

#[test]
fn a_source_retrying_with_its_failure_condition_still_true_is_failing_for_every_source_kind() {
    let cases = [
        ("GitRepository", "FetchFailed"),
        ("OCIRepository", "FetchFailed"),
        ("Bucket", "FetchFailed"),
        ("HelmRepository", "FetchFailed"),
        ("HelmChart", "BuildFailed"),
        ("GitRepository", "StorageOperationFailed"),
        ("GitRepository", "IncludeUnavailable"),
    ];
    for (kind, failure) in cases {
        let s = summarize(&source_retrying(kind, failure, 1, 1));
        assert_eq!(s.health, Health::Failing, "{kind} {failure}: {s:?}");
        assert!(s.retrying, "{kind} {failure}");
        assert_eq!(s.reason, "AuthenticationFailed");
        assert_eq!(s.message, "authentication required");
    }
}

#[test]
fn a_failure_condition_of_an_older_generation_does_not_hold_the_new_attempt() {
    let s = summarize(&source_retrying("GitRepository", "FetchFailed", 2, 1));
    assert_eq!(s.health, Health::InProgress, "{s:?}");
}

#[test]
fn artifact_outdated_is_progress_not_failure() {
    let o = obj(
        "GitRepository",
        1,
        json!({"observedGeneration": 1, "conditions": [
            cond("Reconciling", "True", "Progressing", "building artifact: new upstream revision 'main@sha1:1'", 1),
            cond("Ready", "Unknown", "Progressing", "building artifact: new upstream revision 'main@sha1:1'", 1),
            cond("ArtifactOutdated", "True", "NewRevision", "new upstream revision 'main@sha1:1'", 1),
        ]}),
    );
    assert_eq!(summarize(&o).health, Health::InProgress);
}

#[test]
fn verification_failure_holds_through_a_retry() {
    let o = obj(
        "OCIRepository",
        1,
        json!({"observedGeneration": 1, "conditions": [
            cond("Reconciling", "True", "Progressing", "building artifact", 1),
            cond("Ready", "Unknown", "Progressing", "building artifact", 1),
            cond("SourceVerified", "False", "VerificationError", "failed to verify the signature", 1),
        ]}),
    );
    let s = summarize(&o);
    assert_eq!(
        (s.health, s.reason.as_str()),
        (Health::Failing, "VerificationError")
    );
}

fn helm_upgrading(failures: i64) -> FluxObject {
    obj(
        "HelmRelease",
        1,
        json!({"observedGeneration": 1, "failures": failures, "upgradeFailures": failures, "conditions": [
            cond("Reconciling", "True", "Progressing", "Running 'upgrade' action with timeout of 5m0s", 1),
            cond("Ready", "Unknown", "Progressing", "Running 'upgrade' action with timeout of 5m0s", 1),
            cond("Released", "False", "UpgradeFailed", "Helm upgrade failed for release x/a: timed out", 1),
        ]}),
    )
}

#[test]
fn a_helm_release_retrying_the_same_chart_and_values_stays_failing_a_new_one_is_in_progress() {
    let s = summarize(&helm_upgrading(2));
    assert_eq!(s.health, Health::Failing, "{s:?}");
    assert_eq!(s.reason, "UpgradeFailed");
    assert!(s.message.starts_with("Helm upgrade failed"));
    // helm-controller reset the count: the chart or the values changed, this is a new attempt.
    assert_eq!(summarize(&helm_upgrading(0)).health, Health::InProgress);
}

#[test]
fn progressing_with_retry_while_ready_is_unknown_is_failing_with_the_failed_check() {
    let mut o = obj(
        "Kustomization",
        3,
        json!({"observedGeneration": 2, "conditions": [
            cond("Reconciling", "True", "ProgressingWithRetry", "Detecting drift for revision main@sha1:1", 3),
            cond("Ready", "Unknown", "Progressing", "Reconciliation in progress", 3),
        ]}),
    );
    let s = summarize(&o);
    assert_eq!((s.health, s.retrying), (Health::Failing, true), "{s:?}");
    assert_eq!(s.reason, "ProgressingWithRetry");
    o.status.conditions.push(
        serde_json::from_value(cond(
            "Healthy",
            "False",
            "HealthCheckFailed",
            "health check failed after 30s: timeout waiting for: [Deployment/apps/podinfo status: 'InProgress']",
            3,
        ))
        .unwrap(),
    );
    let s = summarize(&o);
    assert_eq!(s.reason, "HealthCheckFailed");
    assert!(
        s.generation_observed,
        "the conditions are about generation 3"
    );
}

fn ks(generation: i64, uid: &str, attempted: &str, conditions: Value) -> FluxObject {
    let mut o = obj(
        "Kustomization",
        generation,
        json!({"observedGeneration": 1, "lastAttemptedRevision": attempted, "conditions": conditions}),
    );
    o.metadata.uid = Some(uid.to_owned());
    o
}

fn ks_failed(generation: i64) -> FluxObject {
    ks(
        generation,
        "u1",
        "main@sha1:1",
        json!([
            cond(
                "Reconciling",
                "True",
                "ProgressingWithRetry",
                "Fetching manifests for revision main@sha1:1",
                generation
            ),
            cond(
                "Ready",
                "False",
                "ArtifactFailed",
                "kustomization path not found: stat /tmp/k/invalid: no such file or directory",
                generation
            ),
        ]),
    )
}

/// kustomize-controller at the start of a run: `Ready=Unknown "Reconciliation in progress"`, `Reconciling`
/// reason `Progressing`; nothing of the last failure is left on the object.
fn ks_running(generation: i64, uid: &str, attempted: &str) -> FluxObject {
    ks(
        generation,
        uid,
        attempted,
        json!([
            cond(
                "Reconciling",
                "True",
                "Progressing",
                "Fetching manifests for revision main@sha1:1 with a timeout of 4m30s",
                generation
            ),
            cond(
                "Ready",
                "Unknown",
                "Progressing",
                "Reconciliation in progress",
                generation
            ),
        ]),
    )
}

#[test]
fn a_kustomization_rerunning_the_same_attempt_keeps_the_failure_seen_before() {
    let failed = ks_failed(2);
    let was = summarize(&failed);
    assert_eq!(was.health, Health::Failing);
    let running = ks_running(2, "u1", "main@sha1:1");
    assert_eq!(
        summarize(&running).health,
        Health::InProgress,
        "alone it says nothing"
    );
    let s = summarize_after(Some((&failed, &was)), &running);
    assert_eq!(s.health, Health::Failing);
    assert!(s.retrying);
    assert_eq!(
        (s.reason.as_str(), s.message.as_str()),
        (was.reason.as_str(), was.message.as_str())
    );
    assert_eq!(
        health_after(Some((&failed, was.health)), &running),
        Health::Failing
    );
    // It keeps failing through any number of runs of the same attempt.
    let again = summarize_after(Some((&running, &s)), &ks_running(2, "u1", "main@sha1:1"));
    assert_eq!(again.health, Health::Failing);
}

#[test]
fn a_new_spec_revision_or_object_is_a_new_attempt_not_a_retry() {
    let failed = ks_failed(2);
    let was = summarize(&failed);
    for (what, running) in [
        ("new generation", ks_running(3, "u1", "main@sha1:1")),
        ("new revision attempted", ks_running(2, "u1", "main@sha1:2")),
        ("deleted and recreated", ks_running(2, "u2", "main@sha1:1")),
    ] {
        let s = summarize_after(Some((&failed, &was)), &running);
        assert_eq!(s.health, Health::InProgress, "{what}");
        assert_eq!(
            health_after(Some((&failed, was.health)), &running),
            Health::InProgress,
            "{what}"
        );
    }
}

#[test]
fn what_the_object_says_decides_once_the_run_ends() {
    let failed = ks_failed(2);
    let was = summarize(&failed);
    let ready = ks(
        2,
        "u1",
        "main@sha1:1",
        json!([cond(
            "Ready",
            "True",
            "ReconciliationSucceeded",
            "Applied revision: main@sha1:1",
            2
        )]),
    );
    let mut ready = ready;
    ready.status.observed_generation = Some(2);
    assert_eq!(
        summarize_after(Some((&failed, &was)), &ready).health,
        Health::Ready
    );
    let blocked = ks(
        2,
        "u1",
        "main@sha1:1",
        json!([cond(
            "Ready",
            "False",
            "DependencyNotReady",
            "dependency 'x/b' is not ready",
            2
        )]),
    );
    assert_eq!(
        summarize_after(Some((&failed, &was)), &blocked).health,
        Health::Blocked
    );
    // Only a failure is carried: an object that was in progress or blocked is what it says now.
    let running = ks_running(2, "u1", "main@sha1:1");
    let blocked_was = summarize(&blocked);
    assert_eq!(
        summarize_after(Some((&blocked, &blocked_was)), &running).health,
        Health::InProgress
    );
}

#[test]
fn a_helm_release_whose_failure_count_was_reset_is_not_carried() {
    let failed = {
        let mut o = helm_upgrading(2);
        o.status.conditions[1] = serde_json::from_value(cond(
            "Ready",
            "False",
            "UpgradeFailed",
            "Helm upgrade failed",
            1,
        ))
        .unwrap();
        o
    };
    let was = summarize(&failed);
    assert_eq!(was.health, Health::Failing);
    let reset = helm_upgrading(0);
    assert_eq!(
        summarize_after(Some((&failed, &was)), &reset).health,
        Health::InProgress
    );
    assert_eq!(
        summarize_after(Some((&failed, &was)), &helm_upgrading(2)).health,
        Health::Failing
    );
}

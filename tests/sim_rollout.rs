//! The simulator's run-time controls and misbehaving controllers that `fluxops follow` and the timings are tested
//! with: `push_revision` (a known commit, Git and OCI), `inject_failure`, `stuckAfter` (a reconcile that never
//! ends, requests never handled), `stopAfter` (no more reconciles: overdue), and a HelmChart rebuilt when its
//! source has a new artifact.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use fluxops::flux::{FluxKind, ResourceRef};
use fluxops::sim::scenario::FailurePlan;
use fluxops::sim::simulation::{SimConfig, SimSource, Simulation, start};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

use support::objects::r;
use support::poll::eventually;
use support::sim::stored;
use support::status::condition;

const SHA: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";

fn get(sim: &Simulation, o: &ResourceRef) -> Arc<Value> {
    stored(sim, o).unwrap_or_else(|| panic!("{o} exists"))
}

async fn wait_for(
    sim: &Simulation,
    o: &ResourceRef,
    what: &str,
    ok: impl Fn(&Value) -> bool,
) -> Arc<Value> {
    let got = eventually(Duration::from_secs(20), || async {
        stored(sim, o).filter(|v| ok(v))
    })
    .await;
    got.unwrap_or_else(|| {
        panic!(
            "{o}: {what}: {:?}",
            stored(sim, o).map(|v| v["status"].clone())
        )
    })
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn is_ready(v: &Value) -> bool {
    condition(v, "Ready").is_some_and(|c| c["status"] == "True")
}

async fn rollout() -> Simulation {
    start(SimConfig::new(SimSource::Scenario("rollout".into())))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pushed_commit_is_served_as_is_and_reaches_the_chart_built_from_the_repository() {
    let sim = rollout().await;
    let git = r(FluxKind::GitRepository, "flux-system", "flux-system");
    let chart = r(FluxKind::HelmChart, "flux-system", "flux-system-podinfo");
    wait_for(&sim, &chart, "first chart", is_ready).await;
    sim.push_revision(&git, SHA).unwrap();
    let src = wait_for(&sim, &git, "the pushed commit", |v| {
        text(v, "/status/artifact/revision") == format!("main@sha1:{SHA}")
    })
    .await;
    assert!(
        text(
            &src,
            "/metadata/annotations/reconcile.fluxcd.io~1requestedAt"
        )
        .len()
            > 10,
        "asked like a receiver"
    );
    wait_for(&sim, &chart, "rebuilt from the new commit", |v| {
        text(v, "/status/observedSourceArtifactRevision") == format!("main@sha1:{SHA}")
    })
    .await;
    let apps = r(FluxKind::Kustomization, "flux-system", "apps");
    wait_for(&sim, &apps, "the commit applied", |v| {
        text(v, "/status/lastAppliedRevision") == format!("main@sha1:{SHA}")
    })
    .await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oci_source_serving_a_pushed_commit_annotates_its_artifact_with_it() {
    let sim = start(SimConfig::new(SimSource::Scenario("chain".into())))
        .await
        .unwrap();
    let oci = r(FluxKind::OCIRepository, "flux-system", "podinfo");
    let before = wait_for(&sim, &oci, "first artifact", is_ready).await;
    let old = text(&before, "/status/artifact/revision").to_owned();
    sim.push_revision(&oci, SHA).unwrap();
    let after = wait_for(&sim, &oci, "a new artifact", |v| {
        text(v, "/status/artifact/revision") != old
    })
    .await;
    assert_eq!(
        text(
            &after,
            "/status/artifact/metadata/org.opencontainers.image.revision"
        ),
        format!("main@sha1:{SHA}")
    );
    assert!(text(&after, "/status/artifact/revision").contains("@sha256:"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_injected_failure_hits_the_next_apply_with_the_given_texts() {
    let sim = rollout().await;
    let apps = r(FluxKind::Kustomization, "flux-system", "apps");
    wait_for(&sim, &apps, "first apply", is_ready).await;
    let failure = FailurePlan {
        reason: Some("ReconciliationFailed".into()),
        message: "Deployment/apps/web dry-run failed (Invalid): field is immutable".into(),
        ..FailurePlan::default()
    };
    sim.inject_failure(&apps, failure).unwrap();
    sim.push_revision(
        &r(FluxKind::GitRepository, "flux-system", "flux-system"),
        SHA,
    )
    .unwrap();
    let failed = wait_for(&sim, &apps, "the failure", |v| {
        condition(v, "Ready")
            .is_some_and(|c| c["status"] == "False" && c["reason"] == "ReconciliationFailed")
    })
    .await;
    assert_eq!(
        condition(&failed, "Ready").unwrap()["message"],
        "Deployment/apps/web dry-run failed (Invalid): field is immutable"
    );
    assert_eq!(
        text(&failed, "/status/lastAttemptedRevision"),
        format!("main@sha1:{SHA}")
    );
    assert_ne!(
        text(&failed, "/status/lastAppliedRevision"),
        format!("main@sha1:{SHA}")
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_object_keeps_reconciling_and_an_overdue_one_is_not_reconciled_at_all() {
    let sim = rollout().await;
    let stuck = r(FluxKind::Kustomization, "team-a", "team-a");
    let overdue = r(FluxKind::Kustomization, "team-a", "team-a-legacy");
    wait_for(&sim, &stuck, "first apply", is_ready).await;
    let before = wait_for(&sim, &overdue, "first apply", is_ready).await;
    sim.push_revision(&r(FluxKind::GitRepository, "team-a", "team-a"), SHA)
        .unwrap();
    let hung = wait_for(&sim, &stuck, "hung", |v| {
        condition(v, "Reconciling").is_some_and(|c| c["status"] == "True")
    })
    .await;
    assert_eq!(
        condition(&hung, "Ready").unwrap()["message"],
        "Reconciliation in progress"
    );
    assert!(
        text(&hung, "/status/conditions/0/message").starts_with(&format!(
            "Fetching manifests for revision main@sha1:{SHA} with a timeout of 2s"
        ))
    );
    sim.request_reconcile(&stuck, "flux-client-side-apply")
        .unwrap();
    sim.request_reconcile(&overdue, "flux-client-side-apply")
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await; // 16 simulated seconds
    let hung_later = get(&sim, &stuck);
    assert_eq!(
        hung_later["status"], hung["status"],
        "nothing more is written"
    );
    assert!(
        hung_later
            .pointer("/status/lastHandledReconcileAt")
            .is_none(),
        "the request is never handled"
    );
    let later = get(&sim, &overdue);
    assert_eq!(
        later["status"], before["status"],
        "an overdue object is left alone"
    );
    sim.shutdown().await;
}

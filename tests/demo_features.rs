//! `--demo` shows each issue-3 feature: besides the slow reconcile, the cascades and the new commit (checked by
//! `tests/scenarios.rs`, `tests/sim_timings.rs`), a stuck object and an overdue one. The demo's simulated
//! cluster is watched by the real watch path into the console's `Timings`; the clock passed to it is moved a few
//! minutes on, as the console's ticks would.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use support::watch::{connect_console, spawn_watch};

use fluxops::cluster::ClusterEvent;
use fluxops::flux::{FluxKind, ResourceRef};
use fluxops::sim::simulation::{SimConfig, SimSource, start};
use fluxops::timing::{Stuck, Timings};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_a_stuck_kustomization_and_an_overdue_bucket_minutes_in() {
    let sim = start(SimConfig::new(SimSource::Scenario("demo".into())))
        .await
        .unwrap();
    let (connection, _dir) = connect_console(&sim).await;
    let (mut rx, cancel) = spawn_watch(connection.client, connection.scope);

    let stuck = ResourceRef::new(FluxKind::Kustomization, "flux-system", "cluster-policies");
    let overdue = ResourceRef::new(FluxKind::Bucket, "flux-system", "terraform-outputs");
    let mut timings = Timings::new();
    timings.tick(Timestamp::now());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let (mut hung, mut fetched) = (false, false);
    while !(hung && fetched) {
        let event = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the demo's stuck and overdue objects appear")
            .expect("the watchers keep going");
        match event {
            ClusterEvent::Upserted(obj) => {
                let r = obj.resource_ref().unwrap();
                if r == stuck {
                    hung = obj
                        .condition("Reconciling")
                        .is_some_and(|c| c.status == "True");
                }
                if r == overdue {
                    fetched = obj.status.artifact.is_some();
                }
                timings.upsert(&obj);
            }
            ClusterEvent::Event(e) => timings.record_event(&e),
            _ => {}
        }
    }
    // The controllers keep running (the warm-up runs 30 times faster): the 1m GitRepository is fetched again,
    // the Bucket never is.
    let git = ResourceRef::new(FluxKind::GitRepository, "flux-system", "flux-system");
    let (mut git_events, mut bucket_events) = (0, 0);
    let watch_until = tokio::time::Instant::now() + Duration::from_secs(4);
    while let Ok(Some(event)) = tokio::time::timeout_at(watch_until, rx.recv()).await {
        match event {
            ClusterEvent::Event(e) => {
                // Runs after the first fetch say so ("artifact up-to-date with remote revision"); the first
                // fetch's own NewArtifact event may arrive late and does not count.
                let again = e.reason == "ArtifactUpToDate";
                git_events += usize::from(again && e.involved == git);
                bucket_events += usize::from(again && e.involved == overdue);
                timings.record_event(&e);
            }
            ClusterEvent::Upserted(obj) => timings.upsert(&obj),
            _ => {}
        }
    }
    assert!(
        git_events > 0,
        "the GitRepository is reconciled on its interval"
    );
    assert_eq!(bucket_events, 0, "the Bucket is not reconciled any more");
    let later = Timestamp::now()
        .checked_add(SignedDuration::from_mins(7))
        .unwrap();
    timings.tick(later);
    let flags = |r: &ResourceRef| timings.get(r).unwrap().flags_at(Some(later));
    // Reconciling since its creation and its first generation never observed: stuck either way.
    assert!(
        matches!(
            flags(&stuck).stuck,
            Some(Stuck::Reconciling | Stuck::GenerationNotObserved)
        ),
        "{:?}",
        flags(&stuck)
    );
    let fine = ResourceRef::new(FluxKind::Kustomization, "flux-system", "infra-configs");
    assert_eq!(flags(&fine).stuck, None, "only the hung one is stuck");
    // The objects waiting behind the failures (tenants, team-b-apps, apps-smoke-tests, backend …) have a known
    // cause: the hung Kustomization is the one stuck object.
    let all_stuck: Vec<&ResourceRef> = timings
        .iter()
        .filter(|(_, t)| t.has_object() && t.flags_at(Some(later)).stuck.is_some())
        .map(|(r, _)| r)
        .collect();
    assert_eq!(all_stuck, [&stuck], "the stuck objects");
    assert!(
        flags(&overdue).overdue,
        "the Bucket is not fetched any more"
    );
    cancel.cancel();
    sim.shutdown().await;
}

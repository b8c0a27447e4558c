//! Timings of real objects, end to end: the demo scenario's simulated cluster (an HTTP Kubernetes API server
//! with simulated Flux controllers), watched by the real kube-rs watch path, fed into the console's `State`
//! through `update`. The slow `monitoring-controllers` Kustomization (an 8 minute reconcile) must come out with
//! its duration parsed from the controller's event and history, first in the "slowest" ranking; HelmReleases
//! get theirs from `lastAttemptedReleaseActionDuration`. With the controllers stopped, the clock (data for
//! `update`) moved on shows what a dead controller looks like: sources and Kustomizations overdue (never a
//! HelmRelease), a spec change and a reconcile request that nothing handles stuck.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use support::watch::{connect_console, spawn_watch};

use fluxops::app::{Labels, Msg, State, update};
use fluxops::cluster::Scope;
use fluxops::config::Config;
use fluxops::flux::{FluxKind, ResourceRef};
use fluxops::sim::simulation::{SimConfig, SimSource, start};
use fluxops::timing::{Outcome, SortKey, Stuck, rank};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use std::time::Duration;
use tokio::sync::mpsc;

const GENEROUS: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_s_slow_reconcile_is_timed_from_its_events_and_history() {
    let sim = start(SimConfig {
        time_scale: Some(100.0),
        ..SimConfig::new(SimSource::Scenario("demo".into()))
    })
    .await
    .unwrap();
    let (connection, _dir) = connect_console(&sim).await;
    let (mut rx, cancel) = spawn_watch(connection.client, connection.scope);

    let mut state = State::new(
        Config::builtin(),
        Labels {
            context: "demo".into(),
            namespace: None,
        },
    );
    update(&mut state, Msg::Tick(Timestamp::now()));
    let slow = ResourceRef::new(
        FluxKind::Kustomization,
        "flux-system",
        "monitoring-controllers",
    );
    let deadline = tokio::time::Instant::now() + GENEROUS;
    let mut ticker = tokio::time::interval(Duration::from_millis(500));
    let done = |s: &State| {
        let ks_timed = s
            .timings
            .get(&slow)
            .and_then(|t| t.last_duration())
            .is_some_and(|d| d >= Duration::from_secs(8 * 60));
        let hr_timed = s
            .timings
            .iter()
            .any(|(r, t)| r.kind == FluxKind::HelmRelease && t.last_duration().is_some());
        // The event and the status update come through separate watches: wait for both.
        let history_written = s.objects.get(&slow).is_some_and(|e| {
            e.object.status.history.iter().any(|h| {
                h.last_reconciled_duration
                    .as_deref()
                    .and_then(|d| fluxops::flux::duration::parse_go_duration(d).ok())
                    .is_some_and(|d| d >= Duration::from_secs(8 * 60))
            })
        });
        ks_timed && hr_timed && history_written
    };
    while !done(&state) {
        tokio::select! {
            ev = rx.recv() => match ev {
                Some(ev) => {
                    update(&mut state, Msg::Cluster(ev));
                }
                None => panic!("the watch ended"),
            },
            _ = ticker.tick() => {
                update(&mut state, Msg::Tick(Timestamp::now()));
            }
            () = tokio::time::sleep_until(deadline) => {
                let timed: Vec<String> = state
                    .timings
                    .iter()
                    .filter_map(|(r, t)| t.last_duration().map(|d| format!("{r}: {d:?}")))
                    .collect();
                panic!("timed out waiting for the slow reconcile's duration; timed so far: {timed:?}");
            }
        }
    }

    let t = state.timings.get(&slow).unwrap();
    let last = t.ring.last().unwrap();
    assert_eq!(last.outcome, Outcome::Succeeded);
    assert!(
        last.finished.is_some(),
        "dated by the event / history entry"
    );
    // The success event and the history entry report the same run: it is counted once.
    let same_runs = t.ring.iter().filter(|s| s.took == last.took).count();
    assert_eq!(same_runs, 1, "{:?}", t.ring);
    let history = &state.objects[&slow].object.status.history;
    assert!(
        history.iter().any(|h| h
            .last_reconciled_duration
            .as_deref()
            .and_then(|d| fluxops::flux::duration::parse_go_duration(d).ok())
            == Some(last.took)),
        "the ring holds the duration the controller wrote in status.history: {history:?}"
    );
    assert_eq!(
        rank(&state.timings, SortKey::LastDuration).first(),
        Some(&slow),
        "the slowest reconcile of the demo tops the list"
    );
    let a = t.assess(state.now.unwrap());
    assert!(a.p50.is_some() && a.p95.is_some());
    assert!(a.stuck.is_none(), "finished well within its 15m timeout");

    // The demo's hung apply and its source that stopped being fetched: with the console's clock 8 minutes on,
    // `cluster-policies` (Reconciling since its first apply, 1m timeout) is stuck and Bucket `terraform-outputs`
    // (fetched once, 5m interval + 60s timeout + 1m grace) is overdue. (The simulated controllers run 100 times
    // faster than that clock, so other objects may be flagged too; these two must be.)
    let hung = ResourceRef::new(FluxKind::Kustomization, "flux-system", "cluster-policies");
    let unfetched = ResourceRef::new(FluxKind::Bucket, "flux-system", "terraform-outputs");
    assert!(
        state.objects[&hung]
            .object
            .condition("Reconciling")
            .is_some_and(|c| c.status == "True"),
        "cluster-policies hangs in its first apply"
    );
    let eight_minutes_on = Timestamp::now()
        .checked_add(SignedDuration::from_secs(8 * 60))
        .unwrap();
    update(&mut state, Msg::Tick(eight_minutes_on));
    assert_eq!(
        state.timings.get(&hung).unwrap().flags.stuck,
        Some(Stuck::Reconciling)
    );
    assert!(state.timings.get(&unfetched).unwrap().flags.overdue);
    assert!(
        state
            .timings
            .iter()
            .all(|(r, t)| r.kind != FluxKind::HelmRelease || !t.flags.overdue)
    );
    cancel.cancel();
    sim.shutdown().await;
}

/// Feeds cluster events (and a real-time tick every 500 ms) into `state` until `done`.
async fn follow(
    state: &mut State,
    rx: &mut mpsc::Receiver<fluxops::cluster::ClusterEvent>,
    what: &str,
    done: impl Fn(&State) -> bool,
) {
    let deadline = tokio::time::Instant::now() + GENEROUS;
    let mut ticker = tokio::time::interval(Duration::from_millis(500));
    while !done(state) {
        tokio::select! {
            ev = rx.recv() => {
                update(state, Msg::Cluster(ev.expect("the watch ended")));
            }
            _ = ticker.tick() => {
                update(state, Msg::Tick(Timestamp::now()));
            }
            () = tokio::time::sleep_until(deadline) => panic!("timed out waiting for {what}"),
        }
    }
}

fn later(secs: i64) -> Timestamp {
    Timestamp::now()
        .checked_add(SignedDuration::from_secs(secs))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_its_controllers_stopped_the_fleet_goes_overdue_and_an_unhandled_change_stuck() {
    let mut c = support::sim::shipped("minimal", 10.0).await;
    let (mut rx, cancel) = spawn_watch(c.client.clone(), Scope::All);
    let mut state = State::new(
        Config::builtin(),
        Labels {
            context: "minimal".into(),
            namespace: None,
        },
    );
    update(&mut state, Msg::Tick(Timestamp::now()));
    let ks = ResourceRef::new(FluxKind::Kustomization, "flux-system", "flux-system");
    follow(
        &mut state,
        &mut rx,
        "every object Ready, the Kustomization timed",
        |s| {
            let all_ready = !s.objects.is_empty()
                && s.objects.values().all(|e| {
                    e.object
                        .condition("Ready")
                        .is_none_or(|c| c.status == "True")
                });
            all_ready && s.timings.get(&ks).and_then(|t| t.last_duration()).is_some()
        },
    )
    .await;
    assert_eq!(state.timings.totals(), fluxops::timing::Totals::default());

    c.sim.stop_controllers().await;
    c.patch(
        FluxKind::Kustomization,
        "flux-system",
        "flux-system",
        serde_json::json!({
            "metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "fluxops-test-1"}},
            "spec": {"path": "./clusters/changed"}
        }),
    )
    .await;
    follow(
        &mut state,
        &mut rx,
        "the spec change seen by the console",
        |s| {
            s.objects
                .get(&ks)
                .is_some_and(|e| e.object.metadata.generation == Some(2))
        },
    )
    .await;

    // Kustomization timeout: 10m interval - 30s. Just past it (+ the 1m grace), the unhandled request and
    // generation make it stuck.
    update(&mut state, Msg::Tick(later(9 * 60 + 30 + 60 + 2)));
    let flags = state.timings.get(&ks).unwrap().flags;
    assert!(
        matches!(
            flags.stuck,
            Some(Stuck::RequestNotHandled | Stuck::GenerationNotObserved)
        ),
        "{flags:?}"
    );
    assert_eq!(state.timings.totals().stuck, 1);

    // Two hours on: every object whose controller leaves a trace of each run is overdue; the HelmRelease is not.
    update(&mut state, Msg::Tick(later(2 * 3600)));
    let overdue: Vec<&ResourceRef> = state
        .timings
        .iter()
        .filter(|(_, t)| t.flags.overdue)
        .map(|(r, _)| r)
        .collect();
    assert!(overdue.contains(&&ks), "{overdue:?}");
    assert!(
        overdue.iter().any(|r| r.kind == FluxKind::GitRepository),
        "{overdue:?}"
    );
    assert!(
        overdue.iter().all(|r| r.kind != FluxKind::HelmRelease),
        "{overdue:?}"
    );
    assert_eq!(state.timings.totals().overdue, overdue.len());
    cancel.cancel();
    c.sim.shutdown().await;
}

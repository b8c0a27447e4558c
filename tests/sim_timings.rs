//! Timings of real objects, end to end: the demo scenario's simulated cluster (an HTTP Kubernetes API server
//! with simulated Flux controllers), watched by the real kube-rs watch path, fed into the console's `State`
//! through `update`. The slow `monitoring-controllers` Kustomization (an 8 minute reconcile) must come out with
//! its duration parsed from the controller's event and history, first in the "slowest" ranking; HelmReleases
//! get theirs from `lastAttemptedReleaseActionDuration`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

use fluxops::app::{Labels, Msg, State, update};
use fluxops::cluster::ConnectOptions;
use fluxops::cluster::watch::{CHANNEL_CAPACITY, spawn};
use fluxops::config::Config;
use fluxops::flux::{FluxKind, ResourceRef};
use fluxops::sim::simulation::{SimConfig, SimSource, start};
use fluxops::timing::{Outcome, SortKey, rank};
use k8s_openapi::jiff::Timestamp;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const GENEROUS: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_s_slow_reconcile_is_timed_from_its_events_and_history() {
    let sim = start(SimConfig {
        time_scale: Some(100.0),
        ..SimConfig::new(SimSource::Scenario("demo".into()))
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&path).unwrap();
    let connection = fluxops::cluster::client::connect(&ConnectOptions {
        kubeconfig: Some(path),
        all_namespaces: true,
        ..ConnectOptions::default()
    })
    .await
    .unwrap();
    let (tx, mut rx) = mpsc::channel(CHANNEL_CAPACITY);
    let cancel = CancellationToken::new();
    spawn(connection.client, connection.scope, tx, cancel.clone());

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
    cancel.cancel();
    sim.shutdown().await;
}

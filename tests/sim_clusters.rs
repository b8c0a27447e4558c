//! Several simulated clusters (`sim::multi`, `fluxops sim --clusters N`) and the client layer watching them
//! (`cluster::fleet`): one kubeconfig with a context per cluster, each cluster its own server, store and token;
//! every cluster watched on its own — one stopped (unreachable) or slowed down never holds up the others, and
//! each cluster's API latency is measured on its own.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::cli::ClusterArgs;
use fluxops::cluster::ClusterEvent;
use fluxops::cluster::fleet::{self, FleetEvent, Tagged};
use fluxops::config::settings::Settings;
use fluxops::sim::multi;
use fluxops::sim::simulation::SimSource;
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

async fn three() -> (multi::SimFleet, tempfile::TempDir, std::path::PathBuf) {
    let fleet = multi::start(
        3,
        &SimSource::Scenario("minimal".into()),
        [127, 0, 0, 1].into(),
        &[],
        |_| {},
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    fleet.write_kubeconfig(&path).unwrap();
    (fleet, dir, path)
}

/// Reads tagged messages until `done` says so (or panics after `within`).
async fn until(
    rx: &mut mpsc::Receiver<Tagged>,
    within: Duration,
    what: &str,
    mut done: impl FnMut(&Tagged) -> bool,
) {
    let waited = tokio::time::timeout(within, async {
        while let Some(t) = rx.recv().await {
            if done(&t) {
                return;
            }
        }
        panic!("channel closed before {what}");
    })
    .await;
    assert!(waited.is_ok(), "not within {within:?}: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_kubeconfig_a_context_per_cluster_each_its_own_server_and_token() {
    let (fleet, _dir, path) = three().await;
    assert_eq!(fleet.names(), ["sim-1", "sim-2", "sim-3"]);
    let ports: BTreeSet<u16> = fleet.members.iter().map(|m| m.addr.port()).collect();
    assert_eq!(ports.len(), 3, "each cluster its own port");
    let args = ClusterArgs {
        kubeconfig: Some(path.clone()),
        all_contexts: true,
        ..ClusterArgs::default()
    };
    let clusters = fluxops::launch::fleet::connect(&args, &Settings::default(), true)
        .await
        .unwrap();
    let names: Vec<&str> = clusters.iter().map(|c| c.name()).collect();
    assert_eq!(names, ["sim-1", "sim-2", "sim-3"]);
    // Independent stores: an object written into sim-2 is not in sim-1.
    let sim2 = fleet.get("sim-2").unwrap();
    sim2.handle()
        .put_object(serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "only-here", "namespace": "default"}}))
        .unwrap();
    let key = fluxops::sim::ObjectKey::core("configmaps", "default", "only-here");
    let has = |name: &str| fleet.get(name).unwrap().store().get(&key).is_some();
    assert_eq!((has("sim-1"), has("sim-2")), (false, true));
    // A token of one cluster is rejected by another, as across real clusters.
    let text = fleet
        .kubeconfig_yaml()
        .replace("token: fluxops-sim-2-token", "token: fluxops-sim-1-token");
    std::fs::write(&path, text).unwrap();
    let options = |context: &str| fluxops::cluster::ConnectOptions {
        kubeconfig: Some(path.clone()),
        context: Some(context.to_owned()),
        ..Default::default()
    };
    let wrong = fluxops::cluster::client::connect(&options("sim-2"))
        .await
        .unwrap();
    let err = wrong.client.apiserver_version().await.unwrap_err();
    assert!(
        err.to_string().contains("401") || err.to_string().contains("Unauthorized"),
        "{err}"
    );
    let right = fluxops::cluster::client::connect(&options("sim-3"))
        .await
        .unwrap();
    assert!(right.client.apiserver_version().await.is_ok());
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_or_slow_cluster_never_holds_up_the_others() {
    let (mut fleet, _dir, path) = three().await;
    let args = ClusterArgs {
        kubeconfig: Some(path),
        all_contexts: true,
        ..ClusterArgs::default()
    };
    let clusters = fluxops::launch::fleet::connect(&args, &Settings::default(), true)
        .await
        .unwrap();
    let targets = clusters.iter().map(|c| c.target(false)).collect();
    let (tx, mut rx) = mpsc::channel(4096);
    let cancel = CancellationToken::new();
    let watching = fleet::start(targets, tx, &cancel);
    assert_eq!(watching.controls.len(), 3);

    // Every cluster lists its Kustomizations.
    let mut synced = BTreeSet::new();
    until(
        &mut rx,
        Duration::from_secs(30),
        "every cluster synced",
        |t| {
            if let FleetEvent::Cluster(ClusterEvent::KindSynced { kind, .. }) = &t.event
                && *kind == fluxops::flux::FluxKind::Kustomization
            {
                synced.insert(t.cluster);
            }
            synced.len() == 3
        },
    )
    .await;

    // sim-2 stops: it (and only it) goes degraded, while sim-1 and sim-3 keep answering.
    assert!(fleet.stop("sim-2").await);
    let mut degraded = false;
    let mut answered_after = BTreeSet::new();
    until(
        &mut rx,
        Duration::from_secs(20),
        "sim-2 degraded, the others answering",
        |t| {
            match &t.event {
                FleetEvent::Cluster(ClusterEvent::Degraded { .. }) => {
                    assert_eq!(t.cluster, 1, "only the stopped cluster degrades");
                    degraded = true;
                }
                FleetEvent::Latency(Ok(_)) if degraded => {
                    assert_ne!(t.cluster, 1, "a stopped cluster has no latency");
                    answered_after.insert(t.cluster);
                }
                FleetEvent::Latency(Err(_)) => assert_eq!(t.cluster, 1),
                _ => {}
            }
            degraded && answered_after.len() == 2
        },
    )
    .await;

    // sim-3 gets slow: its latency says so, sim-1's does not.
    fleet
        .get("sim-3")
        .unwrap()
        .handle()
        .set_latency(Duration::from_millis(600));
    let mut slow = None;
    let mut fast = None;
    until(
        &mut rx,
        Duration::from_secs(20),
        "latencies of sim-1 and a slow sim-3",
        |t| {
            if let FleetEvent::Latency(Ok(d)) = &t.event {
                match t.cluster {
                    0 => fast = Some(*d),
                    2 if *d >= Duration::from_millis(600) => slow = Some(*d),
                    _ => {}
                }
            }
            slow.is_some() && fast.is_some()
        },
    )
    .await;
    assert!(fast.unwrap() < Duration::from_millis(600), "{fast:?}");

    // Nothing mutating was sent to any cluster (each client carries the read-only guard).
    for name in ["sim-1", "sim-3"] {
        let log = fleet.get(name).unwrap().handle().request_log().entries();
        assert!(log.iter().all(|e| e.method == "GET"), "{name}");
    }
    cancel.cancel();
    watching.join().await;
    fleet.shutdown().await;
}

//! The console's real watch path on a simulation: its kubeconfig written to a temporary directory, the
//! console's connection through it (all namespaces), and the watch pipeline sending `ClusterEvent`s.

use fluxops::cluster::watch::{CHANNEL_CAPACITY, spawn};
use fluxops::cluster::{ClusterEvent, ConnectOptions, Connection, Scope};
use fluxops::sim::Simulation;
use std::path::PathBuf;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Connects the console to `sim` as a user would, through a kubeconfig file; the directory holding it must
/// live as long as the connection is used.
pub async fn connect_console(sim: &Simulation) -> (Connection, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&path).unwrap();
    (connect_kubeconfig(path).await, dir)
}

/// The console's connection through the kubeconfig file at `path`, all namespaces.
pub async fn connect_kubeconfig(path: PathBuf) -> Connection {
    fluxops::cluster::client::connect(&ConnectOptions {
        kubeconfig: Some(path),
        all_namespaces: true,
        ..ConnectOptions::default()
    })
    .await
    .unwrap()
}

/// Starts the console's watch pipeline with `client` over `scope`; it runs until the token is cancelled.
pub fn spawn_watch(
    client: kube::Client,
    scope: Scope,
) -> (mpsc::Receiver<ClusterEvent>, CancellationToken) {
    let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
    let cancel = CancellationToken::new();
    spawn(client, scope, tx, cancel.clone());
    (rx, cancel)
}

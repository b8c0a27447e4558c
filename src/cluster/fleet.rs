//! Many clusters at once: each cluster watched by its own `watch::start` (its own client, read-only guard,
//! liveness monitor and watcher tasks) and measured by its own latency probe, every message tagged with the
//! cluster's index before it reaches the one channel the app reads. One cluster at a time is the case N = 1.
//!
//! Independence: each cluster's watchers send into a channel of their own; a forwarder task per cluster moves
//! its messages on. A slow or unreachable cluster only slows its own watchers and forwarder; the others keep
//! sending. (The shared channel is only ever full when the app itself is behind, which holds every cluster back
//! equally, as it must.)
//!
//! Latency: every [`LATENCY_EVERY`] a `GET /version` (the cheapest request an API server answers, sent through
//! the cluster's own client and guard) is timed; no answer within [`LATENCY_TIMEOUT`] reports the timeout.
//!
//! Must not live here: what the app makes of the messages (`fleet`, `app`).

use super::ClusterEvent;
use super::watch::{self, CHANNEL_CAPACITY, Control, Target};
use std::time::Duration;
use tokio::sync::mpsc::{self, Sender};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How often each cluster's API latency is measured.
pub const LATENCY_EVERY: Duration = Duration::from_secs(5);

/// A latency probe unanswered for this long reports no answer.
pub const LATENCY_TIMEOUT: Duration = Duration::from_secs(4);

/// What one cluster said, tagged with its index (the order of the targets given to [`start`]).
#[derive(Debug, Clone)]
pub struct Tagged {
    pub cluster: usize,
    pub event: FleetEvent,
}

/// A cluster's message.
#[derive(Debug, Clone)]
pub enum FleetEvent {
    /// What its watchers said.
    Cluster(ClusterEvent),
    /// How long its API server took to answer `GET /version`, or why it did not.
    Latency(Result<Duration, String>),
}

/// The running watchers of every cluster.
pub struct Watching {
    pub tasks: Vec<JoinHandle<()>>,
    /// Per cluster, in order: reload its kubeconfig.
    pub controls: Vec<Control>,
}

impl Watching {
    /// Waits for every task to end (after the cancel token fired).
    pub async fn join(self) {
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Starts watching every target, each on its own, all sending into `tx` tagged with their index.
#[must_use]
pub fn start(targets: Vec<Target>, tx: Sender<Tagged>, cancel: &CancellationToken) -> Watching {
    start_tapped(targets, tx, cancel, |_, rx| rx)
}

/// [`start`], with each cluster's own messages passed through `tap` (its index, its channel) before they are
/// tagged: the console's metrics keep their own state from them (`launch::metrics::tap`).
pub fn start_tapped(
    targets: Vec<Target>,
    tx: Sender<Tagged>,
    cancel: &CancellationToken,
    mut tap: impl FnMut(usize, mpsc::Receiver<ClusterEvent>) -> mpsc::Receiver<ClusterEvent>,
) -> Watching {
    let mut tasks = Vec::new();
    let mut controls = Vec::new();
    for (cluster, target) in targets.into_iter().enumerate() {
        let (own_tx, own_rx) = mpsc::channel(CHANNEL_CAPACITY);
        let client = target.client.clone();
        let watching = watch::start(target, own_tx, cancel.child_token());
        let mut own_rx = tap(cluster, own_rx);
        controls.push(watching.control);
        tasks.push(watching.task);
        let forward_tx = tx.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(event) = own_rx.recv().await {
                let tagged = Tagged {
                    cluster,
                    event: FleetEvent::Cluster(event),
                };
                if forward_tx.send(tagged).await.is_err() {
                    break;
                }
            }
        }));
        tasks.push(tokio::spawn(measure(
            client,
            cluster,
            tx.clone(),
            cancel.child_token(),
        )));
    }
    Watching { tasks, controls }
}

/// Times `GET /version` every [`LATENCY_EVERY`] until cancelled or the receiver is gone.
async fn measure(
    client: kube::Client,
    cluster: usize,
    tx: Sender<Tagged>,
    cancel: CancellationToken,
) {
    loop {
        let started = tokio::time::Instant::now();
        let answer = tokio::select! {
            () = cancel.cancelled() => return,
            r = tokio::time::timeout(LATENCY_TIMEOUT, client.apiserver_version()) => r,
        };
        let latency = match answer {
            Ok(Ok(_)) => Ok(started.elapsed()),
            Ok(Err(e)) => Err(super::failure::Failure::from_kube(&e).words()),
            Err(_) => Err(format!("no answer within {} s", LATENCY_TIMEOUT.as_secs())),
        };
        let tagged = Tagged {
            cluster,
            event: FleetEvent::Latency(latency),
        };
        if tx.send(tagged).await.is_err() {
            return;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(LATENCY_EVERY) => {}
        }
    }
}

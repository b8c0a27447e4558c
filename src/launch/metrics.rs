//! `--metrics-addr` for the console and `watch`: checks the address (loopback unless `--metrics-allow-remote`),
//! binds it before the terminal is taken (a port in use is an error at start, in one line), and, for the
//! console, the tap that keeps the metrics' own copy of the state from the same cluster events.

use crate::app::{Labels, Msg, State, update};
use crate::cli::MetricsArgs;
use crate::cluster::ClusterEvent;
use crate::config::Config;
use crate::metrics::server::{self, Serving};
use crate::metrics::{Exporter, Freshness};
use k8s_openapi::jiff::Timestamp;
use std::time::Duration;
use tokio::sync::mpsc;

/// Starts the endpoint when `--metrics-addr` is given: the exporter (for the loop that owns the state) and the
/// running server.
///
/// # Errors
/// A bad or non-loopback address (without `--metrics-allow-remote`), or one that cannot be bound.
pub async fn start(
    args: &MetricsArgs,
    clusters: &[String],
) -> Result<Option<(Exporter, Serving)>, server::Error> {
    let Some(text) = &args.metrics_addr else {
        return Ok(None);
    };
    let addr = server::address(text, args.metrics_allow_remote)?;
    let (exporter, asks) = Exporter::for_clusters(clusters);
    let serving = server::serve(addr, asks).await?;
    Ok(Some((exporter, serving)))
}

/// The console's taps, one per cluster (in the exporter's order): each forwards its cluster's events to the
/// console unchanged; one task keeps a state of its own per cluster from the same events (the console's
/// `State`s belong to its loop) and answers scrapes from all of them at once. Costs a second copy of the
/// objects only when `--metrics-addr` is given. Call [`Taps::tap`] for each cluster's channel in order, then
/// [`Taps::start`].
pub struct Taps {
    exporter: Exporter,
    labels: Vec<Labels>,
    /// (cluster index, event) from every cluster's forwarder.
    merged_tx: mpsc::Sender<(usize, ClusterEvent)>,
    merged_rx: mpsc::Receiver<(usize, ClusterEvent)>,
    /// Per cluster: where its events go on to the console.
    to: Vec<mpsc::Sender<ClusterEvent>>,
}

impl Taps {
    /// Taps for the clusters whose labels are `labels`, scraped through `exporter`.
    #[must_use]
    pub fn new(exporter: Exporter, labels: Vec<Labels>) -> Self {
        let (merged_tx, merged_rx) = mpsc::channel(crate::cluster::watch::CHANNEL_CAPACITY);
        Self {
            exporter,
            labels,
            merged_tx,
            merged_rx,
            to: Vec::new(),
        }
    }

    /// Taps the next cluster's channel; the channel the console reads instead.
    pub fn tap(&mut self, mut from: mpsc::Receiver<ClusterEvent>) -> mpsc::Receiver<ClusterEvent> {
        let index = self.to.len();
        let (to, rx) = mpsc::channel(crate::cluster::watch::CHANNEL_CAPACITY);
        self.to.push(to);
        let merged = self.merged_tx.clone();
        tokio::spawn(async move {
            while let Some(ev) = from.recv().await {
                if merged.send((index, ev)).await.is_err() {
                    break;
                }
            }
        });
        rx
    }

    /// Starts the task that owns the metrics' states.
    pub fn start(self) {
        let Self {
            mut exporter,
            labels,
            merged_tx,
            mut merged_rx,
            to,
        } = self;
        drop(merged_tx);
        tokio::spawn(async move {
            let mut states: Vec<State> = labels
                .into_iter()
                .map(|l| State::new(Config::default(), l))
                .collect();
            let mut as_of: Vec<Option<Timestamp>> = vec![None; states.len()];
            let mut ticker = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    ev = merged_rx.recv() => {
                        let Some((i, ev)) = ev else { break };
                        if let Some(state) = states.get_mut(i) {
                            update(state, Msg::Cluster(ev.clone()));
                        }
                        // The console gone means the end; one cluster's console side never holds the others.
                        if let Some(to) = to.get(i)
                            && to.send(ev).await.is_err()
                        {
                            break;
                        }
                    }
                    _ = ticker.tick() => {
                        let now = Timestamp::now();
                        for (state, at) in states.iter_mut().zip(&mut as_of) {
                            update(state, Msg::Tick(now));
                            if live(state) {
                                *at = Some(now);
                            }
                        }
                    }
                    ask = exporter.next_ask() => {
                        let now = Timestamp::now();
                        let mut parts: Vec<(&mut State, Freshness)> = states
                            .iter_mut()
                            .zip(&as_of)
                            .map(|(state, at)| {
                                let fresh = Freshness { live: live(state), as_of: *at };
                                (state, fresh)
                            })
                            .collect();
                        exporter.answer_all(ask, &mut parts, now);
                    }
                }
            }
        });
    }
}

/// Every kind listed and none failing.
pub fn live(state: &State) -> bool {
    use crate::app::state::KindState;
    state
        .kinds
        .values()
        .all(|k| matches!(k, KindState::Synced { .. } | KindState::Unavailable { .. }))
}

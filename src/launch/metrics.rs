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
    cluster: &str,
) -> Result<Option<(Exporter, Serving)>, server::Error> {
    let Some(text) = &args.metrics_addr else {
        return Ok(None);
    };
    let addr = server::address(text, args.metrics_allow_remote)?;
    let (exporter, asks) = Exporter::new(cluster);
    let serving = server::serve(addr, asks).await?;
    Ok(Some((exporter, serving)))
}

/// The console's tap: forwards every cluster event to the console unchanged and keeps a state of its own from
/// the same events (the console's `State` belongs to its loop), answering scrapes from it. Costs a second copy
/// of the objects only when `--metrics-addr` is given.
pub fn tap(
    mut from: mpsc::Receiver<ClusterEvent>,
    mut exporter: Exporter,
    labels: Labels,
) -> mpsc::Receiver<ClusterEvent> {
    let (to, rx) = mpsc::channel(crate::cluster::watch::CHANNEL_CAPACITY);
    tokio::spawn(async move {
        let mut state = State::new(Config::default(), labels);
        let mut ticker = tokio::time::interval(Duration::from_secs(1));
        let mut as_of = None;
        loop {
            tokio::select! {
                ev = from.recv() => {
                    let Some(ev) = ev else { break };
                    update(&mut state, Msg::Cluster(ev.clone()));
                    if to.send(ev).await.is_err() {
                        break;
                    }
                }
                _ = ticker.tick() => {
                    let now = Timestamp::now();
                    update(&mut state, Msg::Tick(now));
                    if live(&state) {
                        as_of = Some(now);
                    }
                }
                ask = exporter.next_ask() => {
                    let now = state.now.unwrap_or_else(Timestamp::now);
                    let fresh = Freshness { live: live(&state), as_of };
                    exporter.answer(ask, &mut state, now, fresh);
                }
            }
        }
    });
    rx
}

/// Every kind listed and none failing.
fn live(state: &State) -> bool {
    use crate::app::state::KindState;
    state
        .kinds
        .values()
        .all(|k| matches!(k, KindState::Synced { .. } | KindState::Unavailable { .. }))
}

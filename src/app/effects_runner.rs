//! The effects runner: performs the [`Effect`]s `update` returns, off the run loop. Each fetch runs in its own
//! tokio task and answers with a [`Msg`] on the runner's channel, which `app::run` selects on beside keys and
//! cluster events; only `app::run` applies it to `State`.
//!
//! The drill-down's fetch is single-slot: a new `Effect::Inspect` aborts the task of the previous one (it would
//! be dropped by id anyway; aborting saves its remaining GETs). Without a client (a console fed from a channel
//! only, as in some tests) a fetch answers at once with an error saying so. `Effect::Quit` is the run loop's.

use super::effect::Effect;
use super::msg::Msg;
use crate::cluster::inspect::{self, FetchError, InspectAnswer};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// Answers in flight at most (a full channel only delays an answer).
pub const CHANNEL_CAPACITY: usize = 16;

/// Performs effects; answers arrive on the receiver [`EffectsRunner::new`] returns.
pub struct EffectsRunner {
    client: Option<kube::Client>,
    tx: mpsc::Sender<Msg>,
    inspecting: Option<AbortHandle>,
}

impl EffectsRunner {
    /// A runner talking to the cluster through `client` (`None`: no cluster to fetch from).
    #[must_use]
    pub fn new(client: Option<kube::Client>) -> (Self, mpsc::Receiver<Msg>) {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        (
            Self {
                client,
                tx,
                inspecting: None,
            },
            rx,
        )
    }

    /// Starts performing `effect` (returns at once).
    pub fn run(&mut self, effect: Effect) {
        match effect {
            // Handled by the run loop itself.
            Effect::Quit | Effect::Suspend | Effect::ReloadKubeconfig => {}
            Effect::Inspect(req) => {
                if let Some(previous) = self.inspecting.take() {
                    previous.abort();
                }
                let tx = self.tx.clone();
                let client = self.client.clone();
                let task = tokio::spawn(async move {
                    let answer = match client {
                        Some(client) => inspect::inspect(&client, &req).await,
                        None => InspectAnswer {
                            id: req.id,
                            result: Err(FetchError::Other("not connected to a cluster".to_owned())),
                        },
                    };
                    // The console may have quit meanwhile: nobody to tell.
                    let _ = tx.send(Msg::Inspected(answer)).await;
                });
                self.inspecting = Some(task.abort_handle());
            }
        }
    }
}

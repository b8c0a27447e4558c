//! The entry point of the cluster layer: `spawn` discovers the served Flux kinds and runs one watcher task per kind
//! plus one for Events, all sending `ClusterEvent`s into one bounded channel the app consumes.
//!
//! Each watcher runs in its own tokio task rather than being merged into one stream with `select_all`: the cost of
//! a first list is decoding it, and separate tasks let the multi-threaded runtime decode Kustomizations and
//! HelmReleases on different cores; the channel is the merge point. Everything here runs off the UI thread.
//!
//! Discovery failure (server unreachable at start) → `Degraded` for every kind, retried with `CappedBackoff::errors`;
//! each kind sends `Recovered` once its first list succeeds. Kinds not served → `KindUnavailable(MissingCrd)`;
//! discovery is repeated every `REDISCOVER_EVERY` while some kind is missing, so a CRD installed later is picked
//! up (its watcher then sends `Recovered` and `KindSynced`).

use super::backoff::CappedBackoff;
use super::discovery::{self, FluxDiscovery};
use super::kind_watch::{KindWatch, describe, now_rfc3339};
use super::{ClusterEvent, KindProblem, Scope, event_watch};
use crate::flux::FluxKind;
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::sync::mpsc::Sender;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

/// A channel capacity that fits: large enough that a page of objects rarely waits for the app, small enough to
/// bound memory if the app stalls.
pub const CHANNEL_CAPACITY: usize = 4096;

/// How often discovery is repeated while some Flux kind is not served.
pub const REDISCOVER_EVERY: Duration = Duration::from_secs(60);

/// Starts watching every served Flux kind and the Flux Events in `scope`. The task ends when `cancel` fires or
/// the receiver of `tx` is dropped; it never panics and never gives up on its own.
pub fn spawn(
    client: kube::Client,
    scope: Scope,
    tx: Sender<ClusterEvent>,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(supervise(client, scope, tx, cancel))
}

async fn supervise(
    client: kube::Client,
    scope: Scope,
    tx: Sender<ClusterEvent>,
    cancel: CancellationToken,
) {
    let Some((found, degraded)) = discover_until_ok(&client, &tx, &cancel).await else {
        return;
    };
    let mut sup = Supervisor {
        client,
        scope,
        tx,
        cancel,
        tasks: JoinSet::new(),
        missing: BTreeSet::new(),
    };
    if sup.start_kinds(found, degraded).await.is_err() {
        return;
    }
    sup.tasks.spawn(event_watch::run(
        sup.client.clone(),
        sup.scope.clone(),
        sup.tx.clone(),
        sup.cancel.clone(),
    ));
    loop {
        let rediscover = !sup.missing.is_empty();
        tokio::select! {
            () = sup.cancel.cancelled() => break,
            joined = sup.tasks.join_next() => match joined {
                Some(Err(e)) => tracing::error!("cluster watcher task failed: {e}"),
                Some(Ok(())) => {}
                None => break,
            },
            () = tokio::time::sleep(REDISCOVER_EVERY), if rediscover => {
                if sup.rediscover().await.is_err() {
                    break;
                }
            }
        }
    }
    // Dropping the JoinSet aborts what is left; the tasks also watch `cancel` themselves.
}

/// The running watchers and what is needed to start more.
struct Supervisor {
    client: kube::Client,
    scope: Scope,
    tx: Sender<ClusterEvent>,
    cancel: CancellationToken,
    tasks: JoinSet<()>,
    /// Kinds reported `MissingCrd` and not watched.
    missing: BTreeSet<FluxKind>,
}

struct Closed;

impl Supervisor {
    /// Reports the missing kinds and spawns a watcher per served kind. `reported`: the kinds were reported not
    /// live before, so each sends `Recovered` when its first list succeeds.
    async fn start_kinds(&mut self, found: FluxDiscovery, reported: bool) -> Result<(), Closed> {
        for kind in found.missing {
            if self.missing.insert(kind) {
                let event = ClusterEvent::KindUnavailable {
                    kind,
                    problem: KindProblem::MissingCrd,
                };
                self.tx.send(event).await.map_err(|_| Closed)?;
            }
        }
        for served in found.served {
            self.missing.remove(&served.kind);
            tracing::info!(kind = %served.kind, api_version = %served.resource.api_version, "watching");
            let watch = KindWatch::new(
                self.client.clone(),
                &self.scope,
                served,
                self.tx.clone(),
                reported,
            );
            self.tasks.spawn(watch.run(self.cancel.clone()));
        }
        Ok(())
    }

    /// Looks again for the kinds that were missing; starts those now served.
    async fn rediscover(&mut self) -> Result<(), Closed> {
        match discovery::discover(&self.client).await {
            Ok(found) => {
                let newly = FluxDiscovery {
                    served: found
                        .served
                        .into_iter()
                        .filter(|s| self.missing.contains(&s.kind))
                        .collect(),
                    missing: Vec::new(),
                };
                self.start_kinds(newly, true).await
            }
            Err(e) => {
                tracing::debug!("re-discovery failed: {}", describe(&e));
                Ok(())
            }
        }
    }
}

/// Runs discovery until it works. Returns `None` if cancelled or closed; the flag says whether `Degraded` was sent.
async fn discover_until_ok(
    client: &kube::Client,
    tx: &Sender<ClusterEvent>,
    cancel: &CancellationToken,
) -> Option<(FluxDiscovery, bool)> {
    let mut backoff = CappedBackoff::errors();
    let mut reported: Option<(String, String)> = None;
    loop {
        let result = tokio::select! {
            () = cancel.cancelled() => return None,
            r = discovery::discover(client) => r,
        };
        match result {
            Ok(found) => return Some((found, reported.is_some())),
            Err(err) => {
                let error = describe(&err);
                tracing::warn!("{error}");
                if reported.as_ref().map(|(e, _)| e) != Some(&error) {
                    let since = reported.take().map_or_else(now_rfc3339, |(_, s)| s);
                    for kind in FluxKind::ALL {
                        let event = ClusterEvent::Degraded {
                            kind,
                            error: error.clone(),
                            since: since.clone(),
                        };
                        tx.send(event).await.ok()?;
                    }
                    reported = Some((error, since));
                }
            }
        }
        tokio::select! {
            () = cancel.cancelled() => return None,
            () = tokio::time::sleep(backoff.next_delay()) => {}
        }
    }
}

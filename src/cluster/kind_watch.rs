//! The watch of one Flux kind: an [`Informer`] over `Decoded` objects, turned into `ClusterEvent`s.
//!
//! - Every list item and watch object is sent as `Upserted` (or `Invalid` when it does not parse); deletes as
//!   `Deleted`. Across a re-list (`Init` … `Listed`) the objects that vanished are sent as `Deleted`, objects
//!   whose resourceVersion is unchanged are not sent again, and `KindSynced` marks the end of each complete list.
//!   A re-list is never older than what was delivered (`informer`), so an object is reported deleted only when
//!   it really is gone.
//! - `403` → `KindUnavailable(Forbidden)`, `404` on the list (CRD removed) → `KindUnavailable(MissingCrd)`; both
//!   are retried with `CappedBackoff::forbidden` (1 s → 8 s), so access granted while the console is open shows
//!   within seconds. `401` → `Degraded` in words, reported to `liveness` (which says once what is wrong with the
//!   credentials) and retried slowly (`CappedBackoff::credentials`) or at once when the credentials change.
//!   Any other failure → `Degraded` (once per failure streak, `since` is when it began), retried after
//!   `CappedBackoff::errors` (0.5 s → 30 s, jittered, or the server's Retry-After) — or at once when `liveness`
//!   sees the server answer again. The watch resumes from the last resourceVersion (no re-list after a
//!   connection blip).
//! - When `liveness` says the server stopped answering, the kind is reported `Degraded` with its words and since
//!   when, and the silent connection is dropped (a hung watch never ends by itself); `Recovered` follows the
//!   first answer afterwards (a watch restarted, a list page).
//! - Nothing is ever dropped because a connection failed: only a completed re-list or a delete event removes
//!   objects.

use super::backoff::CappedBackoff;
use super::decode::Decoded;
use super::discovery::ServedKind;
use super::failure::Failure;
use super::informer::{Informer, ServerFeatures, Step};
use super::liveness::{ClientSlot, Link, LinkHandle, Report};
use super::{ClusterEvent, KindProblem, Scope};
use crate::flux::{FluxKind, ResourceRef};
use kube::Api;
use kube::core::ApiResource;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::Sender;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// The receiver is gone: the app is shutting down.
pub(crate) struct Closed;

/// What every watcher of one connection shares.
#[derive(Clone)]
pub(crate) struct Shared {
    pub scope: Scope,
    pub tx: Sender<ClusterEvent>,
    pub link: LinkHandle,
    pub clients: watch::Receiver<ClientSlot>,
    pub features: Arc<ServerFeatures>,
}

impl Shared {
    /// An `Api` for `resource` in the scope, through `client`.
    pub fn api(&self, client: kube::Client, resource: &ApiResource) -> Api<Decoded> {
        match &self.scope {
            Scope::All => Api::all_with(client, resource),
            Scope::Namespace(ns) => Api::namespaced_with(client, ns, resource),
        }
    }
}

/// Whether the kind is currently live, and if not, what was last reported.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Health {
    Live,
    Degraded {
        error: String,
        since: String,
    },
    Unavailable(KindProblem),
    /// Reported not live by the supervisor before this watcher started.
    Reported,
}

type Key = (String, String);

/// What woke the watcher.
enum Wake {
    Step(Box<Result<Step<Decoded>, Failure>>),
    Link(Option<super::liveness::LinkState>),
    Client,
}

/// The state of one kind's watch.
pub(crate) struct KindWatch {
    kind: FluxKind,
    resource: ApiResource,
    shared: Shared,
    informer: Informer<Decoded>,
    /// The server the informer's resourceVersions belong to.
    server: String,
    /// Objects reported and not deleted since, with the resourceVersion last sent.
    known: HashMap<Key, String>,
    /// Objects seen in the re-list in progress, if one is.
    relisted: Option<HashSet<Key>>,
    health: Health,
}

impl KindWatch {
    /// `reported`: the kind was already reported not live (discovery failed, or its CRD was missing), so the
    /// first answer sends `Recovered`.
    pub(crate) fn new(mut shared: Shared, served: ServedKind, reported: bool) -> Self {
        let slot = shared.clients.borrow_and_update().clone();
        let informer = Informer::new(
            shared.api(slot.client, &served.resource),
            Arc::clone(&shared.features),
            shared.link.heartbeat(),
        );
        Self {
            kind: served.kind,
            resource: served.resource,
            shared,
            informer,
            server: slot.server,
            known: HashMap::new(),
            relisted: None,
            health: if reported {
                Health::Reported
            } else {
                Health::Live
            },
        }
    }

    /// Watches until cancelled or until the receiver is dropped.
    pub(crate) async fn run(mut self, cancel: CancellationToken) {
        let mut errors = CappedBackoff::errors();
        let mut slow = CappedBackoff::forbidden();
        let mut credentials = CappedBackoff::credentials();
        let mut link = self.shared.link.clone();
        let mut clients = self.shared.clients.clone();
        loop {
            let wake = tokio::select! {
                () = cancel.cancelled() => return,
                state = link.changed() => Wake::Link(state),
                changed = clients.changed() => match changed {
                    Ok(()) => Wake::Client,
                    Err(_) => return,
                },
                step = self.informer.next() => Wake::Step(Box::new(step)),
            };
            let delay = match wake {
                Wake::Link(Some(state)) => {
                    if self.on_link(&state.link).await.is_err() {
                        return;
                    }
                    continue;
                }
                Wake::Link(None) => continue,
                Wake::Client => {
                    self.on_client(&clients.borrow_and_update().clone());
                    continue;
                }
                Wake::Step(step) => match *step {
                    Ok(step) => {
                        if self.handle(step).await.is_err() {
                            return;
                        }
                        if self.health == Health::Live {
                            errors.reset();
                            slow.reset();
                            credentials.reset();
                        }
                        continue;
                    }
                    Err(failure) => {
                        match self
                            .failed(failure, &mut errors, &mut slow, &mut credentials)
                            .await
                        {
                            Ok(delay) => delay,
                            Err(Closed) => return,
                        }
                    }
                },
            };
            let seen = link.current().wake;
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(delay) => {}
                () = link.woken(seen) => {}
                changed = clients.changed() => match changed {
                    Ok(()) => self.on_client(&clients.borrow_and_update().clone()),
                    Err(_) => return,
                },
            }
        }
    }

    /// Reports a failure and says how long to wait before trying again.
    async fn failed(
        &mut self,
        failure: Failure,
        errors: &mut CappedBackoff,
        slow: &mut CappedBackoff,
        credentials: &mut CappedBackoff,
    ) -> Result<Duration, Closed> {
        match failure {
            Failure::Forbidden(message) => {
                self.unavailable(KindProblem::Forbidden(message)).await?;
                Ok(slow.next_delay())
            }
            Failure::NotFound => {
                self.unavailable(KindProblem::MissingCrd).await?;
                Ok(slow.next_delay())
            }
            Failure::Unauthorized => {
                self.shared.link.report(Report::Unauthorized);
                self.degraded(failure.words(), None).await?;
                Ok(credentials.next_delay())
            }
            Failure::Throttled { retry_after } => {
                self.degraded(failure.words(), None).await?;
                Ok(errors.next_delay().max(retry_after.unwrap_or_default()))
            }
            other => {
                if matches!(
                    other,
                    Failure::Unreachable(_)
                        | Failure::Garbage(_)
                        | Failure::Status { code: 500.., .. }
                ) {
                    self.shared.link.report(Report::Failed);
                }
                self.degraded(other.words(), None).await?;
                Ok(errors.next_delay())
            }
        }
    }

    /// The link changed: a server that stopped answering makes the kind stale and drops its silent connection.
    async fn on_link(&mut self, link: &Link) -> Result<(), Closed> {
        match link {
            Link::Up => Ok(()),
            Link::Down { error, since } => {
                self.informer.reconnect();
                if matches!(self.health, Health::Unavailable(_)) {
                    return Ok(());
                }
                self.degraded(error.clone(), Some(since.clone())).await
            }
            Link::Unauthorized { since, .. } => {
                if matches!(self.health, Health::Unavailable(_)) {
                    return Ok(());
                }
                self.degraded(Failure::Unauthorized.words(), Some(since.clone()))
                    .await
            }
        }
    }

    /// The kubeconfig was reloaded: use the new client from the next request on.
    fn on_client(&mut self, slot: &ClientSlot) {
        let api = self.shared.api(slot.client.clone(), &self.resource);
        let same_server = slot.server == self.server;
        self.informer.replace_api(api, same_server);
        self.server.clone_from(&slot.server);
    }

    async fn send(&mut self, event: ClusterEvent) -> Result<(), Closed> {
        self.shared.tx.send(event).await.map_err(|_| Closed)
    }

    async fn handle(&mut self, step: Step<Decoded>) -> Result<(), Closed> {
        match step {
            Step::Init => {
                self.relisted = Some(HashSet::new());
                Ok(())
            }
            Step::Watching => self.live().await,
            Step::Item(decoded) => {
                self.live().await?;
                let key = key_of(&decoded);
                if let Some(seen) = self.relisted.as_mut() {
                    seen.insert(key.clone());
                }
                // A re-list repeats every object: send only those that changed.
                let version = resource_version(&decoded);
                if !version.is_empty() && self.known.get(&key) == Some(&version) {
                    return Ok(());
                }
                self.known.insert(key, version);
                self.upsert(decoded).await
            }
            Step::Listed => {
                self.live().await?;
                let seen = self.relisted.take().unwrap_or_default();
                let vanished: Vec<Key> = self
                    .known
                    .keys()
                    .filter(|k| !seen.contains(*k))
                    .cloned()
                    .collect();
                for key in &vanished {
                    self.known.remove(key);
                }
                for (namespace, name) in vanished {
                    self.send(ClusterEvent::Deleted(ResourceRef::new(
                        self.kind, namespace, name,
                    )))
                    .await?;
                }
                self.send(ClusterEvent::KindSynced {
                    kind: self.kind,
                    api_version: self.resource.api_version.clone(),
                })
                .await
            }
            Step::Apply(decoded) => {
                self.live().await?;
                self.known
                    .insert(key_of(&decoded), resource_version(&decoded));
                self.upsert(decoded).await
            }
            Step::Delete(decoded) => {
                self.live().await?;
                let (namespace, name) = key_of(&decoded);
                self.known.remove(&(namespace.clone(), name.clone()));
                self.send(ClusterEvent::Deleted(ResourceRef::new(
                    self.kind, namespace, name,
                )))
                .await
            }
        }
    }

    async fn upsert(&mut self, decoded: Decoded) -> Result<(), Closed> {
        let event = match decoded.0 {
            Ok(mut object) => {
                if object.kind.is_empty() {
                    object.kind.clone_from(&self.resource.kind);
                }
                if object.api_version.is_empty() {
                    object.api_version.clone_from(&self.resource.api_version);
                }
                ClusterEvent::Upserted(Arc::new(object))
            }
            Err(invalid) => ClusterEvent::Invalid {
                object: ResourceRef::new(
                    self.kind,
                    invalid.metadata.namespace.unwrap_or_default(),
                    invalid.metadata.name.unwrap_or_default(),
                ),
                error: invalid.error,
            },
        };
        self.send(event).await
    }

    /// The server answered: the kind works (again).
    async fn live(&mut self) -> Result<(), Closed> {
        if self.health == Health::Live {
            return Ok(());
        }
        self.health = Health::Live;
        tracing::info!(kind = %self.kind, "watch recovered");
        self.send(ClusterEvent::Recovered(self.kind)).await
    }

    /// Reports `error` once per error; `since` (RFC 3339) defaults to now, or to when the streak began.
    async fn degraded(&mut self, error: String, since: Option<String>) -> Result<(), Closed> {
        tracing::warn!(kind = %self.kind, "watch failed: {error}");
        let since = match &self.health {
            Health::Degraded { error: old, .. } if *old == error => return Ok(()),
            Health::Degraded { since, .. } => since.clone(),
            Health::Live | Health::Unavailable(_) | Health::Reported => {
                since.unwrap_or_else(now_rfc3339)
            }
        };
        self.health = Health::Degraded {
            error: error.clone(),
            since: since.clone(),
        };
        self.send(ClusterEvent::Degraded {
            kind: self.kind,
            error,
            since,
        })
        .await
    }

    async fn unavailable(&mut self, problem: KindProblem) -> Result<(), Closed> {
        tracing::warn!(kind = %self.kind, "kind unavailable: {problem:?}");
        if self.health == Health::Unavailable(problem.clone()) {
            return Ok(());
        }
        self.health = Health::Unavailable(problem.clone());
        self.send(ClusterEvent::KindUnavailable {
            kind: self.kind,
            problem,
        })
        .await
    }
}

fn resource_version(decoded: &Decoded) -> String {
    kube::Resource::meta(decoded)
        .resource_version
        .clone()
        .unwrap_or_default()
}

fn key_of(decoded: &Decoded) -> Key {
    let meta = kube::Resource::meta(decoded);
    (
        meta.namespace.clone().unwrap_or_default(),
        meta.name.clone().unwrap_or_default(),
    )
}

/// The current time, RFC 3339 to the second.
pub(crate) fn now_rfc3339() -> String {
    format!("{:.0}", k8s_openapi::jiff::Timestamp::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_seconds() {
        let t = now_rfc3339();
        assert!(t.parse::<k8s_openapi::jiff::Timestamp>().is_ok(), "{t}");
        assert!(t.ends_with('Z') && !t.contains('.'), "{t}");
    }
}

//! The entry point of the cluster layer: [`start`] discovers the served Flux kinds and runs one watcher task per
//! kind plus one for Events, all sending `ClusterEvent`s into one bounded channel the app consumes, and one
//! `liveness` monitor that tells them whether the API server answers.
//!
//! Each watcher runs in its own tokio task rather than being merged into one stream with `select_all`: the cost of
//! a first list is decoding it, and separate tasks let the multi-threaded runtime decode Kustomizations and
//! HelmReleases on different cores at once; the channel is the merge point. Everything here runs off the UI thread.
//!
//! - Discovery failure (server unreachable at start, or hung: connections accepted, nothing answered, as the
//!   link's probe finds within about 4.5 s) → `Degraded` for every kind (in words), retried with
//!   `CappedBackoff::errors` or at once when the server answers again; each kind sends `Recovered` once it
//!   gets its first answer. Kinds not served → `KindUnavailable(MissingCrd)`; discovery is repeated every
//!   [`REDISCOVER_EVERY`] while some kind is missing, so a CRD installed later is picked up.
//! - [`Control::reload`] re-reads the kubeconfig (the same `ConnectOptions`) and hands the new client to every
//!   watcher: watches resume from where they were with the new credentials (re-list only when the kubeconfig now
//!   points at another server). `Reloaded` says how it went; a kubeconfig that no longer works keeps the old client.

use super::backoff::CappedBackoff;
use super::client::{self, ConnectOptions, Connection};
use super::credentials::Credentials;
use super::discovery::{self, FluxDiscovery};
use super::failure::Failure;
use super::informer::ServerFeatures;
use super::kind_watch::{KindWatch, Shared, now_rfc3339};
use super::liveness::{self, ClientSlot, LinkHandle, Report};
use super::{ClusterEvent, KindProblem, Scope, event_watch};
use crate::flux::FluxKind;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{self, Sender};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

/// A channel capacity that fits: large enough that a page of objects rarely waits for the app, small enough to
/// bound memory if the app stalls.
pub const CHANNEL_CAPACITY: usize = 4096;

/// How often discovery is repeated while some Flux kind is not served (one aggregated-discovery request).
pub const REDISCOVER_EVERY: Duration = Duration::from_secs(15);

/// What to watch and how to reconnect.
#[derive(Clone)]
pub struct Target {
    pub client: kube::Client,
    pub scope: Scope,
    /// The API server URL (empty when not known).
    pub server: String,
    pub credentials: Credentials,
    /// How to read the kubeconfig again for [`Control::reload`]; `None`: reloading is not possible.
    pub reload: Option<ConnectOptions>,
}

impl Target {
    /// Watching `connection`, reloadable from `options` (the options it was made from).
    #[must_use]
    pub fn new(connection: &Connection, options: Option<ConnectOptions>) -> Self {
        Self {
            client: connection.client.clone(),
            scope: connection.scope.clone(),
            server: connection.server.clone(),
            credentials: connection.credentials.clone(),
            reload: options,
        }
    }
}

/// Asks the running watchers for things; cheap to clone. `Control::default()` is connected to nothing.
#[derive(Debug, Clone, Default)]
pub struct Control {
    commands: Option<mpsc::UnboundedSender<Command>>,
}

#[derive(Debug)]
enum Command {
    Reload,
}

impl Control {
    /// Re-reads the kubeconfig and reconnects every watcher with it (the answer comes as `ClusterEvent::Reloaded`).
    pub fn reload(&self) {
        if let Some(tx) = &self.commands {
            let _ = tx.send(Command::Reload);
        }
    }
}

/// The running watchers.
pub struct Watching {
    pub task: JoinHandle<()>,
    pub control: Control,
}

/// Starts watching every served Flux kind and the Flux Events in `scope` with `client`. The task ends when `cancel`
/// fires or the receiver of `tx` is dropped; it never panics and never gives up on its own.
pub fn spawn(
    client: kube::Client,
    scope: Scope,
    tx: Sender<ClusterEvent>,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    let target = Target {
        client,
        scope,
        server: String::new(),
        credentials: Credentials::unknown(),
        reload: None,
    };
    start(target, tx, cancel).task
}

/// [`spawn`] with everything: credentials for words, and the options to reload the kubeconfig from.
pub fn start(target: Target, tx: Sender<ClusterEvent>, cancel: CancellationToken) -> Watching {
    let (commands_tx, commands) = mpsc::unbounded_channel();
    let task = tokio::spawn(supervise(target, tx, cancel, commands));
    Watching {
        task,
        control: Control {
            commands: Some(commands_tx),
        },
    }
}

async fn supervise(
    target: Target,
    tx: Sender<ClusterEvent>,
    cancel: CancellationToken,
    commands: mpsc::UnboundedReceiver<Command>,
) {
    let (clients, clients_rx) = watch::channel(ClientSlot {
        client: target.client.clone(),
        credentials: target.credentials.clone(),
        server: target.server.clone(),
        generation: 0,
    });
    let (monitor, link) =
        liveness::monitor(liveness::version_probe(), clients_rx.clone(), tx.clone());
    let monitor_task = tokio::spawn(monitor.run(cancel.child_token()));
    let mut sup = Supervisor {
        target,
        tx,
        cancel,
        tasks: JoinSet::new(),
        missing: BTreeSet::new(),
        clients,
        clients_rx,
        link,
        commands,
    };
    sup.run().await;
    monitor_task.abort();
    // Dropping the JoinSet aborts what is left; the tasks also watch `cancel` themselves.
}

/// The running watchers and what is needed to start more.
struct Supervisor {
    target: Target,
    tx: Sender<ClusterEvent>,
    cancel: CancellationToken,
    tasks: JoinSet<()>,
    /// Kinds reported `MissingCrd` and not watched.
    missing: BTreeSet<FluxKind>,
    clients: watch::Sender<ClientSlot>,
    clients_rx: watch::Receiver<ClientSlot>,
    link: LinkHandle,
    commands: mpsc::UnboundedReceiver<Command>,
}

struct Closed;

impl Supervisor {
    async fn run(&mut self) {
        let Some((found, degraded, features)) = self.discover_until_ok().await else {
            return;
        };
        let shared = Shared {
            scope: self.target.scope.clone(),
            tx: self.tx.clone(),
            link: self.link.clone(),
            clients: self.clients_rx.clone(),
            features: Arc::new(features),
        };
        if self.start_kinds(&shared, found, degraded).await.is_err() {
            return;
        }
        self.tasks
            .spawn(event_watch::run(shared.clone(), self.cancel.clone()));
        loop {
            let rediscover = !self.missing.is_empty();
            tokio::select! {
                () = self.cancel.cancelled() => break,
                joined = self.tasks.join_next() => match joined {
                    Some(Err(e)) => tracing::error!("cluster watcher task failed: {e}"),
                    Some(Ok(())) => {}
                    None => break,
                },
                command = self.commands.recv() => {
                    if matches!(command, Some(Command::Reload)) && self.reload().await.is_err() {
                        break;
                    }
                }
                () = tokio::time::sleep(REDISCOVER_EVERY), if rediscover => {
                    if self.rediscover(&shared).await.is_err() {
                        break;
                    }
                }
            }
        }
    }

    /// Reports the missing kinds and spawns a watcher per served kind. `reported`: the kinds were reported not
    /// live before, so each sends `Recovered` when it gets its first answer.
    async fn start_kinds(
        &mut self,
        shared: &Shared,
        found: FluxDiscovery,
        reported: bool,
    ) -> Result<(), Closed> {
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
            let watch = KindWatch::new(shared.clone(), served, reported);
            self.tasks.spawn(watch.run(self.cancel.clone()));
        }
        Ok(())
    }

    /// Looks again for the kinds that were missing; starts those now served.
    async fn rediscover(&mut self, shared: &Shared) -> Result<(), Closed> {
        let client = self.clients_rx.borrow().client.clone();
        match discovery::discover(&client).await {
            Ok(found) => {
                let newly = FluxDiscovery {
                    served: found
                        .served
                        .into_iter()
                        .filter(|s| self.missing.contains(&s.kind))
                        .collect(),
                    missing: Vec::new(),
                };
                self.start_kinds(shared, newly, true).await
            }
            Err(e) => {
                tracing::debug!("re-discovery failed: {}", discovery_failure(&e).words());
                Ok(())
            }
        }
    }

    /// Reads the kubeconfig again; on success every watcher uses the new client from its next request on.
    async fn reload(&mut self) -> Result<(), Closed> {
        let result = match &self.target.reload {
            None => Err("this console was not started from a kubeconfig".to_owned()),
            Some(options) => match client::connect(options).await {
                Ok(connection) => {
                    self.clients.send_modify(|slot| {
                        slot.client = connection.client.clone();
                        slot.credentials = connection.credentials.clone();
                        slot.server.clone_from(&connection.server);
                        slot.generation += 1;
                    });
                    self.link.report(Report::ClientChanged);
                    tracing::info!(context = %connection.context, "kubeconfig reloaded");
                    Ok(connection.context)
                }
                Err(e) => Err(e.to_string()),
            },
        };
        self.tx
            .send(ClusterEvent::Reloaded(result))
            .await
            .map_err(|_| Closed)
    }

    /// Runs discovery (and asks the server's version) until it works. Returns `None` if cancelled or closed; the
    /// flag says whether `Degraded` was sent.
    async fn discover_until_ok(&mut self) -> Option<(FluxDiscovery, bool, ServerFeatures)> {
        let mut errors = CappedBackoff::errors();
        let mut credentials = CappedBackoff::credentials();
        let mut reported: Option<(String, String)> = None;
        loop {
            let client = self.clients_rx.borrow().client.clone();
            let attempt = async {
                let version = client
                    .apiserver_version()
                    .await
                    .map_err(|e| Failure::from_kube(&e))?;
                let found = discovery::discover(&client)
                    .await
                    .map_err(|e| discovery_failure(&e))?;
                Ok::<_, Failure>((found, version.git_version))
            };
            // A server that accepts connections and answers nothing (hung from the start) would keep the
            // attempt waiting for the client's timeout: the link's probe decides sooner.
            let result = tokio::select! {
                () = self.cancel.cancelled() => return None,
                r = attempt => r.map_err(|f| (f.words(), f == Failure::Unauthorized)),
                error = down_after_a_probe(self.link.clone()) => Err((error, false)),
            };
            let (error, unauthorized) = match result {
                Ok((found, version)) => {
                    self.link.heartbeat().beat();
                    tracing::info!(%version, "API server");
                    return Some((
                        found,
                        reported.is_some(),
                        ServerFeatures::for_version(&version),
                    ));
                }
                Err(failure) => failure,
            };
            let delay = if unauthorized {
                self.link.report(Report::Unauthorized);
                credentials.next_delay()
            } else {
                self.link.report(Report::Failed);
                errors.next_delay()
            };
            tracing::warn!("{error}");
            if reported.as_ref().map(|(e, _)| e) != Some(&error) {
                let since = reported.take().map_or_else(now_rfc3339, |(_, s)| s);
                for kind in FluxKind::ALL {
                    let event = ClusterEvent::Degraded {
                        kind,
                        error: error.clone(),
                        since: since.clone(),
                    };
                    self.tx.send(event).await.ok()?;
                }
                reported = Some((error, since));
            }
            let seen = self.link.current().wake;
            let mut link = self.link.clone();
            tokio::select! {
                () = self.cancel.cancelled() => return None,
                () = tokio::time::sleep(delay) => {}
                () = link.woken(seen) => {}
                command = self.commands.recv() => if let Some(Command::Reload) = command {
                    self.reload().await.ok()?;
                },
            }
        }
    }
}

/// The link's words once it is down, waited for no sooner than a probe could answer ([`liveness::PROBE_TIMEOUT`]),
/// so an attempt always gets that long and a link that is down for another reason (a probe refused) does not
/// keep discovery from being tried. Never resolves while the link is up.
async fn down_after_a_probe(mut link: LinkHandle) -> String {
    tokio::time::sleep(liveness::PROBE_TIMEOUT).await;
    loop {
        if let liveness::Link::Down { error, .. } = link.current().link {
            return error;
        }
        if link.changed().await.is_none() {
            return std::future::pending().await;
        }
    }
}

/// The failure behind a discovery error.
fn discovery_failure(err: &discovery::Error) -> Failure {
    match err {
        discovery::Error::Discovery(e) => Failure::from_kube(e),
    }
}

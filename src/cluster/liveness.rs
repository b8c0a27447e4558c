//! Whether the API server answers at all: one cheap probe (`GET /version`) per connection, shared by every watcher.
//!
//! - **A hung server is noticed.** A stopped API server (SIGSTOP, a dead load balancer) keeps its TCP connections
//!   open and sends nothing: watches just go quiet, which is also what a quiet cluster looks like. Every answer
//!   the watchers get beats the [`Heartbeat`]; when nothing was heard for [`QUIET`], the monitor probes, and a
//!   probe unanswered within [`PROBE_TIMEOUT`] makes the link [`Link::Down`]. So a hung server is reported at
//!   most `QUIET + PROBE_TIMEOUT` (4.5 s: under the 5 s a wall display promises) after it was last heard; the
//!   watchers then drop their silent connections. A real API server answers `/version` in milliseconds; one that
//!   takes longer than [`PROBE_TIMEOUT`] to say anything is as good as hung for an operator.
//! - **Recovery is quick, load stays low.** While the link is down only the probe runs on a short fixed cadence
//!   ([`DOWN_PROBE_EVERY`] ± 20 % jitter, or the server's Retry-After): one tiny request a second. The watchers'
//!   own retries back off (capped, jittered; `backoff`) and are woken at once when the probe gets an answer
//!   again ([`LinkState::wake`]), so the console is live within about a second of the server answering, however
//!   long the outage was, while a server that stays down sees a few requests a minute per kind.
//! - **Bad credentials are said once.** A 401 (reported by a watcher or seen by the probe) makes the link
//!   [`Link::Unauthorized`] and sends `CredentialsRejected` with words from the kubeconfig (`credentials`), once;
//!   the probe then backs off (15 s → 2 min) until the credentials work again or the kubeconfig is reloaded.
//!
//! The schedule is driven by tokio time only (tested with paused time). Must not live here: per-kind state.

use super::ClusterEvent;
use super::backoff::CappedBackoff;
use super::credentials::Credentials;
use super::failure::Failure;
use futures::future::BoxFuture;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Probe when nothing was heard from the server for this long.
pub const QUIET: Duration = Duration::from_millis(1500);

/// A probe unanswered for this long means the server is not answering.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// How often the probe asks while the server does not answer (± 20 % jitter).
pub const DOWN_PROBE_EVERY: Duration = Duration::from_secs(1);

/// When the server was last heard from (any answer to any watcher, or a probe).
#[derive(Debug)]
pub struct Heartbeat {
    last: Mutex<Instant>,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self::new()
    }
}

impl Heartbeat {
    #[must_use]
    pub fn new() -> Self {
        Self {
            last: Mutex::new(Instant::now()),
        }
    }

    /// The server answered just now.
    pub fn beat(&self) {
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
    }

    #[must_use]
    pub fn last(&self) -> Instant {
        *self.last.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The wall-clock time of the last beat, RFC 3339 to the second.
    #[must_use]
    pub fn last_rfc3339(&self) -> String {
        let ago = SignedDuration::try_from(self.last().elapsed()).unwrap_or_default();
        let at = Timestamp::now()
            .checked_sub(ago)
            .unwrap_or_else(|_| Timestamp::now());
        format!("{at:.0}")
    }
}

/// The client in use and what the kubeconfig says about its credentials; replaced when the kubeconfig is
/// reloaded.
#[derive(Clone)]
pub struct ClientSlot {
    pub client: kube::Client,
    pub credentials: Credentials,
    /// The API server URL.
    pub server: String,
    /// Bumped on every replacement.
    pub generation: u64,
}

/// Whether the API server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Up,
    /// No answer, or an error answer to the probe: `error` in words, `since` (RFC 3339) when it was last heard.
    Down {
        error: String,
        since: String,
    },
    /// The credentials are rejected (401); `words` from the kubeconfig.
    Unauthorized {
        words: String,
        since: String,
    },
}

/// The link as the watchers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkState {
    pub link: Link,
    /// Bumped when the server answers again after not answering: requests waiting in a backoff retry at once.
    pub wake: u64,
}

/// What a watcher tells the monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// A request failed in a way that may be the whole server (no answer, 5xx): probe now.
    Failed,
    /// A request was answered 401.
    Unauthorized,
    /// The client changed (kubeconfig reloaded): probe now.
    ClientChanged,
}

/// A watcher's view of the link: the heartbeat to beat, the state to follow, the channel to report on.
#[derive(Clone)]
pub struct LinkHandle {
    heartbeat: Arc<Heartbeat>,
    state: watch::Receiver<LinkState>,
    reports: mpsc::UnboundedSender<Report>,
}

impl LinkHandle {
    #[must_use]
    pub fn heartbeat(&self) -> Arc<Heartbeat> {
        Arc::clone(&self.heartbeat)
    }

    /// The link now.
    #[must_use]
    pub fn current(&self) -> LinkState {
        self.state.borrow().clone()
    }

    /// Waits until the link changes; `None` when the monitor is gone.
    pub async fn changed(&mut self) -> Option<LinkState> {
        self.state.changed().await.ok()?;
        Some(self.state.borrow_and_update().clone())
    }

    /// Waits until requests should be retried at once (`wake` moved past `seen`); never when the monitor is gone.
    pub async fn woken(&mut self, seen: u64) {
        if self.state.wait_for(|s| s.wake > seen).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    pub fn report(&self, report: Report) {
        let _ = self.reports.send(report);
    }
}

/// The probe: asks the server through the client and says whether it answered.
pub type Probe = Box<dyn FnMut(kube::Client) -> BoxFuture<'static, Result<(), Failure>> + Send>;

/// The probe used for real: `GET /version`, which every API server answers cheaply (no storage involved).
#[must_use]
pub fn version_probe() -> Probe {
    Box::new(|client: kube::Client| {
        Box::pin(async move {
            client
                .apiserver_version()
                .await
                .map(|_| ())
                .map_err(|e| Failure::from_kube(&e))
        })
    })
}

/// The monitor task's state.
pub struct Monitor {
    probe: Probe,
    clients: watch::Receiver<ClientSlot>,
    heartbeat: Arc<Heartbeat>,
    state: watch::Sender<LinkState>,
    reports: mpsc::UnboundedReceiver<Report>,
    events: mpsc::Sender<ClusterEvent>,
    auth: CappedBackoff,
    down: CappedBackoff,
}

/// Creates the monitor (run it with [`Monitor::run`]) and the handle watchers share.
#[must_use]
pub fn monitor(
    probe: Probe,
    clients: watch::Receiver<ClientSlot>,
    events: mpsc::Sender<ClusterEvent>,
) -> (Monitor, LinkHandle) {
    let heartbeat = Arc::new(Heartbeat::new());
    let (state, state_rx) = watch::channel(LinkState {
        link: Link::Up,
        wake: 0,
    });
    let (reports_tx, reports) = mpsc::unbounded_channel();
    let handle = LinkHandle {
        heartbeat: Arc::clone(&heartbeat),
        state: state_rx,
        reports: reports_tx,
    };
    let monitor = Monitor {
        probe,
        clients,
        heartbeat,
        state,
        reports,
        events,
        auth: CappedBackoff::new(Duration::from_secs(15), Duration::from_secs(120)).jittered(),
        down: CappedBackoff::new(DOWN_PROBE_EVERY, DOWN_PROBE_EVERY).jittered(),
    };
    (monitor, handle)
}

impl Monitor {
    /// Probes as the module doc says until cancelled or until the app is gone.
    pub async fn run(mut self, cancel: CancellationToken) {
        let mut retry_after: Option<Duration> = None;
        // When the next probe is due while the link is not up (kept until that probe, so reports cannot
        // postpone it).
        let mut due: Option<Instant> = None;
        loop {
            let link = self.state.borrow().link.clone();
            let at = match &link {
                Link::Up => {
                    due = None;
                    self.heartbeat.last() + QUIET
                }
                Link::Down { .. } => *due.get_or_insert_with(|| {
                    Instant::now() + self.down.next_delay().max(retry_after.unwrap_or_default())
                }),
                Link::Unauthorized { .. } => {
                    *due.get_or_insert_with(|| Instant::now() + self.auth.next_delay())
                }
            };
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep_until(at) => {
                    if link == Link::Up && self.heartbeat.last() + QUIET > Instant::now() {
                        continue; // heard meanwhile
                    }
                }
                report = self.reports.recv() => match report {
                    None => return,
                    Some(Report::Unauthorized) => {
                        if self.unauthorized().await.is_err() {
                            return;
                        }
                        continue;
                    }
                    // While not up, the cadence above probes anyway.
                    Some(Report::Failed) if link != Link::Up => continue,
                    Some(Report::Failed | Report::ClientChanged) => {}
                },
                changed = self.clients.changed() => if changed.is_err() { return },
            }
            // Reports that arrived meanwhile are answered by this probe.
            while let Ok(report) = self.reports.try_recv() {
                if report == Report::Unauthorized && self.unauthorized().await.is_err() {
                    return;
                }
            }
            due = None;
            let client = self.clients.borrow().client.clone();
            let result = tokio::time::timeout(PROBE_TIMEOUT, (self.probe)(client)).await;
            retry_after = None;
            let outcome = match result {
                Ok(Ok(())) => self.up().await,
                Ok(Err(Failure::Unauthorized)) => self.unauthorized().await,
                Ok(Err(failure)) => {
                    if let Failure::Throttled { retry_after: r } = &failure {
                        retry_after = *r;
                    }
                    self.down(failure.words());
                    Ok(())
                }
                Err(_) => {
                    // Stable words (the banner says since when): a changing text would re-report every kind.
                    self.down(format!(
                        "the API server is not answering (a probe got no answer within {:.1} s)",
                        PROBE_TIMEOUT.as_secs_f64()
                    ));
                    Ok(())
                }
            };
            if outcome.is_err() {
                return;
            }
        }
    }

    async fn up(&mut self) -> Result<(), ()> {
        self.heartbeat.beat();
        let was = self.state.borrow().link.clone();
        if was == Link::Up {
            return Ok(());
        }
        self.auth.reset();
        self.state.send_modify(|s| {
            s.link = Link::Up;
            s.wake += 1;
        });
        tracing::info!("the API server answers again");
        if matches!(was, Link::Unauthorized { .. }) {
            self.events
                .send(ClusterEvent::CredentialsAccepted)
                .await
                .map_err(|_| ())?;
        }
        Ok(())
    }

    fn down(&mut self, error: String) {
        let since = match &self.state.borrow().link {
            Link::Down { error: old, .. } if *old == error => return,
            Link::Down { since, .. } => since.clone(),
            Link::Up | Link::Unauthorized { .. } => self.heartbeat.last_rfc3339(),
        };
        tracing::warn!("API server link down: {error}");
        self.state
            .send_modify(|s| s.link = Link::Down { error, since });
    }

    async fn unauthorized(&mut self) -> Result<(), ()> {
        if matches!(self.state.borrow().link, Link::Unauthorized { .. }) {
            return Ok(());
        }
        let words = self
            .clients
            .borrow()
            .credentials
            .rejected_words(Timestamp::now());
        tracing::warn!("{words}");
        let since = self.heartbeat.last_rfc3339();
        self.state.send_modify(|s| {
            s.link = Link::Unauthorized {
                words: words.clone(),
                since,
            };
        });
        self.events
            .send(ClusterEvent::CredentialsRejected(words))
            .await
            .map_err(|_| ())
    }
}

#[cfg(test)]
mod tests;

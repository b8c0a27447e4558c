//! `Informer`: the list-then-watch of one resource, loaded and followed the way client-go's reflector does it,
//! over kube-rs's `Api::list` and `Api::watch`. Why not kube's `watcher`: docs/decisions/0004-informer.md.
//!
//! How a resource is loaded:
//! - **Streaming list** (WatchList: a watch with `sendInitialEvents=true&resourceVersionMatch=NotOlderThan`) when
//!   the server offers it: the objects arrive as ADDED events and a BOOKMARK annotated
//!   `k8s.io/initial-events-end` closes the list; the same connection then carries the changes. It is tried on
//!   Kubernetes ≥ 1.27 only (older servers ignore the parameter and would never end the list); a server with the
//!   WatchList feature gate off (the default up to 1.31, e.g. 1.28) refuses it with 422 Invalid, which is
//!   remembered for the connection ([`ServerFeatures`]) so every informer lists instead.
//! - **List** otherwise. The *first* list of a resource is `resourceVersion=0`, without a page size (a 1.28 server
//!   ignores it for such a list, and kube leaves `resourceVersion=0` out when one is set): served from the API
//!   server's watch cache in one piece, 1.2–1.8 s for 10,100 objects instead of 7.5–9.8 s for the consistent
//!   reads from etcd that a list without a resourceVersion costs. Every later list (after 410 Gone, or a stream
//!   that broke mid-list) is paged by [`PAGE_SIZE`] with `resourceVersion=<last seen>&
//!   resourceVersionMatch=NotOlderThan`: the API guarantees it is not older than what was already delivered, so a
//!   re-list never reports live objects as deleted because an API server's cache lags behind (HA, or a cache
//!   still catching up). A 1.28 server serves such a paged list from etcd (consistent, slower; re-lists are
//!   rare), newer ones from the cache.
//! - **Watch** from the list's resourceVersion, with bookmarks: every event and bookmark advances the
//!   resourceVersion a broken connection resumes from (no re-list); 410 Gone lists again as above.
//!
//! Every answer from the server is reported to the connection's [`Heartbeat`] (a quiet watch is how a hung API
//! server looks; `liveness` probes when nothing was heard for a while).
//!
//! Cancel safety: `next` may be dropped at any await (callers `select!` on it). The state changes only once a
//! request has completed, so a dropped request is simply made again by the next call.

use super::failure::Failure;
use super::liveness::Heartbeat;
use futures::StreamExt;
use futures::stream::BoxStream;
use kube::Api;
use kube::api::{ListParams, VersionMatch, WatchEvent, WatchParams};
use kube::core::Resource;
use serde::de::DeserializeOwned;
use std::collections::VecDeque;
use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Objects per list page. Measured with 10,000 objects through the simulator (debug build, consistent lists):
/// 100 → 1.37 s to synced, 500 → 0.93 s, 1000 → 1.00 s, 5000 → 1.31 s, resident memory growing with the page.
/// 500 is also client-go's pager default. (A 1.28 server ignores it for `resourceVersion=0` lists.)
pub const PAGE_SIZE: u32 = 500;

/// `timeoutSeconds` of a watch (kube's default; kube refuses ≥ 295). The server ends the watch then and the
/// informer resumes it from the last resourceVersion.
const WATCH_TIMEOUT_SECS: u32 = 290;

/// How long a list page may take. Generous: a consistent page from a loaded etcd can take seconds, and a hung
/// server is noticed by `liveness` long before this.
const LIST_TIMEOUT: Duration = Duration::from_secs(60);

/// How long starting a watch may take (the answer's headers; the events stream after).
const WATCH_START_TIMEOUT: Duration = Duration::from_secs(20);

/// A watch that worked this long and then broke (a load balancer's idle cut, a restarted API server) is resumed at
/// once without reporting a failure; only a watch that cannot be resumed is one.
const HEALTHY_WATCH: Duration = Duration::from_secs(5);

/// The annotation of the BOOKMARK that ends the initial events of a streaming list.
const INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";

/// The first Kubernetes minor version whose API server knows `sendInitialEvents` (and refuses it when its
/// WatchList feature gate is off, rather than ignoring it).
const WATCH_LIST_SINCE_MINOR: u32 = 27;

/// What one call of [`Informer::next`] delivers.
#[derive(Debug)]
pub enum Step<K> {
    /// A complete list begins: the items up to `Listed` are the whole state of the resource.
    Init,
    /// One object of the list.
    Item(K),
    /// The list is complete.
    Listed,
    /// A watch was (re)started: the server answers. Nothing changed.
    Watching,
    /// An object was added or changed.
    Apply(K),
    /// An object was deleted.
    Delete(K),
}

/// What the connection's API server supports, learned once and shared by every informer of the connection.
#[derive(Debug, Default)]
pub struct ServerFeatures {
    /// 0: unknown (not tried yet), 1: streaming lists work, 2: refused or not offered.
    streaming: AtomicU8,
}

const UNKNOWN: u8 = 0;
const SUPPORTED: u8 = 1;
const REFUSED: u8 = 2;

impl ServerFeatures {
    /// Features of a server whose version is `git_version` (`v1.28.0`, `v1.29.3-eks-…`): streaming lists are
    /// tried from 1.27 on (see the module doc), never on older or unparsable versions.
    #[must_use]
    pub fn for_version(git_version: &str) -> Self {
        let minor = git_version
            .trim_start_matches('v')
            .split('.')
            .collect::<Vec<_>>();
        let known = match (
            minor.first().and_then(|m| m.parse::<u32>().ok()),
            minor
                .get(1)
                .and_then(|m| m.trim_end_matches('+').parse::<u32>().ok()),
        ) {
            (Some(major), Some(minor)) => major > 1 || minor >= WATCH_LIST_SINCE_MINOR,
            _ => false,
        };
        Self {
            streaming: AtomicU8::new(if known { UNKNOWN } else { REFUSED }),
        }
    }

    /// Features of a server never asked: list, do not try streaming.
    #[must_use]
    pub fn listing_only() -> Self {
        Self {
            streaming: AtomicU8::new(REFUSED),
        }
    }

    fn try_streaming(&self) -> bool {
        self.streaming.load(Ordering::Relaxed) != REFUSED
    }

    /// Whether streaming lists are known to work (one was answered).
    #[must_use]
    pub fn streams(&self) -> bool {
        self.streaming.load(Ordering::Relaxed) == SUPPORTED
    }

    fn set_streaming(&self, works: bool) {
        self.streaming
            .store(if works { SUPPORTED } else { REFUSED }, Ordering::Relaxed);
    }
}

type Events<K> = BoxStream<'static, kube::Result<WatchEvent<K>>>;

enum State<K> {
    /// A (streaming) list is needed.
    Empty,
    /// Listing page by page; `fetched` once the first page arrived.
    Paging {
        continue_token: Option<String>,
        items: VecDeque<K>,
        version: Option<String>,
        fetched: bool,
    },
    /// The initial events of a streaming list.
    Streaming(Events<K>),
    /// A watch is to be (re)started from `synced`.
    Resume,
    /// Watching since the instant.
    Watching(Events<K>, Instant),
}

/// The list-then-watch of one resource. See the module doc.
pub struct Informer<K> {
    api: Api<K>,
    state: State<K>,
    /// The resourceVersion everything delivered so far is consistent with.
    synced: Option<String>,
    /// Something was delivered: a later list must not be older than it.
    delivered: bool,
    features: Arc<ServerFeatures>,
    heartbeat: Arc<Heartbeat>,
}

impl<K> Informer<K>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    #[must_use]
    pub fn new(api: Api<K>, features: Arc<ServerFeatures>, heartbeat: Arc<Heartbeat>) -> Self {
        Self {
            api,
            state: State::Empty,
            synced: None,
            delivered: false,
            features,
            heartbeat,
        }
    }

    /// Drops the open connection: a watch resumes from the last resourceVersion, an unfinished list starts
    /// again. Used when the server stopped answering (a hung connection never ends by itself) and when the
    /// client changed (new credentials).
    pub fn reconnect(&mut self) {
        self.state = match self.state {
            State::Watching(..) | State::Resume => State::Resume,
            State::Empty | State::Paging { .. } | State::Streaming(_) => State::Empty,
        };
    }

    /// Uses `api` from the next request on (reloaded credentials). `same_server`: false when the kubeconfig
    /// now points elsewhere, so resourceVersions mean nothing any more and the resource is listed afresh.
    pub fn replace_api(&mut self, api: Api<K>, same_server: bool) {
        self.api = api;
        if same_server {
            self.reconnect();
        } else {
            self.synced = None;
            self.state = State::Empty;
        }
    }

    /// The next step. On `Err` the state is kept: calling again (after a backoff) retries where it failed.
    ///
    /// # Errors
    /// The request failed; 410 Gone is handled here (by listing again) and never returned.
    pub async fn next(&mut self) -> Result<Step<K>, Failure> {
        loop {
            let step = match self.state {
                State::Empty => self.start().await?,
                State::Paging { .. } => self.page().await?,
                State::Streaming(_) => self.stream_initial().await?,
                State::Resume => self.resume().await?,
                State::Watching(..) => self.watch_event().await?,
            };
            if let Some(step) = step {
                if matches!(step, Step::Item(_) | Step::Apply(_) | Step::Delete(_)) {
                    self.delivered = true;
                }
                return Ok(step);
            }
        }
    }

    /// The resourceVersion a new list or stream must not be older than: `Some("")` (most recent) when something
    /// was delivered without a known version, `None` for "any" (nothing delivered yet).
    fn list_floor(&self) -> Option<String> {
        match (&self.synced, self.delivered) {
            (Some(rv), _) => Some(rv.clone()),
            (None, true) => Some(String::new()),
            (None, false) => None,
        }
    }

    async fn start(&mut self) -> Result<Option<Step<K>>, Failure> {
        if self.features.try_streaming() {
            // client-go's WatchList: resourceVersion "" (consistent) the first time, else not older than seen.
            let version = self.list_floor().unwrap_or_default();
            let params = WatchParams::default()
                .timeout(WATCH_TIMEOUT_SECS)
                .initial_events();
            match timed(WATCH_START_TIMEOUT, self.api.watch(&params, &version)).await {
                Ok(stream) => {
                    self.heartbeat.beat();
                    self.state = State::Streaming(stream.boxed());
                    return Ok(Some(Step::Init));
                }
                Err(Failed::Kube(kube::Error::Api(status)))
                    if status.code == 422 && status.message.contains("sendInitialEvents") =>
                {
                    self.heartbeat.beat();
                    tracing::info!("streaming lists refused ({}); listing", status.message);
                    self.features.set_streaming(false);
                }
                Err(e) => return Err(e.into_failure()),
            }
        }
        self.state = State::Paging {
            continue_token: None,
            items: VecDeque::new(),
            version: None,
            fetched: false,
        };
        Ok(Some(Step::Init))
    }

    async fn page(&mut self) -> Result<Option<Step<K>>, Failure> {
        let floor = self.list_floor();
        let State::Paging {
            continue_token,
            items,
            version,
            fetched,
        } = &mut self.state
        else {
            return Ok(None);
        };
        if let Some(item) = items.pop_front() {
            return Ok(Some(Step::Item(item)));
        }
        if *fetched && continue_token.is_none() {
            let listed = version.take().filter(|v| !v.is_empty());
            let Some(listed) = listed else {
                self.state = State::Empty;
                return Err(Failure::Garbage(
                    "a list without a resourceVersion".to_owned(),
                ));
            };
            self.synced = Some(listed);
            self.state = State::Resume;
            return Ok(Some(Step::Listed));
        }
        let params = match (continue_token.as_deref(), floor) {
            (Some(token), _) => ListParams::default().limit(PAGE_SIZE).continue_token(token),
            // Nothing delivered yet: any version, from the watch cache, in one piece (kube leaves
            // `resourceVersion=0` out when a limit is set, and a 1.28 server ignores the limit for it anyway).
            (None, None) => ListParams::default()
                .at("0")
                .matching(VersionMatch::NotOlderThan),
            // Most recent (a consistent read).
            (None, Some(floor)) if floor.is_empty() => ListParams::default().limit(PAGE_SIZE),
            (None, Some(floor)) => ListParams::default()
                .limit(PAGE_SIZE)
                .at(&floor)
                .matching(VersionMatch::NotOlderThan),
        };
        let continuing = continue_token.is_some();
        let page = match timed(LIST_TIMEOUT, self.api.list(&params)).await {
            Ok(page) => page,
            Err(e) => {
                let failure = e.into_failure();
                if failure == Failure::Expired && continuing {
                    // The continue token outlived the server's history: list from the start.
                    self.state = State::Empty;
                    return Ok(None);
                }
                return Err(failure);
            }
        };
        self.heartbeat.beat();
        let State::Paging {
            continue_token,
            items,
            version,
            fetched,
        } = &mut self.state
        else {
            return Ok(None);
        };
        *fetched = true;
        *continue_token = page.metadata.continue_.filter(|c| !c.is_empty());
        if let Some(rv) = page.metadata.resource_version.filter(|v| !v.is_empty()) {
            *version = Some(rv);
        }
        items.extend(page.items);
        Ok(None)
    }

    async fn stream_initial(&mut self) -> Result<Option<Step<K>>, Failure> {
        let State::Streaming(stream) = &mut self.state else {
            return Ok(None);
        };
        let next = stream.next().await;
        if next.is_some() {
            self.heartbeat.beat();
        }
        match next {
            Some(Ok(WatchEvent::Added(obj) | WatchEvent::Modified(obj))) => {
                self.features.set_streaming(true);
                Ok(Some(Step::Item(obj)))
            }
            // The API promises none during the initial events; nothing to take from one.
            Some(Ok(WatchEvent::Deleted(_))) => Ok(None),
            Some(Ok(WatchEvent::Bookmark(bookmark))) => {
                if bookmark
                    .metadata
                    .annotations
                    .get(INITIAL_EVENTS_END)
                    .is_some_and(|v| v == "true")
                {
                    self.features.set_streaming(true);
                    let version = bookmark.metadata.resource_version;
                    let State::Streaming(stream) = std::mem::replace(&mut self.state, State::Empty)
                    else {
                        return Ok(None);
                    };
                    if version.is_empty() {
                        return Err(Failure::Garbage(
                            "a streaming list ended without a resourceVersion".to_owned(),
                        ));
                    }
                    self.synced = Some(version);
                    self.state = State::Watching(stream, Instant::now());
                    Ok(Some(Step::Listed))
                } else {
                    Ok(None)
                }
            }
            Some(Ok(WatchEvent::Error(status))) => {
                // A partial list cannot be resumed: stream it again.
                self.state = State::Empty;
                match Failure::from_status(&status) {
                    Failure::Expired => Ok(None),
                    other => Err(other),
                }
            }
            Some(Err(e)) => {
                self.state = State::Empty;
                Err(Failure::from_kube(&e))
            }
            None => {
                self.state = State::Empty;
                Ok(None)
            }
        }
    }

    async fn resume(&mut self) -> Result<Option<Step<K>>, Failure> {
        let Some(version) = self.synced.clone() else {
            self.state = State::Empty;
            return Ok(None);
        };
        let params = WatchParams::default().timeout(WATCH_TIMEOUT_SECS);
        match timed(WATCH_START_TIMEOUT, self.api.watch(&params, &version)).await {
            Ok(stream) => {
                self.heartbeat.beat();
                self.state = State::Watching(stream.boxed(), Instant::now());
                Ok(Some(Step::Watching))
            }
            Err(e) => match e.into_failure() {
                Failure::Expired => {
                    self.state = State::Empty;
                    Ok(None)
                }
                other => Err(other),
            },
        }
    }

    async fn watch_event(&mut self) -> Result<Option<Step<K>>, Failure> {
        let State::Watching(stream, opened) = &mut self.state else {
            return Ok(None);
        };
        let healthy = opened.elapsed() >= HEALTHY_WATCH;
        let next = stream.next().await;
        if next.is_some() {
            self.heartbeat.beat();
        }
        let failure = match next {
            Some(Ok(WatchEvent::Added(obj) | WatchEvent::Modified(obj))) => {
                self.advance(&obj);
                return Ok(Some(Step::Apply(obj)));
            }
            Some(Ok(WatchEvent::Deleted(obj))) => {
                self.advance(&obj);
                return Ok(Some(Step::Delete(obj)));
            }
            Some(Ok(WatchEvent::Bookmark(bookmark))) => {
                if !bookmark.metadata.resource_version.is_empty() {
                    self.synced = Some(bookmark.metadata.resource_version);
                }
                return Ok(None);
            }
            Some(Ok(WatchEvent::Error(status))) => match Failure::from_status(&status) {
                Failure::Expired => {
                    tracing::debug!("watch expired, listing again: {}", status.message);
                    self.state = State::Empty;
                    return Ok(None);
                }
                other => other,
            },
            Some(Err(e)) => Failure::from_kube(&e),
            // The server ended the watch (timeoutSeconds): resume it.
            None => {
                self.state = State::Resume;
                return Ok(None);
            }
        };
        self.state = State::Resume;
        if healthy {
            tracing::debug!("watch broke after working, resuming: {}", failure.words());
            Ok(None)
        } else {
            Err(failure)
        }
    }

    fn advance(&mut self, obj: &K) {
        if let Some(rv) = obj
            .meta()
            .resource_version
            .as_ref()
            .filter(|v| !v.is_empty())
        {
            self.synced = Some(rv.clone());
        }
    }
}

/// A request that failed or took too long.
enum Failed {
    Kube(kube::Error),
    TimedOut(Duration),
}

impl Failed {
    fn into_failure(self) -> Failure {
        match self {
            Failed::Kube(e) => Failure::from_kube(&e),
            Failed::TimedOut(after) => {
                Failure::Unreachable(format!("no answer within {} s", after.as_secs()))
            }
        }
    }
}

async fn timed<T>(
    limit: Duration,
    request: impl Future<Output = kube::Result<T>>,
) -> Result<T, Failed> {
    match tokio::time::timeout(limit, request).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Failed::Kube(e)),
        Err(_) => Err(Failed::TimedOut(limit)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_is_tried_from_1_27_and_never_on_unknown_versions() {
        for (version, tried) in [
            ("v1.28.0", true),
            ("v1.27.3", true),
            ("v1.33.1+k3s1", true),
            ("v1.29.3-eks-adc7111", true),
            ("v1.26.15", false),
            ("v1.9.0", false),
            ("v2.0.0", true),
            ("", false),
            ("nonsense", false),
        ] {
            assert_eq!(
                ServerFeatures::for_version(version).try_streaming(),
                tried,
                "{version}"
            );
        }
        assert!(!ServerFeatures::listing_only().try_streaming());
    }

    #[test]
    fn a_refusal_is_remembered() {
        let f = ServerFeatures::for_version("v1.28.0");
        assert!(f.try_streaming() && !f.streams());
        f.set_streaming(false);
        assert!(!f.try_streaming());
        let g = ServerFeatures::for_version("v1.33.0");
        g.set_streaming(true);
        assert!(g.streams());
    }
}

//! Watch streams: newline-delimited `{"type":…,"object":…}` events (ADDED/MODIFIED/DELETED,
//! periodic BOOKMARKs, ERROR 410 Expired for a compacted resourceVersion), streamed chunked until
//! `timeoutSeconds`, shutdown, or a test-triggered connection reset. Streaming lists
//! (`sendInitialEvents=true`) only with the WatchList gate (`ApiConfig::watch_list`): the objects as ADDED, then a
//! BOOKMARK annotated `k8s.io/initial-events-end`. A stalled server sends nothing until let go; the `garbage`
//! fault writes one line of HTML into every open watch.

use super::encode::{ObjectOut, watch_line};
use super::list_options;
use super::read::selector;
use super::status::{StatusBody, from_store_error};
use super::table::{IncludeObject, table, wants_table};
use super::{Ctx, Req, bytes_response, status_response};
use crate::sim::controls::Controls;
use crate::sim::resource::{GroupResource, ResourceDef};
use crate::sim::store::{Change, ChangeType, Selector, Store, StoreError, WatchStart};
use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

/// How often an open watch checks whether its kind was uninstalled.
const MISSING_CHECK: Duration = Duration::from_millis(250);

/// Default watch length when the client gives no `timeoutSeconds` (the real server picks 30–60 min).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

type Chunk = Result<Bytes, std::io::Error>;

/// How one watch presents events.
struct Stream {
    store: Store,
    def: ResourceDef,
    resource: GroupResource,
    namespace: Option<String>,
    selector: Selector,
    api_version: String,
    table: Option<IncludeObject>,
    metadata_only: bool,
    bookmarks: bool,
    bookmark_interval: Duration,
    timeout: Duration,
    shutdown: CancellationToken,
    reset: CancellationToken,
    controls: Controls,
    tx: mpsc::Sender<Chunk>,
    last_rv: u64,
    /// A streaming list: the resourceVersion of the BOOKMARK that ends the initial events.
    initial_events_end: Option<u64>,
    /// The `garbage` fault was seen (one line written).
    garbled: bool,
}

/// GET `…?watch=true`.
pub(super) fn watch(ctx: &Ctx<'_>, req: &Req) -> Response {
    let selector = match selector(ctx, req) {
        Ok(s) => s,
        Err(response) => return *response,
    };
    if let Err(body) = list_options::watch(req, ctx.state.config.watch_list) {
        return status_response(&body, req.pretty);
    }
    let store = ctx.state.store.clone();
    let resource = ctx.def.group_resource();
    let namespace = ctx.path.namespace.clone();
    let initial_events = req.flag("sendInitialEvents");
    let version = match req.param("resourceVersion") {
        None | Some("0") => None,
        Some(text) => match text.parse::<u64>() {
            Ok(rv) => Some(rv),
            Err(_) => {
                let body = StatusBody::failure(
                    400,
                    "BadRequest",
                    format!("invalid resource version: {text}"),
                    None,
                );
                return status_response(&body, req.pretty);
            }
        },
    };
    let (initial, start) = if initial_events || version.is_none() {
        // The state first (a streaming list is at least as new as the version asked for, which the store
        // always is), then the changes after it.
        let page = store.list(&resource, namespace.as_deref(), &selector);
        let start = store.watch_from(&resource, namespace.as_deref(), page.resource_version);
        (page.items, start.map(|s| (s, page.resource_version)))
    } else {
        let rv = version.unwrap_or_default();
        (
            Vec::new(),
            store
                .watch_from(&resource, namespace.as_deref(), rv)
                .map(|s| (s, rv)),
        )
    };
    let (start, last_rv) = match start {
        Ok(s) => s,
        Err(err @ StoreError::Expired { .. }) => {
            let line = watch_line("ERROR", &from_store_error(&err));
            return bytes_response(StatusCode::OK, line);
        }
        Err(err) => return status_response(&from_store_error(&err), req.pretty),
    };
    let timeout = req
        .param("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
    let (tx, rx) = mpsc::channel::<Chunk>(256);
    let stream = Stream {
        store,
        def: ctx.def.clone(),
        resource,
        namespace,
        selector,
        api_version: ctx.api_version.to_owned(),
        table: wants_table(&req.accept)
            .then(|| IncludeObject::from_query(req.param("includeObject"))),
        metadata_only: super::encode::wants_metadata(&req.accept),
        bookmarks: req.flag("allowWatchBookmarks"),
        bookmark_interval: ctx.state.config.bookmark_interval,
        timeout,
        shutdown: ctx.state.shutdown.clone(),
        reset: ctx.state.controls.watch_token(),
        controls: ctx.state.controls.clone(),
        tx,
        last_rv,
        initial_events_end: (initial_events && req.flag("allowWatchBookmarks")).then_some(last_rv),
        garbled: false,
    };
    tokio::spawn(stream.run(initial, start));
    let body = Body::from_stream(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }));
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    super::with_common_headers(response, "application/json")
}

impl Stream {
    fn event_line(&self, type_: &str, obj: &Value) -> Vec<u8> {
        match self.table {
            Some(include) => {
                let rv = obj
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let doc = table(
                    &self.def,
                    &self.api_version,
                    &[Arc::new(obj.clone())],
                    &rv,
                    None,
                    include,
                );
                watch_line(type_, &doc)
            }
            None => watch_line(
                type_,
                &ObjectOut {
                    obj,
                    api_version: &self.api_version,
                    strip_type_meta: false,
                    metadata_only: self.metadata_only,
                },
            ),
        }
    }

    /// Sends one chunk (after a stall is over); `false` when the client has gone.
    async fn send(&mut self, bytes: Vec<u8>) -> bool {
        self.controls.wait_unstalled().await;
        if self.controls.garbage() && !self.garbled {
            self.garbled = true;
            let line = Bytes::from_static(super::GARBAGE.as_bytes());
            if self.tx.send(Ok(line)).await.is_err() {
                return false;
            }
        }
        self.tx.send(Ok(Bytes::from(bytes))).await.is_ok()
    }

    /// The event type this watch sees for `change`, if any: with a selector, an object that
    /// starts matching is ADDED and one that stops matching is DELETED, as on the real server.
    fn event_type(&self, change: &Change) -> Option<ChangeType> {
        let relevant = change.resource == self.resource
            && self
                .namespace
                .as_deref()
                .is_none_or(|ns| change.namespace == ns)
            && change.resource_version > self.last_rv;
        if !relevant {
            return None;
        }
        let now = self.selector.matches(&change.object);
        match change.type_ {
            ChangeType::Added | ChangeType::Deleted => now.then_some(change.type_),
            ChangeType::Modified => {
                let before = change
                    .previous
                    .as_ref()
                    .is_some_and(|p| self.selector.matches(p));
                match (before, now) {
                    (true, true) => Some(ChangeType::Modified),
                    (false, true) => Some(ChangeType::Added),
                    (true, false) => Some(ChangeType::Deleted),
                    (false, false) => None,
                }
            }
        }
    }

    /// Sends `change` if this watch selects it; `false` when the client has gone.
    async fn deliver(&mut self, change: &Change) -> bool {
        let Some(type_) = self.event_type(change) else {
            return true;
        };
        self.last_rv = change.resource_version;
        let line = self.event_line(type_.as_str(), &change.object);
        self.send(line).await
    }

    async fn bookmark(&mut self, receiver: &mut broadcast::Receiver<Change>) -> bool {
        let rv = self.store.resource_version();
        // Everything committed up to `rv` is already queued: send it before the bookmark.
        while let Ok(change) = receiver.try_recv() {
            if !self.deliver(&change).await {
                return false;
            }
        }
        let (api_version, kind) = if self.metadata_only {
            ("meta.k8s.io/v1", "PartialObjectMetadata")
        } else {
            (self.api_version.as_str(), self.def.kind)
        };
        let object = json!({
            "apiVersion": api_version,
            "kind": kind,
            "metadata": { "resourceVersion": rv.max(self.last_rv).to_string() },
        });
        self.send(watch_line("BOOKMARK", &object)).await
    }

    async fn run(mut self, initial: Vec<Arc<Value>>, start: WatchStart) {
        let WatchStart {
            backlog,
            mut receiver,
        } = start;
        for obj in &initial {
            let line = self.event_line(ChangeType::Added.as_str(), obj);
            if !self.send(line).await {
                return;
            }
        }
        if let Some(rv) = self.initial_events_end {
            let (api_version, kind) = if self.metadata_only {
                ("meta.k8s.io/v1", "PartialObjectMetadata")
            } else {
                (self.api_version.as_str(), self.def.kind)
            };
            let object = json!({
                "apiVersion": api_version,
                "kind": kind,
                "metadata": {
                    "resourceVersion": rv.to_string(),
                    "annotations": {"k8s.io/initial-events-end": "true"},
                },
            });
            if !self.send(watch_line("BOOKMARK", &object)).await {
                return;
            }
        }
        for change in &backlog {
            if !self.deliver(change).await {
                return;
            }
        }
        let deadline = tokio::time::sleep(self.timeout);
        tokio::pin!(deadline);
        let mut ticks = tokio::time::interval_at(
            tokio::time::Instant::now() + self.bookmark_interval,
            self.bookmark_interval,
        );
        let reset = self.reset.clone();
        let shutdown = self.shutdown.clone();
        let client = self.tx.clone();
        let mut missing_check = tokio::time::interval(MISSING_CHECK);
        loop {
            tokio::select! {
                () = client.closed() => return,
                // A removed CRD ends its watches (the client's next request gets the 404).
                _ = missing_check.tick() => {
                    if self.controls.is_missing(&self.resource) {
                        return;
                    }
                }
                () = &mut deadline => return,
                () = shutdown.cancelled() => return,
                () = reset.cancelled() => {
                    let err = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "watch dropped by the simulator");
                    let _ = self.tx.send(Err(err)).await;
                    return;
                }
                _ = ticks.tick(), if self.bookmarks => {
                    if !self.bookmark(&mut receiver).await {
                        return;
                    }
                }
                received = receiver.recv() => match received {
                    Ok(change) => {
                        if !self.deliver(&change).await {
                            return;
                        }
                    }
                    // Too far behind or store gone: end the stream; the client resumes from its last resourceVersion.
                    Err(_) => return,
                },
            }
        }
    }
}

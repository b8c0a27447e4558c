//! All kube-rs I/O: client construction, discovery, watchers and events. Nothing else in the crate talks to the API.
//!
//! - `client`: kubeconfig → `kube::Client`, context, namespace `Scope`.
//! - `discovery`: which version of each Flux kind the server serves.
//! - `watch`: `spawn` — the watchers, sending `ClusterEvent`s (`kind_watch` per kind, `event_watch` for Events).
//! - `list`: `list_all` — every Flux kind listed once (scriptable commands).
//! - `inspect`: the drill-down's on-demand GETs (one object in full, the live status of its inventory).
//! - `decode`: how listed/watched objects become `FluxObject`s cheaply, isolating malformed ones.

mod backoff;
pub mod client;
pub mod decode;
pub mod discovery;
pub mod event;
pub mod event_watch;
pub mod inspect;
mod kind_watch;
pub mod list;
pub mod watch;

pub use backoff::CappedBackoff;
pub use client::{ConnectOptions, Connection, Scope};
pub use event::{ClusterEvent, KindProblem};
pub use kind_watch::{PAGE_SIZE, watcher_config};
pub use watch::spawn;

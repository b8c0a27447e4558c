//! All kube-rs I/O: client construction, discovery, watchers and events. Nothing else in the crate talks to the API.
//!
//! - `client`: kubeconfig → `kube::Client`, context, namespace `Scope`; `credentials`: what the kubeconfig gives
//!   the user, for saying why a 401 happened.
//! - `discovery`: which version of each Flux kind the server serves.
//! - `watch`: `start`/`spawn` — the watchers, sending `ClusterEvent`s (`kind_watch` per kind, `event_watch` for
//!   Events), and `Control` (reload the kubeconfig).
//! - `informer`: one resource's list-then-watch (watch-cache first list, streaming lists, resume, re-list not
//!   older than seen); `liveness`: whether the API server answers (hung-server detection, quick recovery).
//! - `failure`: request failures classified and said in words; `backoff`: capped, jittered retry delays.
//! - `list`: `list_all` — every Flux kind listed once (scriptable commands).
//! - `snapshot_list`: raw lists at one resourceVersion, for `snapshot` (and the resource of an inventory entry).
//! - `inspect`: the drill-down's on-demand GETs (one object in full, the live status of its inventory).
//! - `trace`: the GETs of a trace (object → applier → source), `flux::trace` walking the chain.
//! - `controller_logs`: the Flux controllers' pods (by label) and their log streams, for the log view.
//! - `decode`: how listed/watched objects become `FluxObject`s cheaply, isolating malformed ones.
//! - `fleet`: many clusters at once, each watched and timed on its own, messages tagged with the cluster.
//! - `guard`: read-only mode as a layer in the client: nothing that could mutate is sent.

mod backoff;
pub mod client;
pub mod controller_logs;
pub mod credentials;
pub mod decode;
pub mod discovery;
pub mod event;
pub mod event_watch;
pub mod failure;
pub mod fleet;
pub mod guard;
pub mod informer;
pub mod inspect;
mod kind_watch;
pub mod list;
pub mod liveness;
pub mod snapshot_list;
pub mod trace;
pub mod watch;

pub use backoff::CappedBackoff;
pub use client::{ConnectOptions, Connection, Scope};
pub use event::{ClusterEvent, KindProblem};
pub use informer::PAGE_SIZE;
pub use watch::spawn;

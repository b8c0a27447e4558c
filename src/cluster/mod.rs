//! All kube-rs I/O: client construction, discovery, watchers and events. Nothing else in the crate talks to the API.

pub mod decode;
pub mod event;

pub use event::{ClusterEvent, KindProblem};

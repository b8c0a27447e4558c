//! `FluxEvent`: a core/v1 Event about a Flux object, reduced to what the detail pane and the timings read.

use super::resource_ref::ResourceRef;
use serde::{Deserialize, Serialize};

/// Event severity as the Flux recorders set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    Normal,
    Warning,
}

/// One Kubernetes Event whose `involvedObject` is a Flux object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FluxEvent {
    /// The Flux object the event is about.
    pub involved: ResourceRef,
    pub type_: EventType,
    pub reason: String,
    pub message: String,
    /// `lastTimestamp` (or `eventTime`, or `firstTimestamp`), RFC 3339.
    pub last_seen: Option<String>,
    pub first_seen: Option<String>,
    /// Aggregation count (`x17`); 1 when absent.
    pub count: i32,
    /// `source.component` (e.g. `kustomize-controller`).
    pub source: String,
    /// The event's own `namespace/name`, to dedupe updates of an aggregated event.
    pub uid: String,
}

//! `ClusterEvent`: what the cluster layer tells the app. Owned messages only; the app is the one owner of state.

use crate::flux::{FluxEvent, FluxKind, FluxObject, ResourceRef};
use std::sync::Arc;

/// Why a kind cannot be watched at all. Shown per kind; the other kinds keep working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindProblem {
    /// Discovery does not serve any known version of the kind (CRD not installed).
    MissingCrd,
    /// Listing the kind was refused (RBAC). Carries the API server's message.
    Forbidden(String),
}

/// Something that happened in the cluster, or to our view of it.
#[derive(Debug, Clone)]
pub enum ClusterEvent {
    /// An object was added or changed (managedFields reduced to who owns `spec.suspend`, see `decode`).
    Upserted(Arc<FluxObject>),
    /// An object was deleted (or vanished across a re-list).
    Deleted(ResourceRef),
    /// An object exists but could not be parsed; it is shown as such.
    Invalid { object: ResourceRef, error: String },
    /// The first complete list of a kind has been delivered (also after every re-list).
    KindSynced { kind: FluxKind, api_version: String },
    /// A kind cannot be watched.
    KindUnavailable {
        kind: FluxKind,
        problem: KindProblem,
    },
    /// The watch of a kind failed; what is on screen is now stale. `since` is RFC 3339.
    Degraded {
        kind: FluxKind,
        error: String,
        since: String,
    },
    /// A degraded kind is live again.
    Recovered(FluxKind),
    /// A Kubernetes Event about a Flux object.
    Event(Arc<FluxEvent>),
    /// The API server rejects the credentials (401): which, whose and why, in words. Sent once until they work.
    CredentialsRejected(String),
    /// The credentials work (again).
    CredentialsAccepted,
    /// The kubeconfig was read again: the context now used, or why it could not be (the old client is kept).
    Reloaded(Result<String, String>),
}

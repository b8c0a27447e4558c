//! Status derivation (FLUX.md §5): one `Health` per object from `spec.suspend`, the Ready / Stalled / Reconciling
//! conditions and `generation` versus `status.observedGeneration`. Pure; tested on the shared status blocks.

use super::api::FluxObject;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What the console shows for an object, worst first in `Ord` terms of urgency (see [`Health::severity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Health {
    /// `Ready=True` and the current generation observed.
    Ready,
    /// `Ready=False` for a reason of its own.
    Failing,
    /// `Ready=False` with reason `DependencyNotReady`: waiting on something else.
    Blocked,
    /// `Stalled=True`: terminal, needs a human.
    Stalled,
    /// `Ready=Unknown`, `Reconciling=True`, or a generation not yet observed.
    InProgress,
    /// `spec.suspend: true`.
    Suspended,
    /// No Ready condition yet ("waiting to be reconciled").
    Unknown,
}

impl Health {
    /// Every health, in the order the status bar lists them.
    pub const ALL: [Health; 7] = [
        Health::Ready,
        Health::InProgress,
        Health::Failing,
        Health::Stalled,
        Health::Blocked,
        Health::Suspended,
        Health::Unknown,
    ];

    /// Whether this object counts as broken for root-cause purposes (it blocks its dependents by its own fault).
    #[must_use]
    pub fn is_failure(self) -> bool {
        matches!(self, Health::Failing | Health::Stalled)
    }

    /// Whether the object is not ready (anything but `Ready`).
    #[must_use]
    pub fn is_not_ready(self) -> bool {
        self != Health::Ready
    }

    /// Higher is more urgent; used to sort and to pick a colour for a group.
    #[must_use]
    pub fn severity(self) -> u8 {
        match self {
            Health::Ready => 0,
            Health::Suspended => 1,
            Health::Unknown => 2,
            Health::InProgress => 3,
            Health::Blocked => 4,
            Health::Failing => 5,
            Health::Stalled => 6,
        }
    }

    /// The word shown to users.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Health::Ready => "Ready",
            Health::Failing => "Failing",
            Health::Blocked => "Blocked",
            Health::Stalled => "Stalled",
            Health::InProgress => "InProgress",
            Health::Suspended => "Suspended",
            Health::Unknown => "Unknown",
        }
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The derived status of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSummary {
    pub health: Health,
    /// The reason of the condition that decided `health` (empty if none).
    pub reason: String,
    /// The message of that condition, or a stock text ("waiting to be reconciled").
    pub message: String,
    /// A failed attempt will be retried (`Reconciling` reason `ProgressingWithRetry`).
    pub retrying: bool,
    /// `metadata.generation` has been observed by the controller.
    pub generation_observed: bool,
}

/// Whether the controller has observed the current generation. A missing `metadata.generation` (objects read from
/// a repository) counts as observed; `observedGeneration: -1` (fresh object) does not.
#[must_use]
pub fn generation_observed(obj: &FluxObject) -> bool {
    match (obj.metadata.generation, obj.status.observed_generation) {
        (Some(g), Some(o)) => o >= g,
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// Derives the status of an object as FLUX.md §5 describes.
#[must_use]
pub fn summarize(obj: &FluxObject) -> StatusSummary {
    let observed = generation_observed(obj);
    let retrying = obj
        .condition("Reconciling")
        .is_some_and(|c| c.status == "True" && c.reason == "ProgressingWithRetry");
    let ready = obj.condition("Ready");
    let mk = |health, reason: &str, message: &str| StatusSummary {
        health,
        reason: reason.to_owned(),
        message: message.to_owned(),
        retrying,
        generation_observed: observed,
    };
    if obj.is_suspended() {
        let (reason, message) = ready.map_or(("", ""), |c| (c.reason.as_str(), c.message.as_str()));
        return mk(Health::Suspended, reason, message);
    }
    if let Some(stalled) = obj.condition("Stalled").filter(|c| c.status == "True") {
        return mk(Health::Stalled, &stalled.reason, &stalled.message);
    }
    let Some(ready) = ready else {
        if let Some(rec) = obj.condition("Reconciling").filter(|c| c.status == "True") {
            return mk(Health::InProgress, &rec.reason, &rec.message);
        }
        return mk(Health::Unknown, "", "waiting to be reconciled");
    };
    match ready.status.as_str() {
        "False" if ready.reason == "DependencyNotReady" => {
            mk(Health::Blocked, &ready.reason, &ready.message)
        }
        "False" => mk(Health::Failing, &ready.reason, &ready.message),
        "True" if observed && !reconciling(obj) => mk(Health::Ready, &ready.reason, &ready.message),
        "True" | "Unknown" => {
            let rec = obj.condition("Reconciling").filter(|c| c.status == "True");
            match rec {
                Some(c) if ready.status == "True" => mk(Health::InProgress, &c.reason, &c.message),
                _ => mk(Health::InProgress, &ready.reason, &ready.message),
            }
        }
        _ => mk(Health::Unknown, &ready.reason, &ready.message),
    }
}

fn reconciling(obj: &FluxObject) -> bool {
    obj.condition("Reconciling")
        .is_some_and(|c| c.status == "True")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(json: serde_json::Value) -> FluxObject {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn fresh_object_with_minus_one_observed_generation_is_unknown_not_ready() {
        let o = obj(serde_json::json!({
            "kind": "Kustomization",
            "metadata": {"name": "a", "namespace": "x", "generation": 1},
            "status": {"observedGeneration": -1}
        }));
        let s = summarize(&o);
        assert_eq!(s.health, Health::Unknown);
        assert!(!s.generation_observed);
    }

    #[test]
    fn ready_true_with_unobserved_generation_is_in_progress() {
        let o = obj(serde_json::json!({
            "kind": "Kustomization",
            "metadata": {"name": "a", "namespace": "x", "generation": 3},
            "status": {"observedGeneration": 2, "conditions": [
                {"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "Applied revision: main@sha1:abc"}
            ]}
        }));
        assert_eq!(summarize(&o).health, Health::InProgress);
    }

    #[test]
    fn dependency_not_ready_is_blocked_and_retry_is_flagged() {
        let o = obj(serde_json::json!({
            "kind": "Kustomization",
            "metadata": {"name": "a", "namespace": "x", "generation": 1},
            "status": {"observedGeneration": 1, "conditions": [
                {"type": "Reconciling", "status": "True", "reason": "ProgressingWithRetry", "message": "..."},
                {"type": "Ready", "status": "False", "reason": "DependencyNotReady", "message": "dependency 'x/b' is not ready"}
            ]}
        }));
        let s = summarize(&o);
        assert_eq!(s.health, Health::Blocked);
        assert!(s.retrying);
    }

    #[test]
    fn suspend_wins_over_failure_and_stalled_over_ready_false() {
        let mut o = obj(serde_json::json!({
            "kind": "HelmRelease",
            "metadata": {"name": "a", "namespace": "x", "generation": 1},
            "spec": {"suspend": true},
            "status": {"observedGeneration": 1, "conditions": [
                {"type": "Stalled", "status": "True", "reason": "RetriesExceeded", "message": "Failed to upgrade after 4 attempt(s)"},
                {"type": "Ready", "status": "False", "reason": "UpgradeFailed", "message": "boom"}
            ]}
        }));
        assert_eq!(summarize(&o).health, Health::Suspended);
        o.spec.suspend = Some(false);
        let s = summarize(&o);
        assert_eq!(s.health, Health::Stalled);
        assert_eq!(s.reason, "RetriesExceeded");
    }
}

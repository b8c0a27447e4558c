//! Status derivation (FLUX.md §5): one `Health` per object from `spec.suspend`, the Ready / Stalled / Reconciling
//! conditions and `generation` versus `status.observedGeneration`. Pure; proven on the shared status blocks
//! (`tests/status_blocks.rs`), which showed three things FLUX.md §5 alone does not say:
//! - Flux controllers advance `status.observedGeneration` only when a reconcile ends (success or stall); a failed
//!   attempt at a new generation shows on the conditions' own `observedGeneration` (source-controller docs:
//!   status at 1, `Ready=False` at 2, "new generation 1 -> 2"). Such an object has observed its generation.
//! - An object waiting on its source (`HelmChart 'ns/name' is not ready`, `SourceNotReady`, "Source artifact not
//!   found") is Blocked, not failing by its own fault: the troubleshooting guide follows the chain to the chart
//!   and the repository.
//! - helm-controller v2beta1 had no Stalled condition: "install retries exhausted" / "upgrade retries exhausted"
//!   on `Ready=False` is its terminal state (Stalled).
//! - A retry is not progress: a run that starts after a failed attempt (`Ready=Unknown`, `Reconciling=True`)
//!   while the object still says the attempt failed (`FetchFailed=True` …) is Failing (retrying); what the
//!   object does not say, its previous version does ([`super::retry`]).

use super::FluxKind;
use super::api::{Condition, FluxObject};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// What the console shows for an object, worst first in `Ord` terms of urgency (see [`Health::severity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Health {
    /// `Ready=True` and the current generation observed.
    Ready,
    /// `Ready=False` for a reason of its own.
    Failing,
    /// `Ready=False` with reason `DependencyNotReady`, or waiting on a source that is not ready: waiting on
    /// something else.
    Blocked,
    /// `Stalled=True` (or helm-controller v2beta1's "… retries exhausted"): terminal, needs a human.
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
/// a repository) counts as observed; `observedGeneration: -1` (fresh object) or an older one does not, unless the
/// Ready condition was written for the current generation (a failed attempt: Flux advances
/// `status.observedGeneration` only when a reconcile ends). A status without `observedGeneration` shows no pending
/// generation (as in kstatus).
#[must_use]
pub fn generation_observed(obj: &FluxObject) -> bool {
    let Some(generation) = obj.metadata.generation else {
        return true;
    };
    let ready_at = obj.condition("Ready").and_then(|c| c.observed_generation);
    match obj.status.observed_generation {
        Some(o) if o >= generation => true,
        _ if ready_at.is_some_and(|o| o >= generation) => true,
        Some(_) => false,
        None => true,
    }
}

/// `Ready=False` because a source the object reads is not ready: it waits on something else.
fn waits_on_source(ready: &Condition) -> bool {
    let message = ready.message.as_str();
    ready.reason == "SourceNotReady"
        || message.starts_with("Source artifact not found")
        || message.starts_with("Source is not ready")
        || FluxKind::ALL
            .into_iter()
            .filter(|k| !k.is_applier())
            .any(|k| {
                message
                    .strip_prefix(k.as_str())
                    .and_then(|rest| rest.strip_prefix(" '"))
                    .is_some_and(|rest| rest.contains("' is not ready"))
            })
}

/// helm-controller v2beta1's terminal failure (it had no Stalled condition): remediation retries used up.
fn retries_exhausted(ready: &Condition) -> bool {
    ["install", "upgrade"].iter().any(|action| {
        ready
            .message
            .strip_prefix(action)
            .is_some_and(|rest| rest.trim() == "retries exhausted")
    })
}

/// Derives the status of an object as FLUX.md §5 describes, with the refinements in the module doc.
#[must_use]
pub fn summarize(obj: &FluxObject) -> StatusSummary {
    let d = derive(obj);
    StatusSummary {
        health: d.health,
        reason: d.reason.into_owned(),
        message: d.message.into_owned(),
        retrying: d.retrying,
        generation_observed: d.generation_observed,
    }
}

/// The health [`summarize`] derives, without copying any text (the graph and the timings read it on every
/// update).
#[must_use]
pub fn health(obj: &FluxObject) -> Health {
    derive(obj).health
}

/// A derived status that borrows the object's texts.
struct Derived<'o> {
    health: Health,
    reason: Cow<'o, str>,
    message: Cow<'o, str>,
    retrying: bool,
    generation_observed: bool,
}

fn derive<'o>(obj: &'o FluxObject) -> Derived<'o> {
    let observed = generation_observed(obj);
    let retrying = obj
        .condition("Reconciling")
        .is_some_and(|c| c.status == "True" && c.reason == "ProgressingWithRetry");
    let ready = obj.condition("Ready");
    let mk = |health, reason: &'o str, message: &'o str| Derived {
        health,
        reason: Cow::Borrowed(reason),
        message: Cow::Borrowed(message),
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
            return retried(obj, observed)
                .unwrap_or_else(|| mk(Health::InProgress, &rec.reason, &rec.message));
        }
        if is_static_oci_helm_repository(obj) {
            // Since Flux 2.2 source-controller leaves `type: oci` HelmRepositories alone (status stays empty); pulls
            // happen, and fail, on the HelmCharts that use them. "Waiting to be reconciled" would never end.
            return mk(
                Health::Ready,
                "Static",
                "OCI HelmRepository: not reconciled by source-controller",
            );
        }
        return mk(Health::Unknown, "", "waiting to be reconciled");
    };
    match ready.status.as_str() {
        "False" if ready.reason == "DependencyNotReady" || waits_on_source(ready) => {
            mk(Health::Blocked, &ready.reason, &ready.message)
        }
        "False" if retries_exhausted(ready) => mk(Health::Stalled, &ready.reason, &ready.message),
        "False" => mk(Health::Failing, &ready.reason, &ready.message),
        "True" if observed && !reconciling(obj) => mk(Health::Ready, &ready.reason, &ready.message),
        "Unknown" if let Some(failing) = retried(obj, observed) => failing,
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

/// An object in a run whose last attempt failed (see [`super::retry`]): Failing (retrying) with what failed, or
/// Blocked when what failed is waiting on a source.
fn retried(obj: &FluxObject, observed: bool) -> Option<Derived<'_>> {
    let (reason, message) = super::retry::evidence(obj)?;
    let waits = super::retry::failure_condition(obj).is_some_and(waits_on_source);
    Some(Derived {
        health: if waits {
            Health::Blocked
        } else {
            Health::Failing
        },
        reason,
        message,
        retrying: true,
        generation_observed: observed,
    })
}

fn reconciling(obj: &FluxObject) -> bool {
    obj.condition("Reconciling")
        .is_some_and(|c| c.status == "True")
}

fn is_static_oci_helm_repository(obj: &FluxObject) -> bool {
    obj.kind == "HelmRepository" && obj.spec.repo_type.as_deref() == Some("oci")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(json: serde_json::Value) -> FluxObject {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn oci_helm_repository_without_status_is_static_not_waiting() {
        let mut o = obj(serde_json::json!({
            "kind": "HelmRepository",
            "metadata": {"name": "bitnami", "namespace": "data", "generation": 1},
            "spec": {"type": "oci", "url": "oci://registry-1.docker.io/bitnamicharts"},
            "status": {}
        }));
        assert_eq!(summarize(&o).health, Health::Ready);
        assert_eq!(summarize(&o).reason, "Static");
        o.spec.repo_type = None;
        assert_eq!(summarize(&o).health, Health::Unknown);
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

    fn ready_false(reason: &str, message: &str) -> FluxObject {
        obj(serde_json::json!({
            "kind": "HelmRelease",
            "metadata": {"name": "a", "namespace": "x", "generation": 1},
            "status": {"observedGeneration": 1, "conditions": [
                {"type": "Ready", "status": "False", "reason": reason, "message": message}
            ]}
        }))
    }

    #[test]
    fn waiting_on_a_source_is_blocked_but_an_own_artifact_failure_is_failing() {
        for (reason, message) in [
            (
                "ArtifactFailed",
                "HelmChart 'default/default-podinfo' is not ready",
            ),
            (
                "SourceNotReady",
                "HelmChart 'default/default-test' is not ready: latest generation of object has not been reconciled",
            ),
            (
                "ArtifactFailed",
                "Source artifact not found, retrying in 30s",
            ),
            (
                "ArtifactFailed",
                "OCIRepository 'flux-system/podinfo' is not ready: failed to pull",
            ),
        ] {
            assert_eq!(
                summarize(&ready_false(reason, message)).health,
                Health::Blocked,
                "{message}"
            );
        }
        let own = ready_false(
            "ArtifactFailed",
            "kustomization path not found: stat /tmp/x/invalid: no such file or directory",
        );
        assert_eq!(summarize(&own).health, Health::Failing);
        let not_a_kind = ready_false("InstallFailed", "Release 'x/y' is not ready");
        assert_eq!(summarize(&not_a_kind).health, Health::Failing);
    }

    #[test]
    fn v2beta1_retries_exhausted_is_stalled() {
        for message in ["install retries exhausted", "upgrade retries exhausted"] {
            let s = summarize(&ready_false("UpgradeFailed", message));
            assert_eq!(s.health, Health::Stalled);
            assert_eq!(s.reason, "UpgradeFailed");
        }
        let retrying = ready_false(
            "UpgradeFailed",
            "Helm upgrade failed: timed out waiting for the condition",
        );
        assert_eq!(summarize(&retrying).health, Health::Failing);
    }

    #[test]
    fn ready_condition_at_the_new_generation_counts_as_observed() {
        let mut o = ready_false("GitOperationFailed", "failed to checkout");
        o.metadata.generation = Some(2);
        assert!(!generation_observed(&o));
        o.status.conditions[0].observed_generation = Some(2);
        assert!(generation_observed(&o));
        o.status.observed_generation = None;
        o.status.conditions[0].observed_generation = None;
        assert!(
            generation_observed(&o),
            "no observedGeneration anywhere: nothing pending"
        );
    }
}

//! Failing across retries. While a controller retries a failed attempt, the object goes through
//! `Reconciling=True` and often `Ready=Unknown` for the seconds each attempt takes, yet the failure is still what
//! is true of it: a view that read those seconds as "in progress" would flicker on every retry (counts, root
//! causes, folded chains, diagnosis, `fluxops follow`'s lines). Two things say the failure still holds:
//!
//! - **The object itself** ([`failure_condition`], [`evidence`]), for the current generation only (a condition's
//!   `observedGeneration`, when set, must be `metadata.generation`: a changed spec is a new attempt):
//!   - a source-controller failure condition still `True`: `FetchFailed`, `BuildFailed`,
//!     `StorageOperationFailed`, `IncludeUnavailable`, or `SourceVerified=False`. source-controller's
//!     `ProgressiveStatus` marks `Ready=Unknown` at the start of every run of a source that has no artifact
//!     ("building artifact") and of one that found a new revision, and leaves these conditions until the run
//!     ends. `ArtifactOutdated=True` is not a failure: a new artifact is being built;
//!   - a HelmRelease's `status.failures` above zero: helm-controller counts failed attempts against the current
//!     chart and values and resets the count when either changes, so a new chart or new values are a new
//!     attempt, not a retry; the failed `Released`, `Remediated` or `TestSuccess` condition says what failed;
//!   - `Reconciling=True` with reason `ProgressingWithRetry`: the controller's own word that the last attempt
//!     failed and is retried (kustomize-controller's `finalizeStatus`, helm-controller's retry strategy).
//! - **What was seen before** ([`summarize_after`], [`health_after`]): an object that was Failing and is now in a
//!   run of the same attempt (same uid, generation, `lastAttemptedRevision`, chart digest, and no reset of a
//!   HelmRelease's failure count) is still Failing. kustomize-controller marks `Ready=Unknown "Reconciliation
//!   in progress"` at the start of every run and keeps nothing of the failure on the object meanwhile.
//!
//! A retry that hangs is not hidden: it stays Failing (retrying), and the timing rules flag the run as stuck
//! once it passes its timeout.

use super::FluxKind;
use super::api::{Condition, FluxObject};
use super::status::{Health, StatusSummary, health, summarize};
use std::borrow::Cow;

/// source-controller conditions whose `True` says the last attempt failed (negative polarity, not
/// `ArtifactOutdated`, `Reconciling` or `Stalled`).
pub const FAILED_WHEN_TRUE: [&str; 4] = [
    "FetchFailed",
    "BuildFailed",
    "StorageOperationFailed",
    "IncludeUnavailable",
];

/// HelmRelease conditions that carry the failed Helm action (`Remediated` in either status: a remediation ran
/// because an action failed).
const HELM_ACTION_CONDITIONS: [&str; 3] = ["Released", "TestSuccess", "Remediated"];

/// Whether a condition was written for the object's current generation (or says nothing about it).
fn current(obj: &FluxObject, c: &Condition) -> bool {
    match (c.observed_generation, obj.metadata.generation) {
        (Some(at), Some(generation)) => at == generation,
        _ => true,
    }
}

fn find(obj: &FluxObject, f: impl Fn(&Condition) -> bool) -> Option<&Condition> {
    obj.status
        .conditions
        .iter()
        .find(|c| current(obj, c) && f(c))
}

/// A failed Helm action's condition: `Released=False`, `TestSuccess=False`, or `Remediated`.
fn helm_action(obj: &FluxObject) -> Option<&Condition> {
    HELM_ACTION_CONDITIONS.iter().find_map(|t| {
        find(obj, |c| {
            c.type_ == *t && (c.status == "False" || (*t == "Remediated" && c.status == "True"))
        })
    })
}

/// Failed attempts a HelmRelease has made at its current chart and values.
fn helm_failures(obj: &FluxObject) -> i64 {
    let s = &obj.status;
    [s.failures, s.install_failures, s.upgrade_failures]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0)
}

/// The condition on the object itself that says its last attempt failed, when one does (see the module doc).
/// Read only for an object that is otherwise in progress: `Ready=False` and `Stalled` decide first.
#[must_use]
pub fn failure_condition(obj: &FluxObject) -> Option<&Condition> {
    let source_failure = find(obj, |c| {
        (c.status == "True" && FAILED_WHEN_TRUE.contains(&c.type_.as_str()))
            || (c.status == "False" && c.type_ == "SourceVerified")
    });
    if source_failure.is_some() {
        return source_failure;
    }
    let helm = obj.flux_kind() == Some(FluxKind::HelmRelease);
    if helm
        && helm_failures(obj) > 0
        && let Some(action) = helm_action(obj)
    {
        return Some(action);
    }
    let retry = find(obj, |c| {
        c.type_ == "Reconciling" && c.status == "True" && c.reason == "ProgressingWithRetry"
    })?;
    let detail = if helm {
        helm_action(obj)
    } else {
        find(obj, |c| c.type_ == "Healthy" && c.status == "False")
    };
    Some(detail.unwrap_or(retry))
}

/// What says the object's last attempt failed: `(reason, message)` of [`failure_condition`], or for a
/// HelmRelease counting failed attempts without a condition that says which, its count.
#[must_use]
pub fn evidence(obj: &FluxObject) -> Option<(Cow<'_, str>, Cow<'_, str>)> {
    if let Some(c) = failure_condition(obj) {
        return Some((Cow::Borrowed(&c.reason), Cow::Borrowed(&c.message)));
    }
    let failures = helm_failures(obj);
    (obj.flux_kind() == Some(FluxKind::HelmRelease) && failures > 0).then(|| {
        (
            Cow::Borrowed("ProgressingWithRetry"),
            Cow::Owned(format!(
                "{failures} failed attempt(s) at the current chart and values; retrying"
            )),
        )
    })
}

/// Whether `now` is a later version of `before` working on the same attempt: the same object (uid), spec
/// (generation), revision and chart digest attempted, and no reset of a HelmRelease's failure count.
#[must_use]
pub fn same_attempt(before: &FluxObject, now: &FluxObject) -> bool {
    let (b, n) = (&before.status, &now.status);
    before.metadata.uid == now.metadata.uid
        && before.metadata.generation == now.metadata.generation
        && b.last_attempted_revision == n.last_attempted_revision
        && b.last_attempted_revision_digest == n.last_attempted_revision_digest
        && !(helm_failures(before) > 0 && helm_failures(now) == 0)
}

/// Whether an object that was `before_health` keeps failing now that it derives `now_health`: it was Failing,
/// it is now only in progress, and in the same attempt.
fn keeps_failing(
    before: &FluxObject,
    before_health: Health,
    now: &FluxObject,
    now_health: Health,
) -> bool {
    before_health == Health::Failing
        && now_health == Health::InProgress
        && same_attempt(before, now)
}

/// [`summarize`] of `obj`, knowing its previous version and what was derived for it: a Failing object whose
/// attempt is only being retried stays Failing, with the failure's reason and message (see the module doc).
#[must_use]
pub fn summarize_after(
    before: Option<(&FluxObject, &StatusSummary)>,
    obj: &FluxObject,
) -> StatusSummary {
    let now = summarize(obj);
    match before {
        Some((old, was)) if keeps_failing(old, was.health, obj, now.health) => StatusSummary {
            health: Health::Failing,
            reason: was.reason.clone(),
            message: was.message.clone(),
            retrying: true,
            generation_observed: now.generation_observed,
        },
        _ => now,
    }
}

/// The health [`summarize_after`] gives, knowing only the previous version's health (for the graph, which keeps
/// healths, not messages).
#[must_use]
pub fn health_after(before: Option<(&FluxObject, Health)>, obj: &FluxObject) -> Health {
    let now = health(obj);
    match before {
        Some((old, was)) if keeps_failing(old, was, obj, now) => Health::Failing,
        _ => now,
    }
}

#[cfg(test)]
mod tests;

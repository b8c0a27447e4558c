//! Reconciliation timings, pure code over objects, events and `now`: per object the last reconcile duration,
//! the time since the last success, when the next run is due, and a rolling history of durations kept while
//! the console runs (p50/p95); flags **overdue**, **stuck** and **slow**; a ranking by each measure; fleet
//! totals. No I/O and no clock: the caller passes `now` ([`Timings::tick`]).
//!
//! Where durations come from ([`sample`]): Kustomization success events (`Reconciliation finished in
//! 176.163666ms, next run in 10m0s`) and `status.history[].lastReconciledDuration`; HelmRelease
//! `status.lastAttemptedReleaseActionDuration` (its release history dates it). Go durations parse exactly
//! ([`crate::flux::duration`]). The last reconcile is the newest of the object's events, history entries,
//! `Ready` transition, artifact update, handled request and release deploy times.
//!
//! # The rules
//! With `interval`, `retryInterval` and `timeout` from the spec and the controllers' defaults ([`schedule`]):
//! - **Next run due** = last reconcile + `interval` (+ `retryInterval` instead when Ready=False and it is set).
//! - **Overdue**: now > next due + `timeout` + grace, grace = max(1m, interval / 10); the wait counted is at
//!   least 5m unless a `status.history` entry dates the last run (client-go's event recorder lets through one
//!   event per object every 5 minutes after a burst of 25, so events are that coarse). Not for HelmReleases (the
//!   helm-controller leaves no trace of a run that changes nothing), nor for a run in progress (see stuck).
//!   Without a per-reconcile trace (an event, a history entry) the clock starts no earlier than when the
//!   console first saw the object.
//! - **Stuck**, any of, for longer than `timeout` + 1m: `Reconciling=True` (reason not `ProgressingWithRetry`;
//!   measured from the later of its transition and the object's last event); a
//!   `reconcile.fluxcd.io/requestedAt` value not copied to `status.lastHandledReconcileAt` (measured from the
//!   request's own time when it is RFC 3339, else from when the console saw it); `metadata.generation` above
//!   `status.observedGeneration` (from `creationTimestamp` for a never-reconciled object, else from when the
//!   console saw the generation; a controller that wrote `Ready` for the generation has seen it). An object
//!   waiting on a dependency (Blocked) is never stuck: its cause is known and upstream.
//! - **Slow**: the newest duration > max(3 × p50, 1.5 × p95) of the durations before it, with at least 5 of them,
//!   and at least 1s.
//! - **Suspended** objects are never overdue or stuck.
//! - An object deleted and created again (a new uid) starts its timings again.
//!
//! Cost: an upsert or an event recomputes one object (a few timestamps and at most a handful of history
//! entries); a tick only visits objects whose flag moment has come ([`fleet`]). docs/timings.md has the same
//! rules for users.

pub mod facts;
pub mod fleet;
pub mod rank;
pub mod ring;
pub mod rules;
pub mod sample;
pub mod schedule;

pub use fleet::{Assessment, Flags, ObjectTiming, Timings, Totals};
pub use rank::{SortKey, rank, rank_across};
pub use ring::DurationRing;
pub use rules::Stuck;
pub use sample::{Outcome, Sample};
pub use schedule::Schedule;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_known_cause;

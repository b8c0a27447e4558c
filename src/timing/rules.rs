//! The timing rules: when an object becomes **overdue** or **stuck**, whether its last run was **slow**, and
//! what the console shows about it at a given `now` ([`Assessment`]). The rules, with their numbers, are in
//! the `timing` module doc and docs/timings.md.

use super::facts::Facts;
use super::ring::{DurationRing, percentile};
use crate::flux::FluxKind;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use std::time::Duration;

/// Added to `interval + timeout` before a run counts as overdue: Flux jitters requeues, and a watch delivers
/// the finished status a moment later. At least [`MIN_OVERDUE_GRACE`], or a tenth of the interval.
pub const MIN_OVERDUE_GRACE: Duration = Duration::from_secs(60);
/// Added to the timeout before a run, a request or a generation counts as stuck.
pub const STUCK_GRACE: Duration = Duration::from_secs(60);
/// The shortest wait the overdue rule counts when the last trace is an event: client-go's event recorder lets
/// through at most one event per object every 5 minutes once the object has sent a burst of 25, so a 1m source
/// can legitimately show no new event for 5 minutes.
pub const EVENT_TRACE_RESOLUTION: Duration = Duration::from_secs(300);
/// Earlier samples a run is compared with before it can be called slow.
pub const SLOW_MIN_SAMPLES: usize = 5;
/// A run is slow when it took more than this many times its earlier median …
pub const SLOW_MEDIAN_FACTOR: u32 = 3;
/// … and more than one and a half times its earlier p95 …
pub const SLOW_P95_FACTOR_PERCENT: u32 = 150;
/// … and at least this long (a 30ms run that took 120ms is not worth a flag).
pub const SLOW_FLOOR: Duration = Duration::from_secs(1);

/// Why an object is stuck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stuck {
    /// `Reconciling=True` for longer than its timeout.
    Reconciling,
    /// A `reconcile.fluxcd.io/requestedAt` request not reflected in `status.lastHandledReconcileAt`.
    RequestNotHandled,
    /// `metadata.generation` not reflected in `status.observedGeneration`.
    GenerationNotObserved,
}

impl Stuck {
    /// A short label for lists and the detail pane.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Stuck::Reconciling => "reconciling past its timeout",
            Stuck::RequestNotHandled => "reconcile request not handled",
            Stuck::GenerationNotObserved => "new generation not observed",
        }
    }
}

/// The moments an object's flags turn on (they stay on until the object changes). Computed once per change
/// of the object, so a clock tick only compares times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Deadlines {
    /// When the next run is due (last reconcile + interval, or + retry interval after a failure; see
    /// [`baseline`] for objects without a per-reconcile trace).
    pub next_due: Option<Timestamp>,
    /// When the object becomes overdue.
    pub overdue_at: Option<Timestamp>,
    /// When the object becomes stuck, and why.
    pub stuck_at: Option<(Timestamp, Stuck)>,
}

impl Deadlines {
    /// The deadlines of an object with these facts.
    #[must_use]
    pub fn of(facts: &Facts) -> Self {
        let schedule = &facts.schedule;
        let next_due = facts
            .schedule
            .next_after(facts.failing)
            .zip(baseline(facts))
            .map(|(wait, last)| add(last, wait));
        // Suspended objects are paused on purpose: never overdue, never stuck.
        if facts.suspended {
            return Self {
                next_due: None,
                overdue_at: None,
                stuck_at: None,
            };
        }
        let overdue_at = overdue_at(facts);
        // An object waiting on a dependency has a known cause (its upstream), whatever it has not done yet; so
        // has one failing (its own failure, retried or not).
        let stuck_after = |since: Option<Timestamp>, why| {
            since
                .filter(|_| !facts.waiting && !facts.failure_known)
                .map(|s| (add(s, schedule.timeout + STUCK_GRACE), why))
        };
        let stuck_at = [
            stuck_after(facts.running_since, Stuck::Reconciling),
            stuck_after(facts.request_since, Stuck::RequestNotHandled),
            stuck_after(facts.generation_since, Stuck::GenerationNotObserved),
        ]
        .into_iter()
        .flatten()
        .min();
        Self {
            next_due,
            overdue_at,
            stuck_at,
        }
    }
}

/// The overdue grace for an interval.
#[must_use]
pub fn overdue_grace(interval: Duration) -> Duration {
    (interval / 10).max(MIN_OVERDUE_GRACE)
}

/// Overdue: no reconcile finished within `wait + timeout + grace` of the last one (`wait` = interval, or retry
/// interval after a failure; at least [`EVENT_TRACE_RESOLUTION`] unless the last run is dated by a history
/// entry). Only for kinds that leave a trace of every reconcile (Kustomizations and
/// sources: an event each run, and history); the helm-controller writes nothing on a run that changes nothing,
/// so a HelmRelease is never judged overdue (it can still be stuck). A run in progress is judged by the stuck
/// rule instead. Without a per-reconcile trace the clock starts no earlier than when the console first saw the
/// object: it has then watched a whole interval and more without seeing a run.
fn overdue_at(facts: &Facts) -> Option<Timestamp> {
    if facts.running_since.is_some() || !leaves_a_trace(facts.kind?) {
        return None;
    }
    let schedule = &facts.schedule;
    let due_after = schedule.next_after(facts.failing)?;
    let wait = if facts.traced_by_history {
        due_after
    } else {
        due_after.max(EVENT_TRACE_RESOLUTION)
    };
    let baseline = baseline(facts)?;
    Some(add(
        baseline,
        wait + schedule.timeout + overdue_grace(schedule.interval.unwrap_or(due_after)),
    ))
}

/// The run the schedule counts from: the last reconcile when a per-reconcile trace dates it; otherwise no
/// earlier than when the console first saw the object (an old `Ready` transition says nothing about the runs
/// since).
fn baseline(facts: &Facts) -> Option<Timestamp> {
    if facts.reconcile_traced {
        facts.last_reconcile
    } else {
        facts.last_reconcile.max(facts.first_seen)
    }
}

/// Kinds whose controller leaves a trace (an event, a history entry) of every reconcile.
#[must_use]
pub fn leaves_a_trace(kind: FluxKind) -> bool {
    !matches!(kind, FluxKind::HelmRelease | FluxKind::ExternalArtifact)
}

/// Slow: the newest run took more than `max(3 × p50, 1.5 × p95)` of the runs before it (at least
/// [`SLOW_MIN_SAMPLES`] of them) and at least [`SLOW_FLOOR`].
#[must_use]
pub fn is_slow(ring: &DurationRing) -> bool {
    let Some(last) = ring.last() else {
        return false;
    };
    let earlier = ring.len().saturating_sub(1);
    if earlier < SLOW_MIN_SAMPLES || last.took < SLOW_FLOOR {
        return false;
    }
    let before = || ring.iter().take(earlier).map(|s| s.took);
    let (Some(p50), Some(p95)) = (percentile(before(), 50), percentile(before(), 95)) else {
        return false;
    };
    let limit = (p50 * SLOW_MEDIAN_FACTOR).max(p95 * SLOW_P95_FACTOR_PERCENT / 100);
    last.took > limit
}

/// `t + d`, saturating at the end of time.
#[must_use]
pub fn add(t: Timestamp, d: Duration) -> Timestamp {
    SignedDuration::try_from(d)
        .ok()
        .and_then(|d| t.checked_add(d).ok())
        .unwrap_or(Timestamp::MAX)
}

/// `to - from` when positive.
#[must_use]
pub fn elapsed(from: Timestamp, to: Timestamp) -> Option<Duration> {
    Duration::try_from(to.duration_since(from)).ok()
}

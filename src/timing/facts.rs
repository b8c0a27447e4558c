//! `Facts`: the times one object's timing rules need, read from the object, its events and what the console has
//! seen of it (`Memory`): the last reconcile it is known to have finished, the last success, since when a run
//! has been going, since when a reconcile request or a new generation has been waiting.

use super::ring::DurationRing;
use super::sample::{is_success_status, parse_time};
use super::schedule::Schedule;
use crate::flux::status::{generation_observed, health};
use crate::flux::{FluxKind, FluxObject, Health};
use k8s_openapi::jiff::Timestamp;

/// The annotation `flux reconcile` sets (its value is copied to `status.lastHandledReconcileAt` when handled).
pub const REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";

/// What the console itself has seen of an object over time (the status alone cannot say).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memory {
    /// When the console first saw the object.
    pub first_seen: Option<Timestamp>,
    /// The newest `lastTimestamp` of an event about the object.
    pub last_event: Option<Timestamp>,
    /// A pending reconcile request token and when the console first saw it pending.
    pub request: Option<(String, Option<Timestamp>)>,
    /// An unobserved `metadata.generation` and when the console first saw it unobserved.
    pub generation: Option<(i64, Option<Timestamp>)>,
}

impl Memory {
    /// Notes what the object shows now: a new pending request or unobserved generation starts its clock at
    /// `now` (`None` before the first clock tick).
    pub fn observe(&mut self, obj: &FluxObject, now: Option<Timestamp>) {
        if self.first_seen.is_none() {
            self.first_seen = now;
        }
        self.request = pending_request(obj).map(|token| match self.request.take() {
            Some((old, since)) if old == token => (old, since.or(now)),
            _ => (token.to_owned(), now),
        });
        self.generation = unobserved_generation(obj).map(|g| match self.generation {
            Some((old, since)) if old == g => (g, since.or(now)),
            _ => (g, now),
        });
    }

    /// Starts the clocks that were waiting for the first tick.
    pub fn start_clocks(&mut self, now: Timestamp) {
        self.first_seen.get_or_insert(now);
        if let Some((_, since)) = &mut self.request {
            since.get_or_insert(now);
        }
        if let Some((_, since)) = &mut self.generation {
            since.get_or_insert(now);
        }
    }
}

/// The reconcile request token not yet handled, if any.
#[must_use]
pub fn pending_request(obj: &FluxObject) -> Option<&str> {
    let token = obj
        .metadata
        .annotations
        .as_ref()?
        .get(REQUESTED_AT)?
        .as_str();
    (obj.status.last_handled_reconcile_at.as_deref() != Some(token)).then_some(token)
}

/// `metadata.generation` when the controller has not observed it (only when `status.observedGeneration` is set:
/// an object without it, like a static OCI HelmRepository, is not judged). A controller that wrote its `Ready`
/// condition for the new generation has seen it: Flux advances `status.observedGeneration` only when a
/// reconcile succeeds, so a failing or blocked object at a new generation keeps the old one
/// ([`crate::flux::status::generation_observed`]).
#[must_use]
pub fn unobserved_generation(obj: &FluxObject) -> Option<i64> {
    let generation = obj.metadata.generation?;
    let observed = obj.status.observed_generation?;
    (observed < generation && !generation_observed(obj)).then_some(generation)
}

/// The times the rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    pub kind: Option<FluxKind>,
    pub suspended: bool,
    /// The object waits on something else (`Blocked`: `DependencyNotReady`, a source not ready): its cause is
    /// known and upstream, so it is never stuck.
    pub waiting: bool,
    /// The object is failing or stalled (a failure retried included, `flux::status`): its cause is its own
    /// failure, shown as such, so it is not "stuck" either, however long its controller keeps retrying.
    pub failure_known: bool,
    pub schedule: Schedule,
    /// The last time the object is known to have finished a reconcile.
    pub last_reconcile: Option<Timestamp>,
    /// Whether `last_reconcile` comes from a trace every reconcile leaves (an event, a history entry); when not,
    /// the overdue clock starts no earlier than when the console first saw the object.
    pub reconcile_traced: bool,
    /// Whether the freshest trace is a `status.history` entry (written on every run); otherwise it is an event,
    /// and Kubernetes' event recorder lets at most one through every 5 minutes per object once an object has
    /// sent 25 (client-go's spam filter), so event traces are only that fine-grained.
    pub traced_by_history: bool,
    /// Whether the object is failing (Ready=False): the next run comes after the retry interval.
    pub failing: bool,
    pub last_success: Option<Timestamp>,
    /// A run in progress (`Reconciling=True`, not a retry wait) started no later than this.
    pub running_since: Option<Timestamp>,
    /// A reconcile request waiting since.
    pub request_since: Option<Timestamp>,
    /// An unobserved generation waiting since.
    pub generation_since: Option<Timestamp>,
    /// When the console first saw the object.
    pub first_seen: Option<Timestamp>,
}

impl Facts {
    /// Reads the facts of an object.
    #[must_use]
    pub fn read(obj: &FluxObject, memory: &Memory, ring: &DurationRing) -> Self {
        let st = &obj.status;
        let ready = obj.condition("Ready");
        let transition = |c: Option<&crate::flux::api::Condition>| {
            c.and_then(|c| c.last_transition_time.as_deref())
                .and_then(parse_time)
        };
        let history_reconciled = st
            .history
            .iter()
            .filter_map(|h| h.last_reconciled.as_deref().and_then(parse_time))
            .max();
        let traced = [
            memory.last_event,
            history_reconciled,
            ring.iter().filter_map(|s| s.finished).max(),
        ]
        .into_iter()
        .flatten()
        .max();
        let weak = [
            transition(ready),
            st.artifact
                .as_ref()
                .and_then(|a| a.last_update_time.as_deref())
                .and_then(parse_time),
            st.last_handled_reconcile_at.as_deref().and_then(parse_time),
            st.history
                .iter()
                .filter_map(|h| h.last_deployed.as_deref().and_then(parse_time))
                .max(),
        ]
        .into_iter()
        .flatten()
        .max();
        let last_reconcile = traced.max(weak);
        let is_ready = ready.is_some_and(|c| c.status == "True");
        let history_success = st
            .history
            .iter()
            .filter(|h| {
                h.last_reconciled_status
                    .as_deref()
                    .is_some_and(is_success_status)
                    || h.status.as_deref() == Some("deployed")
            })
            .filter_map(|h| {
                h.last_reconciled
                    .as_deref()
                    .or(h.last_deployed.as_deref())
                    .and_then(parse_time)
            })
            .max();
        let last_success = [
            ring.last_success(),
            history_success,
            if is_ready { last_reconcile } else { None },
        ]
        .into_iter()
        .flatten()
        .max();
        let reconciling = obj
            .condition("Reconciling")
            .filter(|c| c.status == "True" && c.reason != "ProgressingWithRetry");
        // A run that stays Reconciling=True across retries keeps its old transition time: the object's last
        // event (a failure, a retry) bounds when the current run started.
        let running_since = reconciling.map(|c| {
            transition(Some(c))
                .max(memory.last_event)
                .or(memory.first_seen)
        });
        let request_since = memory.request.as_ref().and_then(|(token, seen)| {
            parse_time(token).map_or(*seen, |t| Some(seen.map_or(t, |s| s.min(t))))
        });
        let created = obj.metadata.creation_timestamp.as_ref().map(|t| t.0);
        let generation_since = memory.generation.and_then(|(_, seen)| {
            if st.observed_generation == Some(-1) {
                created.or(seen)
            } else {
                seen
            }
        });
        Self {
            kind: obj.flux_kind(),
            suspended: obj.is_suspended(),
            waiting: health(obj) == Health::Blocked,
            failure_known: matches!(health(obj), Health::Failing | Health::Stalled),
            schedule: Schedule::of(obj),
            last_reconcile,
            reconcile_traced: traced.is_some(),
            traced_by_history: history_reconciled.is_some_and(|h| {
                memory.last_event.is_none_or(|e| {
                    h.checked_add(k8s_openapi::jiff::SignedDuration::from_secs(5))
                        .is_ok_and(|h| h >= e)
                })
            }),
            failing: ready.is_some_and(|c| c.status == "False"),
            last_success,
            running_since: running_since.flatten(),
            request_since,
            generation_since,
            first_seen: memory.first_seen,
        }
    }
}

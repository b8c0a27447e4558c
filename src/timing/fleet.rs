//! `Timings`: the timings of every object, kept up to date one object at a time. An upsert or an event
//! recomputes that object only; the moments when flags turn on (overdue, stuck) are kept in a queue, so a clock
//! tick only looks at the objects whose moment has come. Fleet totals are counters, never recounted.

use super::facts::{Facts, Memory};
use super::ring::DurationRing;
use super::rules::{Deadlines, Stuck, elapsed, is_slow};
use super::sample::{from_event, from_status};
use crate::flux::{FluxEvent, FluxObject, ResourceRef};
use k8s_openapi::jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// Which flags an object has now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    pub overdue: bool,
    pub stuck: Option<Stuck>,
    pub slow: bool,
}

/// How many objects have each flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub overdue: usize,
    pub stuck: usize,
    pub slow: usize,
}

impl Totals {
    fn count(&mut self, flags: Flags, add: bool) {
        let step = |n: &mut usize, on: bool| {
            if on {
                *n = if add { *n + 1 } else { n.saturating_sub(1) };
            }
        };
        step(&mut self.overdue, flags.overdue);
        step(&mut self.stuck, flags.stuck.is_some());
        step(&mut self.slow, flags.slow);
    }
}

/// The timings of one object.
#[derive(Debug, Clone, Default)]
pub struct ObjectTiming {
    object: Option<Arc<FluxObject>>,
    memory: Memory,
    /// Recent reconcile durations (seen in status and events while the console runs).
    pub ring: DurationRing,
    pub facts: Facts,
    pub deadlines: Deadlines,
    pub p50: Option<Duration>,
    pub p95: Option<Duration>,
    /// The flags as of the last clock reading.
    pub flags: Flags,
}

impl ObjectTiming {
    /// Whether the object is known (not only its events).
    #[must_use]
    pub fn has_object(&self) -> bool {
        self.object.is_some()
    }

    /// The newest run's duration.
    #[must_use]
    pub fn last_duration(&self) -> Option<Duration> {
        self.ring.last().map(|s| s.took)
    }

    /// Whether the timings list shows it: every known object (one without a schedule, like a static OCI
    /// HelmRepository, shows dashes), so the list counts the objects the tree does; not one seen only in events.
    #[must_use]
    pub fn is_listed(&self) -> bool {
        self.has_object()
    }

    /// The flags at `now`.
    #[must_use]
    pub fn flags_at(&self, now: Option<Timestamp>) -> Flags {
        let reached = |t: Timestamp| now.is_some_and(|n| t <= n);
        Flags {
            overdue: self.deadlines.overdue_at.is_some_and(reached),
            stuck: self
                .deadlines
                .stuck_at
                .filter(|(t, _)| reached(*t))
                .map(|(_, why)| why),
            slow: is_slow(&self.ring),
        }
    }

    /// What the console shows about the object at `now`.
    #[must_use]
    pub fn assess(&self, now: Timestamp) -> Assessment {
        let flags = self.flags_at(Some(now));
        let since = |t: Option<Timestamp>| t.and_then(|t| elapsed(t, now));
        Assessment {
            last_duration: self.last_duration(),
            p50: self.p50,
            p95: self.p95,
            samples: self.ring.len(),
            since_success: since(self.facts.last_success),
            since_reconcile: since(self.facts.last_reconcile),
            next_due: self.deadlines.next_due,
            overdue_by: if flags.overdue {
                since(self.deadlines.next_due)
            } else {
                None
            },
            stuck: flags.stuck.map(|why| (why, self.stuck_for(why, now))),
            running_for: self
                .facts
                .running_since
                .filter(|_| !self.facts.suspended)
                .map(|t| elapsed(t, now).unwrap_or_default()),
            timeout: self.facts.schedule.timeout,
            slow: flags.slow,
            suspended: self.facts.suspended,
        }
    }

    fn stuck_for(&self, why: Stuck, now: Timestamp) -> Duration {
        let f = &self.facts;
        let since = match why {
            Stuck::Reconciling => f.running_since,
            Stuck::RequestNotHandled => f.request_since,
            Stuck::GenerationNotObserved => f.generation_since,
        };
        since.and_then(|t| elapsed(t, now)).unwrap_or_default()
    }

    fn recompute(&mut self, now: Option<Timestamp>) {
        if let Some(obj) = &self.object {
            self.facts = Facts::read(obj, &self.memory, &self.ring);
        }
        self.deadlines = Deadlines::of(&self.facts);
        self.p50 = self.ring.percentile(50);
        self.p95 = self.ring.percentile(95);
        self.flags = self.flags_at(now);
    }
}

/// One object's timings at a moment, for the views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub last_duration: Option<Duration>,
    pub p50: Option<Duration>,
    pub p95: Option<Duration>,
    /// How many durations the history holds.
    pub samples: usize,
    pub since_success: Option<Duration>,
    pub since_reconcile: Option<Duration>,
    pub next_due: Option<Timestamp>,
    /// How late the next run is, when the object is overdue.
    pub overdue_by: Option<Duration>,
    /// Why the object is stuck and for how long.
    pub stuck: Option<(Stuck, Duration)>,
    /// How long the run in progress has been going (`Reconciling=True`, not a retry wait).
    pub running_for: Option<Duration>,
    /// How long one run may take.
    pub timeout: Duration,
    pub slow: bool,
    pub suspended: bool,
}

/// The timings of the fleet.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    entries: HashMap<ResourceRef, ObjectTiming>,
    /// Future moments at which an object's flags turn on.
    pending: BTreeSet<(Timestamp, ResourceRef)>,
    totals: Totals,
    /// Objects overdue or stuck now, with their flags (what the tree and the DAG mark).
    flagged: BTreeMap<ResourceRef, Flags>,
    /// Changes whenever `flagged` does.
    flagged_version: u64,
    now: Option<Timestamp>,
    version: u64,
}

impl Timings {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An object was added or changed.
    pub fn upsert(&mut self, obj: &Arc<FluxObject>) {
        let Some(r) = obj.resource_ref() else {
            return;
        };
        let now = self.now;
        self.change(&r, |t| {
            // Deleted and created again (a new uid, the deletion not seen): its history starts again.
            if t.object
                .as_ref()
                .is_some_and(|old| old.metadata.uid != obj.metadata.uid)
            {
                *t = ObjectTiming::default();
            }
            for s in from_status(obj) {
                t.ring.add(s);
            }
            t.memory.observe(obj, now);
            t.object = Some(Arc::clone(obj));
        });
    }

    /// An event about an object was seen.
    pub fn record_event(&mut self, event: &FluxEvent) {
        let seen = event
            .last_seen
            .as_deref()
            .and_then(super::sample::parse_time);
        self.change(&event.involved, |t| {
            t.memory.last_event = t.memory.last_event.max(seen);
            if let Some(s) = from_event(event) {
                t.ring.add(s);
            }
        });
    }

    /// An object was deleted.
    pub fn remove(&mut self, r: &ResourceRef) {
        if let Some(old) = self.entries.remove(r) {
            self.forget(r, &old);
            self.note_flags(r, None);
            self.version += 1;
        }
    }

    /// The clock moved: flags whose moment has come turn on.
    pub fn tick(&mut self, now: Timestamp) {
        let first = self.now.is_none();
        self.now = Some(now);
        if first {
            // Clocks that started before the first tick (objects listed at start) start now.
            let refs: Vec<ResourceRef> = self.entries.keys().cloned().collect();
            for r in refs {
                self.change(&r, |t| t.memory.start_clocks(now));
            }
            return;
        }
        while let Some((t, r)) = self.pending.first().cloned() {
            if t > now {
                break;
            }
            self.pending.remove(&(t, r.clone()));
            if let Some(entry) = self.entries.get_mut(&r) {
                let before = entry.flags;
                entry.flags = entry.flags_at(Some(now));
                if entry.flags != before {
                    let flags = entry.flags;
                    self.totals.count(before, false);
                    self.totals.count(flags, true);
                    self.note_flags(&r, Some(flags));
                    self.version += 1;
                }
            }
        }
    }

    /// The last clock reading.
    #[must_use]
    pub fn now(&self) -> Option<Timestamp> {
        self.now
    }

    /// The timings of one object.
    #[must_use]
    pub fn get(&self, r: &ResourceRef) -> Option<&ObjectTiming> {
        self.entries.get(r)
    }

    /// All objects' timings.
    pub fn iter(&self) -> impl Iterator<Item = (&ResourceRef, &ObjectTiming)> {
        self.entries.iter()
    }

    /// How many objects (and objects only seen in events) have timings.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many objects are overdue, stuck, slow.
    #[must_use]
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// Changes whenever anything the timings list shows may have changed (for caching a ranking).
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Applies a change to one object and recomputes that object only.
    fn change(&mut self, r: &ResourceRef, f: impl FnOnce(&mut ObjectTiming)) {
        let now = self.now;
        let mut entry = self.entries.remove(r).unwrap_or_default();
        self.forget(r, &entry);
        f(&mut entry);
        entry.recompute(now);
        self.totals.count(entry.flags, true);
        let future = |t: &Timestamp| now.is_none_or(|n| *t > n);
        if let Some(t) = entry.deadlines.overdue_at.filter(future) {
            self.pending.insert((t, r.clone()));
        }
        if let Some((t, _)) = entry.deadlines.stuck_at.filter(|(t, _)| future(t)) {
            self.pending.insert((t, r.clone()));
        }
        self.note_flags(r, Some(entry.flags));
        self.entries.insert(r.clone(), entry);
        self.version += 1;
    }

    /// Keeps `flagged` current with an object's flags (`None`: the object is gone).
    fn note_flags(&mut self, r: &ResourceRef, flags: Option<Flags>) {
        match flags.filter(|f| f.overdue || f.stuck.is_some()) {
            Some(f) => {
                if self.flagged.get(r) != Some(&f) {
                    self.flagged.insert(r.clone(), f);
                    self.flagged_version += 1;
                }
            }
            None => {
                if self.flagged.remove(r).is_some() {
                    self.flagged_version += 1;
                }
            }
        }
    }

    /// The objects overdue or stuck now (as of the last clock reading), with their flags.
    #[must_use]
    pub fn flagged(&self) -> &BTreeMap<ResourceRef, Flags> {
        &self.flagged
    }

    /// Changes whenever [`Timings::flagged`] does.
    #[must_use]
    pub fn flagged_version(&self) -> u64 {
        self.flagged_version
    }

    /// Takes an entry out of the totals and the queue.
    fn forget(&mut self, r: &ResourceRef, entry: &ObjectTiming) {
        self.totals.count(entry.flags, false);
        if let Some(t) = entry.deadlines.overdue_at {
            self.pending.remove(&(t, r.clone()));
        }
        if let Some((t, _)) = entry.deadlines.stuck_at {
            self.pending.remove(&(t, r.clone()));
        }
    }
}

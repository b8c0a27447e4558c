//! `EventStore`: the Kubernetes Events the console keeps, bounded in every direction. A cluster decides how
//! many Events it sends and about what; the console must not grow with it:
//!
//! - Events about an object the console knows are kept per object, newest last, at most
//!   [`EVENTS_PER_OBJECT`], and dropped with their object.
//! - Events about an object not seen (yet) — a watch lists Events and objects in no particular order — wait in a
//!   pending set. Once the first lists are in it is small: at most [`PENDING_PER_OBJECT`] each for at most
//!   [`PENDING_OBJECTS`] objects, the object whose events came first leaving first; while they are still coming
//!   an object not seen is most likely only not listed yet, and its events wait as a known object's would
//!   (under the total bound). When the object appears they become its events; an object that never appears
//!   costs nothing past those bounds.
//! - In all, at most [`MAX_EVENTS`] events: past it the oldest event kept (by arrival) goes first.
//! - Messages are kept up to [`MAX_MESSAGE_BYTES`], reasons and sources up to [`MAX_FIELD_BYTES`] (cut at a
//!   character boundary, marked with `…`).
//!
//! An update of an aggregated Event (same `namespace/name`, a higher count) replaces the copy kept.

use crate::flux::{FluxEvent, ResourceRef};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// Events kept per known object (newest last).
pub const EVENTS_PER_OBJECT: usize = 20;
/// Objects not seen yet whose events are kept until they appear.
pub const PENDING_OBJECTS: usize = 256;
/// Events kept per object not seen yet.
pub const PENDING_PER_OBJECT: usize = 5;
/// Events kept in all.
pub const MAX_EVENTS: usize = 50_000;
/// Bytes of an event's message kept.
pub const MAX_MESSAGE_BYTES: usize = 4_096;
/// Bytes of an event's reason and source kept.
pub const MAX_FIELD_BYTES: usize = 256;

/// One object's events, with the arrival number of each (for evicting the oldest overall).
#[derive(Debug, Clone, Default)]
struct Ring {
    events: VecDeque<Arc<FluxEvent>>,
    arrivals: VecDeque<u64>,
}

/// See the module doc.
#[derive(Debug, Clone, Default)]
pub struct EventStore {
    known: BTreeMap<ResourceRef, Ring>,
    pending: BTreeMap<ResourceRef, Ring>,
    /// Pending objects, the first whose events came first.
    pending_order: VecDeque<ResourceRef>,
    /// (arrival of the oldest event, object) for every known ring: the globally oldest event is the first.
    oldest: BTreeSet<(u64, ResourceRef)>,
    total: usize,
    arrivals: u64,
}

impl EventStore {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The events kept about a known object, newest last.
    #[must_use]
    pub fn get(&self, r: &ResourceRef) -> Option<&VecDeque<Arc<FluxEvent>>> {
        self.known.get(r).map(|ring| &ring.events)
    }

    /// How many events are kept (about known objects and pending).
    #[must_use]
    pub fn len(&self) -> usize {
        self.total
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many objects not seen yet have events waiting.
    #[must_use]
    pub fn pending_objects(&self) -> usize {
        self.pending.len()
    }

    /// Bytes of text the kept events hold (reason, message, source, names): what the bound is about.
    #[must_use]
    pub fn text_bytes(&self) -> usize {
        self.known
            .values()
            .chain(self.pending.values())
            .flat_map(|ring| ring.events.iter())
            .map(|e| {
                e.reason.len()
                    + e.message.len()
                    + e.source.len()
                    + e.uid.len()
                    + e.involved.namespace.len()
                    + e.involved.name.len()
                    + e.last_seen.as_ref().map_or(0, String::len)
                    + e.first_seen.as_ref().map_or(0, String::len)
            })
            .sum()
    }

    /// Keeps an event; `known`: whether its object is known; `syncing`: whether the first lists are still
    /// coming (until they are in, an object not seen yet is most likely only not listed yet, so its events wait
    /// with the per-object cap of a known object, under [`MAX_EVENTS`]). Returns the event as kept (long texts
    /// cut).
    pub fn record(&mut self, event: Arc<FluxEvent>, known: bool, syncing: bool) -> Arc<FluxEvent> {
        let event = bounded(event);
        let r = event.involved.clone();
        self.arrivals += 1;
        let arrival = self.arrivals;
        if known {
            let was_oldest = self
                .known
                .get(&r)
                .and_then(|ring| ring.arrivals.front().copied());
            let ring = self.known.entry(r.clone()).or_default();
            let removed = push(ring, Arc::clone(&event), arrival, EVENTS_PER_OBJECT);
            let now_oldest = ring.arrivals.front().copied();
            self.total = self.total + 1 - removed;
            self.reindex(&r, was_oldest, now_oldest);
        } else {
            if !self.pending.contains_key(&r) {
                self.pending_order.push_back(r.clone());
            }
            let cap = if syncing {
                EVENTS_PER_OBJECT
            } else {
                PENDING_PER_OBJECT
            };
            let ring = self.pending.entry(r).or_default();
            let removed = push(ring, Arc::clone(&event), arrival, cap);
            self.total = self.total + 1 - removed;
        }
        if !syncing {
            self.trim_pending();
        }
        self.evict_overall();
        event
    }

    /// Brings the pending set within its bounds once the first lists are in: at most [`PENDING_OBJECTS`]
    /// objects (the first whose events came leave first), [`PENDING_PER_OBJECT`] events each.
    fn trim_pending(&mut self) {
        while self.pending.len() > PENDING_OBJECTS {
            let Some(first) = self.pending_order.pop_front() else {
                break;
            };
            if let Some(gone) = self.pending.remove(&first) {
                self.total -= gone.events.len();
            }
        }
        if self
            .pending
            .values()
            .any(|ring| ring.events.len() > PENDING_PER_OBJECT)
        {
            for ring in self.pending.values_mut() {
                while ring.events.len() > PENDING_PER_OBJECT {
                    ring.events.pop_front();
                    ring.arrivals.pop_front();
                    self.total -= 1;
                }
            }
        }
    }

    /// The object appeared: its pending events become its own. Returns them, oldest first (for the timings).
    pub fn adopt(&mut self, r: &ResourceRef) -> Vec<Arc<FluxEvent>> {
        let Some(ring) = self.pending.remove(r) else {
            return Vec::new();
        };
        self.pending_order.retain(|p| p != r);
        self.total -= ring.events.len();
        let events: Vec<Arc<FluxEvent>> = ring.events.into_iter().collect();
        for e in &events {
            self.record(Arc::clone(e), true, true);
        }
        events
    }

    /// The object is gone: its events (kept or pending) go with it.
    pub fn remove(&mut self, r: &ResourceRef) {
        if let Some(ring) = self.known.remove(r) {
            self.total -= ring.events.len();
            if let Some(a) = ring.arrivals.front() {
                self.oldest.remove(&(*a, r.clone()));
            }
        }
        if let Some(ring) = self.pending.remove(r) {
            self.total -= ring.events.len();
            self.pending_order.retain(|p| p != r);
        }
    }

    fn reindex(&mut self, r: &ResourceRef, was: Option<u64>, now: Option<u64>) {
        if was == now {
            return;
        }
        if let Some(a) = was {
            self.oldest.remove(&(a, r.clone()));
        }
        if let Some(a) = now {
            self.oldest.insert((a, r.clone()));
        }
    }

    /// Drops the oldest events kept until the total is within [`MAX_EVENTS`] (pending ones first: they are
    /// about objects that may never come).
    fn evict_overall(&mut self) {
        while self.total > MAX_EVENTS {
            if let Some(first) = self.pending_order.pop_front() {
                if let Some(gone) = self.pending.remove(&first) {
                    self.total -= gone.events.len();
                }
                continue;
            }
            let Some((_, r)) = self.oldest.pop_first() else {
                return;
            };
            let Some(ring) = self.known.get_mut(&r) else {
                continue;
            };
            ring.events.pop_front();
            ring.arrivals.pop_front();
            self.total -= 1;
            match ring.arrivals.front() {
                Some(next) => {
                    self.oldest.insert((*next, r));
                }
                None => {
                    self.known.remove(&r);
                }
            }
        }
    }
}

/// Adds `event` to `ring` (replacing an older copy of the same aggregated event), keeping at most `cap`;
/// returns how many events left the ring.
fn push(ring: &mut Ring, event: Arc<FluxEvent>, arrival: u64, cap: usize) -> usize {
    let mut removed = 0;
    if !event.uid.is_empty()
        && let Some(i) = ring.events.iter().position(|e| e.uid == event.uid)
    {
        ring.events.remove(i);
        ring.arrivals.remove(i);
        removed += 1;
    }
    ring.events.push_back(event);
    ring.arrivals.push_back(arrival);
    while ring.events.len() > cap {
        ring.events.pop_front();
        ring.arrivals.pop_front();
        removed += 1;
    }
    removed
}

/// The event with its message cut to [`MAX_MESSAGE_BYTES`] and its reason and source to [`MAX_FIELD_BYTES`].
fn bounded(event: Arc<FluxEvent>) -> Arc<FluxEvent> {
    let long = event.message.len() > MAX_MESSAGE_BYTES
        || event.reason.len() > MAX_FIELD_BYTES
        || event.source.len() > MAX_FIELD_BYTES;
    if !long {
        return event;
    }
    let mut e = (*event).clone();
    cut(&mut e.message, MAX_MESSAGE_BYTES);
    cut(&mut e.reason, MAX_FIELD_BYTES);
    cut(&mut e.source, MAX_FIELD_BYTES);
    Arc::new(e)
}

/// Cuts `text` to at most `max` bytes (then `…`) at a character boundary.
fn cut(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut at = max;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text.truncate(at);
    text.push('…');
}

#[cfg(test)]
mod tests;

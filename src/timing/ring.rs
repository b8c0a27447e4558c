//! `DurationRing`: the recent reconcile durations of one object, kept while the console runs (bounded, oldest
//! dropped first), deduplicated (an event and a history entry report the same reconcile), with p50/p95.

use super::sample::{Outcome, Sample};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use std::collections::VecDeque;
use std::time::Duration;

/// Samples kept per object.
pub const RING_CAPACITY: usize = 32;

/// Two reports of one reconcile: the same duration, finished within this of each other (the success event is
/// emitted just after `lastReconciled` is written).
const SAME_RECONCILE: SignedDuration = SignedDuration::from_secs(5);

/// The recent reconciles of one object, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DurationRing {
    samples: VecDeque<Sample>,
}

impl DurationRing {
    /// Adds a sample unless it is already known. Samples are kept in order of their finish time (undated ones
    /// go last); when full, the oldest is dropped, and a sample older than every kept one is not added.
    /// Returns whether the ring changed.
    pub fn add(&mut self, sample: Sample) -> bool {
        if self.samples.iter().any(|s| same_reconcile(s, &sample)) {
            return false;
        }
        let at = self
            .samples
            .iter()
            .rposition(|s| !later(s, &sample))
            .map_or(0, |i| i + 1);
        if self.samples.len() >= RING_CAPACITY {
            if at == 0 {
                return false;
            }
            self.samples.pop_front();
            self.samples.insert(at - 1, sample);
        } else {
            self.samples.insert(at, sample);
        }
        true
    }

    /// The newest sample.
    #[must_use]
    pub fn last(&self) -> Option<&Sample> {
        self.samples.back()
    }

    /// All samples, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Sample> + ExactSizeIterator {
        self.samples.iter()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The `p`-th percentile (nearest rank, `0 < p <= 100`) of the durations, or `None` when empty.
    #[must_use]
    pub fn percentile(&self, p: u32) -> Option<Duration> {
        percentile(self.samples.iter().map(|s| s.took), p)
    }

    /// The newest successful sample's finish time.
    #[must_use]
    pub fn last_success(&self) -> Option<Timestamp> {
        self.samples
            .iter()
            .filter(|s| s.outcome == Outcome::Succeeded)
            .filter_map(|s| s.finished)
            .max()
    }
}

/// Nearest-rank percentile of some durations.
#[must_use]
pub fn percentile(durations: impl Iterator<Item = Duration>, p: u32) -> Option<Duration> {
    let mut all: Vec<Duration> = durations.collect();
    if all.is_empty() {
        return None;
    }
    all.sort_unstable();
    let n = all.len();
    // rank = ceil(p/100 * n), 1-based
    let rank = (usize::try_from(p.clamp(1, 100)).unwrap_or(100) * n).div_ceil(100);
    all.get(rank.saturating_sub(1)).copied()
}

fn same_reconcile(a: &Sample, b: &Sample) -> bool {
    a.took == b.took
        && match (a.finished, b.finished) {
            (Some(x), Some(y)) => x.duration_since(y).abs() <= SAME_RECONCILE,
            (None, None) => true,
            _ => false,
        }
}

/// Whether `a` finished after `b` (undated samples count as newest).
fn later(a: &Sample, b: &Sample) -> bool {
    match (a.finished, b.finished) {
        (Some(x), Some(y)) => x > y,
        (None, Some(_)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64, took_ms: u64) -> Sample {
        Sample {
            finished: Some(Timestamp::from_second(1_700_000_000 + secs).unwrap()),
            took: Duration::from_millis(took_ms),
            outcome: Outcome::Succeeded,
        }
    }

    #[test]
    fn the_same_reconcile_reported_twice_is_kept_once() {
        let mut ring = DurationRing::default();
        assert!(ring.add(at(0, 500)));
        assert!(!ring.add(at(2, 500)), "event 2s after the history entry");
        assert!(ring.add(at(60, 500)), "the next reconcile, same duration");
        assert_eq!(ring.len(), 2);
    }

    #[test]
    fn samples_stay_in_finish_order_and_the_oldest_go_first() {
        let mut ring = DurationRing::default();
        for i in 0..40 {
            ring.add(at(i * 60, 100 + u64::try_from(i).unwrap()));
        }
        ring.add(at(-60, 1)); // older than everything kept: ignored
        assert_eq!(ring.len(), RING_CAPACITY);
        let firsts: Vec<u128> = ring.iter().map(|s| s.took.as_millis()).collect();
        assert_eq!(firsts.first(), Some(&108));
        assert_eq!(ring.last().map(|s| s.took.as_millis()), Some(139));
        assert!(firsts.windows(2).all(|w| w[0] < w[1]));
        ring.add(at(30 * 60 + 30, 7)); // between kept samples
        let order: Vec<_> = ring.iter().filter_map(|s| s.finished).collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut ring = DurationRing::default();
        for (i, ms) in [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]
            .iter()
            .enumerate()
        {
            ring.add(at(i64::try_from(i).unwrap() * 60, *ms));
        }
        assert_eq!(ring.percentile(50), Some(Duration::from_millis(500)));
        assert_eq!(ring.percentile(95), Some(Duration::from_millis(1000)));
        assert_eq!(DurationRing::default().percentile(50), None);
    }
}

//! Counts per status over time, for the trend beside each count: a sample a minute, an hour kept (bounded), and
//! the change over the last [`WINDOW`] (or since the first sample when the wall has run for less).

use k8s_openapi::jiff::{SignedDuration, Timestamp};
use std::collections::VecDeque;

/// One sample every this long.
pub const EVERY: SignedDuration = SignedDuration::from_secs(60);
/// The trend is the change over this long.
pub const WINDOW: SignedDuration = SignedDuration::from_secs(15 * 60);
/// Samples kept (an hour): memory stays flat however long the wall runs.
pub const KEPT: usize = 61;

/// What is counted: one value per counted status (the order is the caller's, fixed).
pub type Counts = Vec<usize>;

/// The samples.
#[derive(Debug, Clone, Default)]
pub struct Trend {
    samples: VecDeque<(Timestamp, Counts)>,
}

impl Trend {
    /// Records `counts` at `now` when a minute has passed since the last sample (or there is none).
    pub fn sample(&mut self, now: Timestamp, counts: &[usize]) {
        let due = self
            .samples
            .back()
            .is_none_or(|(t, _)| now.duration_since(*t) >= EVERY);
        if !due {
            return;
        }
        self.samples.push_back((now, counts.to_vec()));
        while self.samples.len() > KEPT {
            self.samples.pop_front();
        }
    }

    /// The change of each count between the oldest sample within [`WINDOW`] of `now` and `current`; `None`
    /// before any sample (or for a count the sample does not have).
    #[must_use]
    pub fn change(&self, now: Timestamp, current: &[usize]) -> Vec<Option<i64>> {
        let base = self.base(now);
        current
            .iter()
            .enumerate()
            .map(|(i, now_n)| {
                let then = base.and_then(|(_, c)| c.get(i))?;
                Some(i64::try_from(*now_n).unwrap_or(i64::MAX) - i64::try_from(*then).unwrap_or(0))
            })
            .collect()
    }

    /// When the sample the change is measured from was taken.
    #[must_use]
    pub fn since(&self, now: Timestamp) -> Option<Timestamp> {
        self.base(now).map(|(t, _)| *t)
    }

    fn base(&self, now: Timestamp) -> Option<&(Timestamp, Counts)> {
        self.samples
            .iter()
            .find(|(t, _)| now.duration_since(*t) <= WINDOW)
            .or_else(|| self.samples.back())
    }

    /// How many samples are kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// No sample yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + min * 60).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn the_change_is_over_the_last_15_minutes_and_memory_is_bounded() {
        let mut trend = Trend::default();
        assert_eq!(trend.change(at(0), &[3]), vec![None]);
        for m in 0..200 {
            trend.sample(at(m), &[usize::try_from(m).unwrap_or(0)]);
            // Within the minute: not sampled again.
            trend.sample(at(m) + SignedDuration::from_secs(30), &[999]);
        }
        assert_eq!(trend.len(), KEPT);
        // At minute 199 the oldest sample within 15 minutes is minute 184.
        assert_eq!(trend.change(at(199), &[199]), vec![Some(15)]);
        // A count that fell.
        assert_eq!(trend.change(at(199), &[180]), vec![Some(-4)]);
    }

    #[test]
    fn a_young_wall_compares_with_its_first_sample() {
        let mut trend = Trend::default();
        trend.sample(at(0), &[5, 0]);
        trend.sample(at(1), &[6, 1]);
        assert_eq!(trend.change(at(2), &[7, 0]), vec![Some(2), Some(0)]);
        assert_eq!(trend.since(at(2)), Some(at(0)));
    }
}

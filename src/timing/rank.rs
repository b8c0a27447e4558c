//! The "slowest / most overdue" ranking: the listed objects ordered by one measure, worst first; objects without
//! that measure last; ties by identity so the order is stable.

use super::fleet::{ObjectTiming, Timings};
use crate::flux::ResourceRef;
use std::cmp::{Ordering, Reverse};
use std::fmt;

/// The measure the timings list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    /// The newest run's duration, longest first.
    #[default]
    LastDuration,
    /// The 95th percentile of the kept durations, longest first.
    P95,
    /// Overdue objects first, the longest overdue first; then the others by when their next run is due.
    OverdueBy,
    /// The oldest last success first.
    SinceSuccess,
}

impl SortKey {
    /// Every key, in the order the cycle key walks them.
    pub const ALL: [SortKey; 4] = [
        SortKey::LastDuration,
        SortKey::P95,
        SortKey::OverdueBy,
        SortKey::SinceSuccess,
    ];

    /// The column heading.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            SortKey::LastDuration => "last",
            SortKey::P95 => "p95",
            SortKey::OverdueBy => "overdue",
            SortKey::SinceSuccess => "since ok",
        }
    }

    /// The next key in the cycle.
    #[must_use]
    pub fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }
}

impl fmt::Display for SortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The listed objects, worst first by `key`.
#[must_use]
pub fn rank(timings: &Timings, key: SortKey) -> Vec<ResourceRef> {
    let mut rows: Vec<(&ResourceRef, &ObjectTiming)> =
        timings.iter().filter(|(_, t)| t.is_listed()).collect();
    rows.sort_by(|(ra, a), (rb, b)| compare(key, a, b).then_with(|| ra.cmp(rb)));
    rows.into_iter().map(|(r, _)| r.clone()).collect()
}

/// `Some` before `None`; among `Some`, `order` decides.
fn present_first<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn compare(key: SortKey, a: &ObjectTiming, b: &ObjectTiming) -> Ordering {
    match key {
        SortKey::LastDuration => present_first(
            a.last_duration().map(Reverse),
            b.last_duration().map(Reverse),
        ),
        SortKey::P95 => present_first(a.p95.map(Reverse), b.p95.map(Reverse)),
        SortKey::OverdueBy => b
            .flags
            .overdue
            .cmp(&a.flags.overdue)
            .then_with(|| present_first(a.deadlines.next_due, b.deadlines.next_due)),
        SortKey::SinceSuccess => present_first(a.facts.last_success, b.facts.last_success),
    }
}

//! The "slowest / most overdue" ranking: the listed objects ordered by one measure, worst first; objects without
//! that measure last; ties by identity so the order is stable.

use super::fleet::{ObjectTiming, Timings};
use crate::flux::ResourceRef;
use k8s_openapi::jiff::Timestamp;
use std::fmt;
use std::time::Duration;

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
    /// Objects never seen succeed first (the longest known first), then the oldest last success first.
    SinceSuccess,
    /// Flagged objects first: stuck (the longest first), then overdue (the latest first), then slow (the
    /// slowest last run first).
    Flags,
}

impl SortKey {
    /// Every key, in the order the cycle key walks them.
    pub const ALL: [SortKey; 5] = [
        SortKey::LastDuration,
        SortKey::P95,
        SortKey::OverdueBy,
        SortKey::SinceSuccess,
        SortKey::Flags,
    ];

    /// The column heading.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            SortKey::LastDuration => "last",
            SortKey::P95 => "p95",
            SortKey::OverdueBy => "overdue",
            SortKey::SinceSuccess => "since ok",
            SortKey::Flags => "flags",
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
    // Numeric sort values computed once per object, then one unstable sort: ties (objects without the
    // measure, mostly) fall back to the identity, so the order is still total and stable across calls.
    let mut rows: Vec<(SortValue, &ResourceRef)> = timings
        .iter()
        .filter(|(_, t)| t.is_listed())
        .map(|(r, t)| (sort_value(key, t), r))
        .collect();
    rows.sort_unstable();
    rows.into_iter().map(|(_, r)| r.clone()).collect()
}

/// Several clusters' timings ranked as ONE list by `key` (the fleet overview's "every cluster" timings): the
/// measures are absolute (durations and instants), so objects of different clusters compare; ties fall back to
/// the cluster's place in `all`, then the identity. Each entry is (index into `all`, object).
#[must_use]
pub fn rank_across(all: &[&Timings], key: SortKey) -> Vec<(usize, ResourceRef)> {
    let mut rows: Vec<(SortValue, usize, &ResourceRef)> = all
        .iter()
        .enumerate()
        .flat_map(|(i, timings)| {
            timings
                .iter()
                .filter(|(_, t)| t.is_listed())
                .map(move |(r, t)| (sort_value(key, t), i, r))
        })
        .collect();
    rows.sort_unstable();
    rows.into_iter().map(|(_, i, r)| (i, r.clone())).collect()
}

/// (group, absent, value): smaller sorts first.
type SortValue = (u8, bool, i128);

fn nanos(d: Option<Duration>) -> i128 {
    d.map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX))
}

fn at(t: Option<Timestamp>) -> i128 {
    t.map_or(0, Timestamp::as_nanosecond)
}

fn sort_value(key: SortKey, t: &ObjectTiming) -> SortValue {
    match key {
        SortKey::LastDuration => {
            let d = t.last_duration();
            (0, d.is_none(), -nanos(d))
        }
        SortKey::P95 => (0, t.p95.is_none(), -nanos(t.p95)),
        SortKey::OverdueBy => {
            let due = t.deadlines.next_due;
            (u8::from(!t.flags.overdue), due.is_none(), at(due))
        }
        SortKey::SinceSuccess => match t.facts.last_success {
            // Never ready is the worst "since ok": first, the one known the longest first.
            None => (0, t.facts.first_seen.is_none(), at(t.facts.first_seen)),
            ok => (1, false, at(ok)),
        },
        SortKey::Flags => {
            let f = t.flags;
            if f.stuck.is_some() {
                // Stuck the longest: its moment came first.
                (0, false, at(t.deadlines.stuck_at.map(|(when, _)| when)))
            } else if f.overdue {
                (1, false, at(t.deadlines.next_due))
            } else if f.slow {
                (2, false, -nanos(t.last_duration()))
            } else {
                (3, false, 0)
            }
        }
    }
}

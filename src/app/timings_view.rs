//! The timings list screen (key `3`): its state (sort measure, selection, the cached ranking) and its view model,
//! the timing block of the detail pane (durations for the sparkline, p50/p95, flags), and the status bar totals.
//! The ranking is recomputed only when the timings, the sort or the filter changed; only visible rows are built.

use super::action::Action;
use super::state::State;
use crate::flux::{Health, ResourceRef};
use crate::text::sanitize_name;
use crate::timing::{Assessment, SortKey, Timings, Totals, rank};
use k8s_openapi::jiff::Timestamp;
use std::ops::Range;
use std::time::Duration;

/// State of the timings list.
#[derive(Debug, Clone, Default)]
pub struct TimingsListState {
    pub sort: SortKey,
    /// The selected object (kept across re-sorts).
    pub selected: Option<ResourceRef>,
    /// First row of the drawn window.
    pub offset: usize,
    order: Vec<ResourceRef>,
    /// What the order was computed for: (sort, filter, object count, unparsed objects) and (timings version,
    /// clock).
    order_key: Option<OrderKey>,
}

type OrderKey = (
    (SortKey, String, usize, Vec<ResourceRef>),
    (u64, Option<Timestamp>),
);

impl TimingsListState {
    /// Recomputes the ranking when the sort, the filter or the set of objects changed at once; when only
    /// measures changed, at most once per clock reading (1 s): a busy 10,000-object fleet changes every frame,
    /// and the rows' values are read fresh anyway. `unparsed`: objects that could not be parsed (they have no
    /// timings; listed last, so the list counts every object the tree does).
    pub fn refresh(
        &mut self,
        state_timings: &Timings,
        filter: &str,
        matches: impl Fn(&ResourceRef) -> bool,
        unparsed: Vec<ResourceRef>,
    ) {
        let shape = (
            self.sort,
            filter.to_owned(),
            state_timings.len(),
            unparsed.clone(),
        );
        let data = (state_timings.version(), state_timings.now());
        if let Some((old_shape, (old_version, old_now))) = &self.order_key
            && *old_shape == shape
            && (*old_version == data.0 || *old_now == data.1)
        {
            return;
        }
        let key = (shape, data);
        let mut order = rank(state_timings, self.sort);
        if !filter.is_empty() {
            order.retain(|r| matches(r));
        }
        order.extend(unparsed);
        self.order = order;
        self.order_key = Some(key);
    }

    /// The ranked objects.
    #[must_use]
    pub fn rows(&self) -> &[ResourceRef] {
        &self.order
    }

    /// Index of the selected row (the first row when the selection is gone).
    #[must_use]
    pub fn selected_index(&self) -> Option<usize> {
        if self.order.is_empty() {
            return None;
        }
        Some(
            self.selected
                .as_ref()
                .and_then(|r| self.order.iter().position(|o| o == r))
                .unwrap_or(0),
        )
    }

    /// The selected object.
    #[must_use]
    pub fn selected_ref(&self) -> Option<&ResourceRef> {
        self.selected_index().and_then(|i| self.order.get(i))
    }

    fn select_index(&mut self, i: usize) {
        self.selected = self.order.get(i).cloned();
    }

    /// Moves the selection by `delta` rows, stopping at the ends.
    pub fn move_by(&mut self, delta: isize) {
        if let Some(i) = self.selected_index() {
            let last = self.order.len().saturating_sub(1);
            let target = i.saturating_add_signed(delta).min(last);
            self.select_index(target);
        }
    }

    /// The window of `height` rows that shows the selection, scrolling as little as possible.
    pub fn window(&mut self, height: Option<usize>) -> Range<usize> {
        let selected = self.selected_index();
        crate::layout::scroll_window(&mut self.offset, selected, self.order.len(), height)
    }
}

/// Handles the timings list's own actions; `false` for actions it does not own.
pub fn on_action(state: &mut State, action: Action) -> bool {
    refresh(state);
    let page = isize::try_from(state.page_rows.max(1)).unwrap_or(10);
    let list = &mut state.timings_list;
    match action {
        Action::MoveUp => list.move_by(-1),
        Action::MoveDown => list.move_by(1),
        Action::PageUp => list.move_by(-page),
        Action::PageDown => list.move_by(page),
        Action::SelectFirst => list.select_index(0),
        Action::SelectLast => list.select_index(list.order.len().saturating_sub(1)),
        Action::CycleSort => {
            list.sort = list.sort.next();
            // The worst row by the new measure is what the sort is for: select it, at the top.
            refresh(state);
            let list = &mut state.timings_list;
            list.select_index(0);
            list.offset = 0;
        }
        // The tree's filter also narrows this list: typing it here keeps the list on screen.
        Action::StartFilter => state.navigator.filter_editing = true,
        Action::RevealInTree => {
            if let Some(r) = list.selected_ref().cloned() {
                state.screen = super::state::Screen::Tree;
                state.focus = super::state::Focus::Navigator;
                let src = super::navigator::Source {
                    topology: &state.graph,
                    objects: &state.objects,
                    invalid: &state.invalid,
                };
                state.navigator.jump_to(&src, &r);
                state.detail_scroll = 0;
            }
        }
        _ => return false,
    }
    state.dirty = true;
    true
}

/// Brings the ranking up to date with the timings and the filter.
pub fn refresh(state: &mut State) {
    // The tree's filter, matched the same way (every word must appear), and here also the timing flags:
    // `/stuck`, `/overdue`, `/slow` (and `/paused`).
    let filter = state.navigator.filter.to_lowercase();
    let words: Vec<&str> = filter.split_whitespace().collect();
    let objects = &state.objects;
    let timings = &state.timings;
    let unparsed: Vec<ResourceRef> = state
        .invalid
        .keys()
        .filter(|r| {
            let hay = format!(
                "{} {} {} invalid",
                r.kind,
                r.kind.abbrev(),
                r.namespaced_name()
            )
            .to_lowercase();
            words.iter().all(|w| hay.contains(w))
        })
        .cloned()
        .collect();
    state.timings_list.refresh(
        &state.timings,
        &filter,
        |r| {
            objects.get(r).is_some_and(|e| {
                let flags = timings.get(r).map_or_else(String::new, flag_words);
                words.iter().all(|w| {
                    super::command::term_matches(w, r.kind, &e.search_text) || flags.contains(w)
                })
            })
        },
        unparsed,
    );
}

/// The flag words of an object's timings, for the filter.
fn flag_words(t: &crate::timing::ObjectTiming) -> String {
    let f = t.flags;
    let mut words = Vec::new();
    if f.stuck.is_some() {
        words.push(FlagView::Stuck.label());
    }
    if f.overdue {
        words.push(FlagView::Overdue.label());
    }
    if f.slow {
        words.push(FlagView::Slow.label());
    }
    if t.facts.suspended {
        words.push("paused");
    }
    words.join(" ")
}

/// The timings list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimingsView {
    pub title: String,
    pub sort: SortKey,
    /// The visible rows.
    pub rows: Vec<TimingRowView>,
    /// Index of the first visible row among all rows.
    pub first_row: usize,
    pub total_rows: usize,
    /// Index of the selected row among `rows`, when visible.
    pub selected: Option<usize>,
    /// Width of each column, sized to the visible rows and the pane (names are already shortened to theirs).
    pub columns: TimingColumns,
}

/// Widths of the timings list's columns (the status glyph takes one more, and one space separates columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimingColumns {
    pub kind: u16,
    pub name: u16,
    pub last: u16,
    pub p95: u16,
    pub ok: u16,
    pub next: u16,
    pub flags: u16,
}

/// The headings of the columns; the sorted one ends with `▼`.
#[must_use]
pub fn headings(sort: SortKey) -> [String; 7] {
    let mark = |key: SortKey, text: &str| {
        if key == sort {
            format!("{text}▼")
        } else {
            text.to_owned()
        }
    };
    [
        "kind".to_owned(),
        "name".to_owned(),
        mark(SortKey::LastDuration, "last"),
        mark(SortKey::P95, "p95"),
        mark(SortKey::SinceSuccess, "ok"),
        mark(SortKey::OverdueBy, "next"),
        mark(SortKey::Flags, "flags"),
    ]
}

/// The flags of a row as drawn: labels separated by a space.
#[must_use]
pub fn flags_text(flags: &[FlagView]) -> String {
    flags
        .iter()
        .map(|f| f.label())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Fewest columns a name keeps before the flags give up room.
const MIN_NAME: usize = 16;

/// Sizes the columns to their widest heading or value among `rows`, in a pane `width` columns wide (`None`:
/// unknown, every column as wide as its content): the name takes what the others leave (never more than its
/// longest value), down to [`MIN_NAME`]; below that the flags give up room. Names are shortened to their column
/// (the namespace first, else the middle: `crate::layout::fit::name`).
fn size_columns(rows: &mut [TimingRowView], sort: SortKey, width: Option<usize>) -> TimingColumns {
    use crate::layout::fit::{name as fit_name, width as w};
    let head = headings(sort);
    let widest = |i: usize, value: &dyn Fn(&TimingRowView) -> usize| {
        rows.iter().map(value).max().unwrap_or(0).max(w(&head[i]))
    };
    let kind = widest(0, &|r| w(r.kind));
    let name = widest(1, &|r| w(&r.name));
    let last = widest(2, &|r| w(&r.last));
    let p95 = widest(3, &|r| w(&r.p95));
    let ok = widest(4, &|r| w(&r.since_ok));
    let next = widest(5, &|r| w(&r.next));
    let mut flags = widest(6, &|r| w(&flags_text(&r.flags)));
    // Glyph, then seven more columns, each after a one-column gap.
    let fixed = 1 + 7 + kind + last + p95 + ok + next;
    let name = match width {
        None => name,
        Some(width) => {
            let room = width.saturating_sub(fixed + flags);
            if room >= MIN_NAME.min(name) {
                room.min(name)
            } else {
                let name = MIN_NAME.min(name);
                flags = width.saturating_sub(fixed + name);
                name
            }
        }
    };
    for r in rows.iter_mut() {
        r.name = fit_name(&r.name, name).into_owned();
    }
    let col = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
    TimingColumns {
        kind: col(kind),
        name: col(name),
        last: col(last),
        p95: col(p95),
        ok: col(ok),
        next: col(next),
        flags: col(flags),
    }
}

/// A flag shown on a row or in the detail pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagView {
    Overdue,
    Stuck,
    Slow,
    Suspended,
}

impl FlagView {
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            FlagView::Overdue => "overdue",
            FlagView::Stuck => "stuck",
            FlagView::Slow => "slow",
            FlagView::Suspended => "suspended",
        }
    }
}

/// One row of the timings list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimingRowView {
    pub health: Option<Health>,
    pub kind: &'static str,
    pub name: String,
    pub last: String,
    pub p95: String,
    pub since_ok: String,
    /// `in 3m`, `due`, `late 12m`, `run 4m` (a run in progress), `paused`, `-`.
    pub next: String,
    pub flags: Vec<FlagView>,
}

/// Builds the timings list (only the rows of the window; `height` = rows that fit, `None` = all).
#[must_use]
pub fn build(state: &mut State, height: Option<usize>, now: Timestamp) -> TimingsView {
    refresh(state);
    let window = state.timings_list.window(height);
    let state: &State = state;
    let list = &state.timings_list;
    let selected = list
        .selected_index()
        .filter(|i| window.contains(i))
        .map(|i| i - window.start);
    let mut rows: Vec<TimingRowView> = list
        .rows()
        .get(window.clone())
        .unwrap_or_default()
        .iter()
        .map(|r| match state.timings.get(r) {
            Some(t) => row(state, r, t.assess(now)),
            None => unparsed_row(r),
        })
        .collect();
    // The pane: beside the detail pane on a wide terminal when there is a row to detail.
    let pane = (state.width > 0).then(|| {
        let detail = state.detail_visible && !list.rows().is_empty();
        usize::from(crate::layout::list_width(state.width, detail))
    });
    let columns = size_columns(&mut rows, list.sort, pane);
    TimingsView {
        title: format!(
            " Timings ({}) · sorted by {} ",
            list.rows().len(),
            list.sort.label()
        ),
        sort: list.sort,
        rows,
        first_row: window.start,
        total_rows: list.rows().len(),
        selected,
        columns,
    }
}

/// One row of the timings list (also the fleet overview's timings of every cluster).
#[must_use]
pub fn row(state: &State, r: &ResourceRef, a: Assessment) -> TimingRowView {
    TimingRowView {
        health: state.objects.get(r).map(|e| e.status.health),
        kind: r.kind.abbrev(),
        name: sanitize_name(&r.namespaced_name()).into_owned(),
        last: a.last_duration.map_or_else(dash, short_duration),
        p95: a.p95.map_or_else(dash, short_duration),
        since_ok: a.since_success.map_or_else(dash, age),
        next: next_text(&a, state.timings.now()),
        flags: flags(&a),
    }
}

/// An object that could not be parsed: no timings, counted like every object.
fn unparsed_row(r: &ResourceRef) -> TimingRowView {
    TimingRowView {
        health: None,
        kind: r.kind.abbrev(),
        name: sanitize_name(&r.namespaced_name()).into_owned(),
        last: dash(),
        p95: dash(),
        since_ok: dash(),
        next: dash(),
        flags: Vec::new(),
    }
}

fn dash() -> String {
    "-".to_owned()
}

fn flags(a: &Assessment) -> Vec<FlagView> {
    let mut out = Vec::new();
    if a.overdue_by.is_some() {
        out.push(FlagView::Overdue);
    }
    if a.stuck.is_some() {
        out.push(FlagView::Stuck);
    }
    if a.slow {
        out.push(FlagView::Slow);
    }
    if a.suspended {
        out.push(FlagView::Suspended);
    }
    out
}

fn next_text(a: &Assessment, now: Option<Timestamp>) -> String {
    if a.suspended {
        return "paused".to_owned();
    }
    if let Some(late) = a.overdue_by {
        return format!("late {}", age(late));
    }
    if let Some(running) = a.running_for {
        return format!("run {}", age(running));
    }
    match (a.next_due, now) {
        (Some(due), Some(now)) => crate::timing::rules::elapsed(now, due)
            .filter(|d| !d.is_zero())
            .map_or_else(|| "due".to_owned(), |d| format!("in {}", age(d))),
        _ => dash(),
    }
}

/// The timing block of the detail pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimingDetailView {
    /// `last 8m0s · p50 2.1s · p95 8m0s · 6 runs`
    pub summary: String,
    /// `ok 5m ago · next in 52m`, or `ok 1h ago · running for 3m (timeout 15m0s)`
    pub schedule: String,
    /// Flags with why: `stuck: reconciling past its timeout for 16m`.
    pub flags: Vec<(FlagView, String)>,
    /// Recent durations, oldest first, in milliseconds (the sparkline).
    pub durations_ms: Vec<u64>,
}

/// The timing block for `r`, when there is something to show (durations or a flag).
#[must_use]
pub fn detail(state: &State, r: &ResourceRef, now: Timestamp) -> Option<TimingDetailView> {
    let t = state.timings.get(r)?;
    let a = t.assess(now);
    let flags: Vec<(FlagView, String)> = flags(&a)
        .into_iter()
        .filter(|f| *f != FlagView::Suspended)
        .map(|f| {
            let why = match f {
                FlagView::Overdue => format!(
                    "overdue: next run was due {} ago",
                    a.overdue_by.map_or_else(dash, age)
                ),
                FlagView::Stuck => a.stuck.map_or_else(dash, |(why, for_)| {
                    format!("stuck: {} for {}", why.label(), age(for_))
                }),
                FlagView::Slow => "slow: last run far above its own history".to_owned(),
                FlagView::Suspended => String::new(),
            };
            (f, why)
        })
        .collect();
    if t.ring.is_empty() && flags.is_empty() {
        return None;
    }
    let mut summary = vec![format!(
        "last {}",
        a.last_duration.map_or_else(dash, short_duration)
    )];
    if let (Some(p50), Some(p95)) = (a.p50, a.p95) {
        summary.push(format!("p50 {}", short_duration(p50)));
        summary.push(format!("p95 {}", short_duration(p95)));
    }
    summary.push(match a.samples {
        1 => "1 run".to_owned(),
        n => format!("{n} runs"),
    });
    let ok = a
        .since_success
        .map_or_else(|| "never seen".to_owned(), |d| format!("{} ago", age(d)));
    let schedule = match a.running_for {
        Some(running) => format!(
            "ok {ok} · running for {} (timeout {})",
            age(running),
            short_duration(a.timeout)
        ),
        None => format!("ok {ok} · next {}", next_text(&a, Some(now))),
    };
    Some(TimingDetailView {
        summary: summary.join(" · "),
        schedule,
        flags,
        durations_ms: t
            .ring
            .iter()
            .map(|s| u64::try_from(s.took.as_millis()).unwrap_or(u64::MAX))
            .collect(),
    })
}

/// `2 overdue · 1 stuck · 3 slow` parts with a count, for the status bar.
#[must_use]
pub fn totals_text(totals: Totals) -> Vec<(FlagView, usize)> {
    [
        (FlagView::Overdue, totals.overdue),
        (FlagView::Stuck, totals.stuck),
        (FlagView::Slow, totals.slow),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .collect()
}

/// A duration in a few characters: `850µs`, `176ms`, `2.8s`, `8m0s`, `1h2m`.
#[must_use]
pub fn short_duration(d: Duration) -> String {
    let ms = d.as_millis();
    match d.as_secs() {
        0 if ms == 0 => format!("{}µs", d.as_micros()),
        0 => format!("{ms}ms"),
        s if s < 10 => format!("{}.{}s", s, d.subsec_millis() / 100),
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{}s", s / 60, s % 60),
        s => format!("{}h{}m", s / 3600, (s / 60) % 60),
    }
}

/// An elapsed time kubectl style: `45s`, `12m`, `5h`, `3d`.
#[must_use]
pub fn age(d: Duration) -> String {
    match d.as_secs() {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3_600),
        s => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_durations_stay_short_and_readable() {
        let cases = [
            (Duration::from_micros(850), "850µs"),
            (Duration::from_nanos(176_163_666), "176ms"),
            (Duration::from_nanos(2_818_583_000), "2.8s"),
            (Duration::from_secs(42), "42s"),
            (Duration::from_secs(480), "8m0s"),
            (Duration::from_secs(3720), "1h2m"),
        ];
        for (d, want) in cases {
            assert_eq!(short_duration(d), want);
        }
    }
}

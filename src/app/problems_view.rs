//! The Problems screen's view model: the visible rows only (kind, name, why, the diagnosis headline, since when,
//! how many objects wait behind it), and the list of waiting objects the detail pane shows for the selected
//! problem. Every string from the cluster is sanitised here.

use super::problems::{Problem, ProblemKind, waiting_behind};
use super::state::{KindState, State};
use super::timings_view::age as elapsed_age;
use super::view::{age, glyph, graph_health};
use crate::diagnosis::diagnose_object;
use crate::diagnosis::object::failing_condition;
use crate::flux::{Health, ResourceRef};
use crate::text::sanitize_line;
use k8s_openapi::jiff::Timestamp;

/// Waiting objects listed in the detail pane at most (the rest are counted).
pub const WAITING_SHOWN: usize = 50;

/// The Problems list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemsView {
    pub title: String,
    pub rows: Vec<ProblemRowView>,
    /// Index of the first visible row among all rows.
    pub first_row: usize,
    pub total_rows: usize,
    /// Index of the selected row among `rows`, when visible.
    pub selected: Option<usize>,
    /// What the empty list means (still syncing, or nothing wrong).
    pub empty: String,
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemRowView {
    pub health: Option<Health>,
    /// The kind's full name (`GitRepository`) and its abbreviation (`Git`, used when the name would not fit).
    pub kind: &'static str,
    pub kind_short: &'static str,
    pub name: String,
    /// `failing`, `stalled`, `stuck, overdue` …
    pub what: String,
    /// The diagnosis headline (failing, stalled) or what the timings say (stuck, overdue).
    pub headline: String,
    /// How long it has been so (`12m`; failing: since its last success), `-` when unknown.
    pub since: String,
    /// Objects waiting behind it (0: none).
    pub waiting: usize,
}

/// Lines each problem takes on screen (the object and why; the headline).
pub const LINES_PER_PROBLEM: usize = 2;

/// Builds the list (only the problems of the window; `height` = screen rows that fit, `None` = all).
#[must_use]
pub fn build(state: &mut State, height: Option<usize>, now: Timestamp) -> ProblemsView {
    super::problems::refresh(state);
    let window = state.problems.window(height.map(|h| h / LINES_PER_PROBLEM));
    let selected_index = state.problems.selected_index();
    let state: &State = state;
    let list = state.problems.list();
    let rows = list
        .get(window.clone())
        .unwrap_or_default()
        .iter()
        .map(|p| row(state, p, now))
        .collect();
    let syncing = state.kinds.values().any(|k| *k == KindState::Pending);
    let empty = if syncing {
        "Listing the cluster… problems appear as soon as they are seen."
    } else {
        "Nothing is wrong: no object is failing, stalled, stuck or overdue, and nothing waits on a missing or suspended object."
    };
    ProblemsView {
        title: format!(" Problems ({}) ", list.len()),
        rows,
        first_row: window.start,
        total_rows: list.len(),
        selected: selected_index
            .filter(|i| window.contains(i))
            .map(|i| i - window.start),
        empty: empty.to_owned(),
    }
}

/// The row of one problem (also the wall's, `watch::view`).
#[must_use]
pub fn row(state: &State, p: &Problem, now: Timestamp) -> ProblemRowView {
    let r = &p.target;
    let mut what = vec![p.kind.label()];
    if p.stuck && p.kind != ProblemKind::Stuck {
        what.push(ProblemKind::Stuck.label());
    }
    if p.overdue && p.kind != ProblemKind::Overdue {
        what.push(ProblemKind::Overdue.label());
    }
    let (headline, since) = explain(state, p, now);
    ProblemRowView {
        health: graph_health(state, r),
        kind: r.kind.as_str(),
        kind_short: r.kind.abbrev(),
        name: sanitize_line(&r.namespaced_name()).into_owned(),
        what: what.join(", "),
        headline: sanitize_line(&headline).into_owned(),
        since,
        waiting: p.blast,
    }
}

/// The headline and "since" of one problem.
fn explain(state: &State, p: &Problem, now: Timestamp) -> (String, String) {
    let dash = || "-".to_owned();
    let object = state.objects.get(&p.target).map(|e| &e.object);
    let assessment = state.timings.get(&p.target).map(|t| t.assess(now));
    match p.kind {
        ProblemKind::Stalled | ProblemKind::Failing => {
            let Some(obj) = object else {
                return (p.kind.label().to_owned(), dash());
            };
            let headline = diagnose_object(obj).map_or_else(
                || {
                    state
                        .objects
                        .get(&p.target)
                        .map(|e| e.status.reason.clone())
                        .unwrap_or_default()
                },
                |d| d.headline(),
            );
            // Broken since the last success seen (a controller resets Ready at every retry, so the failure
            // condition only dates the latest attempt); that condition's time when no success is known.
            let since = match assessment.and_then(|a| a.since_success) {
                Some(d) => elapsed_age(d),
                None => failing_condition(obj)
                    .and_then(|c| c.last_transition_time.as_deref())
                    .map_or_else(dash, |t| age(now, t)),
            };
            (headline, since)
        }
        ProblemKind::Missing => ("referenced, but not in the cluster".to_owned(), dash()),
        ProblemKind::Stuck => match assessment.and_then(|a| a.stuck) {
            Some((why, for_)) => (why.label().to_owned(), elapsed_age(for_)),
            None => ("stuck".to_owned(), dash()),
        },
        ProblemKind::Overdue => match assessment.and_then(|a| a.overdue_by) {
            Some(late) => (
                format!(
                    "next run was due {} ago; nothing has run since",
                    elapsed_age(late)
                ),
                elapsed_age(late),
            ),
            None => ("overdue".to_owned(), dash()),
        },
        // The API does not say since when an object is suspended (its conditions are older).
        ProblemKind::Suspended => {
            let n = p.blocked;
            let objects = if n == 1 {
                "object waits"
            } else {
                "objects wait"
            };
            (format!("suspended: {n} {objects} for it to resume"), dash())
        }
    }
}

/// The detail pane's "waiting behind it" lines for `r` (`glyph Kind/ns/name`, held-up objects first, at most
/// [`WAITING_SHOWN`] and a line counting the rest) and how many objects wait.
#[must_use]
pub fn waiting_lines(state: &State, r: &ResourceRef) -> (Vec<String>, usize) {
    let all = waiting_behind(state, r);
    let mut lines: Vec<String> = all
        .iter()
        .take(WAITING_SHOWN)
        .map(|w| {
            let g = glyph(graph_health(state, w));
            format!("{g} {}", sanitize_line(&w.to_string()))
        })
        .collect();
    if all.len() > WAITING_SHOWN {
        lines.push(format!("… {} more", all.len() - WAITING_SHOWN));
    }
    (lines, all.len())
}

//! The fleet overview's view model, pure: a title line, one row per cluster (its state — live, stale since,
//! unreachable since, connecting, credentials rejected —, its API latency, the objects per status, how many root
//! causes and the worst one), then the root causes of every cluster with the cluster named on every row (the
//! Problems screen's rows, `app::problems_view::row`). Every line is fitted to the width; cluster text is
//! sanitised. Drawn by `ui::fleet` in the console and on the wall's combined page.

use super::{Fleet, Link, link_of};
use crate::app::State;
use crate::app::problems::ProblemKind;
use crate::app::problems_view::row;
use crate::app::view::glyph;
use crate::flux::Health;
use crate::layout::fit;
use crate::text::sanitize_line;
use crate::watch::view::{Line, Role, Seg, fit_line};
use k8s_openapi::jiff::Timestamp;
use std::time::Duration;

/// The statuses counted per cluster, in the order shown.
pub const COUNTED: [Health; 6] = [
    Health::Ready,
    Health::Failing,
    Health::Stalled,
    Health::Blocked,
    Health::InProgress,
    Health::Suspended,
];

/// Columns of one count (narrow terminals: [`COUNT_WIDTH_NARROW`]).
const COUNT_WIDTH: usize = 6;
const COUNT_WIDTH_NARROW: usize = 4;
/// Below this width the columns are narrower and the state says `UNREACHABLE 10:42` without "since".
const WIDE: usize = 120;

/// What is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetView {
    /// `FLEET · 3 clusters · 2 live · 1 unreachable`, and the keys.
    pub title: Line,
    /// The table's header and one row per cluster.
    pub table: Vec<Line>,
    /// The selected row of `table` (after the header), when the overview is interactive.
    pub selected: Option<usize>,
    /// `ROOT CAUSES · every cluster` and its rows, as many as fit (in the console, the list of every cluster
    /// the cursor is in: `fleet::every`).
    pub causes: Vec<Line>,
    /// The line of `causes` under the cursor, when the cursor is in a list.
    pub list_selected: Option<usize>,
    /// How many root causes every cluster has.
    pub causes_total: usize,
}

pub(super) fn seg(role: Role, text: impl Into<String>) -> Seg {
    Seg {
        role,
        text: text.into(),
    }
}

pub(super) fn pad(text: &str, width: usize) -> String {
    let cut = fit::end(text, width);
    let w = fit::width(&cut);
    format!("{cut}{}", " ".repeat(width.saturating_sub(w)))
}

fn hh_mm(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "?".to_owned(), |t| t.strftime("%H:%M").to_string())
}

/// One cluster as the overview reads it.
pub struct Row<'a> {
    pub name: &'a str,
    pub state: &'a mut State,
    pub latency: Option<&'a Result<Duration, String>>,
}

/// The state column: word and role.
fn link_text(state: &State, wide: bool) -> (String, Role) {
    let since = if wide { " since " } else { " " };
    match link_of(state) {
        Link::Live => ("LIVE".to_owned(), Role::Live),
        Link::Connecting => ("connecting".to_owned(), Role::Dim),
        Link::Stale(s) => (format!("STALE{since}{}", hh_mm(s.since)), Role::Error),
        Link::Unreachable(s) => (format!("UNREACHABLE{since}{}", hh_mm(s.since)), Role::Error),
        Link::Rejected(_) => ("CREDENTIALS REJECTED".to_owned(), Role::Error),
    }
}

fn latency_text(latency: Option<&Result<Duration, String>>) -> String {
    match latency {
        None => "-".to_owned(),
        Some(Ok(d)) if d.as_millis() >= 1000 => format!("{:.1} s", d.as_secs_f64()),
        Some(Ok(d)) if d.as_millis() == 0 => "<1 ms".to_owned(),
        Some(Ok(d)) => format!("{} ms", d.as_millis()),
        Some(Err(_)) => "no answer".to_owned(),
    }
}

/// One root cause's row: its cluster (padded to `name_w`), status, kind, name, what, how many wait, headline.
pub(super) fn cause_line(
    cluster: &str,
    name_w: usize,
    r: &crate::app::problems_view::ProblemRowView,
    width: usize,
) -> Line {
    let mut cause = vec![seg(Role::Text, format!("  {} ", pad(cluster, name_w)))];
    cause.extend(crate::watch::view::cause_head(r));
    cause.push(seg(Role::Text, format!(" — {}", r.headline)));
    fit_line(cause, width)
}

/// The width of the cluster column: the longest name, between 7 and 32 columns (12 below [`WIDE`]).
pub(super) fn cluster_width<'a>(names: impl Iterator<Item = &'a str>, width: usize) -> usize {
    names
        .map(|n| fit::width(&sanitize_line(n)))
        .max()
        .unwrap_or(7)
        .clamp(7, if width >= WIDE { 32 } else { 12 })
}

/// Builds the overview for `width` x `height` (`interactive`: the console's, with a selected row and keys).
#[must_use]
pub fn build(
    fleet: &mut Fleet,
    now: Timestamp,
    width: u16,
    height: u16,
    interactive: bool,
) -> FleetView {
    let focus = fleet
        .focused()
        .map(|m| sanitize_line(&m.name).into_owned())
        .unwrap_or_default();
    let selected = interactive.then_some(fleet.selected);
    let mut rows: Vec<Row<'_>> = fleet
        .members
        .iter_mut()
        .map(|m| Row {
            name: &m.name,
            state: &mut m.state,
            latency: m.latency.as_ref(),
        })
        .collect();
    let keys = interactive
        .then(|| format!(" · screens show {focus} · enter: show the selected · esc: back"));
    let mut view = build_rows(&mut rows, now, width, height, selected, keys);
    if interactive {
        let width = usize::from(width);
        if fleet.every.section == super::every::Section::Clusters {
            let total = view.causes_total;
            if let Some(t) = view.causes.first_mut() {
                *t = super::every_view::title(
                    super::every::Section::Clusters,
                    total,
                    None,
                    fleet.every.sort,
                    width,
                );
            }
        } else {
            // Title + blank + table + blank: the rest is the list's.
            let room = usize::from(height).saturating_sub(view.table.len() + 3);
            let (lines, at) = super::every_view::list(fleet, now, width, room);
            view.causes = lines;
            view.list_selected = at;
            view.selected = None;
        }
    }
    view
}

/// The overview of `rows` (`selected`: the row marked; `keys`: what the title says after the counts).
#[must_use]
pub fn build_rows(
    rows: &mut [Row<'_>],
    now: Timestamp,
    width: u16,
    height: u16,
    selected: Option<usize>,
    keys: Option<String>,
) -> FleetView {
    let width = usize::from(width);
    let name_w = cluster_width(rows.iter().map(|m| m.name), width);
    let wide = width >= WIDE;
    let state_w = if wide { 24 } else { 17 };
    let latency_w = if wide { 10 } else { 9 };
    let count_w = if wide {
        COUNT_WIDTH
    } else {
        COUNT_WIDTH_NARROW
    };
    let mut live = 0;
    let mut down = 0;
    for m in rows.iter() {
        match link_of(m.state) {
            Link::Live => live += 1,
            Link::Unreachable(_) | Link::Rejected(_) => down += 1,
            Link::Stale(_) | Link::Connecting => {}
        }
    }
    let n = rows.len();
    let mut title = vec![
        seg(Role::Title, "FLEET"),
        seg(
            Role::Text,
            format!(
                " · {n} cluster{} · {live} live",
                if n == 1 { "" } else { "s" }
            ),
        ),
    ];
    if down > 0 {
        title.push(seg(Role::Error, format!(" · {down} unreachable")));
    }
    if let Some(keys) = keys {
        title.push(seg(Role::Dim, keys));
    }
    let title = fit_line(title, width);

    let mut header = vec![
        seg(Role::Title, format!("  {} ", pad("CLUSTER", name_w))),
        seg(Role::Title, format!("{} ", pad("STATE", state_w))),
        seg(Role::Title, format!("{} ", pad("LATENCY", latency_w))),
    ];
    for h in COUNTED {
        header.push(seg(
            Role::Health(h),
            format!("{:>w$}", glyph(Some(h)), w = count_w),
        ));
    }
    header.push(seg(
        Role::Title,
        if wide { "  ROOT CAUSES" } else { "  CAUSES" },
    ));
    let mut table = vec![fit_line(header, width)];

    let mut queues: Vec<Vec<Line>> = Vec::new();
    for (i, m) in rows.iter_mut().enumerate() {
        crate::app::problems::refresh(m.state);
        let name = sanitize_line(m.name).into_owned();
        let (state_text, state_role) = link_text(m.state, wide);
        let mark = if selected == Some(i) { "▶ " } else { "  " };
        let mut line = vec![
            seg(Role::Text, format!("{mark}{} ", pad(&name, name_w))),
            seg(state_role, format!("{} ", pad(&state_text, state_w))),
            seg(
                Role::Dim,
                format!("{} ", pad(&latency_text(m.latency), latency_w)),
            ),
        ];
        let counts = m.state.health_counts();
        for h in COUNTED {
            let c = counts.get(&h).copied().unwrap_or(0);
            let role = if c == 0 { Role::Dim } else { Role::Health(h) };
            line.push(seg(role, format!("{c:>w$}", w = count_w)));
        }
        let own: Vec<_> = m
            .state
            .problems
            .list()
            .iter()
            .filter(|p| !matches!(p.kind, ProblemKind::Stuck | ProblemKind::Overdue))
            .cloned()
            .collect();
        let worst = own.first().map(|p| row(m.state, p, now));
        line.push(seg(
            if own.is_empty() {
                Role::Dim
            } else {
                Role::Flag
            },
            format!("  {:>3}", own.len()),
        ));
        if let Some(w) = &worst {
            line.push(seg(Role::Text, format!(" {} {}", w.kind_short, w.name)));
        }
        table.push(fit_line(line, width));
        let mut queue = Vec::new();
        for p in &own {
            queue.push(cause_line(&name, name_w, &row(m.state, p, now), width));
        }
        queues.push(queue);
    }
    // The worst first across clusters would need one scale; each cluster's list is already worst first, so
    // they are interleaved cluster by cluster: every cluster's worst cause is on the first screen.
    let mut interleaved: Vec<Line> = Vec::new();
    let mut any = true;
    let mut depth = 0;
    while any {
        any = false;
        for q in &queues {
            if let Some(l) = q.get(depth) {
                interleaved.push(l.clone());
                any = true;
            }
        }
        depth += 1;
    }
    let total = interleaved.len();
    // Title + blank + table + blank + section title; the rest for the causes (the last row counts the rest).
    let room = usize::from(height).saturating_sub(table.len() + 4);
    let mut causes = vec![fit_line(
        vec![
            seg(Role::Title, "ROOT CAUSES"),
            seg(Role::Dim, format!(" · every cluster · {total}")),
        ],
        width,
    )];
    if total == 0 {
        causes.push(vec![seg(
            Role::Dim,
            "  none: nothing is broken by its own fault",
        )]);
    } else if total <= room {
        causes.extend(interleaved);
    } else {
        let shown = room.saturating_sub(1);
        causes.extend(interleaved.into_iter().take(shown));
        causes.push(vec![seg(
            Role::Dim,
            format!(
                "  … {} more (the Problems screen of each cluster has them all)",
                total - shown
            ),
        )]);
    }
    FleetView {
        title,
        table,
        selected,
        causes,
        list_selected: None,
        causes_total: total,
    }
}

//! View models: what `ui` draws, built from `State` and an explicit `now`. Every string taken from the cluster
//! passes through [`crate::text`] here, so `ui` only ever sees safe text.

use super::state::{KindState, Screen, State};
use super::topology::Topology;
use crate::config::{Mode, Theme};
use crate::flux::{Health, ResourceRef};
use crate::graph::NodeState;
use crate::text::{sanitize_line, sanitize_name};
use crate::timing::Flags;
use k8s_openapi::jiff::Timestamp;
use std::ops::Range;
use std::str::FromStr;

pub use super::dag_view::DagView;
pub use super::detail_view::{ConditionView, DetailView, DiagnosisView, EventView};
pub use super::inspect_view::{InspectLine, InspectView, Tone};
pub use super::problems_view::{ProblemRowView, ProblemsView};
pub use super::status_view::{
    Banner, BannerLevel, Connection, HelpSection, HelpView, StatusBarView, plural,
};
use super::status_view::{banners, help, status_bar};
pub use super::timings_view::{FlagView, TimingDetailView, TimingRowView, TimingsView};

/// Everything one frame shows.
#[derive(Debug, Clone)]
pub struct View<'a> {
    pub theme: &'a Theme,
    pub navigator: NavigatorView,
    /// The timings list, when it is the screen shown (instead of the tree).
    pub timings: Option<TimingsView>,
    pub detail: Option<DetailView>,
    pub detail_focused: bool,
    pub detail_scroll: u16,
    pub status: StatusBarView,
    pub banners: Vec<Banner>,
    pub help: Option<HelpView>,
    /// The DAG screen, when it is open (it replaces the tree and the detail pane).
    pub dag: Option<DagView>,
    /// The Problems list, when it is the screen shown (instead of the tree).
    pub problems: Option<ProblemsView>,
    /// The drill-down, when it is open (it replaces the main area).
    pub inspect: Option<InspectView>,
    /// The action menu, parameter form or confirm view, drawn over the screen.
    pub actions: Option<super::actions_view::ActionsOverlay>,
    /// The Jobs screen, when it is shown (it replaces the main area).
    pub jobs: Option<super::jobs_view::JobsView>,
    /// Key hints for the footer: (keys, what).
    pub hints: Vec<(String, String)>,
    /// What the tree and the DAG say when there is no object: names the namespace and suggests `-A` when the
    /// console watches one.
    pub empty: String,
    /// The runbook list, the start form or a walk, when shown (they replace the main area).
    pub runbooks: Option<super::runbooks_view::RunbooksScreen>,
    /// The snapshot screen, when shown (it replaces the main area).
    pub snapshots: Option<super::snapshots_view::SnapshotsView>,
    /// The `:` command line or the finder, when open (drawn at the foot, over the screen).
    pub prompt: Option<super::prompt_view::PromptView>,
    /// The copy menu, when open.
    pub copy: Option<super::prompt_view::CopyMenuView>,
}

/// The tree pane. Only the rows that fit on the screen are built (`rows`); a 10,000-object fleet costs what is
/// visible, not what is loaded.
#[derive(Debug, Clone)]
pub struct NavigatorView {
    pub title: String,
    /// The visible rows, top to bottom (a window of the tree's rows).
    pub rows: Vec<NodeView>,
    /// Index of the first of `rows` among all the tree's rows.
    pub first_row: usize,
    /// How many rows the whole tree has.
    pub total_rows: usize,
    /// A row is selected (draws the selection column even when the selected row is out of the window).
    pub has_selection: bool,
    /// The filter text, when a filter is set or being typed.
    pub filter: Option<String>,
    pub filter_editing: bool,
    /// Levels of indentation not drawn: in a deep part of the tree (a long `dependsOn` chain) the window's rows
    /// are indented relative to this depth, so they keep room for their text (the title says so).
    pub indent_from: usize,
}

/// Whether a row's node is a leaf, open (its children are the rows below it) or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    Leaf,
    Open,
    Closed,
}

/// One visible tree row.
#[derive(Debug, Clone)]
pub struct NodeView {
    pub id: ResourceRef,
    /// Distance from the root (roots are 0).
    pub depth: usize,
    pub fold: Fold,
    pub selected: bool,
    /// The object is shown (and opened) at its place elsewhere in the tree; this row only marks that it also
    /// hangs here.
    pub mark: bool,
    /// Marked for a bulk action (`app::marks`; not to be confused with `mark`).
    pub picked: bool,
    /// For a mark: `Kind/namespace/name` of the parent at the object's place (`None`: a root).
    pub placed_under: Option<String>,
    pub row: RowView,
}

/// The columns of one tree row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowView {
    /// `None` for objects that could not be parsed.
    pub health: Option<Health>,
    pub kind: &'static str,
    pub name: String,
    pub reason: String,
    /// `Kind/ns/name` of the root cause, for blocked rows.
    pub blocked_by: Option<String>,
    /// For a blocked row with no failing root cause: the first dependency that is not ready yet (it is still
    /// in progress, unknown …).
    pub waiting_on: Option<String>,
    /// Stuck or overdue (the timing rules, `crate::timing`), whatever the health says: the mark and its text
    /// (`stuck 4m`, `overdue 19m`).
    pub timing: Option<(TimingMark, String)>,
}

/// A timing flag marked on a tree row and a DAG box, next to the health glyph: a hung run reads `⟳` and an
/// unfetched source `✓` by health alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimingMark {
    /// A run, a request or a generation waiting past its timeout (`⧗`).
    Stuck,
    /// No run within interval + timeout (`◷`).
    Overdue,
}

impl TimingMark {
    /// The glyph (one cell wide).
    #[must_use]
    pub fn glyph(self) -> &'static str {
        match self {
            TimingMark::Stuck => "⧗",
            TimingMark::Overdue => "◷",
        }
    }

    /// The word.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            TimingMark::Stuck => "stuck",
            TimingMark::Overdue => "overdue",
        }
    }

    /// The mark of an object with these flags: stuck first (it names what hangs), then overdue.
    #[must_use]
    pub fn of(flags: Flags) -> Option<TimingMark> {
        if flags.stuck.is_some() {
            Some(TimingMark::Stuck)
        } else if flags.overdue {
            Some(TimingMark::Overdue)
        } else {
            None
        }
    }
}

/// The glyph shown before a row of this health.
#[must_use]
pub fn glyph(health: Option<Health>) -> &'static str {
    match health {
        Some(Health::Ready) => "✓",
        Some(Health::Failing) => "✗",
        Some(Health::Blocked) => "⊘",
        Some(Health::Stalled) => "‼",
        Some(Health::InProgress) => "⟳",
        Some(Health::Suspended) => "⏸",
        Some(Health::Unknown) => "?",
        None => "!",
    }
}

/// `HH:MM:SS` (UTC) of a timestamp.
#[must_use]
pub fn clock(t: Timestamp) -> String {
    t.strftime("%H:%M:%S").to_string()
}

/// Age of an RFC 3339 time relative to `now`, kubectl style (`45s`, `12m`, `5h`, `3d`).
#[must_use]
pub fn age(now: Timestamp, rfc3339: &str) -> String {
    let Ok(t) = Timestamp::from_str(rfc3339) else {
        return "?".to_owned();
    };
    let secs = now.duration_since(t).as_secs().max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3_600),
        s => format!("{}d", s / 86_400),
    }
}

/// Builds the view of one frame (rebuilding the tree first if the data changed).
#[must_use]
pub fn build(state: &mut State, now: Timestamp) -> View<'_> {
    super::update::refresh(state);
    let banners = banners(state);
    let filter = {
        let nav = &state.navigator;
        (nav.filter_editing || !nav.filter.is_empty())
            .then(|| sanitize_line(&nav.filter).into_owned())
    };
    // Unknown terminal size (no resize seen yet): every row.
    let height = (state.height > 0)
        .then(|| crate::layout::tree_rows(state.height, banners.len(), filter.is_some()));
    let window = state.navigator.window(height);
    let timings = (state.screen == Screen::Timings).then(|| {
        let rows = height.map(|h| h.saturating_sub(1)); // the header row
        super::timings_view::build(state, rows, now)
    });
    let dag = (state.screen == super::state::Screen::Dag).then(|| {
        // Unknown terminal size: a conventional 80x24.
        let (w, h) = match (state.width, state.height) {
            (0, _) | (_, 0) => (80, 24),
            size => size,
        };
        let (cw, ch) = crate::layout::dag_canvas_size(w, h, banners.len());
        super::dag_view::build(state, cw, ch)
    });
    let problems =
        (state.screen == Screen::Problems).then(|| super::problems_view::build(state, height, now));
    let state: &State = state;
    let selected = match state.screen {
        Screen::Timings => state.timings_list.selected_ref(),
        // The DAG screen draws its own side panel, the drill-down its own pages.
        Screen::Dag
        | Screen::Inspect
        | Screen::Jobs
        | Screen::Runbooks
        | Screen::Walk
        | Screen::Snapshots => None,
        Screen::Tree => state.selected(),
        Screen::Problems => state.problems.selected_ref(),
    };
    let mut detail = state
        .detail_visible
        .then(|| selected.map(|r| super::detail_view::build(state, r, now)))
        .flatten();
    if let (Some(d), Some(r), Screen::Problems) = (detail.as_mut(), selected, state.screen) {
        (d.waiting, d.waiting_total) = super::problems_view::waiting_lines(state, r);
    }
    View {
        theme: &state.theme,
        navigator: navigator(state, window, filter),
        timings,
        detail,
        detail_focused: state.mode() == Mode::Detail,
        detail_scroll: state.detail_scroll,
        status: status_bar(state),
        banners,
        help: state.help_open.then(|| help(state)),
        dag,
        problems,
        inspect: (state.screen == Screen::Inspect)
            .then(|| super::inspect_view::build(state, now))
            .flatten(),
        actions: super::actions_view::build(state),
        jobs: (state.screen == Screen::Jobs).then(|| super::jobs_view::build(state, now)),
        hints: super::hints::build(state),
        empty: empty_text(state),
        runbooks: super::runbooks_view::build(state, now),
        snapshots: (state.screen == Screen::Snapshots)
            .then(|| super::snapshots_view::build(state, now)),
        prompt: super::prompt_view::build(state),
        copy: super::prompt_view::copy_menu(state),
    }
}

/// See [`View::empty`].
fn empty_text(state: &State) -> String {
    let listing = state.kinds.values().any(|k| *k == KindState::Pending);
    match state.labels.namespace.as_deref() {
        Some(ns) => format!(
            "No Flux objects in namespace '{}'{}. Flux objects live in many namespaces: start fluxops with -A (or without -n) to see them all.",
            sanitize_line(ns),
            if listing { " (yet)" } else { "" }
        ),
        None => "No Flux objects (yet).".to_owned(),
    }
}

fn navigator(state: &State, window: Range<usize>, filter: Option<String>) -> NavigatorView {
    let nav = &state.navigator;
    let count = state.objects.len() + state.invalid.len();
    let all = nav.rows();
    let first_row = window.start;
    let rows: Vec<NodeView> = all
        .get(window)
        .unwrap_or_default()
        .iter()
        .map(|r| NodeView {
            row: row(state, r.object()),
            depth: r.depth,
            fold: if r.open {
                Fold::Open
            } else if r.expandable {
                Fold::Closed
            } else {
                Fold::Leaf
            },
            selected: nav.selected.as_ref() == Some(&r.key),
            mark: r.key.is_mark(),
            picked: state.actions.marks.contains(r.object()),
            placed_under: r
                .placed_under
                .as_ref()
                .map(|p| sanitize_line(&p.to_string()).into_owned()),
            id: r.key.object.clone(),
        })
        .collect();
    // At most a third of the pane's width goes to indentation (two columns a level).
    let levels = (state.width > 0).then(|| {
        let pane = crate::layout::list_width(state.width, state.detail_visible);
        usize::from(pane) / 6
    });
    let (min_depth, max_depth) = rows.iter().fold((usize::MAX, 0), |(lo, hi), n: &NodeView| {
        (lo.min(n.depth), hi.max(n.depth))
    });
    let indent_from = match levels {
        Some(levels) if max_depth > levels => min_depth.min(max_depth - levels),
        _ => 0,
    };
    let depth_note = if indent_from > 0 {
        format!("· from depth {indent_from} ")
    } else {
        String::new()
    };
    NavigatorView {
        title: format!(" {} ({count}) {depth_note}", nav.view.title()),
        rows,
        first_row,
        total_rows: all.len(),
        has_selection: nav.selected.is_some(),
        filter,
        filter_editing: nav.filter_editing,
        indent_from,
    }
}

/// The columns of one object's row.
#[must_use]
pub fn row(state: &State, r: &ResourceRef) -> RowView {
    let name = sanitize_name(&r.namespaced_name()).into_owned();
    let Some(entry) = state.objects.get(r) else {
        let (health, reason) = match (state.invalid.get(r), state.graph.placeholder(r)) {
            (Some(e), _) => (None, format!("invalid: {}", sanitize_line(e))),
            (None, Some(NodeState::Implied)) => (
                Some(Health::Unknown),
                "generated for a HelmRelease, not seen yet".to_owned(),
            ),
            (None, Some(NodeState::NoAccess)) => (
                Some(Health::Unknown),
                format!(
                    "unknown (no access): listing {} is forbidden",
                    plural(r.kind)
                ),
            ),
            (None, _) => (None, "missing: referenced but not found".to_owned()),
        };
        return RowView {
            health,
            kind: r.kind.abbrev(),
            name,
            reason,
            blocked_by: None,
            waiting_on: None,
            timing: None,
        };
    };
    let health = entry.status.health;
    let causes = if matches!(
        health,
        Health::Blocked | Health::Failing | Health::InProgress
    ) {
        Topology::root_causes(&state.graph, r)
    } else {
        Vec::new()
    };
    let blocked_by = causes.first().map(|c| {
        let more = match causes.len() {
            1 => String::new(),
            n => format!(" +{}", n - 1),
        };
        format!("{}{more}", sanitize_name(&c.to_string()))
    });
    let waiting_on = (health == Health::Blocked && blocked_by.is_none())
        .then(|| {
            state
                .graph
                .dependencies(r)
                .into_iter()
                .find(|d| graph_health(state, d) != Some(Health::Ready))
                .map(|d| sanitize_name(&d.to_string()).into_owned())
        })
        .flatten();
    let reason = match health {
        // The glyph says "blocked"; the root cause (or what it waits on) says by what.
        Health::Blocked if blocked_by.is_some() || waiting_on.is_some() => String::new(),
        Health::Ready => {
            short_revision(revision(&entry.object)) + &super::rollout_view::row_suffix(state, r)
        }
        _ => sanitize_line(&entry.status.reason).into_owned(),
    };
    // Shown from before its kind became unreadable: say so before anything else.
    let reason = if matches!(
        state.kinds.get(&r.kind),
        Some(KindState::Unavailable { .. })
    ) {
        if reason.is_empty() {
            "stale".to_owned()
        } else {
            format!("stale · {reason}")
        }
    } else {
        reason
    };
    RowView {
        health: Some(health),
        kind: r.kind.abbrev(),
        name,
        reason,
        blocked_by,
        waiting_on,
        timing: timing_mark(state, r),
    }
}

/// The stuck or overdue mark of `r` with its text (`stuck 4m`, `overdue 19m`), as of the last clock reading.
#[must_use]
pub fn timing_mark(state: &State, r: &ResourceRef) -> Option<(TimingMark, String)> {
    let flags = state.timings.flagged().get(r)?;
    let mark = TimingMark::of(*flags)?;
    let assessed = state
        .timings
        .now()
        .and_then(|now| Some(state.timings.get(r)?.assess(now)));
    let how_long = assessed.and_then(|a| match mark {
        TimingMark::Stuck => a.stuck.map(|(_, d)| d),
        TimingMark::Overdue => a.overdue_by,
    });
    let text = match how_long {
        Some(d) => format!("{} {}", mark.label(), super::timings_view::age(d)),
        None => mark.label().to_owned(),
    };
    Some((mark, text))
}

/// The health of a node of the graph (`None` for placeholders).
#[must_use]
pub fn graph_health(state: &State, r: &ResourceRef) -> Option<Health> {
    state.graph.node(r).and_then(|n| n.health)
}

/// The revision an object is at: applied (KS/HR) or stored artifact (sources).
#[must_use]
pub fn revision(obj: &crate::flux::FluxObject) -> &str {
    obj.status
        .last_applied_revision
        .as_deref()
        .or(obj.status.artifact.as_ref().map(|a| a.revision.as_str()))
        .unwrap_or_default()
}

/// A revision with long hex digests cut to 12 digits, like the flux CLI (`main@sha1:8e4ad3a9f6c1`).
#[must_use]
pub fn short_revision(rev: &str) -> String {
    let safe = sanitize_line(rev);
    match safe.split_once(':') {
        Some((head, hex)) if hex.len() > 12 && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
            format!("{head}:{}", &hex[..12])
        }
        _ => safe.into_owned(),
    }
}

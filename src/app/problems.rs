//! The Problems screen (key `0`, and where the console opens when something is wrong): the root causes only,
//! worst first, answering "what is broken and why" with zero keys. This file holds its state (the cached list,
//! the selection, the opening rule) and the list itself ([`find`]); `problems_view` builds what is drawn.
//!
//! A problem is an object that is broken **by its own fault** (the product's one definition,
//! `Graph::root_causes`) or that the timings flag while nothing upstream of it is broken:
//! - **stalled** or **failing** objects that are their own root cause (a failing object behind a broken upstream
//!   is not listed: its upstream is);
//! - **missing** objects (dangling references) and **suspended** ones, when something waits behind them (some
//!   object's root causes name them);
//! - **stuck** or **overdue** objects (`timing::Timings` flags) with no broken upstream and not merely waiting
//!   on a dependency (`Blocked`).
//!
//! Order: blast radius first (how many objects wait on it, directly or transitively: `Graph::blast_radius`),
//! then severity (stalled, failing, missing, stuck, overdue, suspended), then name.
//!
//! Cost: [`find`] is one pass over the graph's cached root causes (the not-ready nodes only), one over the
//! flagged (stuck or overdue) objects, and a blast-radius count per problem (a graph walk with reused buffers;
//! the screen keeps the counts in a [`BlastCache`] while the waits-on edges stay the same, so a health change
//! walks only for problems it has not counted). It runs only when the list is stale:
//! `State` marks it on a health, edge or object-set change (what can change membership or blast radius), and
//! the timings' flags are followed at most once per clock reading (as the timings list does). Frames build
//! the visible rows only (`problems_view`). docs/performance.md has the figures (`benches/problems.rs`).
//!
//! The opening rule ([`maybe_open`]): from the moment every kind has been listed (or found unavailable) until the
//! user presses a first key, the console shows the Problems screen as soon as the list is not empty (checked when
//! a kind's listing settles and at every clock tick). It never switches back by itself, and never after a key:
//! a fresh cluster whose failures appear seconds after the start (the demo) opens on them too.

use super::action::Action;
use super::state::{Focus, KindState, Screen, State};
use crate::flux::{Health, ResourceRef};
use crate::graph::{Graph, NodeState};
use crate::timing::Timings;
use k8s_openapi::jiff::Timestamp;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Why an object is on the Problems screen (the most severe reason first in `Ord`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProblemKind {
    Stalled,
    Failing,
    /// Referenced but not in the cluster.
    Missing,
    Stuck,
    Overdue,
    /// Suspended with objects waiting behind it.
    Suspended,
}

impl ProblemKind {
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            ProblemKind::Stalled => "stalled",
            ProblemKind::Failing => "failing",
            ProblemKind::Missing => "missing",
            ProblemKind::Stuck => "stuck",
            ProblemKind::Overdue => "overdue",
            ProblemKind::Suspended => "suspended",
        }
    }
}

/// One root cause on the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub target: ResourceRef,
    /// The most severe reason.
    pub kind: ProblemKind,
    /// Also flagged by the timings (a failing object can be overdue too).
    pub stuck: bool,
    pub overdue: bool,
    /// How many objects wait on it, directly or transitively.
    pub blast: usize,
    /// How many of those are held up by it (their root causes name it).
    pub blocked: usize,
}

/// The problems of the fleet, worst first (see the module doc), every blast radius counted afresh.
#[must_use]
pub fn find(graph: &Graph, timings: &Timings) -> Vec<Problem> {
    find_with(graph, timings, &mut BlastCache::default())
}

/// [`find`], with blast radii kept in `cache` from one call to the next while the graph's waits-on edges stay
/// the same (a health change, the usual reason to rebuild the list, changes none).
pub fn find_with(graph: &Graph, timings: &Timings, cache: &mut BlastCache) -> Vec<Problem> {
    // Only not-ready nodes have root causes: one pass over them, not over the whole graph.
    let mut own: Vec<(&ResourceRef, ProblemKind)> = Vec::new();
    let mut blocked: HashMap<&ResourceRef, usize> = HashMap::new();
    for (r, causes) in graph.root_cause_entries() {
        for cause in causes {
            if cause != r {
                *blocked.entry(cause).or_default() += 1;
                continue;
            }
            let Some(node) = graph.node(r) else { continue };
            let kind = match (node.state, node.health) {
                (NodeState::Dangling, _) => Some(ProblemKind::Missing),
                (_, Some(Health::Stalled)) => Some(ProblemKind::Stalled),
                (_, Some(Health::Failing)) => Some(ProblemKind::Failing),
                (_, Some(Health::Suspended)) => Some(ProblemKind::Suspended),
                _ => None,
            };
            own.extend(kind.map(|k| (&node.rref, k)));
        }
    }
    let mut found: HashMap<&ResourceRef, Problem> = HashMap::new();
    for (r, kind) in own {
        let held = blocked.get(r).copied().unwrap_or(0);
        let needs_waiters = matches!(kind, ProblemKind::Missing | ProblemKind::Suspended);
        if !needs_waiters || held > 0 {
            found.insert(r, problem(r, kind, held));
        }
    }
    // The stuck and overdue objects only (the timings keep them apart), not every object's timings.
    for (r, flags) in timings.flagged() {
        let (stuck, overdue) = (flags.stuck.is_some(), flags.overdue);
        if !(stuck || overdue) {
            continue;
        }
        let Some(node) = graph.node(r) else { continue };
        if let Some(p) = found.get_mut(&node.rref) {
            p.stuck |= stuck;
            p.overdue |= overdue;
            continue;
        }
        // Waiting on a dependency, or held up by a broken upstream: its cause is elsewhere.
        let upstream_broken = graph.root_causes(r).iter().any(|c| c != r);
        if node.health == Some(Health::Blocked) || upstream_broken {
            continue;
        }
        let kind = if stuck {
            ProblemKind::Stuck
        } else {
            ProblemKind::Overdue
        };
        let mut p = problem(&node.rref, kind, blocked.get(r).copied().unwrap_or(0));
        p.stuck = stuck;
        p.overdue = overdue;
        found.insert(&node.rref, p);
    }
    cache.follow(graph);
    let mut bfs = Bfs::default();
    let mut list: Vec<Problem> = found
        .into_iter()
        .map(|(r, mut p)| {
            p.blast = match cache.counts.get(r) {
                Some(&n) => n,
                None => {
                    let n = bfs.count_waiting(graph, r);
                    cache.counts.insert(r.clone(), n);
                    n
                }
            };
            p
        })
        .collect();
    list.sort_by(|a, b| (b.blast, a.kind, &a.target).cmp(&(a.blast, b.kind, &b.target)));
    list
}

/// Blast radii (how many objects wait behind a node) as of one stamp of the graph's waits-on edges: they
/// depend on those edges alone, so they hold until an edge is added or removed.
#[derive(Debug, Clone, Default)]
pub struct BlastCache {
    generation: Option<u64>,
    counts: HashMap<ResourceRef, usize>,
}

impl BlastCache {
    /// Forgets every count when the graph's waits-on edges are not the ones they were counted on.
    fn follow(&mut self, graph: &Graph) {
        let now = graph.waits_generation().get();
        if self.generation != Some(now) {
            self.counts.clear();
            self.generation = Some(now);
        }
    }
}

/// Buffers reused by every blast-radius count of one [`find`].
#[derive(Default)]
struct Bfs<'g> {
    seen: HashSet<&'g ResourceRef>,
    queue: Vec<&'g ResourceRef>,
}

impl<'g> Bfs<'g> {
    /// How many objects wait on `start`, directly or transitively (`Graph::blast_radius(start).len()`, without
    /// building and sorting the list).
    fn count_waiting(&mut self, graph: &'g Graph, start: &'g ResourceRef) -> usize {
        self.seen.clear();
        self.queue.clear();
        self.queue.push(start);
        while let Some(r) = self.queue.pop() {
            for d in graph.waited_on_by(r) {
                if d != start && self.seen.insert(d) {
                    self.queue.push(d);
                }
            }
        }
        self.seen.len()
    }
}

fn problem(r: &ResourceRef, kind: ProblemKind, blocked: usize) -> Problem {
    Problem {
        target: r.clone(),
        kind,
        stuck: false,
        overdue: false,
        blast: 0,
        blocked,
    }
}

/// State of the Problems screen.
#[derive(Debug, Clone)]
pub struct ProblemsState {
    list: Vec<Problem>,
    /// The selected object (kept while the list changes).
    pub selected: Option<ResourceRef>,
    /// First row of the drawn window.
    pub offset: usize,
    /// The data changed in a way that can change the list.
    stale: bool,
    /// (timings version, clock) the list was computed at.
    seen: Option<(u64, Option<Timestamp>)>,
    /// The user pressed a key (or sent an action): the console no longer changes screens by itself.
    pub touched: bool,
    /// How many times the list was computed.
    computed: u64,
    /// Blast radii kept across recomputations while the waits-on edges stay the same.
    blast: BlastCache,
}

impl Default for ProblemsState {
    fn default() -> Self {
        Self {
            list: Vec::new(),
            selected: None,
            offset: 0,
            stale: true,
            seen: None,
            touched: false,
            computed: 0,
            blast: BlastCache::default(),
        }
    }
}

impl ProblemsState {
    /// Health, edges or the object set changed: the list is recomputed before it is next read.
    pub fn mark_stale(&mut self) {
        self.stale = true;
    }

    /// Recomputes the list if it is stale, or if the timings changed and the clock moved since.
    pub fn refresh(&mut self, graph: &Graph, timings: &Timings) {
        let data = (timings.version(), timings.now());
        let timings_moved = self
            .seen
            .is_none_or(|(version, now)| version != data.0 && now != data.1);
        if !self.stale && !timings_moved {
            return;
        }
        self.list = find_with(graph, timings, &mut self.blast);
        self.computed += 1;
        self.stale = false;
        self.seen = Some(data);
    }

    /// How many times the list was computed (frames reuse it).
    #[must_use]
    pub fn computations(&self) -> u64 {
        self.computed
    }

    /// The problems, worst first (as of the last refresh).
    #[must_use]
    pub fn list(&self) -> &[Problem] {
        &self.list
    }

    /// Index of the selected row (the first row when the selection is gone).
    #[must_use]
    pub fn selected_index(&self) -> Option<usize> {
        if self.list.is_empty() {
            return None;
        }
        let found = self
            .selected
            .as_ref()
            .and_then(|r| self.list.iter().position(|p| p.target == *r));
        Some(found.unwrap_or(0))
    }

    /// The selected problem's object.
    #[must_use]
    pub fn selected_ref(&self) -> Option<&ResourceRef> {
        self.selected_index()
            .and_then(|i| self.list.get(i))
            .map(|p| &p.target)
    }

    fn move_by(&mut self, delta: isize) {
        if let Some(i) = self.selected_index() {
            let last = self.list.len().saturating_sub(1);
            self.select(i.saturating_add_signed(delta).min(last));
        }
    }

    fn select(&mut self, i: usize) {
        self.selected = self.list.get(i).map(|p| p.target.clone());
    }

    /// The window of `height` rows that shows the selection, scrolling as little as possible.
    pub fn window(&mut self, height: Option<usize>) -> Range<usize> {
        let selected = self.selected_index();
        crate::layout::scroll_window(&mut self.offset, selected, self.list.len(), height)
    }
}

/// Brings the list up to date.
pub fn refresh(state: &mut State) {
    state.problems.refresh(&state.graph, &state.timings);
}

/// Opens the Problems screen when something is wrong, after the first complete sync and before the first key
/// (see the module doc).
pub fn maybe_open(state: &mut State) {
    if state.problems.touched
        || state.screen != Screen::Tree
        || state.kinds.values().any(|k| *k == KindState::Pending)
    {
        return;
    }
    refresh(state);
    if !state.problems.list.is_empty() {
        state.screen = Screen::Problems;
        state.focus = Focus::Navigator;
        state.dirty = true;
    }
}

/// Handles the Problems list's own actions; `false` for actions it does not own.
pub fn on_action(state: &mut State, action: Action) -> bool {
    refresh(state);
    let page = isize::try_from(state.page_rows.max(1)).unwrap_or(10);
    let list = &mut state.problems;
    match action {
        Action::MoveUp => list.move_by(-1),
        Action::MoveDown => list.move_by(1),
        Action::PageUp => list.move_by(-page),
        Action::PageDown => list.move_by(page),
        Action::SelectFirst => list.select(0),
        Action::SelectLast => list.select(list.list.len().saturating_sub(1)),
        // Enter: the detail pane with what waits behind the problem (full screen on a narrow terminal).
        Action::FocusDetail => {
            if list.selected_ref().is_some() {
                list.selected = list.selected_ref().cloned();
                state.focus = Focus::Detail;
                state.detail_visible = true;
                state.detail_scroll = 0;
            }
        }
        Action::RevealInTree => {
            if let Some(r) = list.selected_ref().cloned() {
                state.screen = Screen::Tree;
                state.focus = Focus::Navigator;
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

/// The objects waiting behind `r` (its blast radius), those it holds up (not ready) first, then by name.
#[must_use]
pub fn waiting_behind(state: &State, r: &ResourceRef) -> Vec<ResourceRef> {
    let mut all: Vec<(bool, &ResourceRef)> = state
        .graph
        .blast_radius(r)
        .into_iter()
        .map(|w| (!state.graph.root_causes(w).contains(r), w))
        .collect();
    all.sort();
    all.into_iter().map(|(_, w)| w.clone()).collect()
}

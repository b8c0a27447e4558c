//! The fleet overview's "every cluster" lists, pure: the screens of one cluster shown for ALL clusters at once,
//! the cluster named on every row. `tab` on the overview walks the sections: the cluster table (its cursor), then
//! the root causes, the objects, the graph and the timings of every cluster, each a list with its own cursor; `enter` on a
//! row scopes the screens to that row's cluster and opens the matching screen (Problems, tree, timings) on that
//! object.
//!
//! - **Root causes**: each cluster's own-fault root causes (its Problems list), interleaved cluster by cluster so
//!   every cluster's worst is on the first page.
//! - **Objects**: every object of every cluster (those that could not be parsed too), the worst health first
//!   (invalid, stalled, failing, blocked, in progress, unknown, suspended, ready), then by cluster, kind and name.
//! - **Graph**: each cluster's dependency tree, cluster after cluster, every object at its one place (under the
//!   parent deepest in the graph, as the tree screen places it) with everything open: the DAG of every cluster
//!   read top-down, the cluster on every row.
//! - **Timings**: every cluster's timings ranked as one list by the chosen measure (`s` cycles it;
//!   `timing::rank_across`: durations and instants compare across clusters).
//!
//! The cursor is an object of a cluster ([`Pick`]), kept across re-sorts; when its row goes away the cursor stays
//! at the same place in the list. The rows are drawn by `fleet::view`.

use super::Member;
use crate::app::problems::ProblemKind;
use crate::app::state::Screen;
use crate::app::tree::{Spanning, TreeInput, TreeView};
use crate::flux::{Health, ResourceRef};
use crate::timing::{SortKey, rank_across};
use std::collections::HashSet;
use std::sync::Arc;

/// Which part of the overview has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Section {
    /// The cluster table (the root causes shown below it).
    #[default]
    Clusters,
    Causes,
    Objects,
    Graph,
    Timings,
}

impl Section {
    /// Every section, in the order `tab` walks them.
    pub const ALL: [Section; 5] = [
        Section::Clusters,
        Section::Causes,
        Section::Objects,
        Section::Graph,
        Section::Timings,
    ];

    /// The next section (`tab`), wrapping.
    #[must_use]
    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// The previous section (`shift-tab`), wrapping.
    #[must_use]
    pub fn previous(self) -> Self {
        let i = Self::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Self::ALL[(i + Self::ALL.len() - 1) % Self::ALL.len()]
    }

    /// The title of the list below the table.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Section::Clusters | Section::Causes => "ROOT CAUSES",
            Section::Objects => "OBJECTS",
            Section::Graph => "GRAPH",
            Section::Timings => "TIMINGS",
        }
    }

    /// The screen `enter` opens on a row of this list.
    #[must_use]
    pub fn screen(self) -> Screen {
        match self {
            Section::Clusters | Section::Causes => Screen::Problems,
            Section::Objects | Section::Graph => Screen::Tree,
            Section::Timings => Screen::Timings,
        }
    }
}

/// One row of an "every cluster" list: an object of a cluster. Rows are the same row when they name the same
/// object of the same cluster (`depth` is how the graph list indents it, not part of its identity).
#[derive(Debug, Clone)]
pub struct Pick {
    /// Index of its cluster among the members.
    pub cluster: usize,
    pub target: ResourceRef,
    /// Its depth in the graph list (0 elsewhere).
    pub depth: usize,
}

impl Pick {
    /// A row of a flat list.
    #[must_use]
    pub fn new(cluster: usize, target: ResourceRef) -> Self {
        Self {
            cluster,
            target,
            depth: 0,
        }
    }
}

impl PartialEq for Pick {
    fn eq(&self, other: &Self) -> bool {
        self.cluster == other.cluster && self.target == other.target
    }
}

impl Eq for Pick {}

impl PartialOrd for Pick {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pick {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.cluster, &self.target).cmp(&(other.cluster, &other.target))
    }
}

/// The cursor and sort of the "every cluster" lists.
#[derive(Debug, Clone, Default)]
pub struct Every {
    pub section: Section,
    /// The row under the cursor, when one was chosen.
    pub selected: Option<Pick>,
    /// Its place in the list when last seen (where the cursor stays when its row goes away).
    pub index: usize,
    /// First row of the drawn window.
    pub offset: usize,
    /// Rows of the last drawn window (what a page moves).
    pub page: usize,
    /// The timings list's measure.
    pub sort: SortKey,
    /// The rows last computed, kept while no member's state changed (`State::revision`).
    kept: Option<Kept>,
}

/// Rows computed for a section and sort, and the member revisions they were computed from.
#[derive(Debug, Clone)]
struct Kept {
    section: Section,
    sort: SortKey,
    revisions: Vec<u64>,
    rows: Arc<[Pick]>,
}

impl Every {
    /// The rows of the current section over `members` ([`rows`]), computed again only when a member's state
    /// changed since (a frame of the overview or a key on its lists costs nothing while clusters are quiet).
    pub fn rows(&mut self, members: &mut [Member]) -> Arc<[Pick]> {
        // The Clusters section lists the root causes, as Causes does.
        let section = match self.section {
            Section::Clusters => Section::Causes,
            s => s,
        };
        let revisions: Vec<u64> = members.iter().map(|m| m.state.revision).collect();
        if let Some(k) = &self.kept
            && k.section == section
            && (section != Section::Timings || k.sort == self.sort)
            && k.revisions == revisions
        {
            return Arc::clone(&k.rows);
        }
        let rows: Arc<[Pick]> = rows(members, section, self.sort).into();
        self.kept = Some(Kept {
            section,
            sort: self.sort,
            revisions,
            rows: Arc::clone(&rows),
        });
        rows
    }

    /// Moves to `section`; the cursor starts again at its top.
    pub fn enter(&mut self, section: Section) {
        self.section = section;
        self.selected = None;
        self.index = 0;
        self.offset = 0;
    }

    /// The cursor's index in `rows` (its row if still there, else the same place, clamped).
    #[must_use]
    pub fn cursor(&self, rows: &[Pick]) -> usize {
        self.selected
            .as_ref()
            .and_then(|p| rows.iter().position(|r| r == p))
            .unwrap_or_else(|| self.index.min(rows.len().saturating_sub(1)))
    }

    /// Moves the cursor by `delta` rows in `rows`.
    pub fn move_by(&mut self, rows: &[Pick], delta: isize) {
        if rows.is_empty() {
            return;
        }
        let at = self.cursor(rows);
        let to = at
            .saturating_add_signed(delta)
            .min(rows.len().saturating_sub(1));
        self.index = to;
        self.selected = rows.get(to).cloned();
    }

    /// The rows of `[start, end)` to draw for a window of `height` rows, keeping the cursor in view; returns
    /// the window and the cursor's index.
    pub fn window(&mut self, rows: &[Pick], height: usize) -> (std::ops::Range<usize>, usize) {
        let at = self.cursor(rows);
        self.index = at;
        self.page = height.max(1);
        if at < self.offset {
            self.offset = at;
        } else if height > 0 && at >= self.offset + height {
            self.offset = at + 1 - height;
        }
        self.offset = self.offset.min(rows.len().saturating_sub(height.max(1)));
        let end = (self.offset + height).min(rows.len());
        (self.offset..end, at)
    }
}

/// The rows of `section` over every cluster (the Clusters section lists the root causes, as Causes does).
pub fn rows(members: &mut [Member], section: Section, sort: SortKey) -> Vec<Pick> {
    match section {
        Section::Clusters | Section::Causes => causes(members),
        Section::Objects => objects(members),
        Section::Graph => graph(members),
        Section::Timings => {
            let all: Vec<&crate::timing::Timings> =
                members.iter().map(|m| &m.state.timings).collect();
            rank_across(&all, sort)
                .into_iter()
                .map(|(cluster, target)| Pick::new(cluster, target))
                .collect()
        }
    }
}

/// Each cluster's own-fault root causes (stuck and overdue alone are the timings' business), interleaved
/// cluster by cluster.
fn causes(members: &mut [Member]) -> Vec<Pick> {
    let mut queues: Vec<Vec<ResourceRef>> = Vec::with_capacity(members.len());
    for m in members.iter_mut() {
        crate::app::problems::refresh(&mut m.state);
        queues.push(
            m.state
                .problems
                .list()
                .iter()
                .filter(|p| !matches!(p.kind, ProblemKind::Stuck | ProblemKind::Overdue))
                .map(|p| p.target.clone())
                .collect(),
        );
    }
    let mut out = Vec::new();
    let deepest = queues.iter().map(Vec::len).max().unwrap_or(0);
    for depth in 0..deepest {
        for (cluster, q) in queues.iter().enumerate() {
            if let Some(target) = q.get(depth) {
                out.push(Pick::new(cluster, target.clone()));
            }
        }
    }
    out
}

/// How bad a health is, for the objects list: smaller is worse (`None`: could not be parsed).
fn severity(health: Option<Health>) -> u8 {
    match health {
        None => 0,
        Some(Health::Stalled) => 1,
        Some(Health::Failing) => 2,
        Some(Health::Blocked) => 3,
        Some(Health::InProgress) => 4,
        Some(Health::Unknown) => 5,
        Some(Health::Suspended) => 6,
        Some(Health::Ready) => 7,
    }
}

/// Every object of every cluster, the worst first.
fn objects(members: &[Member]) -> Vec<Pick> {
    let mut all: Vec<(u8, Pick)> = Vec::new();
    for (cluster, m) in members.iter().enumerate() {
        for (r, e) in &m.state.objects {
            let health = crate::app::view::graph_health(&m.state, r).or(Some(e.status.health));
            all.push((severity(health), Pick::new(cluster, r.clone())));
        }
        for r in m.state.invalid.keys() {
            all.push((severity(None), Pick::new(cluster, r.clone())));
        }
    }
    all.sort_unstable();
    all.into_iter().map(|(_, p)| p).collect()
}

/// Each cluster's dependency tree with everything open, cluster after cluster: every object once, at its place.
fn graph(members: &[Member]) -> Vec<Pick> {
    let opened = HashSet::new();
    let mut out = Vec::new();
    for (cluster, m) in members.iter().enumerate() {
        let state = &m.state;
        let input = TreeInput {
            topology: &state.graph,
            objects: &state.objects,
            invalid: &state.invalid,
            view: TreeView::Dependency,
            opened: &opened,
            filter: &[],
        };
        let spanning = Spanning::build(&input);
        out.extend(spanning.places().into_iter().map(|(depth, r)| Pick {
            cluster,
            target: r.clone(),
            depth,
        }));
    }
    out
}

//! `DagState`: the DAG screen's own state — what is laid out (the whole graph, or the neighbourhood of a centre
//! node N hops deep), which blocked chains the user expanded, the selection and the moves along edges — and the
//! cached layout.
//!
//! The root cause of every blocked object shown is shown too (a folded chain hangs below it).
//!
//! The layout ([`crate::graph::layout`]) is recomputed only when its input changes: the graph's shape or a
//! health (marked by `State` through [`DagState::mark_stale`]), the centre, the depth, or the expanded set;
//! never per frame. The graph's warnings are recomputed only when edges, objects or specs changed; a layout of
//! more than [`LARGE`] nodes follows data changes at most once per clock tick. The selection moves along the drawn (folded) edges: up to a dependency, down to a dependent,
//! left/right within the layer; with a depth limit, landing on a node whose neighbours are cut off recentres the
//! neighbourhood on it, so walking never hits a wall.

use super::dag_view::Segment;
use super::view::TimingMark;
use crate::flux::ResourceRef;
use crate::graph::layout::collapse::FoldedNode;
use crate::graph::layout::{GraphLayout, LayoutOptions, focus, lay_out_graph};
use crate::graph::{Graph, GraphWarning};
use crate::text::sanitize_name;
use crate::timing::Timings;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Hops shown around the centre when the screen opens.
pub const DEFAULT_DEPTH: usize = 3;
/// Deepest limited neighbourhood; one more is the whole graph.
pub const MAX_DEPTH: usize = 9;
/// Nodes above which a layout follows data changes only once per clock tick (10,000 nodes take ~165 ms).
pub const LARGE: usize = 2_000;
/// Longest name drawn in a node (longer ones end with `…`).
pub const MAX_NAME: usize = 28;

/// What a node on the DAG screen is: an object (or placeholder), or a folded chain named by its root cause.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DagNode {
    Object(ResourceRef),
    Chain(ResourceRef),
}

/// What the layout was computed for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LayoutKey {
    centre: Option<ResourceRef>,
    depth: Option<usize>,
    expanded: BTreeSet<ResourceRef>,
}

/// The cached layout and what is derived from it once.
#[derive(Debug, Clone)]
pub struct DagLayout {
    key: LayoutKey,
    pub graph: GraphLayout,
    /// Folded indices each folded node hangs from / that hang from it (sorted, no duplicates).
    pub ups: Vec<Vec<usize>>,
    pub downs: Vec<Vec<usize>>,
    /// Sanitised, shortened name of each folded node (a chain: its root's).
    pub names: Vec<String>,
    /// Every warning of the graph, and the folded nodes each involves.
    pub warnings: Vec<(GraphWarning, Vec<usize>)>,
    /// Folded nodes involved in some warning.
    pub warned: HashSet<usize>,
    /// The stuck / overdue mark of each folded node (objects only).
    pub timing: Vec<Option<TimingMark>>,
    /// For each layered node, the layered nodes one layer down it has an edge to: into a real node, with the
    /// routed edge's index; into a dummy of its trunk, `None`.
    pub segments: Vec<Vec<Segment>>,
    /// Rows and tracks on the canvas.
    pub geometry: super::dag_view::Geometry,
}

impl DagLayout {
    /// The objects laid out (folded or not), sorted.
    #[must_use]
    pub fn shown(&self) -> &[ResourceRef] {
        &self.graph.folded.members
    }

    /// The folded node `i`'s identity.
    #[must_use]
    pub fn node(&self, i: usize) -> Option<DagNode> {
        self.graph.folded.nodes.get(i).map(|n| match n {
            FoldedNode::Object(r) => DagNode::Object(r.clone()),
            FoldedNode::Chain(c) => DagNode::Chain(c.root.clone()),
        })
    }

    /// The folded index of a node, if laid out (an object inside a folded chain: the chain).
    #[must_use]
    pub fn index(&self, node: &DagNode) -> Option<usize> {
        match node {
            DagNode::Object(r) => self.graph.folded.index_of(r),
            DagNode::Chain(root) => self
                .graph
                .folded
                .nodes
                .iter()
                .position(|n| matches!(n, FoldedNode::Chain(c) if c.root == *root)),
        }
    }
}

/// The objects a warning is about.
#[must_use]
pub fn involved(w: &GraphWarning) -> Vec<&ResourceRef> {
    match w {
        GraphWarning::Dangling(d) => std::iter::once(&d.target)
            .chain(d.referrers.iter().map(|(_, r)| r))
            .collect(),
        GraphWarning::Cycle(members) => members.iter().collect(),
        GraphWarning::CrossKindDependsOn(c) => vec![&c.dependent, &c.target],
        GraphWarning::InvalidRef(r) => vec![&r.from],
        GraphWarning::SuspendReverted(s) => vec![&s.child, &s.parent],
        GraphWarning::SuspendedHealthChecked(s) => vec![&s.child, &s.parent],
    }
}

/// The label text of a node without its glyph: `KS apps`, `blocked: 17 behind podinfo`, plus ` ⧗` / ` ◷` when
/// the object is stuck / overdue and ` ⚠` when warned.
#[must_use]
pub fn label(node: &FoldedNode, name: &str, warned: bool, timing: Option<TimingMark>) -> String {
    let mark = if warned { " ⚠" } else { "" };
    let timing = timing.map_or(String::new(), |t| format!(" {}", t.glyph()));
    match node {
        FoldedNode::Object(r) => format!("{} {name}{timing}{mark}", r.kind.abbrev()),
        FoldedNode::Chain(c) => format!("blocked: {} behind {name}{mark}", c.members.len()),
    }
}

/// Cells a node's box takes: `[` glyph ` ` label `]`.
fn box_width(label: &str) -> u32 {
    u32::try_from(ratatui::text::Span::raw(label).width()).unwrap_or(u32::MAX / 4) + 4
}

/// The name drawn for `r`: `name`, or `namespace/name` when the picture spans several namespaces (names repeat
/// across tenants), cut with `…` past [`MAX_NAME`] (plus the namespace's share, at most 12 more).
fn short_name(r: &ResourceRef, with_namespace: bool) -> String {
    let (name, max) = if with_namespace {
        (
            sanitize_name(&r.namespaced_name()).into_owned(),
            MAX_NAME + 12,
        )
    } else {
        (sanitize_name(&r.name).into_owned(), MAX_NAME)
    };
    if name.chars().count() <= max {
        return name;
    }
    let mut s: String = name.chars().take(max - 1).collect();
    s.push('…');
    s
}

/// The DAG screen's state (see the module doc).
#[derive(Debug)]
pub struct DagState {
    pub selected: Option<DagNode>,
    /// `None`: the whole graph.
    pub depth: Option<usize>,
    /// The node the neighbourhood is taken around.
    pub centre: Option<ResourceRef>,
    /// Roots of the chains shown unfolded.
    pub expanded: BTreeSet<ResourceRef>,
    /// The nodes the last vertical move could have gone to (left to right); `next_alternative` cycles them.
    alternatives: Vec<DagNode>,
    /// The graph changed in a way that can change the layout (a health or an edge).
    stale: bool,
    /// The graph changed in a way that can change its warnings (edges, objects, specs); see
    /// [`DagState::mark_warnings_stale`].
    warnings_stale: bool,
    warnings: Vec<GraphWarning>,
    /// A clock tick came since the last layout (large layouts follow data changes only then).
    tick_due: bool,
    /// Stuck / overdue objects (their boxes carry a mark, which widens them) and the timings' version of it.
    marks: BTreeMap<ResourceRef, TimingMark>,
    marks_version: Option<u64>,
    cache: Option<DagLayout>,
    /// Top-left canvas cell on screen (kept between frames, moved just enough to show the selection).
    pub offset: (u32, u32),
    /// How many layouts were computed (tests check that frames do not lay out again).
    pub layouts: u64,
}

impl Default for DagState {
    fn default() -> Self {
        Self {
            selected: None,
            depth: Some(DEFAULT_DEPTH),
            centre: None,
            expanded: BTreeSet::new(),
            alternatives: Vec::new(),
            stale: true,
            warnings_stale: true,
            warnings: Vec::new(),
            tick_due: false,
            marks: BTreeMap::new(),
            marks_version: None,
            cache: None,
            offset: (0, 0),
            layouts: 0,
        }
    }
}

impl DagState {
    /// The graph's shape or a health changed: lay out again before the next use.
    pub fn mark_stale(&mut self) {
        self.stale = true;
    }

    /// Edges, objects or a spec changed: the graph's warnings are computed again with the next layout (they
    /// cost a pass over the whole graph, e.g. 60 ms for cycles on 12,000 nodes, so a health-only change, the
    /// common case, does not recompute them).
    pub fn mark_warnings_stale(&mut self) {
        self.warnings_stale = true;
        self.stale = true;
    }

    /// Takes the stuck and overdue objects from the timings; a change lays out again (a mark widens a box).
    pub fn sync_marks(&mut self, timings: &Timings) {
        let version = timings.flagged_version();
        if self.marks_version == Some(version) {
            return;
        }
        self.marks_version = Some(version);
        let marks: BTreeMap<ResourceRef, TimingMark> = timings
            .flagged()
            .iter()
            .filter_map(|(r, f)| Some((r.clone(), TimingMark::of(*f)?)))
            .collect();
        if marks != self.marks {
            self.marks = marks;
            self.stale = true;
        }
    }

    /// The 1 s clock ticked: a large layout (over [`LARGE`] nodes) catches up with data changes now.
    pub fn tick(&mut self) {
        self.tick_due = true;
    }

    /// The layout as last computed.
    #[must_use]
    pub fn layout(&self) -> Option<&DagLayout> {
        self.cache.as_ref()
    }

    fn key(&self) -> LayoutKey {
        LayoutKey {
            centre: self.depth.and(self.centre.clone()),
            depth: self.depth,
            expanded: self.expanded.clone(),
        }
    }

    /// Opens the screen on `r` (the tree's selection): it becomes the centre and the selection.
    pub fn open(&mut self, graph: &Graph, r: Option<&ResourceRef>) {
        if let Some(r) = r.filter(|r| graph.node(r).is_some()) {
            self.centre = Some(r.clone());
            self.selected = Some(DagNode::Object(r.clone()));
        }
        self.alternatives.clear();
        self.refresh(graph);
    }

    /// Lays out again if the input changed, then keeps the selection on a laid-out node.
    pub fn refresh(&mut self, graph: &Graph) {
        if self
            .centre
            .as_ref()
            .is_some_and(|c| graph.node(c).is_none())
        {
            // The centre is gone: centre on the selection if it is still there.
            self.centre = match &self.selected {
                Some(DagNode::Object(r) | DagNode::Chain(r)) if graph.node(r).is_some() => {
                    Some(r.clone())
                }
                _ => None,
            };
        }
        if self.centre.is_none() && self.depth.is_some() {
            // Nothing to centre on (nothing selected): the first root, not the whole graph.
            self.centre = graph.roots().first().map(|r| (*r).clone());
        }
        let key = self.key();
        let key_changed = self.cache.as_ref().is_none_or(|c| c.key != key);
        // Following a live fleet, a whole-graph layout of thousands of nodes is redone at most once per tick.
        let large = self.cache.as_ref().is_some_and(|c| c.shown().len() > LARGE);
        if key_changed || (self.stale && (!large || self.tick_due)) {
            if self.warnings_stale {
                self.warnings = graph.warnings();
                self.warnings_stale = false;
            }
            self.stale = false;
            self.tick_due = false;
            self.layouts += 1;
            self.cache = Some(compute(graph, key, &self.warnings, &self.marks));
        }
        self.fix_selection();
    }

    fn fix_selection(&mut self) {
        let Some(cache) = &self.cache else {
            return;
        };
        let found = self.selected.as_ref().and_then(|s| cache.index(s));
        let index = found.or_else(|| {
            // A chain that was expanded or no longer exists: its root, else the first node on top.
            let root = match &self.selected {
                Some(DagNode::Chain(root)) => cache.index(&DagNode::Object(root.clone())),
                _ => None,
            };
            root.or_else(|| cache.graph.layout.layers.first()?.first().copied())
        });
        self.selected = index.and_then(|i| cache.node(i));
    }

    /// Folded index of the selection.
    #[must_use]
    pub fn selected_index(&self) -> Option<usize> {
        let cache = self.cache.as_ref()?;
        cache.index(self.selected.as_ref()?)
    }

    /// The object to show elsewhere for the selection (a chain: its root cause).
    #[must_use]
    pub fn selected_ref(&self) -> Option<&ResourceRef> {
        match self.selected.as_ref()? {
            DagNode::Object(r) | DagNode::Chain(r) => Some(r),
        }
    }

    fn select(&mut self, i: usize) {
        if let Some(node) = self.cache.as_ref().and_then(|c| c.node(i)) {
            self.selected = Some(node);
        }
    }

    /// Moves to a dependency (`up`) or a dependent: the one drawn closest to the selection's column.
    pub fn move_vertical(&mut self, up: bool) {
        let (Some(cache), Some(i)) = (&self.cache, self.selected_index()) else {
            return;
        };
        let candidates = if up { &cache.ups[i] } else { &cache.downs[i] };
        let mut by_x: Vec<usize> = candidates.clone();
        let placed = &cache.graph.layout.placed;
        by_x.sort_by_key(|c| placed[*c].order);
        let me = i64::from(placed[i].centre());
        let nearest = by_x
            .iter()
            .copied()
            .min_by_key(|c| (i64::from(placed[*c].centre()) - me).abs());
        self.alternatives = by_x.iter().filter_map(|c| cache.node(*c)).collect();
        if let Some(n) = nearest {
            self.select(n);
        }
    }

    /// Moves to the next node left (`delta < 0`) or right in the selection's layer (dummies skipped).
    pub fn move_sideways(&mut self, delta: isize) {
        let (Some(cache), Some(i)) = (&self.cache, self.selected_index()) else {
            return;
        };
        let layout = &cache.graph.layout;
        let p = layout.placed[i];
        let Some(layer) = layout.layers.get(p.layer as usize) else {
            return;
        };
        let real: Vec<usize> = layer
            .iter()
            .copied()
            .filter(|v| !layout.is_dummy(*v))
            .collect();
        let Some(at) = real.iter().position(|v| *v == i) else {
            return;
        };
        let next = at.saturating_add_signed(delta).min(real.len() - 1);
        self.alternatives.clear();
        self.select(real[next]);
    }

    /// After a vertical move, goes to the next node that move could have reached (wrapping); otherwise to the
    /// first dependency (or dependent, for a node on top).
    pub fn next_alternative(&mut self) {
        let current = self.selected.clone();
        if let Some(at) = self
            .alternatives
            .iter()
            .position(|a| Some(a) == current.as_ref())
            && self.alternatives.len() > 1
        {
            let next = self.alternatives[(at + 1) % self.alternatives.len()].clone();
            self.selected = Some(next);
            return;
        }
        let has_parents = self
            .selected_index()
            .and_then(|i| self.cache.as_ref().map(|c| !c.ups[i].is_empty()))
            .unwrap_or(false);
        self.move_vertical(has_parents);
    }

    /// With a depth limit: if the selection's neighbours are cut off, centre the neighbourhood on it.
    pub fn follow_selection(&mut self, graph: &Graph) {
        let (Some(cache), Some(DagNode::Object(r))) = (&self.cache, &self.selected) else {
            return;
        };
        if self.depth.is_some()
            && self.centre.as_ref() != Some(r)
            && focus::has_hidden_neighbours(graph, r, cache.shown())
        {
            self.centre = Some(r.clone());
        }
    }

    /// Centres the neighbourhood on the selection.
    pub fn focus_selected(&mut self) {
        if let Some(DagNode::Object(r) | DagNode::Chain(r)) = &self.selected {
            self.centre = Some(r.clone());
        }
    }

    /// One hop more (past [`MAX_DEPTH`]: the whole graph) or less.
    pub fn change_depth(&mut self, deeper: bool) {
        self.depth = match (self.depth, deeper) {
            (Some(d), true) if d >= MAX_DEPTH => None,
            (Some(d), true) => Some(d + 1),
            (None, true) => None,
            (None, false) => Some(MAX_DEPTH),
            (Some(d), false) => Some(d.saturating_sub(1).max(1)),
        };
        if self.centre.is_none() {
            self.focus_selected();
        }
    }

    /// Enter: unfolds the selected chain (selecting its first member), or folds the chain the selection is the
    /// root or a member of (selecting the box).
    pub fn toggle_chain(&mut self, graph: &Graph) {
        match self.selected.clone() {
            Some(DagNode::Chain(root)) => {
                self.expanded.insert(root.clone());
                let first = self.cache.as_ref().and_then(|c| {
                    c.graph.folded.nodes.iter().find_map(|n| match n {
                        FoldedNode::Chain(ch) if ch.root == root => ch.members.first().cloned(),
                        _ => None,
                    })
                });
                self.selected = Some(DagNode::Object(first.unwrap_or(root)));
            }
            Some(DagNode::Object(r)) => {
                let root = if self.expanded.contains(&r) {
                    Some(r.clone())
                } else {
                    graph
                        .root_causes(&r)
                        .first()
                        .filter(|c| **c != r && self.expanded.contains(*c))
                        .cloned()
                };
                if let Some(root) = root {
                    self.expanded.remove(&root);
                    if root != r {
                        self.selected = Some(DagNode::Chain(root));
                    }
                } else if self
                    .cache
                    .as_ref()
                    .is_some_and(|c| c.index(&DagNode::Chain(r.clone())).is_some())
                {
                    // The root of a folded chain: unfold it.
                    self.expanded.insert(r);
                }
            }
            None => {}
        }
        self.alternatives.clear();
    }
}

/// Computes the layout for `key`.
fn compute(
    graph: &Graph,
    key: LayoutKey,
    warnings: &[GraphWarning],
    marks: &BTreeMap<ResourceRef, TimingMark>,
) -> DagLayout {
    let mut nodes = match (&key.centre, key.depth) {
        (Some(c), Some(d)) => focus::neighbourhood(graph, c, d),
        _ => focus::whole(graph),
    };
    // A blocked object's root cause is always shown, so a folded chain sits below the node it is blocked behind.
    let mut roots: Vec<ResourceRef> = nodes
        .iter()
        .filter_map(|r| match graph.root_causes(r) {
            [root] if root != r => Some(root.clone()),
            _ => None,
        })
        .filter(|root| nodes.binary_search(root).is_err())
        .collect();
    if !roots.is_empty() {
        nodes.append(&mut roots);
        nodes.sort();
        nodes.dedup();
    }
    let mut warned_refs: HashSet<&ResourceRef> = HashSet::new();
    for w in warnings {
        warned_refs.extend(
            involved(w)
                .into_iter()
                .filter(|r| nodes.binary_search(r).is_ok()),
        );
    }
    let node_warned = |n: &FoldedNode| match n {
        FoldedNode::Object(r) => warned_refs.contains(r),
        FoldedNode::Chain(c) => c.members.iter().any(|m| warned_refs.contains(m)),
    };
    let several_namespaces = nodes.windows(2).any(|w| w[0].namespace != w[1].namespace);
    let name_of = |n: &FoldedNode| match n {
        FoldedNode::Object(r) => short_name(r, several_namespaces),
        FoldedNode::Chain(c) => short_name(&c.root, several_namespaces),
    };
    let mark_of = |n: &FoldedNode| match n {
        FoldedNode::Object(r) => marks.get(r).copied(),
        FoldedNode::Chain(_) => None,
    };
    let width = |n: &FoldedNode| box_width(&label(n, &name_of(n), node_warned(n), mark_of(n)));
    let laid = lay_out_graph(
        graph,
        nodes,
        &key.expanded,
        width,
        &LayoutOptions::default(),
    );
    let folded = &laid.folded;
    let n = folded.nodes.len();
    let mut ups = vec![Vec::new(); n];
    let mut downs = vec![Vec::new(); n];
    for &(u, l) in &folded.edges {
        downs[u].push(l);
        ups[l].push(u);
    }
    for v in ups.iter_mut().chain(downs.iter_mut()) {
        v.sort_unstable();
        v.dedup();
    }
    let names: Vec<String> = folded.nodes.iter().map(name_of).collect();
    let warned: HashSet<usize> = (0..n).filter(|i| node_warned(&folded.nodes[*i])).collect();
    let timing: Vec<Option<TimingMark>> = folded.nodes.iter().map(mark_of).collect();
    let warnings = warnings
        .iter()
        .map(|w| {
            let mut at: Vec<usize> = involved(w)
                .into_iter()
                .filter_map(|r| folded.index_of(r))
                .collect();
            at.sort_unstable();
            at.dedup();
            (w.clone(), at)
        })
        .collect();
    let segments = super::dag_view::segments(&laid.layout);
    let geometry = super::dag_view::geometry(&laid.layout, &segments);
    DagLayout {
        key,
        geometry,
        ups,
        downs,
        names,
        warnings,
        warned,
        timing,
        segments,
        graph: laid,
    }
}

//! The navigator's tree model: the rows of the current view, built from the [`Topology`], the filter and the
//! open set.
//!
//! The number of paths through a DAG grows exponentially with its depth (a lattice of diamonds 36 objects deep
//! has 2^18 of them; a `dependsOn` chain of 1,000 whose members all read one source has half a million rows if
//! every path is a row), so the tree is not the tree of paths: it is a spanning forest. Each object has **one
//! place**, and only there can it be opened: under the parent that is deepest in the view (the end of its
//! longest way down from a root; the first such parent in order), so a `dependsOn` chain nests below its source
//! whatever the names, and an object sits below everything it waits on. Under its other parents it is a
//! **mark** (a row keyed by that parent, saying where its place is), which has no children; `→` on a mark goes
//! to the place. Objects in or below a cycle (no longest way) hang where a depth-first walk from the roots first
//! reaches them.
//!
//! So the rows are at most the view's objects plus its edges, with a filter (every object on the way to a match
//! is open) and with everything open alike, and building them is linear in the same: the walk visits each
//! object once and each edge once ([`Tree::work`] counts the steps, which tests bound).

use super::state::ObjectEntry;
use super::topology::Topology;
use crate::flux::ResourceRef;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Which relation the tree shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum TreeView {
    /// Roots wait on nothing; children are the objects that wait on their parent.
    #[default]
    Dependency,
    /// Roots are owned by no one; children are what a Kustomization/HelmRelease applied (inventory).
    Ownership,
}

impl TreeView {
    /// The title shown on the pane.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            TreeView::Dependency => "Dependencies",
            TreeView::Ownership => "Ownership",
        }
    }

    /// The other view.
    #[must_use]
    pub fn other(self) -> Self {
        match self {
            TreeView::Dependency => TreeView::Ownership,
            TreeView::Ownership => TreeView::Dependency,
        }
    }
}

/// Identifies a row: an object at its place (`under: None`), or its mark under another parent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowKey {
    pub object: ResourceRef,
    /// The parent this mark hangs under (`None`: the object's place).
    pub under: Option<ResourceRef>,
}

impl RowKey {
    /// The object at its place.
    #[must_use]
    pub fn place(object: ResourceRef) -> Self {
        Self {
            object,
            under: None,
        }
    }

    /// A mark of an object shown elsewhere.
    #[must_use]
    pub fn is_mark(&self) -> bool {
        self.under.is_some()
    }
}

/// One visible row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub key: RowKey,
    /// Distance from the root (roots are 0).
    pub depth: usize,
    /// Index of the parent row (`None` for roots).
    pub parent: Option<usize>,
    /// The row can be opened (an object at its place with children; never a mark).
    pub expandable: bool,
    pub open: bool,
    /// The object matches the filter (always true without a filter).
    pub matches: bool,
    /// For a mark: the parent at the object's place (`None`: its place is a root).
    pub placed_under: Option<ResourceRef>,
}

impl Row {
    /// The object of the row.
    #[must_use]
    pub fn object(&self) -> &ResourceRef {
        &self.key.object
    }
}

/// What the tree is built from.
pub struct TreeInput<'a> {
    pub topology: &'a dyn Topology,
    pub objects: &'a BTreeMap<ResourceRef, ObjectEntry>,
    /// Objects that could not be parsed are shown as roots.
    pub invalid: &'a BTreeMap<ResourceRef, String>,
    pub view: TreeView,
    /// Objects open at their place.
    pub opened: &'a HashSet<ResourceRef>,
    /// Lower-cased filter terms; empty = no filter.
    pub filter: &'a [String],
}

impl TreeInput<'_> {
    /// Sorted, without duplicates (the `Topology` contract).
    fn children(&self, r: &ResourceRef) -> Vec<ResourceRef> {
        match self.view {
            TreeView::Dependency => self.topology.dependents(r),
            TreeView::Ownership => self.topology.inventory_children(r),
        }
    }

    fn roots(&self) -> Vec<ResourceRef> {
        let mut r = match self.view {
            TreeView::Dependency => self.topology.roots(),
            TreeView::Ownership => self.topology.inventory_roots(),
        };
        r.extend(self.invalid.keys().cloned());
        r.sort();
        r.dedup();
        // Members of cycles (`a` waits on `b`, `b` on `a`) hang under no root: each such group gets one root,
        // so every object appears somewhere.
        let extra = self
            .topology
            .extra_roots(&r, self.view == TreeView::Ownership);
        r.extend(extra);
        r
    }

    fn matches(&self, r: &ResourceRef) -> bool {
        if let Some(e) = self.objects.get(r) {
            return self
                .filter
                .iter()
                .all(|t| super::command::term_matches(t, r.kind, &e.search_text));
        }
        let state = if self.invalid.contains_key(r) {
            "invalid"
        } else {
            "missing"
        };
        let hay = format!(
            "{} {} {} {} {state}",
            r.kind,
            r.kind.abbrev(),
            r.namespace,
            r.namespaced_name()
        )
        .to_lowercase();
        self.filter
            .iter()
            .all(|t| super::command::term_matches(t, r.kind, &hay))
    }
}

/// No parent: a root.
const NONE: u32 = u32::MAX;

/// The spanning forest of a view: every object reachable from the roots, its children, and its place (the
/// parent it is expanded under). Depends only on the topology and the view, not on what is open or filtered.
#[derive(Debug, Clone, Default)]
pub struct Spanning {
    refs: Vec<ResourceRef>,
    index: HashMap<ResourceRef, u32>,
    /// Children of each object, in the topology's order (no self-loops).
    kids: Vec<Vec<u32>>,
    /// The parent at the object's place ([`NONE`] for roots).
    parent: Vec<u32>,
    roots: Vec<u32>,
    /// Steps the walk took (objects plus edges).
    pub work: usize,
}

impl Spanning {
    /// Finds every object the view reaches from its roots (asking for each object's children once), then places
    /// each (see the module doc).
    #[must_use]
    pub fn build(input: &TreeInput<'_>) -> Self {
        let mut s = Spanning::default();
        let mut seen: Vec<bool> = Vec::new();
        let mut stack: Vec<u32> = Vec::new();
        for root in input.roots() {
            let root = s.intern(root, &mut seen);
            if seen[root as usize] {
                continue;
            }
            s.roots.push(root);
            stack.push(root);
            while let Some(v) = stack.pop() {
                s.work += 1;
                if std::mem::replace(&mut seen[v as usize], true) {
                    continue;
                }
                let me = s.refs[v as usize].clone();
                let kids: Vec<u32> = input
                    .children(&me)
                    .into_iter()
                    .filter(|c| *c != me)
                    .map(|c| s.intern(c, &mut seen))
                    .collect();
                s.work += kids.len();
                stack.extend(kids.iter().filter(|c| !seen[**c as usize]));
                s.kids[v as usize] = kids;
            }
        }
        s.place();
        s
    }

    /// Every object at its place, depth first in the topology's order, with its depth (roots 0): the tree with
    /// everything open and without marks (each object once, below everything it waits on).
    #[must_use]
    pub fn places(&self) -> Vec<(usize, &ResourceRef)> {
        let mut out = Vec::with_capacity(self.refs.len());
        let mut stack: Vec<(u32, usize)> = self.roots.iter().rev().map(|r| (*r, 0)).collect();
        while let Some((v, depth)) = stack.pop() {
            out.push((depth, &self.refs[v as usize]));
            stack.extend(
                self.kids[v as usize]
                    .iter()
                    .rev()
                    .filter(|c| self.parent[**c as usize] == v)
                    .map(|c| (*c, depth + 1)),
            );
        }
        out
    }

    /// Sets each object's parent at its place: the deepest parent (longest way from a root, by Kahn's order);
    /// objects a cycle keeps from being ordered take the parent a depth-first walk first reaches them from.
    fn place(&mut self) {
        let n = self.refs.len();
        let mut is_root = vec![false; n];
        for r in &self.roots {
            is_root[*r as usize] = true;
        }
        let mut waiting = vec![0u32; n];
        for kids in &self.kids {
            for c in kids {
                if !is_root[*c as usize] {
                    waiting[*c as usize] += 1;
                }
            }
        }
        let mut depth = vec![0u32; n];
        let mut placed = vec![false; n];
        let mut queue: std::collections::VecDeque<u32> = self.roots.iter().copied().collect();
        while let Some(v) = queue.pop_front() {
            placed[v as usize] = true;
            self.work += 1 + self.kids[v as usize].len();
            for i in 0..self.kids[v as usize].len() {
                let c = self.kids[v as usize][i] as usize;
                if is_root[c] {
                    continue;
                }
                if self.parent[c] == NONE || depth[v as usize] + 1 > depth[c] {
                    depth[c] = depth[v as usize] + 1;
                    self.parent[c] = v;
                }
                waiting[c] -= 1;
                if waiting[c] == 0 {
                    queue.push_back(self.kids[v as usize][i]);
                }
            }
        }
        if placed.iter().all(|p| *p) {
            return;
        }
        // In or below a cycle: where the walk from the roots, in order, first reaches it.
        let mut visited = vec![false; n];
        let mut stack: Vec<u32> = self.roots.iter().rev().copied().collect();
        while let Some(v) = stack.pop() {
            if std::mem::replace(&mut visited[v as usize], true) {
                continue;
            }
            self.work += 1 + self.kids[v as usize].len();
            for i in (0..self.kids[v as usize].len()).rev() {
                let c = self.kids[v as usize][i];
                if !placed[c as usize] {
                    placed[c as usize] = true;
                    self.parent[c as usize] = v;
                }
                if !visited[c as usize] {
                    stack.push(c);
                }
            }
        }
    }

    /// The index of `r` (numbered the first time it is met).
    fn intern(&mut self, r: ResourceRef, seen: &mut Vec<bool>) -> u32 {
        if let Some(i) = self.index.get(&r) {
            return *i;
        }
        let i = u32::try_from(self.refs.len()).unwrap_or(NONE - 1);
        self.index.insert(r.clone(), i);
        self.refs.push(r);
        self.kids.push(Vec::new());
        self.parent.push(NONE);
        seen.push(false);
        i
    }

    /// How many objects the view reaches.
    #[must_use]
    pub fn len(&self) -> usize {
        self.refs.len()
    }

    /// The view reaches no object.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// How many edges the view has (children over all objects).
    #[must_use]
    pub fn edge_count(&self) -> usize {
        self.kids.iter().map(Vec::len).sum()
    }

    /// The objects from a root down to `r` at `r`'s place (empty when the view does not reach `r`).
    #[must_use]
    pub fn path_to(&self, r: &ResourceRef) -> Vec<ResourceRef> {
        let Some(mut at) = self.index.get(r).copied() else {
            return Vec::new();
        };
        let mut path = vec![r.clone()];
        // A parent chain never loops (each object's parent was walked before it), but stay bounded anyway.
        while self.parent[at as usize] != NONE && path.len() <= self.refs.len() {
            at = self.parent[at as usize];
            path.push(self.refs[at as usize].clone());
        }
        path.reverse();
        path
    }

    /// Every object with children (what "expand all" opens).
    pub fn with_children(&self) -> impl Iterator<Item = &ResourceRef> {
        self.refs
            .iter()
            .zip(&self.kids)
            .filter(|(_, k)| !k.is_empty())
            .map(|(r, _)| r)
    }
}

/// The rows of a view.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    pub rows: Vec<Row>,
    /// Steps taken to build the rows (objects and edges looked at, filter included).
    pub work: usize,
}

/// Builds the visible rows over `spanning` (built from the same topology and view).
#[must_use]
pub fn build(input: &TreeInput<'_>, spanning: &Spanning) -> Tree {
    let filtering = !input.filter.is_empty();
    let mut work = 0;
    let matches: Vec<bool> = if filtering {
        spanning.refs.iter().map(|r| input.matches(r)).collect()
    } else {
        Vec::new()
    };
    // With a filter, an object is shown when it or something below it matches.
    let shown: Option<Vec<bool>> = filtering.then(|| below_matches(spanning, &matches, &mut work));
    let is_shown = |v: u32| shown.as_ref().is_none_or(|s| s[v as usize]);
    let mut rows: Vec<Row> = Vec::new();
    let mut stack: Vec<Pending> = spanning
        .roots
        .iter()
        .rev()
        .filter(|r| is_shown(**r))
        .map(|r| Pending::Place(*r, 0, None))
        .collect();
    while let Some(item) = stack.pop() {
        work += 1;
        let (v, depth, parent) = match item {
            Pending::Mark(c, depth, parent) => {
                rows.push(Row {
                    key: RowKey {
                        object: spanning.refs[c as usize].clone(),
                        under: Some(rows[parent].key.object.clone()),
                    },
                    depth,
                    parent: Some(parent),
                    expandable: false,
                    open: false,
                    matches: !filtering || matches[c as usize],
                    placed_under: spanning
                        .refs
                        .get(spanning.parent[c as usize] as usize)
                        .cloned(),
                });
                continue;
            }
            Pending::Place(v, depth, parent) => (v, depth, parent),
        };
        let r = &spanning.refs[v as usize];
        let kids = &spanning.kids[v as usize];
        work += kids.len();
        let expandable = kids.iter().any(|c| is_shown(*c));
        let open = expandable && (filtering || input.opened.contains(r));
        let at = rows.len();
        rows.push(Row {
            key: RowKey::place(r.clone()),
            depth,
            parent,
            expandable,
            open,
            matches: !filtering || matches[v as usize],
            placed_under: None,
        });
        if open {
            // Children at their place are walked in turn; the others are marks.
            stack.extend(kids.iter().rev().filter(|c| is_shown(**c)).map(|&c| {
                if spanning.parent[c as usize] == v {
                    Pending::Place(c, depth + 1, Some(at))
                } else {
                    Pending::Mark(c, depth + 1, at)
                }
            }));
        }
    }
    Tree { rows, work }
}

/// A row still to emit: (object, depth, parent row).
enum Pending {
    Place(u32, usize, Option<usize>),
    Mark(u32, usize, usize),
}

/// For each object: it or something below it matches (cycles are cut where the walk meets itself).
fn below_matches(spanning: &Spanning, matches: &[bool], work: &mut usize) -> Vec<bool> {
    let n = spanning.len();
    let mut out = matches.to_vec();
    // 0: not visited, 1: on the walk, 2: done.
    let mut state = vec![0u8; n];
    let mut stack: Vec<(u32, usize)> = Vec::new();
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        state[start] = 1;
        stack.push((u32::try_from(start).unwrap_or(0), 0));
        while let Some(top) = stack.last_mut() {
            let (v, i) = *top;
            *work += 1;
            if let Some(&c) = spanning.kids[v as usize].get(i) {
                top.1 += 1;
                match state[c as usize] {
                    0 => {
                        state[c as usize] = 1;
                        stack.push((c, 0));
                    }
                    2 => out[v as usize] |= out[c as usize],
                    _ => {}
                }
            } else {
                stack.pop();
                state[v as usize] = 2;
                if let Some(&(p, _)) = stack.last() {
                    out[p as usize] |= out[v as usize];
                }
            }
        }
    }
    out
}

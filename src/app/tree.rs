//! The navigator's tree model: nodes built from the [`Topology`] for the current view, filter and open set, and
//! the flat list of visible rows that selection moves over.
//!
//! A DAG node may appear under several parents; a node is identified by its *path* of `ResourceRef`s from a
//! root, which is unique. Only open nodes have their children built (closed nodes only know whether they have
//! any), so a large fleet costs what is visible. A ref already on the path is not descended into again (cycles).

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

/// A path from a root to a node: the node's unique identity in the tree.
pub type TreePath = Vec<ResourceRef>;

/// One node of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeNode {
    pub object: ResourceRef,
    /// Built only when the node is open.
    pub children: Vec<TreeNode>,
    /// Whether the node has children (open or not).
    pub expandable: bool,
    /// The node itself matches the filter (always true without a filter).
    pub matches: bool,
}

/// One visible row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub path: TreePath,
    pub expandable: bool,
    pub open: bool,
    pub matches: bool,
}

/// What the tree is built from.
pub struct TreeInput<'a> {
    pub topology: &'a dyn Topology,
    pub objects: &'a BTreeMap<ResourceRef, ObjectEntry>,
    /// Objects that could not be parsed are shown as roots.
    pub invalid: &'a BTreeMap<ResourceRef, String>,
    pub view: TreeView,
    pub opened: &'a HashSet<TreePath>,
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
        self.add_unreachable(r)
    }

    /// Members of cycles (`a` waits on `b`, `b` on `a`) hang under no root: each such group gets one root, so
    /// every object appears somewhere.
    fn add_unreachable(&self, mut roots: Vec<ResourceRef>) -> Vec<ResourceRef> {
        let extra = self
            .topology
            .extra_roots(&roots, self.view == TreeView::Ownership);
        roots.extend(extra);
        roots
    }

    fn matches(&self, r: &ResourceRef) -> bool {
        if let Some(e) = self.objects.get(r) {
            return self
                .filter
                .iter()
                .all(|t| e.search_text.contains(t.as_str()));
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
        self.filter.iter().all(|t| hay.contains(t.as_str()))
    }
}

/// Builds the visible tree.
#[must_use]
pub fn build(input: &TreeInput<'_>) -> Vec<TreeNode> {
    let mut memo = HashMap::new();
    let filtering = !input.filter.is_empty();
    let mut path = Vec::new();
    let mut out = Vec::new();
    for r in input.roots() {
        if !filtering || subtree_matches(input, &r, &mut memo, &mut HashSet::new()) {
            out.push(node(input, r, &mut path, &mut memo));
        }
    }
    out
}

fn node(
    input: &TreeInput<'_>,
    object: ResourceRef,
    path: &mut TreePath,
    memo: &mut HashMap<ResourceRef, bool>,
) -> TreeNode {
    let filtering = !input.filter.is_empty();
    let on_path: HashSet<&ResourceRef> = path.iter().collect();
    let mut kids: Vec<ResourceRef> = input
        .children(&object)
        .into_iter()
        .filter(|c| *c != object && !on_path.contains(c))
        .collect();
    drop(on_path);
    if filtering {
        kids.retain(|c| subtree_matches(input, c, memo, &mut HashSet::new()));
    }
    path.push(object.clone());
    // With a filter, every node on the way to a match is open.
    let open = !kids.is_empty() && (filtering || input.opened.contains(path));
    let children = if open {
        kids.iter()
            .map(|c| node(input, c.clone(), path, memo))
            .collect()
    } else {
        Vec::new()
    };
    path.pop();
    TreeNode {
        matches: !filtering || input.matches(&object),
        object,
        expandable: !kids.is_empty(),
        children,
    }
}

/// Whether `r` or anything below it matches the filter (memoised per object; cycles count as no match).
fn subtree_matches(
    input: &TreeInput<'_>,
    r: &ResourceRef,
    memo: &mut HashMap<ResourceRef, bool>,
    visiting: &mut HashSet<ResourceRef>,
) -> bool {
    if let Some(m) = memo.get(r) {
        return *m;
    }
    if !visiting.insert(r.clone()) {
        return false;
    }
    let m = input.matches(r)
        || input
            .children(r)
            .iter()
            .any(|c| subtree_matches(input, c, memo, visiting));
    visiting.remove(r);
    memo.insert(r.clone(), m);
    m
}

/// The visible rows, top to bottom.
#[must_use]
pub fn flatten(nodes: &[TreeNode]) -> Vec<Row> {
    fn walk(nodes: &[TreeNode], prefix: &mut TreePath, out: &mut Vec<Row>) {
        for n in nodes {
            prefix.push(n.object.clone());
            out.push(Row {
                path: prefix.clone(),
                expandable: n.expandable,
                open: !n.children.is_empty(),
                matches: n.matches,
            });
            walk(&n.children, prefix, out);
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    walk(nodes, &mut Vec::new(), &mut out);
    out
}

/// A path from a root to `target` in `view`, following parents upward (first parent at each step).
#[must_use]
pub fn path_to(topology: &dyn Topology, view: TreeView, target: &ResourceRef) -> TreePath {
    let mut path = vec![target.clone()];
    let mut seen: HashSet<ResourceRef> = HashSet::from([target.clone()]);
    let mut current = target.clone();
    loop {
        let parents = match view {
            TreeView::Dependency => topology.dependencies(&current),
            TreeView::Ownership => topology.owners(&current),
        };
        let Some(parent) = parents.into_iter().find(|p| !seen.contains(p)) else {
            break;
        };
        seen.insert(parent.clone());
        path.push(parent.clone());
        current = parent;
    }
    path.reverse();
    path
}

//! `NavigatorState`: the tree screen's own state (view, open nodes, selection, filter, jump history) and the
//! selection moves over its visible rows. The rows are rebuilt lazily from the topology when marked stale.

use super::state::ObjectEntry;
use super::topology::Topology;
use super::tree::{self, Row, TreeInput, TreeNode, TreePath, TreeView};
use crate::flux::ResourceRef;
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

/// Most rows `expand_all` opens (a DAG can have very many paths).
pub const EXPAND_ALL_LIMIT: usize = 5_000;

/// The navigator's state.
#[derive(Debug, Default)]
pub struct NavigatorState {
    pub view: TreeView,
    opened: [HashSet<TreePath>; 2],
    /// The selected row's path (empty when nothing is shown).
    pub selected: TreePath,
    pub filter: String,
    /// The filter prompt has the keyboard.
    pub filter_editing: bool,
    /// Where `jump_back` returns to.
    pub jumps: Vec<(TreeView, TreePath)>,
    nodes: Vec<TreeNode>,
    rows: Vec<Row>,
    stale: bool,
    /// Index of the first row on screen (kept between frames, like a list's scroll position).
    offset: usize,
}

/// The data the tree is built from (borrowed from `State`).
pub struct Source<'a> {
    pub topology: &'a dyn Topology,
    pub objects: &'a BTreeMap<ResourceRef, ObjectEntry>,
    pub invalid: &'a BTreeMap<ResourceRef, String>,
}

impl NavigatorState {
    /// The tree's shape changed (objects or edges): rebuild before the next use.
    pub fn mark_stale(&mut self) {
        self.stale = true;
    }

    /// Only what an object's row says changed (its status): the rows read it at draw time, so the tree is
    /// rebuilt only when a filter is set (whether the object matches may have changed).
    pub fn mark_text_changed(&mut self) {
        if !self.filter.trim().is_empty() {
            self.stale = true;
        }
    }

    fn view_index(&self) -> usize {
        match self.view {
            TreeView::Dependency => 0,
            TreeView::Ownership => 1,
        }
    }

    /// Open nodes of the current view.
    #[must_use]
    pub fn opened(&self) -> &HashSet<TreePath> {
        &self.opened[self.view_index()]
    }

    fn opened_mut(&mut self) -> &mut HashSet<TreePath> {
        let i = self.view_index();
        &mut self.opened[i]
    }

    /// Lower-cased filter terms.
    #[must_use]
    pub fn filter_terms(&self) -> Vec<String> {
        self.filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect()
    }

    /// The tree as last built.
    #[must_use]
    pub fn nodes(&self) -> &[TreeNode] {
        &self.nodes
    }

    /// The visible rows as last built.
    #[must_use]
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Rebuilds the tree if stale, then keeps the selection on the same object where possible.
    pub fn refresh(&mut self, src: &Source<'_>) {
        if !self.stale {
            return;
        }
        self.stale = false;
        let terms = self.filter_terms();
        let input = TreeInput {
            topology: src.topology,
            objects: src.objects,
            invalid: src.invalid,
            view: self.view,
            opened: self.opened(),
            filter: &terms,
        };
        self.nodes = tree::build(&input);
        self.rows = tree::flatten(&self.nodes);
        self.fix_selection();
    }

    /// The rows to draw in a pane `height` rows tall (`None`: all of them): the window starts where it did
    /// last time, moved just enough to show the selected row.
    pub fn window(&mut self, height: Option<usize>) -> Range<usize> {
        let len = self.rows.len();
        let height = height.unwrap_or(len);
        if len == 0 || height == 0 {
            return 0..0;
        }
        let mut start = self.offset.min(len - 1);
        if let Some(sel) = self.index() {
            if sel < start {
                start = sel;
            } else if sel >= start + height {
                start = sel + 1 - height;
            }
        }
        self.offset = start;
        start..(start + height).min(len)
    }

    fn index(&self) -> Option<usize> {
        self.rows.iter().position(|r| r.path == self.selected)
    }

    fn fix_selection(&mut self) {
        if let Some(i) = self.index() {
            if !self.rows[i].matches
                && let Some(m) = self.rows.iter().find(|r| r.matches)
            {
                self.selected = m.path.clone();
            }
            return;
        }
        let same_object = self.selected.last().and_then(|want| {
            self.rows
                .iter()
                .find(|r| r.path.last() == Some(want))
                .map(|r| r.path.clone())
        });
        self.selected = same_object
            .or_else(|| self.rows.iter().find(|r| r.matches).map(|r| r.path.clone()))
            .or_else(|| self.rows.first().map(|r| r.path.clone()))
            .unwrap_or_default();
    }

    /// Moves the selection by `delta` rows (clamped).
    pub fn move_by(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        let i = self.index().unwrap_or(0);
        let next = i.saturating_add_signed(delta).min(last);
        self.selected = self.rows[next].path.clone();
    }

    /// Selects the first row.
    pub fn select_first(&mut self) {
        if let Some(r) = self.rows.first() {
            self.selected = r.path.clone();
        }
    }

    /// Selects the last row.
    pub fn select_last(&mut self) {
        if let Some(r) = self.rows.last() {
            self.selected = r.path.clone();
        }
    }

    fn selected_row(&self) -> Option<&Row> {
        self.index().map(|i| &self.rows[i])
    }

    /// Opens the selected node, or moves to its first child when already open.
    pub fn expand(&mut self) {
        let Some(row) = self.selected_row().cloned() else {
            return;
        };
        if row.open {
            self.move_by(1);
        } else if row.expandable {
            self.opened_mut().insert(row.path);
            self.stale = true;
        }
    }

    /// Closes the selected node, or moves to its parent when already closed.
    pub fn collapse(&mut self) {
        let Some(row) = self.selected_row().cloned() else {
            return;
        };
        if row.open && self.filter.is_empty() {
            self.opened_mut().remove(&row.path);
            self.stale = true;
        } else if row.path.len() > 1 {
            self.selected = row.path[..row.path.len() - 1].to_vec();
        }
    }

    /// Opens or closes the selected node.
    pub fn toggle(&mut self) {
        match self.selected_row() {
            Some(r) if r.open => self.collapse(),
            Some(_) => self.expand(),
            None => {}
        }
    }

    /// Opens every node, breadth first, until about [`EXPAND_ALL_LIMIT`] rows are visible.
    pub fn expand_all(&mut self, src: &Source<'_>) {
        for _ in 0..64 {
            self.refresh(src);
            let closed: Vec<TreePath> = self
                .rows
                .iter()
                .filter(|r| r.expandable && !r.open)
                .map(|r| r.path.clone())
                .collect();
            if closed.is_empty() || self.rows.len() >= EXPAND_ALL_LIMIT {
                break;
            }
            self.opened_mut().extend(closed);
            self.stale = true;
        }
        self.refresh(src);
    }

    /// Closes every node.
    pub fn collapse_all(&mut self) {
        self.opened_mut().clear();
        if let Some(root) = self.selected.first().cloned() {
            self.selected = vec![root];
        }
        self.stale = true;
    }

    /// Switches view and keeps the same object selected (revealing it in the other view).
    pub fn switch_view(&mut self, src: &Source<'_>) {
        let current = self.selected.last().cloned();
        self.view = self.view.other();
        self.stale = true;
        if let Some(r) = current {
            self.reveal(src, &r);
        } else {
            self.refresh(src);
        }
    }

    /// Opens the ancestors of `target` in the current view and selects it. The filter is cleared when it
    /// hides the target.
    pub fn reveal(&mut self, src: &Source<'_>, target: &ResourceRef) {
        let path = tree::path_to(src.topology, self.view, target);
        for i in 1..path.len() {
            let prefix = path[..i].to_vec();
            self.opened_mut().insert(prefix);
        }
        self.selected = path.clone();
        self.stale = true;
        self.refresh(src);
        if self.selected != path && !self.filter.is_empty() {
            self.filter.clear();
            self.selected = path;
            self.stale = true;
            self.refresh(src);
        }
    }

    /// Jumps to `target`, remembering where the jump started.
    pub fn jump_to(&mut self, src: &Source<'_>, target: &ResourceRef) {
        self.jumps.push((self.view, self.selected.clone()));
        self.reveal(src, target);
    }

    /// Returns to where the last jump started.
    pub fn jump_back(&mut self, src: &Source<'_>) {
        if let Some((view, path)) = self.jumps.pop() {
            self.view = view;
            for i in 1..path.len() {
                let prefix = path[..i].to_vec();
                self.opened_mut().insert(prefix);
            }
            self.selected = path;
            self.stale = true;
            self.refresh(src);
        }
    }

    /// Replaces the filter text.
    pub fn set_filter(&mut self, text: String) {
        self.filter = text;
        self.stale = true;
    }
}

//! `NavigatorState`: the tree screen's own state (view, open nodes, selection, filter, jump history) and the
//! selection moves over its visible rows. The rows are rebuilt lazily from the topology when marked stale: the
//! view's spanning forest ([`Spanning`]: each object's one place) when the objects or edges changed, the rows
//! alone when the open set or the filter changed. Both are linear in the view's objects plus edges whatever is
//! open or filtered (see `app::tree`).
//!
//! Until the user moves the selection, it stays on the first row, so a fleet that arrives object by object
//! opens at the top of its list.

use super::state::ObjectEntry;
use super::topology::Topology;
use super::tree::{self, Row, RowKey, Spanning, TreeInput, TreeView};
use crate::flux::ResourceRef;
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

/// The navigator's state.
#[derive(Debug, Default)]
pub struct NavigatorState {
    pub view: TreeView,
    /// Objects open at their place, per view.
    opened: [HashSet<ResourceRef>; 2],
    /// The selected row (`None` when nothing is shown).
    pub selected: Option<RowKey>,
    /// The user chose the selection (moved, jumped, revealed); until then it follows the first row.
    chosen: bool,
    pub filter: String,
    /// The filter prompt has the keyboard.
    pub filter_editing: bool,
    /// Where `jump_back` returns to.
    pub jumps: Vec<(TreeView, RowKey)>,
    spanning: Spanning,
    rows: Vec<Row>,
    /// The objects or edges changed: the spanning forest and the rows are rebuilt before the next use.
    stale: bool,
    /// The open set or the filter changed: the rows are rebuilt before the next use.
    rows_stale: bool,
    /// Steps the last rebuild took (spanning forest, if rebuilt, plus rows): bounded by objects plus edges.
    pub work: usize,
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
            self.rows_stale = true;
        }
    }

    fn view_index(&self) -> usize {
        match self.view {
            TreeView::Dependency => 0,
            TreeView::Ownership => 1,
        }
    }

    /// Objects open at their place in the current view.
    #[must_use]
    pub fn opened(&self) -> &HashSet<ResourceRef> {
        &self.opened[self.view_index()]
    }

    fn opened_mut(&mut self) -> &mut HashSet<ResourceRef> {
        let i = self.view_index();
        self.rows_stale = true;
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

    /// The visible rows as last built.
    #[must_use]
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The user chose the selection (it does not just follow the first row).
    #[must_use]
    pub fn chosen(&self) -> bool {
        self.chosen
    }

    /// The selected object.
    #[must_use]
    pub fn selected_object(&self) -> Option<&ResourceRef> {
        self.selected.as_ref().map(|k| &k.object)
    }

    /// Rebuilds what is stale, then keeps the selection on the same object where possible.
    pub fn refresh(&mut self, src: &Source<'_>) {
        if !self.stale && !self.rows_stale {
            return;
        }
        let terms = self.filter_terms();
        let view = self.view_index();
        let input = TreeInput {
            topology: src.topology,
            objects: src.objects,
            invalid: src.invalid,
            view: self.view,
            opened: &self.opened[view],
            filter: &terms,
        };
        self.work = 0;
        if self.stale {
            self.spanning = Spanning::build(&input);
            self.work += self.spanning.work;
        }
        let built = tree::build(&input, &self.spanning);
        self.work += built.work;
        self.rows = built.rows;
        self.stale = false;
        self.rows_stale = false;
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
        let want = self.selected.as_ref()?;
        self.rows.iter().position(|r| r.key == *want)
    }

    /// The first row that matches the filter, at an object's place rather than a mark.
    fn first_match(&self) -> Option<RowKey> {
        self.rows
            .iter()
            .find(|r| r.matches && !r.key.is_mark())
            .or_else(|| self.rows.iter().find(|r| r.matches))
            .or_else(|| self.rows.first())
            .map(|r| r.key.clone())
    }

    fn fix_selection(&mut self) {
        if !self.chosen {
            self.selected = self.first_match();
            return;
        }
        if let Some(i) = self.index() {
            if !self.rows[i].matches {
                self.selected = self.first_match();
            }
            return;
        }
        // The row is gone: the same object (at its place first), else the first match.
        let same_object = self.selected_object().and_then(|want| {
            self.rows
                .iter()
                .filter(|r| r.key.object == *want)
                .min_by_key(|r| r.key.is_mark())
                .map(|r| r.key.clone())
        });
        self.selected = same_object.or_else(|| self.first_match());
    }

    fn select(&mut self, key: RowKey) {
        self.selected = Some(key);
        self.chosen = true;
    }

    /// Moves the selection by `delta` rows (clamped).
    pub fn move_by(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        let i = self.index().unwrap_or(0);
        let next = i.saturating_add_signed(delta).min(last);
        self.select(self.rows[next].key.clone());
    }

    /// Selects the first row.
    pub fn select_first(&mut self) {
        if let Some(r) = self.rows.first() {
            self.select(r.key.clone());
        }
    }

    /// Selects the last row.
    pub fn select_last(&mut self) {
        if let Some(r) = self.rows.last() {
            self.select(r.key.clone());
        }
    }

    fn selected_row(&self) -> Option<&Row> {
        self.index().map(|i| &self.rows[i])
    }

    /// Opens the selected node, or moves to its first child when already open; on a mark of an object shown
    /// elsewhere, goes to its place (a jump: `jump_back` returns).
    pub fn expand(&mut self, src: &Source<'_>) {
        let Some(row) = self.selected_row().cloned() else {
            return;
        };
        if row.key.is_mark() {
            self.jump_to(src, &row.key.object);
        } else if row.open {
            self.move_by(1);
        } else if row.expandable {
            self.opened_mut().insert(row.key.object);
        }
    }

    /// Closes the selected node, or moves to its parent when already closed (or a mark).
    pub fn collapse(&mut self) {
        let Some(row) = self.selected_row().cloned() else {
            return;
        };
        if row.open && self.filter.is_empty() {
            self.opened_mut().remove(&row.key.object);
            self.chosen = true;
        } else if let Some(p) = row.parent {
            self.select(self.rows[p].key.clone());
        }
    }

    /// Opens or closes the selected node.
    pub fn toggle(&mut self, src: &Source<'_>) {
        match self.selected_row() {
            Some(r) if r.open => self.collapse(),
            Some(_) => self.expand(src),
            None => {}
        }
    }

    /// Opens every object at its place. The rows stay within the view's objects plus edges (see `app::tree`).
    pub fn expand_all(&mut self, src: &Source<'_>) {
        self.refresh(src);
        let all: Vec<ResourceRef> = self.spanning.with_children().cloned().collect();
        self.opened_mut().extend(all);
        self.refresh(src);
    }

    /// Closes every node.
    pub fn collapse_all(&mut self) {
        self.opened_mut().clear();
        let root = self
            .selected_object()
            .map(|r| self.spanning.path_to(r))
            .and_then(|p| p.first().cloned());
        if let Some(root) = root {
            self.select(RowKey::place(root));
        }
    }

    /// Switches view and keeps the same object selected (revealing it in the other view).
    pub fn switch_view(&mut self, src: &Source<'_>) {
        let current = self.selected_object().cloned();
        self.view = self.view.other();
        self.stale = true;
        match current {
            Some(r) if self.chosen => self.reveal(src, &r),
            _ => self.refresh(src),
        }
    }

    /// Opens the way to `target`'s place in the current view and selects it there. The filter is cleared
    /// when it hides the target.
    pub fn reveal(&mut self, src: &Source<'_>, target: &ResourceRef) {
        self.refresh(src);
        let path = self.spanning.path_to(target);
        if path.is_empty() {
            return;
        }
        let ancestors = &path[..path.len() - 1];
        self.opened_mut().extend(ancestors.iter().cloned());
        let key = RowKey::place(target.clone());
        self.select(key.clone());
        self.refresh(src);
        if self.selected.as_ref() != Some(&key) && !self.filter.is_empty() {
            self.filter.clear();
            self.select(key);
            self.rows_stale = true;
            self.refresh(src);
        }
    }

    /// Jumps to `target`, remembering where the jump started.
    pub fn jump_to(&mut self, src: &Source<'_>, target: &ResourceRef) {
        if let Some(from) = self.selected.clone() {
            self.jumps.push((self.view, from));
        }
        self.reveal(src, target);
    }

    /// Returns to where the last jump started.
    pub fn jump_back(&mut self, src: &Source<'_>) {
        if let Some((view, key)) = self.jumps.pop() {
            if view != self.view {
                self.view = view;
                self.stale = true;
            }
            self.refresh(src);
            // Open the way to the row: the object's place, or the place of the parent a mark hangs under.
            let anchor = key.under.clone().unwrap_or_else(|| key.object.clone());
            let path = self.spanning.path_to(&anchor);
            let open_to = if key.is_mark() {
                path.len()
            } else {
                path.len().saturating_sub(1)
            };
            self.opened_mut().extend(path.into_iter().take(open_to));
            self.select(key);
            self.refresh(src);
        }
    }

    /// Replaces the filter text.
    pub fn set_filter(&mut self, text: String) {
        self.filter = text;
        self.rows_stale = true;
    }
}

//! Marked objects for a bulk action: `space` marks or unmarks the selected object (tree, timings, Problems),
//! "mark chain" marks a blocked object's root cause and everything blocked behind it, and [`ordered`] gives the
//! marked objects in dependency order (what others wait on first), as a bulk executes them.

use super::state::State;
use super::topology::Topology as _;
use crate::flux::ResourceRef;
use crate::graph::Graph;
use std::collections::{BTreeMap, BTreeSet};

/// Marks or unmarks the shown screen's selection.
pub fn toggle(state: &mut State) {
    let Some(r) = super::inspect::screen_selection(state) else {
        return;
    };
    if super::actions::target_of(&r).is_none() {
        state.input_note = Some(format!("no action targets a {}: not marked", r.kind));
        return;
    }
    if !state.actions.marks.remove(&r) {
        state.actions.marks.insert(r);
    }
}

/// Marks the selection's root cause (the selection itself when it is one) and everything blocked behind it.
pub fn mark_chain(state: &mut State) {
    let Some(r) = super::inspect::screen_selection(state) else {
        return;
    };
    let cause = state.graph.root_cause(&r).unwrap_or(r);
    let behind: Vec<ResourceRef> = state
        .graph
        .blast_radius(&cause)
        .into_iter()
        .cloned()
        .collect();
    let marks = &mut state.actions.marks;
    marks.clear();
    marks.insert(cause);
    marks.extend(behind);
    marks.retain(|m| super::actions::target_of(m).is_some());
    state.input_note = Some(format!(
        "{} marked: the root cause and what waits behind it",
        marks.len()
    ));
}

/// The banner while objects are marked: how many, and the keys that act on them or unmark them.
#[must_use]
pub fn banner(state: &State) -> String {
    let key = |a| {
        state
            .keymap
            .key_for(crate::config::Mode::Common, a)
            .map(|k| crate::text::sanitize_line(&k).into_owned())
            .unwrap_or_default()
    };
    format!(
        "{} marked (•): {} acts on them in dependency order, {} unmarks all",
        state.actions.marks.len(),
        key(super::action::Action::OpenActions),
        key(super::action::Action::ClearMarks)
    )
}

/// The marked objects in dependency order.
#[must_use]
pub fn ordered(state: &State) -> Vec<ResourceRef> {
    in_dependency_order(&state.graph, &state.actions.marks)
}

/// `set` ordered so that every object comes after what it waits on (directly or through others, in the whole
/// graph); ties by reference. A cycle does not loop: its objects keep the level reached first.
#[must_use]
pub fn in_dependency_order(graph: &Graph, set: &BTreeSet<ResourceRef>) -> Vec<ResourceRef> {
    let mut levels: BTreeMap<ResourceRef, usize> = BTreeMap::new();
    for r in set {
        level(graph, r, &mut levels, &mut BTreeSet::new());
    }
    let mut out: Vec<ResourceRef> = set.iter().cloned().collect();
    out.sort_by_key(|r| (levels.get(r).copied().unwrap_or(0), r.clone()));
    out
}

/// Longest chain of dependencies below `r` (0: waits on nothing), memoised; `visiting` breaks cycles.
fn level(
    graph: &Graph,
    r: &ResourceRef,
    memo: &mut BTreeMap<ResourceRef, usize>,
    visiting: &mut BTreeSet<ResourceRef>,
) -> usize {
    if let Some(l) = memo.get(r) {
        return *l;
    }
    if !visiting.insert(r.clone()) {
        return 0;
    }
    let deps: Vec<ResourceRef> = graph.dependencies(r).into_iter().cloned().collect();
    let l = deps
        .iter()
        .map(|d| level(graph, d, memo, visiting) + 1)
        .max()
        .unwrap_or(0);
    visiting.remove(r);
    memo.insert(r.clone(), l);
    l
}

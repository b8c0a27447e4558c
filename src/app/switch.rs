//! Which screen a key acts on, and moving between screens. The selection is the shown screen's own (the tree's
//! row, the timings list's row, the DAG's node): keys act only on the screen that is shown, never on a hidden
//! one, and switching screens carries the shown screen's selection to the next one.

use super::action::Action;
use super::navigator::Source;
use super::state::{Focus, Screen, State};
use crate::flux::ResourceRef;

/// The object the user selected on the screen that is shown (`None` while the screen still shows its first row
/// by default: the next screen then opens at its own top).
#[must_use]
pub fn selection(state: &State) -> Option<ResourceRef> {
    match state.screen {
        Screen::Tree => state
            .navigator
            .chosen()
            .then(|| state.selected().cloned())
            .flatten(),
        Screen::Timings => state
            .timings_list
            .selected
            .is_some()
            .then(|| state.timings_list.selected_ref().cloned())
            .flatten(),
        Screen::Dag => state.dag.selected_ref().cloned(),
        // Only a row the user chose (the first row is the default, not a choice).
        Screen::Problems => state.problems.selected.clone(),
        Screen::Inspect => state.inspect.target.clone(),
        // Executions, runbooks and snapshots are not objects of the tree.
        Screen::Jobs | Screen::Runbooks | Screen::Walk | Screen::Snapshots => None,
    }
}

/// Whether `action` belongs to the tree screen (its rows, views and jumps) and so does nothing while another
/// screen is shown. (The root-cause jump also works from the timings list, on its row.)
#[must_use]
pub fn tree_only(action: Action) -> bool {
    matches!(
        action,
        Action::MoveUp
            | Action::MoveDown
            | Action::PageUp
            | Action::PageDown
            | Action::SelectFirst
            | Action::SelectLast
            | Action::Expand
            | Action::Collapse
            | Action::ToggleNode
            | Action::ExpandAll
            | Action::CollapseAll
            | Action::SwitchView
            | Action::JumpBack
    )
}

/// Whether `action` changes something only the tree and timings screens show (the detail pane, the filter) and
/// so does nothing on the DAG screen.
#[must_use]
pub fn not_on_dag(action: Action) -> bool {
    matches!(
        action,
        Action::ToggleDetail
            | Action::FocusDetail
            | Action::FocusNavigator
            | Action::ScrollDown
            | Action::ScrollUp
            | Action::JumpToRootCause
            | Action::FollowNextStep
            | Action::ClearFilter
            | Action::FilterDeleteChar
            | Action::ApplyFilter
    )
}

/// Shows `to`, selecting there what the shown screen has selected.
pub fn show(state: &mut State, to: Screen) {
    if to == state.screen {
        return;
    }
    let carried = selection(state);
    state.screen = to;
    state.focus = Focus::Navigator;
    if to == Screen::Dag {
        // Stuck / overdue marks widen boxes: they are part of the layout.
        state.dag.sync_marks(&state.timings);
    }
    let Some(r) = carried else {
        if to == Screen::Dag {
            let selected = state.selected().cloned();
            state.dag.open(&state.graph, selected.as_ref());
        }
        return;
    };
    match to {
        Screen::Tree => select_in_tree(state, &r),
        Screen::Timings => {
            super::timings_view::refresh(state);
            state.timings_list.selected = Some(r);
        }
        Screen::Dag => state.dag.open(&state.graph, Some(&r)),
        // The Problems list holds root causes only (its own order); the drill-down opens through `app::inspect`.
        Screen::Problems
        | Screen::Inspect
        | Screen::Jobs
        | Screen::Runbooks
        | Screen::Walk
        | Screen::Snapshots => {}
    }
}

/// Selects `r` in the tree, opening the way to its place, unless the filter hides it (the filter is the
/// user's: it is kept, and the tree's selection with it).
fn select_in_tree(state: &mut State, r: &ResourceRef) {
    let terms = state.navigator.filter_terms();
    let shown = terms.is_empty()
        || state.objects.get(r).is_some_and(|e| {
            terms
                .iter()
                .all(|t| super::command::term_matches(t, r.kind, &e.search_text))
        });
    if !shown || state.selected() == Some(r) {
        return;
    }
    let src = Source {
        topology: &state.graph,
        objects: &state.objects,
        invalid: &state.invalid,
    };
    state.navigator.reveal(&src, r);
    state.detail_scroll = 0;
}

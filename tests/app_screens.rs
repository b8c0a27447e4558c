//! Keys act on the screen that is shown, and switching screens carries its selection: `2` in the timings list
//! centres the DAG on the timings row, `tab` there does not switch the hidden tree's view, `3` from the DAG
//! selects the DAG's node in the timings list, `1` selects it in the tree, and `2` on the DAG keeps its own
//! selection.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fluxops::app::state::Screen;
use fluxops::app::tree::TreeView;
use fluxops::app::{Msg, State, update};
use fluxops::flux::{FluxKind, ResourceRef};
use support::objects::r;
use support::timings::state_with_runs;

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn named(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn apps() -> ResourceRef {
    r(FluxKind::Kustomization, "flux-system", "apps")
}

/// The timings list shown with a row selected that is not the tree's selection.
fn timings_with_a_row_selected() -> (State, ResourceRef) {
    let mut state = state_with_runs();
    state.reveal(&apps());
    update(&mut state, key('3'));
    update(&mut state, named(KeyCode::Down));
    update(&mut state, named(KeyCode::Down));
    let row = state.timings_list.selected_ref().cloned().unwrap();
    assert_ne!(
        Some(&row),
        state.selected(),
        "the fixture picks another object"
    );
    (state, row)
}

#[test]
fn key_2_in_the_timings_list_centres_the_dag_on_the_timings_row() {
    let (mut state, row) = timings_with_a_row_selected();
    update(&mut state, key('2'));
    assert_eq!(state.screen, Screen::Dag);
    assert_eq!(state.dag.centre.as_ref(), Some(&row));
    // Selected: the row's node (or the box of the blocked chain it is folded into).
    let layout = state.dag.layout().unwrap();
    assert_eq!(
        layout.graph.folded.index_of(&row),
        state.dag.selected_index()
    );
}

#[test]
fn tab_in_the_timings_list_does_not_switch_the_hidden_tree() {
    let (mut state, row) = timings_with_a_row_selected();
    update(&mut state, named(KeyCode::Tab));
    assert_eq!(state.navigator.view, TreeView::Dependency);
    assert_eq!(state.screen, Screen::Timings);
    assert_eq!(state.timings_list.selected_ref(), Some(&row));
}

#[test]
fn tree_keys_on_the_dag_screen_leave_the_tree_alone() {
    let mut state = state_with_runs();
    state.reveal(&apps());
    update(&mut state, key('2'));
    for k in [named(KeyCode::Tab), key('d'), key('E')] {
        update(&mut state, k);
    }
    assert_eq!(state.navigator.view, TreeView::Dependency);
    assert!(state.detail_visible);
    assert_eq!(state.selected(), Some(&apps()));
}

#[test]
fn switching_screens_carries_the_shown_screens_selection() {
    let mut state = state_with_runs();
    state.reveal(&apps());
    update(&mut state, key('2'));
    // Up to what apps waits on, then to the timings list: the DAG's node is selected there.
    update(&mut state, named(KeyCode::Up));
    let node = state.dag.selected_ref().cloned().unwrap();
    assert_ne!(node, apps());
    update(&mut state, key('3'));
    assert_eq!(state.timings_list.selected_ref(), Some(&node));
    // And from the timings list to the tree.
    update(&mut state, named(KeyCode::Down));
    let row = state.timings_list.selected_ref().cloned().unwrap();
    update(&mut state, key('1'));
    assert_eq!(state.screen, Screen::Tree);
    assert_eq!(state.selected(), Some(&row));
}

#[test]
fn key_2_on_the_dag_keeps_the_dags_own_selection() {
    let mut state = state_with_runs();
    state.reveal(&apps());
    update(&mut state, key('2'));
    update(&mut state, named(KeyCode::Up));
    let node = state.dag.selected_ref().cloned().unwrap();
    update(&mut state, key('2'));
    assert_eq!(state.dag.selected_ref(), Some(&node));
}

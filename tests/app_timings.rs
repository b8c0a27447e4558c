//! The timings in the console: `update` feeds them from cluster events and ticks, key `3` shows the list, `s`
//! sorts it, Enter shows the object in the tree; the status bar and the detail pane show what the timings say.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fluxops::app::state::Screen;
use fluxops::app::view::{self, FlagView};
use fluxops::app::{Msg, State, update};
use fluxops::cluster::ClusterEvent;
use fluxops::config::Mode;
use fluxops::flux::{FluxKind, ResourceRef};
use fluxops::timing::SortKey;
use std::sync::Arc;
use support::console::{loaded_state, now};
use support::objects::r;
use support::timings::{later, state_with_runs};

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn named(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn totals(state: &mut State) -> Vec<(FlagView, usize)> {
    view::build(state, later(600)).status.timing_totals
}

fn list_names(state: &mut State) -> Vec<String> {
    let v = view::build(state, later(600));
    v.timings
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.name)
        .collect()
}

#[test]
fn key_3_shows_the_timings_list_and_1_goes_back_to_the_tree() {
    let mut state = state_with_runs();
    update(&mut state, key('3'));
    assert_eq!(state.screen, Screen::Timings);
    assert_eq!(state.mode(), Mode::Timings);
    assert!(view::build(&mut state, later(600)).timings.is_some());
    update(&mut state, key('1'));
    assert_eq!(state.screen, Screen::Tree);
    assert!(view::build(&mut state, later(600)).timings.is_none());
    update(&mut state, key('3'));
    update(&mut state, named(KeyCode::Esc));
    assert_eq!(state.screen, Screen::Tree, "esc also goes back");
}

#[test]
fn status_bar_counts_overdue_stuck_and_slow_objects() {
    let mut state = state_with_runs();
    assert_eq!(
        totals(&mut state),
        [
            (FlagView::Overdue, 2),
            (FlagView::Stuck, 1),
            (FlagView::Slow, 1)
        ]
    );
    // frontend's run finishes and its controller observes the new generation: no longer stuck
    let mut frontend = support::console::fleet()
        .into_iter()
        .find(|o| o.name() == "frontend")
        .unwrap();
    frontend.status.observed_generation = Some(5);
    frontend
        .status
        .conditions
        .retain(|c| c.type_ != "Reconciling");
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(frontend))),
    );
    assert_eq!(
        totals(&mut state),
        [(FlagView::Overdue, 2), (FlagView::Slow, 1)]
    );
}

#[test]
fn a_fresh_fleet_has_no_flags_on_the_status_bar() {
    let mut state = loaded_state();
    assert!(
        view::build(&mut state, now())
            .status
            .timing_totals
            .is_empty()
    );
}

#[test]
fn the_list_ranks_by_last_duration_then_s_cycles_the_measure() {
    let mut state = state_with_runs();
    update(&mut state, key('3'));
    let names = list_names(&mut state);
    assert_eq!(names[0], "flux-system/infra-controllers", "45s run first");
    assert_eq!(names[1], "flux-system/flux-system");
    assert_eq!(state.timings_list.sort, SortKey::LastDuration);
    update(&mut state, key('s'));
    assert_eq!(state.timings_list.sort, SortKey::P95);
    update(&mut state, key('s'));
    assert_eq!(state.timings_list.sort, SortKey::OverdueBy);
    let _ = list_names(&mut state);
    let overdue_first: Vec<ResourceRef> = state.timings_list.rows()[..2].to_vec();
    assert_eq!(
        overdue_first,
        [
            r(FluxKind::GitRepository, "flux-system", "flux-system"),
            r(FluxKind::GitRepository, "flux-system", "podinfo"),
        ],
        "the overdue sources first, the one due earliest first"
    );
    let title = view::build(&mut state, later(600)).timings.unwrap().title;
    assert!(title.contains("sorted by overdue"), "{title}");
}

#[test]
fn the_selection_moves_and_a_resort_selects_and_shows_the_worst_row() {
    let mut state = state_with_runs();
    update(&mut state, key('3'));
    update(&mut state, key('j'));
    let picked = state.timings_list.selected_ref().cloned().unwrap();
    assert_eq!(
        picked,
        r(FluxKind::Kustomization, "flux-system", "flux-system")
    );
    // Scrolled down a small window, then sorted: the worst row by the new measure is selected and drawn.
    update(
        &mut state,
        Msg::Resize {
            width: 120,
            height: 12,
        },
    );
    update(&mut state, named(KeyCode::End));
    let _ = view::build(&mut state, later(600));
    for _ in 0..2 {
        update(&mut state, key('s'));
        let v = view::build(&mut state, later(600)).timings.unwrap();
        assert_eq!(state.timings_list.selected_index(), Some(0));
        assert_eq!(v.first_row, 0, "the worst row is in the window");
        assert_eq!(v.selected, Some(0));
        assert_eq!(
            state.timings_list.selected_ref(),
            state.timings_list.rows().first()
        );
    }
    assert_eq!(state.timings_list.sort, SortKey::OverdueBy);
    update(&mut state, named(KeyCode::Home));
    assert_eq!(state.timings_list.selected_index(), Some(0));
    update(&mut state, named(KeyCode::End));
    assert_eq!(
        state.timings_list.selected_index(),
        Some(state.timings_list.rows().len() - 1)
    );
}

#[test]
fn enter_shows_the_selected_object_in_the_tree() {
    let mut state = state_with_runs();
    update(&mut state, key('3'));
    update(&mut state, key('s'));
    update(&mut state, key('s'));
    let target = r(FluxKind::GitRepository, "flux-system", "podinfo");
    let _ = list_names(&mut state);
    let at = state
        .timings_list
        .rows()
        .iter()
        .position(|r| *r == target)
        .unwrap();
    update(&mut state, named(KeyCode::Home));
    for _ in 0..at {
        update(&mut state, key('j'));
    }
    assert_eq!(state.timings_list.selected_ref(), Some(&target));
    update(&mut state, named(KeyCode::Enter));
    assert_eq!(state.screen, Screen::Tree);
    assert_eq!(state.selected(), Some(&target));
}

#[test]
fn the_detail_pane_follows_the_list_selection_and_shows_the_runs() {
    let mut state = state_with_runs();
    update(&mut state, key('3'));
    update(&mut state, key('j'));
    let v = view::build(&mut state, later(600));
    let detail = v.detail.unwrap();
    assert_eq!(detail.title, "Kustomization flux-system/flux-system");
    let timing = detail.timing.unwrap();
    assert_eq!(timing.durations_ms, [2100, 1900, 2000, 2050, 1950, 9500]);
    assert!(timing.summary.contains("p50 2.0s"), "{}", timing.summary);
    assert!(timing.summary.contains("6 runs"), "{}", timing.summary);
    assert_eq!(timing.flags.len(), 1);
    assert_eq!(timing.flags[0].0, FlagView::Slow);
}

#[test]
fn objects_without_runs_or_flags_have_no_timing_block() {
    let mut state = state_with_runs();
    state.reveal(&r(
        FluxKind::HelmRepository,
        "flux-system",
        "prometheus-community",
    ));
    let v = view::build(&mut state, later(600));
    assert!(v.detail.unwrap().timing.is_none());
}

#[test]
fn the_filter_narrows_the_timings_list() {
    let mut state = state_with_runs();
    update(&mut state, key('3'));
    let all = list_names(&mut state).len();
    update(&mut state, key('/'));
    for c in "infra".chars() {
        update(&mut state, key(c));
    }
    update(&mut state, named(KeyCode::Enter));
    assert_eq!(state.mode(), Mode::Timings);
    let names = list_names(&mut state);
    assert!(names.len() < all);
    assert!(names.iter().all(|n| n.contains("infra")), "{names:?}");
}

#[test]
fn a_deleted_object_leaves_the_list_and_the_totals() {
    let mut state = state_with_runs();
    let flux = r(FluxKind::Kustomization, "flux-system", "flux-system");
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Deleted(flux.clone())),
    );
    update(&mut state, key('3'));
    let _ = list_names(&mut state);
    assert!(!state.timings_list.rows().contains(&flux));
    assert!(!totals(&mut state).iter().any(|(f, _)| *f == FlagView::Slow));
}

#[test]
fn ticks_turn_flags_on_when_their_moment_comes() {
    let mut state = loaded_state();
    let podinfo = r(FluxKind::GitRepository, "flux-system", "podinfo");
    // failing since its 03:27 event, 5m interval, 60s timeout, 1m grace: overdue after 03:34
    update(&mut state, Msg::Tick(later(3 * 60 + 59)));
    assert!(!state.timings.get(&podinfo).unwrap().flags.overdue);
    update(&mut state, Msg::Tick(later(4 * 60 + 1)));
    assert!(state.timings.get(&podinfo).unwrap().flags.overdue);
}

#[test]
fn the_list_counts_every_object_the_tree_does() {
    let mut state = state_with_runs();
    let bad = r(FluxKind::Kustomization, "team-a", "broken");
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Invalid {
            object: bad.clone(),
            error: "spec.interval: invalid type".to_owned(),
        }),
    );
    update(&mut state, key('3'));
    let v = view::build(&mut state, later(600)).timings.unwrap();
    assert_eq!(v.total_rows, state.objects.len() + state.invalid.len());
    let rows: std::collections::BTreeSet<ResourceRef> =
        state.timings_list.rows().iter().cloned().collect();
    let objects: std::collections::BTreeSet<ResourceRef> = state
        .objects
        .keys()
        .chain(state.invalid.keys())
        .cloned()
        .collect();
    assert_eq!(rows, objects);
    assert_eq!(
        state.timings_list.rows().last(),
        Some(&bad),
        "no timings: last"
    );
}

/// The refs listed with the filter `text` typed on the timings list.
fn filtered(state: &mut State, text: &str) -> Vec<ResourceRef> {
    update(state, key('/'));
    for _ in 0..20 {
        update(state, named(KeyCode::Backspace));
    }
    for c in text.chars() {
        update(state, key(c));
    }
    update(state, named(KeyCode::Enter));
    let _ = list_names(state);
    state.timings_list.rows().to_vec()
}

#[test]
fn the_filter_finds_objects_by_flag_and_by_failure() {
    let mut state = state_with_runs();
    update(&mut state, key('3'));
    let _ = list_names(&mut state);
    for (word, has) in [
        (
            "stuck",
            (|f: fluxops::timing::Flags| f.stuck.is_some()) as fn(_) -> bool,
        ),
        ("overdue", |f| f.overdue),
        ("slow", |f| f.slow),
    ] {
        let rows = filtered(&mut state, word);
        let want: Vec<&ResourceRef> = state
            .timings
            .iter()
            .filter(|(_, t)| t.has_object() && has(t.flags))
            .map(|(r, _)| r)
            .collect();
        assert!(!want.is_empty(), "the fixture has {word} objects");
        assert_eq!(rows.len(), want.len(), "/{word}: {rows:?}");
        assert!(want.iter().all(|r| rows.contains(r)), "/{word}: {rows:?}");
    }
    let failing = filtered(&mut state, "fail");
    let want: Vec<&ResourceRef> = state
        .objects
        .iter()
        .filter(|(_, e)| e.status.health.is_failure())
        .map(|(r, _)| r)
        .collect();
    assert!(
        state
            .objects
            .values()
            .any(|e| e.status.health == fluxops::flux::Health::Stalled),
        "the fixture has a Stalled object"
    );
    // Every object failing by its own fault, Stalled ones too (others may match on their reason's words).
    assert!(want.iter().all(|r| failing.contains(r)), "{failing:?}");
}

#[test]
fn the_order_follows_changed_measures_at_the_next_tick() {
    let mut state = state_with_runs();
    update(&mut state, key('3'));
    let _ = list_names(&mut state);
    let apps = r(FluxKind::Kustomization, "flux-system", "apps");
    update(
        &mut state,
        support::timings::finished("apps", later(590), std::time::Duration::from_secs(7200), 7),
    );
    let _ = list_names(&mut state);
    assert_ne!(
        state.timings_list.rows()[0],
        apps,
        "not re-sorted within a tick"
    );
    update(&mut state, Msg::Tick(later(601)));
    let _ = list_names(&mut state);
    assert_eq!(state.timings_list.rows()[0], apps, "re-sorted at the tick");
}

#[test]
fn a_run_in_progress_shows_how_long_it_has_been_going() {
    // frontend: Reconciling=True (Progressing) since 03:29, the clock at 03:40, timeout 5m: stuck.
    let mut state = state_with_runs();
    update(&mut state, key('3'));
    let v = view::build(&mut state, later(600));
    let row = v
        .timings
        .unwrap()
        .rows
        .into_iter()
        .find(|r| r.name == "apps/frontend")
        .unwrap();
    assert_eq!(row.next, "run 11m");
    assert_eq!(row.flags, [FlagView::Stuck]);
    let frontend = r(FluxKind::HelmRelease, "apps", "frontend");
    let at = state
        .timings_list
        .rows()
        .iter()
        .position(|r| *r == frontend)
        .unwrap();
    update(&mut state, named(KeyCode::Home));
    for _ in 0..at {
        update(&mut state, key('j'));
    }
    let detail = view::build(&mut state, later(600)).detail.unwrap();
    let timing = detail.timing.unwrap();
    assert!(
        timing.schedule.contains("running for 11m (timeout 5m0s)"),
        "{}",
        timing.schedule
    );
    assert!(
        timing.flags[0]
            .1
            .starts_with("stuck: reconciling past its timeout"),
        "{:?}",
        timing.flags
    );
}

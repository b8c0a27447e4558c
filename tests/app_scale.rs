//! How the console keeps its cost proportional to what is visible: a status-only update keeps the tree (its
//! rows read the new status when drawn), an update that adds an edge rebuilds it, the status bar's counts follow
//! every change, and a frame builds only the rows that fit on the screen, scrolled to show the selection.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use fluxops::app::view::{self, Fold};
use fluxops::app::{Action, Msg, State, update};
use fluxops::cluster::ClusterEvent;
use fluxops::config::Config;
use fluxops::flux::{FluxKind, FluxObject, Health};
use std::sync::Arc;
use support::console::now;
use support::objects::r;

fn kustomization(name: &str, depends_on: &[&str], ready: bool) -> FluxObject {
    let (status, reason) = if ready {
        ("True", "ReconciliationSucceeded")
    } else {
        ("False", "BuildFailed")
    };
    serde_json::from_value(serde_json::json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "team", "generation": 1},
        "spec": {"dependsOn": depends_on.iter().map(|d| serde_json::json!({"name": d})).collect::<Vec<_>>()},
        "status": {"observedGeneration": 1, "conditions": [
            {"type": "Ready", "status": status, "reason": reason, "message": "m"}
        ]}
    }))
    .unwrap()
}

fn upsert(state: &mut State, o: FluxObject) {
    update(state, Msg::Cluster(ClusterEvent::Upserted(Arc::new(o))));
}

fn counts(state: &mut State) -> Vec<(Health, usize)> {
    view::build(state, now()).status.counts
}

/// `n` independent Kustomizations `ks-000` … (all roots of the dependency view).
fn roots(n: usize) -> State {
    let mut state = State::new(Config::builtin(), support::console::labels());
    for i in 0..n {
        upsert(&mut state, kustomization(&format!("ks-{i:03}"), &[], true));
    }
    fluxops::app::update::refresh(&mut state);
    state
}

#[test]
fn a_status_only_update_keeps_the_tree_but_its_row_and_counts_change() {
    let mut state = roots(3);
    let rows_before = state.navigator.rows().to_vec();
    assert_eq!(counts(&mut state), vec![(Health::Ready, 3)]);

    upsert(&mut state, kustomization("ks-001", &[], false));

    assert_eq!(state.navigator.rows(), rows_before.as_slice());
    let v = view::build(&mut state, now());
    let row = v
        .navigator
        .rows
        .iter()
        .find(|n| n.id == r(FluxKind::Kustomization, "team", "ks-001"))
        .unwrap();
    assert_eq!(row.row.health, Some(Health::Failing));
    assert_eq!(row.row.reason, "BuildFailed");
    assert_eq!(
        v.status.counts,
        vec![(Health::Ready, 2), (Health::Failing, 1)]
    );
}

#[test]
fn a_new_dependency_moves_the_object_under_what_it_waits_on() {
    let mut state = roots(3);
    upsert(&mut state, kustomization("ks-002", &["ks-000"], true));
    let v = view::build(&mut state, now());
    let ids: Vec<_> = v.navigator.rows.iter().map(|n| n.id.name.clone()).collect();
    assert_eq!(ids, ["ks-000", "ks-001"], "ks-002 now hangs under ks-000");
    assert_eq!(v.navigator.rows[0].fold, Fold::Closed);
}

#[test]
fn removing_and_invalidating_objects_update_the_counts() {
    let mut state = roots(3);
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Deleted(r(
            FluxKind::Kustomization,
            "team",
            "ks-000",
        ))),
    );
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Invalid {
            object: r(FluxKind::Kustomization, "team", "ks-001"),
            error: "bad".to_owned(),
        }),
    );
    assert_eq!(counts(&mut state), vec![(Health::Ready, 1)]);
}

#[test]
fn a_frame_builds_only_the_rows_that_fit_and_scrolls_to_the_selection() {
    let mut state = roots(200);
    update(
        &mut state,
        Msg::Resize {
            width: 120,
            height: 30,
        },
    );
    let fit = fluxops::layout::tree_rows(30, 0, false);
    let v = view::build(&mut state, now());
    assert_eq!(v.navigator.rows.len(), fit);
    assert_eq!(v.navigator.total_rows, 200);
    assert!(v.navigator.rows[0].selected);

    update(&mut state, Msg::Action(Action::SelectLast));
    let v = view::build(&mut state, now());
    assert_eq!(v.navigator.rows.len(), fit);
    assert_eq!(v.navigator.first_row, 200 - fit);
    assert!(v.navigator.rows.last().unwrap().selected);

    // Moving up inside the window does not scroll it.
    update(&mut state, Msg::Action(Action::MoveUp));
    let v = view::build(&mut state, now());
    assert_eq!(v.navigator.first_row, 200 - fit);
    assert!(v.navigator.rows[fit - 2].selected);
}

#[test]
fn a_fleet_arriving_object_by_object_opens_at_the_top_of_its_list() {
    let mut state = State::new(Config::builtin(), support::console::labels());
    update(
        &mut state,
        Msg::Resize {
            width: 120,
            height: 30,
        },
    );
    // The first object to arrive sorts last; a frame is drawn between arrivals.
    for i in (100..300).rev() {
        upsert(&mut state, kustomization(&format!("ks-{i:03}"), &[], true));
        let _ = view::build(&mut state, now());
    }
    let v = view::build(&mut state, now());
    assert_eq!(v.navigator.first_row, 0);
    assert!(v.navigator.rows[0].selected, "the top row is selected");

    // Once the user has chosen a row, objects arriving before it keep it selected.
    update(&mut state, Msg::Action(Action::MoveDown));
    let chosen = state.selected().cloned();
    for i in 0..50 {
        upsert(&mut state, kustomization(&format!("ks-{i:03}"), &[], true));
    }
    let _ = view::build(&mut state, now());
    assert_eq!(state.selected().cloned(), chosen);
}

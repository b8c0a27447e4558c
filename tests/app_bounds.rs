//! Every user-driven computation stays within a bound on graphs whose number of paths is exponential or
//! quadratic: a `dependsOn` chain of 1,000 Kustomizations that all read one GitRepository, and lattices of
//! diamonds (each layer of two waits on both objects of the layer above) of 24, 36 and 200 objects. Typing a
//! filter, expanding everything, switching views, revealing an object and the DAG screen (neighbourhood and whole
//! graph) are checked by counting what they build (rows, steps, laid-out nodes), not by timing them.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use fluxops::app::{Action, Msg, State, update, view};
use fluxops::cluster::ClusterEvent;
use fluxops::config::Config;
use fluxops::flux::{FluxKind, FluxObject, ResourceRef};
use std::sync::Arc;
use support::console::now;

fn kustomization(name: &str, depends_on: &[String], source: Option<&str>) -> FluxObject {
    let mut spec = serde_json::json!({
        "dependsOn": depends_on.iter().map(|d| serde_json::json!({"name": d})).collect::<Vec<_>>(),
    });
    if let Some(source) = source {
        spec["sourceRef"] = serde_json::json!({"kind": "GitRepository", "name": source});
    }
    serde_json::from_value(serde_json::json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "team", "generation": 1},
        "spec": spec,
        "status": {"observedGeneration": 1, "conditions": [
            {"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "m"}
        ]}
    }))
    .unwrap()
}

fn git(name: &str) -> FluxObject {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": {"name": name, "namespace": "team", "generation": 1},
        "spec": {"url": "https://example.com/repo", "interval": "1m"},
        "status": {"observedGeneration": 1, "conditions": [
            {"type": "Ready", "status": "True", "reason": "Succeeded", "message": "m"}
        ]}
    }))
    .unwrap()
}

/// A state holding `objects`, drawn once on a 120×32 terminal.
fn state_of(objects: Vec<FluxObject>) -> State {
    let mut state = State::new(Config::builtin(), support::console::labels());
    for o in objects {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(o))),
        );
    }
    update(
        &mut state,
        Msg::Resize {
            width: 120,
            height: 32,
        },
    );
    let _ = view::build(&mut state, now());
    state
}

/// `ks-0000` … `ks-{n-1}`, each waiting on the one before and all reading GitRepository `repo`: object k has k+1
/// paths from the root, so there are n²/2 of them.
fn chain(n: usize) -> Vec<FluxObject> {
    let mut out = vec![git("repo")];
    for i in 0..n {
        let deps: Vec<String> = (i > 0)
            .then(|| format!("ks-{:04}", i - 1))
            .into_iter()
            .collect();
        out.push(kustomization(&format!("ks-{i:04}"), &deps, Some("repo")));
    }
    out
}

/// `objects / 2` layers of two Kustomizations, `d-LL-a` and `d-LL-b`, each waiting on both of the layer above:
/// 2^(layers) paths to the last layer.
fn lattice(objects: usize) -> Vec<FluxObject> {
    let layers = objects / 2;
    let mut out = Vec::new();
    for l in 0..layers {
        let deps: Vec<String> = if l == 0 {
            Vec::new()
        } else {
            vec![format!("d-{:03}-a", l - 1), format!("d-{:03}-b", l - 1)]
        };
        for side in ["a", "b"] {
            out.push(kustomization(&format!("d-{l:03}-{side}"), &deps, None));
        }
    }
    out
}

/// Objects plus waits-on edges of the fixture: what the tree's rows and steps are bounded by.
fn size(state: &State) -> usize {
    let objects = state.objects.len();
    let edges: usize = state
        .objects
        .keys()
        .map(|r| state.graph.dependencies(r).len())
        .sum();
    objects + edges
}

fn type_filter(state: &mut State, text: &str) {
    update(state, Msg::Action(Action::StartFilter));
    for c in text.chars() {
        let key = crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        );
        update(state, Msg::Key(key));
        // Every keystroke is a frame.
        let _ = view::build(state, now());
        assert_within_bounds(state, &format!("filter {text:?} at {c:?}"));
    }
}

fn assert_within_bounds(state: &State, what: &str) {
    let bound = size(state);
    let rows = state.navigator.rows().len();
    assert!(rows <= bound, "{what}: {rows} rows > {bound}");
    let work = state.navigator.work;
    assert!(work <= 4 * bound, "{what}: {work} steps > 4 × {bound}");
}

/// Every object has exactly one place (a row that is not a mark); every other row is a mark.
fn assert_each_object_once(state: &State, what: &str) {
    let places: Vec<&ResourceRef> = state
        .navigator
        .rows()
        .iter()
        .filter(|r| !r.key.is_mark())
        .map(|r| r.object())
        .collect();
    let unique: std::collections::BTreeSet<_> = places.iter().collect();
    assert_eq!(
        places.len(),
        unique.len(),
        "{what}: an object at two places"
    );
}

fn last_of_chain(n: usize) -> ResourceRef {
    ResourceRef::new(FluxKind::Kustomization, "team", format!("ks-{:04}", n - 1))
}

#[test]
fn a_small_lattice_with_a_filter_has_at_most_a_row_per_object_and_edge() {
    // 12 layers: 4,096 paths to the last layer, 8,190 rows when every path is a row. (Only what main already
    // had is used here, so this test shows the difference.)
    let mut state = state_of(lattice(24));
    update(&mut state, Msg::Action(Action::StartFilter));
    for c in "d-011-a".chars() {
        let key = crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        );
        update(&mut state, Msg::Key(key));
    }
    let bound = size(&state);
    let v = view::build(&mut state, now());
    assert!(
        v.navigator.total_rows <= bound,
        "{} rows > {bound}",
        v.navigator.total_rows
    );
    // The match is selected at its place, below the way to it.
    let selected = v.navigator.rows.iter().find(|n| n.selected).unwrap();
    assert_eq!(selected.id.name, "d-011-a");
    assert_eq!(selected.depth, 11);
}

#[test]
fn a_chain_of_a_thousand_with_a_filter_and_expanded_stays_linear() {
    let n = 1_000;
    let mut state = state_of(chain(n));
    type_filter(&mut state, "ks-0999");
    assert_each_object_once(&state, "chain, filter");
    let selected = state.selected().unwrap().clone();
    assert_eq!(selected, last_of_chain(n), "the one match is selected");

    update(&mut state, Msg::Action(Action::CancelFilter));
    update(&mut state, Msg::Action(Action::ExpandAll));
    assert_within_bounds(&state, "chain, expand all");
    assert_each_object_once(&state, "chain, expand all");
    let places = state
        .navigator
        .rows()
        .iter()
        .filter(|r| !r.key.is_mark())
        .count();
    assert_eq!(places, n + 1, "every object at its place");

    // Switching views and back, and revealing the deepest object, stay within the same bounds.
    update(&mut state, Msg::Action(Action::SwitchView));
    assert_within_bounds(&state, "chain, ownership view");
    update(&mut state, Msg::Action(Action::SwitchView));
    state.reveal(&last_of_chain(n));
    assert_within_bounds(&state, "chain, reveal");
    assert_eq!(state.selected(), Some(&last_of_chain(n)));
}

#[test]
fn diamond_lattices_of_36_and_200_objects_with_a_filter_and_expanded_stay_linear() {
    for objects in [36, 200] {
        let last = format!("d-{:03}-b", objects / 2 - 1);
        let mut state = state_of(lattice(objects));
        type_filter(&mut state, &last);
        assert_each_object_once(&state, &format!("lattice {objects}, filter"));
        assert_eq!(state.selected().unwrap().name, last);

        update(&mut state, Msg::Action(Action::CancelFilter));
        update(&mut state, Msg::Action(Action::ExpandAll));
        assert_within_bounds(&state, &format!("lattice {objects}, expand all"));
        assert_each_object_once(&state, &format!("lattice {objects}, expand all"));
        let marks = state
            .navigator
            .rows()
            .iter()
            .filter(|r| r.key.is_mark())
            .count();
        // Each object below the top layer is at its place under one parent and a mark under the other.
        assert_eq!(marks, objects - 2, "lattice {objects}");
    }
}

#[test]
fn a_mark_says_where_its_object_is_and_expand_goes_there_and_back() {
    let mut state = state_of(lattice(6));
    update(&mut state, Msg::Action(Action::ExpandAll));
    let mark = state
        .navigator
        .rows()
        .iter()
        .position(|r| r.key.is_mark())
        .unwrap();
    let object = state.navigator.rows()[mark].object().clone();
    while state
        .navigator
        .rows()
        .iter()
        .position(|r| Some(&r.key) == state.navigator.selected.as_ref())
        != Some(mark)
    {
        update(&mut state, Msg::Action(Action::MoveDown));
    }
    let v = view::build(&mut state, now());
    let drawn = v.navigator.rows.iter().find(|n| n.selected).unwrap();
    assert!(drawn.mark, "the view model says the row is a mark");

    update(&mut state, Msg::Action(Action::Expand));
    let at = state.navigator.selected.clone().unwrap();
    assert_eq!(at.object, object);
    assert!(!at.is_mark(), "→ on a mark goes to the object's place");
    update(&mut state, Msg::Action(Action::JumpBack));
    assert!(state.navigator.selected.as_ref().unwrap().is_mark());
}

/// Layered nodes (boxes and the dummies long edges pass through) of the DAG screen's layout.
fn laid_out(state: &State) -> (usize, usize) {
    let layout = state.dag.layout().unwrap();
    (layout.shown().len(), layout.graph.layout.placed.len())
}

#[test]
fn the_dag_of_a_long_chain_routes_a_bounded_number_of_edge_cells() {
    let n = 1_000;
    let mut state = state_of(chain(n));
    // The source: every Kustomization is one hop from it.
    state.reveal(&ResourceRef::new(FluxKind::GitRepository, "team", "repo"));
    update(&mut state, Msg::Action(Action::ShowDag));
    assert!(view::build(&mut state, now()).dag.is_some());
    let bound = size(&state);
    let (shown, placed) = laid_out(&state);
    assert_eq!(shown, n + 1);
    assert!(placed <= 4 * bound, "{placed} layered nodes > 4 × {bound}");
    // The whole graph likewise.
    for _ in 0..10 {
        update(&mut state, Msg::Action(Action::DagDeeper));
    }
    let _ = view::build(&mut state, now());
    let (shown, placed) = laid_out(&state);
    assert_eq!(shown, n + 1);
    assert!(placed <= 4 * bound, "{placed} layered nodes > 4 × {bound}");
}

#[test]
fn a_huge_status_reason_is_not_scanned_whole_by_the_filter() {
    let mut o = kustomization("big", &[], None);
    o.status.conditions[0].reason = "X".repeat(1_000_000);
    o.status.conditions[0].status = "False".to_owned();
    let state = state_of(vec![o]);
    let entry = state.objects.values().next().unwrap();
    assert!(
        entry.search_text.len() < 1_000,
        "{} bytes searched on every keystroke",
        entry.search_text.len()
    );
}

//! What the DAG screen's canvas shows of a picture wider and taller than itself: only whole boxes, the others
//! counted at the edges (`◀ 3`, `5 ▶`) and on the border (above, below), every node of the whole graph reachable
//! on screen; few crossings on a real fleet; the panel gives the selection's diagnosis. (A crossing drawn
//! unlike a junction: tests/dag_screen.rs.)
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use fluxops::app::dag::DagNode;
use fluxops::app::dag_view::DagView;
use fluxops::app::{Action, State, dag_view};
use fluxops::flux::{FluxKind, ResourceRef};
use support::console::{act, loaded_state, synced_state};
use support::fleets::fleet_objects;
use support::objects::r;

const HOME_OPS: &str = "bjw-s-labs__home-ops@2022-06";

fn home_ops() -> State {
    synced_state(fleet_objects(HOME_OPS))
}

/// The whole graph shown, selected at `r`.
fn whole_graph(state: &mut State, r: &ResourceRef) {
    act(state, &[Action::ShowTree]);
    state.reveal(r);
    act(state, &[Action::ShowDag]);
    for _ in 0..10 {
        act(state, &[Action::DagDeeper]);
    }
}

/// The DAG screen's view model for a terminal `width` × `height`.
fn frame(state: &mut State, width: u16, height: u16) -> (DagView, u16) {
    let (cw, ch) = fluxops::layout::dag_canvas_size(width, height, 0);
    (dag_view::build(state, cw, ch), cw)
}

fn width(text: &str) -> usize {
    fluxops::layout::fit::width(text)
}

/// Every box drawn is whole and inside the canvas; drawn, counted at an edge, above or below, every node is
/// accounted for.
fn assert_whole_and_counted(state: &State, view: &DagView, canvas_width: u16, what: &str) {
    for b in &view.boxes {
        let whole = (b.text.starts_with('[') || b.text.starts_with('{'))
            && (b.text.ends_with(']') || b.text.ends_with('}'));
        assert!(whole || b.selected, "{what}: a cut box: {b:?}");
        assert!(
            usize::from(b.x) + width(&b.text) <= usize::from(canvas_width) || b.selected,
            "{what}: a box past the edge: {b:?}"
        );
    }
    let counted: usize = view
        .markers
        .iter()
        .map(|m| {
            m.text
                .trim_matches(|c: char| !c.is_ascii_digit())
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    let nodes = state.dag.layout().unwrap().graph.folded.nodes.len();
    assert_eq!(
        view.boxes.len() + counted + view.above + view.below,
        nodes,
        "{what}: drawn {} + at the edges {counted} + above {} + below {}",
        view.boxes.len(),
        view.above,
        view.below
    );
}

#[test]
fn only_whole_boxes_are_drawn_and_the_others_are_counted_at_the_edges() {
    let mut state = home_ops();
    let start = state.graph.roots()[0].clone();
    whole_graph(&mut state, &start);
    for (w, h) in [(80, 24), (120, 32)] {
        for step in 0..12 {
            let (view, cw) = frame(&mut state, w, h);
            assert_whole_and_counted(&state, &view, cw, &format!("{w}x{h} step {step}"));
            assert!(
                !view.markers.is_empty() || view.above + view.below > 0,
                "{w}x{h}: the whole fleet does not fit, something says so"
            );
            act(&mut state, &[Action::DagRight, Action::DagDown]);
        }
    }
}

#[test]
fn every_node_of_the_whole_graph_comes_on_screen_when_selected() {
    let mut state = home_ops();
    let start = state.graph.roots()[0].clone();
    whole_graph(&mut state, &start);
    let (view, _) = frame(&mut state, 120, 32);
    assert!(view.title.contains("whole graph"), "{}", view.title);
    let nodes: Vec<DagNode> = {
        let layout = state.dag.layout().unwrap();
        (0..layout.graph.folded.nodes.len())
            .filter_map(|i| layout.node(i))
            .collect()
    };
    assert!(nodes.len() > 100, "the fleet is larger than a screen");
    for node in nodes {
        state.dag.selected = Some(node.clone());
        let (view, cw) = frame(&mut state, 120, 32);
        let drawn = view.boxes.iter().find(|b| b.selected);
        let drawn = drawn.unwrap_or_else(|| panic!("{node:?} not drawn"));
        assert!(usize::from(drawn.x) + width(&drawn.text) <= usize::from(cw));
    }
}

#[test]
fn a_real_fleet_is_drawn_with_few_crossings() {
    // bjw-s home-ops: 184 objects, many Kustomizations reading one GitRepository and long dependsOn chains.
    // Drawn with one dummy per edge and first-fit tracks (as before), the whole graph had 453 crossings and the
    // 3-hop neighbourhoods of all objects 346.
    let mut state = home_ops();
    let all: Vec<ResourceRef> = state.graph.nodes().map(|n| n.rref.clone()).collect();
    let mut around = 0;
    for r in &all {
        act(&mut state, &[Action::ShowTree]);
        state.reveal(r);
        act(&mut state, &[Action::ShowDag]);
        around += dag_view::build(&mut state, 4_000, 4_000).crossings;
    }
    for _ in 0..10 {
        act(&mut state, &[Action::DagDeeper]);
    }
    let whole = dag_view::build(&mut state, 8_000, 8_000).crossings;
    assert!(whole <= 200, "whole graph: {whole} crossings");
    assert!(around <= 120, "neighbourhoods: {around} crossings");
}

#[test]
fn the_panel_gives_the_selections_diagnosis() {
    let mut state = loaded_state();
    let podinfo = r(FluxKind::GitRepository, "flux-system", "podinfo");
    state.reveal(&podinfo);
    act(&mut state, &[Action::ShowDag]);
    let (view, _) = frame(&mut state, 120, 32);
    let facts = view.panel.facts.join("\n");
    assert!(facts.contains("diagnosis: source fetch failed"), "{facts}");
    // The folded chain behind it: the diagnosis of the root cause it is folded onto.
    act(&mut state, &[Action::DagDown]);
    let (view, _) = frame(&mut state, 120, 32);
    assert!(view.panel.heading.starts_with("blocked chain"), "{view:#?}");
    let facts = view.panel.facts.join("\n");
    assert!(
        facts.contains("its diagnosis: source fetch failed"),
        "{facts}"
    );
}

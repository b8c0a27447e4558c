//! The DAG screen: insta snapshots (TestBackend) at 80x24 and 160x48 of a scenario-like fleet — a failing
//! GitRepository with a chain of four Kustomizations blocked behind it, a dangling `dependsOn` and a cross-kind
//! `dependsOn` (warnings) — and `update` behaviour: navigation along edges, folding, depth, reveal in the tree,
//! the blast radius, and that frames do not lay out again.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use fluxops::app::dag::DagNode;
use fluxops::app::state::Screen;
use fluxops::app::{Action, Msg, State, update, view};
use fluxops::cluster::ClusterEvent;
use fluxops::config::{Config, Mode};
use fluxops::flux::{FluxKind, FluxObject, ResourceRef};
use serde_json::{Value, json};
use std::sync::Arc;
use support::console::{act, now, render, synced_state};
use support::fleets::load_fleet;
use support::objects::r;

fn ready(reason: &str) -> Value {
    json!({"observedGeneration": 1, "conditions": [
        {"type": "Ready", "status": "True", "reason": reason, "message": "ok"}]})
}

fn not_ready(reason: &str, message: &str) -> Value {
    json!({"observedGeneration": 1, "conditions": [
        {"type": "Ready", "status": "False", "reason": reason, "message": message}]})
}

fn git(name: &str, status: Value) -> Value {
    json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": name, "namespace": "flux-system", "generation": 1},
        "spec": {"url": format!("https://github.com/example/{name}"), "interval": "1m"}, "status": status})
}

fn ks(name: &str, source: &str, deps: &[Value], status: Value) -> Value {
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "flux-system", "generation": 1},
        "spec": {"interval": "10m", "path": format!("./{name}"), "prune": true,
                 "sourceRef": {"kind": "GitRepository", "name": source}, "dependsOn": deps},
        "status": status})
}

fn dep(name: &str) -> Value {
    json!({"name": name})
}

fn blocked() -> Value {
    not_ready(
        "DependencyNotReady",
        "dependency 'flux-system/apps' is not ready",
    )
}

/// The scenario fleet (see the module doc).
fn scenario() -> Vec<FluxObject> {
    let values = vec![
        git("flux-system", ready("Succeeded")),
        git(
            "podinfo",
            not_ready(
                "GitOperationFailed",
                "failed to checkout and determine revision: unable to clone: authentication required",
            ),
        ),
        ks(
            "infra-controllers",
            "flux-system",
            &[],
            ready("ReconciliationSucceeded"),
        ),
        ks(
            "infra-configs",
            "flux-system",
            &[dep("infra-controllers")],
            ready("ReconciliationSucceeded"),
        ),
        ks("apps", "podinfo", &[dep("infra-configs")], blocked()),
        ks("apps-frontend", "flux-system", &[dep("apps")], blocked()),
        ks("apps-backend", "flux-system", &[dep("apps")], blocked()),
        ks(
            "apps-ingress",
            "flux-system",
            &[dep("apps-frontend")],
            blocked(),
        ),
        ks(
            "monitoring",
            "flux-system",
            &[dep("observability")],
            blocked(),
        ),
        ks(
            "tenants",
            "flux-system",
            &[json!({"name": "redis", "kind": "HelmRelease"})],
            blocked(),
        ),
        json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmRepository",
            "metadata": {"name": "bitnami", "namespace": "flux-system", "generation": 1},
            "spec": {"url": "https://charts.bitnami.com/bitnami", "interval": "1h"},
            "status": ready("Succeeded")}),
        json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "redis", "namespace": "flux-system", "generation": 1},
            "spec": {"interval": "10m", "chart": {"spec": {"chart": "redis",
                "sourceRef": {"kind": "HelmRepository", "name": "bitnami"}}}},
            "status": ready("UpgradeSucceeded")}),
    ];
    values
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect()
}

fn scenario_state() -> State {
    let mut state = synced_state(scenario());
    update(&mut state, Msg::Tick(now()));
    state
}

fn flux_ks(name: &str) -> ResourceRef {
    r(FluxKind::Kustomization, "flux-system", name)
}

fn podinfo() -> ResourceRef {
    r(FluxKind::GitRepository, "flux-system", "podinfo")
}

/// Opens the DAG screen on `target`, selected in the tree first (`2` on the DAG screen keeps its own selection).
fn open_on(state: &mut State, target: &ResourceRef) {
    act(state, &[Action::ShowTree]);
    state.reveal(target);
    act(state, &[Action::ShowDag]);
}

fn selected(state: &State) -> Option<DagNode> {
    state.dag.selected.clone()
}

#[test]
fn whole_graph_with_folded_chain_and_warnings_160x48() {
    let mut state = scenario_state();
    open_on(&mut state, &podinfo());
    for _ in 0..10 {
        act(&mut state, &[Action::DagDeeper]);
    }
    assert_eq!(state.dag.depth, None, "past 9 hops: the whole graph");
    insta::assert_snapshot!(render(&mut state, 160, 48).backend());
}

#[test]
fn neighbourhood_of_a_warned_node_80x24() {
    let mut state = scenario_state();
    open_on(&mut state, &flux_ks("monitoring"));
    insta::assert_snapshot!(render(&mut state, 80, 24).backend());
}

#[test]
fn unfolded_chain_80x24() {
    let mut state = scenario_state();
    open_on(&mut state, &podinfo());
    act(&mut state, &[Action::DagDown, Action::DagToggleChain]);
    insta::assert_snapshot!(render(&mut state, 80, 24).backend());
}

#[test]
fn key_2_opens_the_dag_on_the_tree_selection_and_1_goes_back() {
    let mut state = scenario_state();
    state.reveal(&flux_ks("infra-configs"));
    let key = |c: char| {
        Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        ))
    };
    update(&mut state, key('2'));
    assert_eq!(state.screen, Screen::Dag);
    assert_eq!(state.mode(), Mode::Dag);
    assert_eq!(
        selected(&state),
        Some(DagNode::Object(flux_ks("infra-configs")))
    );
    update(&mut state, key('1'));
    assert_eq!(state.screen, Screen::Tree);
    assert_eq!(state.selected(), Some(&flux_ks("infra-configs")));
}

#[test]
fn up_goes_to_a_dependency_down_to_a_dependent_and_n_cycles_the_others() {
    let mut state = scenario_state();
    open_on(&mut state, &flux_ks("infra-controllers"));
    act(&mut state, &[Action::DagDown]);
    assert_eq!(
        selected(&state),
        Some(DagNode::Object(flux_ks("infra-configs")))
    );
    // infra-configs waits on infra-controllers (dependsOn) and its GitRepository (sourceRef).
    let source = DagNode::Object(r(FluxKind::GitRepository, "flux-system", "flux-system"));
    let parents = [
        DagNode::Object(flux_ks("infra-controllers")),
        source.clone(),
    ];
    act(&mut state, &[Action::DagUp]);
    let first = selected(&state).unwrap();
    act(&mut state, &[Action::DagNextAlternative]);
    let second = selected(&state).unwrap();
    assert!(parents.contains(&first) && parents.contains(&second) && first != second);
    act(&mut state, &[Action::DagNextAlternative]);
    assert_eq!(selected(&state), Some(first), "n wraps around");
    // From infra-controllers the only way up is its source.
    open_on(&mut state, &flux_ks("infra-controllers"));
    act(&mut state, &[Action::DagUp]);
    assert_eq!(selected(&state), Some(source));

    // apps waits on podinfo and infra-configs: up reaches one, n the other, n again the first.
    open_on(&mut state, &flux_ks("infra-configs"));
    act(&mut state, &[Action::DagDown]);
    // apps is blocked behind podinfo: it is inside the folded chain.
    assert_eq!(selected(&state), Some(DagNode::Chain(podinfo())));
    act(&mut state, &[Action::DagToggleChain]);
    assert_eq!(selected(&state), Some(DagNode::Object(flux_ks("apps"))));
    act(&mut state, &[Action::DagUp]);
    let first = selected(&state).unwrap();
    act(&mut state, &[Action::DagNextAlternative]);
    let second = selected(&state).unwrap();
    act(&mut state, &[Action::DagNextAlternative]);
    let parents = [
        DagNode::Object(podinfo()),
        DagNode::Object(flux_ks("infra-configs")),
    ];
    assert!(parents.contains(&first) && parents.contains(&second) && first != second);
    assert_eq!(selected(&state), Some(first));
}

#[test]
fn left_and_right_move_within_the_layer() {
    let mut state = scenario_state();
    open_on(&mut state, &podinfo());
    act(&mut state, &[Action::DagDeeper; 10]);
    let layout = state.dag.layout().unwrap();
    let i = state.dag.selected_index().unwrap();
    let layer: Vec<usize> = layout.graph.layout.layers
        [layout.graph.layout.placed[i].layer as usize]
        .iter()
        .copied()
        .filter(|v| !layout.graph.layout.is_dummy(*v))
        .collect();
    assert!(layer.len() > 1);
    act(&mut state, &[Action::DagLeft; 10]);
    assert_eq!(
        state.dag.selected_index(),
        Some(layer[0]),
        "stops at the left end"
    );
    act(&mut state, &[Action::DagRight]);
    assert_eq!(state.dag.selected_index(), Some(layer[1]));
}

#[test]
fn enter_unfolds_the_chain_and_folds_it_back_from_a_member() {
    let mut state = scenario_state();
    open_on(&mut state, &podinfo());
    act(&mut state, &[Action::DagDown]);
    assert_eq!(selected(&state), Some(DagNode::Chain(podinfo())));
    let view = view::build(&mut state, now());
    let text: Vec<String> = view
        .dag
        .unwrap()
        .boxes
        .iter()
        .map(|b| b.text.clone())
        .collect();
    assert!(
        text.iter().any(|t| t.contains("blocked: 4 behind podinfo")),
        "{text:?}"
    );
    act(&mut state, &[Action::DagToggleChain, Action::DagDown]);
    assert!(matches!(selected(&state), Some(DagNode::Object(r)) if r.name.starts_with("apps-")));
    act(&mut state, &[Action::DagToggleChain]);
    assert_eq!(selected(&state), Some(DagNode::Chain(podinfo())));
}

#[test]
fn the_blast_radius_of_the_selection_is_highlighted_and_counted() {
    let mut state = scenario_state();
    let source = r(FluxKind::GitRepository, "flux-system", "flux-system");
    open_on(&mut state, &source);
    act(&mut state, &[Action::DagDeeper; 10]);
    // Unfold podinfo's chain so every object has its own box.
    state.dag.expanded.insert(podinfo());
    update(
        &mut state,
        Msg::Resize {
            width: 250,
            height: 60,
        },
    );
    let view = view::build(&mut state, now());
    let dag = view.dag.unwrap();
    let radius: Vec<String> = state
        .graph
        .blast_radius(&source)
        .into_iter()
        .map(|r| r.name.clone())
        .collect();
    let highlighted: Vec<&str> = dag
        .boxes
        .iter()
        .filter(|b| b.blast)
        .map(|b| b.text.as_str())
        .collect();
    assert_eq!(
        highlighted.len(),
        radius.len(),
        "{highlighted:?} vs {radius:?}"
    );
    for name in &radius {
        assert!(
            highlighted.iter().any(|t| t.contains(&format!(" {name}"))),
            "{name}"
        );
    }
    assert!(
        dag.panel
            .facts
            .iter()
            .any(|f| f.contains(&format!("blast radius: {}", radius.len())))
    );
}

#[test]
fn warnings_mark_their_nodes_and_the_selected_ones_come_first() {
    let mut state = scenario_state();
    open_on(&mut state, &flux_ks("monitoring"));
    let view = view::build(&mut state, now());
    let dag = view.dag.unwrap();
    let monitoring = dag
        .boxes
        .iter()
        .find(|b| b.text.contains("KS monitoring"))
        .unwrap();
    assert!(monitoring.text.contains('⚠'));
    assert!(dag.panel.warnings.len() >= 2, "{:?}", dag.panel.warnings);
    assert!(dag.panel.warnings[0].0);
    assert!(dag.panel.warnings[0].1.contains("observability"));
    assert!(
        dag.panel
            .warnings
            .iter()
            .any(|(_, w)| w.contains("dependsOn"))
    );
}

#[test]
fn t_reveals_the_selected_node_in_the_tree() {
    let mut state = scenario_state();
    open_on(&mut state, &flux_ks("infra-controllers"));
    act(&mut state, &[Action::DagDown, Action::RevealInTree]);
    assert_eq!(state.screen, Screen::Tree);
    assert_eq!(state.selected(), Some(&flux_ks("infra-configs")));
}

#[test]
fn frames_reuse_the_layout_until_a_health_or_an_edge_changes() {
    let mut state = scenario_state();
    open_on(&mut state, &podinfo());
    let _ = view::build(&mut state, now());
    let before = state.dag.layouts;
    for _ in 0..5 {
        let _ = view::build(&mut state, now());
        update(&mut state, Msg::Tick(now()));
    }
    // A status update that keeps the health (a new message) does not lay out again.
    let mut apps: FluxObject = scenario().into_iter().find(|o| o.name() == "apps").unwrap();
    apps.status.conditions[0].message =
        "dependency 'flux-system/infra-configs' is not ready".into();
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(apps.clone()))),
    );
    let _ = view::build(&mut state, now());
    assert_eq!(state.dag.layouts, before);
    // podinfo recovers: root causes change, the chain unfolds.
    let fixed: FluxObject = serde_json::from_value(git("podinfo", ready("Succeeded"))).unwrap();
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(fixed))),
    );
    let boxes = view::build(&mut state, now()).dag.unwrap().boxes;
    assert_eq!(state.dag.layouts, before + 1);
    assert!(!boxes.iter().any(|b| b.text.contains("blocked:")));
}

#[test]
fn walking_off_the_neighbourhood_recentres_it() {
    let mut state = scenario_state();
    open_on(&mut state, &flux_ks("infra-controllers"));
    act(&mut state, &[Action::DagShallower; 5]);
    assert_eq!(state.dag.depth, Some(1));
    act(&mut state, &[Action::DagDown]);
    // infra-configs has a dependent (apps) outside the 1-hop neighbourhood of infra-controllers.
    assert_eq!(state.dag.centre, Some(flux_ks("infra-configs")));
    assert!(
        state
            .dag
            .layout()
            .unwrap()
            .shown()
            .contains(&flux_ks("apps"))
    );
}

#[test]
fn hostile_names_and_messages_never_reach_the_terminal_raw() {
    let mut state = scenario_state();
    let evil: FluxObject = serde_json::from_value(ks(
        "evil\u{1b}[31m",
        "flux-system",
        &[dep("gone\u{1b}]0;pwned\u{7}")],
        blocked(),
    ))
    .unwrap();
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(evil))),
    );
    open_on(&mut state, &flux_ks("evil\u{1b}[31m"));
    let text = render(&mut state, 160, 48).backend().to_string();
    assert!(text.contains("evil"));
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'));
}

#[test]
fn the_dag_draws_at_tiny_and_odd_sizes_without_panicking() {
    for (w, h) in [
        (1, 1),
        (10, 3),
        (20, 5),
        (40, 10),
        (79, 23),
        (99, 30),
        (300, 80),
    ] {
        let mut state = scenario_state();
        open_on(&mut state, &podinfo());
        act(&mut state, &[Action::DagDeeper; 10]);
        let _ = render(&mut state, w, h);
        act(
            &mut state,
            &[Action::DagRight, Action::DagDown, Action::ToggleHelp],
        );
        let _ = render(&mut state, w, h);
    }
}

#[test]
fn the_blast_radius_on_a_real_fleet_is_what_graph_blast_radius_says() {
    // bjw-s home-ops from its repository; home-ops (the GitRepository almost every Kustomization uses)
    // fails, everything downstream is blocked: with its chain unfolded, the whole-graph DAG highlights exactly
    // Graph::blast_radius.
    let load = load_fleet("bjw-s-labs__home-ops@2022-06");
    let home_ops = r(FluxKind::GitRepository, "flux-system", "home-ops");
    let mut state = State::new(Config::builtin(), support::console::labels());
    let downstream: Vec<ResourceRef> = fluxops::graph::Graph::build(load.objects.clone())
        .blast_radius(&home_ops)
        .into_iter()
        .cloned()
        .collect();
    for mut obj in load.objects {
        let me = obj.resource_ref().unwrap();
        obj.status = serde_json::from_value(if me == home_ops {
            not_ready("GitOperationFailed", "auth")
        } else if downstream.contains(&me) {
            blocked()
        } else {
            ready("Succeeded")
        })
        .unwrap();
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
        );
    }
    open_on(&mut state, &home_ops);
    act(&mut state, &[Action::DagDeeper; 10]);
    let folded = state.dag.layout().unwrap();
    let boxed = folded
        .graph
        .folded
        .nodes
        .iter()
        .filter(|n| matches!(n, fluxops::graph::layout::collapse::FoldedNode::Chain(_)))
        .count();
    assert_eq!(boxed, 1, "one box: everything is blocked behind home-ops");
    state.dag.expanded.insert(home_ops.clone());
    state.dag.refresh(&state.graph);
    let layout = state.dag.layout().unwrap();
    let highlighted: Vec<ResourceRef> = (0..layout.graph.folded.nodes.len())
        .filter_map(|i| match layout.node(i) {
            Some(DagNode::Object(r)) => Some(r),
            _ => None,
        })
        .filter(|r| downstream.contains(r))
        .collect();
    assert_eq!(
        highlighted.len(),
        downstream.len(),
        "every object downstream is laid out"
    );
    // The view model marks exactly those boxes that are on screen; a tall terminal shows them all.
    update(
        &mut state,
        Msg::Resize {
            width: 60_000,
            height: 400,
        },
    );
    let dag = view::build(&mut state, now()).dag.unwrap();
    let marked = dag.boxes.iter().filter(|b| b.blast).count();
    assert_eq!(marked, downstream.len());
}

#[test]
fn a_whole_graph_of_thousands_follows_health_changes_once_per_tick() {
    let (values, _) = fluxops::sim::fleet::generate(&fluxops::sim::fleet::FleetSpec::new(1_900));
    let objects: Vec<FluxObject> = values
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect();
    let mut state = State::new(Config::builtin(), support::console::labels());
    for obj in &objects {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj.clone()))),
        );
    }
    let first = objects[0].resource_ref().unwrap();
    open_on(&mut state, &first);
    act(&mut state, &[Action::DagDeeper; 10]);
    assert!(state.dag.layout().unwrap().shown().len() > fluxops::app::dag::LARGE);
    let before = state.dag.layouts;
    // The source fails: a health change.
    let mut failing = objects[0].clone();
    failing.status = serde_json::from_value(not_ready("GitOperationFailed", "auth")).unwrap();
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(failing))),
    );
    let _ = view::build(&mut state, now());
    assert_eq!(state.dag.layouts, before, "no relayout between ticks");
    update(&mut state, Msg::Tick(now()));
    let _ = view::build(&mut state, now());
    assert_eq!(
        state.dag.layouts,
        before + 1,
        "the tick brings the change in"
    );
    // A user action lays out at once.
    act(&mut state, &[Action::DagShallower]);
    assert_eq!(state.dag.layouts, before + 2);
}

#[test]
fn when_the_centre_is_deleted_the_neighbourhood_moves_to_the_selection() {
    // Centre tenants (nothing waits on it: deleted, it leaves the graph), selection its GitRepository.
    let mut state = scenario_state();
    let parent = r(FluxKind::GitRepository, "flux-system", "flux-system");
    open_on(&mut state, &parent);
    state.dag.centre = Some(flux_ks("tenants"));
    let _ = view::build(&mut state, now());
    assert!(
        state
            .dag
            .layout()
            .unwrap()
            .shown()
            .contains(&flux_ks("tenants"))
    );
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Deleted(flux_ks("tenants"))),
    );
    let _ = view::build(&mut state, now());
    assert_eq!(state.dag.centre, Some(parent.clone()));
    assert_eq!(state.dag.depth, Some(fluxops::app::dag::DEFAULT_DEPTH));
    assert_eq!(selected(&state), Some(DagNode::Object(parent)));
}

#[test]
fn opening_on_an_object_the_graph_does_not_know_centres_on_a_root_not_the_whole_graph() {
    let mut state = scenario_state();
    let broken = flux_ks("broken");
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Invalid {
            object: broken.clone(),
            error: "spec.interval: invalid type".to_owned(),
        }),
    );
    open_on(&mut state, &broken);
    assert_eq!(state.dag.depth, Some(fluxops::app::dag::DEFAULT_DEPTH));
    let root = state.dag.centre.clone().unwrap();
    assert!(state.graph.roots().contains(&&root));
    assert!(state.dag.layout().unwrap().shown().len() < state.graph.node_count());
}

#[test]
fn a_dependency_cycle_is_drawn_with_an_upward_arrow_and_listed() {
    let mut state = scenario_state();
    for (name, on) in [
        ("cycle-a", "cycle-c"),
        ("cycle-b", "cycle-a"),
        ("cycle-c", "cycle-b"),
    ] {
        let obj: FluxObject =
            serde_json::from_value(ks(name, "flux-system", &[dep(on)], blocked())).unwrap();
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
        );
    }
    open_on(&mut state, &flux_ks("cycle-a"));
    let text = render(&mut state, 160, 48).backend().to_string();
    assert!(
        text.contains('▲'),
        "the edge that closes the cycle points up:\n{text}"
    );
    assert!(text.contains("dependency cycle"), "{text}");
    for name in ["cycle-a", "cycle-b", "cycle-c"] {
        assert!(text.contains(&format!("KS {name} ⚠")), "{name} is marked");
    }
}

#[test]
fn a_picture_spanning_namespaces_names_nodes_with_their_namespace() {
    let mut state = scenario_state();
    open_on(&mut state, &flux_ks("infra-configs"));
    let names = |state: &mut State| -> Vec<String> {
        let dag = view::build(state, now()).dag.unwrap();
        dag.boxes.into_iter().map(|b| b.text).collect()
    };
    assert!(
        names(&mut state)
            .iter()
            .any(|t| t.contains("KS infra-configs"))
    );
    let web: FluxObject = serde_json::from_value(json!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
        "metadata": {"name": "web", "namespace": "apps", "generation": 1},
        "spec": {"interval": "10m", "chart": {"spec": {"chart": "web",
            "sourceRef": {"kind": "HelmRepository", "name": "bitnami", "namespace": "flux-system"}}}},
        "status": ready("InstallSucceeded")}))
    .unwrap();
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(web))),
    );
    open_on(&mut state, &r(FluxKind::HelmRelease, "apps", "web"));
    let shown = names(&mut state);
    assert!(shown.iter().any(|t| t.contains("HR apps/web")), "{shown:?}");
    assert!(
        shown
            .iter()
            .any(|t| t.contains("HRepo flux-system/bitnami")),
        "{shown:?}"
    );
}

#[test]
fn where_edges_of_two_nodes_cross_no_junction_is_drawn() {
    // In the whole graph, podinfo's edge down to its chain crosses flux-system's bus: drawn as a line over a
    // gap (`─│─`), not as `┼`, which would read as the two edges joining.
    let mut state = scenario_state();
    open_on(&mut state, &podinfo());
    for _ in 0..10 {
        act(&mut state, &[Action::DagDeeper]);
    }
    let dag = view::build(&mut state, now()).dag.unwrap();
    let glyphs: String = dag.cells.iter().map(|c| c.ch).collect();
    assert!(!glyphs.contains('┼'), "{glyphs}");
    assert!(glyphs.contains('─') && glyphs.contains('│'));
}

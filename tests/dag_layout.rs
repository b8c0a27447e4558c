//! The DAG layout (`graph::layout`) on every shared fleet (loaded with `flux::repo`, as tests/graph_fleets.rs
//! does): layering respects every waits-on edge, long edges go through dummies, crossing reduction beats the
//! input order, the result does not depend on the order objects arrive in, cycles are laid out with reversed
//! edges marked; blocked chains fold onto their root cause; the focus neighbourhood is what it says.

#![allow(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns; a failed unwrap is a failed test"
)]

mod support;

use support::fleets::fleet_objects;
use support::objects::with_status;

use fluxops::flux::{FluxKind, FluxObject, ResourceRef};
use fluxops::graph::Graph;
use fluxops::graph::layout::collapse::{self, FoldedNode};
use fluxops::graph::layout::{GraphLayout, LayoutOptions, focus, lay_out_graph};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};

const FLEETS: [&str; 4] = [
    "bjw-s-labs__home-ops@2022-06",
    "flux2-hub-spoke-example",
    "flux2-kustomize-helm-example",
    "flux2-multi-tenancy",
];

fn width(node: &FoldedNode) -> u32 {
    match node {
        FoldedNode::Object(r) => 6 + r.name.len() as u32,
        FoldedNode::Chain(c) => 20 + c.root.name.len() as u32,
    }
}

/// The whole graph laid out with nothing folded.
fn unfolded(g: &Graph) -> (Vec<ResourceRef>, GraphLayout) {
    let all = focus::whole(g);
    let expanded: BTreeSet<ResourceRef> = all.iter().cloned().collect();
    let laid = lay_out_graph(g, all.clone(), &expanded, width, &LayoutOptions::default());
    (all, laid)
}

#[test]
fn every_waits_on_edge_of_every_fleet_points_down_through_one_dummy_per_layer_crossed_on_its_trunk()
{
    for fleet in FLEETS {
        let g = Graph::build(fleet_objects(fleet));
        let (all, laid) = unfolded(&g);
        let layout = &laid.layout;
        let index = |r: &ResourceRef| laid.folded.index_of(r).unwrap();
        assert_eq!(layout.node_count, all.len(), "{fleet}: nothing folded");
        let routed: HashMap<(usize, usize), usize> = layout
            .edges
            .iter()
            .enumerate()
            .map(|(i, e)| ((e.upper, e.lower), i))
            .collect();
        let mut edges = 0;
        // Long edges of one node share its trunk: the dummies are counted once.
        let mut dummies = BTreeSet::new();
        for dependent in &all {
            for dep in g.dependencies(dependent) {
                edges += 1;
                let (u, l) = (index(dep), index(dependent));
                let i = *routed
                    .get(&(u, l))
                    .unwrap_or_else(|| panic!("{fleet}: {dep} → {dependent} not laid out"));
                assert!(
                    !layout.edges[i].reversed,
                    "{fleet}: no cycles, nothing reversed"
                );
                let (top, bottom) = (layout.placed[u].layer, layout.placed[l].layer);
                assert!(top < bottom, "{fleet}: {dep} must be above {dependent}");
                let chain = layout.chain(i);
                assert_eq!(
                    chain.len() as u32,
                    bottom - top + 1,
                    "{fleet}: routed, not cut"
                );
                for pair in chain.windows(2) {
                    assert_eq!(
                        layout.placed[pair[1]].layer,
                        layout.placed[pair[0]].layer + 1
                    );
                }
                let inner = &chain[1..chain.len() - 1];
                assert!(inner.iter().all(|d| layout.is_dummy(*d)));
                dummies.extend(inner.iter().copied());
            }
        }
        assert_eq!(
            layout.edges.len(),
            edges,
            "{fleet}: one routed edge per edge"
        );
        assert_eq!(layout.placed.len(), all.len() + dummies.len(), "{fleet}");
        for layer in &layout.layers {
            for pair in layer.windows(2) {
                let (a, b) = (layout.placed[pair[0]], layout.placed[pair[1]]);
                assert!(a.x + a.width < b.x, "{fleet}: boxes overlap");
            }
        }
    }
}

#[test]
fn crossing_reduction_ends_below_the_input_order_on_real_fleets() {
    let mut reduced_somewhere = false;
    for fleet in FLEETS {
        let g = Graph::build(fleet_objects(fleet));
        let (_, laid) = unfolded(&g);
        let l = &laid.layout;
        assert!(
            l.crossings <= l.input_crossings,
            "{fleet}: {} crossings after reduction, {} in input order",
            l.crossings,
            l.input_crossings
        );
        eprintln!(
            "{fleet}: {} nodes, {} layers, crossings {} (input order {})",
            l.node_count,
            l.layer_count(),
            l.crossings,
            l.input_crossings
        );
        reduced_somewhere |= l.crossings < l.input_crossings;
    }
    assert!(reduced_somewhere, "no fleet had any crossing removed");
}

#[test]
fn the_layout_does_not_depend_on_the_order_objects_arrive_in() {
    for fleet in FLEETS {
        let objects = fleet_objects(fleet);
        let mut reversed = objects.clone();
        reversed.reverse();
        let (_, a) = unfolded(&Graph::build(objects));
        let (_, b) = unfolded(&Graph::build(reversed));
        assert_eq!(a.layout, b.layout, "{fleet}");
    }
}

fn kustomization(name: &str, depends_on: &[&str]) -> FluxObject {
    serde_json::from_value(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "flux-system"},
        "spec": {"sourceRef": {"kind": "GitRepository", "name": "flux-system"},
                 "dependsOn": depends_on.iter().map(|d| json!({"name": d})).collect::<Vec<_>>()}
    }))
    .unwrap()
}

#[test]
fn a_dependency_cycle_in_a_fleet_is_laid_out_with_a_reversed_edge_inside_it() {
    let mut objects = fleet_objects("flux2-multi-tenancy");
    objects.extend([
        kustomization("cycle-a", &["cycle-c"]),
        kustomization("cycle-b", &["cycle-a"]),
        kustomization("cycle-c", &["cycle-b"]),
        kustomization("after-cycle", &["cycle-a"]),
    ]);
    let g = Graph::build(objects);
    let cycles = g.cycles();
    assert_eq!(cycles.len(), 1);
    let (_, laid) = unfolded(&g);
    let members: BTreeSet<usize> = cycles[0]
        .iter()
        .map(|r| laid.folded.index_of(r).unwrap())
        .collect();
    let reversed: Vec<_> = laid.layout.edges.iter().filter(|e| e.reversed).collect();
    assert_eq!(reversed.len(), 1, "one edge breaks a 3-cycle");
    assert!(members.contains(&reversed[0].upper) && members.contains(&reversed[0].lower));
    // Drawn edges (reversed ones upside down) all point down.
    for i in 0..laid.layout.edges.len() {
        let chain = laid.layout.chain(i);
        let (top, bottom) = (chain[0], chain[chain.len() - 1]);
        assert!(laid.layout.placed[top].layer < laid.layout.placed[bottom].layer);
    }
}

fn ks(name: &str) -> ResourceRef {
    ResourceRef::new(FluxKind::Kustomization, "flux-system", name)
}

#[test]
fn everything_blocked_behind_a_failing_source_folds_into_one_box_below_it() {
    let objects = fleet_objects("bjw-s-labs__home-ops@2022-06");
    let home_ops = ResourceRef::new(FluxKind::GitRepository, "flux-system", "home-ops");
    let downstream: BTreeSet<ResourceRef> = Graph::build(objects.clone())
        .blast_radius(&home_ops)
        .into_iter()
        .cloned()
        .collect();
    let g = Graph::build(with_status(&objects, |r| {
        Some(if *r == home_ops {
            ("False", "GitOperationFailed")
        } else if downstream.contains(r) {
            ("False", "DependencyNotReady")
        } else {
            ("True", "Succeeded")
        })
    }));
    let all = focus::whole(&g);
    let chains = collapse::chains(&g, &all, collapse::MIN_CHAIN);
    assert_eq!(chains.len(), 1, "{chains:?}");
    assert_eq!(chains[0].root, home_ops);
    let members: BTreeSet<ResourceRef> = chains[0].members.iter().cloned().collect();
    assert_eq!(members, downstream, "the chain is the blast radius");

    let laid = lay_out_graph(
        &g,
        all.clone(),
        &BTreeSet::new(),
        width,
        &LayoutOptions::default(),
    );
    assert_eq!(laid.folded.nodes.len(), all.len() - downstream.len() + 1);
    let boxed = laid
        .folded
        .index_of(downstream.iter().next().unwrap())
        .unwrap();
    assert!(
        matches!(&laid.folded.nodes[boxed], FoldedNode::Chain(c) if c.members.len() == downstream.len())
    );
    let root = laid.folded.index_of(&home_ops).unwrap();
    assert!(laid.folded.edges.contains(&(root, boxed)));
    assert!(laid.layout.placed[root].layer < laid.layout.placed[boxed].layer);

    // Expanded: every member is its own node again.
    let expanded = BTreeSet::from([home_ops.clone()]);
    let open = lay_out_graph(&g, all.clone(), &expanded, width, &LayoutOptions::default());
    assert_eq!(open.folded.nodes.len(), all.len());
}

#[test]
fn a_failing_kustomization_folds_only_its_depends_on_chain() {
    let objects = fleet_objects("bjw-s-labs__home-ops@2022-06");
    let head = ks("downloads-namespace");
    let chain: BTreeSet<ResourceRef> = Graph::build(objects.clone())
        .blast_radius(&head)
        .into_iter()
        .cloned()
        .collect();
    let g = Graph::build(with_status(&objects, |r| {
        Some(if *r == head {
            ("False", "ReconciliationFailed")
        } else if chain.contains(r) {
            ("False", "DependencyNotReady")
        } else {
            ("True", "Succeeded")
        })
    }));
    let chains = collapse::chains(&g, &focus::whole(&g), collapse::MIN_CHAIN);
    assert_eq!(chains.len(), 1);
    assert_eq!(chains[0].root, head);
    assert_eq!(
        chains[0].members.iter().cloned().collect::<BTreeSet<_>>(),
        chain
    );
}

#[test]
fn the_neighbourhood_holds_what_is_within_n_hops_up_and_down() {
    let g = Graph::build(fleet_objects("bjw-s-labs__home-ops@2022-06"));
    let centre = ks("downloads-namespace");
    let one: BTreeSet<ResourceRef> = focus::neighbourhood(&g, &centre, 1).into_iter().collect();
    let mut want: BTreeSet<ResourceRef> = BTreeSet::from([centre.clone()]);
    want.extend(g.dependencies(&centre).into_iter().cloned());
    want.extend(g.dependents(&centre).into_iter().cloned());
    assert_eq!(one, want);
    let two: BTreeSet<ResourceRef> = focus::neighbourhood(&g, &centre, 2).into_iter().collect();
    let mut want_two = want.clone();
    for d in g.dependencies(&centre) {
        want_two.extend(g.dependencies(d).into_iter().cloned());
    }
    for d in g.dependents(&centre) {
        want_two.extend(g.dependents(d).into_iter().cloned());
    }
    assert_eq!(two, want_two);
    let all = focus::neighbourhood(&g, &centre, 100);
    let blast: BTreeSet<&ResourceRef> = g.blast_radius(&centre).into_iter().collect();
    assert!(
        blast.iter().all(|r| all.contains(r)),
        "everything downstream"
    );
    assert!(focus::neighbourhood(&g, &ks("no-such-thing"), 2).is_empty());
}

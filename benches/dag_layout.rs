//! Micro-benchmarks of the DAG layout (`graph::layout`) on the synthetic fleet (`sim::fleet`): the whole
//! dependency DAG of a 10,000-object fleet (target: under 200 ms), and the focused neighbourhood the console's
//! DAG screen lays out when the selection or the graph changes.
//!
//! `cargo bench --bench dag_layout` (small sample sizes: the machine is shared).

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::app::{Action, Labels, Msg, State, update, view};
use fluxops::config::Config;
use fluxops::flux::{FluxKind, FluxObject, ResourceRef};
use fluxops::graph::Graph;
use fluxops::graph::layout::collapse::FoldedNode;
use fluxops::graph::layout::{LayoutOptions, focus, lay_out_graph};
use fluxops::sim::fleet::{FleetSpec, generate};
use std::collections::BTreeSet;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

fn fleet_objects(objects: usize) -> Vec<FluxObject> {
    let (values, _) = generate(&FleetSpec::new(objects));
    values
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect()
}

fn fleet_graph(objects: usize) -> Graph {
    Graph::build(fleet_objects(objects))
}

/// Label width as the console computes it for a node (`[✓ KS name]`).
fn width(node: &FoldedNode) -> u32 {
    match node {
        FoldedNode::Object(r) => 6 + r.kind.abbrev().len() as u32 + r.name.chars().count() as u32,
        FoldedNode::Chain(c) => 24 + c.root.name.chars().count() as u32,
    }
}

fn bench(c: &mut Criterion) {
    let graph = fleet_graph(10_000);
    let all = focus::whole(&graph);
    let expanded = BTreeSet::new();
    let options = LayoutOptions::default();
    let laid = lay_out_graph(&graph, all.clone(), &expanded, width, &options);
    eprintln!(
        "10,000-object fleet: {} nodes, {} edges, {} layers, {} layered nodes (dummies included), \
         crossings {} (input order {}), width {} columns",
        laid.layout.node_count,
        laid.layout.edges.len(),
        laid.layout.layer_count(),
        laid.layout.placed.len(),
        laid.layout.crossings,
        laid.layout.input_crossings,
        laid.layout.width
    );
    let mut group = c.benchmark_group("dag_layout");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.warm_up_time(Duration::from_secs(1));
    group.bench_function("whole_fleet_10000", |b| {
        b.iter(|| {
            let all = focus::whole(black_box(&graph));
            lay_out_graph(&graph, all, &expanded, width, &options)
        });
    });
    let centre = ResourceRef::new(FluxKind::Kustomization, "tenant-100", "app-02");
    for depth in [2, 4] {
        let nodes = focus::neighbourhood(&graph, &centre, depth);
        group.bench_function(format!("focus_depth_{depth}_{}_nodes", nodes.len()), |b| {
            b.iter(|| {
                let nodes = focus::neighbourhood(&graph, black_box(&centre), depth);
                lay_out_graph(&graph, nodes, &expanded, width, &options)
            });
        });
    }
    // The shared git source of a tenant: its neighbourhood is the whole tenant.
    let source = ResourceRef::new(FluxKind::GitRepository, "tenant-100", "platform");
    let nodes = focus::neighbourhood(&graph, &source, 3);
    group.bench_function(format!("focus_source_depth_3_{}_nodes", nodes.len()), |b| {
        b.iter(|| {
            let nodes = focus::neighbourhood(&graph, black_box(&source), 3);
            lay_out_graph(&graph, nodes, &expanded, width, &options)
        });
    });
    // What the DAG screen does when the selection moves off the neighbourhood or a health/edge changes:
    // `DagState::refresh` (neighbourhood, warnings of the whole graph, fold, layout, canvas geometry), then
    // one frame's view model (`view::build` on a 160x48 terminal).
    let mut state = State::new(Config::builtin(), Labels::default());
    for obj in fleet_objects(10_000) {
        state.upsert(Arc::new(obj));
    }
    update(
        &mut state,
        Msg::Resize {
            width: 160,
            height: 48,
        },
    );
    let centre = ResourceRef::new(FluxKind::Kustomization, "tenant-100", "app-02");
    state.reveal(&centre);
    update(&mut state, Msg::Action(Action::ShowDag));
    group.bench_function("screen_relayout_depth_3", |b| {
        b.iter(|| {
            state.dag.mark_stale();
            state.dag.refresh(&state.graph);
        });
    });
    let now = k8s_openapi::jiff::Timestamp::UNIX_EPOCH;
    group.bench_function("screen_frame_view_model_cached_layout", |b| {
        b.iter(|| black_box(view::build(&mut state, now).dag.map(|d| d.boxes.len())));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

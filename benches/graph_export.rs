//! Micro-benchmark (issue 3, `fluxops graph`): what the command does after listing a 10,000-object fleet —
//! build the graph, select and export it (warnings, root causes, the rollout of every source), and render each
//! format — plus one source's rollout, which the console computes for the detail pane and visible source rows.
//!
//! `cargo bench --bench graph_export` (env `FLUXOPS_BENCH_FLEET`, default 10000). The fleet is the synthetic one of
//! `--fleet` (src/sim/fleet.rs) with the status its controllers would write: sources with an artifact, every
//! Kustomization Ready at that revision except one in ten still at the previous one (so rollouts have laggards).

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::flux::{FluxKind, FluxObject};
use fluxops::graph::Graph;
use fluxops::graph::export::{self, ExportInput, Filter, Origin};
use fluxops::sim::fleet::{FleetSpec, generate};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

const NEW: &str = "main@sha1:1111111111111111111111111111111111111111";
const OLD: &str = "main@sha1:0000000000000000000000000000000000000000";

fn with_status(mut obj: Value, i: usize) -> Value {
    let ready = json!([{"type": "Ready", "status": "True", "reason": "Succeeded", "message": ""}]);
    let status = match obj["kind"].as_str().unwrap_or_default() {
        "Kustomization" => {
            let rev = if i.is_multiple_of(10) { OLD } else { NEW };
            json!({"conditions": ready, "lastAppliedRevision": rev, "lastAttemptedRevision": rev})
        }
        "GitRepository" | "OCIRepository" | "HelmRepository" | "Bucket" => {
            json!({"conditions": ready, "artifact": {"revision": NEW}})
        }
        _ => json!({"conditions": ready}),
    };
    obj["status"] = status;
    obj
}

fn fleet(n: usize) -> Vec<FluxObject> {
    let (objects, _) = generate(&FleetSpec::new(n));
    objects
        .into_iter()
        .enumerate()
        .map(|(i, o)| serde_json::from_value(with_status(o, i)).unwrap_or_default())
        .collect()
}

fn input(graph: &Graph) -> ExportInput<'_> {
    ExportInput {
        graph,
        origin: Origin::Cluster {
            context: "bench".into(),
            server: "http://127.0.0.1".into(),
        },
        live: true,
        files: BTreeMap::new(),
        notes: Vec::new(),
        unlisted: Vec::new(),
        namespace: None,
    }
}

fn benches(c: &mut Criterion) {
    let n: usize = std::env::var("FLUXOPS_BENCH_FLEET")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let objects = fleet(n);
    let graph = Graph::build(objects.clone());
    let doc = export::export(input(&graph), &Filter::default());
    let source = graph
        .nodes()
        .map(|node| node.rref.clone())
        .find(|r| r.kind == FluxKind::GitRepository)
        .unwrap_or_else(|| fluxops::flux::ResourceRef::new(FluxKind::GitRepository, "", ""));

    let mut group = c.benchmark_group(format!("graph_export_{n}"));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    group.warm_up_time(Duration::from_secs(1));
    group.bench_function("build_graph", |b| {
        b.iter(|| black_box(Graph::build(objects.clone()).node_count()));
    });
    group.bench_function("export_document", |b| {
        b.iter(|| {
            black_box(
                export::export(input(&graph), &Filter::default())
                    .nodes
                    .len(),
            )
        });
    });
    group.bench_function("render_tree", |b| {
        b.iter(|| black_box(export::tree::render(&doc).len()));
    });
    group.bench_function("render_json", |b| {
        b.iter(|| black_box(export::json::render(&doc).map(|s| s.len())));
    });
    group.bench_function("render_dot", |b| {
        b.iter(|| black_box(export::dot::render(&doc).len()));
    });
    group.bench_function("render_mermaid", |b| {
        b.iter(|| black_box(export::mermaid::render(&doc).len()));
    });
    group.bench_function("rollout_of_one_source", |b| {
        b.iter(|| black_box(graph.rollout(&source).map(|r| r.applied())));
    });
    group.finish();
}

criterion_group!(graph_export, benches);
criterion_main!(graph_export);

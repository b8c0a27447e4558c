//! Micro-benchmark (issue 8, "the filter explodes"): what the console's user-driven computations cost on graphs
//! whose paths are exponential or quadratic in number, and on the 10,000-object fleet:
//! - typing a filter that matches the end of a `dependsOn` chain of 1,000 Kustomizations that all read one
//!   GitRepository, and of a lattice of 200 diamonds (each layer of two waits on both above);
//! - expanding everything on those and on the synthetic `--fleet 10000`;
//! - the DAG screen on the chain's source (1,001 objects one hop from it), laid out from scratch.
//!
//! `cargo bench --bench console_tree`. Tests bound the same computations by counting rows and steps
//! (tests/app_bounds.rs); this measures their time.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use fluxops::app::{Action, Labels, Msg, State, dag_view, update};
use fluxops::cluster::ClusterEvent;
use fluxops::config::Config;
use fluxops::flux::{FluxKind, FluxObject, ResourceRef};
use fluxops::sim::fleet::{FleetSpec, generate};
use serde_json::{Value, json};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

fn ready() -> Value {
    json!({"observedGeneration": 1, "conditions": [
        {"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "ok"}]})
}

fn kustomization(name: &str, depends_on: &[String], source: bool) -> Value {
    let mut spec = json!({
        "dependsOn": depends_on.iter().map(|d| json!({"name": d})).collect::<Vec<_>>(),
    });
    if source {
        spec["sourceRef"] = json!({"kind": "GitRepository", "name": "repo"});
    }
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
           "metadata": {"name": name, "namespace": "team", "generation": 1},
           "spec": spec, "status": ready()})
}

fn chain(n: usize) -> Vec<Value> {
    let mut out = vec![
        json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "repo", "namespace": "team", "generation": 1},
        "spec": {"url": "https://example.com/repo"}, "status": ready()}),
    ];
    for i in 0..n {
        let deps: Vec<String> = (i > 0)
            .then(|| format!("ks-{:04}", i - 1))
            .into_iter()
            .collect();
        out.push(kustomization(&format!("ks-{i:04}"), &deps, true));
    }
    out
}

fn lattice(objects: usize) -> Vec<Value> {
    let mut out = Vec::new();
    for l in 0..objects / 2 {
        let deps: Vec<String> = if l == 0 {
            Vec::new()
        } else {
            vec![format!("d-{:03}-a", l - 1), format!("d-{:03}-b", l - 1)]
        };
        for side in ["a", "b"] {
            out.push(kustomization(&format!("d-{l:03}-{side}"), &deps, false));
        }
    }
    out
}

fn state_of(objects: &[Value]) -> State {
    let mut state = State::new(
        Config::builtin(),
        Labels {
            context: "bench".into(),
            namespace: None,
        },
    );
    for o in objects {
        if let Ok(obj) = serde_json::from_value::<FluxObject>(o.clone()) {
            update(
                &mut state,
                Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
            );
        }
    }
    update(
        &mut state,
        Msg::Resize {
            width: 120,
            height: 32,
        },
    );
    fluxops::app::update::refresh(&mut state);
    state
}

fn type_filter(state: &mut State, text: &str) {
    update(state, Msg::Action(Action::StartFilter));
    for c in text.chars() {
        let key = crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        );
        update(state, Msg::Key(key));
    }
    fluxops::app::update::refresh(state);
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("console_tree");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    let fixtures = [
        ("chain_1000", chain(1_000), "ks-0999"),
        ("lattice_200", lattice(200), "d-099-b"),
    ];
    for (name, objects, last) in &fixtures {
        let base = state_of(objects);
        g.bench_function(format!("filter_{name}"), |b| {
            b.iter_batched(
                || state_of(objects),
                |mut state| {
                    type_filter(&mut state, last);
                    black_box(state.navigator.rows().len())
                },
                BatchSize::LargeInput,
            );
        });
        g.bench_function(format!("expand_all_{name}"), |b| {
            b.iter_batched(
                || state_of(objects),
                |mut state| {
                    update(&mut state, Msg::Action(Action::ExpandAll));
                    black_box(state.navigator.rows().len())
                },
                BatchSize::LargeInput,
            );
        });
        black_box(base.navigator.rows().len());
    }
    let (fleet, _) = generate(&FleetSpec::new(10_000));
    g.bench_function("expand_all_fleet_10000", |b| {
        b.iter_batched(
            || state_of(&fleet),
            |mut state| {
                update(&mut state, Msg::Action(Action::ExpandAll));
                black_box(state.navigator.rows().len())
            },
            BatchSize::LargeInput,
        );
    });
    let source = ResourceRef::new(FluxKind::GitRepository, "team", "repo");
    let objects = chain(1_000);
    g.bench_function("dag_on_the_source_of_chain_1000", |b| {
        b.iter_batched(
            || {
                let mut state = state_of(&objects);
                state.reveal(&source);
                state
            },
            |mut state| {
                update(&mut state, Msg::Action(Action::ShowDag));
                black_box(dag_view::build(&mut state, 78, 26).boxes.len())
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

criterion_group!(console_tree, benches);
criterion_main!(console_tree);

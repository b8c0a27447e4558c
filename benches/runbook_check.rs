//! Micro-benchmark (issue 10, runbooks): a runbook step's check re-evaluated on a cluster change — the walker's
//! `update` with an observation, on the 10,000-object synthetic fleet of `--fleet` (src/sim/fleet.rs) with the
//! status its controllers would write: `ready` at the source's revision (two object lookups),
//! `no-dependent-blocked` (the graph's incoming edges of the target), and `count` over the whole fleet (a scan of
//! every node). Target: under 1 ms each.
//!
//! `cargo bench --bench runbook_check` (env `FLUXOPS_BENCH_FLEET`, default 10000).

mod support;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use fluxops::actions::{Catalog, TargetRef};
use fluxops::graph::Graph;
use fluxops::runbook::walk::{Msg, Walk};
use fluxops::runbook::{Binding, Runbook, World, load};
use fluxops::sim::fleet::{FleetSpec, generate};
use serde_json::Value;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use support::{Ready, object, with_status};

fn runbook(check: &str) -> Runbook {
    let text = format!(
        "---\nid: bench\ntitle: Bench\n---\n## Check\n\n```check\n{check}\ntimeout: 1h\n```\n\n```on-failure\nrollback\n```\n\n## Roll back {{#rollback .branch}}\n\n```record\nx\n```\n"
    );
    load::parse(
        &text,
        Path::new("bench.md"),
        &Catalog::builtin().unwrap_or_else(|_| std::process::abort()),
    )
    .unwrap_or_else(|_| std::process::abort())
}

fn rref(o: &Value) -> TargetRef {
    let text = format!(
        "{}/{}/{}",
        o["kind"].as_str().unwrap_or_default(),
        o["metadata"]["namespace"].as_str().unwrap_or_default(),
        o["metadata"]["name"].as_str().unwrap_or_default()
    );
    TargetRef::parse(&text).unwrap_or_else(|_| std::process::abort())
}

fn bench(c: &mut Criterion) {
    let n = std::env::var("FLUXOPS_BENCH_FLEET")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let (objects, _) = generate(&FleetSpec::new(n));
    let objects: Vec<Value> = objects
        .into_iter()
        .map(|o| with_status(o, Ready::Yes, "2.5s"))
        .collect();
    let graph = Arc::new(Graph::build(objects.iter().cloned().map(object)));
    let target_obj = objects
        .iter()
        .find(|o| o["kind"] == "Kustomization" && !o["spec"]["sourceRef"].is_null())
        .unwrap_or_else(|| std::process::abort());
    let target = rref(target_obj);
    let source = fluxops::execution::object::source_of(&target, target_obj)
        .unwrap_or_else(|| std::process::abort());
    let source_obj = objects
        .iter()
        .find(|o| rref(o) == source)
        .cloned()
        .unwrap_or_else(|| std::process::abort());
    let mut world = World::default();
    world.set(target.clone(), Some(target_obj.clone()));
    world.set(source, Some(source_obj));
    world.set_graph(graph);

    let mut group = c.benchmark_group(format!("runbook check on a change, {n} objects"));
    for (name, check) in [
        (
            "ready at the source's revision",
            "expect: ready\nrevision: source",
        ),
        ("no dependent blocked", "expect: no-dependent-blocked"),
        (
            "count over the fleet",
            "expect: count\nkind: Kustomization\nstate: failing\nmax: 0",
        ),
    ] {
        let rb = runbook(check);
        let binding =
            Binding::new(&rb, target.clone(), &[]).unwrap_or_else(|_| std::process::abort());
        let mut walk = Walk::new(&rb, binding, "bench", 0);
        walk.update(&rb, Msg::Start { now: 0 });
        group.bench_function(name, |b| {
            b.iter_batched(
                || walk.clone(),
                |mut w| {
                    black_box(w.update(
                        &rb,
                        Msg::Observed {
                            now: 1,
                            world: &world,
                        },
                    ))
                },
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

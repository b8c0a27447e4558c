//! Micro-benchmark (issue 3, timings): the console's cost of one changed object in a 10,000-object fleet —
//! `update` with the object's new status, which updates the dependency graph, its root causes (the changed
//! object and the not-ready objects downstream, including failing ones when a source breaks under them) and
//! the object's timings — plus the other timing paths: a "Reconciliation finished" event, a clock tick, and
//! the ranking the timings list sorts.
//!
//! `cargo bench --bench state_update` (env `FLUXOPS_BENCH_FLEET`, default 10000). The fleet is the synthetic one
//! of `--fleet` (src/sim/fleet.rs), given the status its controllers would write (Ready, Kustomization history,
//! HelmRelease release durations), loaded into a `State` through `update` like the console does.

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::app::{Msg, update};
use fluxops::cluster::ClusterEvent;
use fluxops::flux::{EventType, FluxEvent, FluxKind, ResourceRef};
use fluxops::timing::{SortKey, rank};
use serde_json::Value;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;
use support::{Ready, at, loaded, object, with_status};

/// Every object with a `dependsOn` waits (DependencyNotReady), so a change at the head of a chain changes the
/// root causes of the whole chain.
fn blocked_chains(o: &Value) -> Ready {
    if o["spec"]["dependsOn"].is_null() {
        Ready::Yes
    } else {
        Ready::Blocked
    }
}

/// Every Kustomization and HelmRelease fails (sources ready): each is its own root cause until its source
/// breaks, then it points at the source (the root cause looks through a failing object whose upstream is
/// broken), so a source's change revisits every failing object downstream.
fn failing_appliers(o: &Value) -> Ready {
    if o["kind"] == "Kustomization" || o["kind"] == "HelmRelease" {
        Ready::Failed
    } else {
        Ready::Yes
    }
}

/// The source `obj` applies from (its `spec.sourceRef`), if the fleet has it.
fn source_of(objects: &[Value], obj: &Value) -> Option<Value> {
    let sref = &obj["spec"]["sourceRef"];
    let ns = sref["namespace"]
        .as_str()
        .or_else(|| obj["metadata"]["namespace"].as_str());
    objects
        .iter()
        .find(|o| {
            o["kind"] == sref["kind"]
                && o["metadata"]["name"] == sref["name"]
                && o["metadata"]["namespace"].as_str() == ns
        })
        .cloned()
}

/// The first Kustomization of a tenant's dependsOn chain (everything after it waits on it).
fn chain_head(objects: &[Value]) -> Value {
    objects
        .iter()
        .find(|o| {
            o["kind"] == "Kustomization"
                && o["spec"]["dependsOn"].is_null()
                && objects.iter().any(|other| {
                    other["spec"]["dependsOn"][0]["name"] == o["metadata"]["name"]
                        && other["metadata"]["namespace"] == o["metadata"]["namespace"]
                })
        })
        .cloned()
        .unwrap_or_else(|| objects[0].clone())
}

fn benches(c: &mut Criterion) {
    let n: usize = std::env::var("FLUXOPS_BENCH_FLEET")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let (mut state, objects) = loaded(n, |_| Ready::Yes);
    let head = chain_head(&objects);
    let failing = object(with_status(head.clone(), Ready::Failed, "41.7s"));
    let ready = object(with_status(head.clone(), Ready::Yes, "2.6s"));
    let head_ref = failing
        .resource_ref()
        .unwrap_or_else(|| ResourceRef::new(FluxKind::Kustomization, "tenant-000", "missing"));
    let mut group = c.benchmark_group(format!("state_update_{n}"));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(4));
    group.warm_up_time(Duration::from_secs(1));

    // One status change (alternating failing / ready at the head of a dependsOn chain, so the root causes of
    // the objects downstream change too): graph, root causes, timings, counts, through `update`.
    let mut flip = false;
    group.bench_function("upsert_one_changed_object", |b| {
        b.iter(|| {
            flip = !flip;
            let obj = if flip { &failing } else { &ready };
            update(
                &mut state,
                Msg::Cluster(ClusterEvent::Upserted(Arc::clone(obj))),
            );
            black_box(state.graph.node(&head_ref).is_some())
        });
    });

    // The same with the chain behind the head blocked: the root causes of every object downstream change.
    let (mut blocked_state, _) = loaded(n, blocked_chains);
    let mut flip = false;
    group.bench_function("upsert_chain_head_with_blocked_chain", |b| {
        b.iter(|| {
            flip = !flip;
            let obj = if flip { &failing } else { &ready };
            update(
                &mut blocked_state,
                Msg::Cluster(ClusterEvent::Upserted(Arc::clone(obj))),
            );
            black_box(blocked_state.graph.node(&head_ref).is_some())
        });
    });
    drop(blocked_state);

    // A source breaks and recovers under failing dependents: every failing object downstream of it (through
    // dependsOn) switches between blaming itself and blaming the source.
    if let Some(source) = source_of(&objects, &head) {
        let (mut failing_state, _) = loaded(n, failing_appliers);
        let broken = object(with_status(source.clone(), Ready::Failed, "1s"));
        let fixed = object(with_status(source, Ready::Yes, "1s"));
        let mut flip = false;
        group.bench_function("upsert_source_under_failing_dependents", |b| {
            b.iter(|| {
                flip = !flip;
                let obj = if flip { &broken } else { &fixed };
                update(
                    &mut failing_state,
                    Msg::Cluster(ClusterEvent::Upserted(Arc::clone(obj))),
                );
                black_box(failing_state.graph.node(&head_ref).is_some())
            });
        });
    }

    // A success event: parsed, a new sample in the object's ring, its flags recomputed.
    let mut i = 0_i64;
    group.bench_function("finished_event_one_object", |b| {
        b.iter(|| {
            i += 1;
            let ev = FluxEvent {
                involved: head_ref.clone(),
                type_: EventType::Normal,
                reason: "ReconciliationSucceeded".into(),
                message: format!("Reconciliation finished in 2.{i}s, next run in 10m0s"),
                last_seen: Some(at(i * 600).to_string()),
                first_seen: None,
                count: 1,
                source: "kustomize-controller".into(),
                uid: format!("tenant-000/head.{i}"),
            };
            update(&mut state, Msg::Cluster(ClusterEvent::Event(Arc::new(ev))));
        });
    });

    // The 1 s clock with nothing due: the deadline queue is looked at, no object is.
    group.bench_function("tick_nothing_due", |b| {
        b.iter(|| update(&mut state, Msg::Tick(black_box(at(2)))));
    });

    // The ranking the timings list recomputes when something changed (at most once per frame).
    group.bench_function("rank_by_last_duration", |b| {
        b.iter(|| black_box(rank(&state.timings, SortKey::LastDuration).len()));
    });
    group.finish();
}

criterion_group!(state_update, benches);
criterion_main!(state_update);

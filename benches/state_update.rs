//! Micro-benchmark (issue 3, timings): the console's cost of one changed object in a 10,000-object fleet —
//! `update` with the object's new status, which updates the dependency graph, its root causes (the changed
//! object and the not-ready objects downstream) and the object's timings — plus the other timing paths: a
//! "Reconciliation finished" event, a clock tick, and the ranking the timings list sorts.
//!
//! `cargo bench --bench state_update` (env `FLUXOPS_BENCH_FLEET`, default 10000). The fleet is the synthetic one
//! of `--fleet` (src/sim/fleet.rs), given the status its controllers would write (Ready, Kustomization history,
//! HelmRelease release durations), loaded into a `State` through `update` like the console does.

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::app::{Labels, Msg, State, update};
use fluxops::cluster::ClusterEvent;
use fluxops::config::Config;
use fluxops::flux::{EventType, FluxEvent, FluxKind, FluxObject, ResourceRef};
use fluxops::sim::fleet::{FleetSpec, generate};
use fluxops::timing::{SortKey, rank};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

fn start() -> Timestamp {
    Timestamp::from_second(1_795_000_000).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn at(secs: i64) -> Timestamp {
    start()
        .checked_add(SignedDuration::from_secs(secs))
        .unwrap_or(Timestamp::MAX)
}

/// How a benchmark object's Ready condition reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ready {
    Yes,
    Failed,
    /// `DependencyNotReady`: blocked behind what it depends on.
    Blocked,
}

/// The status a controller would have written: Ready, a history entry (KS), a release duration (HR).
fn with_status(mut obj: Value, ready: Ready, took: &str) -> Value {
    let kind = obj["kind"].as_str().unwrap_or_default().to_owned();
    let (status, reason) = match ready {
        Ready::Yes => ("True", "ReconciliationSucceeded"),
        Ready::Failed => ("False", "BuildFailed"),
        Ready::Blocked => ("False", "DependencyNotReady"),
    };
    let mut st = json!({
        "observedGeneration": 1,
        "conditions": [{"type": "Ready", "status": status, "reason": reason, "message": "bench",
                        "lastTransitionTime": at(-60).to_string()}],
    });
    match kind.as_str() {
        "Kustomization" => {
            st["history"] = json!([{"digest": "sha256:0123", "firstReconciled": at(-3600).to_string(),
                "lastReconciled": at(-60).to_string(), "lastReconciledDuration": took,
                "lastReconciledStatus": reason, "totalReconciliations": 7}]);
        }
        "HelmRelease" => {
            st["lastAttemptedReleaseActionDuration"] = json!(took);
        }
        _ => {}
    }
    obj["metadata"]["generation"] = json!(1);
    obj["status"] = st;
    obj
}

fn object(v: Value) -> Arc<FluxObject> {
    Arc::new(serde_json::from_value(v).unwrap_or_default())
}

/// The fleet loaded into a `State`; with `blocked`, every object with a `dependsOn` waits (DependencyNotReady),
/// so a change at the head of a chain changes the root causes of the whole chain.
fn loaded(n: usize, blocked: bool) -> (State, Vec<Value>) {
    let (objects, _) = generate(&FleetSpec::new(n));
    let mut state = State::new(
        Config::builtin(),
        Labels {
            context: "bench".into(),
            namespace: None,
        },
    );
    update(&mut state, Msg::Tick(start()));
    for o in &objects {
        let ready = if blocked && !o["spec"]["dependsOn"].is_null() {
            Ready::Blocked
        } else {
            Ready::Yes
        };
        let obj = object(with_status(o.clone(), ready, "2.5s"));
        update(&mut state, Msg::Cluster(ClusterEvent::Upserted(obj)));
    }
    update(&mut state, Msg::Tick(at(1)));
    (state, objects)
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
    let (mut state, objects) = loaded(n, false);
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
    let (mut blocked_state, _) = loaded(n, true);
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

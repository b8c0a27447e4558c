//! Micro-benchmark (issue 10, the console's walker): a runbook step's check re-evaluated on a cluster change, as
//! the console does it — `app::update` with the watched target's new status on a `State` holding the
//! 10,000-object synthetic fleet while a walk's check waits on it: the change applied (graph, root causes,
//! timings, counts) and the check evaluated again (the object as JSON, `check::evaluate`, the walker's
//! `update`). A check over the graph (`count`) is evaluated at the next tick after a change (it reads
//! the console's graph, lent to it), so that case measures the change and the tick. Each case is beside the same input without a
//! walk: the difference is the check's cost. Target: under 1 ms.
//!
//! `cargo bench --bench walker_check` (env `FLUXOPS_BENCH_FLEET`, default 10000).

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::actions::{Catalog, TargetRef};
use fluxops::app::effects_files::FileAnswer;
use fluxops::app::{Msg, State, update};
use fluxops::cluster::ClusterEvent;
use fluxops::runbook::{Binding, load};
use serde_json::Value;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use support::{Ready, loaded, object, start, with_status};

/// A runbook whose one check never holds on the fleet (so it is evaluated on every change).
fn walking(state: &mut State, target: &TargetRef, check: &str) {
    let text = format!(
        "---\nid: bench\ntitle: Bench\n---\n# Bench\n\nA check.\n\n## Check\n\n```check\n{check}\ntimeout: 1h\n```\n"
    );
    let catalog = Catalog::builtin().unwrap_or_else(|_| std::process::abort());
    let rb = load::parse(&text, Path::new("bench.md"), &catalog)
        .unwrap_or_else(|_| std::process::abort());
    let binding = Binding::new(&rb, target.clone(), &[]).unwrap_or_else(|_| std::process::abort());
    state.runbooks.library = Some(vec![Arc::new(rb)]);
    update(
        state,
        Msg::Files(FileAnswer::WalkOpened {
            runbook: "bench".to_owned(),
            binding,
            result: Ok(None),
            operator: "bench".to_owned(),
        }),
    );
    if state
        .runbooks
        .walker
        .as_ref()
        .and_then(|w| w.walk.waiting_check())
        .is_none()
    {
        std::process::abort();
    }
}

/// `ms` milliseconds after the fleet's start.
fn at_ms(ms: i64) -> k8s_openapi::jiff::Timestamp {
    start()
        .checked_add(k8s_openapi::jiff::SignedDuration::from_millis(ms))
        .unwrap_or(k8s_openapi::jiff::Timestamp::MAX)
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
    let n: usize = std::env::var("FLUXOPS_BENCH_FLEET")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let mut group = c.benchmark_group(format!("walker_check_{n}"));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(4));
    group.warm_up_time(Duration::from_secs(1));
    for (name, check, tick) in [
        ("object_check_on_a_change", Some("expect: suspended"), false),
        ("change_without_a_walk", None, false),
        (
            "graph_check_at_the_tick_after_a_change",
            Some("expect: count\nkind: Kustomization\nstate: any\nmin: 1000000"),
            true,
        ),
        ("change_and_tick_without_a_walk", None, true),
    ] {
        let (mut state, objects) = loaded(n, |_| Ready::Yes);
        let head = objects
            .iter()
            .find(|o| o["kind"] == "Kustomization")
            .cloned()
            .unwrap_or_else(|| std::process::abort());
        if let Some(check) = check {
            walking(&mut state, &rref(&head), check);
        }
        let failing = object(with_status(head.clone(), Ready::Failed, "41.7s"));
        let ready = object(with_status(head, Ready::Yes, "2.6s"));
        let mut flip = false;
        let mut clock: i64 = 2_000;
        group.bench_function(name, |b| {
            b.iter(|| {
                flip = !flip;
                let obj = if flip { &failing } else { &ready };
                let mut effects = update(
                    &mut state,
                    Msg::Cluster(ClusterEvent::Upserted(Arc::clone(obj))),
                );
                if tick {
                    // A millisecond a tick: the check's timeout (at most 1 h) must not pass while measured,
                    // or the walk holds the check for the operator and nothing is evaluated any more.
                    clock += 1;
                    effects.extend(update(&mut state, Msg::Tick(at_ms(clock))));
                }
                black_box(effects)
            });
        });
        // The walk must still be waiting on its check: a held or finished walk measures nothing.
        if check.is_some()
            && state
                .runbooks
                .walker
                .as_ref()
                .is_none_or(|w| w.held.is_some() || w.paused || w.walk.waiting_check().is_none())
        {
            eprintln!("{name}: the walk no longer waits on its check; the figure is void");
            std::process::abort();
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

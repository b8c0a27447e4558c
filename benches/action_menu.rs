//! Benchmark of the action menu (issue 9 target: the verdicts for one object under 5 ms).
//!
//! `cargo bench --bench action_menu` opens the menu on one Kustomization of the simulated demo cluster through
//! the real path, `execution::Executor::menu`: a policy decision (shipped policies, `Gate::decide`) and the
//! access review (`SelfSubjectAccessReview`, cached per verb/resource/namespace for 30 s) for each of the five
//! actions that apply to a Kustomization. Cases:
//! - **warm**: the access answers cached, as when the operator opens the menu again (the target);
//! - **cold**: the first menu (the operator's SelfSubjectReview and one review over HTTP to the simulator),
//!   printed once, not a criterion sample.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "a benchmark whose setup fails must stop loudly"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::actions::{Catalog, Target, TargetKind, TargetRef};
use fluxops::audit::AuditLog;
use fluxops::cluster::{ConnectOptions, client::connect};
use fluxops::execution::{Executor, Parts};
use fluxops::policy::Gate;
use fluxops::sim::{SimConfig, SimSource, start};
use std::hint::black_box;
use std::time::Instant;

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (executor, _sim) = runtime.block_on(async {
        let sim = start(SimConfig::new(SimSource::Scenario("demo".into())))
            .await
            .unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        sim.write_kubeconfig(&kubeconfig).unwrap();
        let connection = connect(&ConnectOptions {
            kubeconfig: Some(kubeconfig),
            ..ConnectOptions::default()
        })
        .await
        .unwrap();
        let executor = Executor::new(
            &connection,
            Parts {
                catalog: Catalog::builtin().unwrap(),
                gate: Gate::load(None),
                audit: AuditLog::at(dir.path().join("audit.jsonl")),
                readonly: false,
                jobs: fluxops::job::JobSettings::default(),
            },
        );
        (executor, sim)
    });
    let target = Target::bare(TargetRef::namespaced(
        TargetKind::Kustomization,
        "flux-system",
        "infra-controllers",
    ));
    let started = Instant::now();
    let first = runtime.block_on(executor.menu(&target, None));
    println!(
        "action_menu/cold: {:?} for {} actions (operator review + access review over HTTP)",
        started.elapsed(),
        first.len()
    );
    assert!(first.iter().all(|e| e.verdict.runnable()), "{first:?}");
    c.bench_function("action_menu/warm", |b| {
        b.iter(|| black_box(runtime.block_on(executor.menu(&target, None))));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

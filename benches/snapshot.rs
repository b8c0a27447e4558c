//! Benchmark of snapshots on a 10,000-object fleet (issue 10 targets: create under 3 s, diff under 1 s).
//!
//! `cargo bench --bench snapshot` starts the simulated cluster with the synthetic fleet (`--fleet 10000`, as
//! `console_fleet` does) and measures, through a real kube client over HTTP:
//! - **create**: `snapshot::capture::capture` (discovery, one paged list per Flux kind at one resourceVersion,
//!   cleaning) and `snapshot::store::write` (YAML per kind, SHA-256, synced files, rename) into a new directory;
//! - **load**: `snapshot::store::load` (every file read through `bounded_file`, checksummed, parsed);
//! - **diff**: the live side listed again (`capture::live_for`) and `snapshot::diff::diff`, as `snapshot diff`
//!   does after loading;
//! - **create / diff, quiescent**: the same after `Simulation::stop_controllers` (the API server keeps serving):
//!   without the simulated fleet's reconcile wave, which runs in this process, on the same cores.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "a benchmark whose setup fails must stop loudly"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::cluster::{ConnectOptions, Scope, client::connect};
use fluxops::sim::{SimConfig, SimSource, start};
use fluxops::snapshot::{Manifest, capture, diff, store};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

fn manifest() -> Manifest {
    Manifest {
        format: 1,
        tool: "bench".into(),
        id: "bench".into(),
        created: "2026-01-01T00:00:00Z".into(),
        cluster: String::new(),
        context: String::new(),
        scope: "all namespaces".into(),
        with_inventory: false,
        resource_version: None,
        consistent: true,
        counts: BTreeMap::new(),
        objects: 0,
        excluded: Vec::new(),
        unreadable: Vec::new(),
        files: Vec::new(),
    }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (client, mut sim) = runtime.block_on(async {
        let sim = start(SimConfig::new(SimSource::Fleet(10_000)))
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
        (connection.client, sim)
    });
    let first = runtime
        .block_on(capture::capture(&client, &Scope::All, false))
        .unwrap();
    println!(
        "snapshot: {} objects, consistent: {}",
        first.objects.len(),
        first.consistent
    );
    assert!(first.objects.len() >= 10_000, "{}", first.objects.len());
    let mut group = c.benchmark_group("snapshot");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let mut n = 0_u32;
    group.bench_function("create_10k", |b| {
        b.iter(|| {
            n += 1;
            let captured = runtime
                .block_on(capture::capture(&client, &Scope::All, false))
                .unwrap();
            let target = dir.path().join(format!("s{n}"));
            black_box(store::write(&target, manifest(), &captured.objects).unwrap());
            let _ = std::fs::remove_dir_all(&target);
        });
    });
    let kept = dir.path().join("kept");
    store::write(&kept, manifest(), &first.objects).unwrap();
    group.bench_function("load_10k", |b| {
        b.iter(|| black_box(store::load(&kept).unwrap()));
    });
    let snapshot = store::load(&kept).unwrap();
    let keys = snapshot.objects.keys().cloned().collect();
    let versions = BTreeMap::new();
    let diff_once = || {
        let live = runtime
            .block_on(capture::live_for(&client, &Scope::All, &keys, &versions))
            .unwrap();
        black_box(diff::diff(&snapshot.objects, &live.objects))
    };
    group.bench_function("diff_10k", |b| b.iter(diff_once));
    // The same two with the simulated controllers stopped (the API server keeps serving): the fleet's
    // reconcile wave runs in this process and takes most of the CPU above; a real cluster's controllers do
    // not run on the operator's machine.
    runtime.block_on(sim.stop_controllers());
    group.bench_function("create_10k_quiescent", |b| {
        b.iter(|| {
            n += 1;
            let captured = runtime
                .block_on(capture::capture(&client, &Scope::All, false))
                .unwrap();
            let target = dir.path().join(format!("s{n}"));
            black_box(store::write(&target, manifest(), &captured.objects).unwrap());
            let _ = std::fs::remove_dir_all(&target);
        });
    });
    group.bench_function("diff_10k_quiescent", |b| b.iter(diff_once));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

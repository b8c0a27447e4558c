//! Benchmark (issue 11): the console on three clusters of 3,000 objects each — the first complete frame (every
//! served kind of every cluster listed and drawn). `cargo bench --bench fleet_clusters` (env
//! `FLUXOPS_BENCH_FLEET`, objects per cluster, default 3000; `FLUXOPS_BENCH_CLUSTERS`, default 3).
//!
//! Three simulated clusters run in this process (`sim::multi`, as `fluxops sim --clusters 3`), each its own API
//! server with a synthetic fleet; each iteration runs the real `fluxops --all-contexts` binary in a
//! pseudo-terminal (160x48) and measures from spawning it to its log saying `first complete frame` (the run
//! loop logs it after drawing the first frame at which every cluster has every kind settled), then quits it.

mod support;
use support::env_or;

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::sim::multi;
use fluxops::sim::simulation::SimSource;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::Read;
use std::time::{Duration, Instant};

/// One run of the console: spawn → first complete frame, then `q`.
fn first_frame(kubeconfig: &std::path::Path) -> Result<Duration, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let log = dir.path().join("fluxops.log");
    let pty = native_pty_system().openpty(PtySize {
        rows: 48,
        cols: 160,
        pixel_width: 0,
        pixel_height: 0,
    })?;
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_fluxops"));
    cmd.args([
        "--kubeconfig",
        &kubeconfig.to_string_lossy(),
        "--all-contexts",
    ]);
    cmd.env("FLUXOPS_LOG_FILE", &log);
    cmd.env("FLUXOPS_LOG", "info");
    cmd.env("FLUXOPS_CONFIG_DIR", dir.path());
    cmd.env("TERM", "xterm-256color");
    let started = Instant::now();
    let mut child = pty.slave.spawn_command(cmd)?;
    // Drain the terminal so the console never blocks writing to it.
    let mut reader = pty.master.try_clone_reader()?;
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while matches!(reader.read(&mut buf), Ok(n) if n > 0) {}
    });
    let mut writer = pty.master.take_writer()?;
    let deadline = started + Duration::from_secs(120);
    let took = loop {
        if std::fs::read_to_string(&log).is_ok_and(|s| s.contains("first complete frame")) {
            break started.elapsed();
        }
        if Instant::now() > deadline {
            return Err("the console never logged a complete frame".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    writer.write_all(b"q")?;
    let _ = child.wait();
    Ok(took)
}

fn bench(c: &mut Criterion) {
    let per_cluster = env_or("FLUXOPS_BENCH_FLEET", 3000);
    let clusters = env_or("FLUXOPS_BENCH_CLUSTERS", 3);
    let Ok(runtime) = tokio::runtime::Runtime::new() else {
        eprintln!("no tokio runtime");
        return;
    };
    let fleet = match runtime.block_on(multi::start(
        clusters,
        &SimSource::Fleet(per_cluster),
        [127, 0, 0, 1].into(),
        &[],
        |_| {},
    )) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("cannot start the clusters: {e}");
            return;
        }
    };
    let Ok(dir) = tempfile::tempdir() else { return };
    let kubeconfig = dir.path().join("kubeconfig");
    if let Err(e) = fleet.write_kubeconfig(&kubeconfig) {
        eprintln!("{e}");
        return;
    }
    let mut group = c.benchmark_group("fleet_clusters");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(20));
    group.bench_function(
        format!("first_complete_frame_{clusters}x{per_cluster}"),
        |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    match first_frame(&kubeconfig) {
                        Ok(d) => total += d,
                        Err(e) => eprintln!("{e}"),
                    }
                }
                total
            });
        },
    );
    group.finish();
    runtime.block_on(fleet.shutdown());
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Soak benchmark of `fluxops watch`'s core (issue 11): the wall on the synthetic 10,000-object fleet under 30
//! simulated minutes of churn. Not a test: it measures and prints.
//!
//! `cargo bench --bench watch_wall` (env `FLUXOPS_BENCH_FLEET`, default 10000; `FLUXOPS_BENCH_MINUTES`, default 30;
//! `FLUXOPS_BENCH_CHURN`, status changes per simulated second, default 10).
//!
//! The fleet (src/sim/fleet.rs, with the status its controllers write) is loaded into a `watch::wall::Wall`
//! through its `update`, exactly as the run loop feeds it. Then, for every simulated second: `CHURN` objects flip
//! between Ready and failing (each `Upserted` through `update`, as the watchers deliver it), a clock tick, and one
//! frame (the view model built and drawn on a 300x80 TestBackend, as the run loop draws once a second). The
//! clock is simulated, so 30 minutes run in seconds; memory and CPU are the process's own.
//!
//! Printed: resident memory after 5 simulated minutes (warm: trend ring, ticker and caches at their steady
//! size) and at the end, and the growth between; CPU per status change (`update`) and per frame; the CPU of one
//! idle second (a tick and a frame with nothing changed) as % of a core. The loop is single-threaded, so the
//! phases are timed with `Instant` (= CPU time); the process's CPU from `/proc/self/stat` is printed beside.

#[path = "support/mod.rs"]
mod support;

use fluxops::app::{Msg, update as app_update};
use fluxops::cluster::ClusterEvent;
use fluxops::flux::FluxKind;
use fluxops::watch::view;
use fluxops::watch::wall::{Wall, WallMsg, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};
use support::{Ready, at, env_or, loaded, object, with_status};

const WIDTH: u16 = 300;
const HEIGHT: u16 = 80;

/// Resident memory in KiB (`VmRSS`).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// User + system CPU time of this process (`/proc/self/stat`, clock ticks of 10 ms: summed over whole phases).
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(") ")
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // After the command name: state is field 3, utime 14 and stime 15 (1-based) → indexes 11 and 12 here.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn frame(wall: &mut Wall, terminal: &mut Terminal<TestBackend>, second: i64) {
    let v = view::build(wall, at(second), WIDTH, HEIGHT);
    let theme = wall.app.theme;
    let _ = terminal.draw(|f| fluxops::ui::watch::draw(f, &theme, &v));
}

fn main() {
    let n = env_or("FLUXOPS_BENCH_FLEET", 10_000);
    let minutes = env_or("FLUXOPS_BENCH_MINUTES", 30);
    let churn = env_or("FLUXOPS_BENCH_CHURN", 10);
    let (mut state, objects) = loaded(n, |_| Ready::Yes);
    for kind in FluxKind::ALL {
        app_update(
            &mut state,
            Msg::Cluster(ClusterEvent::KindSynced {
                kind,
                api_version: format!("{}/{}", kind.group(), kind.versions()[0]),
            }),
        );
    }
    let mut wall = Wall::new(state, Duration::from_secs(15));
    let mut terminal = match Terminal::new(TestBackend::new(WIDTH, HEIGHT)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("no test terminal: {e}");
            return;
        }
    };
    // Each churned object alternates between two prepared versions (failing, Ready).
    let flips: Vec<_> = objects
        .iter()
        .step_by((n / 500).max(1))
        .map(|o| {
            (
                object(with_status(o.clone(), Ready::Failed, "3.1s")),
                object(with_status(o.clone(), Ready::Yes, "2.4s")),
            )
        })
        .collect();
    let seconds = i64::try_from(minutes * 60).unwrap_or(1800);
    let warm_at = 5 * 60;
    let (mut rss_warm, mut update_cpu, mut frame_cpu, mut updates, mut frames) =
        (0u64, Duration::ZERO, Duration::ZERO, 0u64, 0u64);
    let started = Instant::now();
    let cpu_start = cpu();
    let mut k = 0usize;
    for second in 2..seconds + 2 {
        let t0 = Instant::now();
        for _ in 0..churn {
            let (failing, ready) = &flips[k % flips.len()];
            let obj = if (k / flips.len()).is_multiple_of(2) {
                failing
            } else {
                ready
            };
            update(
                &mut wall,
                WallMsg::Cluster(ClusterEvent::Upserted(obj.clone())),
            );
            k += 1;
            updates += 1;
        }
        let t1 = Instant::now();
        update(&mut wall, WallMsg::Tick(at(second)));
        frame(&mut wall, &mut terminal, second);
        update_cpu += t1 - t0;
        frame_cpu += t1.elapsed();
        frames += 1;
        if second == warm_at {
            rss_warm = rss_kib();
        }
    }
    let rss_end = rss_kib();
    let churn_took = started.elapsed();
    let churn_cpu = cpu() - cpu_start;
    // Idle: nothing changes; a tick and a frame a second.
    let idle_seconds = 120;
    let t0 = Instant::now();
    let idle_cpu_start = cpu();
    for s in 0..idle_seconds {
        let second = seconds + 2 + s;
        update(&mut wall, WallMsg::Tick(at(second)));
        frame(&mut wall, &mut terminal, second);
    }
    let idle = t0.elapsed() / u32::try_from(idle_seconds).unwrap_or(1);
    let idle_cpu = (cpu() - idle_cpu_start) / u32::try_from(idle_seconds).unwrap_or(1);
    let per = |d: Duration, n: u64| d / u32::try_from(n.max(1)).unwrap_or(1);
    let growth = if rss_warm > 0 {
        (rss_end as f64 - rss_warm as f64) / rss_warm as f64 * 100.0
    } else {
        f64::NAN
    };
    println!(
        "watch_wall: fleet {n}, {minutes} simulated minutes, {churn} changes/s ({updates} changes, {frames} frames) in {churn_took:.1?}"
    );
    println!(
        "  RSS after 5 simulated minutes: {:.1} MiB; at the end: {:.1} MiB; growth {growth:+.2}%",
        rss_warm as f64 / 1024.0,
        rss_end as f64 / 1024.0
    );
    println!(
        "  process CPU over the churn: {churn_cpu:?} (single thread: the times below are CPU)"
    );
    println!(
        "  CPU per status change (update): {:?}",
        per(update_cpu, updates)
    );
    println!(
        "  CPU per frame (view + draw, 300x80): {:?}",
        per(frame_cpu, frames)
    );
    println!(
        "  idle: CPU per second (tick + frame): {idle:?} = {:.2}% of a core (process CPU {idle_cpu:?} a second)",
        idle.as_secs_f64() * 100.0
    );
    println!(
        "  ticker kept {}, trend samples {}",
        wall.ticker.len(),
        wall.trend.len()
    );
}

//! End-to-end benchmark of the console on a large fleet (issue: foundation). Not a test: it measures and prints.
//!
//! `cargo bench --bench console_fleet` (env `FLUXOPS_BENCH_FLEET`, default 10000; `FLUXOPS_BENCH_PROBES`, default 20;
//! `FLUXOPS_BENCH_SETTLE`, seconds to wait after the first complete frame before measuring, default 2: the fleet's
//! first reconcile wave runs for about a minute after start, its steady rate is seen with e.g. 90).
//!
//! It starts the simulated cluster in this process with a synthetic fleet, runs the real `fluxops` binary against
//! it in a pseudo-terminal (160x48), and measures:
//! - **first complete frame**: from spawning the process to the console logging that it drew a frame with every
//!   served kind synced (`first complete frame` in its log file, polled every 5 ms);
//! - **resident memory** (`VmRSS` of the console process) 2 s after that;
//! - **CPU while idle, live fleet**: the console's user+system CPU time over 10 s with no input, as % of one core
//!   (the simulated controllers keep reconciling, so this includes following their updates; the rate of those
//!   updates over the same 10 s is printed too: Flux object writes and Kubernetes Events per second);
//! - **change to screen**: a status change written into the simulated cluster (Ready=False with a unique reason on
//!   the first row's GitRepository) until that reason is written to the terminal by the console (live fleet);
//! - **CPU while idle, quiescent cluster**: the same 10 s measure after the simulated controllers are stopped
//!   (`Simulation::stop_controllers`; the API server keeps serving and the watches stay open), i.e. the console
//!   at rest: nothing changes but its 1 s clock.

mod support;
use support::env_or;

use fluxops::flux::FluxKind;
use fluxops::sim::simulation::{self, SimConfig, SimSource};
use fluxops::sim::store::ObjectKey;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

type Screen = Arc<(Mutex<Vec<u8>>, Condvar)>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fleet: usize = env_or("FLUXOPS_BENCH_FLEET", 10_000);
    let probes: usize = env_or("FLUXOPS_BENCH_PROBES", 20);
    let settle: usize = env_or("FLUXOPS_BENCH_SETTLE", 2);
    let runtime = tokio::runtime::Runtime::new()?;
    let mut sim = runtime.block_on(simulation::start(SimConfig::new(SimSource::Fleet(fleet))))?;
    let writes = count_writes(&runtime, &sim);
    let dir = tempfile::tempdir()?;
    let kubeconfig = dir.path().join("kubeconfig");
    let log = dir.path().join("fluxops.log");
    sim.write_kubeconfig(&kubeconfig)?;

    let pty = native_pty_system().openpty(PtySize {
        rows: 48,
        cols: 160,
        pixel_width: 0,
        pixel_height: 0,
    })?;
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_fluxops"));
    cmd.args(["--kubeconfig", &kubeconfig.to_string_lossy(), "-A"]);
    cmd.env("FLUXOPS_LOG_FILE", &log);
    cmd.env("FLUXOPS_LOG", "info");
    cmd.env("FLUXOPS_CONFIG_DIR", dir.path());
    cmd.env("TERM", "xterm-256color");
    let started = Instant::now();
    let mut child = pty.slave.spawn_command(cmd)?;
    let pid = child.process_id().ok_or("no pid")?;
    let screen: Screen = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
    spawn_reader(pty.master.try_clone_reader()?, screen.clone());
    let mut writer = pty.master.take_writer()?;

    let first_frame = wait_for_log(&log, "first complete frame", Duration::from_secs(60))
        .ok_or("the console never logged a complete frame")?;
    let first_frame = first_frame.duration_since(started);
    std::thread::sleep(Duration::from_secs(u64::try_from(settle)?));
    let rss_kib = rss_kib(pid)?;
    let (flux0, events0) = (
        writes.0.load(Ordering::Relaxed),
        writes.1.load(Ordering::Relaxed),
    );
    let t0 = Instant::now();
    let cpu_pct = idle_cpu(pid)?;
    let secs = t0.elapsed().as_secs_f64();
    let flux_rate = (writes.0.load(Ordering::Relaxed) - flux0) as f64 / secs;
    let event_rate = (writes.1.load(Ordering::Relaxed) - events0) as f64 / secs;

    let key = ObjectKey::flux(FluxKind::GitRepository, "tenant-000", "platform");
    let mut delays = Vec::with_capacity(probes);
    for i in 0..probes {
        // ratatui rewrites only the cells that changed, so each token differs from the last in every position.
        let letter = char::from(b'A' + u8::try_from(i % 26)?);
        let token: String = std::iter::repeat_n(letter, 12).collect();
        let mark = screen.0.lock().map_err(|_| "poisoned")?.len();
        let patch = serde_json::json!({"conditions": [{
            "type": "Ready", "status": "False", "reason": token, "message": "benchmark probe",
            "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": 1
        }]});
        let sent = Instant::now();
        sim.store().patch_status(&key, &patch)?;
        let seen = wait_for_screen(&screen, mark, &token, Duration::from_secs(5))
            .ok_or_else(|| format!("{token} never reached the screen"))?;
        delays.push(seen.duration_since(sent));
        std::thread::sleep(Duration::from_millis(200));
    }
    runtime.block_on(sim.stop_controllers());
    // Let the last reconciles' updates reach the console before measuring it at rest.
    std::thread::sleep(Duration::from_secs(3));
    let quiet_pct = idle_cpu(pid)?;
    writer.write_all(b"q")?;
    let _ = child.wait();
    runtime.block_on(sim.shutdown());

    delays.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("fleet: {fleet} objects (synthetic, `--fleet {fleet}`)");
    println!("first complete frame: {:.0} ms", ms(first_frame));
    println!(
        "resident memory {settle} s after load: {:.1} MiB",
        rss_kib as f64 / 1024.0
    );
    println!(
        "CPU while idle (10 s, live fleet, from {settle} s after load): {cpu_pct:.2} % of one core \
         (fleet updates: {flux_rate:.1} Flux object writes/s, {event_rate:.1} Events/s)"
    );
    println!("CPU while idle (10 s, quiescent cluster): {quiet_pct:.2} % of one core");
    println!(
        "change to screen ({} probes): median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        delays.len(),
        ms(delays[delays.len() / 2]),
        ms(delays[(delays.len() * 95 / 100).min(delays.len() - 1)]),
        ms(delays[delays.len() - 1]),
    );
    Ok(())
}

/// Counts the simulated cluster's writes as they are committed: (Flux objects, Kubernetes Events).
fn count_writes(
    runtime: &tokio::runtime::Runtime,
    sim: &simulation::Simulation,
) -> Arc<(AtomicU64, AtomicU64)> {
    let counts = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
    let mut changes = sim.store().subscribe();
    let out = Arc::clone(&counts);
    runtime.spawn(async move {
        loop {
            match changes.recv().await {
                Ok(c) if c.resource.resource == "events" => out.1.fetch_add(1, Ordering::Relaxed),
                Ok(_) => out.0.fetch_add(1, Ordering::Relaxed),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            };
        }
    });
    counts
}

/// The console's CPU time over 10 s with no input, as % of one core.
fn idle_cpu(pid: u32) -> Result<f64, Box<dyn std::error::Error>> {
    let cpu0 = cpu_ticks(pid)?;
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(10));
    Ok((cpu_ticks(pid)? - cpu0) as f64 / ticks_per_second() / t0.elapsed().as_secs_f64() * 100.0)
}

fn spawn_reader(mut reader: Box<dyn Read + Send>, screen: Screen) {
    std::thread::spawn(move || {
        let mut buf = [0_u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            let (lock, cv) = &*screen;
            if let Ok(mut out) = lock.lock() {
                out.extend_from_slice(&buf[..n]);
                cv.notify_all();
            }
        }
    });
}

fn wait_for_screen(screen: &Screen, from: usize, token: &str, limit: Duration) -> Option<Instant> {
    let (lock, cv) = &**screen;
    let deadline = Instant::now() + limit;
    let mut out = lock.lock().ok()?;
    loop {
        if out.len() > from && contains(&out[from..], token.as_bytes()) {
            return Some(Instant::now());
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        out = cv.wait_timeout(out, left).ok()?.0;
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn wait_for_log(path: &std::path::Path, needle: &str, limit: Duration) -> Option<Instant> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if std::fs::read_to_string(path).is_ok_and(|s| s.contains(needle)) {
            return Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

fn rss_kib(pid: u32) -> Result<u64, Box<dyn std::error::Error>> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or("no VmRSS")?;
    Ok(line.split_whitespace().nth(1).ok_or("bad VmRSS")?.parse()?)
}

fn cpu_ticks(pid: u32) -> Result<u64, Box<dyn std::error::Error>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
    let rest = stat.rsplit_once(')').ok_or("bad stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Ok(fields.get(11).ok_or("no utime")?.parse::<u64>()?
        + fields.get(12).ok_or("no stime")?.parse::<u64>()?)
}

fn ticks_per_second() -> f64 {
    // USER_HZ is 100 on every Linux configuration this runs on.
    100.0
}

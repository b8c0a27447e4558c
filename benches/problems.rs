//! Micro-benchmark (issue 7, the Problems screen): on the 10,000-object synthetic fleet (`--fleet`,
//! src/sim/fleet.rs) with 500 objects failing (every 20th object, sources included, so some failing appliers
//! look through to a failing source and some chains are blocked), the cost of
//! - building the Problems list from scratch (`app::problems::find`: root causes, timings flags, blast radius
//!   of every problem, sorted) — the first build, and after an edge change;
//! - rebuilding it after a health change (`find_with` and the screen's `BlastCache`: the blast radii counted
//!   before are kept while the waits-on edges stay the same) — at most once per change burst;
//! - one frame of the Problems screen (`view::build` and `ui::draw` into a 160x48 buffer, list cached: the
//!   visible rows with their diagnosis headline, the selected problem's detail pane and what waits behind it),
//!   beside one frame of the tree screen, the frame the console drew before.
//!
//! `cargo bench --bench problems` (env `FLUXOPS_BENCH_FLEET`, default 10000; `FLUXOPS_BENCH_FAIL_EVERY`,
//! default 20).

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::app::problems::{BlastCache, find, find_with};
use fluxops::app::state::Screen;
use fluxops::app::{Msg, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::cell::Cell;
use std::hint::black_box;
use std::time::Duration;
use support::{Ready, at, env_or, loaded};

fn benches(c: &mut Criterion) {
    let n = env_or("FLUXOPS_BENCH_FLEET", 10_000);
    let every = env_or("FLUXOPS_BENCH_FAIL_EVERY", 20).max(1);
    let seen = Cell::new(0_usize);
    let (mut state, _) = loaded(n, |_| {
        let i = seen.get();
        seen.set(i + 1);
        if i.is_multiple_of(every) {
            Ready::Failed
        } else {
            Ready::Yes
        }
    });
    update(
        &mut state,
        Msg::Resize {
            width: 160,
            height: 48,
        },
    );
    let problems = find(&state.graph, &state.timings);
    let failing = seen.get().div_ceil(every);
    eprintln!(
        "fleet: {} objects, {failing} failing, {} problems listed (root causes), worst waits behind: {}",
        state.objects.len(),
        problems.len(),
        problems.first().map_or(0, |p| p.blast)
    );
    let mut group = c.benchmark_group(format!("problems_{n}"));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(4));
    group.warm_up_time(Duration::from_secs(1));

    group.bench_function("build_list_from_scratch", |b| {
        b.iter(|| black_box(find(&state.graph, &state.timings).len()));
    });

    // What the screen does after a health change (the usual reason to rebuild): the same waits-on edges, so
    // the blast radii it counted before are kept (`BlastCache`); membership, flags and order are computed anew.
    let mut cache = BlastCache::default();
    let _ = find_with(&state.graph, &state.timings, &mut cache);
    group.bench_function("rebuild_list_after_health_change", |b| {
        b.iter(|| black_box(find_with(&state.graph, &state.timings, &mut cache).len()));
    });

    // A frame as `app::run` draws it: the view model, then ratatui into a 160x48 buffer.
    let now = at(2);
    let mut terminal = match Terminal::new(TestBackend::new(160, 48)) {
        Ok(t) => t,
        Err(e) => return eprintln!("no test terminal: {e}"),
    };
    let mut frame = |state: &mut fluxops::app::State| {
        let view = view::build(state, now);
        let _ = terminal.draw(|f| fluxops::ui::draw(f, &view));
    };
    state.screen = Screen::Problems;
    group.bench_function("frame_problems_screen_160x48", |b| {
        b.iter(|| frame(&mut state))
    });
    state.screen = Screen::Tree;
    group.bench_function("frame_tree_screen_160x48", |b| b.iter(|| frame(&mut state)));
    group.finish();
}

criterion_group!(problems, benches);
criterion_main!(problems);

//! Micro-benchmark (issue 11): the fleet overview's lists of every cluster (`fleet::every`) on three clusters
//! of 3,000 objects each (one in ten failing) — what a frame of the overview or a key on its lists costs: the
//! rows of each section computed (`every::rows`, what a frame costs after a cluster changed) and the drawn list
//! while clusters are quiet (`every_view::list`: the kept rows, the window, its lines).
//!
//! `cargo bench --bench fleet_every` (env `FLUXOPS_BENCH_FLEET`, objects per cluster, default 3000;
//! `FLUXOPS_BENCH_CLUSTERS`, default 3).

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::fleet::every::{self, Section};
use fluxops::fleet::{Fleet, Member, every_view};
use fluxops::timing::SortKey;
use std::hint::black_box;
use support::{Ready, at, env_or, loaded};

fn fleet() -> Fleet {
    let n = env_or("FLUXOPS_BENCH_FLEET", 3000);
    let clusters = env_or("FLUXOPS_BENCH_CLUSTERS", 3);
    let members = (0..clusters)
        .map(|c| {
            let i = std::cell::Cell::new(0usize);
            let (state, _) = loaded(n, |_| {
                i.set(i.get() + 1);
                if i.get().is_multiple_of(10) {
                    Ready::Failed
                } else {
                    Ready::Yes
                }
            });
            Member::new(format!("cluster-{c}"), state)
        })
        .collect();
    Fleet::new(members)
}

fn bench(c: &mut Criterion) {
    let mut fleet = fleet();
    for (name, section) in [
        ("causes", Section::Causes),
        ("objects", Section::Objects),
        ("graph", Section::Graph),
        ("timings", Section::Timings),
    ] {
        c.bench_function(&format!("every cluster rows: {name}"), |b| {
            b.iter(|| {
                black_box(every::rows(&mut fleet.members, section, SortKey::LastDuration).len())
            });
        });
    }
    // The overview drawn while clusters are quiet: the rows are kept (`Every::rows`), only the window drawn.
    fleet.every.enter(Section::Objects);
    c.bench_function(
        "every cluster list drawn, clusters quiet: objects 160x48",
        |b| {
            b.iter(|| black_box(every_view::list(&mut fleet, at(2), 160, 30).0.len()));
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);

//! Benchmark of the policy gate (issue 9 target: a policy decision's p99 under 1 ms).
//!
//! `cargo bench --bench policy` measures `Gate::decide` with the shipped policies, the real path: the input
//! document converted for regorus, sent to the gate's evaluation thread, evaluated under the deadline, the
//! decision read back strictly. Cases:
//! - **allow**: `allowlist-allow-scale` (every shipped rule evaluated, nothing denies);
//! - **gitops-deny**: `gitops-deny-owner-not-suspended` (an owned Deployment, the Git rule denies);
//! - **break-glass**: `gitops-allow-break-glass` (the plan is built);
//! - **menu-verdicts**: the verdicts for every action of the catalog that applies to one Deployment (the policy
//!   part of opening the action menu on it);
//! - **percentiles**: 10,000 decisions cycling through every shipped case (`fixtures/policy`), each timed
//!   alone; p50, p99 and the maximum are printed (criterion reports means, the target is a p99).

#![allow(
    clippy::panic,
    reason = "a benchmark whose shipped inputs are broken must stop loudly"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::actions::{Catalog, TargetKind};
use fluxops::policy::fixture::{self, Fixture};
use fluxops::policy::{Gate, PolicyInput};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn case<'a>(fixtures: &'a [Fixture], stem: &str) -> &'a PolicyInput {
    fixtures
        .iter()
        .find(|f| f.path.file_stem().is_some_and(|s| s == stem))
        .map(|f| &f.input)
        .unwrap_or_else(|| panic!("no shipped case {stem}"))
}

fn menu_inputs(base: &PolicyInput) -> Vec<PolicyInput> {
    let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
    catalog
        .actions
        .iter()
        .filter(|a| a.applies_to(TargetKind::Deployment))
        .map(|spec| {
            let mut input = base.clone();
            input.action.name = spec.name.clone();
            input.action.executor = spec.executor.name().to_owned();
            input.action.dangerous = spec.dangerous;
            input.action.mutates = spec.mutates;
            input.action.owner_reverts = spec.owner_reverts;
            input
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[at.saturating_sub(1).min(sorted.len() - 1)]
}

fn bench(c: &mut Criterion) {
    let fixtures = fixture::shipped().unwrap_or_else(|e| panic!("{e}"));
    let mut gate = Gate::load(None);
    assert!(gate.problem().is_none(), "{:?}", gate.problem());
    for (name, stem) in [
        ("policy/decide/allow", "allowlist-allow-scale"),
        (
            "policy/decide/gitops-deny",
            "gitops-deny-owner-not-suspended",
        ),
        ("policy/decide/break-glass", "gitops-allow-break-glass"),
    ] {
        let input = case(&fixtures, stem);
        assert!(!gate.decide(input).failed_closed(), "{stem}");
        c.bench_function(name, |b| b.iter(|| gate.decide(black_box(input))));
    }
    // Where a decision's time goes: the input conversion, and the evaluation on the calling thread.
    let input = case(&fixtures, "gitops-deny-owner-not-suspended");
    c.bench_function("policy/parts/input-value", |b| {
        b.iter(|| fluxops::policy::engine::input_value(black_box(input)))
    });
    let sources = fluxops::policy::PolicySources::shipped();
    let mut engine = fluxops::policy::engine::compile(&sources, Duration::from_millis(250))
        .unwrap_or_else(|e| panic!("{e}"));
    let value = fluxops::policy::engine::input_value(input).unwrap_or_else(|e| panic!("{e}"));
    c.bench_function("policy/parts/evaluate-in-thread", |b| {
        b.iter(|| fluxops::policy::engine::evaluate(&mut engine, black_box(&value)))
    });
    let menu = menu_inputs(case(&fixtures, "gitops-deny-owner-not-suspended"));
    c.bench_function(
        &format!("policy/menu-verdicts/{}-actions", menu.len()),
        |b| {
            b.iter(|| {
                menu.iter()
                    .map(|i| gate.decide(black_box(i)))
                    .filter(|d| d.allow)
                    .count()
            });
        },
    );

    let mut samples = Vec::with_capacity(10_000);
    for i in 0..10_000 {
        let input = &fixtures[i % fixtures.len()].input;
        let start = Instant::now();
        let decision = gate.decide(black_box(input));
        samples.push(start.elapsed());
        assert!(!decision.failed_closed(), "{decision:?}");
    }
    samples.sort();
    println!(
        "policy/percentiles over {} decisions ({} shipped cases): p50 {:?}, p99 {:?}, max {:?}",
        samples.len(),
        fixtures.len(),
        percentile(&samples, 0.50),
        percentile(&samples, 0.99),
        samples[samples.len() - 1],
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);

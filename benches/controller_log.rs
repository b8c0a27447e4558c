//! Micro-benchmark (issue 11, the log tab): what the console spends deciding which controller lines name the
//! inspected object. When `L` opens, each controller pod's last 5,000 lines arrive at once
//! (`cluster::controller_logs::TAIL_LINES`); every one goes through `flux::controller_log::entry_for` (JSON parse,
//! the Kind key / controllerKind+name+namespace check). The lines are the simulated kustomize-controller's own
//! format (`sim::controllers::logs`), about 200 different Kustomizations, one in 200 about the inspected one, with
//! change-set lines (`output`) and error lines among them.
//!
//! `cargo bench --bench controller_log`

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::flux::controller_log::entry_for;
use fluxops::flux::{FluxKind, ResourceRef};
use fluxops::sim::controllers::logs::{Level, Subject, line};
use k8s_openapi::jiff::Timestamp;
use serde_json::json;
use std::hint::black_box;

fn lines(n: usize) -> Vec<String> {
    let at = Timestamp::UNIX_EPOCH;
    (0..n)
        .map(|i| {
            let name = format!("app-{}", i % 200);
            let subject = Subject {
                kind: FluxKind::Kustomization,
                namespace: "flux-system",
                name: &name,
                reconcile_id: "05c2cd5b-c0a3-4246-8b1b-7b2a95501d5f",
            };
            match i % 3 {
                0 => line(
                    at,
                    Level::Info,
                    "server-side apply completed",
                    &subject,
                    &[
                        ("output", json!({"Deployment/apps/podinfo": "configured", "Service/apps/podinfo": "unchanged"})),
                        ("revision", json!("main@sha1:1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c")),
                    ],
                    None,
                ),
                1 => line(
                    at,
                    Level::Error,
                    "Reconciliation failed after 1.161s, next try in 10m0s",
                    &subject,
                    &[("revision", json!("main@sha1:1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c"))],
                    Some("Deployment/apps/podinfo dry-run failed (Invalid): spec.selector: field is immutable"),
                ),
                _ => line(
                    at,
                    Level::Info,
                    "Reconciliation finished in 301.192168ms, next run in 10m0s",
                    &subject,
                    &[("revision", json!("main@sha1:1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c"))],
                    None,
                ),
            }
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let tail = lines(5000);
    let target = ResourceRef::new(FluxKind::Kustomization, "flux-system", "app-7");
    let mut group = c.benchmark_group("controller_log");
    group.bench_function("filter_a_5000_line_tail", |b| {
        b.iter(|| {
            let kept = tail
                .iter()
                .filter_map(|l| entry_for(black_box(l), &target, "kustomize-controller-0"))
                .count();
            assert_eq!(kept, 25);
            kept
        });
    });
    group.finish();
}

criterion_group!(controller_log, benches);
criterion_main!(controller_log);

//! Benchmark of Job creation (issue 9 target: under 500 ms on the simulator).
//!
//! `cargo bench --bench job_create` runs `scale` on Deployment `apps/frontend` of the simulated demo through the
//! real path, `execution::Executor`: prepared once per sample (policy, access reviews, capture, the server-side
//! dry-run Job — not measured), then **measured from `execute` until the Job exists**: the re-checks (target,
//! owner, policy again, preconditions), the confirmed decision appended and synced to the audit log, the
//! permitted client, the RBAC pre-flight (ServiceAccount and binding read), the input Secret and the Job
//! created. The execution is then cancelled (its Job deleted) so the next sample starts clean. Needs the
//! `kubectl` the simulator runs Jobs with (the dry-run Job runs it); without it the benchmark says so and stops.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "a benchmark whose setup fails must stop loudly"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::actions::{Catalog, TargetKind, TargetRef};
use fluxops::audit::AuditLog;
use fluxops::cluster::{ConnectOptions, client::connect};
use fluxops::execution::{ActionRequest, ExecutionStatus, Executor, Parts};
use fluxops::job::rbac::{self, RbacOptions};
use fluxops::policy::{Gate, Mode};
use fluxops::sim::{SimConfig, SimSource, start};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

fn kubectl_installed() -> bool {
    std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// One Job created through `execute`: the time until the status says it was created.
async fn create_once(executor: &Executor, replicas: u32) -> Duration {
    let mut request = ActionRequest::new(
        "scale",
        TargetRef::namespaced(TargetKind::Deployment, "apps", "frontend"),
        Mode::Cli,
    );
    request.params = vec![("replicas".to_owned(), replicas.to_string())];
    request.break_glass = Some("benchmark: Job creation latency".to_owned());
    let preparation = executor.prepare(&request).await.unwrap();
    assert!(
        preparation.decision.allow && preparation.forbidden.is_none(),
        "{preparation:?}"
    );
    let (tx, mut rx) = tokio::sync::mpsc::channel::<ExecutionStatus>(64);
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let started = Instant::now();
    let watcher = tokio::spawn(async move {
        while let Some(status) = rx.recv().await {
            if status
                .steps
                .iter()
                .any(|s| s.starts_with("Job ") && s.contains(" created"))
            {
                let took = started.elapsed();
                stop.cancel();
                while rx.recv().await.is_some() {}
                return Some(took);
            }
        }
        None
    });
    let name = preparation.target.name.clone();
    let status = executor.execute(&preparation, &name, tx, cancel).await;
    watcher
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no Job was created: {status:?}"))
}

/// Until the Deployment's rollout is complete again (the next preparation's precondition), not measured.
async fn settle(client: &kube::Client) {
    let target = TargetRef::namespaced(TargetKind::Deployment, "apps", "frontend");
    for _ in 0..200 {
        if let Ok(Some(d)) = fluxops::execution::object::get(client, &target).await {
            let n = |p: &str| d.pointer(p).and_then(serde_json::Value::as_i64);
            let want = n("/spec/replicas");
            if want.is_some()
                && n("/status/updatedReplicas") == want
                && n("/status/availableReplicas") == want
                && n("/status/observedGeneration") >= n("/metadata/generation")
            {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn bench(c: &mut Criterion) {
    if !kubectl_installed() {
        println!(
            "job_create: kubectl is not installed; the simulator cannot run the dry-run Job. Skipped."
        );
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (executor, client, _sim) = runtime.block_on(async {
        let sim = start(SimConfig::new(SimSource::Scenario("demo".into())))
            .await
            .unwrap();
        for obj in rbac::objects(
            &Catalog::builtin().unwrap(),
            &RbacOptions {
                namespace: "fluxops-system".to_owned(),
                target_namespaces: vec![],
            },
        ) {
            sim.handle()
                .put_object(serde_json::to_value(&obj).unwrap())
                .unwrap();
        }
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
        // The demo's HelmRelease creates the Deployment after the warm-up.
        tokio::time::sleep(Duration::from_secs(15)).await;
        let client = connection.client.clone();
        (executor, client, sim)
    });
    let mut group = c.benchmark_group("job_create");
    group.sample_size(10);
    group.bench_function("execute-to-job-created", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let mut total = Duration::ZERO;
                for i in 0..iters {
                    settle(&client).await;
                    total += create_once(&executor, 3 + u32::try_from(i % 3).unwrap_or(0)).await;
                }
                total
            })
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

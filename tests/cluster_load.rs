//! A measurement, not a test: 5,000 Kustomizations + 5,000 HelmReleases (with managedFields, conditions, history
//! and inventories like real ones) served by the simulated API server, watched by the real pipeline. Prints the
//! time to the first object, to every kind synced, and the resident memory. Nothing is asserted about time.
//!
//! Run: `cargo test --release --test cluster_load -- --ignored --nocapture`
//!
//! Measured (release, 2 shared cores, 3 runs each):
//! - in-process simulator, 5,000 KS + 5,000 HR as below: all kinds synced after 0.42–0.58 s, +75 MB resident
//!   (client plus the simulator's response buffers); the naive `DynamicObject` reflectors: 1.06–1.07 s, +249 MB.
//! - `fluxops sim --fleet 10000` in another process (11,250 objects, all kinds, controllers running): synced after
//!   0.35–0.89 s, 58–62 MB resident for the whole test process; naive (KS + HR only, 9,250 objects): 0.40 s, 97 MB.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_precision_loss,
    reason = "a measurement harness fails loudly"
)]

mod support;

use support::watch::connect_kubeconfig;

use fluxops::cluster::ClusterEvent;
use fluxops::cluster::watch::{CHANNEL_CAPACITY, spawn};
use fluxops::flux::{FluxKind, FluxObject, ResourceRef};
use fluxops::sim::{SimOptions, Store, serve};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const PER_KIND: usize = 5_000;

fn managed_fields(api_version: &str, manager: &str) -> Value {
    json!([
        {"apiVersion": api_version, "fieldsType": "FieldsV1", "manager": manager, "operation": "Apply",
         "time": "2026-11-24T03:07:25Z",
         "fieldsV1": {"f:metadata": {"f:labels": {"f:kustomize.toolkit.fluxcd.io/name": {}, "f:kustomize.toolkit.fluxcd.io/namespace": {}}},
           "f:spec": {"f:dependsOn": {}, "f:interval": {}, "f:path": {}, "f:prune": {}, "f:retryInterval": {},
                      "f:sourceRef": {"f:kind": {}, "f:name": {}}, "f:timeout": {}, "f:wait": {}}}},
        {"apiVersion": api_version, "fieldsType": "FieldsV1", "manager": format!("gotk-{manager}"), "operation": "Update",
         "time": "2026-11-24T03:07:25Z",
         "fieldsV1": {"f:metadata": {"f:finalizers": {".": {}, "v:\"finalizers.fluxcd.io\"": {}}}}},
        {"apiVersion": api_version, "fieldsType": "FieldsV1", "manager": format!("gotk-{manager}"), "operation": "Update",
         "subresource": "status", "time": "2026-11-24T03:07:25Z",
         "fieldsV1": {"f:status": {"f:conditions": {}, "f:history": {}, "f:inventory": {".": {}, "f:entries": {}},
                      "f:lastAppliedRevision": {}, "f:lastAttemptedRevision": {}, "f:observedGeneration": {}}}}
    ])
}

fn ready() -> Value {
    json!([{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded",
            "message": "Applied revision: main@sha1:4f1a5b1a0c3e", "lastTransitionTime": "2026-11-24T03:07:25Z",
            "observedGeneration": 3}])
}

fn kustomization(i: usize) -> Value {
    let ns = format!("team-{}", i % 50);
    let entries: Vec<Value> = (0..15)
        .map(|j| json!({"id": format!("{ns}_app-{i}-{j}_apps_Deployment"), "v": "v1"}))
        .collect();
    json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": format!("app-{i}"), "namespace": ns, "generation": 3,
            "labels": {"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"},
            "finalizers": ["finalizers.fluxcd.io"],
            "managedFields": managed_fields("kustomize.toolkit.fluxcd.io/v1", "kustomize-controller")},
        "spec": {"interval": "10m", "path": format!("./apps/{i}"), "prune": true, "wait": true, "timeout": "5m",
            "retryInterval": "1m", "sourceRef": {"kind": "GitRepository", "name": "fleet", "namespace": "flux-system"},
            "dependsOn": [{"name": "infra", "namespace": "flux-system"}]},
        "status": {"observedGeneration": 3, "lastAppliedRevision": "main@sha1:4f1a5b1a0c3e",
            "lastAttemptedRevision": "main@sha1:4f1a5b1a0c3e", "conditions": ready(),
            "history": [{"digest": "sha256:abc", "firstReconciled": "2026-11-24T03:07:25Z",
                "lastReconciled": "2026-11-24T03:07:25Z", "lastReconciledDuration": "1.2s",
                "lastReconciledStatus": "ReconciliationSucceeded", "totalReconciliations": 42,
                "metadata": {"revision": "main@sha1:4f1a5b1a0c3e"}}],
            "inventory": {"entries": entries}}
    })
}

fn helm_release(i: usize) -> Value {
    let ns = format!("team-{}", i % 50);
    json!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
        "metadata": {"name": format!("release-{i}"), "namespace": ns, "generation": 2,
            "finalizers": ["finalizers.fluxcd.io"],
            "managedFields": managed_fields("helm.toolkit.fluxcd.io/v2", "helm-controller")},
        "spec": {"interval": "5m", "releaseName": format!("release-{i}"), "targetNamespace": ns,
            "chart": {"spec": {"chart": "podinfo", "version": "6.x", "interval": "1h",
                "sourceRef": {"kind": "HelmRepository", "name": "podinfo", "namespace": "flux-system"}}},
            "values": {"replicaCount": 2, "ingress": {"enabled": true, "hosts": [{"host": format!("r{i}.example.com")}]}}},
        "status": {"observedGeneration": 2, "conditions": ready(), "helmChart": format!("flux-system/{ns}-release-{i}"),
            "lastAttemptedRevision": "6.7.1", "lastAttemptedReleaseAction": "upgrade",
            "history": [{"name": format!("release-{i}"), "namespace": ns, "version": 4, "status": "deployed",
                "chartName": "podinfo", "chartVersion": "6.7.1", "appVersion": "6.7.1",
                "firstDeployed": "2026-11-20T10:00:00Z", "lastDeployed": "2026-11-24T03:07:25Z",
                "digest": "sha256:def", "configDigest": "sha256:123"}]}
    })
}

fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The cluster to measure: `FLUXOPS_LOAD_KUBECONFIG` (e.g. `fluxops sim --fleet 10000` in another process, so the
/// resident memory is the client's alone), or an in-process simulator seeded with `PER_KIND` of KS and HR.
/// Returns the connection, whether it is external, and what keeps the in-process server alive.
async fn cluster() -> (
    fluxops::cluster::Connection,
    bool,
    Option<(fluxops::sim::SimServer, tempfile::TempDir)>,
) {
    let external = std::env::var_os("FLUXOPS_LOAD_KUBECONFIG").map(std::path::PathBuf::from);
    let dir = tempfile::tempdir().unwrap();
    let mut keep = None;
    let path = if let Some(path) = external.clone() {
        path
    } else {
        let store = Store::standard();
        for i in 0..PER_KIND {
            store.upsert(kustomization(i)).unwrap();
            store.upsert(helm_release(i)).unwrap();
        }
        let server = serve("127.0.0.1:0".parse().unwrap(), store, SimOptions::default())
            .await
            .unwrap();
        let path = dir.path().join("kubeconfig");
        server.write_kubeconfig(&path).unwrap();
        keep = Some((server, dir));
        path
    };
    let connection = connect_kubeconfig(path).await;
    (connection, external.is_some(), keep)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement; run with --release --ignored --nocapture"]
async fn measure_ten_thousand_objects() {
    let (connection, external, _keep) = cluster().await;
    let baseline = rss_kib("VmRSS:");

    let started = Instant::now();
    let (tx, mut rx) = mpsc::channel(CHANNEL_CAPACITY);
    let cancel = CancellationToken::new();
    let task = spawn(
        connection.client.clone(),
        connection.scope.clone(),
        tx,
        cancel.clone(),
    );
    let mut objects: HashMap<ResourceRef, Arc<FluxObject>> = HashMap::new();
    let mut settled: BTreeSet<FluxKind> = BTreeSet::new();
    let mut first = None;
    while settled.len() < FluxKind::ALL.len() {
        match rx.recv().await.unwrap() {
            ClusterEvent::Upserted(o) => {
                first.get_or_insert_with(|| started.elapsed());
                objects.insert(o.resource_ref().unwrap(), o);
            }
            ClusterEvent::KindSynced { kind, .. } => {
                settled.insert(kind);
                println!("{kind} synced after {:?}", started.elapsed());
            }
            ClusterEvent::KindUnavailable { kind, .. } => {
                settled.insert(kind);
            }
            ClusterEvent::Event(_) => {}
            other => println!("{other:?}"),
        }
    }
    let synced = started.elapsed();
    let after = rss_kib("VmRSS:");
    println!(
        "{} objects: first after {:?}, all kinds synced after {synced:?}",
        objects.len(),
        first.unwrap_or_default()
    );
    println!(
        "resident: {:.1} MB, {:.1} MB before watching (delta {:.1} MB), peak {:.1} MB{}",
        after as f64 / 1024.0,
        baseline as f64 / 1024.0,
        (after.saturating_sub(baseline)) as f64 / 1024.0,
        rss_kib("VmHWM:") as f64 / 1024.0,
        if external {
            ""
        } else {
            " (in-process: includes the simulator and its store)"
        }
    );
    if !external {
        assert_eq!(objects.len(), 2 * PER_KIND);
    }
    cancel.cancel();
    task.await.unwrap();
}

/// The naive way, for comparison (CRATES.md): a plain kube `watcher` + `reflector` of untyped `DynamicObject`s with
/// managedFields kept, for Kustomizations and HelmReleases only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement; run with --release --ignored --nocapture"]
async fn measure_naive_dynamic_object_reflectors_for_comparison() {
    use futures::StreamExt;
    use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
    use kube::runtime::{WatchStreamExt, reflector, watcher};
    let (connection, _external, _keep) = cluster().await;
    let baseline = rss_kib("VmRSS:");
    let started = Instant::now();
    let mut stores = Vec::new();
    let mut tasks = Vec::new();
    for kind in [FluxKind::Kustomization, FluxKind::HelmRelease] {
        let gvk = GroupVersionKind::gvk(kind.group(), kind.preferred_version(), kind.as_str());
        let ar = ApiResource::from_gvk_with_plural(&gvk, kind.plural());
        let api: Api<DynamicObject> = Api::all_with(connection.client.clone(), &ar);
        let writer = reflector::store::Writer::<DynamicObject>::new(ar.clone());
        let reader = writer.as_reader();
        let mut stream = watcher(api, watcher::Config::default())
            .default_backoff()
            .reflect(writer)
            .boxed();
        stores.push(reader.clone());
        tasks.push(tokio::spawn(async move {
            while let Some(event) = stream.next().await {
                if matches!(event, Ok(watcher::Event::InitDone)) {
                    println!("{kind} synced after {:?}", started.elapsed());
                    break;
                }
            }
            stream
        }));
    }
    let mut streams = Vec::new();
    for task in tasks {
        streams.push(task.await.unwrap());
    }
    let synced = started.elapsed();
    let after = rss_kib("VmRSS:");
    let count: usize = stores.iter().map(|s| s.state().len()).sum();
    println!("naive: {count} objects synced after {synced:?}");
    println!(
        "naive resident: {:.1} MB, {:.1} MB before watching (delta {:.1} MB), peak {:.1} MB",
        after as f64 / 1024.0,
        baseline as f64 / 1024.0,
        (after.saturating_sub(baseline)) as f64 / 1024.0,
        rss_kib("VmHWM:") as f64 / 1024.0
    );
    drop(streams);
}

//! The simulated Flux controllers seen through unmodified kube-rs against the simulated API server: each
//! scenario reaches its end state with real status and events, dependencies are waited on with the real
//! messages, new source revisions roll through chains, old API versions and `--from-dir` work.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::flux::FluxKind;
use fluxops::sim::{SimConfig, SimSource, start};
use kube::api::ListParams;
use serde_json::json;
use std::time::Duration;
use support::objects::{GIT, ks};
use support::sim::{connect, scenario, shipped};
use support::status::{condition, has, is_hex, ready};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minimal_scenario_goes_ready_with_real_status_and_events() {
    let c = shipped("minimal", 100.0).await;
    let ks = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "flux-system",
            "Ready",
            ready,
        )
        .await;
    let git = c
        .get(FluxKind::GitRepository, "flux-system", "flux-system")
        .await;
    let rev = git["status"]["artifact"]["revision"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        rev.strip_prefix("main@sha1:")
            .is_some_and(|h| is_hex(h, 40)),
        "{rev}"
    );
    let artifact = &git["status"]["artifact"];
    assert!(
        artifact["digest"]
            .as_str()
            .unwrap()
            .strip_prefix("sha256:")
            .is_some_and(|h| is_hex(h, 64))
    );
    assert!(
        artifact["url"]
            .as_str()
            .unwrap()
            .ends_with(artifact["path"].as_str().unwrap())
    );
    assert!(artifact["size"].as_i64().unwrap() > 0 && artifact["lastUpdateTime"].is_string());
    assert!(has(&git, "ArtifactInStorage", "True", "Succeeded"));

    let ready_msg = &condition(&ks, "Ready").unwrap()["message"];
    assert_eq!(ready_msg, &json!(format!("Applied revision: {rev}")));
    assert!(has(&ks, "Ready", "True", "ReconciliationSucceeded"));
    assert!(condition(&ks, "Reconciling").is_none());
    assert_eq!(ks["status"]["lastAppliedRevision"], json!(rev));
    assert_eq!(ks["status"]["lastAttemptedRevision"], json!(rev));
    assert!(
        !ks["status"]["inventory"]["entries"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let history = &ks["status"]["history"][0];
    assert_eq!(history["lastReconciledDuration"], "2.5s");
    assert_eq!(history["lastReconciledStatus"], "ReconciliationSucceeded");
    assert_eq!(history["metadata"]["revision"], json!(rev));

    let hr = c
        .wait(
            FluxKind::HelmRelease,
            "flux-system",
            "podinfo",
            "Ready",
            ready,
        )
        .await;
    assert_eq!(hr["status"]["helmChart"], "flux-system/flux-system-podinfo");
    let chart = c
        .get(FluxKind::HelmChart, "flux-system", "flux-system-podinfo")
        .await;
    assert_eq!(
        chart["metadata"]["labels"]["helm.toolkit.fluxcd.io/name"],
        "podinfo"
    );
    assert_eq!(
        chart["spec"]["sourceRef"],
        json!({"kind": "HelmRepository", "name": "podinfo"})
    );
    let version = chart["status"]["artifact"]["revision"].as_str().unwrap();
    assert!(
        semver::VersionReq::parse("6.5.*")
            .unwrap()
            .matches(&semver::Version::parse(version).unwrap())
    );
    let expected = format!(
        "Helm install succeeded for release podinfo/podinfo-podinfo.v1 with chart podinfo@{version}"
    );
    assert_eq!(condition(&hr, "Ready").unwrap()["message"], json!(expected));
    assert!(has(&hr, "Released", "True", "InstallSucceeded"));
    assert_eq!(hr["status"]["lastAttemptedReleaseAction"], "install");
    assert_eq!(hr["status"]["lastAttemptedRevision"], json!(version));
    assert_eq!(hr["status"]["history"][0]["status"], "deployed");
    assert_eq!(hr["status"]["history"][0]["chartVersion"], json!(version));

    let ks_events = c.events("flux-system", "flux-system").await;
    let finished = ks_events
        .iter()
        .find(|e| e.reason.as_deref() == Some("ReconciliationSucceeded"))
        .expect("a ReconciliationSucceeded event");
    assert_eq!(
        finished.message.as_deref(),
        Some("Reconciliation finished in 2.5s, next run in 10m0s")
    );
    assert_eq!(finished.type_.as_deref(), Some("Normal"));
    assert_eq!(
        finished.source.as_ref().unwrap().component.as_deref(),
        Some("kustomize-controller")
    );
    let new_artifact = ks_events
        .iter()
        .find(|e| e.reason.as_deref() == Some("NewArtifact"))
        .expect("the GitRepository's NewArtifact event");
    assert_eq!(
        new_artifact.message.as_deref(),
        Some(format!("stored artifact for revision '{rev}'").as_str())
    );
    assert_eq!(
        new_artifact.source.as_ref().unwrap().component.as_deref(),
        Some("source-controller")
    );
    let hr_events = c.events("flux-system", "podinfo").await;
    let installed = hr_events
        .iter()
        .find(|e| e.reason.as_deref() == Some("InstallSucceeded"))
        .unwrap();
    assert_eq!(installed.message.as_deref(), Some(expected.as_str()));
    assert_eq!(
        installed.source.as_ref().unwrap().component.as_deref(),
        Some("helm-controller")
    );
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dependency_not_ready_is_blocked_then_ready() {
    let c = shipped("chain", 100.0).await;
    let blocked = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "infra-configs",
            "DependencyNotReady",
            |o| has(o, "Ready", "False", "DependencyNotReady"),
        )
        .await;
    assert_eq!(
        condition(&blocked, "Ready").unwrap()["message"],
        "dependency 'flux-system/infra-controllers' is not ready"
    );
    let hr_blocked = c
        .wait(
            FluxKind::HelmRelease,
            "flux-system",
            "backend",
            "DependencyNotReady",
            |o| has(o, "Ready", "False", "DependencyNotReady"),
        )
        .await;
    assert_eq!(
        condition(&hr_blocked, "Ready").unwrap()["message"],
        "dependency 'flux-system/redis' is not ready"
    );
    for name in ["infra-controllers", "infra-configs", "apps"] {
        c.wait(FluxKind::Kustomization, "flux-system", name, "Ready", ready)
            .await;
    }
    c.wait(
        FluxKind::HelmRelease,
        "flux-system",
        "backend",
        "Ready",
        ready,
    )
    .await;
    let events = c.events("flux-system", "infra-configs").await;
    let waiting = events
        .iter()
        .find(|e| e.reason.as_deref() == Some("DependencyNotReady"))
        .unwrap();
    assert_eq!(
        waiting.message.as_deref(),
        Some("Dependencies do not meet ready condition, retrying in 30s")
    );
    assert_eq!(waiting.type_.as_deref(), Some("Normal"));
    let hr_events = c.events("flux-system", "backend").await;
    let hr_waiting = hr_events
        .iter()
        .find(|e| e.reason.as_deref() == Some("DependencyNotReady"))
        .unwrap();
    assert_eq!(
        hr_waiting.message.as_deref(),
        Some("dependency 'flux-system/redis' is not ready")
    );
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_source_revisions_roll_through_the_chain() {
    let git = GIT.replace(
        "simulation: {reconcile: 50ms}",
        "simulation: {reconcile: 50ms, revisions: {every: 5m, count: 1}}",
    );
    let text = format!(
        "kind: Scenario\nname: t\n{git}{}{}",
        ks("base", "1h", "", "{reconcile: 1s}"),
        ks(
            "app",
            "1h",
            ", dependsOn: [{name: base}]",
            "{reconcile: 1s}"
        )
    );
    let c = scenario(&text, 120.0).await;
    let first = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "app",
            "Ready",
            ready,
        )
        .await;
    let first_rev = first["status"]["lastAppliedRevision"]
        .as_str()
        .unwrap()
        .to_owned();
    let git = c
        .wait(
            FluxKind::GitRepository,
            "flux-system",
            "repo",
            "new revision",
            |o| {
                o["status"]["artifact"]["revision"]
                    .as_str()
                    .is_some_and(|r| r != first_rev)
            },
        )
        .await;
    let new_rev = git["status"]["artifact"]["revision"]
        .as_str()
        .unwrap()
        .to_owned();
    for name in ["base", "app"] {
        let ks = c
            .wait(
                FluxKind::Kustomization,
                "flux-system",
                name,
                "on the new revision",
                |o| o["status"]["lastAppliedRevision"] == new_rev.as_str() && ready(o),
            )
            .await;
        assert_eq!(ks["status"]["history"].as_array().unwrap().len(), 2);
        assert_eq!(
            ks["status"]["history"][0]["metadata"]["revision"],
            json!(new_rev)
        );
    }
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_api_cluster_serves_and_reconciles_old_versions() {
    let c = shipped("old-api", 100.0).await;
    let api = c.api_at(FluxKind::Kustomization, "v1beta2", "flux-system");
    let mut done = false;
    for _ in 0..1000 {
        let list = api.list(&ListParams::default()).await.unwrap();
        done = list.items.len() == 3
            && list
                .items
                .iter()
                .all(|o| ready(&serde_json::to_value(o).unwrap()));
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(done, "the v1beta2 Kustomizations go Ready");
    assert!(
        c.api(FluxKind::Kustomization, "flux-system")
            .list(&ListParams::default())
            .await
            .is_err()
    );
    let buckets = c.api_at(FluxKind::Bucket, "v1beta2", "flux-system");
    assert!(
        buckets.list(&ListParams::default()).await.is_err(),
        "no Bucket CRD"
    );
    let hr = c.api_at(FluxKind::HelmRelease, "v2beta1", "databases");
    let mut installed = false;
    for _ in 0..1000 {
        let obj = serde_json::to_value(hr.get("postgresql").await.unwrap()).unwrap();
        if has(&obj, "Ready", "True", "InstallSucceeded") {
            installed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(installed);
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_dir_dangling_sources_fail_like_flux() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("apps.yaml"),
        "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec: {interval: 10m, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: podinfo, namespace: flux-system}
spec: {interval: 5m, url: https://github.com/stefanprodan/podinfo, ref: {branch: master}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: podinfo, namespace: flux-system}
spec: {interval: 10m, path: ./kustomize, prune: true, sourceRef: {kind: GitRepository, name: podinfo},
  decryption: {provider: sops, secretRef: {name: sops-age}}}
",
    )
    .unwrap();
    let mut config = SimConfig::new(SimSource::FromDir(dir.path().to_owned()));
    config.time_scale = Some(100.0);
    let c = connect(start(config).await.unwrap(), Some(dir)).await;
    let failed = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "apps",
            "ArtifactFailed",
            |o| has(o, "Ready", "False", "ArtifactFailed"),
        )
        .await;
    assert_eq!(
        condition(&failed, "Ready").unwrap()["message"],
        "gitrepositories.source.toolkit.fluxcd.io \"flux-system\" not found"
    );
    let podinfo = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "podinfo",
            "Ready",
            ready,
        )
        .await;
    assert_eq!(
        podinfo["spec"]["decryption"]["provider"], "sops",
        "spec fields the loader does not type are served too"
    );
    c.sim.shutdown().await;
}

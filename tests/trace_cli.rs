//! `fluxops trace` through the real binary on the simulated demo cluster (issue 11, "trace: a workload → the
//! Kustomization or HelmRelease that applied it → its source → the revision"): the Deployment `apps/podinfo`
//! that Kustomization `apps` applies traces to `apps` and GitRepository `flux-system` with the revisions the
//! cluster holds (read back through kube-rs, not written down here); an object without owner labels is said to
//! be unmanaged; a missing object exits 1 naming it; `-o json` carries the same chain.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::flux::FluxKind;
use serde_json::Value;
use std::process::Output;
use std::time::Duration;
use support::cli::fluxops;
use support::sim::shipped;

async fn fluxops_async(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        fluxops(&refs)
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_of_the_demo_traces_to_its_kustomization_source_and_revision() {
    let cluster = shipped("demo", 60.0).await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    cluster.sim.write_kubeconfig(&kubeconfig).unwrap();
    let kc = kubeconfig.display().to_string();
    let ks = cluster
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "apps",
            "applied once",
            |o| o.pointer("/status/lastAppliedRevision").is_some(),
        )
        .await;
    let git = cluster
        .wait(
            FluxKind::GitRepository,
            "flux-system",
            "flux-system",
            "with an artifact",
            |o| o.pointer("/status/artifact/revision").is_some(),
        )
        .await;
    let url = git["spec"]["url"].as_str().unwrap().to_owned();

    let out = fluxops_async(args(&[
        "trace",
        "deployment/apps/podinfo",
        "--kubeconfig",
        &kc,
    ]))
    .await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.starts_with("Object:         Deployment/podinfo\nNamespace:      apps\nStatus:         Managed by Flux\n"), "{text}");
    assert!(
        text.contains("---\nKustomization:  apps\nNamespace:      flux-system\n"),
        "{text}"
    );
    assert!(
        text.contains("---\nGitRepository:  flux-system\n"),
        "{text}"
    );
    assert!(text.contains(&format!("URL:            {url}\n")), "{text}");
    // The revisions are the ones the objects hold when the trace ran (they can only move forward meanwhile).
    let applied = ks["status"]["lastAppliedRevision"].as_str().unwrap();
    assert!(
        text.contains("Revision:       ") && text.contains(applied.split('@').next().unwrap()),
        "{text}"
    );

    let out = fluxops_async(args(&[
        "trace",
        "deploy/apps/podinfo",
        "--kubeconfig",
        &kc,
        "-o",
        "json",
    ]))
    .await;
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["managed"], true);
    let hops = v["hops"].as_array().unwrap();
    let roles: Vec<&str> = hops.iter().map(|h| h["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["object", "appliedBy", "source"]);
    assert_eq!(hops[1]["kind"], "Kustomization");
    assert_eq!(hops[2]["kind"], "GitRepository");
    let now_git = cluster
        .get(FluxKind::GitRepository, "flux-system", "flux-system")
        .await;
    let source_rev = hops[2]["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f[0] == "Revision")
        .map(|f| f[1].as_str().unwrap().to_owned())
        .unwrap();
    let before = git["status"]["artifact"]["revision"].as_str().unwrap();
    let after = now_git["status"]["artifact"]["revision"].as_str().unwrap();
    assert!(source_rev == before || source_rev == after, "{source_rev}");
    assert!(hops[2]["ready"]["status"].is_string());

    // An object nothing applied: the controller's own Deployment carries no owner labels.
    let out = fluxops_async(args(&[
        "trace",
        "Deployment/flux-system/kustomize-controller",
        "--kubeconfig",
        &kc,
    ]))
    .await;
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Status:         Not managed by Flux"),
        "{text}"
    );
    assert!(!text.contains("---"), "{text}");

    // A Flux object traces too: a Kustomization applied by `flux-system`.
    let out = fluxops_async(args(&["trace", "ks/flux-system/apps", "--kubeconfig", &kc])).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Kustomization:  flux-system\n"), "{text}");

    // Missing object, unknown kind, bad shape.
    let out = fluxops_async(args(&[
        "trace",
        "deployment/apps/nope",
        "--kubeconfig",
        &kc,
    ]))
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Deployment 'nope' not found in namespace 'apps'"),
        "{err}"
    );
    let out = fluxops_async(args(&["trace", "widget/apps/x", "--kubeconfig", &kc])).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no kind 'widget'"));
    let out = fluxops_async(args(&["trace", "podinfo", "--kubeconfig", &kc])).await;
    assert_eq!(out.status.code(), Some(1));
    tokio::time::sleep(Duration::from_millis(10)).await;
}

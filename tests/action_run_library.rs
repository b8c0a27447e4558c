//! The execution pipeline through the library (as the console's effects runner calls it) against the
//! simulated cluster: suspend, then its rollback (resume) restores it, both audited; one in-flight action per
//! target; a preparation runs once; the menu's verdicts (read-only: every action says so); recover-chain
//! reconciles the chain root first (order read from the request log).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

#[path = "action_run_support/mod.rs"]
mod env;
mod support;

use env::{Env, OPERATOR, ks, records};
use fluxops::audit::{Event, Outcome};
use fluxops::execution::{ActionRequest, DryRun, Phase, Verdict};
use fluxops::policy::Mode;
use fluxops::sim::SimSource;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspend_then_its_rollback_resumes_and_both_are_audited() {
    let env = Env::demo().await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let executor = env.executor(false).await;
    let target = ks("infra-controllers");
    let menu = executor
        .menu(&fluxops::actions::Target::bare(target.clone()), None)
        .await;
    let verdict = |name: &str| {
        menu.iter()
            .find(|e| e.action == name)
            .unwrap()
            .verdict
            .clone()
    };
    assert!(verdict("suspend").runnable(), "{menu:?}");
    assert!(
        !menu.iter().any(|e| e.action == "helmrelease-force"),
        "not for a Kustomization"
    );

    // One action per target: while a reconcile runs (it waits for Ready), a second is refused at once.
    let reconcile = || ActionRequest::new("reconcile", target.clone(), Mode::Cli);
    let running = executor.prepare(&reconcile()).await.unwrap();
    let second = executor.prepare(&reconcile()).await.unwrap();
    assert!(running.executable() && second.executable(), "{running:?}");
    let cancel = tokio_util::sync::CancellationToken::new();
    let (tx, mut updates) = tokio::sync::mpsc::channel(64);
    let task = {
        let (executor, running, cancel) = (executor.clone(), running.clone(), cancel.clone());
        tokio::spawn(async move { executor.execute(&running, "", tx, cancel).await })
    };
    while let Some(update) = updates.recv().await {
        if update.phase == Phase::Running {
            break;
        }
    }
    let (tx, _rx) = tokio::sync::mpsc::channel(64);
    let refused = executor.execute(&second, "", tx, cancel.clone()).await;
    assert!(
        matches!(&refused.phase, Phase::Failed { why } if why.contains("one action per target")),
        "{refused:?}"
    );
    tokio::spawn(async move { while updates.recv().await.is_some() {} });
    assert_eq!(task.await.unwrap().phase, Phase::Succeeded);
    // A preparation runs once.
    let (tx, _rx) = tokio::sync::mpsc::channel(64);
    let replay = executor.execute(&running, "", tx, cancel.clone()).await;
    assert!(
        matches!(&replay.phase, Phase::Failed { why } if why.contains("prepare it again")),
        "{replay:?}"
    );

    let prep = executor
        .prepare(&ActionRequest::new("suspend", target.clone(), Mode::Cli))
        .await
        .unwrap();
    assert!(prep.executable(), "{prep:?}");
    assert_eq!(prep.inverse.as_deref(), Some("resume"));
    assert_eq!(prep.rollback, ["suspend: false"]);
    let (tx, _rx) = tokio::sync::mpsc::channel(64);
    let first = executor.execute(&prep, "", tx, cancel.clone()).await;
    assert_eq!(first.phase, Phase::Succeeded, "{first:?}");
    assert!(first.rollback_available);
    assert!(env.get(&target).await["spec"]["suspend"].as_bool().unwrap());

    let rollback = executor.rollback(&first.execution).await.unwrap();
    assert_eq!(rollback.action, "resume");
    assert!(rollback.executable(), "{rollback:?}");
    let (tx, _rx) = tokio::sync::mpsc::channel(64);
    let undone = executor.execute(&rollback, "", tx, cancel.clone()).await;
    assert_eq!(undone.phase, Phase::Succeeded, "{undone:?}");
    assert!(
        !env.get(&target).await["spec"]["suspend"]
            .as_bool()
            .unwrap_or(false)
    );
    let events = records(&env.audit());
    assert!(
        events.iter().any(|e| matches!(e, Event::Outcome { execution, outcome: Outcome::RolledBack, .. } if *execution == first.execution)),
        "{events:?}"
    );
    // Read-only: every action of the menu says so, and prepare sends no dry-run.
    let ro = env.executor(true).await;
    let menu = ro
        .menu(&fluxops::actions::Target::bare(target.clone()), None)
        .await;
    assert!(
        menu.iter().all(|e| e.verdict == Verdict::ReadOnly),
        "{menu:?}"
    );
    env.sim.handle().request_log().clear();
    let denied = ro
        .prepare(&ActionRequest::new("suspend", target.clone(), Mode::Cli))
        .await
        .unwrap();
    assert!(!denied.decision.allow && !denied.executable(), "{denied:?}");
    assert!(
        matches!(denied.dry_run, DryRun::Skipped { .. }),
        "{denied:?}"
    );
    let (tx, _rx) = tokio::sync::mpsc::channel(64);
    let tried = ro.execute(&denied, "infra-controllers", tx, cancel).await;
    assert!(matches!(tried.phase, Phase::Failed { .. }), "{tried:?}");
    assert_eq!(env.writes_by(OPERATOR), Vec::<String>::new());
    env.sim.shutdown().await;
}

const CHAIN: &str = r"
kind: Scenario
name: broken-chain
description: infra fails once and blocks configs and apps behind it.
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: repo, namespace: flux-system}
spec: {interval: 1h, url: 'https://example.com/fleet', ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: infra, namespace: flux-system}
spec: {interval: 1h, retryInterval: 1h, timeout: 1m, path: ./infra, prune: true, sourceRef: {kind: GitRepository, name: repo}}
simulation:
  reconcile: 2s
  failure: {reason: ReconciliationFailed, message: 'apply failed: webhook unavailable', times: 1}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: configs, namespace: flux-system}
spec: {dependsOn: [{name: infra}], interval: 1h, retryInterval: 1h, timeout: 1m, path: ./configs, prune: true, sourceRef: {kind: GitRepository, name: repo}}
simulation: {reconcile: 2s}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec: {dependsOn: [{name: configs}], interval: 1h, retryInterval: 1h, timeout: 1m, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: repo}}
simulation: {reconcile: 2s}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recover_chain_reconciles_from_the_root_cause_down_in_dependency_order() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chain.yaml");
    std::fs::write(&file, CHAIN).unwrap();
    let env = Env::scenario(SimSource::Scenario(file.display().to_string()), 10.0).await;
    let executor = env.executor(false).await;
    // Wait until infra failed and the others wait behind it.
    let blocked = support::poll::eventually(std::time::Duration::from_secs(20), || async {
        let apps = env.get(&ks("apps")).await;
        let infra = env.get(&ks("infra")).await;
        let reason = |o: &Value| {
            o["status"]["conditions"]
                .as_array()
                .and_then(|c| c.iter().find(|c| c["type"] == "Ready"))
                .map(|c| c["reason"].clone())
        };
        (reason(&infra) == Some("ReconciliationFailed".into())
            && reason(&apps) == Some("DependencyNotReady".into()))
        .then_some(())
    })
    .await;
    assert!(blocked.is_some(), "the chain never got blocked");
    env.sim.handle().request_log().clear();
    let prep = executor
        .prepare(&ActionRequest::new("recover-chain", ks("apps"), Mode::Cli))
        .await
        .unwrap();
    assert!(prep.executable(), "{prep:?}");
    let (tx, _rx) = tokio::sync::mpsc::channel(64);
    let status = executor
        .execute(&prep, "", tx, tokio_util::sync::CancellationToken::new())
        .await;
    assert_eq!(status.phase, Phase::Succeeded, "{status:?}");
    let order: Vec<String> = env
        .writes_by(OPERATOR)
        .into_iter()
        .filter(|w| w.starts_with("PATCH") && w.ends_with("dryRun=false"))
        .map(|w| {
            w.split('/')
                .nth(7)
                .unwrap_or_default()
                .split('?')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(order, ["infra", "configs", "apps"]);
    assert!(status.postconditions.iter().all(|c| c.passed), "{status:?}");
    env.sim.shutdown().await;
}

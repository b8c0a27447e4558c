//! Whole recoveries through the real binary on the demo, proved from the cluster's objects, the request log and
//! the audit log:
//! - the demo's immutable-field failure (Kustomization `apps` cannot apply Deployment `apps/podinfo`) →
//!   `recreate`: the precondition reads the owner's failure, the Job's own kubectl is dry-run on the server,
//!   the Job deletes the Deployment as `fluxops-recreate` (never as the operator), the owner re-creates it
//!   (new uid) and is Ready, audited and announced;
//! - `scale` under break-glass, then `fluxops action rollback` in ANOTHER process restores the captured
//!   replicas; the original is recorded rolled back and its rollback is not offered twice.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

#[path = "action_run_support/mod.rs"]
mod env;
mod support;

use env::{Env, OPERATOR, records, text};
use fluxops::actions::{Catalog, TargetKind, TargetRef};
use fluxops::audit::{Event, Outcome};
use fluxops::job::rbac::{self, RbacOptions};
use serde_json::Value;
use std::time::Duration;

fn kubectl_installed() -> bool {
    support::kubectl::installed("the simulator cannot run Job actions; skipped")
}

/// The RBAC `fluxops rbac` prints, applied.
fn apply_rbac(env: &Env) {
    let options = RbacOptions {
        namespace: "fluxops-system".to_owned(),
        target_namespaces: vec![],
    };
    for obj in rbac::objects(&Catalog::builtin().unwrap(), &options) {
        env.sim
            .handle()
            .put_object(serde_json::to_value(&obj).unwrap())
            .unwrap();
    }
}

fn ready_message(obj: &Value) -> String {
    obj["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Ready")
        .map(|c| format!("{} {}", c["status"], c["message"]))
        .unwrap_or_default()
}

async fn wait_for(env: &Env, target: &TargetRef, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let client = support::sim::client_from_kubeconfig(&env.sim.kubeconfig_yaml()).await;
    let mut last = Value::Null;
    for _ in 0..120 {
        if let Some(obj) = fluxops::execution::object::get(&client, target)
            .await
            .unwrap()
        {
            last = obj;
            if ok(&last) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!(
        "{target}: {what} never happened; last: {}",
        ready_message(&last)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_immutable_failure_is_recovered_by_recreate_through_a_job() {
    if !kubectl_installed() {
        return;
    }
    let env = Env::demo().await;
    let apps = env::ks("apps");
    wait_for(&env, &apps, "the immutable-field failure", |o| {
        let m = ready_message(o);
        m.starts_with("\"False\"")
            && m.contains("Deployment/apps/podinfo")
            && m.contains("immutable")
    })
    .await;
    apply_rbac(&env);
    let podinfo = TargetRef::namespaced(TargetKind::Deployment, "apps", "podinfo");
    let before = env.get(&podinfo).await["metadata"]["uid"].clone();
    env.sim.handle().request_log().clear();

    let out = env
        .fluxops(&[
            "action",
            "run",
            "recreate",
            "Deployment/apps/podinfo",
            "--yes",
        ])
        .await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    for line in [
        "policy:        allowed, needs the target's name typed",
        "ok   immutable-field-failure: Kustomization/flux-system/apps: Deployment/apps/podinfo",
        "dry-run:       passed on the server",
        "kubectl: deployment.apps \"podinfo\" deleted (server dry run)",
        "(ServiceAccount fluxops-recreate)",
        "ok   target-recreated",
        "ok   flux-ready: Ready at main@sha1:",
        "outcome:       succeeded",
        "no inverse action (captured: manifest: Deployment/apps/podinfo",
    ] {
        assert!(shown.contains(line), "missing {line:?} in\n{shown}");
    }

    // The Deployment was deleted by the action's ServiceAccount only, once for real after a server dry-run.
    let deployment = "/apis/apps/v1/namespaces/apps/deployments/podinfo";
    let log = env.sim.handle().request_log().entries();
    let deletes: Vec<(String, bool)> = log
        .iter()
        .filter(|e| e.method == "DELETE" && e.path_and_query.starts_with(deployment))
        .map(|e| (e.user.clone(), e.dry_run))
        .collect();
    let sa = "system:serviceaccount:fluxops-system:fluxops-recreate";
    assert_eq!(
        deletes,
        vec![(sa.to_owned(), true), (sa.to_owned(), false)],
        "{deletes:?}"
    );
    let operator_writes = env.writes_by(OPERATOR);
    assert!(
        operator_writes.iter().all(|w| !w.contains(deployment)),
        "{operator_writes:?}"
    );
    assert!(
        operator_writes.iter().any(|w| w
            .starts_with("POST /apis/batch/v1/namespaces/fluxops-system/jobs")
            && w.ends_with("dryRun=false")),
        "{operator_writes:?}"
    );

    // The owner re-created it and is Ready.
    let after = env.get(&podinfo).await;
    assert_ne!(after["metadata"]["uid"], before);
    let owner = env.get(&apps).await;
    assert!(
        ready_message(&owner).starts_with("\"True\""),
        "{}",
        ready_message(&owner)
    );

    let events = records(&env.audit());
    assert!(
        events.iter().any(|e| matches!(e, Event::Outcome { action, outcome: Outcome::Succeeded, .. } if action == "recreate")),
        "{events:?}"
    );
    let client = support::sim::client_from_kubeconfig(&env.sim.kubeconfig_yaml()).await;
    let api: kube::Api<k8s_openapi::api::core::v1::Event> = kube::Api::namespaced(client, "apps");
    let listed = api.list(&kube::api::ListParams::default()).await.unwrap();
    assert!(
        listed
            .items
            .iter()
            .any(|e| e.reason.as_deref() == Some("FluxopsAction")
                && e.involved_object.name.as_deref() == Some("podinfo")
                && e.message
                    .as_deref()
                    .unwrap_or_default()
                    .contains("recreate")),
        "no FluxopsAction Event on Deployment apps/podinfo"
    );
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scale_is_rolled_back_from_another_process_to_the_captured_replicas() {
    if !kubectl_installed() {
        return;
    }
    let env = Env::demo().await;
    apply_rbac(&env);
    let frontend = TargetRef::namespaced(TargetKind::Deployment, "apps", "frontend");
    let replicas = |o: &Value| o["spec"]["replicas"].as_i64();
    let before = wait_for(&env, &frontend, "the Deployment available", |o| {
        replicas(o).is_some() && o["status"]["availableReplicas"].as_i64() == replicas(o)
    })
    .await;
    let was = replicas(&before).unwrap();
    let wanted = (was + 2).to_string();
    let out = env
        .fluxops(&[
            "action",
            "run",
            "scale",
            "Deployment/apps/frontend",
            "--param",
            &format!("replicas={wanted}"),
            "--break-glass",
            "incident 42: checkout latency",
            "--yes",
        ])
        .await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert_eq!(replicas(&env.get(&frontend).await), Some(was + 2));
    let execution = shown
        .lines()
        .find_map(|l| l.strip_prefix("execution:"))
        .map(str::trim)
        .unwrap()
        .to_owned();
    assert!(
        shown.contains(&format!(
            "rollback:      available: fluxops action rollback {execution}"
        )),
        "{shown}"
    );

    // Another process: the kept rollback, prepared and run like any action.
    let dry = env
        .fluxops(&["action", "rollback", &execution, "--dry-run"])
        .await;
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry));
    assert!(
        text(&dry).contains(&format!("parameters:    replicas={was}")),
        "{}",
        text(&dry)
    );
    assert_eq!(replicas(&env.get(&frontend).await), Some(was + 2));
    let back = env
        .fluxops(&["action", "rollback", &execution, "--yes"])
        .await;
    let shown = text(&back);
    assert_eq!(back.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains(&format!("execution {execution} rolled back")),
        "{shown}"
    );
    assert_eq!(replicas(&env.get(&frontend).await), Some(was));

    let events = records(&env.audit());
    assert!(
        events.iter().any(|e| matches!(e,
            Event::Outcome { execution: id, outcome: Outcome::RolledBack, .. } if id.as_str() == execution)),
        "{events:?}"
    );
    // Offered once.
    let again = env
        .fluxops(&["action", "rollback", &execution, "--yes"])
        .await;
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(text(&again).contains("has no rollback"), "{}", text(&again));
    let bad = env.fluxops(&["action", "rollback", "not-an-id"]).await;
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    env.sim.shutdown().await;
}

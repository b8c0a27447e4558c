//! The console's action backend (`launch::actions_backend::ConsoleActions`) over the real executor on the
//! simulator: executions started before the console (their Jobs carry fluxops' labels) reach the Jobs screen
//! as `Msg::Execution`s when the backend starts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

#[path = "action_run_support/mod.rs"]
mod env;
mod support;

use env::Env;
use fluxops::app::effects_runner::ActionBackend;
use fluxops::app::msg::Msg;
use fluxops::execution::Phase;
use fluxops::launch::actions_backend::ConsoleActions;
use serde_json::json;
use std::time::Duration;

fn job(execution: &str, complete: bool) -> serde_json::Value {
    let mut job = json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {
            "name": format!("fluxops-scale-{execution}"), "namespace": "fluxops-system",
            "labels": {"app.kubernetes.io/managed-by": "fluxops", "fluxops.io/action": "scale",
                       "fluxops.io/execution": execution},
            "annotations": {"fluxops.io/target": "Deployment/apps/frontend", "fluxops.io/operator": "alice"}
        },
        "spec": {"suspend": true, "template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "kubectl", "image": "registry.k8s.io/kubectl:v1.33.6"}]}}}
    });
    if complete {
        job["status"] = json!({"succeeded": 1, "completionTime": "2026-12-03T10:00:00Z",
            "conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": "2026-12-03T10:00:00Z"}]});
    }
    job
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_from_before_the_console_reach_the_jobs_screen() {
    let env = Env::demo().await;
    env.sim
        .handle()
        .put_object(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fluxops-system"}}))
        .unwrap();
    env.sim
        .handle()
        .put_object(job("0123456789ab", true))
        .unwrap();
    let backend = ConsoleActions::new(env.executor(false).await);
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    backend.start(tx);
    let msg = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an execution is reported")
        .unwrap();
    let Msg::Execution(status) = msg else {
        panic!("not an execution: {msg:?}");
    };
    assert_eq!(status.execution.as_str(), "0123456789ab");
    assert_eq!(status.action, "scale");
    assert_eq!(status.target.to_string(), "Deployment/apps/frontend");
    assert_eq!(status.operator, "alice");
    assert_eq!(status.phase, Phase::Succeeded, "{status:?}");
    // Nothing running: nothing more is sent, and nothing was written.
    assert!(
        tokio::time::timeout(Duration::from_secs(7), rx.recv())
            .await
            .map_or(true, |m| m.is_none()),
        "more messages after a finished execution"
    );
    assert!(env.writes_by(env::OPERATOR).is_empty());
    env.sim.shutdown().await;
}

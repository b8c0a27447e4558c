//! The simulated controllers react to what users do and to injected failures, seen through kube-rs: the
//! reconcile / force / reset annotations, `spec.suspend`, spec (generation) changes, an immutable-field
//! apply error shown verbatim, and a HelmRelease that runs out of retries.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::flux::FluxKind;
use serde_json::{Value, json};
use std::time::Duration;
use support::objects::{GIT, ks};
use support::sim::scenario;
use support::status::{condition, has, ready};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_annotation_is_honoured_promptly() {
    let text = format!(
        "kind: Scenario\nname: t\n{GIT}{}",
        ks("app", "1h", "", "{reconcile: 80ms}")
    );
    let c = scenario(&text, 1.0).await;
    c.wait(
        FluxKind::Kustomization,
        "flux-system",
        "app",
        "Ready",
        ready,
    )
    .await;
    let token = "2026-11-24T04:00:00.123456789Z";
    c.request_reconcile(FluxKind::Kustomization, "flux-system", "app", token, &[])
        .await;
    // The interval is an hour of real time: only the annotation can cause this reconcile.
    let done = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "app",
            "handled",
            |o| o["status"]["lastHandledReconcileAt"] == token,
        )
        .await;
    assert!(ready(&done));
    assert_eq!(done["status"]["history"][0]["totalReconciliations"], 2);
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspend_stops_reconciles_and_keeps_status() {
    let text = format!(
        "kind: Scenario\nname: t\n{GIT}{}",
        ks("app", "1m", "", "{reconcile: 1s}")
    );
    let c = scenario(&text, 600.0).await;
    let total = |o: &Value| {
        o["status"]["history"][0]["totalReconciliations"]
            .as_i64()
            .unwrap_or(0)
    };
    c.wait(
        FluxKind::Kustomization,
        "flux-system",
        "app",
        "reconciled 3 times",
        |o| total(o) >= 3,
    )
    .await;
    c.patch(
        FluxKind::Kustomization,
        "flux-system",
        "app",
        json!({"spec": {"suspend": true}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = c.get(FluxKind::Kustomization, "flux-system", "app").await;
    // Ten intervals of simulated time.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let after = c.get(FluxKind::Kustomization, "flux-system", "app").await;
    assert_eq!(
        total(&before),
        total(&after),
        "no reconcile while suspended"
    );
    assert_eq!(before["status"], after["status"], "status kept");
    assert!(has(&after, "Ready", "True", "ReconciliationSucceeded"));
    c.patch(
        FluxKind::Kustomization,
        "flux-system",
        "app",
        json!({"spec": {"suspend": false}}),
    )
    .await;
    let n = total(&after);
    c.wait(
        FluxKind::Kustomization,
        "flux-system",
        "app",
        "reconciled again",
        |o| total(o) > n && ready(o),
    )
    .await;
    c.sim.shutdown().await;
}

const IMMUTABLE: &str = r#"Deployment/apps/podinfo dry-run failed (Invalid): Deployment.apps "podinfo" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"podinfo"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_immutable_failure_shows_the_exact_message() {
    let simulation = format!(
        "{{reconcile: 2s, failure: {{reason: ReconciliationFailed, message: '{IMMUTABLE}'}}}}"
    );
    let text = format!(
        "kind: Scenario\nname: t\n{GIT}{}",
        ks("apps", "10m", ", retryInterval: 1m", &simulation)
    );
    let c = scenario(&text, 100.0).await;
    let failed = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "apps",
            "failed",
            |o| has(o, "Ready", "False", "ReconciliationFailed"),
        )
        .await;
    assert_eq!(condition(&failed, "Ready").unwrap()["message"], IMMUTABLE);
    assert!(has(&failed, "Reconciling", "True", "ProgressingWithRetry"));
    assert!(failed["status"]["lastAppliedRevision"].is_null());
    assert!(
        failed["status"]["lastAttemptedRevision"]
            .as_str()
            .unwrap()
            .starts_with("main@sha1:")
    );
    assert_eq!(
        failed["status"]["history"][0]["lastReconciledStatus"],
        "ReconciliationFailed"
    );
    let events = c.events("flux-system", "apps").await;
    let warning = events
        .iter()
        .find(|e| e.type_.as_deref() == Some("Warning"))
        .unwrap();
    assert_eq!(warning.reason.as_deref(), Some("ReconciliationFailed"));
    assert_eq!(warning.message.as_deref(), Some(IMMUTABLE));
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helm_release_stalls_after_retries_and_reset_retries_it() {
    let text = "kind: Scenario
name: t
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: apps}
spec: {interval: 1h, url: https://charts.example.com}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: apps}
spec:
  interval: 1h
  install: {remediation: {retries: 1}}
  chart: {spec: {chart: web, version: 1.2.3, sourceRef: {kind: HelmRepository, name: charts}}}
simulation:
  reconcile: 3s
  failure: {action: install, message: 'timed out waiting for the condition', times: 2}
";
    let c = scenario(text, 100.0).await;
    let stalled = c
        .wait(FluxKind::HelmRelease, "apps", "web", "Stalled", |o| {
            has(o, "Stalled", "True", "RetriesExceeded")
        })
        .await;
    assert_eq!(
        condition(&stalled, "Stalled").unwrap()["message"],
        "Failed to install after 2 attempt(s)"
    );
    assert_eq!(
        condition(&stalled, "Ready").unwrap()["message"],
        "Helm install failed for release apps/web with chart web@1.2.3: timed out waiting for the condition"
    );
    assert!(has(&stalled, "Ready", "False", "InstallFailed"));
    assert_eq!(stalled["status"]["installFailures"], 2);
    assert_eq!(stalled["status"]["failures"], 2);
    assert!(condition(&stalled, "Reconciling").is_none());
    let token = "reset-1";
    c.request_reconcile(
        FluxKind::HelmRelease,
        "apps",
        "web",
        token,
        &["reconcile.fluxcd.io/resetAt"],
    )
    .await;
    let recovered = c
        .wait(FluxKind::HelmRelease, "apps", "web", "Ready", ready)
        .await;
    assert!(has(&recovered, "Ready", "True", "InstallSucceeded"));
    assert!(condition(&recovered, "Stalled").is_none());
    assert_eq!(recovered["status"]["lastHandledResetAt"], token);
    assert_eq!(recovered["status"]["lastHandledReconcileAt"], token);
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generation_change_reconciles_at_once_with_progress_messages() {
    let text = format!(
        "kind: Scenario\nname: t\n{GIT}{}",
        ks("app", "1h", ", wait: true, timeout: 3m", "{reconcile: 2s}")
    );
    let c = scenario(&text, 1.0).await;
    let first = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "app",
            "Ready",
            ready,
        )
        .await;
    assert_eq!(
        first["metadata"]["finalizers"],
        json!(["finalizers.fluxcd.io"])
    );
    c.patch(
        FluxKind::Kustomization,
        "flux-system",
        "app",
        json!({"spec": {"path": "./app/v2"}}),
    )
    .await;
    let rev = first["status"]["lastAppliedRevision"]
        .as_str()
        .unwrap()
        .to_owned();
    // The interval is an hour: only the generation change can start this reconcile.
    let progressing = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "app",
            "health checking",
            |o| {
                has(o, "Reconciling", "True", "Progressing")
                    && condition(o, "Reconciling").unwrap()["message"]
                        .as_str()
                        .unwrap()
                        .starts_with("Running health checks")
            },
        )
        .await;
    assert_eq!(
        condition(&progressing, "Reconciling").unwrap()["message"],
        json!(format!(
            "Running health checks for revision {rev} with a timeout of 3m0s"
        ))
    );
    assert!(has(&progressing, "Ready", "Unknown", "Progressing"));
    assert!(has(&progressing, "Healthy", "Unknown", "Progressing"));
    let done = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "app",
            "Ready at generation 2",
            ready,
        )
        .await;
    assert_eq!(done["status"]["observedGeneration"], 2);
    assert!(has(&done, "Healthy", "True", "Succeeded"));
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_annotation_runs_a_helm_upgrade() {
    let text = "kind: Scenario
name: t
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: web-chart, namespace: apps}
spec: {interval: 1h, url: oci://ghcr.io/acme/charts/web, ref: {tag: 2.0.1}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: apps}
spec: {interval: 1h, chartRef: {kind: OCIRepository, name: web-chart}}
simulation: {reconcile: 100ms}
";
    let c = scenario(text, 1.0).await;
    let installed = c
        .wait(FluxKind::HelmRelease, "apps", "web", "Ready", ready)
        .await;
    let version = installed["status"]["lastAttemptedRevision"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        version.starts_with("2.0.1+") && version.len() == "2.0.1+".len() + 12,
        "{version}"
    );
    assert!(
        installed["status"]["lastAttemptedRevisionDigest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    let token = "force-1";
    c.request_reconcile(
        FluxKind::HelmRelease,
        "apps",
        "web",
        token,
        &["reconcile.fluxcd.io/forceAt"],
    )
    .await;
    let upgraded = c
        .wait(FluxKind::HelmRelease, "apps", "web", "upgraded", |o| {
            has(o, "Ready", "True", "UpgradeSucceeded")
        })
        .await;
    assert_eq!(upgraded["status"]["lastHandledForceAt"], token);
    assert_eq!(upgraded["status"]["lastAttemptedReleaseAction"], "upgrade");
    let history = upgraded["status"]["history"].as_array().unwrap();
    assert_eq!(history[0]["version"], 2);
    assert_eq!(history[0]["status"], "deployed");
    assert_eq!(history[1]["status"], "superseded");
    assert_eq!(
        condition(&upgraded, "Ready").unwrap()["message"],
        json!(format!(
            "Helm upgrade succeeded for release apps/web.v2 with chart web@{version}"
        ))
    );
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_retries_exhaust_and_a_spec_change_starts_the_count_over() {
    let text = "kind: Scenario
name: t
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: redis-chart, namespace: data}
spec: {interval: 1h, url: oci://registry-1.docker.io/bitnamicharts/redis, ref: {semver: 20.x}}
simulation: {chartVersion: 20.6.2, revisions: {every: 1m, count: 1}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: redis, namespace: data}
spec:
  interval: 1h
  chartRef: {kind: OCIRepository, name: redis-chart}
  upgrade: {remediation: {retries: 1}}
simulation:
  reconcile: 5s
  failure: {action: upgrade, reason: UpgradeFailed, message: 'cannot patch \"redis-master\" with kind StatefulSet: StatefulSet.apps \"redis-master\" is invalid: spec: Forbidden'}
";
    let c = scenario(text, 100.0).await;
    let stalled_after = |o: &Value| has(o, "Stalled", "True", "RetriesExceeded");
    let stalled = c
        .wait(
            FluxKind::HelmRelease,
            "data",
            "redis",
            "Stalled",
            stalled_after,
        )
        .await;
    assert_eq!(
        condition(&stalled, "Stalled").unwrap()["message"],
        "Failed to upgrade after 2 attempt(s)"
    );
    assert_eq!(stalled["status"]["upgradeFailures"], 2);
    assert!(stalled["status"]["installFailures"].is_null());
    let ready_msg = condition(&stalled, "Ready").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        ready_msg
            .starts_with("Helm upgrade failed for release data/redis with chart redis@20.6.3+"),
        "{ready_msg}"
    );
    let history = stalled["status"]["history"].as_array().unwrap();
    assert_eq!(history[0]["status"], "failed");
    assert!(
        history.iter().any(|s| s["status"] == "deployed"
            && s["chartVersion"].as_str().unwrap().starts_with("20.6.2+"))
    );
    let events = c.events("data", "redis").await;
    assert!(
        events
            .iter()
            .any(|e| e.reason.as_deref() == Some("RollbackSucceeded"))
    );
    c.patch(
        FluxKind::HelmRelease,
        "data",
        "redis",
        json!({"spec": {"values": {"replica": {"replicaCount": 2}}}}),
    )
    .await;
    let again = c
        .wait(
            FluxKind::HelmRelease,
            "data",
            "redis",
            "stalled at generation 2",
            |o| stalled_after(o) && o["status"]["lastAttemptedGeneration"] == 2,
        )
        .await;
    assert_eq!(
        condition(&again, "Stalled").unwrap()["message"],
        "Failed to upgrade after 2 attempt(s)"
    );
    assert_eq!(again["status"]["upgradeFailures"], 2);
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_checks_wait_for_helm_releases_and_time_out_on_stuck_ones() {
    use fluxops::flux::duration::parse_go_duration;
    let text = format!(
        "kind: Scenario
name: t
{GIT}---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {{name: charts, namespace: apps}}
spec: {{interval: 1h, url: https://charts.example.com}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: apps
  labels: {{kustomize.toolkit.fluxcd.io/name: platform, kustomize.toolkit.fluxcd.io/namespace: flux-system}}
spec: {{interval: 1h, chart: {{spec: {{chart: web, version: 1.2.3, sourceRef: {{kind: HelmRepository, name: charts}}}}}}}}
simulation: {{reconcile: 40s}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: broken, namespace: apps}}
spec: {{interval: 1h, suspend: true, chart: {{spec: {{chart: broken, sourceRef: {{kind: HelmRepository, name: charts}}}}}}}}
{}{}",
        ks("platform", "1h", ", wait: true, timeout: 3m", "{reconcile: 2s}"),
        ks(
            "checks",
            "1h",
            ", timeout: 1m, retryInterval: 1h, healthChecks: [{apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, name: broken, namespace: apps}]",
            "{reconcile: 2s}"
        )
    );
    let c = scenario(&text, 100.0).await;
    let platform = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "platform",
            "Ready",
            ready,
        )
        .await;
    let passed = condition(&platform, "Healthy").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    let waited =
        parse_go_duration(passed.strip_prefix("Health check passed in ").unwrap()).unwrap();
    assert!(
        waited >= Duration::from_secs(30),
        "{passed}: the KS waited for the HelmRelease"
    );
    let web = c.get(FluxKind::HelmRelease, "apps", "web").await;
    assert!(ready(&web));
    let checks = c
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "checks",
            "HealthCheckFailed",
            |o| has(o, "Ready", "False", "HealthCheckFailed"),
        )
        .await;
    let message = condition(&checks, "Ready").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.starts_with("health check failed after 1m"),
        "{message}"
    );
    assert!(
        message.ends_with(": timeout waiting for: [HelmRelease/apps/broken status: 'InProgress']"),
        "{message}"
    );
    assert!(has(&checks, "Healthy", "False", "HealthCheckFailed"));
    assert_eq!(
        checks["status"]["history"][0]["lastReconciledStatus"],
        "HealthCheckFailed"
    );
    let events = c.events("flux-system", "checks").await;
    assert!(
        events
            .iter()
            .any(|e| e.reason.as_deref() == Some("HealthCheckFailed")
                && e.message.as_deref() == Some(message.as_str()))
    );
    c.sim.shutdown().await;
}

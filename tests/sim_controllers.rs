//! The simulated Flux controllers seen through unmodified kube-rs against the simulated API server: they reach
//! each scenario's end state, wait on dependencies with the real messages, honour the reconcile / reset
//! annotations and `spec.suspend`, show injected failures verbatim and roll new source revisions through.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use fluxops::flux::FluxKind;
use fluxops::sim::{SimConfig, SimSource, Simulation, start};
use k8s_openapi::api::core::v1::Event;
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::{Value, json};
use std::time::Duration;

struct Cluster {
    sim: Simulation,
    client: Client,
    _dir: Option<tempfile::TempDir>,
}

async fn connect(sim: Simulation, dir: Option<tempfile::TempDir>) -> Cluster {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_yaml()).unwrap();
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap();
    let client = Client::try_from(config).unwrap();
    Cluster {
        sim,
        client,
        _dir: dir,
    }
}

/// Starts a shipped scenario at `scale`.
async fn shipped(name: &str, scale: f64) -> Cluster {
    let mut config = SimConfig::new(SimSource::Scenario(name.to_owned()));
    config.time_scale = Some(scale);
    connect(start(config).await.unwrap(), None).await
}

/// Starts a scenario given as text at `scale`.
async fn scenario(text: &str, scale: f64) -> Cluster {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test.yaml");
    std::fs::write(&path, text).unwrap();
    let mut config = SimConfig::new(SimSource::Scenario(path.display().to_string()));
    config.time_scale = Some(scale);
    connect(start(config).await.unwrap(), Some(dir)).await
}

impl Cluster {
    fn api(&self, kind: FluxKind, ns: &str) -> Api<DynamicObject> {
        self.api_at(kind, kind.preferred_version(), ns)
    }

    fn api_at(&self, kind: FluxKind, version: &str, ns: &str) -> Api<DynamicObject> {
        let gvk = GroupVersionKind::gvk(kind.group(), version, kind.as_str());
        let ar = ApiResource::from_gvk_with_plural(&gvk, kind.plural());
        Api::namespaced_with(self.client.clone(), ns, &ar)
    }

    async fn get(&self, kind: FluxKind, ns: &str, name: &str) -> Value {
        serde_json::to_value(self.api(kind, ns).get(name).await.unwrap()).unwrap()
    }

    /// Polls until `pred` holds (at most 20 s real time); returns the object.
    async fn wait(
        &self,
        kind: FluxKind,
        ns: &str,
        name: &str,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let api = self.api(kind, ns);
        let mut last = Value::Null;
        for _ in 0..1000 {
            if let Ok(obj) = api.get(name).await {
                last = serde_json::to_value(obj).unwrap();
                if pred(&last) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{kind} {ns}/{name} never became {what}; last state:\n{last:#}");
    }

    async fn events(&self, ns: &str, name: &str) -> Vec<Event> {
        let api: Api<Event> = Api::namespaced(self.client.clone(), ns);
        let list = api
            .list(&ListParams::default().fields(&format!("involvedObject.name={name}")))
            .await
            .unwrap();
        list.items
    }

    async fn patch(&self, kind: FluxKind, ns: &str, name: &str, body: Value) {
        self.api(kind, ns)
            .patch(name, &PatchParams::default(), &Patch::Merge(&body))
            .await
            .unwrap();
    }
}

fn condition<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
}

fn has(obj: &Value, type_: &str, status: &str, reason: &str) -> bool {
    condition(obj, type_).is_some_and(|c| c["status"] == status && c["reason"] == reason)
}

fn ready(obj: &Value) -> bool {
    condition(obj, "Ready").is_some_and(|c| c["status"] == "True")
        && obj["status"]["observedGeneration"] == obj["metadata"]["generation"]
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

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

const GIT: &str = "---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: repo, namespace: flux-system}
spec: {interval: 1h, url: https://github.com/acme/repo, ref: {branch: main}}
simulation: {reconcile: 50ms}
";

fn ks(name: &str, interval: &str, extra_spec: &str, simulation: &str) -> String {
    format!(
        "---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: {name}, namespace: flux-system}}
spec: {{interval: {interval}, path: ./{name}, prune: true, sourceRef: {{kind: GitRepository, name: repo}}{extra_spec}}}
simulation: {simulation}
"
    )
}

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
    c.patch(
        FluxKind::Kustomization,
        "flux-system",
        "app",
        json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": token}}}),
    )
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
    c.patch(
        FluxKind::HelmRelease,
        "apps",
        "web",
        json!({"metadata": {"annotations": {
            "reconcile.fluxcd.io/requestedAt": token,
            "reconcile.fluxcd.io/resetAt": token,
        }}}),
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
async fn new_source_revisions_roll_through_the_chain() {
    let git = GIT.replace(
        "simulation: {reconcile: 50ms}",
        "simulation: {reconcile: 50ms, revisions: {every: 2m, count: 1}}",
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
spec: {interval: 10m, path: ./kustomize, prune: true, sourceRef: {kind: GitRepository, name: podinfo}}
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
    c.wait(
        FluxKind::Kustomization,
        "flux-system",
        "podinfo",
        "Ready",
        ready,
    )
    .await;
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
    c.patch(
        FluxKind::HelmRelease,
        "apps",
        "web",
        json!({"metadata": {"annotations": {
            "reconcile.fluxcd.io/requestedAt": token,
            "reconcile.fluxcd.io/forceAt": token,
        }}}),
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

//! Shared helpers for the simulated-cluster tests: start a simulation (shipped scenario or scenario text),
//! connect unmodified kube-rs to it, poll objects until a condition holds, read events, patch.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    reason = "test helpers fail the test loudly; each test binary uses a subset"
)]

use fluxops::flux::FluxKind;
use fluxops::sim::{SimConfig, SimSource, Simulation, start};
use k8s_openapi::api::core::v1::Event;
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::Value;
use std::time::Duration;

pub struct Cluster {
    pub sim: Simulation,
    pub client: Client,
    _dir: Option<tempfile::TempDir>,
}

pub async fn connect(sim: Simulation, dir: Option<tempfile::TempDir>) -> Cluster {
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
pub async fn shipped(name: &str, scale: f64) -> Cluster {
    let mut config = SimConfig::new(SimSource::Scenario(name.to_owned()));
    config.time_scale = Some(scale);
    connect(start(config).await.unwrap(), None).await
}

/// Starts a scenario given as text at `scale`.
pub async fn scenario(text: &str, scale: f64) -> Cluster {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test.yaml");
    std::fs::write(&path, text).unwrap();
    let mut config = SimConfig::new(SimSource::Scenario(path.display().to_string()));
    config.time_scale = Some(scale);
    connect(start(config).await.unwrap(), Some(dir)).await
}

impl Cluster {
    pub fn api(&self, kind: FluxKind, ns: &str) -> Api<DynamicObject> {
        self.api_at(kind, kind.preferred_version(), ns)
    }

    pub fn api_at(&self, kind: FluxKind, version: &str, ns: &str) -> Api<DynamicObject> {
        let gvk = GroupVersionKind::gvk(kind.group(), version, kind.as_str());
        let ar = ApiResource::from_gvk_with_plural(&gvk, kind.plural());
        Api::namespaced_with(self.client.clone(), ns, &ar)
    }

    pub async fn get(&self, kind: FluxKind, ns: &str, name: &str) -> Value {
        serde_json::to_value(self.api(kind, ns).get(name).await.unwrap()).unwrap()
    }

    /// Polls until `pred` holds (at most 20 s real time); returns the object.
    pub async fn wait(
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

    pub async fn events(&self, ns: &str, name: &str) -> Vec<Event> {
        let api: Api<Event> = Api::namespaced(self.client.clone(), ns);
        let list = api
            .list(&ListParams::default().fields(&format!("involvedObject.name={name}")))
            .await
            .unwrap();
        list.items
    }

    pub async fn patch(&self, kind: FluxKind, ns: &str, name: &str, body: Value) {
        self.api(kind, ns)
            .patch(name, &PatchParams::default(), &Patch::Merge(&body))
            .await
            .unwrap();
    }
}

pub fn condition<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
}

pub fn has(obj: &Value, type_: &str, status: &str, reason: &str) -> bool {
    condition(obj, type_).is_some_and(|c| c["status"] == status && c["reason"] == reason)
}

pub fn ready(obj: &Value) -> bool {
    condition(obj, "Ready").is_some_and(|c| c["status"] == "True")
        && obj["status"]["observedGeneration"] == obj["metadata"]["generation"]
}

pub fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

pub const GIT: &str = "---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: repo, namespace: flux-system}
spec: {interval: 1h, url: https://github.com/acme/repo, ref: {branch: main}}
simulation: {reconcile: 50ms}
";

pub fn ks(name: &str, interval: &str, extra_spec: &str, simulation: &str) -> String {
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

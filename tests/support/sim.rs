//! Starting the simulator and connecting unmodified kube-rs to it: a kube client from a kubeconfig, a bare
//! API server (`start_server`), a simulation of a shipped scenario or of scenario text (`Cluster`), and the
//! cluster's object API (get, poll until a condition holds, events, patch).

use fluxops::flux::{FluxKind, ResourceRef};
use fluxops::sim::store::ObjectKey;
use fluxops::sim::{SimConfig, SimOptions, SimServer, SimSource, Simulation, Store, serve, start};
use k8s_openapi::api::core::v1::Event;
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::Value;
use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use super::poll::eventually;

pub struct Cluster {
    pub sim: Simulation,
    pub client: Client,
    _dir: Option<tempfile::TempDir>,
}

/// A kube-rs client built from kubeconfig text, exactly as a user's client is.
pub async fn client_from_kubeconfig(yaml: &str) -> Client {
    let kubeconfig = Kubeconfig::from_yaml(yaml).unwrap();
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap();
    Client::try_from(config).unwrap()
}

/// Starts a bare simulated API server (standard store) on a free port, with a client for it.
pub async fn start_server(options: SimOptions) -> (SimServer, Client) {
    let server = serve("127.0.0.1:0".parse().unwrap(), Store::standard(), options)
        .await
        .unwrap();
    let client = client_from_kubeconfig(&server.kubeconfig_yaml()).await;
    (server, client)
}

/// A kube client for a running server.
pub async fn client_for(server: &SimServer) -> Client {
    client_from_kubeconfig(&server.kubeconfig_yaml()).await
}

pub async fn connect(sim: Simulation, dir: Option<tempfile::TempDir>) -> Cluster {
    let client = client_from_kubeconfig(&sim.kubeconfig_yaml()).await;
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
        let last = RefCell::new(Value::Null);
        let found = eventually(Duration::from_secs(20), || async {
            let obj = serde_json::to_value(api.get(name).await.ok()?).unwrap();
            let ok = pred(&obj);
            last.replace(obj.clone());
            ok.then_some(obj)
        })
        .await;
        found.unwrap_or_else(|| {
            let last = last.into_inner();
            panic!("{kind} {ns}/{name} never became {what}; last state:\n{last:#}")
        })
    }

    /// Asks for a reconcile (`reconcile.fluxcd.io/requestedAt`) with `token`, also setting each annotation of
    /// `also` (e.g. `reconcile.fluxcd.io/forceAt`) to it.
    pub async fn request_reconcile(
        &self,
        kind: FluxKind,
        ns: &str,
        name: &str,
        token: &str,
        also: &[&str],
    ) {
        let mut annotations = serde_json::Map::new();
        annotations.insert("reconcile.fluxcd.io/requestedAt".to_owned(), token.into());
        for a in also {
            annotations.insert((*a).to_owned(), token.into());
        }
        let body = serde_json::json!({"metadata": {"annotations": annotations}});
        self.patch(kind, ns, name, body).await;
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

/// The object `o` as the simulation's store holds it now.
pub fn stored(sim: &Simulation, o: &ResourceRef) -> Option<Arc<Value>> {
    sim.store()
        .get(&ObjectKey::flux(o.kind, &o.namespace, &o.name))
}

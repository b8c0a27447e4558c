//! The real watcher pipeline (`cluster::client::connect` → `cluster::watch::spawn`) against the simulated API server
//! over TCP: convergence, following changes, recovery after dropped watches and compacted history, per-kind
//! problems (missing CRD, forbidden) and malformed objects.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

use fluxops::cluster::watch::{CHANNEL_CAPACITY, spawn};
use fluxops::cluster::{ClusterEvent, ConnectOptions, Connection, KindProblem, PAGE_SIZE, Scope};
use fluxops::flux::{FluxKind, FluxObject, ResourceRef};
use fluxops::sim::resource::GroupResource;
use fluxops::sim::store::Selector;
use fluxops::sim::{ObjectKey, SimOptions, SimServer, Store, WriteOptions, serve};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Generous: the pipeline normally converges in milliseconds; CI machines are slow and shared.
const CONVERGE: Duration = Duration::from_secs(20);

struct Sim {
    server: Option<SimServer>,
    store: Store,
    addr: std::net::SocketAddr,
    connection: Connection,
    _dir: tempfile::TempDir,
}

impl Sim {
    fn server(&self) -> &SimServer {
        self.server.as_ref().expect("server is up")
    }

    /// Stops the API server (open watches end, new connections are refused); the store is kept.
    async fn go_down(&mut self) {
        self.server.take().expect("server is up").shutdown().await;
    }

    /// Serves the same store on the same address again.
    async fn come_back(&mut self) {
        self.server = Some(
            serve(self.addr, self.store.clone(), SimOptions::default())
                .await
                .unwrap(),
        );
    }
}

async fn start(options: SimOptions, seed: &[Value], connect: ConnectOptions) -> Sim {
    start_with(Store::standard(), options, seed, connect).await
}

async fn start_with(
    store: Store,
    options: SimOptions,
    seed: &[Value],
    connect: ConnectOptions,
) -> Sim {
    for obj in seed {
        store.upsert(obj.clone()).unwrap();
    }
    let server = serve("127.0.0.1:0".parse().unwrap(), store.clone(), options)
        .await
        .unwrap();
    let addr = server.addr();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    server.write_kubeconfig(&path).unwrap();
    let connection = fluxops::cluster::client::connect(&ConnectOptions {
        kubeconfig: Some(path),
        ..connect
    })
    .await
    .unwrap();
    Sim {
        server: Some(server),
        store,
        addr,
        connection,
        _dir: dir,
    }
}

fn all_namespaces() -> ConnectOptions {
    ConnectOptions {
        all_namespaces: true,
        ..ConnectOptions::default()
    }
}

fn object(kind: FluxKind, ns: &str, name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": format!("{}/{}", kind.group(), kind.preferred_version()),
        "kind": kind.as_str(),
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    })
}

fn ks(ns: &str, name: &str) -> Value {
    object(
        FluxKind::Kustomization,
        ns,
        name,
        json!({"interval": "10m", "path": format!("./apps/{name}"), "prune": true,
               "sourceRef": {"kind": "GitRepository", "name": "fleet"}}),
    )
}

fn hr(ns: &str, name: &str) -> Value {
    object(
        FluxKind::HelmRelease,
        ns,
        name,
        json!({"interval": "5m", "chart": {"spec": {"chart": name, "sourceRef": {"kind": "HelmRepository", "name": "charts"}}}}),
    )
}

fn git(ns: &str, name: &str) -> Value {
    object(
        FluxKind::GitRepository,
        ns,
        name,
        json!({"interval": "1m", "url": "https://github.com/example/fleet", "ref": {"branch": "main"}}),
    )
}

/// A small fleet over several kinds and namespaces.
fn fleet() -> Vec<Value> {
    let mut objs = Vec::new();
    for ns in ["flux-system", "team-a", "team-b"] {
        for i in 0..8 {
            objs.push(ks(ns, &format!("app-{i}")));
        }
        for i in 0..4 {
            objs.push(hr(ns, &format!("chart-{i}")));
        }
        objs.push(git(ns, "fleet"));
    }
    objs.push(object(
        FluxKind::HelmRepository,
        "flux-system",
        "charts",
        json!({"interval": "1h", "url": "https://charts.example.com"}),
    ));
    objs.push(object(
        FluxKind::OCIRepository,
        "flux-system",
        "podinfo",
        json!({"interval": "5m", "url": "oci://ghcr.io/stefanprodan/manifests/podinfo"}),
    ));
    objs
}

/// What the app would show: the state built from the events, plus their order.
#[derive(Default)]
struct View {
    objects: BTreeMap<ResourceRef, Arc<FluxObject>>,
    invalid: BTreeMap<ResourceRef, String>,
    unavailable: BTreeMap<FluxKind, KindProblem>,
    degraded: BTreeSet<FluxKind>,
    synced: BTreeSet<FluxKind>,
    events: BTreeMap<String, fluxops::flux::FluxEvent>,
    /// Every event, in order, as a short text (for order assertions and failure messages).
    log: Vec<String>,
}

impl View {
    fn apply(&mut self, event: ClusterEvent) {
        let line = match &event {
            ClusterEvent::Upserted(o) => format!("Upserted {}", o.resource_ref().unwrap()),
            ClusterEvent::Deleted(r) => format!("Deleted {r}"),
            ClusterEvent::Invalid { object, .. } => format!("Invalid {object}"),
            ClusterEvent::KindSynced { kind, api_version } => {
                format!("KindSynced {kind} {api_version}")
            }
            ClusterEvent::KindUnavailable { kind, problem } => {
                format!("KindUnavailable {kind} {problem:?}")
            }
            ClusterEvent::Degraded { kind, error, .. } => format!("Degraded {kind} {error}"),
            ClusterEvent::Recovered(kind) => format!("Recovered {kind}"),
            ClusterEvent::Event(e) => format!("Event {} {}", e.involved, e.reason),
            ClusterEvent::CredentialsRejected(w) => format!("CredentialsRejected {w}"),
            ClusterEvent::CredentialsAccepted => "CredentialsAccepted".to_owned(),
            ClusterEvent::Reloaded(r) => format!("Reloaded {r:?}"),
        };
        self.log.push(line);
        match event {
            ClusterEvent::Upserted(o) => {
                let r = o.resource_ref().unwrap();
                self.invalid.remove(&r);
                self.objects.insert(r, o);
            }
            ClusterEvent::Deleted(r) => {
                self.objects.remove(&r);
                self.invalid.remove(&r);
            }
            ClusterEvent::Invalid { object, error } => {
                self.objects.remove(&object);
                self.invalid.insert(object, error);
            }
            ClusterEvent::KindSynced { kind, .. } => {
                self.synced.insert(kind);
            }
            ClusterEvent::KindUnavailable { kind, problem } => {
                self.unavailable.insert(kind, problem);
            }
            ClusterEvent::Degraded { kind, .. } => {
                self.degraded.insert(kind);
            }
            ClusterEvent::Recovered(kind) => {
                self.degraded.remove(&kind);
                self.unavailable.remove(&kind);
            }
            ClusterEvent::Event(e) => {
                self.events.insert(e.uid.clone(), (*e).clone());
            }
            ClusterEvent::CredentialsRejected(_)
            | ClusterEvent::CredentialsAccepted
            | ClusterEvent::Reloaded(_) => {}
        }
    }

    fn refs(&self) -> BTreeSet<ResourceRef> {
        self.objects.keys().cloned().collect()
    }

    /// Log lines from `from` on that start with `prefix`.
    fn logged_since(&self, from: usize, prefix: &str) -> Vec<&str> {
        self.log[from..]
            .iter()
            .filter(|l| l.starts_with(prefix))
            .map(String::as_str)
            .collect()
    }
}

struct Pipeline {
    rx: mpsc::Receiver<ClusterEvent>,
    view: View,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl Pipeline {
    fn start(connection: &Connection) -> Pipeline {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let cancel = CancellationToken::new();
        let task = spawn(
            connection.client.clone(),
            connection.scope.clone(),
            tx,
            cancel.clone(),
        );
        Pipeline {
            rx,
            view: View::default(),
            cancel,
            task,
        }
    }

    /// Applies events until `done` holds (checked after every event), or fails after `within`.
    async fn until(&mut self, what: &str, within: Duration, done: impl Fn(&View) -> bool) {
        let deadline = tokio::time::Instant::now() + within;
        while !done(&self.view) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(event)) => self.view.apply(event),
                Ok(None) => panic!("pipeline ended while waiting for {what}"),
                Err(_) => {
                    let tail: Vec<&String> = self.view.log.iter().rev().take(30).collect();
                    panic!("timed out waiting for {what}; last events (newest first): {tail:#?}");
                }
            }
        }
    }

    async fn stop(self) {
        self.cancel.cancel();
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("pipeline stops when cancelled")
            .unwrap();
    }
}

/// Every Flux object in the store (the truth the pipeline must converge to), optionally one namespace only.
fn store_refs(store: &Store, namespace: Option<&str>) -> BTreeSet<ResourceRef> {
    let mut refs = BTreeSet::new();
    for kind in FluxKind::ALL {
        let page = store.list(
            &GroupResource::flux(kind),
            namespace,
            &Selector::everything(),
        );
        for item in page.items {
            let meta = &item["metadata"];
            refs.insert(ResourceRef::new(
                kind,
                meta["namespace"].as_str().unwrap_or_default(),
                meta["name"].as_str().unwrap_or_default(),
            ));
        }
    }
    refs
}

fn served_kinds_synced(view: &View) -> bool {
    FluxKind::ALL
        .iter()
        .all(|k| view.synced.contains(k) || view.unavailable.contains_key(k))
}

fn dynamic_api(client: &kube::Client, kind: FluxKind, ns: &str) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk(kind.group(), kind.preferred_version(), kind.as_str());
    Api::namespaced_with(
        client.clone(),
        ns,
        &ApiResource::from_gvk_with_plural(&gvk, kind.plural()),
    )
}

fn ready_reason(view: &View, r: &ResourceRef) -> Option<String> {
    view.objects
        .get(r)
        .and_then(|o| o.condition("Ready"))
        .map(|c| c.reason.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_converges_to_the_objects_in_the_store() {
    let sim = start(SimOptions::default(), &fleet(), all_namespaces()).await;
    assert_eq!(sim.connection.scope, Scope::All);
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind synced", CONVERGE, served_kinds_synced)
        .await;

    let truth = store_refs(&sim.store, None);
    assert!(truth.len() > 40, "the fleet was seeded");
    assert_eq!(p.view.refs(), truth);
    assert!(p.view.unavailable.is_empty() && p.view.degraded.is_empty());
    assert!(p.view.logged_since(0, "Degraded").is_empty());
    let app = &p.view.objects[&ResourceRef::new(FluxKind::Kustomization, "team-a", "app-3")];
    assert_eq!(app.spec.path.as_deref(), Some("./apps/app-3"));
    assert_eq!(app.api_version, "kustomize.toolkit.fluxcd.io/v1");
    assert!(app.metadata.managed_fields.is_none());
    assert!(
        p.view
            .log
            .iter()
            .any(|l| l == "KindSynced HelmRelease helm.toolkit.fluxcd.io/v2")
    );
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_scope_shows_only_that_namespace() {
    let sim = start(
        SimOptions::default(),
        &fleet(),
        ConnectOptions {
            namespace: Some("team-b".into()),
            ..ConnectOptions::default()
        },
    )
    .await;
    assert_eq!(sim.connection.scope, Scope::Namespace("team-b".into()));
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind synced", CONVERGE, served_kinds_synced)
        .await;
    assert_eq!(p.view.refs(), store_refs(&sim.store, Some("team-b")));
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_through_the_api_are_followed() {
    let sim = start(SimOptions::default(), &fleet(), all_namespaces()).await;
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind synced", CONVERGE, served_kinds_synced)
        .await;
    // Writes go through a plain client: the console's shared client refuses them (`cluster::guard`).
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&sim.server().kubeconfig_yaml()).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    let plain = kube::Client::try_from(config).unwrap();
    let api = dynamic_api(&plain, FluxKind::Kustomization, "team-a");
    let target = ResourceRef::new(FluxKind::Kustomization, "team-a", "app-1");

    // A status patch through the status subresource, as a controller does.
    let status = json!({"status": {"conditions": [{"type": "Ready", "status": "False",
        "reason": "HealthCheckFailed", "message": "timeout waiting for Deployment/team-a/app-1",
        "lastTransitionTime": "2026-11-24T03:00:00Z"}]}});
    api.patch_status("app-1", &PatchParams::default(), &Patch::Merge(&status))
        .await
        .unwrap();
    p.until("the status change", Duration::from_secs(5), |v| {
        ready_reason(v, &target).as_deref() == Some("HealthCheckFailed")
    })
    .await;

    // A change made directly in the store (as the simulated controllers do).
    sim.store
        .patch_status(
            &ObjectKey::flux(FluxKind::Kustomization, "team-a", "app-1"),
            &json!({"conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded",
                "message": "Applied revision: main@sha1:1234", "lastTransitionTime": "2026-11-24T03:01:00Z"}]}),
        )
        .unwrap();
    p.until("the store change", Duration::from_secs(5), |v| {
        ready_reason(v, &target).as_deref() == Some("ReconciliationSucceeded")
    })
    .await;

    // Create and delete.
    api.create(
        &kube::api::PostParams::default(),
        &serde_json::from_value(ks("team-a", "fresh")).unwrap(),
    )
    .await
    .unwrap();
    let fresh = ResourceRef::new(FluxKind::Kustomization, "team-a", "fresh");
    p.until("the created object", Duration::from_secs(5), |v| {
        v.objects.contains_key(&fresh)
    })
    .await;
    api.delete("app-2", &kube::api::DeleteParams::default())
        .await
        .unwrap();
    let gone = ResourceRef::new(FluxKind::Kustomization, "team-a", "app-2");
    p.until("the deletion", Duration::from_secs(5), |v| {
        !v.objects.contains_key(&gone)
    })
    .await;
    assert_eq!(p.view.refs(), store_refs(&sim.store, None));
    p.stop().await;
}

fn kustomization_key(ns: &str, name: &str) -> ObjectKey {
    ObjectKey::flux(FluxKind::Kustomization, ns, name)
}

fn not_ready(reason: &str) -> Value {
    json!({"conditions": [{"type": "Ready", "status": "False", "reason": reason,
        "message": "failed", "lastTransitionTime": "2026-11-24T03:02:00Z"}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_watches_are_resumed_without_losing_objects_or_changes() {
    let sim = start(SimOptions::default(), &fleet(), all_namespaces()).await;
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind synced", CONVERGE, served_kinds_synced)
        .await;
    let mark = p.view.log.len();

    sim.server().handle().drop_watches();
    let target = ResourceRef::new(FluxKind::Kustomization, "flux-system", "app-0");
    sim.store
        .patch_status(
            &kustomization_key("flux-system", "app-0"),
            &not_ready("BuildFailed"),
        )
        .unwrap();
    sim.store
        .upsert(ks("flux-system", "new-after-drop"))
        .unwrap();
    let born = ResourceRef::new(FluxKind::Kustomization, "flux-system", "new-after-drop");
    p.until("the changes made after the drop", CONVERGE, |v| {
        ready_reason(v, &target).as_deref() == Some("BuildFailed") && v.objects.contains_key(&born)
    })
    .await;
    assert!(
        p.view.logged_since(mark, "Deleted").is_empty(),
        "nothing is dropped because a connection failed: {:#?}",
        &p.view.log[mark..]
    );
    assert_eq!(p.view.refs(), store_refs(&sim.store, None));
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_outage_is_reported_degraded_then_recovered_without_losing_objects() {
    let mut sim = start(SimOptions::default(), &fleet(), all_namespaces()).await;
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind synced", CONVERGE, served_kinds_synced)
        .await;
    let mark = p.view.log.len();
    let before = p.view.refs();

    sim.go_down().await;
    p.until("every kind degraded", CONVERGE, |v| {
        v.degraded.len() == FluxKind::ALL.len()
    })
    .await;
    assert_eq!(
        p.view.refs(),
        before,
        "what is shown is kept while degraded"
    );
    // A change while the server is down arrives once the watch is resumed.
    sim.store
        .patch_status(
            &kustomization_key("team-a", "app-0"),
            &not_ready("BuildFailed"),
        )
        .unwrap();
    sim.come_back().await;
    let target = ResourceRef::new(FluxKind::Kustomization, "team-a", "app-0");
    p.until("recovery of every kind and the change", CONVERGE, |v| {
        v.degraded.is_empty() && ready_reason(v, &target).as_deref() == Some("BuildFailed")
    })
    .await;

    let position = |line: &str| {
        p.view
            .log
            .iter()
            .skip(mark)
            .position(|l| l.starts_with(line))
    };
    let degraded_at = position("Degraded Kustomization");
    let recovered_at = position("Recovered Kustomization");
    assert!(
        degraded_at.is_some() && degraded_at < recovered_at,
        "{:#?}",
        &p.view.log[mark..]
    );
    assert!(
        p.view.logged_since(mark, "Deleted").is_empty(),
        "nothing is dropped because a connection failed"
    );
    assert_eq!(p.view.refs(), before);
    assert_eq!(p.view.refs(), store_refs(&sim.store, None));
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compacted_history_is_recovered_by_relisting_and_reports_objects_deleted_meanwhile() {
    let mut sim = start(SimOptions::default(), &fleet(), all_namespaces()).await;
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind synced", CONVERGE, served_kinds_synced)
        .await;
    let mark = p.view.log.len();

    // While the watches are down: delete, create, and compact the history, so resuming gets 410 Gone.
    sim.go_down().await;
    sim.store
        .delete(
            &kustomization_key("team-b", "app-5"),
            &WriteOptions::default(),
        )
        .unwrap();
    sim.store.upsert(ks("team-b", "born-while-away")).unwrap();
    sim.store.compact();
    sim.come_back().await;

    let gone = ResourceRef::new(FluxKind::Kustomization, "team-b", "app-5");
    let born = ResourceRef::new(FluxKind::Kustomization, "team-b", "born-while-away");
    p.until("the re-list after 410", CONVERGE, |v| {
        !v.logged_since(mark, "KindSynced Kustomization").is_empty()
            && v.degraded.is_empty()
            && v.objects.contains_key(&born)
            && !v.objects.contains_key(&gone)
    })
    .await;
    assert!(
        p.view
            .logged_since(mark, "Deleted")
            .contains(&"Deleted Kustomization/team-b/app-5"),
        "{:#?}",
        &p.view.log[mark..]
    );
    assert_eq!(
        p.view.logged_since(mark, "Deleted").len(),
        1,
        "only the object deleted meanwhile is reported deleted"
    );
    assert_eq!(
        p.view.logged_since(mark, "Upserted Kustomization"),
        ["Upserted Kustomization/team-b/born-while-away"],
        "unchanged objects are not sent again by the re-list"
    );
    let relisted = sim.server().request_log().entries().iter().any(|r| {
        r.method == "GET"
            && r.path_and_query.contains("/kustomizations?")
            && r.path_and_query.contains(&format!("limit={PAGE_SIZE}"))
            && !r.path_and_query.contains("watch=")
    });
    assert!(relisted, "the resumed watch was answered 410 and re-listed");
    assert_eq!(p.view.refs(), store_refs(&sim.store, None));
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_and_forbidden_kinds_are_reported_per_kind_while_the_others_sync() {
    let options = SimOptions {
        missing: vec![GroupResource::flux(FluxKind::Bucket)],
        forbidden: vec![GroupResource::flux(FluxKind::HelmRelease)],
        ..SimOptions::default()
    };
    let sim = start(options, &fleet(), all_namespaces()).await;
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind synced or unavailable", CONVERGE, |v| {
        served_kinds_synced(v) && v.unavailable.len() == 2
    })
    .await;
    assert_eq!(
        p.view.unavailable.get(&FluxKind::Bucket),
        Some(&KindProblem::MissingCrd)
    );
    match p.view.unavailable.get(&FluxKind::HelmRelease) {
        Some(KindProblem::Forbidden(message)) => {
            assert!(message.contains("forbidden"), "{message}");
            assert!(message.contains("helmreleases"), "{message}");
        }
        other => panic!("HelmRelease should be forbidden, got {other:?}"),
    }
    let mut expected = store_refs(&sim.store, None);
    expected.retain(|r| r.kind != FluxKind::HelmRelease);
    assert_eq!(p.view.refs(), expected);
    assert!(p.view.synced.contains(&FluxKind::Kustomization));

    // Granting access later is noticed (slow retry: allow for the first backoff step).
    sim.server()
        .handle()
        .set_flux_kind_forbidden(FluxKind::HelmRelease, false);
    p.until("HelmRelease recovered", Duration::from_secs(40), |v| {
        v.synced.contains(&FluxKind::HelmRelease)
    })
    .await;
    assert!(!p.view.unavailable.contains_key(&FluxKind::HelmRelease));
    assert_eq!(
        p.view.refs(),
        store_refs(&sim.store, None)
            .into_iter()
            .filter(|r| r.kind != FluxKind::Bucket)
            .collect()
    );
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_object_is_reported_invalid_and_the_watch_continues() {
    let mut seed = fleet();
    let mut bad = ks("team-a", "broken");
    bad["spec"]["dependsOn"] = json!("oops");
    seed.push(bad);
    let sim = start(SimOptions::default(), &seed, all_namespaces()).await;
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind synced", CONVERGE, served_kinds_synced)
        .await;
    let broken = ResourceRef::new(FluxKind::Kustomization, "team-a", "broken");
    let error = p.view.invalid.get(&broken).expect("reported invalid");
    assert!(
        error.starts_with("spec.dependsOn: invalid type: string"),
        "{error}"
    );
    let mut valid = store_refs(&sim.store, None);
    valid.remove(&broken);
    assert_eq!(p.view.refs(), valid);

    // The watch goes on: a new object and a fix of the broken one both arrive.
    sim.store.upsert(ks("team-a", "after")).unwrap();
    sim.store.upsert(ks("team-a", "broken")).unwrap();
    let after = ResourceRef::new(FluxKind::Kustomization, "team-a", "after");
    p.until("the next object and the fix", Duration::from_secs(5), |v| {
        v.objects.contains_key(&after) && v.objects.contains_key(&broken)
    })
    .await;
    assert!(p.view.invalid.is_empty());
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_about_flux_objects_are_delivered_and_others_are_not() {
    let sim = start(SimOptions::default(), &fleet(), all_namespaces()).await;
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind synced", CONVERGE, served_kinds_synced)
        .await;
    let store = sim.store;
    let pod_event = fluxops::sim::EventRecord {
        api_version: "v1".into(),
        kind: "Pod".into(),
        namespace: "team-a".into(),
        name: "web-0".into(),
        type_: "Warning".into(),
        reason: "BackOff".into(),
        message: "Back-off restarting failed container".into(),
        component: "kubelet".into(),
        ..Default::default()
    };
    store.record_event(&pod_event).unwrap();
    let flux_event = fluxops::sim::EventRecord {
        api_version: "kustomize.toolkit.fluxcd.io/v1".into(),
        kind: "Kustomization".into(),
        namespace: "team-a".into(),
        name: "app-1".into(),
        type_: "Warning".into(),
        reason: "HealthCheckFailed".into(),
        message: "timeout waiting for: [Deployment/team-a/app-1 status: 'InProgress']".into(),
        component: "kustomize-controller".into(),
        ..Default::default()
    };
    store.record_event(&flux_event).unwrap();
    p.until("the Flux event", Duration::from_secs(5), |v| {
        v.events.values().any(|e| e.reason == "HealthCheckFailed")
    })
    .await;
    let e = p
        .view
        .events
        .values()
        .find(|e| e.reason == "HealthCheckFailed")
        .unwrap();
    assert_eq!(
        e.involved,
        ResourceRef::new(FluxKind::Kustomization, "team-a", "app-1")
    );
    assert_eq!(e.source, "kustomize-controller");
    assert_eq!(e.count, 1);
    // The recorder aggregates a repeat into the same Event (count 2): the update arrives under the same uid.
    store.record_event(&flux_event).unwrap();
    p.until("the aggregated event", Duration::from_secs(5), |v| {
        v.events
            .values()
            .any(|e| e.reason == "HealthCheckFailed" && e.count == 2)
    })
    .await;
    let flux_events = p
        .view
        .events
        .values()
        .filter(|e| e.reason == "HealthCheckFailed")
        .count();
    assert_eq!(flux_events, 1);
    assert!(p.view.events.values().all(|e| e.reason != "BackOff"));
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_cluster_is_watched_at_the_versions_it_serves() {
    let mut registry = fluxops::sim::Registry::standard();
    registry.set_flux_versions(FluxKind::Kustomization, vec!["v1beta2", "v1beta1"]);
    registry.set_flux_versions(FluxKind::HelmRelease, vec!["v2beta1"]);
    let store = Store::new(registry, fluxops::sim::StoreOptions::default());
    let mut old = ks("apps", "legacy");
    old["apiVersion"] = json!("kustomize.toolkit.fluxcd.io/v1beta2");
    let mut old_hr = hr("apps", "legacy-chart");
    old_hr["apiVersion"] = json!("helm.toolkit.fluxcd.io/v2beta1");
    let sim = start_with(
        store,
        SimOptions::default(),
        &[old, old_hr, git("apps", "fleet")],
        all_namespaces(),
    )
    .await;
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind synced", CONVERGE, served_kinds_synced)
        .await;
    assert!(
        p.view
            .log
            .iter()
            .any(|l| l == "KindSynced Kustomization kustomize.toolkit.fluxcd.io/v1beta2"),
        "{:#?}",
        p.view.log
    );
    assert!(
        p.view
            .log
            .iter()
            .any(|l| l == "KindSynced HelmRelease helm.toolkit.fluxcd.io/v2beta1")
    );
    let legacy = &p.view.objects[&ResourceRef::new(FluxKind::Kustomization, "apps", "legacy")];
    assert_eq!(legacy.api_version, "kustomize.toolkit.fluxcd.io/v1beta2");
    assert_eq!(p.view.refs(), store_refs(&sim.store, None));
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_down_at_start_is_reported_and_watched_once_it_answers() {
    let mut sim = start(SimOptions::default(), &fleet(), all_namespaces()).await;
    sim.go_down().await;
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind degraded", CONVERGE, |v| {
        v.degraded.len() == FluxKind::ALL.len()
    })
    .await;
    assert!(p.view.objects.is_empty());
    sim.come_back().await;
    p.until("every kind recovered and synced", CONVERGE, |v| {
        v.degraded.is_empty() && served_kinds_synced(v)
    })
    .await;
    assert_eq!(p.view.refs(), store_refs(&sim.store, None));
    for kind in FluxKind::ALL {
        let recovered = format!("Recovered {kind}");
        assert!(p.view.log.contains(&recovered), "{recovered} missing");
    }
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unavailable_server_is_reported_degraded_promptly_not_after_client_retries() {
    // kube's default client would retry 503s for minutes before a watcher saw an error; the console's client
    // must surface it at once so the stale banner appears.
    let sim = start(SimOptions::default(), &fleet(), all_namespaces()).await;
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind synced", CONVERGE, served_kinds_synced)
        .await;
    let before = p.view.refs();
    sim.server().handle().set_unavailable(true);
    p.until("a kind degraded by 503s", CONVERGE, |v| {
        !v.degraded.is_empty()
    })
    .await;
    assert_eq!(p.view.refs(), before, "what is shown is kept");
    sim.server().handle().set_unavailable(false);
    p.until("recovery", CONVERGE, |v| v.degraded.is_empty())
        .await;
    p.stop().await;
}

/// The Flux list requests (GET of a collection, not a watch) the server answered, by resource plural.
fn list_requests(server: &SimServer, plural: &str) -> Vec<String> {
    server
        .request_log()
        .entries()
        .into_iter()
        .filter(|r| {
            r.method == "GET"
                && r.path_and_query.contains(&format!("/{plural}?"))
                && !r.path_and_query.contains("watch=")
        })
        .map(|r| r.path_and_query)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_lists_come_from_the_watch_cache_in_one_piece() {
    // More Kustomizations than a page: a consistent read would take three pages, the watch cache answers in one.
    let mut seed = fleet();
    for i in 0..1200 {
        seed.push(ks("bulk", &format!("ks-{i:04}")));
    }
    let sim = start(SimOptions::default(), &seed, all_namespaces()).await;
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind synced", CONVERGE, served_kinds_synced)
        .await;
    assert_eq!(p.view.refs(), store_refs(&sim.store, None));
    for kind in FluxKind::ALL {
        let lists = list_requests(sim.server(), kind.plural());
        assert_eq!(lists.len(), 1, "{kind}: one list, in one piece: {lists:#?}");
        assert!(
            lists[0].contains("resourceVersion=0")
                && lists[0].contains("resourceVersionMatch=NotOlderThan")
                && !lists[0].contains("limit="),
            "{kind}: from the watch cache: {}",
            lists[0]
        );
    }
    // The 1.28 server refuses streaming lists (WatchList gate off): tried at most once per kind, then listing.
    for kind in FluxKind::ALL {
        let streamed: Vec<(String, u16)> = sim
            .server()
            .request_log()
            .entries()
            .into_iter()
            .filter(|r| {
                r.path_and_query.contains(&format!("/{}?", kind.plural()))
                    && r.path_and_query.contains("sendInitialEvents=true")
            })
            .map(|r| (r.path_and_query, r.status))
            .collect();
        assert!(streamed.len() <= 1, "{kind}: {streamed:#?}");
        assert!(
            streamed.iter().all(|(_, s)| *s == 422),
            "{kind}: {streamed:#?}"
        );
    }
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relist_is_never_older_than_what_was_shown_even_from_a_lagging_cache() {
    let sim = start(SimOptions::default(), &fleet(), all_namespaces()).await;
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind synced", CONVERGE, served_kinds_synced)
        .await;
    // The API server's watch cache falls behind (an HA peer, a cache catching up) …
    let controls = sim.server().handle().controls().clone();
    controls.set_frozen_cache(Some(sim.store.resource_version()));
    // … while an object is created and shown.
    sim.store
        .upsert(ks("team-a", "newer-than-the-cache"))
        .unwrap();
    let newer = ResourceRef::new(FluxKind::Kustomization, "team-a", "newer-than-the-cache");
    p.until("the new object", CONVERGE, |v| {
        v.objects.contains_key(&newer)
    })
    .await;
    // The cache really lags: a resourceVersion=0 list does not have it.
    let api = dynamic_api(&sim.connection.client, FluxKind::Kustomization, "team-a");
    let cached = api
        .list(
            &kube::api::ListParams::default()
                .at("0")
                .matching(kube::api::VersionMatch::NotOlderThan),
        )
        .await
        .unwrap();
    assert!(
        cached
            .items
            .iter()
            .all(|o| o.metadata.name.as_deref() != Some("newer-than-the-cache")),
        "the simulated cache lags"
    );
    // While the server fails (watches broken), more changes and a compaction: the watch cannot resume and the
    // kind is listed again.
    let mark = p.view.log.len();
    let handle = sim.server().handle();
    handle.set_fault(&fluxops::sim::fault::Fault::Status(500), true);
    sim.store.upsert(ks("team-b", "while-failing")).unwrap();
    sim.store.compact();
    handle.set_fault(&fluxops::sim::fault::Fault::Status(500), false);
    let later = ResourceRef::new(FluxKind::Kustomization, "team-b", "while-failing");
    p.until("the re-list", CONVERGE, |v| {
        !v.logged_since(mark, "KindSynced Kustomization").is_empty()
            && v.objects.contains_key(&later)
    })
    .await;
    assert!(
        p.view.logged_since(mark, "Deleted").is_empty(),
        "nothing shown is reported deleted by a re-list: {:#?}",
        &p.view.log[mark..]
    );
    assert!(p.view.objects.contains_key(&newer));
    assert_eq!(p.view.refs(), store_refs(&sim.store, None));
    let relist = list_requests(sim.server(), "kustomizations").pop().unwrap();
    assert!(
        relist.contains("resourceVersionMatch=NotOlderThan")
            && !relist.contains("resourceVersion=0"),
        "not older than what was seen: {relist}"
    );
    controls.set_frozen_cache(None);
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_lists_are_used_where_the_server_offers_them() {
    let options = SimOptions {
        watch_list: true,
        ..SimOptions::default()
    };
    let sim = start(options, &fleet(), all_namespaces()).await;
    let mut p = Pipeline::start(&sim.connection);
    p.until("every kind synced", CONVERGE, served_kinds_synced)
        .await;
    assert_eq!(p.view.refs(), store_refs(&sim.store, None));
    for kind in FluxKind::ALL {
        assert!(
            list_requests(sim.server(), kind.plural()).is_empty(),
            "{kind}: streamed, not listed"
        );
    }
    let streamed = sim
        .server()
        .request_log()
        .entries()
        .into_iter()
        .filter(|r| r.path_and_query.contains("sendInitialEvents=true") && r.status == 200)
        .count();
    assert!(streamed >= FluxKind::ALL.len(), "{streamed}");
    // The same connection then carries the changes.
    sim.store.upsert(ks("team-b", "after-the-stream")).unwrap();
    let born = ResourceRef::new(FluxKind::Kustomization, "team-b", "after-the-stream");
    p.until("a change after the stream", CONVERGE, |v| {
        v.objects.contains_key(&born)
    })
    .await;
    p.stop().await;
}

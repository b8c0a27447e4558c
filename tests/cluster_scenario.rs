//! The watcher pipeline against whole simulated clusters (`sim::start`: API server + simulated Flux controllers):
//! it follows what the controllers do (status, new objects such as HelmCharts, Events) and stays equal to the store.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use support::watch::{connect_console, spawn_watch};

use fluxops::cluster::{ClusterEvent, KindProblem};
use fluxops::flux::{EventType, FluxEvent, FluxKind, FluxObject, ResourceRef};
use fluxops::sim::resource::GroupResource;
use fluxops::sim::simulation::{SimConfig, SimSource, Simulation, start};
use fluxops::sim::{Selector, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const GENEROUS: Duration = Duration::from_secs(30);

/// The state an app would build from the events.
#[derive(Default)]
struct View {
    objects: BTreeMap<ResourceRef, Arc<FluxObject>>,
    synced: BTreeMap<FluxKind, String>,
    unavailable: BTreeMap<FluxKind, KindProblem>,
    degraded: BTreeSet<FluxKind>,
    events: BTreeMap<String, FluxEvent>,
}

impl View {
    fn apply(&mut self, event: ClusterEvent) {
        match event {
            ClusterEvent::Upserted(o) => {
                self.objects.insert(o.resource_ref().unwrap(), o);
            }
            ClusterEvent::Deleted(r) => {
                self.objects.remove(&r);
            }
            ClusterEvent::Invalid { object, error } => panic!("{object} invalid: {error}"),
            ClusterEvent::KindSynced { kind, api_version } => {
                self.synced.insert(kind, api_version);
            }
            ClusterEvent::KindUnavailable { kind, problem } => {
                self.unavailable.insert(kind, problem);
            }
            ClusterEvent::Degraded { kind, .. } => {
                self.degraded.insert(kind);
            }
            ClusterEvent::Recovered(kind) => {
                self.degraded.remove(&kind);
            }
            ClusterEvent::Event(e) => {
                self.events.insert(e.uid.clone(), (*e).clone());
            }
            ClusterEvent::CredentialsRejected(_)
            | ClusterEvent::CredentialsAccepted
            | ClusterEvent::Reloaded(_) => {}
        }
    }

    fn settled(&self) -> bool {
        FluxKind::ALL
            .iter()
            .all(|k| self.synced.contains_key(k) || self.unavailable.contains_key(k))
    }
}

/// `(ref, Ready status, Ready reason)` of every Flux object in the store, and the same from the view.
type Readiness = BTreeMap<ResourceRef, (String, String)>;

fn store_readiness(store: &Store) -> Readiness {
    let mut out = Readiness::new();
    for kind in FluxKind::ALL {
        for item in store
            .list(&GroupResource::flux(kind), None, &Selector::everything())
            .items
        {
            let obj: FluxObject = serde_json::from_value((*item).clone()).unwrap();
            let ready = obj
                .condition("Ready")
                .map(|c| (c.status.clone(), c.reason.clone()))
                .unwrap_or_default();
            out.insert(ResourceRef::new(kind, obj.namespace(), obj.name()), ready);
        }
    }
    out
}

fn view_readiness(view: &View) -> Readiness {
    view.objects
        .iter()
        .map(|(r, o)| {
            let ready = o
                .condition("Ready")
                .map(|c| (c.status.clone(), c.reason.clone()))
                .unwrap_or_default();
            (r.clone(), ready)
        })
        .collect()
}

struct Watched {
    sim: Simulation,
    rx: mpsc::Receiver<ClusterEvent>,
    view: View,
    cancel: CancellationToken,
    _dir: tempfile::TempDir,
}

async fn watch(source: SimSource, time_scale: Option<f64>) -> Watched {
    let sim = start(SimConfig {
        time_scale,
        ..SimConfig::new(source)
    })
    .await
    .unwrap();
    let (connection, dir) = connect_console(&sim).await;
    let (rx, cancel) = spawn_watch(connection.client, connection.scope);
    Watched {
        sim,
        rx,
        view: View::default(),
        cancel,
        _dir: dir,
    }
}

impl Watched {
    async fn until(&mut self, what: &str, done: impl Fn(&View, &Store) -> bool) {
        let deadline = tokio::time::Instant::now() + GENEROUS;
        while !done(&self.view, self.sim.store()) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(event)) => self.view.apply(event),
                Ok(None) => panic!("pipeline ended while waiting for {what}"),
                Err(_) => panic!("timed out waiting for {what}"),
            }
        }
    }

    async fn stop(self) {
        self.cancel.cancel();
        self.sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_fleet_is_followed_while_the_controllers_reconcile() {
    let mut w = watch(SimSource::Scenario("demo".into()), Some(30.0)).await;
    w.until("every kind synced", |v, _| v.settled()).await;
    // The controllers write conditions, create HelmCharts and record Events; the view must keep up.
    w.until(
        "failures reported by the controllers, with their events",
        |v, _| {
            v.objects
                .values()
                .any(|o| o.condition("Ready").is_some_and(|c| c.status == "False"))
                && v.events.values().any(|e| e.type_ == EventType::Warning)
                && v.objects.keys().any(|r| r.kind == FluxKind::HelmChart)
        },
    )
    .await;
    w.until("the view equal to the store", |v, store| {
        view_readiness(v) == store_readiness(store)
    })
    .await;
    assert!(w.view.degraded.is_empty());
    for event in w.view.events.values() {
        assert!(
            w.sim
                .store()
                .get(&fluxops::sim::ObjectKey::flux(
                    event.involved.kind,
                    &event.involved.namespace,
                    &event.involved.name
                ))
                .is_some(),
            "event about an object that exists: {}",
            event.involved
        );
    }
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_api_cluster_is_watched_at_beta_versions_and_missing_crds_are_named() {
    let mut w = watch(SimSource::Scenario("old-api".into()), None).await;
    w.until("every kind synced", |v, _| v.settled()).await;
    assert_eq!(
        w.view
            .synced
            .get(&FluxKind::Kustomization)
            .map(String::as_str),
        Some("kustomize.toolkit.fluxcd.io/v1beta2")
    );
    assert_eq!(
        w.view
            .synced
            .get(&FluxKind::HelmRelease)
            .map(String::as_str),
        Some("helm.toolkit.fluxcd.io/v2beta1")
    );
    assert_eq!(
        w.view.unavailable.get(&FluxKind::Bucket),
        Some(&KindProblem::MissingCrd)
    );
    assert_eq!(
        w.view.unavailable.get(&FluxKind::ExternalArtifact),
        Some(&KindProblem::MissingCrd)
    );
    w.until("the view equal to the store", |v, store| {
        view_readiness(v) == store_readiness(store)
    })
    .await;
    assert!(!w.view.objects.is_empty());
    w.stop().await;
}

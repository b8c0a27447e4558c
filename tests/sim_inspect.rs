//! The drill-down end to end (issue 7, item 13): the demo scenario on the simulated API server, the fleet listed
//! through kube-rs into the console's `State`, `i` / `y` pressed through `update`, the returned effect performed by
//! the real effects runner (kube-rs GETs), the answer drawn. The demo's inventories hold what an on-call engineer
//! looks for (the Deployment an immutable-field error names, a failed Job, a crash-looping pod, a Secret), and
//! the request log proves the drill-down only read, and never read a Secret's data.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use fluxops::app::effects_runner::EffectsRunner;
use fluxops::app::state::Screen;
use fluxops::app::{Action, Msg, State, update};
use fluxops::cluster::{ClusterEvent, Scope};
use fluxops::config::Config;
use fluxops::flux::{FluxKind, ResourceRef};
use fluxops::sim::resource::GroupResource;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use support::console::{labels, now, render};
use support::sim::{Cluster, shipped};

fn has_inventory(obj: &Value) -> bool {
    obj.pointer("/status/inventory/entries")
        .and_then(Value::as_array)
        .is_some_and(|e| !e.is_empty())
}

/// The console's state from one listing of the cluster (real client), every kind synced.
async fn console(cluster: &Cluster) -> State {
    let listing = fluxops::cluster::list::list_all(&cluster.client, &Scope::All)
        .await
        .unwrap();
    let mut state = State::new(Config::builtin(), labels());
    for obj in listing.objects {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
        );
    }
    for kind in FluxKind::ALL {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::KindSynced {
                kind,
                api_version: format!("{}/{}", kind.group(), kind.preferred_version()),
            }),
        );
    }
    update(&mut state, Msg::Tick(now()));
    state
}

/// Opens `action` on `target` from the tree, performs the fetch through the real runner, applies the answer and
/// returns the drawn screen.
async fn drill(
    state: &mut State,
    runner: &mut EffectsRunner,
    answers: &mut tokio::sync::mpsc::Receiver<Msg>,
    target: &ResourceRef,
    action: Action,
) -> String {
    update(state, Msg::Action(Action::ShowTree));
    state.reveal(target);
    let effects = update(state, Msg::Action(action));
    assert_eq!(effects.len(), 1, "{effects:?}");
    for effect in effects {
        runner.run(effect);
    }
    let answer = tokio::time::timeout(Duration::from_secs(20), answers.recv())
        .await
        .expect("the fetch answers")
        .expect("the runner is alive");
    update(state, answer);
    assert_eq!(state.screen, Screen::Inspect);
    let screen = render(state, 160, 48).backend().to_string();
    update(state, Msg::Action(Action::CloseInspect));
    screen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_drill_down_reads_live_status_through_the_real_client_with_gets_only() {
    let cluster = shipped("demo", 60.0).await;
    let smoke = ResourceRef::new(FluxKind::Kustomization, "flux-system", "apps-smoke-tests");
    let backend = ResourceRef::new(FluxKind::HelmRelease, "data", "backend");
    let apps = ResourceRef::new(FluxKind::Kustomization, "flux-system", "apps");
    cluster
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "apps-smoke-tests",
            "applied",
            has_inventory,
        )
        .await;
    cluster
        .wait(
            FluxKind::HelmRelease,
            "data",
            "backend",
            "installed",
            has_inventory,
        )
        .await;
    let served_apps = cluster
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "apps",
            "failing on the immutable selector",
            |o| {
                o.pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .is_some_and(|cs| {
                        cs.iter().any(|c| {
                            c["type"] == "Ready"
                                && c["status"] == "False"
                                && c["message"]
                                    .as_str()
                                    .is_some_and(|m| m.contains("field is immutable"))
                        })
                    })
            },
        )
        .await;
    assert!(
        served_apps.pointer("/metadata/managedFields").is_some(),
        "the server sends managedFields"
    );
    let mut state = console(&cluster).await;
    assert_eq!(
        state.screen,
        Screen::Problems,
        "the demo opens on its problems"
    );
    let (mut runner, mut answers) = EffectsRunner::new(Some(cluster.client.clone()));
    // One kind the user may not read, to see the 403 path.
    cluster
        .sim
        .handle()
        .controls()
        .set_forbidden(&GroupResource::new("", "services"), true);
    let log = cluster.sim.handle().request_log().clone();
    log.clear();

    let shown = drill(
        &mut state,
        &mut runner,
        &mut answers,
        &backend,
        Action::ShowInventory,
    )
    .await;
    assert!(
        shown.contains("Inventory (3 objects, 1 failing)"),
        "{shown}"
    );
    assert!(shown.contains("CrashLoopBackOff, 14 restarts"), "{shown}");
    assert!(shown.contains("1/2 available"), "{shown}");
    assert!(
        shown.contains("exists (contents are never read)"),
        "{shown}"
    );
    assert!(shown.contains("no access to Service"), "{shown}");
    assert!(!shown.contains("not-a-real-password"), "{shown}");

    let shown = drill(
        &mut state,
        &mut runner,
        &mut answers,
        &smoke,
        Action::ShowInventory,
    )
    .await;
    assert!(
        shown.contains("failed: BackoffLimitExceeded: Job has reached the specified backoff limit"),
        "{shown}"
    );
    assert!(
        shown.contains("podinfo-smoke-7xk2p: failed: smoke exited 1 (Error)"),
        "{shown}"
    );

    let shown = drill(
        &mut state,
        &mut runner,
        &mut answers,
        &apps,
        Action::ShowInventory,
    )
    .await;
    let line = shown
        .lines()
        .find(|l| l.contains("Deployment") && l.contains("apps/podinfo  "))
        .unwrap_or_default();
    assert!(
        line.contains("2/2 available") && line.contains("named in the error"),
        "{shown}"
    );
    assert!(
        shown.contains("Source       GitRepository/flux-system"),
        "{shown}"
    );

    let shown = drill(
        &mut state,
        &mut runner,
        &mut answers,
        &apps,
        Action::ShowYaml,
    )
    .await;
    assert!(
        shown.contains("kind: Kustomization") && shown.contains("path: ./apps/production"),
        "{shown}"
    );
    assert!(!shown.contains("managedFields"), "{shown}");

    let requests = log.entries();
    assert!(requests.len() > 5, "{requests:?}");
    for req in &requests {
        assert_eq!(req.method, "GET", "the drill-down only reads: {req:?}");
        if req.path_and_query.contains("/secrets") {
            let accept = req.accept.as_deref().unwrap_or_default();
            assert!(
                accept.contains("as=PartialObjectMetadata"),
                "a Secret read with its data: {req:?}"
            );
        }
    }
    assert!(
        requests
            .iter()
            .any(|r| r.path_and_query == "/api/v1/namespaces/data/secrets/backend-env"),
        "the Secret is looked up (metadata only): {requests:?}"
    );
    assert!(
        requests.iter().any(|r| r
            .path_and_query
            .starts_with("/api/v1/namespaces/data/pods?")
            && r.path_and_query.contains("labelSelector")),
        "the crash-looping Deployment's pods are listed: {requests:?}"
    );
    cluster.sim.shutdown().await;
}

const REMOTE: &str = "kind: Scenario
name: remote
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: repo, namespace: flux-system}
spec: {interval: 1m, url: https://example.com/repo}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: edge, namespace: flux-system}
spec:
  interval: 1m
  path: ./edge
  prune: true
  sourceRef: {kind: GitRepository, name: repo}
  kubeConfig: {secretRef: {name: edge-kubeconfig}}
simulation:
  inventory:
    - {apiVersion: apps/v1, kind: Deployment, name: web, namespace: edge}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: edge}
spec: {replicas: 1}
status: {replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inventory_in_a_remote_cluster_is_not_looked_up_in_this_one() {
    let cluster = support::sim::scenario(REMOTE, 30.0).await;
    cluster
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "edge",
            "applied",
            has_inventory,
        )
        .await;
    let mut state = console(&cluster).await;
    let (mut runner, mut answers) = EffectsRunner::new(Some(cluster.client.clone()));
    let log = cluster.sim.handle().request_log().clone();
    log.clear();
    let edge = ResourceRef::new(FluxKind::Kustomization, "flux-system", "edge");
    let shown = drill(
        &mut state,
        &mut runner,
        &mut answers,
        &edge,
        Action::ShowInventory,
    )
    .await;
    // A Deployment of that name exists here, but it is not the one the Kustomization applied.
    assert!(
        shown.contains("edge/web  in the remote cluster of spec.kubeConfig"),
        "{shown}"
    );
    let requests = log.entries();
    assert_eq!(
        requests
            .iter()
            .map(|r| r.path_and_query.as_str())
            .collect::<Vec<_>>(),
        vec!["/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/edge"],
        "only the Kustomization itself is read"
    );
    cluster.sim.shutdown().await;
}

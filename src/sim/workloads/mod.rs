//! The simulated cluster below Flux: what kube-controller-manager and the kubelets do, so actions on
//! workloads (scale, rollout restart, delete pod, cordon, drain, Jobs) behave as on a cluster.
//!
//! - `deployment`: Deployment → ReplicaSets → pods, rollout status conditions.
//! - `job`: Job pods; kubectl images run the real `kubectl` as the Job's ServiceAccount against this server.
//! - `pod`: pod objects and their statuses; `logs`: what containers printed (`pods/<name>/log`).
//! - `cluster`: the Nodes (one control-plane node, two workers), the Flux controllers' Deployments in
//!   `flux-system` (their pods carry what the simulated controllers print), the workloads listed in
//!   Kustomization and HelmRelease inventories made real.
//!
//! One task follows the store's change feed and calls them.

pub mod cluster;
pub mod deployment;
pub mod job;
pub mod logs;
pub mod pod;

pub use logs::PodLogs;

use crate::sim::GroupResource;
use crate::sim::store::{Change, ChangeType, ObjectKey, Selector};
use job::JobEnv;
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

fn deployments() -> GroupResource {
    GroupResource::new("apps", "deployments")
}

fn jobs() -> GroupResource {
    GroupResource::new("batch", "jobs")
}

/// Starts the workload controllers over `env.store` (inside a tokio runtime); they stop with `env.cancel`.
pub fn start(env: JobEnv) {
    tokio::spawn(run(env));
}

async fn run(env: JobEnv) {
    let store = env.store.clone();
    let mut feed = store.subscribe();
    cluster::seed_nodes(&store);
    cluster::seed_flux_controllers(&store);
    let mut dirty: BTreeSet<ObjectKey> = BTreeSet::new();
    let everything = Selector::everything();
    for d in store.list(&deployments(), None, &everything).items {
        dirty.insert(key_of(&deployments(), &d));
    }
    for j in store.list(&jobs(), None, &everything).items {
        job::start(&env, key_of(&jobs(), &j));
    }
    cluster::materialize_all(&store);
    // Deployments whose pods are still starting, and when to look at them again.
    let mut waiting: BTreeSet<ObjectKey> = BTreeSet::new();
    let mut retry_at = tokio::time::Instant::now() + Duration::from_secs(3600);
    loop {
        for key in std::mem::take(&mut dirty) {
            if deployment::reconcile(&store, &key) {
                if waiting.is_empty() {
                    retry_at = tokio::time::Instant::now() + deployment::READY_AFTER;
                }
                waiting.insert(key);
            }
        }
        let change = tokio::select! {
            () = env.cancel.cancelled() => return,
            () = tokio::time::sleep_until(retry_at), if !waiting.is_empty() => {
                dirty.append(&mut waiting);
                continue;
            }
            c = feed.recv() => c,
        };
        let change = match change {
            Ok(c) => c,
            Err(RecvError::Lagged(_)) => {
                dirty.extend(
                    store
                        .list(&deployments(), None, &everything)
                        .items
                        .iter()
                        .map(|d| key_of(&deployments(), d)),
                );
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        handle(&env, &change, &mut dirty);
        // Let a burst of changes gather before reconciling.
        tokio::time::sleep(Duration::from_millis(20)).await;
        while let Ok(more) = feed.try_recv() {
            handle(&env, &more, &mut dirty);
        }
    }
}

/// Reacts to one change: Deployments whose spec changed or whose pods went away become dirty; deleted
/// Deployments lose their ReplicaSets and pods; new Jobs start; Flux inventories are made real.
fn handle(env: &JobEnv, change: &Change, dirty: &mut BTreeSet<ObjectKey>) {
    let store = &env.store;
    let key = ObjectKey::new(change.resource.clone(), &change.namespace, &change.name);
    match (change.resource.resource.as_str(), change.type_) {
        ("deployments", ChangeType::Deleted) => deployment::collect(store, &change.object),
        ("deployments", _) => {
            let status_only = change.previous.as_ref().is_some_and(|p| {
                p.get("spec") == change.object.get("spec")
                    && p.pointer("/metadata/generation")
                        == change.object.pointer("/metadata/generation")
            });
            if !status_only {
                dirty.insert(key);
            }
        }
        ("pods", ChangeType::Deleted) => {
            env.logs.remove_pod(&change.namespace, &change.name);
            dirty.extend(owner_deployment(store, &change.object));
        }
        ("jobs", ChangeType::Added) => job::start(env, key),
        ("kustomizations" | "helmreleases", ChangeType::Added | ChangeType::Modified)
            if cluster::applied(change.previous.as_deref(), &change.object) =>
        {
            cluster::materialize(store, &change.object);
        }
        _ => {}
    }
}

fn key_of(resource: &GroupResource, obj: &serde_json::Value) -> ObjectKey {
    ObjectKey::new(
        resource.clone(),
        pod::text(obj, "/metadata/namespace"),
        pod::text(obj, "/metadata/name"),
    )
}

/// The Deployment whose ReplicaSet owned a pod.
fn owner_deployment(store: &crate::sim::Store, pod: &serde_json::Value) -> Option<ObjectKey> {
    let ns = pod::text(pod, "/metadata/namespace");
    let rs_name = pod
        .pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|r| pod::text(r, "/kind") == "ReplicaSet")
        .map(|r| pod::text(r, "/name"))?;
    let rs = store.get(&ObjectKey::new(
        GroupResource::new("apps", "replicasets"),
        ns,
        rs_name,
    ))?;
    let deploy = rs
        .pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|r| pod::text(r, "/kind") == "Deployment")
        .map(|r| pod::text(r, "/name").to_owned())?;
    Some(ObjectKey::new(deployments(), ns, &deploy))
}

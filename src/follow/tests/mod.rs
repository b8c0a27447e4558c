//! The tracker on hand-written object updates: no cluster. Helpers here; the tests by theme below.

mod chain;
mod fleet;
mod helm;
mod summary;

use super::line::{Change, State, Verdict};
use super::revision::TargetRevision;
use super::tracker::{Tracker, TrackerOptions};
use crate::cluster::ClusterEvent;
use crate::flux::{FluxKind, FluxObject, ResourceRef};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::sync::Arc;

pub(super) const OLD: &str = "1111111111111111111111111111111111111111";
pub(super) const NEW: &str = "9e0f3c4a1b2c3d4e5f60718293a4b5c6d7e8f901";

pub(super) fn t0() -> Timestamp {
    "2026-11-24T06:00:00Z".parse().unwrap()
}

pub(super) fn at(secs: i64) -> Timestamp {
    t0().checked_add(SignedDuration::from_secs(secs)).unwrap()
}

pub(super) fn obj(v: Value) -> ClusterEvent {
    let o: FluxObject = serde_json::from_value(v).unwrap();
    ClusterEvent::Upserted(Arc::new(o))
}

pub(super) fn git(sha: &str) -> ClusterEvent {
    obj(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "flux-system", "namespace": "flux-system", "generation": 1},
        "spec": {"interval": "1m", "url": "https://example.com/fleet"},
        "status": {"observedGeneration": 1, "artifact": {"revision": format!("main@sha1:{sha}")},
            "conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded", "message": "stored"}]}
    }))
}

pub(super) fn cond(type_: &str, status: &str, reason: &str, message: &str) -> Value {
    json!({"type": type_, "status": status, "reason": reason, "message": message,
        "lastTransitionTime": "2026-11-24T06:00:00Z"})
}

/// A Kustomization on the flux-system GitRepository with the given status pieces.
pub(super) fn ks(
    name: &str,
    deps: &[&str],
    applied: &str,
    attempted: &str,
    conditions: Vec<Value>,
) -> ClusterEvent {
    let deps: Vec<Value> = deps.iter().map(|d| json!({"name": d})).collect();
    obj(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "flux-system", "generation": 1},
        "spec": {"interval": "10m", "path": "./", "dependsOn": deps,
            "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"observedGeneration": 1,
            "lastAppliedRevision": format!("main@sha1:{applied}"),
            "lastAttemptedRevision": format!("main@sha1:{attempted}"),
            "conditions": conditions}
    }))
}

pub(super) fn ready(name: &str, deps: &[&str], sha: &str) -> ClusterEvent {
    let msg = format!("Applied revision: main@sha1:{sha}");
    ks(
        name,
        deps,
        sha,
        sha,
        vec![cond("Ready", "True", "ReconciliationSucceeded", &msg)],
    )
}

pub(super) fn reconciling(name: &str, deps: &[&str]) -> ClusterEvent {
    ks(
        name,
        deps,
        OLD,
        NEW,
        vec![
            cond(
                "Ready",
                "Unknown",
                "Progressing",
                "Reconciliation in progress",
            ),
            cond(
                "Reconciling",
                "True",
                "Progressing",
                "Building manifests for revision",
            ),
        ],
    )
}

pub(super) fn synced_all() -> Vec<ClusterEvent> {
    FluxKind::ALL
        .into_iter()
        .map(|kind| ClusterEvent::KindSynced {
            kind,
            api_version: "v1".into(),
        })
        .collect()
}

pub(super) fn tracker() -> Tracker {
    Tracker::new(
        TargetRevision::parse(&NEW[..7]).unwrap(),
        TrackerOptions::default(),
        t0(),
    )
}

/// Feeds events at `secs`; returns the changes.
pub(super) fn feed(t: &mut Tracker, secs: i64, events: Vec<ClusterEvent>) -> Vec<Change> {
    events
        .iter()
        .flat_map(|e| t.on_event(e, at(secs)))
        .map(|l| l.change)
        .collect()
}

pub(super) fn r(name: &str) -> ResourceRef {
    ResourceRef::new(FluxKind::Kustomization, "flux-system", name)
}

pub(super) fn failing(name: &str, deps: &[&str], attempted: &str, message: &str) -> ClusterEvent {
    ks(
        name,
        deps,
        OLD,
        attempted,
        vec![
            cond("Ready", "False", "ReconciliationFailed", message),
            cond(
                "Reconciling",
                "True",
                "ProgressingWithRetry",
                "Detecting drift",
            ),
        ],
    )
}

pub(super) fn blocked(name: &str, dep: &str) -> ClusterEvent {
    let msg = format!("dependency 'flux-system/{dep}' is not ready");
    ks(
        name,
        &[dep],
        OLD,
        OLD,
        vec![cond("Ready", "False", "DependencyNotReady", &msg)],
    )
}

pub(super) fn started(events: Vec<ClusterEvent>, options: TrackerOptions) -> Tracker {
    let mut t = Tracker::new(TargetRevision::parse(NEW).unwrap(), options, t0());
    let mut all = events;
    all.extend(synced_all());
    feed(&mut t, 0, all);
    t
}

pub(super) const IMMUTABLE: &str = "Deployment/apps/podinfo dry-run failed (Invalid): Deployment.apps \"podinfo\" is invalid: spec.selector: Invalid value: v1.LabelSelector{}: field is immutable";

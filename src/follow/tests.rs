//! The tracker on hand-written object updates: no cluster.

use super::line::{Change, State, Verdict};
use super::revision::TargetRevision;
use super::tracker::{Tracker, TrackerOptions};
use crate::cluster::ClusterEvent;
use crate::flux::{FluxKind, FluxObject, ResourceRef};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::sync::Arc;

const OLD: &str = "1111111111111111111111111111111111111111";
const NEW: &str = "9e0f3c4a1b2c3d4e5f60718293a4b5c6d7e8f901";

fn t0() -> Timestamp {
    "2026-11-24T06:00:00Z".parse().unwrap()
}

fn at(secs: i64) -> Timestamp {
    t0().checked_add(SignedDuration::from_secs(secs)).unwrap()
}

fn obj(v: Value) -> ClusterEvent {
    let o: FluxObject = serde_json::from_value(v).unwrap();
    ClusterEvent::Upserted(Arc::new(o))
}

fn git(sha: &str) -> ClusterEvent {
    obj(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "flux-system", "namespace": "flux-system", "generation": 1},
        "spec": {"interval": "1m", "url": "https://example.com/fleet"},
        "status": {"observedGeneration": 1, "artifact": {"revision": format!("main@sha1:{sha}")},
            "conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded", "message": "stored"}]}
    }))
}

fn cond(type_: &str, status: &str, reason: &str, message: &str) -> Value {
    json!({"type": type_, "status": status, "reason": reason, "message": message,
        "lastTransitionTime": "2026-11-24T06:00:00Z"})
}

/// A Kustomization on the flux-system GitRepository with the given status pieces.
fn ks(
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

fn ready(name: &str, deps: &[&str], sha: &str) -> ClusterEvent {
    let msg = format!("Applied revision: main@sha1:{sha}");
    ks(
        name,
        deps,
        sha,
        sha,
        vec![cond("Ready", "True", "ReconciliationSucceeded", &msg)],
    )
}

fn reconciling(name: &str, deps: &[&str]) -> ClusterEvent {
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

fn synced_all() -> Vec<ClusterEvent> {
    FluxKind::ALL
        .into_iter()
        .map(|kind| ClusterEvent::KindSynced {
            kind,
            api_version: "v1".into(),
        })
        .collect()
}

fn tracker() -> Tracker {
    Tracker::new(
        TargetRevision::parse(&NEW[..7]).unwrap(),
        TrackerOptions::default(),
        t0(),
    )
}

/// Feeds events at `secs`; returns the changes.
fn feed(t: &mut Tracker, secs: i64, events: Vec<ClusterEvent>) -> Vec<Change> {
    events
        .iter()
        .flat_map(|e| t.on_event(e, at(secs)))
        .map(|l| l.change)
        .collect()
}

fn r(name: &str) -> ResourceRef {
    ResourceRef::new(FluxKind::Kustomization, "flux-system", name)
}

#[test]
fn nothing_is_decided_before_every_kind_is_listed() {
    let mut t = tracker();
    let changes = feed(&mut t, 0, vec![git(NEW), ready("infra", &[], OLD)]);
    assert!(changes.is_empty(), "{changes:?}");
    assert_eq!(t.verdict(), None);
    let changes = feed(&mut t, 1, synced_all());
    assert!(
        matches!(&changes[0], Change::SourceAt { consumers: 1, .. }),
        "{changes:?}"
    );
}

#[test]
fn waits_for_a_source_then_follows_the_revision_through_a_chain_in_order() {
    let mut t = tracker();
    let mut events = vec![
        git(OLD),
        ready("infra", &[], OLD),
        ready("apps", &["infra"], OLD),
    ];
    events.extend(synced_all());
    let changes = feed(&mut t, 0, events);
    assert!(
        matches!(changes.as_slice(), [Change::WaitingForSource { .. }]),
        "{changes:?}"
    );
    assert_eq!(t.verdict(), None);

    let changes = feed(&mut t, 3, vec![git(NEW)]);
    assert!(
        matches!(&changes[0], Change::SourceAt { consumers: 2, .. }),
        "{changes:?}"
    );
    assert_eq!(t.verdict(), None, "consumers are still at the old revision");

    let changes = feed(&mut t, 4, vec![reconciling("infra", &[])]);
    assert_eq!(
        changes,
        vec![Change::Reconciling {
            object: r("infra"),
            revision: Some(format!("main@sha1:{}", &NEW[..12]))
        }]
    );
    let changes = feed(&mut t, 12, vec![ready("infra", &[], NEW)]);
    assert_eq!(changes, vec![Change::Ready { object: r("infra") }]);
    assert_eq!(t.verdict(), None);
    let changes = feed(
        &mut t,
        20,
        vec![
            reconciling("apps", &["infra"]),
            ready("apps", &["infra"], NEW),
        ],
    );
    assert_eq!(
        changes,
        vec![
            Change::Reconciling {
                object: r("apps"),
                revision: Some(format!("main@sha1:{}", &NEW[..12]))
            },
            Change::Ready { object: r("apps") },
        ]
    );
    assert_eq!(t.verdict(), Some(Verdict::Ready));
    let summary = t.summary(Verdict::Ready, at(20));
    assert!(summary.objects.iter().all(|o| o.state == State::Ready));
}

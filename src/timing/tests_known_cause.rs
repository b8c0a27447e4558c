//! Stuck means hung by itself (issue 7 item 2): an object waiting on a dependency, or failing at a generation
//! its controller has seen, has a known cause and is never stuck; a deleted and recreated object starts its
//! timings again. Stuck, overdue and slow order the list by flag.

use super::rank::{SortKey, rank};
use super::rules::Stuck;
use super::tests::{T0, at, ks_ref, kustomization, stamp, timings_at};
use crate::flux::FluxObject;
use serde_json::json;
use std::sync::Arc;

/// A Kustomization at generation 2 (status still at 1, as Flux leaves it until a success) with these conditions.
fn at_generation_2(name: &str, conditions: serde_json::Value) -> Arc<FluxObject> {
    let mut ks = (*kustomization(
        name,
        json!({"timeout": "2m"}),
        json!({"observedGeneration": 1, "conditions": conditions}),
    ))
    .clone();
    ks.metadata.generation = Some(2);
    Arc::new(ks)
}

#[test]
fn objects_waiting_on_a_dependency_are_never_stuck_and_the_hung_one_stands_out() {
    let blocked = |name: &str, message: &str| {
        at_generation_2(
            name,
            json!([{"type": "Ready", "status": "False", "reason": "DependencyNotReady",
                    "message": message, "lastTransitionTime": stamp(0)}]),
        )
    };
    let objects = [
        blocked("tenants", "dependency 'flux-system/secrets' is not ready"),
        blocked("team-b", "dependency 'flux-system/tenants' is not ready"),
        at_generation_2(
            "secrets",
            json!([{"type": "Ready", "status": "False", "reason": "ArtifactFailed",
                    "message": "Source artifact not found, retrying in 30s", "lastTransitionTime": stamp(0)}]),
        ),
        // Failing at generation 2: the controller wrote Ready for it, so it has seen the generation.
        at_generation_2(
            "apps",
            json!([{"type": "Ready", "status": "False", "reason": "ReconciliationFailed",
                    "message": "Deployment/apps/podinfo dry-run failed: field is immutable",
                    "observedGeneration": 2, "lastTransitionTime": stamp(0)}]),
        ),
        // Retrying a failure for an hour (`ProgressingWithRetry` stays true): failing, a known cause, not hung.
        at_generation_2(
            "retrying",
            json!([{"type": "Reconciling", "status": "True", "reason": "ProgressingWithRetry",
                    "message": "Detecting drift for revision main@sha1:1234", "lastTransitionTime": stamp(0)},
                   {"type": "Ready", "status": "False", "reason": "GitOperationFailed",
                    "message": "failed to checkout and determine revision: authentication required",
                    "observedGeneration": 2, "lastTransitionTime": stamp(0)}]),
        ),
        // Hung: a run that never ends.
        at_generation_2(
            "cluster-policies",
            json!([{"type": "Ready", "status": "Unknown", "reason": "Progressing",
                    "message": "Reconciliation in progress", "lastTransitionTime": stamp(0)},
                   {"type": "Reconciling", "status": "True", "reason": "Progressing",
                    "message": "Building manifests for revision main@sha1:1234", "lastTransitionTime": stamp(0)}]),
        ),
    ];
    let mut timings = timings_at(0, &objects);
    timings.tick(at(T0, 3600));
    let stuck: Vec<String> = timings
        .iter()
        .filter(|(_, t)| t.flags.stuck.is_some())
        .map(|(r, _)| r.name.clone())
        .collect();
    assert_eq!(stuck, ["cluster-policies"]);
    assert_eq!(timings.totals().stuck, 1);
    assert_eq!(
        timings
            .get(&ks_ref("cluster-policies"))
            .unwrap()
            .flags
            .stuck,
        Some(Stuck::Reconciling)
    );
    assert_eq!(
        rank(&timings, SortKey::Flags)[0],
        ks_ref("cluster-policies")
    );
}

#[test]
fn a_blocked_object_stops_being_stuck_and_a_freed_one_can_become_stuck() {
    let unobserved = at_generation_2("apps", json!([]));
    let mut timings = timings_at(0, &[Arc::clone(&unobserved)]);
    timings.tick(at(T0, 3 * 60 + 1));
    assert_eq!(
        timings.get(&ks_ref("apps")).unwrap().flags.stuck,
        Some(Stuck::GenerationNotObserved),
        "nothing says why: stuck"
    );
    let blocked = at_generation_2(
        "apps",
        json!([{"type": "Ready", "status": "False", "reason": "DependencyNotReady",
                "message": "dependency 'flux-system/infra' is not ready", "lastTransitionTime": stamp(200)}]),
    );
    timings.upsert(&blocked);
    assert!(timings.get(&ks_ref("apps")).unwrap().flags.stuck.is_none());
    assert_eq!(timings.totals().stuck, 0);
    assert!(timings.flagged().is_empty());
}

#[test]
fn a_recreated_object_starts_its_timings_again() {
    let with_uid = |uid: &str, took: &str| {
        let mut ks = (*kustomization(
            "apps",
            json!({}),
            json!({"history": [{"digest": "sha256:1", "firstReconciled": stamp(-60),
                "lastReconciled": stamp(-60), "lastReconciledDuration": took,
                "lastReconciledStatus": "ReconciliationSucceeded", "totalReconciliations": 1,
                "metadata": {"revision": "main@sha1:1234"}}]}),
        ))
        .clone();
        ks.metadata.uid = Some(uid.to_owned());
        Arc::new(ks)
    };
    let mut timings = timings_at(0, &[with_uid("u1", "4s")]);
    assert_eq!(timings.get(&ks_ref("apps")).unwrap().ring.len(), 1);
    // A second run of the same object adds to its history…
    let mut again = (*with_uid("u1", "5s")).clone();
    again.status.history[0].last_reconciled = Some(stamp(-10));
    timings.upsert(&Arc::new(again));
    assert_eq!(timings.get(&ks_ref("apps")).unwrap().ring.len(), 2);
    // …a new object with the same name (its deletion unseen) does not.
    timings.upsert(&with_uid("u2", "7s"));
    let t = timings.get(&ks_ref("apps")).unwrap();
    assert_eq!(t.ring.len(), 1);
    assert_eq!(t.last_duration(), Some(std::time::Duration::from_secs(7)));
}

#[test]
fn flags_sort_puts_stuck_before_overdue_before_slow() {
    let hung = at_generation_2(
        "hung",
        json!([{"type": "Reconciling", "status": "True", "reason": "Progressing",
                "message": "Building manifests", "lastTransitionTime": stamp(0)}]),
    );
    let stale = kustomization(
        "stale",
        json!({"interval": "1m"}),
        json!({"history": [{"digest": "sha256:1", "firstReconciled": stamp(-7200),
            "lastReconciled": stamp(-3600), "lastReconciledDuration": "3s",
            "lastReconciledStatus": "ReconciliationSucceeded", "totalReconciliations": 1,
            "metadata": {"revision": "main@sha1:1234"}}]}),
    );
    let fine = kustomization(
        "fine",
        json!({}),
        json!({"history": [{"digest": "sha256:1", "firstReconciled": stamp(-7200),
            "lastReconciled": stamp(3590), "lastReconciledDuration": "3s",
            "lastReconciledStatus": "ReconciliationSucceeded", "totalReconciliations": 1,
            "metadata": {"revision": "main@sha1:1234"}}]}),
    );
    let mut timings = timings_at(0, &[fine, stale, hung]);
    timings.tick(at(T0, 3600));
    let names: Vec<String> = rank(&timings, SortKey::Flags)
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["hung", "stale", "fine"]);
    let flagged: Vec<&str> = timings.flagged().keys().map(|r| r.name.as_str()).collect();
    assert_eq!(flagged, ["hung", "stale"]);
}

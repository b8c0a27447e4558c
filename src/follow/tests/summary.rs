//! The summary: why objects are not ready; sources, API failures, deletions.

use super::*;

#[test]
fn the_summary_says_what_is_stuck_suspended_or_not_at_the_revision() {
    let stuck = ks(
        "stuck",
        &[],
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
                "Fetching manifests for revision",
            ),
        ],
    );
    let suspended = obj(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "paused", "namespace": "flux-system", "generation": 1},
        "spec": {"interval": "10m", "suspend": true, "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"observedGeneration": 1, "lastAppliedRevision": format!("main@sha1:{OLD}"),
            "conditions": [cond("Ready", "True", "ReconciliationSucceeded", "Applied")]}
    }));
    let t = started(
        vec![git(NEW), stuck, suspended, ready("behind", &[], OLD)],
        TrackerOptions::default(),
    );
    // The interval is 10m, so the timeout is 9m30s: past it (and the console's 1m grace) 20 minutes after the
    // Reconciling transition, it is stuck; one minute after, it is only reconciling.
    let summary = t.summary(Verdict::TimedOut, at(1200));
    let find = |n: &str| {
        summary
            .objects
            .iter()
            .find(|o| o.object.name == n)
            .unwrap()
            .clone()
    };
    assert_eq!(find("stuck").state, State::Stuck);
    assert!(
        find("stuck")
            .why
            .starts_with("stuck: reconciling past its timeout for 20m00s: Fetching manifests"),
        "{}",
        find("stuck").why
    );
    assert!(
        find("paused").why.starts_with("suspended"),
        "{}",
        find("paused").why
    );
    let behind = find("behind");
    assert_eq!(behind.state, State::Pending);
    assert!(
        behind.why.contains("still at main@sha1:111111111111"),
        "{}",
        behind.why
    );
    assert!(
        behind
            .why
            .contains(&format!("wants main@sha1:{}", &NEW[..12])),
        "{}",
        behind.why
    );
    let early = t.summary(Verdict::TimedOut, at(60));
    assert_eq!(
        early
            .objects
            .iter()
            .find(|o| o.object.name == "stuck")
            .unwrap()
            .state,
        State::Reconciling
    );
}

#[test]
fn no_source_at_the_revision_is_reported_with_the_sources_that_fail() {
    let broken = obj(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "secrets", "namespace": "flux-system", "generation": 1},
        "spec": {"url": "https://example.com/secrets"},
        "status": {"observedGeneration": 1, "conditions": [cond("Ready", "False", "GitOperationFailed", "authentication required")]}
    }));
    let t = started(vec![git(OLD), broken], TrackerOptions::default());
    let s = t.summary(Verdict::TimedOut, at(30));
    assert_eq!(
        s.notes,
        vec![
            format!("no source has picked up revision {}", &NEW[..12]),
            "GitRepository/flux-system/secrets: authentication required".to_owned(),
        ]
    );
}

#[test]
fn api_failures_beyond_the_retries_give_up() {
    let options = TrackerOptions {
        retries: 1,
        ..TrackerOptions::default()
    };
    let mut t = started(vec![git(OLD)], options);
    let degraded = |e: &str| ClusterEvent::Degraded {
        kind: FluxKind::Kustomization,
        error: e.into(),
        since: String::new(),
    };
    let changes = feed(&mut t, 1, vec![degraded("connection refused")]);
    assert!(matches!(&changes[..], [Change::ApiError { .. }]));
    assert_eq!(t.verdict(), None);
    feed(
        &mut t,
        2,
        vec![
            ClusterEvent::Recovered(FluxKind::Kustomization),
            degraded("connection refused"),
        ],
    );
    assert_eq!(t.verdict(), Some(Verdict::ApiUnavailable));
}

#[test]
fn a_deleted_followed_object_leaves_the_set() {
    let mut t = started(
        vec![git(NEW), ready("gone", &[], OLD), ready("apps", &[], NEW)],
        TrackerOptions::default(),
    );
    assert_eq!(t.verdict(), None);
    let changes = feed(&mut t, 1, vec![ClusterEvent::Deleted(r("gone"))]);
    assert_eq!(changes, vec![Change::Gone { object: r("gone") }]);
    assert_eq!(t.verdict(), Some(Verdict::Ready));
}

#[test]
fn an_unhandled_request_is_stuck_and_an_object_not_reconciled_for_long_is_overdue() {
    let asked = obj(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "asked", "namespace": "flux-system", "generation": 1,
            "annotations": {"reconcile.fluxcd.io/requestedAt": "2026-11-24T05:00:00Z"}},
        "spec": {"interval": "10m", "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"observedGeneration": 1, "lastHandledReconcileAt": "2026-11-24T04:00:00Z",
            "lastAppliedRevision": format!("main@sha1:{OLD}"),
            "conditions": [cond("Ready", "True", "ReconciliationSucceeded", "Applied")]}
    }));
    let t = started(
        vec![git(NEW), asked, ready("idle", &[], OLD)],
        TrackerOptions::default(),
    );
    let summary = t.summary(Verdict::TimedOut, at(3600));
    let asked = summary
        .objects
        .iter()
        .find(|o| o.object.name == "asked")
        .unwrap();
    assert_eq!(asked.state, State::Stuck);
    assert!(
        asked.why.starts_with(
            "stuck: reconcile request not handled for 2h00m00s: '2026-11-24T05:00:00Z'"
        ) || asked
            .why
            .starts_with("stuck: reconcile request not handled for 120m00s"),
        "{}",
        asked.why
    );
    let idle = summary
        .objects
        .iter()
        .find(|o| o.object.name == "idle")
        .unwrap();
    assert_eq!(idle.state, State::Pending);
    assert!(idle.why.contains("; overdue by "), "{}", idle.why);
}

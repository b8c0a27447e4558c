//! Following a revision through a chain: order, failures, fail-fast, cascades.

use super::*;

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
            revision: Some(format!("main@sha1:{NEW}"))
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
                revision: Some(format!("main@sha1:{NEW}"))
            },
            Change::Ready { object: r("apps") },
        ]
    );
    assert_eq!(t.verdict(), Some(Verdict::Ready));
    let summary = t.summary(Verdict::Ready, at(20));
    assert!(summary.objects.iter().all(|o| o.state == State::Ready));
}

#[test]
fn a_failure_at_the_revision_fails_fast_but_an_older_failure_only_waits() {
    let mut t = started(
        vec![git(NEW), failing("apps", &[], OLD, "old trouble")],
        TrackerOptions::default(),
    );
    assert_eq!(
        t.verdict(),
        None,
        "failing at the old revision: it has not tried the new one yet"
    );
    let changes = feed(&mut t, 5, vec![failing("apps", &[], NEW, IMMUTABLE)]);
    let [
        Change::Failed {
            object,
            reason,
            message,
            ..
        },
    ] = changes.as_slice()
    else {
        panic!("{changes:?}");
    };
    assert_eq!(
        (object, reason.as_str()),
        (&r("apps"), "ReconciliationFailed")
    );
    assert_eq!(message, IMMUTABLE);
    assert_eq!(t.verdict(), Some(Verdict::Failed));
}

#[test]
fn without_fail_fast_it_waits_until_the_rest_settles_and_a_cascade_names_its_root_cause() {
    let options = TrackerOptions {
        fail_fast: false,
        ..TrackerOptions::default()
    };
    let mut t = started(
        vec![
            git(NEW),
            ready("infra", &[], OLD),
            ready("apps", &["infra"], OLD),
            ready("other", &[], OLD),
        ],
        options,
    );
    feed(&mut t, 2, vec![failing("infra", &[], NEW, IMMUTABLE)]);
    assert_eq!(t.verdict(), None, "the others have not settled");
    let changes = feed(&mut t, 3, vec![blocked("apps", "infra")]);
    assert_eq!(
        changes,
        vec![Change::Blocked {
            object: r("apps"),
            waiting_on: vec![r("infra")]
        }]
    );
    assert_eq!(t.verdict(), None, "'other' is still at the old revision");
    feed(&mut t, 4, vec![ready("other", &[], NEW)]);
    assert_eq!(t.verdict(), Some(Verdict::Failed));
    let summary = t.summary(Verdict::Failed, at(4));
    let states: Vec<(&str, State)> = summary
        .objects
        .iter()
        .map(|o| (o.object.name.as_str(), o.state))
        .collect();
    assert_eq!(
        states,
        vec![
            ("apps", State::Blocked),
            ("infra", State::Failed),
            ("other", State::Ready)
        ]
    );
}

#[test]
fn a_failure_seen_before_the_timeout_is_a_failure_even_when_a_retry_is_reconciling() {
    let options = TrackerOptions {
        fail_fast: false,
        ..TrackerOptions::default()
    };
    let mut t = started(
        vec![git(NEW), ready("infra", &[], OLD), ready("other", &[], OLD)],
        options,
    );
    assert_eq!(t.verdict_at_timeout(), Verdict::TimedOut, "nothing failed");
    feed(&mut t, 2, vec![failing("infra", &[], NEW, IMMUTABLE)]);
    assert_eq!(t.verdict(), None, "'other' has not settled");
    assert_eq!(t.verdict_at_timeout(), Verdict::Failed);
    // The controller retries: the failed object reconciles again when the timeout comes.
    feed(&mut t, 3, vec![reconciling("infra", &[])]);
    assert_eq!(t.verdict_at_timeout(), Verdict::Failed);
    // Ready at the revision after all: only a timeout.
    feed(&mut t, 4, vec![ready("infra", &[], NEW)]);
    assert_eq!(t.verdict_at_timeout(), Verdict::TimedOut);
}

#[test]
fn a_dependency_merely_in_progress_blocks_without_being_a_root_cause() {
    let mut t = started(
        vec![
            git(NEW),
            reconciling("infra", &[]),
            ready("apps", &["infra"], OLD),
        ],
        TrackerOptions::default(),
    );
    let changes = feed(&mut t, 1, vec![blocked("apps", "infra")]);
    assert_eq!(
        changes,
        vec![Change::Blocked {
            object: r("apps"),
            waiting_on: vec![r("infra")]
        }]
    );
    assert_eq!(
        t.verdict(),
        None,
        "blocked behind something still working is not settled"
    );
}

#[test]
fn a_source_that_moves_on_is_followed_to_its_later_revision() {
    const LATER: &str = "2222222222222222222222222222222222222222";
    let mut t = started(
        vec![git(NEW), ready("apps", &[], OLD)],
        TrackerOptions::default(),
    );
    let changes = feed(&mut t, 1, vec![git(LATER)]);
    assert!(
        matches!(&changes[..], [Change::SourceMovedOn { .. }]),
        "{changes:?}"
    );
    feed(&mut t, 2, vec![ready("apps", &[], LATER)]);
    assert_eq!(
        t.verdict(),
        Some(Verdict::Ready),
        "a later commit of the branch contains the followed one"
    );
}

fn secrets_source(ready: &str, reason: &str, message: &str) -> ClusterEvent {
    obj(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "platform-secrets", "namespace": "flux-system", "generation": 1},
        "spec": {"url": "https://example.com/secrets"},
        "status": {"observedGeneration": 1, "conditions": [cond("Ready", ready, reason, message)]}
    }))
}

#[test]
fn a_blocked_line_does_not_flap_while_the_failing_root_cause_retries() {
    let secrets = obj(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "secrets", "namespace": "flux-system", "generation": 1},
        "spec": {"interval": "10m", "sourceRef": {"kind": "GitRepository", "name": "platform-secrets"}},
        "status": {"observedGeneration": 1, "conditions": [
            cond("Ready", "False", "ArtifactFailed", "Source artifact not found, retrying in 30s")]}
    }));
    let failing = secrets_source("False", "GitOperationFailed", "authentication required");
    let mut t = started(
        vec![
            git(NEW),
            failing,
            secrets,
            ready("tenants", &["secrets"], OLD),
        ],
        TrackerOptions::default(),
    );
    let root = ResourceRef::new(FluxKind::GitRepository, "flux-system", "platform-secrets");
    let changes = feed(&mut t, 1, vec![blocked("tenants", "secrets")]);
    assert_eq!(
        changes,
        vec![Change::Blocked {
            object: r("tenants"),
            waiting_on: vec![root.clone()]
        }]
    );
    let retrying = secrets_source("Unknown", "Progressing", "building artifact");
    assert!(
        feed(&mut t, 2, vec![retrying]).is_empty(),
        "same blocker while the source retries"
    );
    assert!(
        feed(
            &mut t,
            3,
            vec![secrets_source(
                "False",
                "GitOperationFailed",
                "authentication required"
            )]
        )
        .is_empty()
    );
}

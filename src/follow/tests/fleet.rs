//! Following one revision on several clusters: each cluster's tracker sees only its own events, the run ends
//! when every cluster has its verdict (or at the first failure with fail-fast), the worst verdict wins.

use super::*;
use crate::follow::fleet::FleetFollow;

fn fleet(fail_fast: bool) -> FleetFollow {
    let options = TrackerOptions {
        fail_fast,
        ..TrackerOptions::default()
    };
    let one = || Tracker::new(TargetRevision::parse(NEW).unwrap(), options.clone(), t0());
    FleetFollow::new(
        vec![("staging".into(), one()), ("prod".into(), one())],
        fail_fast,
    )
}

fn feed_cluster(
    f: &mut FleetFollow,
    cluster: usize,
    secs: i64,
    events: Vec<ClusterEvent>,
) -> Vec<Change> {
    events
        .iter()
        .flat_map(|e| f.on_event(cluster, e, at(secs)))
        .map(|l| l.change)
        .collect()
}

fn listed(mut events: Vec<ClusterEvent>) -> Vec<ClusterEvent> {
    events.extend(synced_all());
    events
}

#[test]
fn one_cluster_ready_waits_for_the_other() {
    let mut f = fleet(true);
    feed_cluster(
        &mut f,
        0,
        0,
        listed(vec![git(NEW), ready("apps", &[], NEW)]),
    );
    assert_eq!(f.members()[0].verdict, Some(Verdict::Ready));
    assert_eq!(f.verdict(), None, "prod has not been heard from");
    let changes = feed_cluster(
        &mut f,
        1,
        1,
        listed(vec![git(NEW), reconciling("apps", &[])]),
    );
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::Reconciling { .. })),
        "{changes:?}"
    );
    assert_eq!(f.verdict(), None);
    feed_cluster(&mut f, 1, 5, vec![ready("apps", &[], NEW)]);
    assert_eq!(f.verdict(), Some(Verdict::Ready));
}

#[test]
fn a_cluster_sees_only_its_own_events() {
    let mut f = fleet(true);
    feed_cluster(
        &mut f,
        0,
        0,
        listed(vec![git(NEW), failing("apps", &[], NEW, IMMUTABLE)]),
    );
    assert_eq!(f.members()[0].verdict, Some(Verdict::Failed));
    assert_eq!(f.members()[1].verdict, None, "prod's tracker got nothing");
    assert_eq!(
        f.verdict(),
        Some(Verdict::Failed),
        "fail-fast stops at the first failure"
    );
    assert_eq!(
        f.verdicts_now(),
        vec![Verdict::Failed, Verdict::Stopped],
        "prod was cut short, not timed out"
    );
    // An index no cluster has is ignored.
    assert!(feed_cluster(&mut f, 7, 1, vec![git(NEW)]).is_empty());
}

#[test]
fn without_fail_fast_a_failure_waits_for_the_others_and_still_wins() {
    let mut f = fleet(false);
    feed_cluster(
        &mut f,
        0,
        0,
        listed(vec![git(NEW), failing("apps", &[], NEW, IMMUTABLE)]),
    );
    assert_eq!(f.members()[0].verdict, Some(Verdict::Failed));
    assert_eq!(f.verdict(), None, "prod is still going");
    feed_cluster(
        &mut f,
        1,
        3,
        listed(vec![git(NEW), ready("apps", &[], NEW)]),
    );
    assert_eq!(f.verdict(), Some(Verdict::Failed));
    let (combined, each) = f.verdicts_at_timeout();
    assert_eq!(
        (combined, each),
        (Verdict::Failed, vec![Verdict::Failed, Verdict::Ready])
    );
}

#[test]
fn at_the_timeout_each_cluster_keeps_its_own_verdict() {
    let mut f = fleet(true);
    feed_cluster(
        &mut f,
        0,
        0,
        listed(vec![git(NEW), ready("apps", &[], NEW)]),
    );
    feed_cluster(
        &mut f,
        1,
        0,
        listed(vec![git(OLD), ready("apps", &[], OLD)]),
    );
    assert_eq!(f.verdict(), None);
    let (combined, each) = f.verdicts_at_timeout();
    assert_eq!(each, vec![Verdict::Ready, Verdict::TimedOut]);
    assert_eq!(combined, Verdict::TimedOut);
    let (summaries, fleet_summary) = f.summaries(combined, &each, at(60));
    assert_eq!(summaries[1].0, "prod");
    assert_eq!(summaries[1].1.verdict, Verdict::TimedOut);
    assert!(
        summaries[1]
            .1
            .notes
            .iter()
            .any(|n| n.contains("no source has picked up")),
        "{:?}",
        summaries[1].1.notes
    );
    assert_eq!(fleet_summary.clusters[0].verdict, Verdict::Ready);
    assert_eq!(fleet_summary.verdict, Verdict::TimedOut);
}

#[test]
fn a_cluster_whose_api_keeps_failing_does_not_hide_a_ready_one() {
    let mut f = fleet(true);
    feed_cluster(
        &mut f,
        0,
        0,
        listed(vec![git(NEW), ready("apps", &[], NEW)]),
    );
    let errors: Vec<ClusterEvent> = (0..10)
        .flat_map(|_| {
            [
                ClusterEvent::Degraded {
                    kind: FluxKind::Kustomization,
                    error: "connection refused".into(),
                    since: String::new(),
                },
                ClusterEvent::Recovered(FluxKind::Kustomization),
            ]
        })
        .collect();
    feed_cluster(&mut f, 1, 2, errors);
    assert_eq!(f.members()[1].verdict, Some(Verdict::ApiUnavailable));
    assert_eq!(f.verdict(), Some(Verdict::ApiUnavailable));
}

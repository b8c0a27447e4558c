//! The timing rules and the fleet bookkeeping on objects shaped like real ones (status blocks from the Flux
//! docs, event texts from data/events.tsv).

use super::fleet::Timings;
use super::rank::{SortKey, rank};
use super::rules::Stuck;
use crate::flux::{EventType, FluxEvent, FluxKind, FluxObject, ResourceRef};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub(super) fn t(s: &str) -> Timestamp {
    Timestamp::from_str(s).unwrap()
}

pub(super) fn at(base: &str, secs: i64) -> Timestamp {
    t(base)
        .checked_add(k8s_openapi::jiff::SignedDuration::from_secs(secs))
        .unwrap()
}

pub(super) const T0: &str = "2026-11-24T05:00:00Z";

pub(super) fn stamp(secs: i64) -> String {
    at(T0, secs).to_string()
}

/// A Ready Kustomization `flux-system/<name>` with a 10m interval, last reconciled at `T0 + last` (history).
pub(super) fn kustomization(name: &str, spec: Value, status: Value) -> Arc<FluxObject> {
    let mut spec_all = json!({"interval": "10m0s", "path": "./", "sourceRef": {"kind": "GitRepository", "name": "flux-system"}});
    merge(&mut spec_all, spec);
    let mut status_all = json!({"observedGeneration": 1, "conditions": [
        {"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "Applied revision: main@sha1:1234",
         "lastTransitionTime": stamp(-86_400)}]});
    merge(&mut status_all, status);
    Arc::new(
        serde_json::from_value(json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system", "generation": 1,
                         "creationTimestamp": stamp(-172_800)},
            "spec": spec_all, "status": status_all,
        }))
        .unwrap(),
    )
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), from) {
        for (k, v) in b {
            a.insert(k, v);
        }
    }
}

fn history(last_secs: i64, took: &str) -> Value {
    json!({"history": [{"digest": "sha256:43ad78c94b26", "firstReconciled": stamp(-86_400),
        "lastReconciled": stamp(last_secs), "lastReconciledDuration": took,
        "lastReconciledStatus": "ReconciliationSucceeded", "totalReconciliations": 12,
        "metadata": {"revision": "main@sha1:1234"}}]})
}

pub(super) fn ks_ref(name: &str) -> ResourceRef {
    ResourceRef::new(FluxKind::Kustomization, "flux-system", name)
}

fn finished_event(name: &str, secs: i64, took: &str, n: usize) -> FluxEvent {
    FluxEvent {
        involved: ks_ref(name),
        type_: EventType::Normal,
        reason: "ReconciliationSucceeded".into(),
        message: format!("Reconciliation finished in {took}, next run in 10m0s"),
        last_seen: Some(stamp(secs)),
        first_seen: Some(stamp(secs)),
        count: 1,
        source: "kustomize-controller".into(),
        uid: format!("flux-system/{name}.{n}"),
    }
}

pub(super) fn timings_at(now_secs: i64, objects: &[Arc<FluxObject>]) -> Timings {
    let mut timings = Timings::new();
    timings.tick(at(T0, now_secs));
    for o in objects {
        timings.upsert(o);
    }
    timings
}

#[test]
fn a_kustomization_within_interval_and_timeout_is_not_overdue() {
    // last run at T0, interval 10m, timeout 9m30s (default), grace 1m: overdue after T0 + 20m30s
    let ks = kustomization("apps", json!({}), history(0, "2.818583s"));
    let mut timings = timings_at(60, &[ks]);
    let r = ks_ref("apps");
    let a = timings.get(&r).unwrap().assess(at(T0, 60));
    assert_eq!(a.next_due, Some(at(T0, 600)));
    assert_eq!(a.last_duration, Some(Duration::from_nanos(2_818_583_000)));
    assert_eq!(a.overdue_by, None);
    timings.tick(at(T0, 20 * 60 + 29));
    assert_eq!(timings.totals().overdue, 0);
    timings.tick(at(T0, 20 * 60 + 31));
    assert_eq!(
        timings.totals().overdue,
        1,
        "no run within interval + timeout + grace"
    );
    let a = timings.get(&r).unwrap().assess(at(T0, 20 * 60 + 31));
    assert_eq!(a.overdue_by, Some(Duration::from_secs(10 * 60 + 31)));
}

#[test]
fn a_new_run_clears_overdue() {
    let ks = kustomization("apps", json!({}), history(0, "2s"));
    let mut timings = timings_at(0, &[ks]);
    timings.tick(at(T0, 30 * 60));
    assert_eq!(timings.totals().overdue, 1);
    timings.record_event(&finished_event("apps", 30 * 60, "1.5s", 1));
    assert_eq!(timings.totals().overdue, 0);
    let a = timings
        .get(&ks_ref("apps"))
        .unwrap()
        .assess(at(T0, 30 * 60));
    assert_eq!(a.last_duration, Some(Duration::from_millis(1500)));
    assert_eq!(a.since_success, Some(Duration::ZERO));
}

#[test]
fn a_failing_kustomization_is_due_after_its_retry_interval() {
    let failing = json!({"conditions": [{"type": "Ready", "status": "False", "reason": "BuildFailed",
        "message": "kustomize build failed", "lastTransitionTime": stamp(0)}],
        "history": [{"digest": "sha256:1", "lastReconciled": stamp(0), "lastReconciledDuration": "3s",
            "lastReconciledStatus": "BuildFailed"}]});
    let ks = kustomization(
        "apps",
        json!({"retryInterval": "2m0s", "timeout": "1m"}),
        failing,
    );
    let mut timings = timings_at(0, &[ks]);
    let r = ks_ref("apps");
    assert_eq!(
        timings.get(&r).unwrap().deadlines.next_due,
        Some(at(T0, 120))
    );
    // 2m retry + 1m timeout + 1m grace (the history entry dates the run exactly)
    timings.tick(at(T0, 4 * 60 - 1));
    assert!(!timings.get(&r).unwrap().flags.overdue);
    timings.tick(at(T0, 4 * 60 + 1));
    assert!(timings.get(&r).unwrap().flags.overdue);
}

#[test]
fn a_short_interval_traced_only_by_events_gets_the_event_recorder_s_5m_resolution() {
    // A 1m GitRepository whose last ArtifactUpToDate event is at T0: client-go lets one event per object through
    // every 5 minutes after a burst, so silence is only suspicious after 5m + 60s timeout + 1m grace.
    let git: Arc<FluxObject> = Arc::new(
        serde_json::from_value(json!({"kind": "GitRepository",
            "metadata": {"name": "flux-system", "namespace": "flux-system", "generation": 1},
            "spec": {"interval": "1m0s", "url": "ssh://git@github.com/acme/fleet-infra"},
            "status": {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "True",
                "reason": "Succeeded", "lastTransitionTime": stamp(-86_400)}]}}))
        .unwrap(),
    );
    let mut timings = timings_at(0, &[git]);
    let r = ResourceRef::new(FluxKind::GitRepository, "flux-system", "flux-system");
    timings.record_event(&FluxEvent {
        involved: r.clone(),
        type_: EventType::Normal,
        reason: "ArtifactUpToDate".into(),
        message: "artifact up-to-date with remote revision: 'main@sha1:132f4e719209eb10b9485302f8593fc0e680f4fc'"
            .into(),
        last_seen: Some(stamp(0)),
        first_seen: Some(stamp(-3600)),
        count: 40,
        source: "source-controller".into(),
        uid: "flux-system/flux-system.17".into(),
    });
    assert_eq!(
        timings.get(&r).unwrap().deadlines.next_due,
        Some(at(T0, 60))
    );
    timings.tick(at(T0, 6 * 60 + 59));
    assert!(!timings.get(&r).unwrap().flags.overdue);
    timings.tick(at(T0, 7 * 60 + 1));
    assert!(timings.get(&r).unwrap().flags.overdue);
}

#[test]
fn suspended_objects_are_never_overdue_or_stuck() {
    let ks = kustomization(
        "apps",
        json!({"suspend": true}),
        json!({"conditions": [{"type": "Reconciling", "status": "True", "reason": "Progressing",
            "message": "Reconciliation in progress", "lastTransitionTime": stamp(0)}]}),
    );
    let mut timings = timings_at(0, &[ks]);
    timings.tick(at(T0, 7 * 86_400));
    assert_eq!(timings.totals(), super::Totals::default());
    let a = timings
        .get(&ks_ref("apps"))
        .unwrap()
        .assess(at(T0, 7 * 86_400));
    assert!(a.suspended && a.overdue_by.is_none() && a.stuck.is_none());
}

#[test]
fn helm_releases_are_never_overdue_for_lack_of_a_trace() {
    let hr: Arc<FluxObject> = Arc::new(
        serde_json::from_value(json!({"kind": "HelmRelease",
            "metadata": {"name": "podinfo", "namespace": "apps", "generation": 1},
            "spec": {"interval": "5m"},
            "status": {"observedGeneration": 1, "lastAttemptedReleaseActionDuration": "12.5s",
                "conditions": [{"type": "Ready", "status": "True", "reason": "UpgradeSucceeded",
                    "lastTransitionTime": stamp(-86_400)}]}}))
        .unwrap(),
    );
    let mut timings = timings_at(0, &[hr]);
    timings.tick(at(T0, 86_400));
    assert_eq!(timings.totals().overdue, 0);
    let r = ResourceRef::new(FluxKind::HelmRelease, "apps", "podinfo");
    let a = timings.get(&r).unwrap().assess(at(T0, 86_400));
    assert_eq!(a.last_duration, Some(Duration::from_millis(12_500)));
}

#[test]
fn without_a_trace_the_overdue_clock_starts_when_the_console_first_saw_the_object() {
    // Ready since yesterday, no history, no events: an old controller or expired events.
    let ks = kustomization("apps", json!({}), json!({}));
    let mut timings = timings_at(0, &[ks]);
    assert_eq!(timings.totals().overdue, 0, "not overdue on sight");
    timings.tick(at(T0, 20 * 60 + 31));
    assert_eq!(
        timings.totals().overdue,
        1,
        "watched a whole interval and timeout, no run"
    );
}

#[test]
fn reconciling_past_its_timeout_is_stuck() {
    // the demo's monitoring-controllers: 15m timeout, health checks still running
    let ks = kustomization(
        "monitoring-controllers",
        json!({"interval": "1h0m0s", "timeout": "15m0s", "retryInterval": "2m0s"}),
        json!({"conditions": [
            {"type": "Ready", "status": "Unknown", "reason": "Progressing", "message": "Reconciliation in progress",
             "lastTransitionTime": stamp(0)},
            {"type": "Reconciling", "status": "True", "reason": "Progressing",
             "message": "Running health checks for revision main@sha1:1234 with a timeout of 15m0s",
             "lastTransitionTime": stamp(0)}]}),
    );
    let mut timings = timings_at(60, &[ks]);
    let r = ks_ref("monitoring-controllers");
    timings.tick(at(T0, 8 * 60));
    assert!(timings.get(&r).unwrap().flags.stuck.is_none(), "8m of 15m");
    assert!(
        !timings.get(&r).unwrap().flags.overdue,
        "a running object is judged by the stuck rule"
    );
    timings.tick(at(T0, 16 * 60 + 1));
    assert_eq!(
        timings.get(&r).unwrap().flags.stuck,
        Some(Stuck::Reconciling)
    );
    assert_eq!(timings.totals().stuck, 1);
    let a = timings.get(&r).unwrap().assess(at(T0, 16 * 60 + 1));
    assert_eq!(
        a.stuck,
        Some((Stuck::Reconciling, Duration::from_secs(16 * 60 + 1)))
    );
}

#[test]
fn retry_waits_are_not_stuck_runs() {
    let ks = kustomization(
        "apps",
        json!({"timeout": "1m"}),
        json!({"conditions": [
            {"type": "Ready", "status": "False", "reason": "HealthCheckFailed", "lastTransitionTime": stamp(0)},
            {"type": "Reconciling", "status": "True", "reason": "ProgressingWithRetry", "lastTransitionTime": stamp(0)}]}),
    );
    let mut timings = timings_at(0, &[ks]);
    timings.tick(at(T0, 3600));
    assert!(timings.get(&ks_ref("apps")).unwrap().flags.stuck.is_none());
}

#[test]
fn an_unhandled_reconcile_request_is_stuck_after_the_timeout() {
    let mut ks = (*kustomization(
        "apps",
        json!({"timeout": "2m"}),
        json!({"lastHandledReconcileAt": "2026-11-24T04:00:00.000000000Z"}),
    ))
    .clone();
    ks.metadata.annotations = Some(
        [(
            "reconcile.fluxcd.io/requestedAt".to_owned(),
            "2026-11-24T05:00:00.123456789Z".to_owned(),
        )]
        .into(),
    );
    let ks = Arc::new(ks);
    let mut timings = timings_at(10, std::slice::from_ref(&ks));
    let r = ks_ref("apps");
    timings.tick(at(T0, 3 * 60));
    assert!(timings.get(&r).unwrap().flags.stuck.is_none());
    timings.tick(at(T0, 3 * 60 + 1));
    assert_eq!(
        timings.get(&r).unwrap().flags.stuck,
        Some(Stuck::RequestNotHandled)
    );
    // the controller handles it
    let mut handled = (*ks).clone();
    handled.status.last_handled_reconcile_at = Some("2026-11-24T05:00:00.123456789Z".to_owned());
    timings.upsert(&Arc::new(handled));
    assert!(timings.get(&r).unwrap().flags.stuck.is_none());
    assert_eq!(timings.totals().stuck, 0);
}

#[test]
fn a_request_token_that_is_not_a_time_is_timed_from_when_the_console_saw_it() {
    let mut ks = (*kustomization("apps", json!({"timeout": "2m"}), json!({}))).clone();
    ks.metadata.annotations = Some(
        [(
            "reconcile.fluxcd.io/requestedAt".to_owned(),
            "manual-1".to_owned(),
        )]
        .into(),
    );
    let mut timings = timings_at(100, &[Arc::new(ks)]);
    timings.tick(at(T0, 100 + 3 * 60 + 1));
    assert_eq!(
        timings.get(&ks_ref("apps")).unwrap().flags.stuck,
        Some(Stuck::RequestNotHandled)
    );
}

#[test]
fn an_unobserved_generation_is_stuck_after_the_timeout() {
    let mut ks = (*kustomization("apps", json!({"timeout": "2m"}), json!({}))).clone();
    ks.metadata.generation = Some(2);
    let ks = Arc::new(ks);
    let mut timings = timings_at(0, &[ks]);
    let r = ks_ref("apps");
    timings.tick(at(T0, 2 * 60 + 59));
    assert!(timings.get(&r).unwrap().flags.stuck.is_none());
    timings.tick(at(T0, 3 * 60 + 1));
    assert_eq!(
        timings.get(&r).unwrap().flags.stuck,
        Some(Stuck::GenerationNotObserved)
    );
}

#[test]
fn a_never_reconciled_object_is_timed_from_its_creation() {
    let mut ks = (*kustomization(
        "apps",
        json!({"timeout": "2m"}),
        json!({"observedGeneration": -1, "conditions": []}),
    ))
    .clone();
    ks.metadata.creation_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
        at(T0, -3600),
    ));
    let timings = timings_at(0, &[Arc::new(ks)]);
    assert_eq!(
        timings.totals().stuck,
        1,
        "created an hour ago, never reconciled"
    );
}

fn with_runs(name: &str, runs_ms: &[u64]) -> Timings {
    let ks = kustomization(name, json!({}), json!({}));
    let mut timings = timings_at(0, &[ks]);
    for (i, ms) in runs_ms.iter().enumerate() {
        let secs = i64::try_from(i).unwrap() * 600;
        let took = crate::flux::duration::format_go_duration(Duration::from_millis(*ms));
        timings.record_event(&finished_event(name, secs, &took, i));
    }
    timings
}

#[test]
fn a_run_far_above_its_own_history_is_slow() {
    let timings = with_runs("apps", &[2000, 2100, 1900, 2050, 2200, 8000]);
    assert!(timings.get(&ks_ref("apps")).unwrap().flags.slow);
    assert_eq!(timings.totals().slow, 1);
}

#[test]
fn slow_needs_enough_history_a_real_margin_and_a_floor() {
    let few = with_runs("apps", &[2000, 2100, 1900, 2050, 8000]);
    assert!(
        !few.get(&ks_ref("apps")).unwrap().flags.slow,
        "4 earlier runs only"
    );
    let within = with_runs("apps", &[2000, 2100, 1900, 2050, 2200, 5900]);
    assert!(
        !within.get(&ks_ref("apps")).unwrap().flags.slow,
        "under 3 x p50"
    );
    let tiny = with_runs("apps", &[100, 110, 90, 105, 120, 900]);
    assert!(
        !tiny.get(&ks_ref("apps")).unwrap().flags.slow,
        "under the 1s floor"
    );
    let spiky = with_runs(
        "apps",
        &[2000, 2000, 2000, 2000, 9000, 2000, 2000, 2000, 2000, 12_000],
    );
    assert!(
        !spiky.get(&ks_ref("apps")).unwrap().flags.slow,
        "under 1.5 x p95"
    );
}

#[test]
fn history_and_event_of_one_run_count_once() {
    let mut timings = with_runs("apps", &[2000]);
    // the history entry the controller wrote for the same run, 1s before its event
    let mut ks = (*kustomization("apps", json!({}), history(0, "2s"))).clone();
    ks.status.history[0].last_reconciled = Some(at(T0, -1).to_string());
    timings.upsert(&Arc::new(ks));
    assert_eq!(timings.get(&ks_ref("apps")).unwrap().ring.len(), 1);
}

#[test]
fn totals_follow_changes_and_deletions() {
    let slow = with_runs("apps", &[2000, 2100, 1900, 2050, 2200, 8000]);
    let mut timings = slow;
    timings.remove(&ks_ref("apps"));
    assert_eq!(timings.totals(), super::Totals::default());
    assert!(timings.get(&ks_ref("apps")).is_none());
}

#[test]
fn ranking_orders_by_each_measure_worst_first() {
    let objects = [
        kustomization("fast", json!({}), history(-60, "1s")),
        kustomization("slow", json!({}), history(-120, "8m0s")),
        kustomization("stale", json!({"interval": "1m"}), history(-3600, "3s")),
        kustomization(
            "never",
            json!({}),
            json!({"conditions": [{"type": "Ready", "status": "False",
            "reason": "BuildFailed", "lastTransitionTime": stamp(-30)}]}),
        ),
    ];
    let timings = timings_at(0, &objects);
    let names = |key| -> Vec<String> { rank(&timings, key).into_iter().map(|r| r.name).collect() };
    assert_eq!(
        names(SortKey::LastDuration),
        ["slow", "stale", "fast", "never"]
    );
    assert_eq!(names(SortKey::P95), ["slow", "stale", "fast", "never"]);
    assert_eq!(names(SortKey::OverdueBy)[0], "stale");
    assert_eq!(
        names(SortKey::SinceSuccess),
        ["never", "stale", "slow", "fast"],
        "never seen ready is the worst since ok"
    );
    assert!(timings.get(&ks_ref("stale")).unwrap().flags.overdue);
    assert_eq!(names(SortKey::Flags)[0], "stale", "the only flagged one");
}

#[test]
fn ranking_across_clusters_interleaves_by_the_measure_not_by_cluster() {
    let a = timings_at(
        0,
        &[
            kustomization("a-fast", json!({}), history(-60, "1s")),
            kustomization("a-slow", json!({}), history(-120, "8m0s")),
        ],
    );
    let b = timings_at(
        0,
        &[
            kustomization("b-mid", json!({}), history(-60, "30s")),
            // The same identity as in cluster a: two rows, one per cluster.
            kustomization("a-fast", json!({}), history(-60, "2s")),
        ],
    );
    let ranked = super::rank_across(&[&a, &b], SortKey::LastDuration);
    let got: Vec<(usize, String)> = ranked.into_iter().map(|(i, r)| (i, r.name)).collect();
    assert_eq!(
        got,
        [
            (0, "a-slow".to_owned()),
            (1, "b-mid".to_owned()),
            (1, "a-fast".to_owned()),
            (0, "a-fast".to_owned()),
        ]
    );
    // One cluster alone ranks as `rank` does.
    let alone: Vec<ResourceRef> = super::rank_across(&[&a], SortKey::P95)
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    assert_eq!(alone, rank(&a, SortKey::P95));
}

#[test]
fn sort_key_cycles_through_every_measure() {
    let mut k = SortKey::default();
    let mut seen = vec![k];
    for _ in 1..SortKey::ALL.len() {
        k = k.next();
        seen.push(k);
    }
    assert_eq!(seen, SortKey::ALL);
    assert_eq!(k.next(), SortKey::default());
}

#[test]
fn events_before_their_object_are_kept_for_it() {
    let mut timings = Timings::new();
    timings.tick(at(T0, 0));
    timings.record_event(&finished_event("apps", 0, "3s", 1));
    assert!(!timings.get(&ks_ref("apps")).unwrap().is_listed());
    timings.upsert(&kustomization("apps", json!({}), json!({})));
    let entry = timings.get(&ks_ref("apps")).unwrap();
    assert!(entry.is_listed());
    assert_eq!(entry.last_duration(), Some(Duration::from_secs(3)));
}

#[test]
fn objects_listed_before_the_first_tick_start_their_clocks_at_it() {
    let mut timings = Timings::new();
    let mut ks = (*kustomization("apps", json!({"timeout": "2m"}), json!({}))).clone();
    ks.metadata.generation = Some(2);
    timings.upsert(&Arc::new(ks));
    timings.tick(at(T0, 0));
    timings.tick(at(T0, 3 * 60 + 1));
    assert_eq!(timings.totals().stuck, 1);
}

/// Recounts the flags of every object at the fleet's clock, the slow way.
fn recount(timings: &Timings) -> super::Totals {
    let mut t = super::Totals::default();
    for (_, o) in timings.iter() {
        let f = o.flags_at(timings.now());
        t.overdue += usize::from(f.overdue);
        t.stuck += usize::from(f.stuck.is_some());
        t.slow += usize::from(f.slow);
    }
    t
}

#[test]
fn incremental_totals_equal_a_recount_through_changes_ticks_and_deletions() {
    let mut timings = Timings::new();
    timings.tick(at(T0, 0));
    let names: Vec<String> = (0..12).map(|i| format!("ks-{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        let i = i64::try_from(i).unwrap();
        let status = if i % 3 == 0 {
            json!({"conditions": [{"type": "Reconciling", "status": "True", "reason": "Progressing",
                "lastTransitionTime": stamp(-i * 60)}]})
        } else {
            history(-i * 300, "2s")
        };
        let spec = json!({"timeout": format!("{}m", 1 + i % 4)});
        timings.upsert(&kustomization(name, spec, status));
    }
    for step in 1..40_i64 {
        timings.tick(at(T0, step * 90));
        let name = &names[usize::try_from(step).unwrap() % names.len()];
        match step % 4 {
            0 => timings.record_event(&finished_event(
                name,
                step * 90,
                "9s",
                usize::try_from(step).unwrap(),
            )),
            1 => timings.upsert(&kustomization(name, json!({}), history(step * 90, "2s"))),
            2 if step % 8 == 2 => timings.remove(&ks_ref(name)),
            _ => {}
        }
        assert_eq!(timings.totals(), recount(&timings), "step {step}");
    }
    assert!(
        timings.totals().overdue + timings.totals().stuck > 0,
        "the sequence exercised the flags"
    );
}

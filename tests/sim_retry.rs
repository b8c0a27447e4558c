//! Health holds still while controllers retry (issue 7 item 1). On the simulated cluster a GitRepository and a
//! Bucket that cannot fetch, a Kustomization whose apply fails and a HelmRelease whose install fails are retried
//! over and over; each retry runs the real status lifecycle (`Reconciling=True`, `Ready=Unknown` for the
//! seconds a run takes, the source's `FetchFailed=True` still set). The console's `State` and a `follow` Tracker
//! are fed through the real watch path, and sampled after every change across several retry cycles: the
//! counts, the root causes, the tree rows, the folded DAG, the diagnosis and follow's lines never move.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use support::objects::r;
use support::watch::spawn_watch;

use fluxops::app::state::Screen;
use fluxops::app::{Labels, Msg, State, update, view};
use fluxops::cluster::{ClusterEvent, Scope};
use fluxops::config::Config;
use fluxops::flux::{FluxKind, FluxObject, Health, ResourceRef};
use fluxops::follow::{FollowLine, TargetRevision, Tracker, TrackerOptions};
use k8s_openapi::jiff::Timestamp;
use std::collections::BTreeMap;
use std::time::Duration;

const COMMIT: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// Sources retry every 10 s, the Kustomization every 10 s, the HelmRelease every 10 s (helm-controller's
/// retry); each run takes 2–3 s. At 5x, a cycle is about 2 s of real time.
fn scenario() -> String {
    format!(
        "kind: Scenario
name: retries
timeScale: 1
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: repo, namespace: flux-system}}
spec: {{interval: 1h, url: https://github.com/acme/fleet, ref: {{branch: main}}}}
simulation: {{reconcile: 200ms, commit: {COMMIT}}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: broken, namespace: flux-system}}
spec: {{interval: 10s, url: https://github.com/acme/secrets, ref: {{branch: main}}}}
simulation:
  reconcile: 2s
  failure:
    reason: GitOperationFailed
    message: \"failed to checkout and determine revision: unable to clone 'https://github.com/acme/secrets': authentication required\"
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata: {{name: outputs, namespace: flux-system}}
spec: {{interval: 10s, bucketName: outputs, endpoint: minio.example.com}}
simulation:
  reconcile: 2s
  failure:
    reason: BucketOperationFailed
    message: \"bucket 'outputs' does not exist\"
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: secrets, namespace: flux-system}}
spec: {{interval: 10m, retryInterval: 10s, path: ./secrets, prune: true, sourceRef: {{kind: GitRepository, name: broken}}}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: tenants, namespace: flux-system}}
spec: {{interval: 10m, retryInterval: 10s, path: ./tenants, prune: true, dependsOn: [{{name: secrets}}], sourceRef: {{kind: GitRepository, name: repo}}}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: team, namespace: flux-system}}
spec: {{interval: 10m, retryInterval: 10s, path: ./team, prune: true, dependsOn: [{{name: tenants}}], sourceRef: {{kind: GitRepository, name: repo}}}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: apps, namespace: flux-system}}
spec: {{interval: 10m, retryInterval: 10s, path: ./apps, prune: true, sourceRef: {{kind: GitRepository, name: repo}}}}
simulation:
  reconcile: 3s
  failure:
    reason: ReconciliationFailed
    message: 'Deployment/apps/podinfo dry-run failed (Invalid): Deployment.apps \"podinfo\" is invalid: spec.selector: Invalid value: v1.LabelSelector{{}}: field is immutable'
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: smoke, namespace: flux-system}}
spec: {{interval: 10m, retryInterval: 10s, path: ./smoke, prune: true, dependsOn: [{{name: apps}}], sourceRef: {{kind: GitRepository, name: repo}}}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {{name: charts, namespace: flux-system}}
spec: {{interval: 1h, url: https://charts.example.com}}
simulation: {{reconcile: 200ms}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: redis, namespace: flux-system}}
spec:
  interval: 10m
  install: {{remediation: {{retries: -1}}}}
  chart: {{spec: {{chart: redis, version: '18.x', sourceRef: {{kind: HelmRepository, name: charts}}}}}}
simulation:
  reconcile: 3s
  failure:
    reason: InstallFailed
    message: 'timed out waiting for the condition'
"
    )
}

fn refs() -> [(ResourceRef, Health); 10] {
    let ns = "flux-system";
    [
        (r(FluxKind::GitRepository, ns, "repo"), Health::Ready),
        (r(FluxKind::GitRepository, ns, "broken"), Health::Failing),
        (r(FluxKind::Bucket, ns, "outputs"), Health::Failing),
        (r(FluxKind::Kustomization, ns, "secrets"), Health::Blocked),
        (r(FluxKind::Kustomization, ns, "tenants"), Health::Blocked),
        (r(FluxKind::Kustomization, ns, "team"), Health::Blocked),
        (r(FluxKind::Kustomization, ns, "apps"), Health::Failing),
        (r(FluxKind::Kustomization, ns, "smoke"), Health::Blocked),
        (r(FluxKind::HelmRepository, ns, "charts"), Health::Ready),
        (r(FluxKind::HelmRelease, ns, "redis"), Health::Failing),
    ]
}

/// A tree row's (object, health, reason, blocked by, waiting on).
type Row = (
    ResourceRef,
    Option<Health>,
    String,
    Option<String>,
    Option<String>,
);

/// Everything an engineer reads that must not flicker.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    counts: BTreeMap<Health, usize>,
    root_causes: Vec<(ResourceRef, Vec<ResourceRef>)>,
    /// (health, reason, blocked by, waiting on) of every tree row.
    rows: Vec<Row>,
    /// The whole DAG's boxes (folded chains included) and their healths.
    dag: Vec<(String, Option<Health>)>,
    /// The diagnosis class of every failing object.
    diagnoses: Vec<(ResourceRef, Option<String>)>,
}

fn snapshot(state: &mut State, now: Timestamp) -> Snapshot {
    let all: Vec<ResourceRef> = refs().into_iter().map(|(r, _)| r).collect();
    let rows = all
        .iter()
        .map(|r| {
            let row = view::row(state, r);
            (
                r.clone(),
                row.health,
                row.reason,
                row.blocked_by,
                row.waiting_on,
            )
        })
        .collect();
    let diagnoses = all
        .iter()
        .filter(|r| state.objects[*r].status.health == Health::Failing)
        .map(|r| {
            let d = fluxops::app::detail_view::build(state, r, now).diagnosis;
            (r.clone(), d.map(|d| d.class))
        })
        .collect();
    state.screen = Screen::Dag;
    state.dag.depth = None;
    let mut dag: Vec<(String, Option<Health>)> = view::build(state, now)
        .dag
        .unwrap()
        .boxes
        .into_iter()
        .map(|b| (b.text, b.health))
        .collect();
    dag.sort();
    state.screen = Screen::Tree;
    Snapshot {
        counts: state.health_counts().clone(),
        root_causes: state
            .graph
            .all_root_causes()
            .into_iter()
            .map(|(r, c)| (r.clone(), c.to_vec()))
            .collect(),
        rows,
        dag,
        diagnoses,
    }
}

/// Where an object is in a retry: in a run (Reconciling with reason Progressing, or Ready=Unknown).
fn in_run(obj: &FluxObject) -> bool {
    obj.condition("Ready")
        .is_some_and(|c| c.status == "Unknown")
        || obj
            .condition("Reconciling")
            .is_some_and(|c| c.status == "True" && c.reason == "Progressing")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_root_causes_folding_diagnosis_and_follow_hold_still_across_retry_cycles() {
    let c = support::sim::scenario(&scenario(), 5.0).await;
    let (mut rx, cancel) = spawn_watch(c.client.clone(), Scope::All);
    let mut state = State::new(
        Config::builtin(),
        Labels {
            context: "retries".into(),
            namespace: None,
        },
    );
    update(
        &mut state,
        Msg::Resize {
            width: 200,
            height: 60,
        },
    );
    let mut tracker = Tracker::new(
        TargetRevision::parse(COMMIT).unwrap(),
        TrackerOptions {
            fail_fast: false,
            ..TrackerOptions::default()
        },
        Timestamp::now(),
    );
    let mut lines: Vec<FollowLine> = Vec::new();
    let expected = refs();
    let settled = |s: &State| {
        expected.iter().all(|(r, h)| {
            s.objects.get(r).is_some_and(|e| {
                e.status.health == *h
                    // Each failing object has failed at least once (its failure is on record).
                    && (*h != Health::Failing || e.object.condition("Ready").is_some_and(|c| c.status == "False"))
            })
        })
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    let feed = |state: &mut State,
                tracker: &mut Tracker,
                ev: ClusterEvent,
                lines: &mut Vec<FollowLine>| {
        let now = Timestamp::now();
        lines.extend(tracker.on_event(&ev, now));
        update(state, Msg::Cluster(ev));
        update(state, Msg::Tick(now));
    };
    while !settled(&state) {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the failures appear")
            .expect("the watch keeps going");
        feed(&mut state, &mut tracker, ev, &mut lines);
    }
    let first = snapshot(&mut state, Timestamp::now());
    let said = lines.len();
    let followed_lines: Vec<String> = lines.iter().map(|l| format!("{l:?}")).collect();

    // Watch the retries: count the runs each failing object goes through, sampling after every change.
    let failing: Vec<ResourceRef> = expected
        .iter()
        .filter(|(_, h)| *h == Health::Failing)
        .map(|(r, _)| r.clone())
        .collect();
    let mut runs: BTreeMap<ResourceRef, usize> = failing.iter().map(|r| (r.clone(), 0)).collect();
    let mut running: BTreeMap<ResourceRef, bool> = BTreeMap::new();
    let mut samples = 0;
    while runs.values().any(|n| *n < 3) {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("three retry runs of each failing object: {runs:?}"))
            .expect("the watch keeps going");
        if let ClusterEvent::Upserted(obj) = &ev {
            let me = obj.resource_ref().unwrap();
            if let Some(n) = runs.get_mut(&me) {
                let now_running = in_run(obj);
                if now_running && !running.get(&me).copied().unwrap_or(false) {
                    *n += 1;
                }
                running.insert(me, now_running);
            }
        }
        feed(&mut state, &mut tracker, ev, &mut lines);
        let now = Timestamp::now();
        let sample = snapshot(&mut state, now);
        assert_eq!(
            sample, first,
            "sample {samples} moved (runs so far {runs:?})"
        );
        for (r, h) in &expected {
            assert_eq!(state.objects[r].status.health, *h, "{r}");
            assert_eq!(
                state.graph.node(r).and_then(|n| n.health),
                Some(*h),
                "graph health of {r}"
            );
        }
        samples += 1;
    }
    assert_eq!(
        lines.len(),
        said,
        "follow said something new during the retries: {:#?} after {followed_lines:#?}",
        &lines[said..]
    );
    assert!(samples > 10, "{samples} samples");
    cancel.cancel();
    c.sim.shutdown().await;
}

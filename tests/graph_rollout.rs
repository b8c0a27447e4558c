//! Revision rollout end to end: the simulated cluster pushes a new commit, the fleet is read the way
//! `fluxops graph` reads it (`cluster::list::list_all` through unmodified kube-rs), the graph is built, and the
//! rollout of the Git source is followed until it settles.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::cluster::Scope;
use fluxops::cluster::list::list_all;
use fluxops::flux::{FluxKind, ResourceRef};
use fluxops::graph::Graph;
use fluxops::graph::rollout::{Lag, Rollout};
use std::time::{Duration, Instant};
use support::objects::{GIT, ks};
use support::sim::{scenario, shipped};

async fn rollout_now(client: &kube::Client, source: &ResourceRef) -> (Graph, Option<Rollout>) {
    let listing = list_all(client, &Scope::All).await.unwrap();
    let graph = Graph::build(listing.objects);
    let rollout = graph.rollout(source);
    (graph, rollout)
}

/// Polls until `done` holds for the rollout (and graph), returning every rollout seen on the way.
async fn follow(
    client: &kube::Client,
    source: &ResourceRef,
    limit: Duration,
    mut done: impl FnMut(&Graph, &Rollout) -> bool,
) -> Vec<Rollout> {
    let start = Instant::now();
    let mut seen = Vec::new();
    loop {
        let (graph, rollout) = rollout_now(client, source).await;
        if let Some(r) = rollout {
            let finished = done(&graph, &r);
            seen.push(r);
            if finished {
                return seen;
            }
        }
        assert!(
            start.elapsed() < limit,
            "rollout did not settle in {limit:?}; last: {:?}",
            seen.last()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_commit_rolls_through_a_chain_from_k_of_n_to_n_of_n() {
    let git = GIT.replace(
        "simulation: {reconcile: 50ms}",
        "simulation: {reconcile: 50ms, revisions: {every: 5m, count: 1}}",
    );
    let text = format!(
        "kind: Scenario\nname: t\n{git}{}{}{}",
        ks("base", "1h", "", "{reconcile: 20s}"),
        ks(
            "mid",
            "1h",
            ", dependsOn: [{name: base}]",
            "{reconcile: 20s}"
        ),
        ks(
            "top",
            "1h",
            ", dependsOn: [{name: mid}]",
            "{reconcile: 20s}"
        ),
    );
    let c = scenario(&text, 60.0).await;
    let repo = ResourceRef::new(FluxKind::GitRepository, "flux-system", "repo");
    // First revision everywhere.
    let first = follow(&c.client, &repo, Duration::from_secs(60), |_, r| {
        r.complete()
    })
    .await;
    let first_rev = first.last().unwrap().revision.clone();
    assert_eq!(first.last().unwrap().consumers.len(), 3);
    // Then the new commit, until all three run it.
    let seen = follow(&c.client, &repo, Duration::from_secs(60), |_, r| {
        r.revision != first_rev && r.complete()
    })
    .await;
    let at_new: Vec<&Rollout> = seen.iter().filter(|r| r.revision != first_rev).collect();
    let counts: Vec<usize> = at_new.iter().map(|r| r.applied()).collect();
    assert!(
        counts.first().is_some_and(|k| *k < 3),
        "the new revision was seen before it was applied everywhere: {counts:?}"
    );
    assert_eq!(counts.last(), Some(&3));
    assert!(
        counts.windows(2).all(|w| w[0] <= w[1]),
        "progress never goes back: {counts:?}"
    );
    // While it rolled, the laggards were progressing or waiting on their dependency, never failing.
    for r in &at_new {
        for c in r.lagging() {
            assert!(
                matches!(c.lag, Some(Lag::Progressing | Lag::Blocked)),
                "{c:?}"
            );
        }
    }
    let last = at_new.last().unwrap();
    assert_eq!(
        last.to_string(),
        format!("3/3 at {}", short(&last.revision))
    );
    c.sim.shutdown().await;
}

fn short(rev: &str) -> String {
    fluxops::graph::rollout::short_revision(rev)
}

/// The demo's `flux-system` GitRepository gets a new commit 4 simulated minutes in; `apps` fails to apply it
/// (immutable field) and what depends on it cannot follow. Everything else catches up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_commit_rolls_through_the_fleet_except_behind_the_failing_apply() {
    let c = shipped("demo", 60.0).await;
    let repo = ResourceRef::new(FluxKind::GitRepository, "flux-system", "flux-system");
    let apps = ResourceRef::new(FluxKind::Kustomization, "flux-system", "apps");
    let (_, before) = rollout_now(&c.client, &repo).await;
    let first_rev = before.map(|r| r.revision);
    // Settled: the new revision, every laggard either apps failing at it or blocked behind a failure.
    let seen = follow(&c.client, &repo, Duration::from_secs(120), |graph, r| {
        Some(&r.revision) != first_rev.as_ref()
            && r.revision.starts_with("main@sha1:")
            && r.lagging().all(|l| {
                (l.consumer == apps && l.lag == Some(Lag::Failing) && l.attempted)
                    || !graph.root_causes(&l.consumer).is_empty()
                        && graph.root_causes(&l.consumer) != [l.consumer.clone()]
            })
            && r.lagging().any(|l| l.consumer == apps)
    })
    .await;
    let last = seen.last().unwrap();
    let at_new: Vec<usize> = seen
        .iter()
        .filter(|r| r.revision == last.revision)
        .map(Rollout::applied)
        .collect();
    assert!(last.applied() > 0 && !last.complete(), "{last:?}");
    assert!(
        at_new.first().is_some_and(|k| *k <= last.applied()),
        "{at_new:?}"
    );
    c.sim.shutdown().await;
}

//! The `runbooks` scenario (fixtures/scenarios/runbooks.yaml) on the simulated cluster: every runbook the
//! diagnosis can name (`diagnosis::next_step::CATALOGUE`) has an object `runbooks/rb-<id>` that the simulated
//! controllers make fail (or wait) so that its live diagnosis names that runbook — so each shipped runbook can be
//! walked on a named scenario (`fluxops sim --scenario runbooks`), not only the demo's few.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::diagnosis::diagnose_object;
use fluxops::diagnosis::next_step::CATALOGUE;
use fluxops::flux::{FluxKind, FluxObject};
use kube::api::ListParams;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_runbook_the_diagnosis_names_has_a_failing_object_in_the_runbooks_scenario() {
    let cluster = support::sim::shipped("runbooks", 30.0).await;
    let expected: BTreeSet<&str> = CATALOGUE.iter().map(|s| s.runbook).collect();
    let started = Instant::now();
    // What each object's diagnosis named, over the polls: a failing object spends a moment of each retry as
    // Reconciling (Ready Unknown), when its raw conditions name nothing.
    let mut named: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    loop {
        for kind in FluxKind::ALL {
            let Ok(list) = cluster
                .api(kind, "runbooks")
                .list(&ListParams::default())
                .await
            else {
                continue;
            };
            for item in list.items {
                let mut value = serde_json::to_value(&item).unwrap();
                value["kind"] = kind.as_str().into();
                let obj: FluxObject = serde_json::from_value(value).unwrap();
                let name = obj.metadata.name.clone().unwrap_or_default();
                if let Some(d) = diagnose_object(&obj) {
                    named
                        .entry(name)
                        .or_default()
                        .insert(d.next_step.runbook.to_owned());
                }
            }
        }
        let missing: Vec<&&str> = expected
            .iter()
            .filter(|rb| {
                !named
                    .get(&format!("rb-{rb}"))
                    .is_some_and(|seen| seen.contains(**rb))
            })
            .collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no object of the scenario names {missing:?}; what each names: {named:#?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    cluster.sim.shutdown().await;
}

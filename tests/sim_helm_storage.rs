//! The simulated helm-controller keeps Helm 3's release records (`sh.helm.release.v1.<release>.v<N>` Secrets,
//! labels owner/name/status/version): an interrupted upgrade leaves a `pending-upgrade` record, the HelmRelease
//! then fails with Helm's lock error ("another operation (install/upgrade/rollback) is in progress") and stays
//! failing until that record is deleted and the HelmRelease reset; then it upgrades and is Ready, the new
//! record `deployed` and the older `superseded`. The records are found with the `helm-unlock` action's selector.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::flux::FluxKind;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, DeleteParams, ListParams};
use serde_json::Value;
use support::sim::scenario;
use support::status::{condition, has};

const TEXT: &str = "kind: Scenario
name: t
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: db-chart, namespace: data}
spec: {interval: 1h, url: oci://registry-1.docker.io/bitnamicharts/postgresql, ref: {semver: 16.x}}
simulation: {chartVersion: 16.4.2, revisions: {every: 1m, count: 1}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: db, namespace: data}
spec:
  interval: 1h
  chartRef: {kind: OCIRepository, name: db-chart}
simulation:
  reconcile: 5s
  interrupted: {after: 1, status: pending-upgrade}
";

const PENDING: &str =
    "owner=helm,name=db,status in (pending-install,pending-upgrade,pending-rollback)";

async fn records(api: &Api<Secret>, selector: &str) -> Vec<(String, String, String)> {
    let mut found: Vec<(String, String, String)> = api
        .list(&ListParams::default().labels(selector))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| {
            assert_eq!(s.type_.as_deref(), Some("helm.sh/release.v1"));
            let labels = s.metadata.labels.unwrap_or_default();
            (
                s.metadata.name.unwrap_or_default(),
                labels.get("status").cloned().unwrap_or_default(),
                labels.get("version").cloned().unwrap_or_default(),
            )
        })
        .collect();
    found.sort();
    found
}

fn triple(name: &str, status: &str, version: &str) -> (String, String, String) {
    (name.to_owned(), status.to_owned(), version.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_release_record_locks_the_release_until_removed_and_reset() {
    let c = scenario(TEXT, 100.0).await;
    let locked = |o: &Value| {
        has(o, "Ready", "False", "UpgradeFailed") && has(o, "Stalled", "True", "RetriesExceeded")
    };
    let failed = c
        .wait(FluxKind::HelmRelease, "data", "db", "locked", locked)
        .await;
    let message = condition(&failed, "Ready").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message
            .starts_with("Helm upgrade failed for release data/db with chart postgresql@16.4.3+")
            && message.ends_with(": another operation (install/upgrade/rollback) is in progress"),
        "{message}"
    );
    let secrets: Api<Secret> = Api::namespaced(c.client.clone(), "data");
    assert_eq!(
        records(&secrets, "owner=helm,name=db").await,
        [
            triple("sh.helm.release.v1.db.v1", "deployed", "1"),
            triple("sh.helm.release.v1.db.v2", "pending-upgrade", "2"),
        ]
    );
    assert_eq!(
        records(&secrets, PENDING).await,
        [triple("sh.helm.release.v1.db.v2", "pending-upgrade", "2")]
    );
    // A reset alone does not help: the record still locks the release.
    let reset = |token: &'static str| {
        let c = &c;
        async move {
            c.request_reconcile(
                FluxKind::HelmRelease,
                "data",
                "db",
                token,
                &["reconcile.fluxcd.io/resetAt"],
            )
            .await;
        }
    };
    reset("2026-01-01T00:00:01Z").await;
    let again = c
        .wait(FluxKind::HelmRelease, "data", "db", "locked again", |o| {
            o["status"]["lastHandledResetAt"] == "2026-01-01T00:00:01Z" && locked(o)
        })
        .await;
    assert_eq!(
        condition(&again, "Ready").unwrap()["message"],
        message.as_str()
    );

    for (name, _, _) in records(&secrets, PENDING).await {
        secrets
            .delete(&name, &DeleteParams::default())
            .await
            .unwrap();
    }
    assert!(records(&secrets, PENDING).await.is_empty());
    reset("2026-01-01T00:00:02Z").await;
    let done = c
        .wait(FluxKind::HelmRelease, "data", "db", "upgraded", |o| {
            o["status"]["lastHandledResetAt"] == "2026-01-01T00:00:02Z"
                && has(o, "Ready", "True", "UpgradeSucceeded")
        })
        .await;
    assert!(condition(&done, "Stalled").is_none());
    assert_eq!(done["status"]["history"][0]["status"], "deployed");
    assert_eq!(done["status"]["history"][0]["version"], 2);
    assert_eq!(
        records(&secrets, "owner=helm,name=db").await,
        [
            triple("sh.helm.release.v1.db.v1", "superseded", "1"),
            triple("sh.helm.release.v1.db.v2", "deployed", "2"),
        ]
    );
    assert_eq!(
        records(&secrets, "owner=helm,name=db,status=deployed")
            .await
            .len(),
        1
    );
    c.sim.shutdown().await;
}

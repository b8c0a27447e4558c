//! Helm 3's release storage as the simulated helm-controller keeps it (Helm's `secrets` driver): one Secret per
//! release version, `sh.helm.release.v1.<release>.v<N>` in the storage namespace, type `helm.sh/release.v1`,
//! labels `owner=helm`, `name=<release>`, `status=<deployed|superseded|failed|pending-install|pending-upgrade|
//! pending-rollback|uninstalled>`, `version=<N>` and `createdAt`/`modifiedAt` (Unix seconds). The release itself
//! (`data.release`) is an opaque placeholder: Helm stores base64(gzip(JSON)); the simulator stores the base64 of
//! a small JSON. The storage is read back on every reconcile: the latest record decides whether the release is
//! locked (a pending status), and the next version number.

use super::helm::ResolvedChart;
use super::object;
use crate::sim::GroupResource;
use crate::sim::store::{Selector, Store};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::sync::Arc;

/// Helm's `errPending` (helm/pkg/action): an upgrade, install or rollback of a release whose latest record is
/// pending.
pub const ERR_PENDING: &str = "another operation (install/upgrade/rollback) is in progress";

/// One stored release record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub version: i64,
    pub status: String,
    pub secret: Arc<Value>,
}

impl Record {
    /// `pending-install`, `pending-upgrade` or `pending-rollback`.
    #[must_use]
    pub fn is_pending(&self) -> bool {
        self.status.starts_with("pending-")
    }
}

fn secrets() -> GroupResource {
    GroupResource::new("", "secrets")
}

/// The namespace Helm keeps the records in: `spec.storageNamespace`, else the HelmRelease's namespace.
#[must_use]
pub fn storage_namespace(hr: &Value) -> &str {
    object::str_at(hr, "/spec/storageNamespace").unwrap_or(object::namespace(hr))
}

/// The records of `release` in `namespace`, oldest first.
#[must_use]
pub fn records(store: &Store, namespace: &str, release: &str) -> Vec<Record> {
    let selector = Selector::with_labels(&[("owner", "helm"), ("name", release)]);
    let mut found: Vec<Record> = store
        .list(&secrets(), Some(namespace), &selector)
        .items
        .into_iter()
        .filter(|s| object::str_at(s, "/type") == Some("helm.sh/release.v1"))
        .filter_map(|s| {
            let version = object::label(&s, "version")?.parse().ok()?;
            let status = object::label(&s, "status")?.to_owned();
            Some(Record {
                version,
                status,
                secret: s,
            })
        })
        .collect();
    found.sort_by_key(|r| r.version);
    found
}

fn unix_now() -> String {
    k8s_openapi::jiff::Timestamp::now().as_second().to_string()
}

/// A new record (what Helm's `Create` writes).
#[must_use]
pub fn new_record(
    storage_namespace: &str,
    release: &str,
    release_namespace: &str,
    version: i64,
    status: &str,
    chart: &ResolvedChart,
) -> Value {
    let body = json!({"name": release, "namespace": release_namespace, "version": version,
                      "info": {"status": status},
                      "chart": {"metadata": {"name": chart.name, "version": chart.version}}});
    json!({
        "apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
        "metadata": {"name": format!("sh.helm.release.v1.{release}.v{version}"), "namespace": storage_namespace,
                     "labels": {"name": release, "owner": "helm", "status": status,
                                "version": version.to_string(), "createdAt": unix_now()}},
        "data": {"release": STANDARD.encode(STANDARD.encode(body.to_string()))},
    })
}

/// An existing record with a new status (what Helm's `Update` writes: the `status` and `modifiedAt` labels).
#[must_use]
pub fn restatus(record: &Record, status: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": object::name(&record.secret), "namespace": object::namespace(&record.secret),
                     "labels": {"status": status, "modifiedAt": unix_now()}},
    })
}

/// The writes of a completed action that created `version` with `status`: the new record, and `deployed` records
/// before it marked `superseded` when the new one is `deployed`.
#[must_use]
pub fn completed(existing: &[Record], new: Value, status: &str) -> Vec<Value> {
    let mut writes = Vec::new();
    if status == "deployed" {
        writes.extend(
            existing
                .iter()
                .filter(|r| r.status == "deployed")
                .map(|r| restatus(r, "superseded")),
        );
    }
    writes.push(new);
    writes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> ResolvedChart {
        ResolvedChart {
            name: "podinfo".into(),
            version: "6.7.1".into(),
            oci_digest: None,
        }
    }

    #[test]
    fn records_are_read_back_in_version_order_with_their_status() {
        let store = Store::standard();
        for (v, status) in [(2, "pending-upgrade"), (1, "deployed")] {
            store
                .upsert(new_record("apps", "web", "apps", v, status, &chart()))
                .unwrap();
        }
        let other = new_record("apps", "other", "apps", 1, "deployed", &chart());
        store.upsert(other).unwrap();
        let found = records(&store, "apps", "web");
        let seen: Vec<(i64, &str)> = found
            .iter()
            .map(|r| (r.version, r.status.as_str()))
            .collect();
        assert_eq!(seen, [(1, "deployed"), (2, "pending-upgrade")]);
        assert!(found[1].is_pending() && !found[0].is_pending());
        assert_eq!(object::name(&found[1].secret), "sh.helm.release.v1.web.v2");
        let writes = completed(
            &found[..1],
            new_record("apps", "web", "apps", 3, "deployed", &chart()),
            "deployed",
        );
        assert_eq!(writes.len(), 2);
        assert_eq!(writes[0]["metadata"]["labels"]["status"], "superseded");
    }
}

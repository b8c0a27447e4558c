//! `status.inventory` of Kustomizations and HelmReleases (FLUX.md §4): entries `{id, v}` with ids
//! `<namespace>_<name>_<group>_<kind>` (`:` in names transcoded to `__`), built from the Flux objects a
//! Kustomization applied, a scenario's extra items, or a plausible default workload.

use super::object;
use crate::sim::scenario::InventoryItem;
use serde_json::{Value, json};
use std::sync::Arc;

/// The inventory id of one object (cli-utils ObjMetadata encoding).
#[must_use]
pub fn entry_id(namespace: &str, name: &str, group: &str, kind: &str) -> String {
    format!("{namespace}_{}_{group}_{kind}", name.replace(':', "__"))
}

/// `(group, version)` of an `apiVersion` (`apps/v1` → (`apps`, `v1`), `v1` → (``, `v1`)).
#[must_use]
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

/// One inventory entry.
#[must_use]
pub fn entry(api_version: &str, kind: &str, namespace: &str, name: &str) -> Value {
    let (group, version) = split_api_version(api_version);
    json!({"id": entry_id(namespace, name, group, kind), "v": version})
}

fn item_entry(item: &InventoryItem) -> Value {
    entry(
        &item.api_version,
        &item.kind,
        item.namespace.as_deref().unwrap_or_default(),
        &item.name,
    )
}

fn workload(namespace: &str, name: &str) -> Vec<Value> {
    vec![
        entry("v1", "ServiceAccount", namespace, name),
        entry("v1", "Service", namespace, name),
        entry("apps/v1", "Deployment", namespace, name),
    ]
}

fn finish(mut entries: Vec<Value>) -> Value {
    entries.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    entries.dedup();
    json!({ "entries": entries })
}

/// A Kustomization's inventory: its Flux children, the scenario's items, else a default workload.
#[must_use]
pub fn kustomization(obj: &Value, children: &[Arc<Value>], items: &[InventoryItem]) -> Value {
    let mut entries: Vec<Value> = children
        .iter()
        .map(|c| {
            entry(
                object::str_at(c, "/apiVersion").unwrap_or_default(),
                object::str_at(c, "/kind").unwrap_or_default(),
                object::namespace(c),
                object::name(c),
            )
        })
        .chain(items.iter().map(item_entry))
        .collect();
    if entries.is_empty() {
        let ns = object::str_at(obj, "/spec/targetNamespace").unwrap_or(object::namespace(obj));
        entries = workload(ns, object::name(obj));
    }
    finish(entries)
}

/// A HelmRelease's inventory: the scenario's items, else the release's default workload.
#[must_use]
pub fn helmrelease(release_name: &str, target_namespace: &str, items: &[InventoryItem]) -> Value {
    if items.is_empty() {
        finish(workload(target_namespace, release_name))
    } else {
        finish(items.iter().map(item_entry).collect())
    }
}

/// The `Kind/namespace/name` lines of a change set for the objects in `inventory` (`created`/`configured`).
#[must_use]
pub fn change_set(inventory: &Value, action: &str) -> String {
    change_set_filtered(inventory, action, |_| true)
}

/// The change set of a new revision: a stable subset of the objects (`changed(id)`) is `configured`;
/// unchanged objects are left out, as kustomize-controller filters them.
#[must_use]
pub fn change_set_filtered(
    inventory: &Value,
    action: &str,
    changed: impl Fn(&str) -> bool,
) -> String {
    inventory["entries"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e.get("id").and_then(Value::as_str).is_some_and(&changed))
                .filter_map(|e| {
                    let id = e.get("id")?.as_str()?;
                    let (ns, rest) = id.split_once('_')?;
                    let (rest, kind) = rest.rsplit_once('_')?;
                    let (name, _group) = rest.rsplit_once('_')?;
                    let name = name.replace("__", ":");
                    Some(if ns.is_empty() {
                        format!("{kind}/{name} {action}")
                    } else {
                        format!("{kind}/{ns}/{name} {action}")
                    })
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_cli_utils_encoding() {
        assert_eq!(
            entry_id("default", "podinfo", "", "Service"),
            "default_podinfo__Service"
        );
        assert_eq!(
            entry_id("default", "podinfo", "apps", "Deployment"),
            "default_podinfo_apps_Deployment"
        );
        assert_eq!(
            entry_id("", "flux-system", "", "Namespace"),
            "_flux-system__Namespace"
        );
        assert_eq!(
            entry_id(
                "kube-system",
                "kubeadm:nodes-kubeadm-config",
                "rbac.authorization.k8s.io",
                "Role"
            ),
            "kube-system_kubeadm__nodes-kubeadm-config_rbac.authorization.k8s.io_Role"
        );
        assert_eq!(
            entry(
                "autoscaling/v2",
                "HorizontalPodAutoscaler",
                "default",
                "podinfo"
            ),
            json!({"id": "default_podinfo_autoscaling_HorizontalPodAutoscaler", "v": "v2"})
        );
    }

    #[test]
    fn flux_children_become_entries() {
        let ks = json!({"metadata": {"name": "flux-system", "namespace": "flux-system"}});
        let child = Arc::new(
            json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"}}),
        );
        let inv = kustomization(&ks, &[child], &[]);
        assert_eq!(
            inv["entries"][0],
            json!({"id": "flux-system_apps_kustomize.toolkit.fluxcd.io_Kustomization", "v": "v1"})
        );
        assert_eq!(
            change_set(&inv, "created"),
            "Kustomization/flux-system/apps created"
        );
    }

    #[test]
    fn default_workload_when_nothing_is_known() {
        let ks = json!({"metadata": {"name": "podinfo", "namespace": "flux-system"}, "spec": {"targetNamespace": "apps"}});
        let inv = kustomization(&ks, &[], &[]);
        assert_eq!(inv["entries"].as_array().unwrap().len(), 3);
        assert!(change_set(&inv, "created").contains("Deployment/apps/podinfo created"));
    }
}

//! Putting a scenario into a simulated cluster: the registry of served Flux versions (old-API scenarios),
//! the kinds whose CRD is missing, and the objects themselves (created through the store like `kubectl
//! apply` would, with their Namespaces).

use super::{Scenario, ScenarioObject};
use crate::flux::FluxKind;
use crate::sim::controllers::object;
use crate::sim::resource::{GroupResource, Registry};
use crate::sim::store::{ObjectKey, Store, StoreError, WriteOptions};
use serde_json::json;
use std::collections::BTreeSet;

/// The field manager scenario objects are created with.
pub const MANAGER: &str = "kubectl-client-side-apply";

impl Scenario {
    /// The registry of the scenario's cluster: every Flux kind at its current version unless `served` says
    /// otherwise (kinds with no served version keep their definition: see [`Scenario::missing`]).
    #[must_use]
    pub fn registry(&self) -> Registry {
        let mut registry = Registry::standard();
        for (kind, versions) in &self.served {
            if !versions.is_empty() {
                registry.set_flux_versions(*kind, versions.clone());
            }
        }
        registry
    }

    /// Flux kinds whose CRD the scenario's cluster does not have.
    #[must_use]
    pub fn missing(&self) -> Vec<GroupResource> {
        self.served
            .iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(k, _)| GroupResource::flux(*k))
            .collect()
    }

    /// Creates the scenario's Namespaces and objects in `store`.
    ///
    /// # Errors
    /// The first object the store rejects.
    pub fn create_in(&self, store: &Store) -> Result<(), StoreError> {
        create_objects(
            store,
            self.objects.iter().map(|o: &ScenarioObject| &o.manifest),
        )?;
        create_cluster_objects(store, &self.cluster_objects)
    }
}

/// Creates built-in objects as written: the object, then its `status` (the store resets `status` on create
/// where a status subresource exists, as the real server does). Their Namespaces must exist (the Flux objects'
/// Namespaces, or a Namespace document before them).
fn create_cluster_objects(store: &Store, objects: &[ScenarioObject]) -> Result<(), StoreError> {
    let opts = WriteOptions::manager(MANAGER);
    for o in objects {
        let m = &o.manifest;
        let (group, _) = object::str_at(m, "/apiVersion")
            .unwrap_or_default()
            .rsplit_once('/')
            .unwrap_or(("", ""));
        let kind = object::str_at(m, "/kind").unwrap_or_default();
        let Some(def) = store.registry().by_kind(group, kind) else {
            continue;
        };
        let resource = def.group_resource();
        let namespace = if def.namespaced {
            object::namespace(m)
        } else {
            ""
        };
        if !namespace.is_empty() {
            let ns =
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
            match store.create(&GroupResource::new("", "namespaces"), "", ns, &opts) {
                Ok(_) | Err(StoreError::AlreadyExists { .. }) => {}
                Err(err) => return Err(err),
            }
        }
        let stored = match store.create(&resource, namespace, m.clone(), &opts) {
            Ok(stored) => stored,
            Err(StoreError::AlreadyExists { .. }) => continue,
            Err(err) => return Err(err),
        };
        if let Some(status) = m.get("status").filter(|_| def.status_subresource) {
            let key = ObjectKey::new(resource, namespace, object::name(&stored));
            store.update_status(&key, status.clone())?;
        }
    }
    Ok(())
}

/// Creates `manifests` (Flux objects) and the Namespaces they live in.
///
/// # Errors
/// The first object the store rejects (existing objects are left as they are).
pub fn create_objects<'a>(
    store: &Store,
    manifests: impl Iterator<Item = &'a serde_json::Value> + Clone,
) -> Result<(), StoreError> {
    let opts = WriteOptions::manager(MANAGER);
    let namespaces: BTreeSet<&str> = manifests
        .clone()
        .map(object::namespace)
        .filter(|n| !n.is_empty())
        .collect();
    let ns_resource = GroupResource::new("", "namespaces");
    for ns in namespaces {
        let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
        match store.create(&ns_resource, "", obj, &opts) {
            Ok(_) | Err(StoreError::AlreadyExists { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    for manifest in manifests {
        let Some(kind) = object::str_at(manifest, "/kind").and_then(FluxKind::from_kind) else {
            continue;
        };
        let resource = GroupResource::flux(kind);
        match store.create(
            &resource,
            object::namespace(manifest),
            manifest.clone(),
            &opts,
        ) {
            Ok(_) | Err(StoreError::AlreadyExists { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

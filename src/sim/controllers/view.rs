//! What a controller can see of the cluster during a reconcile: Flux objects by identity (read from the store,
//! like the real controllers' uncached reads) and the Flux objects a Kustomization applied (found through the
//! `kustomize.toolkit.fluxcd.io/name|namespace` ownership labels, indexed as objects change).

use super::object;
use crate::flux::{FluxKind, ResourceRef};
use crate::sim::store::{ObjectKey, Store};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, PoisonError, RwLock};

/// Kustomization ownership labels (pkg/ssa SetOwnerLabels).
pub const KS_OWNER_NAME: &str = "kustomize.toolkit.fluxcd.io/name";
pub const KS_OWNER_NAMESPACE: &str = "kustomize.toolkit.fluxcd.io/namespace";
/// HelmRelease ownership labels (on the HelmChart and Helm-managed objects).
pub const HR_OWNER_NAME: &str = "helm.toolkit.fluxcd.io/name";
pub const HR_OWNER_NAMESPACE: &str = "helm.toolkit.fluxcd.io/namespace";

/// Kustomization → the Flux objects carrying its ownership labels.
#[derive(Debug, Default, Clone)]
pub struct OwnerIndex {
    inner: Arc<RwLock<Index>>,
}

#[derive(Debug, Default)]
struct Index {
    children: HashMap<ResourceRef, BTreeSet<ResourceRef>>,
    owner_of: HashMap<ResourceRef, ResourceRef>,
}

impl OwnerIndex {
    /// Records (or updates) `obj`'s owner.
    pub fn update(&self, obj: &Value) {
        let Some(me) = object::resource_ref(obj) else {
            return;
        };
        let owner = match (
            object::label(obj, KS_OWNER_NAME),
            object::label(obj, KS_OWNER_NAMESPACE),
        ) {
            (Some(name), Some(ns)) => Some(ResourceRef::new(FluxKind::Kustomization, ns, name)),
            _ => None,
        };
        let mut index = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        if index.owner_of.get(&me) == owner.as_ref() {
            return;
        }
        index.unlink(&me);
        if let Some(owner) = owner {
            index
                .children
                .entry(owner.clone())
                .or_default()
                .insert(me.clone());
            index.owner_of.insert(me, owner);
        }
    }

    /// Forgets a deleted object.
    pub fn remove(&self, me: &ResourceRef) {
        self.inner
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .unlink(me);
    }

    /// The objects `owner` applied.
    #[must_use]
    pub fn children(&self, owner: &ResourceRef) -> Vec<ResourceRef> {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .children
            .get(owner)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }
}

impl Index {
    fn unlink(&mut self, me: &ResourceRef) {
        if let Some(old) = self.owner_of.remove(me)
            && let Some(set) = self.children.get_mut(&old)
        {
            set.remove(me);
        }
    }
}

/// Read access to the cluster for one reconcile.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub store: &'a Store,
    pub owners: &'a OwnerIndex,
}

impl View<'_> {
    /// A Flux object, if it exists.
    #[must_use]
    pub fn get(&self, r: &ResourceRef) -> Option<Arc<Value>> {
        self.store
            .get(&ObjectKey::flux(r.kind, &r.namespace, &r.name))
    }

    /// The Flux objects a Kustomization applied (with their current state).
    #[must_use]
    pub fn children(&self, owner: &ResourceRef) -> Vec<Arc<Value>> {
        self.owners
            .children(owner)
            .iter()
            .filter_map(|r| self.get(r))
            .collect()
    }
}

/// The API error text for a missing Flux object: `kustomizations.kustomize.toolkit.fluxcd.io "name" not found`.
#[must_use]
pub fn not_found_text(kind: FluxKind, name: &str) -> String {
    format!("{}.{} \"{name}\" not found", kind.plural(), kind.group())
}

//! `ObjectKey`: the identity of one stored object (group, resource, namespace, name).

use crate::flux::FluxKind;
use crate::sim::resource::GroupResource;
use std::fmt;

/// Where an object lives in the store. `namespace` is empty for cluster-scoped objects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub resource: GroupResource,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    #[must_use]
    pub fn new(resource: GroupResource, namespace: &str, name: &str) -> Self {
        Self {
            resource,
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        }
    }

    /// The key of a Flux object.
    #[must_use]
    pub fn flux(kind: FluxKind, namespace: &str, name: &str) -> Self {
        Self::new(GroupResource::flux(kind), namespace, name)
    }

    /// A core/v1 object (`configmaps`, `events`, `namespaces` …).
    #[must_use]
    pub fn core(resource: &str, namespace: &str, name: &str) -> Self {
        Self::new(GroupResource::new("", resource), namespace, name)
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.resource.qualified(),
            self.namespace,
            self.name
        )
    }
}

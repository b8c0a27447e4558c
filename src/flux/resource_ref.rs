//! `ResourceRef`: the identity of a Flux object (kind, namespace, name), never a joined string.

use super::kind::FluxKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Identity of one Flux object in the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceRef {
    pub kind: FluxKind,
    pub namespace: String,
    pub name: String,
}

impl ResourceRef {
    #[must_use]
    pub fn new(kind: FluxKind, namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            kind,
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// `namespace/name`, the form Flux messages use.
    #[must_use]
    pub fn namespaced_name(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

impl fmt::Display for ResourceRef {
    /// `Kind/namespace/name`, as in `flux trace` and kustomize-controller messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
    }
}

//! One object of a snapshot: its identity ([`ObjectKey`]: apiVersion, kind, namespace, name; shown
//! `Kind/namespace/name`), and how a live object becomes a stored one ([`clean`]): the fields the API server
//! manages are removed, so a stored object is what an operator would apply. Pure.
//!
//! Removed: `status`; `metadata.managedFields`, `resourceVersion`, `uid`, `generation`, `creationTimestamp`,
//! `deletionTimestamp`, `deletionGracePeriodSeconds`, `selfLink`; the annotations
//! `kubectl.kubernetes.io/last-applied-configuration` and `deployment.kubernetes.io/revision`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// The server-managed `metadata` fields a snapshot leaves out.
pub const SERVER_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
];

/// Annotations written by clients and controllers about the live object, not part of what is applied.
pub const SERVER_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
];

/// The identity of an object in a snapshot: group, kind, namespace, name (the version is the object's
/// `apiVersion`; the same object served at another version is the same object).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectKey {
    /// Empty for the core group.
    pub group: String,
    pub kind: String,
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    /// The key of `obj`, `None` when it has no kind, apiVersion or name.
    #[must_use]
    pub fn of(obj: &Value) -> Option<Self> {
        let text = |p: &str| obj.pointer(p).and_then(Value::as_str).map(str::to_owned);
        let api_version = text("/apiVersion").filter(|s| !s.is_empty())?;
        Some(Self {
            group: group_of(&api_version).to_owned(),
            kind: text("/kind").filter(|s| !s.is_empty())?,
            namespace: text("/metadata/namespace").unwrap_or_default(),
            name: text("/metadata/name").filter(|s| !s.is_empty())?,
        })
    }

    /// The API group (empty for the core group).
    #[must_use]
    pub fn group(&self) -> &str {
        &self.group
    }

    /// Whether it is a core Secret.
    #[must_use]
    pub fn is_secret(&self) -> bool {
        self.kind == "Secret" && self.group.is_empty()
    }
}

/// The group of an `apiVersion` (empty for `v1`).
#[must_use]
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// The version of an `apiVersion`.
#[must_use]
pub fn version_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or(api_version, |(_, v)| v)
}

impl fmt::Display for ObjectKey {
    /// `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// `obj` without the fields the server manages (module doc); `apiVersion` and `kind` set when missing (lists
/// leave them out of their items).
#[must_use]
pub fn clean(mut obj: Value, api_version: &str, kind: &str) -> Value {
    let Some(map) = obj.as_object_mut() else {
        return obj;
    };
    map.remove("status");
    if map
        .get("apiVersion")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        map.insert(
            "apiVersion".to_owned(),
            Value::String(api_version.to_owned()),
        );
    }
    if map
        .get("kind")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        map.insert("kind".to_owned(), Value::String(kind.to_owned()));
    }
    if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in SERVER_METADATA {
            meta.remove(*field);
        }
        let empty = match meta.get_mut("annotations").and_then(Value::as_object_mut) {
            Some(annotations) => {
                for a in SERVER_ANNOTATIONS {
                    annotations.remove(*a);
                }
                annotations.is_empty()
            }
            None => false,
        };
        if empty {
            meta.remove("annotations");
        }
    }
    obj
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_fields_go_and_what_is_applied_stays() {
        let live = json!({
            "metadata": {
                "name": "apps", "namespace": "flux-system", "uid": "u", "resourceVersion": "9",
                "generation": 3, "creationTimestamp": "t", "managedFields": [{}], "selfLink": "/x",
                "deletionTimestamp": "t",
                "labels": {"a": "b"},
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "keep": "me"}
            },
            "spec": {"interval": "10m", "suspend": true},
            "status": {"conditions": []}
        });
        let out = clean(live, "kustomize.toolkit.fluxcd.io/v1", "Kustomization");
        assert_eq!(
            out,
            json!({
                "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
                "kind": "Kustomization",
                "metadata": {"name": "apps", "namespace": "flux-system", "labels": {"a": "b"},
                             "annotations": {"keep": "me"}},
                "spec": {"interval": "10m", "suspend": true}
            })
        );
        let key = ObjectKey::of(&out).unwrap();
        assert_eq!(key.to_string(), "Kustomization/flux-system/apps");
        assert_eq!(key.group(), "kustomize.toolkit.fluxcd.io");
        assert_eq!(version_of("kustomize.toolkit.fluxcd.io/v1"), "v1");
        assert_eq!(version_of("v1"), "v1");
        assert!(!key.is_secret());
    }

    #[test]
    fn only_the_last_applied_annotation_means_no_annotations() {
        let live = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}}});
        let out = clean(live, "v1", "Secret");
        assert!(out.pointer("/metadata/annotations").is_none());
        let key = ObjectKey::of(&out).unwrap();
        assert!(key.is_secret());
        assert_eq!(key.to_string(), "Secret/s");
    }
}

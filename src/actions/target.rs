//! The object an action is aimed at: its identity ([`TargetRef`], typed on the command line as `Kind/ns/name`,
//! or `Node/name` for cluster-scoped kinds) and what the policy and the Job need to know about it ([`Target`]).

use super::kind::TargetKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The identity of a target.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TargetRef {
    pub kind: TargetKind,
    /// `None` for cluster-scoped kinds.
    pub namespace: Option<String>,
    pub name: String,
}

/// Why a `Kind/ns/name` text does not name a target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("unknown kind '{0}' in the target")]
    UnknownKind(String),
    #[error("target '{text}' must be {form}")]
    Form { text: String, form: &'static str },
    #[error("'{0}' is not a valid Kubernetes name")]
    BadName(String),
}

/// A DNS-1123 subdomain (object names), at most 253 characters.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

impl TargetRef {
    /// A namespaced target.
    #[must_use]
    pub fn namespaced(kind: TargetKind, namespace: &str, name: &str) -> Self {
        Self {
            kind,
            namespace: Some(namespace.to_owned()),
            name: name.to_owned(),
        }
    }

    /// Parses `Kind/namespace/name` (namespaced kinds) or `Kind/name` (cluster-scoped kinds); the kind as
    /// [`TargetKind::from_user`] reads it.
    ///
    /// # Errors
    /// An unknown kind, the wrong number of parts for the kind, or a name that is not a Kubernetes name.
    pub fn parse(text: &str) -> Result<Self, TargetError> {
        let shown = crate::text::sanitize(text).into_owned();
        let parts: Vec<&str> = text.split('/').collect();
        let kind = TargetKind::from_user(parts.first().copied().unwrap_or_default())
            .ok_or_else(|| TargetError::UnknownKind(shown.clone()))?;
        let (namespace, name) = match (kind.is_namespaced(), parts.as_slice()) {
            (true, [_, ns, name]) => (Some((*ns).to_owned()), (*name).to_owned()),
            (false, [_, name]) => (None, (*name).to_owned()),
            (true, _) => {
                return Err(TargetError::Form {
                    text: shown,
                    form: "Kind/namespace/name",
                });
            }
            (false, _) => {
                return Err(TargetError::Form {
                    text: shown,
                    form: "Kind/name (the kind is cluster-scoped)",
                });
            }
        };
        for part in namespace.iter().chain(std::iter::once(&name)) {
            if !valid_name(part) {
                return Err(TargetError::BadName(
                    crate::text::sanitize(part).into_owned(),
                ));
            }
        }
        Ok(Self {
            kind,
            namespace,
            name,
        })
    }
}

impl fmt::Display for TargetRef {
    /// `Kind/namespace/name`, or `Kind/name` for cluster-scoped kinds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// The Helm release behind a HelmRelease target (for `helm-unlock`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmReleaseInfo {
    /// `spec.releaseName`, default `[<targetNamespace>-]<name>`.
    pub release: String,
    /// `status.storageNamespace`, default `spec.storageNamespace`, then the HelmRelease's namespace.
    pub storage_namespace: String,
}

/// What is known about the target when an action is planned.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TargetFacts {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// `metadata.resourceVersion` when shown (the `target-unchanged` precondition compares it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// The current values of the fields the action touches (JSON pointer → value; Secret data as digests).
    #[serde(default)]
    pub fields: BTreeMap<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm: Option<HelmReleaseInfo>,
}

/// A target: identity plus facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub rref: TargetRef,
    pub facts: TargetFacts,
}

impl Target {
    /// A target with no facts yet.
    #[must_use]
    pub fn bare(rref: TargetRef) -> Self {
        Self {
            rref,
            facts: TargetFacts::default(),
        }
    }

    /// The values of `pointers` in `object` (the live object as JSON), for [`TargetFacts::fields`]. A Secret's
    /// `data`/`stringData` is never copied: each key becomes its SHA-256 and size.
    #[must_use]
    pub fn fields_of(
        kind: TargetKind,
        object: &serde_json::Value,
        pointers: &[String],
    ) -> BTreeMap<String, serde_json::Value> {
        let mut out = BTreeMap::new();
        for pointer in pointers {
            let Some(value) = object.pointer(pointer) else {
                continue;
            };
            let secret_data = kind == TargetKind::Secret
                && (pointer.starts_with("/data") || pointer.starts_with("/stringData"));
            let value = if secret_data {
                digests(value)
            } else {
                value.clone()
            };
            out.insert(pointer.clone(), value);
        }
        out
    }
}

/// Secret data reduced to `{key: {sha256, bytes}}` (or one digest for a single value).
fn digests(value: &serde_json::Value) -> serde_json::Value {
    let one = |v: &serde_json::Value| {
        let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        serde_json::json!({"sha256": super::params::sha256_hex(text.as_bytes()), "bytes": text.len()})
    };
    match value {
        serde_json::Value::Object(map) => {
            serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), one(v))).collect())
        }
        other => one(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_per_scope() {
        let t = TargetRef::parse("Deployment/apps/web").unwrap();
        assert_eq!(
            t,
            TargetRef::namespaced(TargetKind::Deployment, "apps", "web")
        );
        assert_eq!(t.to_string(), "Deployment/apps/web");
        let n = TargetRef::parse("node/worker-1").unwrap();
        assert_eq!(n.namespace, None);
        assert_eq!(n.to_string(), "Node/worker-1");
        assert!(matches!(
            TargetRef::parse("Node/x/y"),
            Err(TargetError::Form { .. })
        ));
        assert!(matches!(
            TargetRef::parse("Deployment/web"),
            Err(TargetError::Form { .. })
        ));
        assert!(matches!(
            TargetRef::parse("Widget/a/b"),
            Err(TargetError::UnknownKind(_))
        ));
        assert!(matches!(
            TargetRef::parse("cm/apps/Bad_Name"),
            Err(TargetError::BadName(_))
        ));
        assert!(matches!(
            TargetRef::parse("cm/apps/-x"),
            Err(TargetError::BadName(_))
        ));
    }

    #[test]
    fn secret_data_fields_are_digests_never_values() {
        let object =
            serde_json::json!({"data": {"password": "aHVudGVyMg=="}, "spec": {"replicas": 3}});
        let fields = Target::fields_of(TargetKind::Secret, &object, &["/data".to_owned()]);
        let text = serde_json::to_string(&fields).unwrap();
        assert!(!text.contains("aHVudGVyMg=="), "{text}");
        assert!(text.contains("sha256:"), "{text}");
        let fields = Target::fields_of(
            TargetKind::Deployment,
            &object,
            &["/spec/replicas".to_owned(), "/spec/missing".to_owned()],
        );
        assert_eq!(fields.len(), 1);
        assert_eq!(fields["/spec/replicas"], 3);
    }
}

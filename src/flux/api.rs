//! Typed wire structs for the Flux fields fluxops reads.
//!
//! Every field is optional or defaulted and unknown fields are ignored, so objects from any served API version
//! (v1beta1 … v1 / v2beta1 … v2) parse. Only what the console, the graph and the timings use is kept: the rest of an
//! object is fetched on demand when the user opens its YAML. `FluxObject` implements `kube::Resource` with
//! `ApiResource` as its dynamic type, so one watcher type serves every kind and version.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::core::{ApiResource, DynamicResourceScope, Resource};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The field manager of kustomize-controller's server-side applies (in `metadata.managedFields`).
pub const KUSTOMIZE_CONTROLLER_MANAGER: &str = "kustomize-controller";

/// The OCI annotation (in a source's `status.artifact.metadata`) carrying the Git revision the artifact was built
/// from (`main@sha1:<sha>`).
pub const OCI_REVISION_ANNOTATION: &str = "org.opencontainers.image.revision";

/// A Flux object as read from the API server or a GitOps repository.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FluxObject {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: Spec,
    #[serde(default)]
    pub status: Status,
}

impl Resource for FluxObject {
    type DynamicType = ApiResource;
    type Scope = DynamicResourceScope;

    fn group(dt: &ApiResource) -> Cow<'_, str> {
        dt.group.as_str().into()
    }
    fn version(dt: &ApiResource) -> Cow<'_, str> {
        dt.version.as_str().into()
    }
    fn kind(dt: &ApiResource) -> Cow<'_, str> {
        dt.kind.as_str().into()
    }
    fn api_version(dt: &ApiResource) -> Cow<'_, str> {
        dt.api_version.as_str().into()
    }
    fn plural(dt: &ApiResource) -> Cow<'_, str> {
        dt.plural.as_str().into()
    }
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

/// A reference to another object (`sourceRef`, `chartRef`, `healthChecks[]`, `kubeConfig` refs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrossRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// An entry of `spec.dependsOn`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DependsOn {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_expr: Option<String>,
    /// Not part of the Flux API, but users write it (a cross-kind `dependsOn` is a user error worth flagging).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// HelmRelease `spec.chart` (a HelmChart template).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartTemplate {
    #[serde(default)]
    pub spec: ChartTemplateSpec,
}

/// HelmRelease `spec.chart.spec`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartTemplateSpec {
    #[serde(default)]
    pub chart: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default)]
    pub source_ref: CrossRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// Values files of a chart from a GitRepository or Bucket, relative to the source's root.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values_files: Vec<String>,
}

/// HelmRelease `spec.chart` is a template object, HelmChart `spec.chart` a chart name; an error names the field
/// of the template that is wrong (`spec.version: invalid type: floating point `6.6`, expected a string`).
fn chart_template_or_name<'de, D>(deserializer: D) -> Result<Option<ChartTemplate>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error as _;
    Ok(
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(chart)) => Some(ChartTemplate {
                spec: ChartTemplateSpec {
                    chart,
                    ..ChartTemplateSpec::default()
                },
            }),
            Some(v @ serde_json::Value::Object(_)) => Some(
                serde_path_to_error::deserialize::<_, ChartTemplate>(v)
                    .map_err(|e| D::Error::custom(format!("{}: {}", e.path(), e.inner())))?,
            ),
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "expected a chart name or a chart template, found {other}"
                )));
            }
        },
    )
}

/// Writes a chart read from a HelmChart (a bare name: no sourceRef, version or interval) back as the string
/// it was, and a HelmRelease template as the object it was.
fn chart_template_or_name_out<S>(
    chart: &Option<ChartTemplate>,
    serializer: S,
) -> Result<S::Ok, S::Error>
where
    S: serde::Serializer,
{
    match chart {
        Some(t)
            if t.spec.source_ref == CrossRef::default()
                && t.spec.version.is_none()
                && t.spec.interval.is_none()
                && t.spec.values_files.is_empty() =>
        {
            serializer.serialize_str(&t.spec.chart)
        }
        other => other.serialize(serializer),
    }
}

/// GitRepository `spec.include[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Include {
    #[serde(default)]
    pub repository: LocalRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_path: Option<String>,
}

/// A same-namespace reference by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalRef {
    #[serde(default)]
    pub name: String,
}

/// The spec fields of every Flux kind that fluxops reads, merged into one struct.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<CrossRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<DependsOn>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health_checks: Vec<CrossRef>,
    /// HelmRelease `spec.chart` (a template). A HelmChart's `spec.chart` is the chart name (a string): it is
    /// read into `chart.spec.chart` so HelmChart objects parse too.
    #[serde(
        default,
        deserialize_with = "chart_template_or_name",
        serialize_with = "chart_template_or_name_out",
        skip_serializing_if = "Option::is_none"
    )]
    pub chart: Option<ChartTemplate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_ref: Option<CrossRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<Include>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#ref: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_config: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
    /// HelmRelease `releaseName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_name: Option<String>,
    /// HelmChart `chart` / `version` (HelmRelease uses `chart.spec`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Bucket `bucketName` / `endpoint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// HelmRepository `type` (`default` | `oci`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub repo_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalRef>,
    /// HelmRepository / OCIRepository `provider` (`generic`, or a cloud whose credentials the controller uses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// HelmRepository / OCIRepository `insecure` (plain HTTP to the registry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure: Option<bool>,
}

/// `metav1.Condition`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(default, rename = "type")]
    pub type_: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub message: String,
}

/// An inventory entry (`status.inventory.entries[]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryEntry {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub v: String,
}

/// `status.inventory`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    #[serde(default)]
    pub entries: Vec<InventoryEntry>,
}

/// A source `status.artifact` (meta.Artifact).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    #[serde(default)]
    pub revision: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// OCI annotations of the artifact (`org.opencontainers.image.revision` carries the Git origin revision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<std::collections::BTreeMap<String, String>>,
}

/// One `status.history[]` entry. Kustomization snapshots (meta.History) and HelmRelease snapshots share this
/// struct: each kind fills the fields it has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    // Kustomization (meta.History)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_reconciled: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reconciled: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reconciled_duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reconciled_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_reconciliations: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<std::collections::BTreeMap<String, String>>,
    // HelmRelease snapshots
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_deployed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_deployed: Option<String>,
    /// HelmRelease snapshot: the OCI digest of the chart artifact (OCI sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oci_digest: Option<String>,
}

/// The status fields of every Flux kind that fluxops reads, merged into one struct.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_handled_reconcile_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_applied_revision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_revision: Option<String>,
    /// Kustomization `lastAppliedOriginRevision` (OCI `org.opencontainers.image.revision`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_applied_origin_revision: Option<String>,
    /// HelmRelease: the OCI digest of the chart artifact last attempted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_revision_digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<Inventory>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact: Option<Artifact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// HelmRelease `status.helmChart` (`ns/name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm_chart: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_release_action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_release_action_duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_failures: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade_failures: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_handled_force_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_handled_reset_at: Option<String>,
    /// HelmChart `observedSourceArtifactRevision`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_source_artifact_revision: Option<String>,
}

impl FluxObject {
    /// The Flux kind, if `kind` names one.
    #[must_use]
    pub fn flux_kind(&self) -> Option<super::FluxKind> {
        super::FluxKind::from_kind(&self.kind)
    }

    /// Name (empty if missing).
    #[must_use]
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }

    /// Namespace (empty if missing).
    #[must_use]
    pub fn namespace(&self) -> &str {
        self.metadata.namespace.as_deref().unwrap_or_default()
    }

    /// The identity, if the kind is a Flux kind.
    #[must_use]
    pub fn resource_ref(&self) -> Option<super::ResourceRef> {
        Some(super::ResourceRef::new(
            self.flux_kind()?,
            self.namespace(),
            self.name(),
        ))
    }

    /// The condition of the given type, if present.
    #[must_use]
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.status.conditions.iter().find(|c| c.type_ == type_)
    }

    /// Whether `spec.suspend` is true.
    #[must_use]
    pub fn is_suspended(&self) -> bool {
        self.spec.suspend == Some(true)
    }
}

#[cfg(test)]
mod chart_field_tests {
    use super::*;

    #[test]
    fn helm_chart_and_helm_release_chart_fields_both_round_trip() {
        let chart = serde_json::json!({"kind": "HelmChart", "spec": {"chart": "podinfo", "version": "6.x",
            "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}});
        let obj: FluxObject = serde_json::from_value(chart).unwrap();
        assert_eq!(
            obj.spec.chart.as_ref().map(|c| c.spec.chart.as_str()),
            Some("podinfo")
        );
        let back = serde_json::to_value(&obj).unwrap();
        assert_eq!(back["spec"]["chart"], "podinfo");
        let hr = serde_json::json!({"kind": "HelmRelease", "spec": {"chart": {"spec": {"chart": "podinfo",
            "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}}}});
        let obj: FluxObject = serde_json::from_value(hr).unwrap();
        let back = serde_json::to_value(&obj).unwrap();
        assert_eq!(
            back["spec"]["chart"]["spec"]["sourceRef"]["name"],
            "podinfo"
        );
    }
}

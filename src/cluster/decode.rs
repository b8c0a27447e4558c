//! `Decoded`: how one listed or watched Flux object is turned into a `FluxObject`, cheaply and without letting one
//! malformed object break the list it came in.
//!
//! kube's `DeserializeGuard` gives the isolation but first buffers every object into an untyped `serde_value` tree
//! and clones it (see its FIXME); that is the "naive" cost the fleet-scale measurement warns about. Here the list
//! or watch line is still parsed by serde_json as kube does, but each item is only *captured* as raw JSON text
//! (`RawValue`, a borrowed slice of the response) and then decoded straight into the typed structs. Metadata is
//! read through `LeanMeta`, which skips `managedFields` (often the largest part of a Flux object) without building
//! it, keeping only what the graph's suspend warnings need (`SuspendOwnership`): the entries that own
//! `spec.suspend` (manager and operation, fields reduced to `f:spec.f:suspend`) and the `kustomize-controller`
//! entries (manager and operation only). An item that does not fit the typed structs becomes `Err(Invalid)` carrying the metadata, so the watcher
//! keeps going and the object is reported by name.
//!
//! Must not live here: anything about watching, events or the app.

use crate::flux::FluxObject;
use crate::flux::api::{KUSTOMIZE_CONTROLLER_MANAGER, Spec, Status};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    FieldsV1, ManagedFieldsEntry, ObjectMeta, OwnerReference, Time,
};
use kube::core::{ApiResource, DynamicResourceScope, Resource};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// An object that exists in the cluster but does not parse into the typed structs.
#[derive(Debug, Clone)]
pub struct Invalid {
    /// Metadata read leniently (name and namespace at least, when the object has them).
    pub metadata: ObjectMeta,
    /// The serde error, naming the field path and line/column where possible.
    pub error: String,
}

/// One decoded list item or watch object: the typed object, or why it could not be typed.
#[derive(Debug, Clone)]
pub struct Decoded(pub Result<FluxObject, Invalid>);

impl Decoded {
    /// Decodes one object from its JSON text.
    #[must_use]
    pub fn from_json(text: &str) -> Decoded {
        match serde_json::from_str::<WireObject>(text) {
            Ok(wire) => Decoded(Ok(wire.into_object())),
            Err(_) => {
                let metadata = serde_json::from_str::<MetaOnly>(text)
                    .map(|m| m.metadata.into_meta())
                    .or_else(|_| serde_json::from_str::<IdentityOnly>(text).map(|m| m.into_meta()))
                    .unwrap_or_default();
                // serde's error quotes the offending value, which may be a URL with a password.
                let mut error = explain(text);
                crate::flux::redact::mask(&mut error);
                Decoded(Err(Invalid { metadata, error }))
            }
        }
    }
}

/// Why `text` does not decode, naming the field: `spec.dependsOn: invalid type: string "oops", expected a
/// sequence`. Only called for objects that failed (the fast path does not track field paths).
fn explain(text: &str) -> String {
    let mut de = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, WireObject>(&mut de) {
        Ok(_) => "does not decode".to_owned(),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner().to_string();
            // The line/column are positions in the one-line JSON of the object: the field path says more.
            let inner = inner
                .rsplit_once(" at line ")
                .map_or(inner.as_str(), |(msg, _)| msg);
            if path.is_empty() || path == "." {
                inner.to_owned()
            } else {
                format!("{path}: {inner}")
            }
        }
    }
}

impl<'de> Deserialize<'de> for Decoded {
    /// Captures the item as raw text first, so a type error inside it is contained to this item. This relies on
    /// being driven by serde_json directly (kube parses lists and watch lines with `serde_json::from_str`, and the
    /// API server writes `type` before `object` in watch events); any other deserializer gets a clear error.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&RawValue>::deserialize(deserializer)?;
        Ok(Decoded::from_json(raw.get()))
    }
}

impl Resource for Decoded {
    type DynamicType = ApiResource;
    type Scope = DynamicResourceScope;

    fn kind(dt: &ApiResource) -> Cow<'_, str> {
        FluxObject::kind(dt)
    }
    fn group(dt: &ApiResource) -> Cow<'_, str> {
        FluxObject::group(dt)
    }
    fn version(dt: &ApiResource) -> Cow<'_, str> {
        FluxObject::version(dt)
    }
    fn api_version(dt: &ApiResource) -> Cow<'_, str> {
        FluxObject::api_version(dt)
    }
    fn plural(dt: &ApiResource) -> Cow<'_, str> {
        FluxObject::plural(dt)
    }
    fn meta(&self) -> &ObjectMeta {
        match &self.0 {
            Ok(obj) => &obj.metadata,
            Err(invalid) => &invalid.metadata,
        }
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        match &mut self.0 {
            Ok(obj) => &mut obj.metadata,
            Err(invalid) => &mut invalid.metadata,
        }
    }
}

/// The wire form of a Flux object: `FluxObject` with lean metadata.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireObject {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: LeanMeta,
    #[serde(default)]
    spec: Spec,
    #[serde(default)]
    status: Status,
}

impl WireObject {
    /// The typed object, credentials in its URLs masked (`flux::redact`): this is where cluster text enters.
    fn into_object(self) -> FluxObject {
        let mut obj = FluxObject {
            api_version: self.api_version,
            kind: self.kind,
            metadata: self.metadata.into_meta(),
            spec: self.spec,
            status: self.status,
        };
        crate::flux::redact::object(&mut obj);
        obj
    }
}

/// Only the metadata of an object (used to name an object that failed to decode).
#[derive(Deserialize)]
struct MetaOnly {
    #[serde(default)]
    metadata: LeanMeta,
}

/// The identity of an object whose metadata itself is malformed (the API server validates metadata, so this is
/// only a last resort): enough to name it and for the watcher to track its resourceVersion.
#[derive(Deserialize)]
struct IdentityOnly {
    #[serde(default)]
    metadata: Identity,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Identity {
    #[serde(default, deserialize_with = "string_or_none")]
    name: Option<String>,
    #[serde(default, deserialize_with = "string_or_none")]
    namespace: Option<String>,
    #[serde(default, deserialize_with = "string_or_none")]
    resource_version: Option<String>,
}

impl IdentityOnly {
    fn into_meta(self) -> ObjectMeta {
        ObjectMeta {
            name: self.metadata.name,
            namespace: self.metadata.namespace,
            resource_version: self.metadata.resource_version,
            ..ObjectMeta::default()
        }
    }
}

/// A string, or `None` for any other JSON value.
fn string_or_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    })
}

/// `ObjectMeta` without `selfLink` and with `managedFields` reduced to `SuspendOwnership`: unknown keys are skipped
/// by serde_json without allocating.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeanMeta {
    name: Option<String>,
    namespace: Option<String>,
    uid: Option<String>,
    resource_version: Option<String>,
    generation: Option<i64>,
    generate_name: Option<String>,
    creation_timestamp: Option<Time>,
    deletion_timestamp: Option<Time>,
    deletion_grace_period_seconds: Option<i64>,
    labels: Option<BTreeMap<String, String>>,
    annotations: Option<BTreeMap<String, String>>,
    owner_references: Option<Vec<OwnerReference>>,
    finalizers: Option<Vec<String>>,
    #[serde(default)]
    managed_fields: SuspendOwnership,
}

/// `managedFields` reduced to who owns `spec.suspend` and whether kustomize-controller manages the object (see
/// the module doc). Everything else in each entry is skipped by serde_json without being built.
#[derive(Default)]
struct SuspendOwnership(Vec<ManagedFieldsEntry>);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeanManagedEntry {
    #[serde(default)]
    manager: Option<String>,
    #[serde(default)]
    operation: Option<String>,
    #[serde(default, rename = "fieldsV1")]
    fields_v1: Option<SpecFields>,
}

/// `fieldsV1` read only as far as `f:spec` → `f:suspend`.
#[derive(Deserialize)]
struct SpecFields {
    #[serde(default, rename = "f:spec")]
    spec: Option<SuspendField>,
}

#[derive(Deserialize)]
struct SuspendField {
    #[serde(default, rename = "f:suspend")]
    suspend: Option<serde::de::IgnoredAny>,
}

impl<'de> Deserialize<'de> for SuspendOwnership {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let entries = Option::<Vec<LeanManagedEntry>>::deserialize(d)?.unwrap_or_default();
        let kept = entries
            .into_iter()
            .filter_map(|e| {
                let owns_suspend = e
                    .fields_v1
                    .and_then(|f| f.spec)
                    .is_some_and(|s| s.suspend.is_some());
                let kustomize = e.manager.as_deref() == Some(KUSTOMIZE_CONTROLLER_MANAGER);
                (owns_suspend || kustomize).then(|| ManagedFieldsEntry {
                    manager: e.manager,
                    operation: e.operation,
                    fields_type: owns_suspend.then(|| "FieldsV1".to_owned()),
                    fields_v1: owns_suspend
                        .then(|| FieldsV1(serde_json::json!({"f:spec": {"f:suspend": {}}}))),
                    ..ManagedFieldsEntry::default()
                })
            })
            .collect();
        Ok(SuspendOwnership(kept))
    }
}

impl LeanMeta {
    fn into_meta(self) -> ObjectMeta {
        ObjectMeta {
            name: self.name,
            namespace: self.namespace,
            uid: self.uid,
            resource_version: self.resource_version,
            generation: self.generation,
            generate_name: self.generate_name,
            creation_timestamp: self.creation_timestamp,
            deletion_timestamp: self.deletion_timestamp,
            deletion_grace_period_seconds: self.deletion_grace_period_seconds,
            labels: self.labels,
            annotations: self.annotations,
            owner_references: self.owner_references,
            finalizers: self.finalizers,
            managed_fields: (!self.managed_fields.0.is_empty()).then_some(self.managed_fields.0),
            self_link: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::ObjectList;

    /// `../shared/data` beside the clone (CI, main checkout) or beside the worktree directory.
    fn recorded(file: &str) -> String {
        let base = env!("CARGO_MANIFEST_DIR");
        let dir = [
            format!("{base}/../shared/data/apiserver-v1.28"),
            format!("{base}/../../shared/data/apiserver-v1.28"),
        ]
        .into_iter()
        .find(|d| std::path::Path::new(d).is_dir())
        .unwrap();
        std::fs::read_to_string(format!("{dir}/{file}")).unwrap()
    }

    #[test]
    fn recorded_list_decodes_typed_without_managed_fields() {
        let text = recorded("ks-list.body");
        let list: ObjectList<Decoded> = serde_json::from_str(&text).unwrap();
        let obj = list.items[0].0.as_ref().unwrap();
        assert_eq!(obj.name(), "demo");
        assert_eq!(obj.namespace(), "capture");
        assert_eq!(obj.kind, "Kustomization");
        assert_eq!(obj.spec.path.as_deref(), Some("./apps"));
        assert!(obj.metadata.managed_fields.is_none());
        assert_eq!(obj.metadata.resource_version.as_deref(), Some("20886"));
    }

    #[test]
    fn managed_fields_keep_only_suspend_owners_and_kustomize_controller() {
        let text = r#"{"kind":"HelmRelease","metadata":{"name":"web","namespace":"apps","managedFields":[
            {"manager":"kustomize-controller","operation":"Apply","fieldsType":"FieldsV1",
             "fieldsV1":{"f:spec":{"f:interval":{},"f:chart":{}}}},
            {"manager":"flux-client-side-apply","operation":"Update","fieldsType":"FieldsV1",
             "fieldsV1":{"f:spec":{"f:suspend":{}}}},
            {"manager":"helm-controller","operation":"Update","subresource":"status",
             "fieldsV1":{"f:status":{"f:conditions":{}}}}]},"spec":{"suspend":true}}"#;
        let obj = Decoded::from_json(text).0.unwrap();
        let kept = obj.metadata.managed_fields.unwrap();
        let managers: Vec<_> = kept.iter().map(|e| e.manager.as_deref()).collect();
        assert_eq!(
            managers,
            vec![Some("kustomize-controller"), Some("flux-client-side-apply")]
        );
        assert!(kept[0].fields_v1.is_none());
        assert_eq!(
            kept[1].fields_v1.as_ref().unwrap().0,
            serde_json::json!({"f:spec": {"f:suspend": {}}})
        );
        assert_eq!(kept[1].operation.as_deref(), Some("Update"));
    }

    #[test]
    fn malformed_item_is_isolated_and_named() {
        let text = r#"{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":"7"},"items":[
            {"kind":"Kustomization","metadata":{"name":"bad","namespace":"ns"},"spec":{"dependsOn":"oops"}},
            {"kind":"Kustomization","metadata":{"name":"good","namespace":"ns"},"spec":{"path":"./x"}}]}"#;
        let list: ObjectList<Decoded> = serde_json::from_str(text).unwrap();
        let bad = list.items[0].0.as_ref().unwrap_err();
        assert_eq!(bad.metadata.name.as_deref(), Some("bad"));
        assert_eq!(
            bad.error,
            "spec.dependsOn: invalid type: string \"oops\", expected a sequence"
        );
        assert_eq!(list.items[1].0.as_ref().unwrap().name(), "good");
    }

    #[test]
    fn malformed_metadata_still_names_the_object() {
        let text = r#"{"kind":"Kustomization","metadata":{"name":"odd","namespace":"ns","labels":"x","resourceVersion":"9"},"spec":{}}"#;
        let Decoded(Err(invalid)) = Decoded::from_json(text) else {
            panic!("labels must be a map");
        };
        assert_eq!(invalid.metadata.name.as_deref(), Some("odd"));
        assert_eq!(invalid.metadata.namespace.as_deref(), Some("ns"));
        assert_eq!(invalid.metadata.resource_version.as_deref(), Some("9"));
    }

    #[test]
    fn credentials_are_masked_when_an_object_is_decoded() {
        let text = r#"{"kind":"GitRepository","metadata":{"name":"r","namespace":"ns"},
            "spec":{"url":"https://alice:ghp_token@github.com/o/r"},
            "status":{"conditions":[{"type":"Ready","status":"False","reason":"AuthenticationFailed",
              "message":"failed to clone 'https://alice:ghp_token@github.com/o/r': authentication required"}],
              "artifact":{"revision":"main@sha1:1","url":"https://b.s3.amazonaws.com/a?X-Amz-Signature=abc"}}}"#;
        let obj = Decoded::from_json(text).0.unwrap();
        assert_eq!(obj.spec.url.as_deref(), Some("https://***@github.com/o/r"));
        assert_eq!(
            obj.status.conditions[0].message,
            "failed to clone 'https://***@github.com/o/r': authentication required"
        );
        assert_eq!(
            obj.status.artifact.unwrap().url.as_deref(),
            Some("https://b.s3.amazonaws.com/a?X-Amz-Signature=***")
        );
        // An object that does not decode is named by an error quoting the value: masked too.
        let bad = r#"{"kind":"GitRepository","metadata":{"name":"r","namespace":"ns"},
            "spec":{"dependsOn":"https://alice:ghp_token@h/r"}}"#;
        let Decoded(Err(invalid)) = Decoded::from_json(bad) else {
            panic!("dependsOn must be a list");
        };
        assert!(!invalid.error.contains("ghp_token"), "{}", invalid.error);
    }

    #[test]
    fn recorded_watch_lines_decode_through_kube_watch_event() {
        let text = recorded("ks-watch-stream.body");
        let mut objects = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let ev: kube::core::WatchEvent<Decoded> = serde_json::from_str(line).unwrap();
            if let kube::core::WatchEvent::Added(d) | kube::core::WatchEvent::Modified(d) = ev {
                assert!(d.0.is_ok());
                objects += 1;
            }
        }
        assert!(objects > 0);
    }
}

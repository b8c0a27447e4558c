//! `Store::record_event`: core/v1 Events as client-go's recorder writes them — named
//! `<object>.<hex nanoseconds>`, and aggregated (count, lastTimestamp) when the same source,
//! object, type, reason and message repeat.

use super::meta::now_rfc3339;
use super::{ObjectKey, Patch, Result, Store, Subresource, WriteOptions};
use crate::sim::resource::GroupResource;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// An event to record about an object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventRecord {
    /// `apiVersion` of the involved object, e.g. `kustomize.toolkit.fluxcd.io/v1`.
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// The involved object's uid, when known.
    pub uid: Option<String>,
    /// `Normal` or `Warning`.
    pub type_: String,
    pub reason: String,
    pub message: String,
    /// `source.component`, e.g. `kustomize-controller`.
    pub component: String,
    /// Event annotations (e.g. `kustomize.toolkit.fluxcd.io/revision`).
    pub annotations: BTreeMap<String, String>,
}

impl EventRecord {
    fn aggregation_key(&self) -> String {
        [
            self.component.as_str(),
            &self.api_version,
            &self.kind,
            &self.namespace,
            &self.name,
            &self.type_,
            &self.reason,
            &self.message,
        ]
        .join("\u{1f}")
    }
}

impl Store {
    /// Records `event`: creates a new Event, or bumps `count`/`lastTimestamp` of the identical
    /// earlier one (same source, object, type, reason, message) when it still exists.
    ///
    /// # Errors
    /// Only on store failures (should not happen for well-formed records).
    pub fn record_event(&self, event: &EventRecord) -> Result<Arc<Value>> {
        let agg = event.aggregation_key();
        let now = now_rfc3339();
        let existing = self.read().event_index.get(&agg).cloned();
        if let Some(key) = existing
            && let Some(current) = self.get(&key)
        {
            let count = current.get("count").and_then(Value::as_i64).unwrap_or(1);
            return self.patch(
                &key,
                &Patch::Merge(json!({ "count": count + 1, "lastTimestamp": now })),
                Subresource::Main,
                &WriteOptions::default(),
            );
        }
        let namespace = if event.namespace.is_empty() {
            "default"
        } else {
            event.namespace.as_str()
        };
        let nanos = Timestamp::now().as_nanosecond();
        let name = format!("{}.{nanos:x}", event.name);
        let mut involved = Map::new();
        involved.insert("kind".to_owned(), json!(event.kind));
        involved.insert("namespace".to_owned(), json!(event.namespace));
        involved.insert("name".to_owned(), json!(event.name));
        involved.insert("apiVersion".to_owned(), json!(event.api_version));
        if let Some(uid) = &event.uid {
            involved.insert("uid".to_owned(), json!(uid));
        }
        let mut metadata = json!({ "name": name, "namespace": namespace });
        if !event.annotations.is_empty() {
            metadata["annotations"] = json!(event.annotations);
        }
        let obj = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": metadata,
            "involvedObject": involved,
            "reason": event.reason,
            "message": event.message,
            "source": { "component": event.component },
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": event.type_,
        });
        let created = self.create(
            &GroupResource::new("", "events"),
            namespace,
            obj,
            &WriteOptions::manager(&event.component),
        )?;
        self.write()
            .event_index
            .insert(agg, ObjectKey::core("events", namespace, &name));
        Ok(created)
    }
}

//! Rollback information of a `job` action, captured before it runs (the catalog's `rollback.capture`) and
//! kept with the execution ([`Captured`], serialisable), and the inverse action's parameters rendered from it
//! (`{{captured.<name>}}` templates, [`inverse_params`]). Secret values are never captured: a Secret key is its
//! SHA-256 and size, and a captured manifest of a Secret has its data replaced by digests.

use crate::actions::params::sha256_hex;
use crate::actions::spec::{Capture, Inverse};
use crate::actions::template::TemplateError;
use crate::actions::{ParamValues, Plan, TargetKind, TargetRef};
use base64::Engine as _;
use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// What was captured for one execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Captured {
    pub action: String,
    pub target: TargetRef,
    /// The target's uid and resourceVersion when captured (`target-recreated` compares the uid).
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    /// Capture name (`replicas`, `configmap-value`, …) → value; `null` where the thing did not exist (a
    /// ConfigMap key that was absent).
    pub values: BTreeMap<String, Value>,
}

impl Captured {
    /// One line per captured value, for the confirm view and the Jobs screen (`replicas: 3`). A manifest is
    /// summarised, not shown.
    #[must_use]
    pub fn lines(&self) -> Vec<String> {
        self.values
            .iter()
            .map(|(k, v)| match (k.as_str(), v) {
                ("manifest", Value::Object(_)) => format!(
                    "manifest: {} (uid {})",
                    self.target,
                    self.uid.as_deref().unwrap_or("?")
                ),
                (_, Value::Null) => format!("{k}: (absent)"),
                (_, Value::String(s)) => format!("{k}: {s}"),
                (_, other) => format!("{k}: {other}"),
            })
            .collect()
    }
}

/// Why capturing failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    #[error("reading {what}: {message}")]
    Api { what: String, message: String },
    #[error("{target} does not exist")]
    Missing { target: String },
}

/// The API resource of a target kind.
#[must_use]
pub fn api_resource(kind: TargetKind) -> ApiResource {
    let gvk = GroupVersionKind::gvk(kind.group(), kind.version(), kind.as_str());
    ApiResource::from_gvk_with_plural(&gvk, kind.plural())
}

/// The dynamic API of `rref`'s kind in its namespace (or cluster-wide).
#[must_use]
pub fn api_for(client: &Client, rref: &TargetRef) -> Api<DynamicObject> {
    let ar = api_resource(rref.kind);
    match &rref.namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    }
}

/// Reads the target as JSON (`None` when it does not exist).
///
/// # Errors
/// The API server's refusal.
pub async fn fetch(client: &Client, rref: &TargetRef) -> Result<Option<Value>, CaptureError> {
    let got = api_for(client, rref)
        .get_opt(&rref.name)
        .await
        .map_err(|e| CaptureError::Api {
            what: rref.to_string(),
            message: super::job_run::api_message(&e),
        })?;
    Ok(got.and_then(|o| serde_json::to_value(o).ok()))
}

/// The manifest as kept: `status`, `managedFields` and the server-set metadata dropped; a Secret's data as
/// digests.
#[must_use]
pub fn clean_manifest(kind: TargetKind, object: &Value) -> Value {
    let mut m = object.clone();
    if let Some(map) = m.as_object_mut() {
        map.remove("status");
        if kind == TargetKind::Secret {
            for field in ["data", "stringData"] {
                if let Some(Value::Object(data)) = map.get_mut(field) {
                    for v in data.values_mut() {
                        let text = v.as_str().unwrap_or_default().to_owned();
                        *v = json!(format!(
                            "{} ({} bytes)",
                            sha256_hex(text.as_bytes()),
                            text.len()
                        ));
                    }
                }
            }
        }
    }
    if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "managedFields",
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
        ] {
            meta.remove(k);
        }
    }
    m
}

/// A Secret's `data.<key>` decoded: its digest and size (never the value).
#[must_use]
pub fn secret_key_digest(object: &Value, key: &str) -> Option<String> {
    let encoded = object.pointer("/data")?.get(key)?.as_str()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    Some(format!("{} ({} bytes)", sha256_hex(&bytes), bytes.len()))
}

/// The value of one capture from the target object (pure). `params` gives `container` and `key`.
#[must_use]
pub fn value_of(capture: Capture, kind: TargetKind, object: &Value, params: &ParamValues) -> Value {
    let param = |name: &str| params.text(name).unwrap_or_default();
    match capture {
        Capture::Replicas => object
            .pointer("/spec/replicas")
            .cloned()
            .unwrap_or(json!(1)),
        Capture::ContainerImage => {
            let container = param("container");
            object
                .pointer("/spec/template/spec/containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|c| c.get("name").and_then(Value::as_str) == Some(container.as_str()))
                .and_then(|c| c.get("image").cloned())
                .unwrap_or(Value::Null)
        }
        Capture::ConfigMapValue => object
            .pointer("/data")
            .and_then(|d| d.get(param("key")))
            .cloned()
            .unwrap_or(Value::Null),
        Capture::SecretKeyDigest => {
            secret_key_digest(object, &param("key")).map_or(Value::Null, Value::String)
        }
        Capture::Unschedulable => object
            .pointer("/spec/unschedulable")
            .cloned()
            .unwrap_or(json!(false)),
        Capture::SuspendState => object
            .pointer("/spec/suspend")
            .cloned()
            .unwrap_or(json!(false)),
        Capture::Manifest => clean_manifest(kind, object),
        Capture::RestartedAt => object
            .pointer("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt")
            .cloned()
            .unwrap_or(Value::Null),
        // Listed separately (`pending_records`): they are other objects.
        Capture::PendingReleaseRecords => Value::Null,
    }
}

/// The pending Helm release records among Secrets (label `owner=helm`, `status=pending-*`): name and version.
#[must_use]
pub fn pending_records(secrets: &[Value], release: &str) -> Value {
    let records: Vec<Value> = secrets
        .iter()
        .filter(|s| {
            let label = |k: &str| {
                s.pointer(&format!("/metadata/labels/{k}"))
                    .and_then(Value::as_str)
            };
            label("owner") == Some("helm")
                && label("name") == Some(release)
                && label("status").is_some_and(|st| st.starts_with("pending-"))
        })
        .map(|s| {
            json!({
                "name": s.pointer("/metadata/name").cloned().unwrap_or(Value::Null),
                "version": s.pointer("/metadata/labels/version").cloned().unwrap_or(Value::Null),
                "status": s.pointer("/metadata/labels/status").cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    Value::Array(records)
}

/// Captures what `plan`'s action lists, from the live target (and, for Helm release records, the Secrets in
/// the storage namespace, read by their labels; only names, versions and statuses are kept).
///
/// # Errors
/// The target does not exist, or a read was refused.
pub async fn capture(client: &Client, plan: &Plan) -> Result<Captured, CaptureError> {
    let rref = &plan.target.rref;
    let object = fetch(client, rref)
        .await?
        .ok_or_else(|| CaptureError::Missing {
            target: rref.to_string(),
        })?;
    let meta = |k: &str| {
        object
            .pointer(&format!("/metadata/{k}"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut values = BTreeMap::new();
    for capture in &plan.spec.rollback.capture {
        let value = if *capture == Capture::PendingReleaseRecords {
            let Some(helm) = &plan.target.facts.helm else {
                continue;
            };
            let ar = api_resource(TargetKind::Secret);
            let selector = format!("owner=helm,name={}", helm.release);
            let list =
                Api::<DynamicObject>::namespaced_with(client.clone(), &helm.storage_namespace, &ar)
                    .list_metadata(&ListParams::default().labels(&selector))
                    .await
                    .map_err(|e| CaptureError::Api {
                        what: format!("Helm release records in {}", helm.storage_namespace),
                        message: super::job_run::api_message(&e),
                    })?;
            let items: Vec<Value> = list
                .items
                .iter()
                .filter_map(|o| serde_json::to_value(o).ok())
                .collect();
            pending_records(&items, &helm.release)
        } else {
            value_of(*capture, rref.kind, &object, &plan.params)
        };
        values.insert(capture.as_str().to_owned(), value);
    }
    Ok(Captured {
        action: plan.spec.name.clone(),
        target: rref.clone(),
        uid: meta("uid"),
        resource_version: meta("resourceVersion"),
        values,
    })
}

/// Why the inverse action's parameters cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InverseError {
    #[error("inverse '{action}': {source}")]
    Template {
        action: String,
        #[source]
        source: TemplateError,
    },
    #[error(
        "inverse '{action}': nothing was captured for '{name}' ({why}); the rollback cannot restore it"
    )]
    NotCaptured {
        action: String,
        name: String,
        why: &'static str,
    },
}

/// The inverse action's parameters (`name=value` text, as `ParamValues::from_pairs` takes them), rendered from
/// the forward execution's parameters and `captured.<name>`.
///
/// # Errors
/// A template that names a capture that was absent (a ConfigMap key that did not exist: restoring it means
/// removing the key, which the inverse cannot express) or a parameter without a value.
pub fn inverse_params(
    inverse: &Inverse,
    forward: &ParamValues,
    captured: &Captured,
) -> Result<Vec<(String, String)>, InverseError> {
    let mut out = Vec::new();
    for (name, template) in &inverse.params {
        for placeholder in template.placeholders() {
            if let Some(c) = placeholder.strip_prefix("captured.")
                && captured.values.get(c).is_none_or(Value::is_null)
            {
                return Err(InverseError::NotCaptured {
                    action: inverse.action.clone(),
                    name: c.to_owned(),
                    why: "it did not exist before the action",
                });
            }
        }
        let values = |p: &str| -> Option<String> {
            match p.strip_prefix("captured.") {
                Some(c) => captured.values.get(c).map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }),
                None => forward.text(p),
            }
        };
        let text = template
            .render(&values)
            .map_err(|source| InverseError::Template {
                action: inverse.action.clone(),
                source,
            })?;
        out.push((name.clone(), text));
    }
    Ok(out)
}

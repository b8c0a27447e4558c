//! Server-side defaults applied on create, as the real API server (and CRD defaulting) fills
//! them in: Kustomization/HelmRelease `status.observedGeneration: -1`, Namespace labels/spec/status,
//! Event fields, and the Job/Deployment/pod-template defaults seen in the recorded answers.

use crate::sim::resource::ResourceDef;
use serde_json::{Map, Value, json};

/// Fills defaults into a new object (`name` and `uid` are already final).
pub(super) fn apply_defaults(
    def: &ResourceDef,
    obj: &mut Value,
    namespace: &str,
    name: &str,
    uid: &str,
) {
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    if def.default_observed_generation {
        map.insert("status".to_owned(), json!({ "observedGeneration": -1 }));
    }
    match def.kind {
        "Namespace" => namespace_defaults(map, name),
        "Event" => {
            for (field, value) in [
                ("eventTime", Value::Null),
                ("reportingComponent", json!("")),
                ("reportingInstance", json!("")),
            ] {
                map.entry(field).or_insert(value);
            }
            if let Some(Value::Object(involved)) = map.get_mut("involvedObject") {
                involved
                    .entry("namespace")
                    .or_insert_with(|| json!(namespace));
            }
        }
        "Job" => {
            job_defaults(map, name, uid);
            map.entry("status").or_insert_with(|| json!({}));
        }
        "Deployment" => {
            deployment_defaults(map);
            map.entry("status").or_insert_with(|| json!({}));
        }
        _ => {}
    }
}

/// The defaults the API server applies to the spec on every update too (it defaults each decoded object, a
/// dry-run included): a workload's pod template after a patch that replaced its containers list.
pub(super) fn update_defaults(def: &ResourceDef, obj: &mut Value) {
    if let (Some(map), "Deployment") = (obj.as_object_mut(), def.kind) {
        deployment_defaults(map);
    }
}

fn namespace_defaults(map: &mut Map<String, Value>, name: &str) {
    if let Some(Value::Object(meta)) = map.get_mut("metadata") {
        let labels = meta.entry("labels").or_insert_with(|| json!({}));
        if let Some(labels) = labels.as_object_mut() {
            labels.insert("kubernetes.io/metadata.name".to_owned(), json!(name));
        }
    }
    map.entry("spec")
        .or_insert_with(|| json!({ "finalizers": ["kubernetes"] }));
    map.insert("status".to_owned(), json!({ "phase": "Active" }));
}

/// The object at `key`, created (or replaced, if not an object) as `{}`.
fn object_entry<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
) -> Option<&'a mut Map<String, Value>> {
    let slot = map.entry(key).or_insert_with(|| json!({}));
    if !slot.is_object() {
        *slot = json!({});
    }
    slot.as_object_mut()
}

fn defaults(map: &mut Map<String, Value>, pairs: &[(&str, Value)]) {
    for (k, v) in pairs {
        map.entry(*k).or_insert_with(|| v.clone());
    }
}

/// Pod template defaults (containers, restart/termination/DNS/scheduler).
fn pod_template_defaults(template: &mut Map<String, Value>, restart_policy: &str) {
    if let Some(meta) = object_entry(template, "metadata") {
        meta.entry("creationTimestamp").or_insert(Value::Null);
    }
    let Some(spec) = object_entry(template, "spec") else {
        return;
    };
    if let Some(Value::Array(containers)) = spec.get_mut("containers") {
        for c in containers.iter_mut().filter_map(Value::as_object_mut) {
            let image = c.get("image").and_then(Value::as_str).unwrap_or_default();
            let tag = image.rsplit('/').next().unwrap_or_default();
            let pull = if tag.contains('@') || (tag.contains(':') && !tag.ends_with(":latest")) {
                "IfNotPresent"
            } else {
                "Always"
            };
            defaults(
                c,
                &[
                    ("resources", json!({})),
                    ("terminationMessagePath", json!("/dev/termination-log")),
                    ("terminationMessagePolicy", json!("File")),
                    ("imagePullPolicy", json!(pull)),
                ],
            );
        }
    }
    defaults(
        spec,
        &[
            ("restartPolicy", json!(restart_policy)),
            ("terminationGracePeriodSeconds", json!(30)),
            ("dnsPolicy", json!("ClusterFirst")),
            ("securityContext", json!({})),
            ("schedulerName", json!("default-scheduler")),
        ],
    );
}

fn job_defaults(map: &mut Map<String, Value>, name: &str, uid: &str) {
    let Some(spec) = object_entry(map, "spec") else {
        return;
    };
    defaults(
        spec,
        &[
            ("parallelism", json!(1)),
            ("completions", json!(1)),
            ("backoffLimit", json!(6)),
            ("completionMode", json!("NonIndexed")),
            ("suspend", json!(false)),
        ],
    );
    spec.entry("selector")
        .or_insert_with(|| json!({ "matchLabels": { "batch.kubernetes.io/controller-uid": uid } }));
    let Some(template) = object_entry(spec, "template") else {
        return;
    };
    if let Some(labels) = object_entry(template, "metadata").and_then(|m| object_entry(m, "labels"))
    {
        for (k, v) in [
            ("batch.kubernetes.io/controller-uid", uid),
            ("batch.kubernetes.io/job-name", name),
            ("controller-uid", uid),
            ("job-name", name),
        ] {
            labels.insert(k.to_owned(), json!(v));
        }
    }
    pod_template_defaults(template, "Never");
}

fn deployment_defaults(map: &mut Map<String, Value>) {
    let Some(spec) = object_entry(map, "spec") else {
        return;
    };
    defaults(
        spec,
        &[
            ("replicas", json!(1)),
            (
                "strategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}),
            ),
            ("revisionHistoryLimit", json!(10)),
            ("progressDeadlineSeconds", json!(600)),
        ],
    );
    if let Some(template) = object_entry(spec, "template") {
        pod_template_defaults(template, "Always");
    }
}

//! kustomize-controller's server-side apply of a Kustomization's manifests (fluxcd/pkg `ssa`
//! `ApplyAllStaged`): objects are applied in stages — cluster definitions (CRDs, Namespaces, ClusterRoles) first,
//! then class definitions, then everything else — each stage dry-run first against the stored objects. A dry-run
//! error stops the apply with `<Kind>/<ns>/<name> dry-run failed (<Reason>): <apiserver message>` followed by a
//! newline and the change set of the stages already applied (`fmt.Errorf("%w\n%s", err, changeSetLog)`), so an
//! immutable selector fails exactly as on a cluster, on every retry, until the stored object changes.

use super::object;
use crate::sim::scenario::ManifestVersion;
use crate::sim::store::{ObjectKey, Patch, Store, StoreError, Subresource, WriteOptions};
use serde_json::{Value, json};

/// kustomize-controller's field manager.
pub const MANAGER: &str = "kustomize-controller";

/// What one object's apply does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Created,
    Configured,
    Unchanged,
}

impl Action {
    fn word(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Configured => "configured",
            Self::Unchanged => "unchanged",
        }
    }
}

/// The outcome of the dry-run of all stages.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// Objects to apply (all of them, or the stages before the failing one), with their action.
    pub apply: Vec<(Value, Action)>,
    /// The Ready message of a failed apply.
    pub error: Option<String>,
}

/// The objects a Kustomization's content holds at reconcile number `attempt`: per object the latest version
/// whose `after` is reached, labelled with the Kustomization's ownership labels and placed in its
/// `targetNamespace` when it sets one.
#[must_use]
pub fn desired(ks: &Value, versions: &[ManifestVersion], attempt: u32) -> Vec<Value> {
    let mut chosen: Vec<(String, &ManifestVersion)> = Vec::new();
    for v in versions.iter().filter(|v| v.after <= attempt) {
        let id = format!(
            "{}/{}/{}/{}",
            object::str_at(&v.object, "/apiVersion").unwrap_or_default(),
            object::str_at(&v.object, "/kind").unwrap_or_default(),
            object::namespace(&v.object),
            object::name(&v.object)
        );
        match chosen.iter_mut().find(|(i, _)| *i == id) {
            Some(slot) if slot.1.after <= v.after => slot.1 = v,
            Some(_) => {}
            None => chosen.push((id, v)),
        }
    }
    let target = object::str_at(ks, "/spec/targetNamespace");
    chosen
        .into_iter()
        .map(|(_, v)| {
            let mut obj = v.object.clone();
            if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                let labels = meta.entry("labels").or_insert_with(|| json!({}));
                if let Some(labels) = labels.as_object_mut() {
                    labels.insert(
                        "kustomize.toolkit.fluxcd.io/name".to_owned(),
                        json!(object::name(ks)),
                    );
                    labels.insert(
                        "kustomize.toolkit.fluxcd.io/namespace".to_owned(),
                        json!(object::namespace(ks)),
                    );
                }
                if let Some(t) = target
                    && meta.contains_key("namespace")
                {
                    meta.insert("namespace".to_owned(), json!(t));
                }
            }
            obj
        })
        .collect()
}

/// `Kind/namespace/name` (`Kind/name` when cluster-scoped), as `ssautil.FmtUnstructured` prints it.
#[must_use]
pub fn fmt_object(obj: &Value) -> String {
    let kind = object::str_at(obj, "/kind").unwrap_or_default();
    match object::namespace(obj) {
        "" => format!("{kind}/{}", object::name(obj)),
        ns => format!("{kind}/{ns}/{}", object::name(obj)),
    }
}

/// The stage an object is applied in (`utils.IsClusterDefinition`, `IsClassDefinition`).
fn stage(obj: &Value) -> u8 {
    let kind = object::str_at(obj, "/kind").unwrap_or_default();
    match kind {
        "CustomResourceDefinition" | "Namespace" | "ClusterRole" => 0,
        k if k.ends_with("Class") => 1,
        _ => 2,
    }
}

/// The apiserver's `metav1.StatusReason` for an error (empty when it is not an API status).
fn reason(err: &StoreError) -> &'static str {
    match err {
        StoreError::Invalid { .. } => "Invalid",
        StoreError::Conflict { .. } => "Conflict",
        StoreError::AlreadyExists { .. } => "AlreadyExists",
        StoreError::BadRequest(_) | StoreError::Unprocessable(_) => "BadRequest",
        StoreError::Expired { .. } => "Expired",
        StoreError::NotFound { .. } | StoreError::UnknownResource(_) => "NotFound",
    }
}

/// `ssaerrors.DryRunErr.Error()`.
fn dry_run_error(obj: &Value, err: &StoreError) -> String {
    let who = fmt_object(obj);
    match reason(err) {
        "NotFound" if object::namespace(obj).is_empty() => {
            format!("{who} namespace not specified: {err}")
        }
        "NotFound" => format!("{who} not found: {err}"),
        r => format!("{who} dry-run failed ({r}): {err}"),
    }
}

fn key_of(store: &Store, obj: &Value) -> Result<ObjectKey, String> {
    let api_version = object::str_at(obj, "/apiVersion").unwrap_or_default();
    let kind = object::str_at(obj, "/kind").unwrap_or_default();
    let (group, _) = super::inventory::split_api_version(api_version);
    let def = store.registry().by_kind(group, kind).ok_or_else(|| {
        format!(
            "{} dry-run failed: no matches for kind \"{kind}\" in version \"{api_version}\"",
            fmt_object(obj)
        )
    })?;
    let ns = if def.namespaced {
        object::namespace(obj)
    } else {
        ""
    };
    Ok(ObjectKey::new(def.group_resource(), ns, object::name(obj)))
}

/// Dry-runs every stage against `store` and stops at the first error, as `ApplyAllStaged` does.
#[must_use]
pub fn check(store: &Store, objects: &[Value]) -> Checked {
    let mut sorted: Vec<&Value> = objects.iter().collect();
    sorted.sort_by_key(|o| stage(o));
    let mut apply = Vec::new();
    let mut log = String::new();
    let opts = WriteOptions {
        dry_run: true,
        field_manager: Some(MANAGER.to_owned()),
    };
    let mut current_stage = 0;
    let mut stage_items: Vec<(Value, Action)> = Vec::new();
    for obj in sorted {
        let s = stage(obj);
        if s != current_stage {
            append_log(&mut log, &stage_items);
            apply.append(&mut stage_items);
            current_stage = s;
        }
        let outcome = key_of(store, obj).and_then(|key| {
            let before = store.get(&key);
            store
                .patch(&key, &Patch::Apply(obj.clone()), Subresource::Main, &opts)
                .map(|after| match before {
                    None => Action::Created,
                    Some(b) if b.get("spec") != after.get("spec") || labels_changed(&b, &after) => {
                        Action::Configured
                    }
                    Some(_) => Action::Unchanged,
                })
                .map_err(|err| dry_run_error(obj, &err))
        });
        match outcome {
            Ok(action) => stage_items.push((obj.clone(), action)),
            Err(message) => {
                return Checked {
                    apply,
                    error: Some(format!("{message}\n{log}")),
                };
            }
        }
    }
    apply.append(&mut stage_items);
    Checked { apply, error: None }
}

fn labels_changed(before: &Value, after: &Value) -> bool {
    before.pointer("/metadata/labels") != after.pointer("/metadata/labels")
        || before.get("data") != after.get("data")
}

fn append_log(log: &mut String, items: &[(Value, Action)]) {
    for (obj, action) in items {
        if *action != Action::Unchanged {
            log.push_str(&format!("{} {}\n", fmt_object(obj), action.word()));
        }
    }
}

/// Applies one object for real (server-side apply by `manager`, any kind the server serves).
///
/// # Errors
/// The server's refusal, as text naming the object.
pub fn write(store: &Store, obj: &Value, manager: &str) -> Result<(), String> {
    let key = key_of(store, obj)?;
    store
        .patch(
            &key,
            &Patch::Apply(obj.clone()),
            Subresource::Main,
            &WriteOptions::manager(manager),
        )
        .map(|_| ())
        .map_err(|err| format!("{} apply failed: {err}", fmt_object(obj)))
}

/// Inventory entries of the applied objects.
#[must_use]
pub fn inventory_items(objects: &[Value]) -> Vec<crate::sim::scenario::InventoryItem> {
    objects
        .iter()
        .map(|o| crate::sim::scenario::InventoryItem {
            api_version: object::str_at(o, "/apiVersion")
                .unwrap_or_default()
                .to_owned(),
            kind: object::str_at(o, "/kind").unwrap_or_default().to_owned(),
            name: object::name(o).to_owned(),
            namespace: Some(object::namespace(o).to_owned()).filter(|n| !n.is_empty()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(selector: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "apps"},
               "spec": {"replicas": 1, "selector": {"matchLabels": selector},
                        "template": {"metadata": {"labels": selector},
                                     "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})
    }

    #[test]
    fn a_changed_selector_fails_the_dry_run_with_the_controller_wording() {
        let store = Store::standard();
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}});
        let first = check(&store, &[ns.clone(), deployment(json!({"app": "web"}))]);
        assert_eq!(first.error, None);
        assert_eq!(first.apply.len(), 2);
        for obj in [ns.clone(), deployment(json!({"app": "web"}))] {
            write(&store, &obj, MANAGER).unwrap();
        }
        let changed = check(
            &store,
            &[ns, deployment(json!({"app": "web", "tier": "front"}))],
        );
        let message = changed.error.unwrap();
        assert_eq!(
            message,
            "Deployment/apps/web dry-run failed (Invalid): Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"tier\":\"front\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable\n"
        );
        assert_eq!(changed.apply.len(), 1, "the Namespace stage still applies");
    }

    #[test]
    fn later_versions_replace_earlier_ones_from_their_attempt() {
        let ks = json!({"metadata": {"name": "apps", "namespace": "flux-system"}});
        let versions = vec![
            ManifestVersion {
                after: 0,
                object: deployment(json!({"app": "web"})),
            },
            ManifestVersion {
                after: 2,
                object: deployment(json!({"app": "web", "v": "2"})),
            },
        ];
        let at = |n| desired(&ks, &versions, n);
        assert_eq!(at(1).len(), 1);
        assert_eq!(
            at(1)[0]["spec"]["selector"]["matchLabels"],
            json!({"app": "web"})
        );
        assert_eq!(
            at(2)[0]["spec"]["selector"]["matchLabels"],
            json!({"app": "web", "v": "2"})
        );
        assert_eq!(
            at(0)[0]["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"],
            "apps"
        );
    }
}

//! What the live cluster says about objects Git is about to apply (`fluxops check --cluster`, docs/CHECK.md):
//! each object is read live, then sent as a **server-side apply with `dryRun=All`** (field manager `fluxops`,
//! forced, as `flux diff kustomization` does), so admission webhooks, quotas and immutable fields on the live
//! objects answer before the push. The answer is compared with the live object field by field (both cleaned
//! of server-managed fields the way snapshots are, `snapshot::object::clean`); a Secret's values are never
//! shown (`snapshot::diff`).
//!
//! Safety (module doc of `execution`): the dry-runs go through a client the connection's opener derives for a
//! [`Permit`] issued at [`Stage::DryRun`] only (`Permit::dry_run_only`), scoped to exactly the `PATCH` paths of
//! the objects previewed. The client layer (`cluster::guard`) refuses anything else, and any write without
//! `dryRun=All` in its query, before a byte is sent. No policy decision is asked and nothing is audited: the
//! shipped policies judge changes to the cluster (and deny every Git-owned object by design), while a dry-run
//! stores nothing; the API server's own audit log records each request with its `dryRun` flag.
//!
//! [`Stage::DryRun`]: crate::cluster::guard::Stage::DryRun

use crate::cluster::guard::Permit;
use crate::snapshot::ObjectKey;
use kube::api::{Api, ApiResource, DynamicObject, Patch};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One field the apply would change: its path, the live value and the applied one (`None`: absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldLine {
    pub path: String,
    pub live: Option<String>,
    pub applied: Option<String>,
}

/// What the server said about one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "camelCase")]
pub enum Verdict {
    /// Not live: the apply would create it (and the server accepted that).
    Created,
    /// Live and equal to what the apply gives.
    Unchanged,
    /// Live; these fields would change.
    Changed { fields: Vec<FieldLine> },
    /// Not dry-run: its namespace or its CRD is created by the same change, and a dry-run creates nothing
    /// for the next request to find.
    Unverified { why: String },
    /// The server refused the dry-run: its status code, reason and message (e.g. 422 `Invalid` "field is
    /// immutable", 403 from an admission webhook or a quota, 404 for a namespace that does not exist), and the
    /// fields its Status names (`details.causes[].field` as the server spells them, `<nil>` left out; not part
    /// of the JSON report, whose message names them).
    Refused {
        code: u16,
        reason: String,
        message: String,
        #[serde(skip)]
        fields: Vec<String>,
    },
}

impl Verdict {
    /// `422 Invalid`, or only the reason when the API server was not asked (`NamespaceNotSpecified`).
    #[must_use]
    pub fn status(code: u16, reason: &str) -> String {
        if code == 0 {
            reason.to_owned()
        } else {
            format!("{code} {reason}")
        }
    }
}

/// One previewed object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Previewed {
    /// `Kind/namespace/name`.
    pub object: String,
    #[serde(skip)]
    pub key: ObjectKey,
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// Why nothing could be previewed (the check cannot be made: exit 3).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct Unreachable(pub String);

/// Namespaces and CRDs before what lives in them (as `kubectl apply` and the restore order them).
fn order(obj: &Value) -> u8 {
    match (
        obj.get("apiVersion").and_then(Value::as_str),
        obj.get("kind").and_then(Value::as_str),
    ) {
        (Some("v1"), Some("Namespace")) => 0,
        (Some(api), Some("CustomResourceDefinition"))
            if api.starts_with("apiextensions.k8s.io/") =>
        {
            1
        }
        _ => 2,
    }
}

/// The objects to send: each once (the last definition wins, as a second apply would), in apply order.
fn plan(objects: &[Value]) -> Vec<(ObjectKey, Value)> {
    let mut by_key: BTreeMap<ObjectKey, Value> = BTreeMap::new();
    for obj in objects {
        if let Some(key) = ObjectKey::of(obj) {
            by_key.insert(key, obj.clone());
        }
    }
    let mut out: Vec<(ObjectKey, Value)> = by_key.into_iter().collect();
    out.sort_by_key(|(_, v)| order(v));
    out
}

fn annotation<'a>(obj: &'a Value, name: &str) -> Option<&'a str> {
    obj.pointer("/metadata/annotations")?.get(name)?.as_str()
}

/// The object's `kustomize.toolkit.fluxcd.io/ssa` policy, lower-cased.
fn ssa_policy(obj: &Value) -> Option<String> {
    annotation(obj, "kustomize.toolkit.fluxcd.io/ssa").map(str::to_ascii_lowercase)
}

/// Why kustomize-controller does not apply `obj` at all (FLUX.md §7: `reconcile: disabled`, `ssa: Ignore`).
fn skipped(obj: &Value) -> Option<String> {
    if annotation(obj, "kustomize.toolkit.fluxcd.io/reconcile")
        .is_some_and(|v| v.eq_ignore_ascii_case("disabled"))
    {
        return Some(
            "kustomize.toolkit.fluxcd.io/reconcile: disabled: kustomize-controller does not apply it".to_owned(),
        );
    }
    (ssa_policy(obj).as_deref() == Some("ignore")).then(|| {
        "kustomize.toolkit.fluxcd.io/ssa: Ignore: kustomize-controller does not apply it".to_owned()
    })
}

/// Whether a request failure means the cluster cannot be asked at all (not an answer about the object):
/// transport, TLS and authentication failures; the guard's own refusals are answers (never expected here).
fn unreachable(error: &kube::Error) -> bool {
    match error {
        kube::Error::Service(_) => crate::cluster::guard::refusal(error).is_none(),
        kube::Error::HyperError(_) | kube::Error::RustlsTls(_) | kube::Error::Auth(_) => true,
        _ => false,
    }
}

/// The fields a refusal's `details.causes` name, in order, each once (`<nil>` and empty ones left out: no
/// field of the object).
fn cause_fields(status: &kube::core::Status) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for cause in status.details.iter().flat_map(|d| &d.causes) {
        let field = cause.field.trim();
        if !field.is_empty() && field != "<nil>" && !out.iter().any(|f| f == field) {
            out.push(field.to_owned());
        }
    }
    out
}

fn refused(error: &kube::Error) -> Verdict {
    match error {
        kube::Error::Api(status) => Verdict::Refused {
            code: status.code,
            reason: status.reason.clone(),
            message: status.message.clone(),
            fields: cause_fields(status),
        },
        other => Verdict::Refused {
            code: 0,
            reason: "NotSent".to_owned(),
            message: super::run::api_message(other),
            fields: Vec::new(),
        },
    }
}

/// A refused Secret's message with every value of the Secret (as written, base64-decoded, and of
/// `stringData`) replaced by `(hidden)`: a webhook may quote what it refuses.
fn mask_secret(verdict: Verdict, key: &ObjectKey, obj: &Value) -> Verdict {
    let Verdict::Refused {
        code,
        reason,
        mut message,
        fields,
    } = verdict
    else {
        return verdict;
    };
    if key.is_secret() {
        let mut values: Vec<String> = Vec::new();
        for field in ["data", "stringData"] {
            for v in obj
                .get(field)
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|m| m.values())
                .filter_map(Value::as_str)
            {
                values.push(v.to_owned());
                if field == "data"
                    && let Ok(bytes) =
                        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, v.trim())
                    && let Ok(text) = String::from_utf8(bytes)
                {
                    values.push(text);
                }
            }
        }
        values.retain(|v| !v.is_empty());
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        for v in values {
            message = message.replace(&v, "(hidden)");
        }
    }
    Verdict::Refused {
        code,
        reason,
        message,
        fields,
    }
}

/// The fields that differ between the cleaned live object and the cleaned dry-run answer (Secret values
/// hidden).
#[must_use]
pub fn field_lines(key: &ObjectKey, live: &Value, applied: &Value) -> Vec<FieldLine> {
    let api = |v: &Value| {
        v.get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("v1")
            .to_owned()
    };
    let live = crate::snapshot::object::clean(live.clone(), &api(live), &key.kind);
    let applied = crate::snapshot::object::clean(applied.clone(), &api(applied), &key.kind);
    crate::snapshot::diff::fields(key, &live, &applied)
        .into_iter()
        .map(|f| FieldLine {
            path: f.path,
            live: f.snapshot,
            applied: f.live,
        })
        .collect()
}

/// Previews `objects` against the cluster of `connection` (module doc). One entry per distinct object, in
/// apply order.
///
/// # Errors
/// The cluster cannot be asked (unreachable, TLS, authentication transport): [`Unreachable`], in words.
pub async fn preview(
    connection: &crate::cluster::Connection,
    objects: &[Value],
) -> Result<Vec<Previewed>, Unreachable> {
    let client = &connection.client;
    let planned = plan(objects);
    // Kinds whose CRD the change itself applies: (group, kind).
    let new_kinds: std::collections::BTreeSet<(String, String)> = planned
        .iter()
        .filter(|(k, _)| k.kind == "CustomResourceDefinition")
        .filter_map(|(_, v)| {
            let text = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_owned);
            Some((text("/spec/group")?, text("/spec/names/kind")?))
        })
        .collect();
    let mut new_namespaces: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut resources: BTreeMap<(String, String, String), Option<(ApiResource, bool)>> =
        BTreeMap::new();
    // (key, object, resource, URL path) of what is sent; verdicts of what cannot be.
    let mut sendable: Vec<(ObjectKey, Value, ApiResource, String)> = Vec::new();
    let mut out: Vec<Previewed> = Vec::new();
    for (key, obj) in planned {
        let api_version = obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("v1");
        let version = crate::snapshot::object::version_of(api_version).to_owned();
        let gvk = (key.group.clone(), version.clone(), key.kind.clone());
        if !resources.contains_key(&gvk) {
            let wanted = kube::api::GroupVersionKind::gvk(&key.group, &version, &key.kind);
            let found = match kube::discovery::pinned_kind(client, &wanted).await {
                Ok((ar, caps)) => Some((ar, caps.scope == kube::discovery::Scope::Namespaced)),
                Err(e) if unreachable(&e) => {
                    return Err(Unreachable(super::run::api_message(&e)));
                }
                Err(_) => None,
            };
            resources.insert(gvk.clone(), found);
        }
        let Some((resource, namespaced)) = resources.get(&gvk).cloned().flatten() else {
            let verdict = if new_kinds.contains(&(key.group.clone(), key.kind.clone())) {
                Verdict::Unverified {
                    why: "its CustomResourceDefinition is created by this change".to_owned(),
                }
            } else {
                Verdict::Refused {
                    code: 404,
                    reason: "NotServed".to_owned(),
                    message: format!(
                        "the server does not serve {api_version} {} (CRD not installed, or another API version)",
                        key.kind
                    ),
                    fields: Vec::new(),
                }
            };
            out.push(Previewed {
                object: key.to_string(),
                key: key.clone(),
                verdict,
            });
            continue;
        };
        let mut key = key;
        if namespaced && key.namespace.is_empty() {
            // kustomize-controller refuses it before the API server is asked (FLUX.md §9).
            out.push(Previewed {
                object: key.to_string(),
                key: key.clone(),
                verdict: Verdict::Refused {
                    code: 0,
                    reason: "NamespaceNotSpecified".to_owned(),
                    message: format!(
                        "{}/{} namespace not specified: kustomize-controller applies no namespaced object without one (set metadata.namespace, or the Kustomization's targetNamespace)",
                        key.kind, key.name
                    ),
                    fields: Vec::new(),
                },
            });
            continue;
        } else if !namespaced {
            key.namespace.clear();
        }
        if let Some(why) = skipped(&obj) {
            out.push(Previewed {
                object: key.to_string(),
                key: key.clone(),
                verdict: Verdict::Unverified { why },
            });
            continue;
        }
        let path = super::restore::object_path(&resource, &key.namespace, &key.name);
        sendable.push((key, obj, resource, path));
    }
    let scope = sendable
        .iter()
        .map(|(_, _, _, p)| (http::Method::PATCH, p.clone()));
    let permit = Permit::dry_run_only("check", scope);
    let dry = match connection.opener.dry_run_only(permit) {
        Some(Ok(c)) => c,
        Some(Err(e)) => return Err(Unreachable(format!("no client for the dry-run: {e}"))),
        None => return Err(Unreachable("no dry-run permit".to_owned())),
    };
    let mut params = super::restore::apply_params();
    params.dry_run = true;
    for (key, obj, resource, _) in sendable {
        let read = super::restore::api_for(client, &resource, &key);
        let live = match read.get_opt(&key.name).await {
            Ok(v) => v.map(|o| serde_json::to_value(o).unwrap_or(Value::Null)),
            Err(e) if unreachable(&e) => return Err(Unreachable(super::run::api_message(&e))),
            // A live object that cannot be read (forbidden): the dry-run still says what the server thinks.
            Err(_) => None,
        };
        if live.is_some() && ssa_policy(&obj).as_deref() == Some("ifnotpresent") {
            out.push(Previewed {
                object: key.to_string(),
                key,
                verdict: Verdict::Unverified {
                    why: "kustomize.toolkit.fluxcd.io/ssa: IfNotPresent, and it exists: kustomize-controller leaves it as it is".to_owned(),
                },
            });
            continue;
        }
        let write: Api<DynamicObject> = super::restore::api_for(&dry, &resource, &key);
        let verdict = match write.patch(&key.name, &params, &Patch::Apply(&obj)).await {
            Ok(answer) => {
                let answer = serde_json::to_value(answer).unwrap_or(Value::Null);
                match &live {
                    None => Verdict::Created,
                    Some(live) => {
                        let fields = field_lines(&key, live, &answer);
                        if fields.is_empty() {
                            Verdict::Unchanged
                        } else {
                            Verdict::Changed { fields }
                        }
                    }
                }
            }
            Err(e) if unreachable(&e) => return Err(Unreachable(super::run::api_message(&e))),
            Err(kube::Error::Api(status))
                if status.code == 404 && new_namespaces.contains(&key.namespace) =>
            {
                Verdict::Unverified {
                    why: format!("its namespace {} is created by this change", key.namespace),
                }
            }
            Err(e) => mask_secret(refused(&e), &key, &obj),
        };
        if key.kind == "Namespace" && key.group.is_empty() && verdict == Verdict::Created {
            new_namespaces.insert(key.name.clone());
        }
        out.push(Previewed {
            object: key.to_string(),
            key,
            verdict,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn namespaces_and_crds_go_first_and_repeats_once() {
        let objs = vec![
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "apps"}, "spec": {"replicas": 1}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "apps"}, "spec": {"replicas": 2}}),
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "x.example.com"}}),
        ];
        let planned = plan(&objs);
        let kinds: Vec<&str> = planned.iter().map(|(k, _)| k.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["Namespace", "CustomResourceDefinition", "Deployment"]
        );
        assert_eq!(planned[2].1["spec"]["replicas"], 2);
    }

    #[test]
    fn objects_kustomize_controller_skips_are_not_sent() {
        let with = |k: &str, v: &str| json!({"metadata": {"annotations": {k: v}}});
        assert!(skipped(&with("kustomize.toolkit.fluxcd.io/reconcile", "disabled")).is_some());
        assert!(skipped(&with("kustomize.toolkit.fluxcd.io/ssa", "Ignore")).is_some());
        assert!(skipped(&with("kustomize.toolkit.fluxcd.io/ssa", "IfNotPresent")).is_none());
        assert!(skipped(&with("kustomize.toolkit.fluxcd.io/ssa", "Merge")).is_none());
        assert!(skipped(&json!({"metadata": {}})).is_none());
        assert_eq!(
            ssa_policy(&with("kustomize.toolkit.fluxcd.io/ssa", "IfNotPresent")).as_deref(),
            Some("ifnotpresent")
        );
    }

    #[test]
    fn a_refusal_keeps_the_fields_its_status_causes_name() {
        // The real v1.28 body of a CRD schema refusal (apiserver-v1.28/ks-invalid-422), causes trimmed.
        let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "Kustomization.kustomize.toolkit.fluxcd.io \"bad\" is invalid: [spec.prune: …]",
            "reason": "Invalid", "code": 422,
            "details": {"name": "bad", "group": "kustomize.toolkit.fluxcd.io", "kind": "Kustomization",
                "causes": [
                    {"reason": "FieldValueTypeInvalid", "message": "Invalid value", "field": "spec.prune"},
                    {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.interval"},
                    {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.interval"},
                    {"reason": "FieldValueInvalid", "message": "Invalid value: \"null\"", "field": "<nil>"}]}});
        let status: kube::core::Status = serde_json::from_value(body).unwrap();
        let Verdict::Refused { code, fields, .. } = refused(&kube::Error::Api(Box::new(status)))
        else {
            panic!("refused");
        };
        assert_eq!(code, 422);
        assert_eq!(fields, ["spec.prune", "spec.interval"]);
    }

    #[test]
    fn a_refused_secrets_values_are_masked_in_the_message() {
        let obj = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "a"}, "data": {"p": "aHVudGVyMg=="}, "stringData": {"t": "tok-123"}});
        let key = ObjectKey::of(&obj).unwrap();
        let refused = Verdict::Refused {
            code: 403,
            reason: "Forbidden".into(),
            message: "denied: p=hunter2 (aHVudGVyMg==), t=tok-123".into(),
            fields: vec!["data[p]".into()],
        };
        let Verdict::Refused {
            message, fields, ..
        } = mask_secret(refused, &key, &obj)
        else {
            panic!("still refused");
        };
        assert_eq!(message, "denied: p=(hidden) ((hidden)), t=(hidden)");
        assert_eq!(fields, ["data[p]"]);
    }

    #[test]
    fn a_secrets_values_never_show_in_the_field_lines() {
        let key = ObjectKey::of(
            &json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}),
        )
        .unwrap();
        let live = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "resourceVersion": "1"}, "data": {"password": "b2xk"}, "type": "Opaque"});
        let applied = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "resourceVersion": "2"}, "data": {"password": "bmV3", "token": "dG9r"}, "type": "Opaque"});
        let lines = field_lines(&key, &live, &applied);
        let text = format!("{lines:?}");
        assert!(
            !text.contains("b2xk") && !text.contains("bmV3") && !text.contains("dG9r"),
            "{text}"
        );
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines.iter().all(|l| l.path.starts_with("data")));
    }
}

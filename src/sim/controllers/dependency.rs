//! Dependency readiness exactly as the controllers compute it (FLUX.md §2): `dependsOn` entries must exist,
//! have conditions, have observed their generation and be `Ready=True`; a Kustomization dependency that shares
//! the dependent's source must also have applied the source's current revision. The error texts are the real ones.
//! `readyExpr` (CEL) is not evaluated: the built-in check applies.

use super::conditions;
use super::object;
use super::view::{View, not_found_text};
use crate::flux::{FluxKind, ResourceRef};
use serde_json::Value;

/// The controllers' `--requeue-dependency` default.
pub const REQUEUE_DEPENDENCY: std::time::Duration = std::time::Duration::from_secs(30);

fn depends_on(obj: &Value, kind: FluxKind) -> Vec<ResourceRef> {
    let ns = object::namespace(obj);
    obj.pointer("/spec/dependsOn")
        .and_then(Value::as_array)
        .map(|deps| {
            deps.iter()
                .filter_map(|d| {
                    let name = d.get("name")?.as_str()?;
                    let dep_ns = d
                        .get("namespace")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .unwrap_or(ns);
                    Some(ResourceRef::new(kind, dep_ns, name))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The dependencies of a Kustomization or HelmRelease (same kind, namespace defaulted).
#[must_use]
pub fn dependencies(obj: &Value) -> Vec<ResourceRef> {
    match object::resource_ref(obj).map(|r| r.kind) {
        Some(kind @ (FluxKind::Kustomization | FluxKind::HelmRelease)) => depends_on(obj, kind),
        _ => Vec::new(),
    }
}

fn ready_and_observed(dep: &Value) -> bool {
    let has_conditions = dep
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| !c.is_empty());
    has_conditions
        && object::generation(dep) == object::observed_generation(dep)
        && conditions::is_true(dep, "Ready")
}

fn source_ref(obj: &Value) -> Option<ResourceRef> {
    object::reference(
        obj.pointer("/spec/sourceRef")?,
        None,
        object::namespace(obj),
    )
}

/// kustomize-controller `checkDependencies`: `Err` carries the Ready message.
///
/// # Errors
/// The first dependency that is missing, not ready, or behind the shared source's revision.
pub fn check_kustomization(
    obj: &Value,
    source_revision: &str,
    view: &View<'_>,
) -> Result<(), String> {
    let own_source = source_ref(obj);
    for dep in depends_on(obj, FluxKind::Kustomization) {
        let nn = dep.namespaced_name();
        let Some(found) = view.get(&dep) else {
            return Err(format!(
                "dependency '{nn}' not found: {}",
                not_found_text(FluxKind::Kustomization, &dep.name)
            ));
        };
        if !ready_and_observed(&found) {
            return Err(format!("dependency '{nn}' is not ready"));
        }
        if own_source.is_some() && source_ref(&found) == own_source {
            let applied = object::str_at(&found, "/status/lastAppliedRevision").unwrap_or_default();
            if applied != source_revision {
                return Err(format!("dependency '{nn}' revision is not up to date"));
            }
        }
    }
    Ok(())
}

/// helm-controller `checkDependencies`: `Err` carries the Ready message.
///
/// # Errors
/// The first dependency that is missing or not ready.
pub fn check_helmrelease(obj: &Value, view: &View<'_>) -> Result<(), String> {
    for dep in depends_on(obj, FluxKind::HelmRelease) {
        let nn = dep.namespaced_name();
        let Some(found) = view.get(&dep) else {
            return Err(format!(
                "unable to get '{nn}' dependency: {}",
                not_found_text(FluxKind::HelmRelease, &dep.name)
            ));
        };
        if !(object::generation(&found) == object::observed_generation(&found)
            && conditions::is_true(&found, "Ready"))
        {
            return Err(format!("dependency '{nn}' is not ready"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::controllers::view::OwnerIndex;
    use crate::sim::store::Store;
    use serde_json::json;

    fn ks(name: &str, source: &str, depends: &[&str], status: Value) -> Value {
        json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system", "generation": 1},
            "spec": {"interval": "10m", "sourceRef": {"kind": "GitRepository", "name": source},
                     "dependsOn": depends.iter().map(|d| json!({"name": d})).collect::<Vec<_>>()},
            "status": status,
        })
    }

    fn ready(revision: &str) -> Value {
        json!({"observedGeneration": 1, "lastAppliedRevision": revision,
               "conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": ""}]})
    }

    fn check(objects: &[Value], dependent: &Value, revision: &str) -> Result<(), String> {
        let store = Store::standard();
        for o in objects {
            store.upsert(o.clone()).unwrap();
        }
        let owners = OwnerIndex::default();
        check_kustomization(
            dependent,
            revision,
            &View {
                store: &store,
                owners: &owners,
            },
        )
    }

    #[test]
    fn kustomization_dependencies_are_checked_like_the_controller() {
        let app = ks("app", "repo", &["infra"], json!({}));
        assert_eq!(
            check(&[], &app, "main@sha1:1"),
            Err("dependency 'flux-system/infra' not found: kustomizations.kustomize.toolkit.fluxcd.io \"infra\" not found".to_owned())
        );
        let no_conditions = ks("infra", "repo", &[], json!({"observedGeneration": 1}));
        assert_eq!(
            check(&[no_conditions], &app, "main@sha1:1"),
            Err("dependency 'flux-system/infra' is not ready".to_owned())
        );
        let mut stale = ks("infra", "repo", &[], ready("main@sha1:1"));
        stale["metadata"]["generation"] = json!(2);
        assert_eq!(
            check(&[stale], &app, "main@sha1:1"),
            Err("dependency 'flux-system/infra' is not ready".to_owned())
        );
        let behind = ks("infra", "repo", &[], ready("main@sha1:1"));
        assert_eq!(
            check(std::slice::from_ref(&behind), &app, "main@sha1:2"),
            Err("dependency 'flux-system/infra' revision is not up to date".to_owned())
        );
        assert_eq!(check(&[behind], &app, "main@sha1:1"), Ok(()));
        let other_source = ks("infra", "other", &[], ready("main@sha1:9"));
        assert_eq!(
            check(&[other_source], &app, "main@sha1:2"),
            Ok(()),
            "revision only checked for the same source"
        );
    }

    #[test]
    fn helmrelease_dependencies_are_checked_like_the_controller() {
        let store = Store::standard();
        let owners = OwnerIndex::default();
        let view = View {
            store: &store,
            owners: &owners,
        };
        let web = json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "web", "namespace": "apps"},
            "spec": {"dependsOn": [{"name": "db", "namespace": "data"}]}});
        assert_eq!(
            check_helmrelease(&web, &view),
            Err("unable to get 'data/db' dependency: helmreleases.helm.toolkit.fluxcd.io \"db\" not found".to_owned())
        );
        store
            .upsert(json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
                "metadata": {"name": "db", "namespace": "data", "generation": 1},
                "status": {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "False"}]}}))
            .unwrap();
        assert_eq!(
            check_helmrelease(&web, &view),
            Err("dependency 'data/db' is not ready".to_owned())
        );
    }
}

//! The authorizer chain of a kube-apiserver started with `--authorization-mode=RBAC`: members of
//! `system:masters` are allowed at once (the privileged-group authorizer, no reason), then the RBAC authorizer
//! visits the ClusterRoleBindings and, for namespaced requests, the RoleBindings of the namespace, resolving
//! each binding's role from the store. The first rule that allows wins, with the reason
//! `RBAC: allowed by RoleBinding "b/ns" of Role "r" to ServiceAccount "sa/ns"`; a denial carries the roles that
//! could not be found (`RBAC: role.rbac.authorization.k8s.io "r" not found`), as the real authorizer reports.

use super::rule::{Request, allows};
use super::{MASTERS, UserInfo, service_account_username};
use crate::sim::resource::GroupResource;
use crate::sim::store::{ObjectKey, Selector, Store};
use serde_json::Value;

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// The authorizer's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Why (may be empty): the binding that allowed, or the errors met while denying.
    pub reason: String,
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The index of the first subject of `binding` that is `user` (RBAC `appliesTo`).
fn subject_index(user: &UserInfo, binding: &Value, namespace: &str) -> Option<usize> {
    let subjects = binding.get("subjects")?.as_array()?;
    subjects.iter().position(|s| {
        let name = text(s, "/name");
        match text(s, "/kind") {
            "User" => user.username == name,
            "Group" => user.in_group(name),
            "ServiceAccount" => {
                let ns = Some(text(s, "/namespace"))
                    .filter(|n| !n.is_empty())
                    .unwrap_or(namespace);
                !ns.is_empty() && user.username == service_account_username(ns, name)
            }
            _ => false,
        }
    })
}

/// `Kind "name"` of a subject, ServiceAccounts as `"name/namespace"` (rbac `describeSubject`).
fn describe_subject(subject: &Value, binding_namespace: &str) -> String {
    let kind = text(subject, "/kind");
    let name = text(subject, "/name");
    if kind == "ServiceAccount" {
        let ns = Some(text(subject, "/namespace"))
            .filter(|n| !n.is_empty())
            .unwrap_or(binding_namespace);
        format!("{kind} \"{name}/{ns}\"")
    } else {
        format!("{kind} \"{name}\"")
    }
}

/// The rules of a binding's `roleRef`, or the lister's not-found error text.
fn role_rules(store: &Store, binding: &Value, namespace: &str) -> Result<Vec<Value>, String> {
    let kind = text(binding, "/roleRef/kind");
    let name = text(binding, "/roleRef/name");
    let (resource, ns, singular) = match kind {
        "Role" => ("roles", namespace, "role"),
        "ClusterRole" => ("clusterroles", "", "clusterrole"),
        other => return Err(format!("unsupported role reference kind: \"{other}\"")),
    };
    let role = store
        .get(&ObjectKey::new(
            GroupResource::new(RBAC_GROUP, resource),
            ns,
            name,
        ))
        .ok_or_else(|| format!("{singular}.{RBAC_GROUP} \"{name}\" not found"))?;
    Ok(role
        .get("rules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// Decides `request` for `user` over the RBAC objects in `store`.
#[must_use]
pub fn authorize(store: &Store, user: &UserInfo, request: &Request) -> Decision {
    if user.in_group(MASTERS) {
        return Decision {
            allowed: true,
            reason: String::new(),
        };
    }
    let mut errors = Vec::new();
    let rbac = |resource: &str, ns: Option<&str>| {
        store
            .list(
                &GroupResource::new(RBAC_GROUP, resource),
                ns,
                &Selector::everything(),
            )
            .items
    };
    let namespace = request.namespace();
    let mut sources: Vec<(std::sync::Arc<Value>, &str)> = rbac("clusterrolebindings", None)
        .into_iter()
        .map(|b| (b, ""))
        .collect();
    if !namespace.is_empty() {
        sources.extend(
            rbac("rolebindings", Some(namespace))
                .into_iter()
                .map(|b| (b, namespace)),
        );
    }
    for (binding, ns) in sources {
        let Some(index) = subject_index(user, &binding, ns) else {
            continue;
        };
        let rules = match role_rules(store, &binding, ns) {
            Ok(rules) => rules,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if rules.iter().any(|rule| allows(rule, request)) {
            let subject = binding
                .pointer(&format!("/subjects/{index}"))
                .map(|s| describe_subject(s, ns))
                .unwrap_or_default();
            let name = text(&binding, "/metadata/name");
            let (what, binding_name) = if ns.is_empty() {
                ("ClusterRoleBinding", name.to_owned())
            } else {
                ("RoleBinding", format!("{name}/{ns}"))
            };
            return Decision {
                allowed: true,
                reason: format!(
                    "RBAC: allowed by {what} \"{binding_name}\" of {} \"{}\" to {subject}",
                    text(&binding, "/roleRef/kind"),
                    text(&binding, "/roleRef/name"),
                ),
            };
        }
    }
    let reason = match errors.as_slice() {
        [] => String::new(),
        [one] => format!("RBAC: {one}"),
        many => format!("RBAC: [{}]", many.join(", ")),
    };
    Decision {
        allowed: false,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store_with(objects: &[Value]) -> Store {
        let store = Store::standard();
        for o in objects {
            store.upsert(o.clone()).unwrap();
        }
        store
    }

    fn scale_role() -> Vec<Value> {
        vec![
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": {"name": "fluxops-scale", "namespace": "apps"},
                "rules": [{"apiGroups": ["apps"], "resources": ["deployments", "deployments/scale"],
                           "verbs": ["get", "patch"]}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": "fluxops-scale", "namespace": "apps"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "fluxops-scale"},
                "subjects": [{"kind": "ServiceAccount", "name": "fluxops-scale", "namespace": "fluxops-system"}]}),
        ]
    }

    #[test]
    fn a_role_binding_allows_its_service_account_in_its_namespace_only() {
        let store = store_with(&scale_role());
        let sa = UserInfo::service_account("fluxops-system", "fluxops-scale", None);
        let patch =
            |ns: &str| Request::resource("patch", "apps", "deployments", "scale", ns, "podinfo");
        let d = authorize(&store, &sa, &patch("apps"));
        assert!(d.allowed);
        assert_eq!(
            d.reason,
            "RBAC: allowed by RoleBinding \"fluxops-scale/apps\" of Role \"fluxops-scale\" to ServiceAccount \"fluxops-scale/fluxops-system\""
        );
        assert!(!authorize(&store, &sa, &patch("default")).allowed);
        let other = UserInfo::service_account("fluxops-system", "other", None);
        assert!(!authorize(&store, &other, &patch("apps")).allowed);
    }

    #[test]
    fn masters_are_allowed_without_a_reason_and_missing_roles_are_named() {
        let store = store_with(&scale_role()[1..]);
        let admin = UserInfo::new("admin", &[MASTERS]);
        let req = Request::resource("delete", "", "nodes", "", "", "n1");
        assert_eq!(
            authorize(&store, &admin, &req),
            Decision {
                allowed: true,
                reason: String::new()
            }
        );
        let sa = UserInfo::service_account("fluxops-system", "fluxops-scale", None);
        let d = authorize(
            &store,
            &sa,
            &Request::resource("get", "apps", "deployments", "", "apps", "x"),
        );
        assert!(!d.allowed);
        assert_eq!(
            d.reason,
            "RBAC: role.rbac.authorization.k8s.io \"fluxops-scale\" not found"
        );
    }

    #[test]
    fn cluster_role_bindings_apply_everywhere_and_groups_match() {
        let store = store_with(&[
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "view-nodes"},
                "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list"]}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": "view-nodes"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view-nodes"},
                "subjects": [{"kind": "Group", "name": "oncall"}]}),
        ]);
        let user = UserInfo::new("jane", &["oncall"]);
        let d = authorize(
            &store,
            &user,
            &Request::resource("list", "", "nodes", "", "", ""),
        );
        assert_eq!(
            d.reason,
            "RBAC: allowed by ClusterRoleBinding \"view-nodes\" of ClusterRole \"view-nodes\" to Group \"oncall\""
        );
        assert!(
            !authorize(
                &store,
                &user,
                &Request::resource("patch", "", "nodes", "", "", "n")
            )
            .allowed
        );
    }
}

//! `fluxops rbac`: the least-privilege RBAC the catalog needs, derived from each action's `rbac:` rules.
//!
//! Per `job` action: ServiceAccount `fluxops-<action>` in the fluxops namespace, and its rules bound to it —
//! with no `--target-namespace`, one ClusterRole + ClusterRoleBinding (the action may act in every namespace);
//! with target namespaces, the namespaced rules as a Role + RoleBinding in each of them and only the
//! cluster-scoped rules (Nodes, …) as a ClusterRole. No wildcard ever (the catalog refuses them).
//!
//! For the people using fluxops, two unbound roles: ClusterRole `fluxops-operator` (the `direct` actions'
//! rules, creating Events, and reading role bindings for the Job actions' pre-flight) and Role
//! `fluxops-operator` in the fluxops namespace (running and watching the Jobs, their input Secrets and logs,
//! reading the actions' ServiceAccounts). Bind them to your operators' group. Whoever may create Jobs in the
//! fluxops namespace can run anything as any of its ServiceAccounts: guard that namespace (docs/ACTIONS.md).

use crate::actions::Catalog;
use crate::actions::spec::{RbacRule, RbacScope};
use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use std::collections::BTreeMap;

/// Where the ServiceAccounts live and where the actions may act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RbacOptions {
    pub namespace: String,
    /// Empty: every namespace.
    pub target_namespaces: Vec<String>,
}

/// One object of the output.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum RbacObject {
    Namespace(Namespace),
    ServiceAccount(ServiceAccount),
    ClusterRole(ClusterRole),
    ClusterRoleBinding(ClusterRoleBinding),
    Role(Role),
    RoleBinding(RoleBinding),
}

/// The name of everything fluxops creates for the people using it.
pub const OPERATOR_ROLE: &str = "fluxops-operator";

fn meta(name: &str, namespace: Option<&str>, action: Option<&str>) -> ObjectMeta {
    let mut labels = BTreeMap::from([(
        "app.kubernetes.io/managed-by".to_owned(),
        "fluxops".to_owned(),
    )]);
    if let Some(action) = action {
        labels.insert("fluxops.io/action".to_owned(), action.to_owned());
    }
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: namespace.map(str::to_owned),
        labels: Some(labels),
        ..ObjectMeta::default()
    }
}

fn policy_rules<'a>(rules: impl Iterator<Item = &'a RbacRule>) -> Vec<PolicyRule> {
    rules
        .map(|r| PolicyRule {
            api_groups: Some(r.api_groups.clone()),
            resources: Some(r.resources.clone()),
            verbs: r.verbs.clone(),
            ..PolicyRule::default()
        })
        .collect()
}

fn subject(sa: &str, namespace: &str) -> Vec<Subject> {
    vec![Subject {
        kind: "ServiceAccount".to_owned(),
        name: sa.to_owned(),
        namespace: Some(namespace.to_owned()),
        ..Subject::default()
    }]
}

fn role_ref(kind: &str, name: &str) -> RoleRef {
    RoleRef {
        api_group: "rbac.authorization.k8s.io".to_owned(),
        kind: kind.to_owned(),
        name: name.to_owned(),
    }
}

/// Every object, in apply order (namespace, then per action, then the operator roles).
#[must_use]
pub fn objects(catalog: &Catalog, options: &RbacOptions) -> Vec<RbacObject> {
    let ns = options.namespace.as_str();
    let mut out = vec![RbacObject::Namespace(Namespace {
        metadata: meta(ns, None, None),
        ..Namespace::default()
    })];
    for spec in catalog.actions.iter().filter(|a| a.job().is_some()) {
        let sa = spec.service_account();
        let action = Some(spec.name.as_str());
        out.push(RbacObject::ServiceAccount(ServiceAccount {
            metadata: meta(&sa, Some(ns), action),
            ..ServiceAccount::default()
        }));
        let (cluster, namespaced): (Vec<&RbacRule>, Vec<&RbacRule>) = spec
            .rbac
            .iter()
            .partition(|r| r.scope == RbacScope::Cluster);
        let cluster_wide: Vec<&RbacRule> = if options.target_namespaces.is_empty() {
            spec.rbac.iter().collect()
        } else {
            cluster
        };
        if !cluster_wide.is_empty() {
            out.push(RbacObject::ClusterRole(ClusterRole {
                metadata: meta(&sa, None, action),
                rules: Some(policy_rules(cluster_wide.into_iter())),
                ..ClusterRole::default()
            }));
            out.push(RbacObject::ClusterRoleBinding(ClusterRoleBinding {
                metadata: meta(&sa, None, action),
                role_ref: role_ref("ClusterRole", &sa),
                subjects: Some(subject(&sa, ns)),
            }));
        }
        if options.target_namespaces.is_empty() || namespaced.is_empty() {
            continue;
        }
        for target_ns in &options.target_namespaces {
            out.push(RbacObject::Role(Role {
                metadata: meta(&sa, Some(target_ns), action),
                rules: Some(policy_rules(namespaced.iter().copied())),
            }));
            out.push(RbacObject::RoleBinding(RoleBinding {
                metadata: meta(&sa, Some(target_ns), action),
                role_ref: role_ref("Role", &sa),
                subjects: Some(subject(&sa, ns)),
            }));
        }
    }
    out.extend(operator_roles(catalog, ns));
    out
}

fn operator_roles(catalog: &Catalog, ns: &str) -> [RbacObject; 2] {
    let mut rules = policy_rules(
        catalog
            .actions
            .iter()
            .filter(|a| a.job().is_none())
            .flat_map(|a| a.rbac.iter()),
    );
    rules.push(PolicyRule {
        api_groups: Some(vec![String::new()]),
        resources: Some(vec!["events".to_owned()]),
        verbs: vec!["create".to_owned()],
        ..PolicyRule::default()
    });
    // The RBAC pre-flight of a Job action reads the binding of its ServiceAccount (by name).
    rules.push(PolicyRule {
        api_groups: Some(vec!["rbac.authorization.k8s.io".to_owned()]),
        resources: Some(vec![
            "clusterrolebindings".to_owned(),
            "rolebindings".to_owned(),
        ]),
        verbs: vec!["get".to_owned()],
        ..PolicyRule::default()
    });
    rules = merge(rules);
    let rule = |group: &str, resources: &[&str], verbs: &[&str]| PolicyRule {
        api_groups: Some(vec![group.to_owned()]),
        resources: Some(resources.iter().map(|r| (*r).to_owned()).collect()),
        verbs: verbs.iter().map(|v| (*v).to_owned()).collect(),
        ..PolicyRule::default()
    };
    [
        RbacObject::ClusterRole(ClusterRole {
            metadata: meta(OPERATOR_ROLE, None, None),
            rules: Some(rules),
            ..ClusterRole::default()
        }),
        RbacObject::Role(Role {
            metadata: meta(OPERATOR_ROLE, Some(ns), None),
            rules: Some(vec![
                rule(
                    "batch",
                    &["jobs"],
                    &["create", "get", "list", "watch", "delete"],
                ),
                rule("", &["secrets"], &["create", "delete"]),
                rule("", &["pods"], &["get", "list", "watch"]),
                rule("", &["pods/log"], &["get"]),
                rule("", &["serviceaccounts"], &["get"]),
            ]),
        }),
    ]
}

/// Rules with the same groups and resources (in any order) merged, verbs united in first-seen order.
fn merge(rules: Vec<PolicyRule>) -> Vec<PolicyRule> {
    let sorted = |v: &Option<Vec<String>>| {
        let mut v = v.clone().unwrap_or_default();
        v.sort();
        v
    };
    let mut out: Vec<PolicyRule> = Vec::new();
    for rule in rules {
        if let Some(existing) = out.iter_mut().find(|r| {
            sorted(&r.api_groups) == sorted(&rule.api_groups)
                && sorted(&r.resources) == sorted(&rule.resources)
        }) {
            for verb in rule.verbs {
                if !existing.verbs.contains(&verb) {
                    existing.verbs.push(verb);
                }
            }
        } else {
            out.push(rule);
        }
    }
    out
}

/// The objects as one YAML stream for `kubectl apply -f -`, with a header saying where it came from.
///
/// # Errors
/// Serialisation failure (not expected).
pub fn to_yaml(objects: &[RbacObject]) -> Result<String, serde_saphyr::SerializeError> {
    let mut out = String::from(
        "# RBAC for the fluxops action catalog (generated by `fluxops rbac`).\n\
         # Apply: fluxops rbac | kubectl apply -f -\n\
         # Bind ClusterRole and Role fluxops-operator to the people who run actions.\n---\n",
    );
    out.push_str(&serde_saphyr::to_string_multiple(objects)?);
    Ok(out)
}

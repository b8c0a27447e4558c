//! The RBAC objects every cluster starts with (the apiserver's bootstrap policy), so ServiceAccounts can do what
//! they can on a real cluster without any binding of their own: discovery and health paths
//! (`system:discovery`, `system:public-info-viewer`), self reviews (`system:basic-user`), and the user-facing
//! roles `cluster-admin` (bound to `system:masters`), `admin`, `edit` and `view` (flattened: no aggregation).

use crate::sim::store::{Store, StoreError};
use serde_json::{Value, json};

const DISCOVERY_URLS: &[&str] = &[
    "/api",
    "/api/*",
    "/apis",
    "/apis/*",
    "/healthz",
    "/livez",
    "/openapi",
    "/openapi/*",
    "/readyz",
    "/version",
    "/version/",
];
const PUBLIC_URLS: &[&str] = &["/healthz", "/livez", "/readyz", "/version", "/version/"];
const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "patch",
    "update",
    "get",
    "list",
    "watch",
];

fn meta(name: &str) -> Value {
    json!({
        "name": name,
        "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
        "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
    })
}

fn cluster_role(name: &str, rules: Value) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
           "metadata": meta(name), "rules": rules})
}

fn binding(name: &str, groups: &[&str]) -> Value {
    let subjects: Vec<Value> = groups
        .iter()
        .map(|g| json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": g}))
        .collect();
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
           "metadata": meta(name),
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
           "subjects": subjects})
}

/// Rules over the workload resources users manage, with `verbs`.
fn workload_rules(verbs: &[&str], secrets: bool) -> Value {
    let mut core = vec![
        "configmaps",
        "endpoints",
        "persistentvolumeclaims",
        "pods",
        "pods/log",
        "pods/status",
        "replicationcontrollers",
        "serviceaccounts",
        "services",
        "events",
    ];
    if secrets {
        core.extend(["secrets", "pods/eviction", "serviceaccounts/token"]);
    }
    json!([
        {"apiGroups": [""], "resources": core, "verbs": verbs},
        {"apiGroups": ["apps"], "resources": ["daemonsets", "deployments", "deployments/scale", "replicasets",
            "replicasets/scale", "statefulsets", "statefulsets/scale"], "verbs": verbs},
        {"apiGroups": ["batch"], "resources": ["cronjobs", "jobs"], "verbs": verbs},
        {"apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers"], "verbs": verbs},
        {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses", "networkpolicies"], "verbs": verbs},
        {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": verbs},
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": READ},
    ])
}

/// The bootstrap ClusterRoles and ClusterRoleBindings.
#[must_use]
pub fn objects() -> Vec<Value> {
    let mut admin = workload_rules(WRITE, true);
    if let Some(rules) = admin.as_array_mut() {
        rules.push(json!({"apiGroups": ["rbac.authorization.k8s.io"],
            "resources": ["rolebindings", "roles"], "verbs": WRITE}));
    }
    vec![
        cluster_role(
            "cluster-admin",
            json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                   {"nonResourceURLs": ["*"], "verbs": ["*"]}]),
        ),
        binding("cluster-admin", &[super::MASTERS]),
        cluster_role(
            "system:discovery",
            json!([{"nonResourceURLs": DISCOVERY_URLS, "verbs": ["get"]}]),
        ),
        binding("system:discovery", &[super::AUTHENTICATED]),
        cluster_role(
            "system:public-info-viewer",
            json!([{"nonResourceURLs": PUBLIC_URLS, "verbs": ["get"]}]),
        ),
        binding(
            "system:public-info-viewer",
            &[super::AUTHENTICATED, "system:unauthenticated"],
        ),
        cluster_role(
            "system:basic-user",
            json!([
                {"apiGroups": ["authorization.k8s.io"],
                 "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], "verbs": ["create"]},
                {"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"], "verbs": ["create"]},
            ]),
        ),
        binding("system:basic-user", &[super::AUTHENTICATED]),
        cluster_role("admin", admin),
        cluster_role("edit", workload_rules(WRITE, true)),
        cluster_role("view", workload_rules(READ, false)),
    ]
}

/// Stores the bootstrap policy (replacing objects of the same names).
///
/// # Errors
/// A store that does not serve the RBAC kinds.
pub fn seed(store: &Store) -> Result<(), StoreError> {
    for obj in objects() {
        store.upsert(obj)?;
    }
    Ok(())
}

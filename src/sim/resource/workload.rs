//! Resource definitions of the workload, node and RBAC kinds the simulator serves besides the basic built-ins
//! (Services, Nodes, PersistentVolumeClaims, ReplicaSets, StatefulSets, DaemonSets, CronJobs, PodDisruptionBudgets,
//! HorizontalPodAutoscalers, Roles, ClusterRoles and their bindings), the extra subresources of pods and
//! ServiceAccounts, and the printer columns of kubectl's server-side tables for them (`columns`; cells computed
//! by `sim::http::printers`).

use super::builtin::builtin;
use super::{ExtraSubresource, ResourceDef};

/// `pods/eviction` (policy/v1 Eviction) and `pods/log`.
pub const POD_SUBRESOURCES: &[ExtraSubresource] = &[
    ExtraSubresource {
        name: "eviction",
        group: "policy",
        version: "v1",
        kind: "Eviction",
        verbs: &["create"],
    },
    ExtraSubresource {
        name: "log",
        group: "",
        version: "",
        kind: "Pod",
        verbs: &["get"],
    },
];

/// `serviceaccounts/token` (authentication.k8s.io/v1 TokenRequest).
pub const SERVICE_ACCOUNT_SUBRESOURCES: &[ExtraSubresource] = &[ExtraSubresource {
    name: "token",
    group: "authentication.k8s.io",
    version: "v1",
    kind: "TokenRequest",
    verbs: &["create"],
}];

/// Printer columns of the built-in tables (kube-apiserver's `printers`), `#printer:` cells computed per kind.
pub mod columns {
    use crate::sim::resource::{Column, NAME_COLUMN};

    macro_rules! col {
        ($name:expr, $type_:expr, $path:expr, $description:expr) => {
            Column {
                name: $name,
                type_: $type_,
                json_path: $path,
                description: $description,
            }
        };
    }

    const AGE: Column = col!(
        "Age",
        "string",
        "#since:.metadata.creationTimestamp",
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC."
    );

    pub const DEPLOYMENT: &[Column] = &[
        NAME_COLUMN,
        col!(
            "Ready",
            "string",
            "#printer:ready-replicas",
            "Number of the pod with ready state"
        ),
        col!(
            "Up-to-date",
            "integer",
            ".status.updatedReplicas",
            "Total number of non-terminated pods targeted by this deployment that have the desired template spec."
        ),
        col!(
            "Available",
            "integer",
            ".status.availableReplicas",
            "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."
        ),
        AGE,
    ];

    pub const REPLICA_SET: &[Column] = &[
        NAME_COLUMN,
        col!(
            "Desired",
            "integer",
            ".spec.replicas",
            "Replicas is the number of desired replicas."
        ),
        col!(
            "Current",
            "integer",
            ".status.replicas",
            "Replicas is the most recently observed number of replicas."
        ),
        col!(
            "Ready",
            "integer",
            ".status.readyReplicas",
            "readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition."
        ),
        AGE,
    ];

    pub const STATEFUL_SET: &[Column] = &[
        NAME_COLUMN,
        col!(
            "Ready",
            "string",
            "#printer:ready-replicas",
            "Number of the pod with ready state"
        ),
        AGE,
    ];

    pub const POD: &[Column] = &[
        NAME_COLUMN,
        col!(
            "Ready",
            "string",
            "#printer:pod-ready",
            "The aggregate readiness state of this pod for accepting traffic."
        ),
        col!(
            "Status",
            "string",
            "#printer:pod-status",
            "The aggregate status of the containers in this pod."
        ),
        col!(
            "Restarts",
            "string",
            "#printer:pod-restarts",
            "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."
        ),
        AGE,
    ];

    pub const JOB: &[Column] = &[
        NAME_COLUMN,
        col!(
            "Completions",
            "string",
            "#printer:job-completions",
            "The completion status of the job."
        ),
        col!(
            "Duration",
            "string",
            "#printer:job-duration",
            "Time required to complete the job."
        ),
        AGE,
    ];

    pub const NODE: &[Column] = &[
        NAME_COLUMN,
        col!(
            "Status",
            "string",
            "#printer:node-status",
            "The status of the node"
        ),
        col!(
            "Roles",
            "string",
            "#printer:node-roles",
            "The roles of the node"
        ),
        AGE,
        col!(
            "Version",
            "string",
            ".status.nodeInfo.kubeletVersion",
            "Kubelet Version reported by the node."
        ),
    ];

    pub const SERVICE: &[Column] = &[
        NAME_COLUMN,
        col!("Type", "string", ".spec.type", "The type of the service."),
        col!(
            "Cluster-IP",
            "string",
            ".spec.clusterIP",
            "The IP address of the service."
        ),
        col!(
            "External-IP",
            "string",
            "#printer:service-external-ip",
            "The external IP address of the service."
        ),
        col!(
            "Port(s)",
            "string",
            "#printer:service-ports",
            "The ports of the service."
        ),
        AGE,
    ];

    pub const SECRET: &[Column] = &[
        NAME_COLUMN,
        col!("Type", "string", ".type", "The type of the secret"),
        col!(
            "Data",
            "integer",
            "#count:.data",
            "The number of entries in the secret"
        ),
        AGE,
    ];

    pub const SERVICE_ACCOUNT: &[Column] = &[
        NAME_COLUMN,
        col!(
            "Secrets",
            "integer",
            "#count:.secrets",
            "The number of secrets that belong to this service account"
        ),
        AGE,
    ];
}

/// The workload, node, policy and RBAC kinds.
#[must_use]
pub fn workload_defs() -> Vec<ResourceDef> {
    let mut services = builtin(
        "",
        "v1",
        "Service",
        "services",
        true,
        &["svc"],
        true,
        "0/CO1lhkEBI=",
    );
    services.singular = "service";
    services.categories = &["all"];
    services.columns = columns::SERVICE;
    let mut nodes = builtin(
        "",
        "v1",
        "Node",
        "nodes",
        false,
        &["no"],
        true,
        "XwShjMxG9Fs=",
    );
    nodes.singular = "node";
    nodes.columns = columns::NODE;
    let mut pvcs = builtin(
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
        &["pvc"],
        true,
        "QWTyNDq0dC4=",
    );
    pvcs.singular = "persistentvolumeclaim";
    let mut replicasets = builtin(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        true,
        &["rs"],
        true,
        "P1RzHs8/mWQ=",
    );
    replicasets.singular = "replicaset";
    replicasets.categories = &["all"];
    replicasets.has_generation = true;
    replicasets.scale_subresource = true;
    replicasets.columns = columns::REPLICA_SET;
    let mut statefulsets = builtin(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        true,
        &["sts"],
        true,
        "H+vl74LkKdo=",
    );
    statefulsets.singular = "statefulset";
    statefulsets.categories = &["all"];
    statefulsets.has_generation = true;
    statefulsets.scale_subresource = true;
    statefulsets.columns = columns::STATEFUL_SET;
    let mut daemonsets = builtin(
        "apps",
        "v1",
        "DaemonSet",
        "daemonsets",
        true,
        &["ds"],
        true,
        "dd7pWHUlMKQ=",
    );
    daemonsets.singular = "daemonset";
    daemonsets.categories = &["all"];
    daemonsets.has_generation = true;
    let mut cronjobs = builtin(
        "batch",
        "v1",
        "CronJob",
        "cronjobs",
        true,
        &["cj"],
        true,
        "sd5LIXh4Fjs=",
    );
    cronjobs.singular = "cronjob";
    cronjobs.categories = &["all"];
    cronjobs.has_generation = true;
    let mut pdbs = builtin(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        &["pdb"],
        true,
        "6BGBu0kpHtk=",
    );
    pdbs.singular = "poddisruptionbudget";
    pdbs.has_generation = true;
    let mut hpas = builtin(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
        &["hpa"],
        true,
        "qwQve8ut294=",
    );
    hpas.singular = "horizontalpodautoscaler";
    hpas.categories = &["all"];
    let rbac = |kind, plural, singular, namespaced, hash| {
        let mut def = builtin(
            "rbac.authorization.k8s.io",
            "v1",
            kind,
            plural,
            namespaced,
            &[],
            false,
            hash,
        );
        def.singular = singular;
        def
    };
    vec![
        services,
        nodes,
        pvcs,
        replicasets,
        statefulsets,
        daemonsets,
        cronjobs,
        pdbs,
        hpas,
        rbac("Role", "roles", "role", true, "7FuwZcIIItM="),
        rbac(
            "ClusterRole",
            "clusterroles",
            "clusterrole",
            false,
            "bYE5ZWDrJ44=",
        ),
        rbac(
            "RoleBinding",
            "rolebindings",
            "rolebinding",
            true,
            "eGsCzGH6b1g=",
        ),
        rbac(
            "ClusterRoleBinding",
            "clusterrolebindings",
            "clusterrolebinding",
            false,
            "48tpQ8gZHFc=",
        ),
    ]
}

//! Resource definitions of the built-in kinds the simulator serves (core, apps, batch), with the
//! columns of their server-side Table printers.

use super::{Column, NAME_COLUMN, ResourceDef};

#[allow(
    clippy::too_many_arguments,
    reason = "a table row constructor, read as a table"
)]
fn builtin(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    status_subresource: bool,
    hash: &'static str,
) -> ResourceDef {
    ResourceDef {
        group,
        versions: vec![version],
        storage_version: version,
        kind,
        plural,
        singular: "",
        namespaced,
        short_names,
        categories: &[],
        custom: false,
        status_subresource,
        scale_subresource: false,
        has_generation: false,
        default_observed_generation: false,
        columns: &[],
        storage_version_hash: hash,
        required: &[],
        typed_fields: &[],
        pattern_fields: &[],
        enum_fields: &[],
        nested_required: &[],
        has_cel_rules: false,
    }
}

macro_rules! builtin_col {
    ($name:expr, $type_:expr, $path:expr, $description:expr) => {
        Column {
            name: $name,
            type_: $type_,
            json_path: $path,
            description: $description,
        }
    };
}

const BUILTIN_AGE: Column = builtin_col!(
    "Age",
    "string",
    "#since:.metadata.creationTimestamp",
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC."
);

const NAMESPACE_COLUMNS: &[Column] = &[
    NAME_COLUMN,
    builtin_col!(
        "Status",
        "string",
        ".status.phase",
        "The status of the namespace"
    ),
    BUILTIN_AGE,
];

const EVENT_COLUMNS: &[Column] = &[
    builtin_col!(
        "Last Seen",
        "string",
        "#since:.lastTimestamp",
        "The time at which the most recent occurrence of this event was recorded."
    ),
    builtin_col!(
        "Type",
        "string",
        ".type",
        "Type of this event (Normal, Warning), new types could be added in the future"
    ),
    builtin_col!(
        "Reason",
        "string",
        ".reason",
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."
    ),
    builtin_col!(
        "Object",
        "string",
        "#involved-object",
        "The object that this event is about."
    ),
    builtin_col!(
        "Message",
        "string",
        ".message",
        "A human-readable description of the status of this operation."
    ),
];

const CONFIGMAP_COLUMNS: &[Column] = &[
    NAME_COLUMN,
    builtin_col!(
        "Data",
        "string",
        "#count:.data",
        "Data contains the configuration data."
    ),
    BUILTIN_AGE,
];

/// Built-in kinds (core, apps, batch) the simulator serves.
#[must_use]
pub fn builtin_defs() -> Vec<ResourceDef> {
    let mut namespaces = builtin(
        "",
        "v1",
        "Namespace",
        "namespaces",
        false,
        &["ns"],
        true,
        "Q3oi5N2YM8M=",
    );
    namespaces.singular = "namespace";
    namespaces.columns = NAMESPACE_COLUMNS;
    let mut events = builtin(
        "",
        "v1",
        "Event",
        "events",
        true,
        &["ev"],
        false,
        "r2yiGXH7wu8=",
    );
    events.singular = "event";
    events.columns = EVENT_COLUMNS;
    let mut configmaps = builtin(
        "",
        "v1",
        "ConfigMap",
        "configmaps",
        true,
        &["cm"],
        false,
        "qFsyl6wFWjQ=",
    );
    configmaps.singular = "configmap";
    configmaps.columns = CONFIGMAP_COLUMNS;
    let mut secrets = builtin(
        "",
        "v1",
        "Secret",
        "secrets",
        true,
        &[],
        false,
        "S6u1pOWzb84=",
    );
    secrets.singular = "secret";
    let mut serviceaccounts = builtin(
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        true,
        &["sa"],
        false,
        "pbx9ZvyFpBE=",
    );
    serviceaccounts.singular = "serviceaccount";
    let mut pods = builtin("", "v1", "Pod", "pods", true, &["po"], true, "xPOwRZ+Yhw8=");
    pods.singular = "pod";
    pods.categories = &["all"];
    let mut deployments = builtin(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        true,
        &["deploy"],
        true,
        "8aSe+NMegvE=",
    );
    deployments.singular = "deployment";
    deployments.categories = &["all"];
    deployments.has_generation = true;
    deployments.scale_subresource = true;
    let mut jobs = builtin(
        "batch",
        "v1",
        "Job",
        "jobs",
        true,
        &[],
        true,
        "mudhfqk/qZY=",
    );
    jobs.singular = "job";
    jobs.categories = &["all"];
    jobs.has_generation = true;
    let mut defs = vec![
        namespaces,
        events,
        configmaps,
        secrets,
        serviceaccounts,
        pods,
        deployments,
        jobs,
    ];
    defs.extend(applied_defs());
    defs
}

/// What a workload's inventory commonly holds besides the kinds above (so the drill-down can read their live
/// status): as the recorded v1.28 server's discovery lists them (plural, scope, short names, categories,
/// subresources).
fn applied_defs() -> Vec<ResourceDef> {
    let def = |group,
               version,
               kind,
               plural,
               singular,
               namespaced,
               short: &'static [&'static str],
               status,
               hash| {
        let mut d = builtin(
            group, version, kind, plural, namespaced, short, status, hash,
        );
        d.singular = singular;
        d
    };
    let workload = |kind, plural, singular, short, hash, scale| {
        let mut d = def(
            "apps", "v1", kind, plural, singular, true, short, true, hash,
        );
        d.categories = &["all"];
        d.has_generation = true;
        d.scale_subresource = scale;
        d
    };
    let mut services = def(
        "",
        "v1",
        "Service",
        "services",
        "service",
        true,
        &["svc"],
        true,
        "0/CO1lhkEBI=",
    );
    services.categories = &["all"];
    let mut hpa = def(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        true,
        &["hpa"],
        true,
        "qwQve8ut294=",
    );
    hpa.versions = vec!["v2", "v1"];
    hpa.categories = &["all"];
    let mut cronjobs = def(
        "batch",
        "v1",
        "CronJob",
        "cronjobs",
        "cronjob",
        true,
        &["cj"],
        true,
        "sd5LIXh4Fjs=",
    );
    cronjobs.categories = &["all"];
    cronjobs.has_generation = true;
    let rbac = "rbac.authorization.k8s.io";
    vec![
        services,
        def(
            "",
            "v1",
            "PersistentVolumeClaim",
            "persistentvolumeclaims",
            "persistentvolumeclaim",
            true,
            &["pvc"],
            true,
            "QWTyNDq0dC4=",
        ),
        workload(
            "StatefulSet",
            "statefulsets",
            "statefulset",
            &["sts"],
            "H+vl74LkKdo=",
            true,
        ),
        workload(
            "DaemonSet",
            "daemonsets",
            "daemonset",
            &["ds"],
            "dd7pWHUlMKQ=",
            false,
        ),
        workload(
            "ReplicaSet",
            "replicasets",
            "replicaset",
            &["rs"],
            "P1RzHs8/mWQ=",
            true,
        ),
        hpa,
        cronjobs,
        def(
            "networking.k8s.io",
            "v1",
            "Ingress",
            "ingresses",
            "ingress",
            true,
            &["ing"],
            true,
            "39NQlfNR+bo=",
        ),
        def(
            "networking.k8s.io",
            "v1",
            "IngressClass",
            "ingressclasses",
            "ingressclass",
            false,
            &[],
            false,
            "l/iqIbDgFyQ=",
        ),
        def(
            rbac,
            "v1",
            "Role",
            "roles",
            "role",
            true,
            &[],
            false,
            "7FuwZcIIItM=",
        ),
        def(
            rbac,
            "v1",
            "RoleBinding",
            "rolebindings",
            "rolebinding",
            true,
            &[],
            false,
            "eGsCzGH6b1g=",
        ),
        def(
            rbac,
            "v1",
            "ClusterRole",
            "clusterroles",
            "clusterrole",
            false,
            &[],
            false,
            "bYE5ZWDrJ44=",
        ),
        def(
            rbac,
            "v1",
            "ClusterRoleBinding",
            "clusterrolebindings",
            "clusterrolebinding",
            false,
            &[],
            false,
            "48tpQ8gZHFc=",
        ),
    ]
}

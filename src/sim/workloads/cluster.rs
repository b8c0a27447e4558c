//! The objects a cluster has besides Flux's: three Nodes (a tainted control-plane node and two workers, as
//! `kind` lays one out), the workloads Kustomizations and HelmReleases list in `status.inventory` (Namespaces,
//! ConfigMaps, Secrets, ServiceAccounts, Services and Deployments are created when missing, labelled as
//! kustomize-controller or Helm labels them; other kinds stay inventory entries only). The Helm release
//! records are helm-controller's own (`controllers::helm_storage`); objects a Kustomization's manifests hold
//! are applied by kustomize-controller (`controllers::apply`).

use super::pod::text;
use crate::sim::GroupResource;
use crate::sim::store::{ObjectKey, Selector, Store};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

fn node(name: &str, control_plane: bool) -> Value {
    let mut labels = json!({"kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name,
                            "kubernetes.io/os": "linux"});
    let mut spec = json!({"podCIDR": "10.244.0.0/24"});
    if control_plane {
        labels["node-role.kubernetes.io/control-plane"] = json!("");
        spec["taints"] =
            json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]);
    }
    let condition = |type_: &str, status: &str, reason: &str, message: &str| {
        json!({"type": type_, "status": status, "reason": reason, "message": message,
               "lastHeartbeatTime": crate::sim::store::meta::now_rfc3339(),
               "lastTransitionTime": crate::sim::store::meta::now_rfc3339()})
    };
    let resources = json!({"cpu": "4", "memory": "16374932Ki", "pods": "110", "ephemeral-storage": "102624184Ki"});
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "spec": spec,
        "status": {
            "conditions": [
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [{"type": "Hostname", "address": name}],
            "capacity": resources, "allocatable": resources,
            "nodeInfo": {"kubeletVersion": "v1.28.0", "kubeProxyVersion": "v1.28.0",
                         "containerRuntimeVersion": "containerd://1.7.1", "operatingSystem": "linux",
                         "architecture": "amd64", "osImage": "Debian GNU/Linux 11 (bullseye)",
                         "kernelVersion": "6.1.0", "machineID": "", "systemUUID": "", "bootID": ""},
        },
    })
}

/// Creates the Nodes when the cluster has none.
pub fn seed_nodes(store: &Store) {
    let nodes = GroupResource::new("", "nodes");
    if store.count(&nodes) > 0 {
        return;
    }
    for (name, cp) in [
        ("sim-control-plane", true),
        ("sim-worker", false),
        ("sim-worker2", false),
    ] {
        let _ = store.upsert(node(name, cp));
    }
}

/// The Deployment of one Flux controller as `flux install` lays it out: labels of the install
/// (`app.kubernetes.io/part-of: flux`, `…/instance: flux-system`, `…/component: <controller>`,
/// `control-plane: controller`), selector and pod label `app: <controller>`, one container `manager`.
#[must_use]
pub fn flux_controller(controller: &str) -> Value {
    let labels = json!({"app.kubernetes.io/component": controller, "app.kubernetes.io/instance": "flux-system",
                        "app.kubernetes.io/part-of": "flux", "app.kubernetes.io/version": "v2.9.0",
                        "control-plane": "controller"});
    let mut pod_labels = labels.clone();
    pod_labels["app"] = json!(controller);
    if let Some(map) = pod_labels.as_object_mut() {
        map.remove("control-plane");
    }
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": controller, "namespace": "flux-system", "labels": labels},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": controller}},
                 "template": {"metadata": {"labels": pod_labels,
                                           "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "8080"}},
                              "spec": {"serviceAccountName": controller, "terminationGracePeriodSeconds": 60,
                                       "containers": [{"name": "manager",
                                           "image": format!("ghcr.io/fluxcd/{controller}:v1.9.0"),
                                           "args": ["--watch-all-namespaces", "--log-level=info", "--log-encoding=json",
                                                    "--enable-leader-election"],
                                           "ports": [{"containerPort": 8080, "name": "http-prom", "protocol": "TCP"},
                                                     {"containerPort": 9440, "name": "healthz", "protocol": "TCP"}]}]}},
                 "strategy": {"type": "RollingUpdate",
                              "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                 "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}})
}

/// Creates the `flux-system` Namespace and the Flux controllers' Deployments when missing (the Deployment
/// controller then runs their pods).
pub fn seed_flux_controllers(store: &Store) {
    let ns = ObjectKey::new(GroupResource::new("", "namespaces"), "", "flux-system");
    if store.get(&ns).is_none() {
        let _ = store.upsert(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "flux-system"}, "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"}}));
    }
    for controller in crate::sim::controllers::logs::CONTROLLERS {
        let key = ObjectKey::new(
            GroupResource::new("apps", "deployments"),
            "flux-system",
            controller,
        );
        if store.get(&key).is_none() {
            let _ = store.upsert(flux_controller(controller));
        }
    }
}

/// `(namespace, name, group, kind)` of an inventory id (`<ns>_<name>_<group>_<kind>`, `:` written `__`).
#[must_use]
pub fn parse_id(id: &str) -> Option<(String, String, String, String)> {
    let mut tail = id.rsplitn(3, '_');
    let kind = tail.next()?;
    let group = tail.next()?;
    let rest = tail.next()?;
    let (ns, name) = rest.split_once('_')?;
    Some((
        ns.to_owned(),
        name.replace("__", ":"),
        group.to_owned(),
        kind.to_owned(),
    ))
}

fn workload(
    kind: &str,
    ns: &str,
    name: &str,
    labels: &Value,
    annotations: &Value,
) -> Option<Value> {
    let meta = json!({"name": name, "namespace": ns, "labels": labels, "annotations": annotations});
    let app = json!({"app.kubernetes.io/name": name});
    Some(match kind {
        "Namespace" => json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": labels}, "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"}}),
        "ConfigMap" => json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
            "data": {"config.yaml": format!("name: {name}\n")}}),
        "Secret" => {
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque",
            "data": {"token": STANDARD.encode(format!("{name}-secret"))}})
        }
        "ServiceAccount" => json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}),
        "Service" => json!({"apiVersion": "v1", "kind": "Service", "metadata": meta,
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "selector": app,
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}]}}),
        "Deployment" => json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
            "spec": {"replicas": 2, "selector": {"matchLabels": app},
                     "template": {"metadata": {"labels": app},
                                  "spec": {"containers": [{"name": name, "image": format!("ghcr.io/acme/{name}:1.0.0"),
                                           "ports": [{"name": "http", "containerPort": 8080}]}]}},
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                     "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}}),
        _ => return None,
    })
}

/// Creates the missing objects of one Kustomization's or HelmRelease's inventory.
pub fn materialize(store: &Store, owner: &Value) {
    let kind = text(owner, "/kind");
    let (owner_ns, owner_name) = (
        text(owner, "/metadata/namespace"),
        text(owner, "/metadata/name"),
    );
    let (labels, annotations) = if kind == "HelmRelease" {
        let release = match text(owner, "/spec/releaseName") {
            "" => owner_name,
            r => r,
        };
        (
            json!({"helm.toolkit.fluxcd.io/name": owner_name, "helm.toolkit.fluxcd.io/namespace": owner_ns,
                   "app.kubernetes.io/managed-by": "Helm"}),
            json!({"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": owner_ns}),
        )
    } else {
        (
            json!({"kustomize.toolkit.fluxcd.io/name": owner_name,
                   "kustomize.toolkit.fluxcd.io/namespace": owner_ns}),
            json!({}),
        )
    };
    let entries = owner
        .pointer("/status/inventory/entries")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let registry = store.registry();
    for entry in entries {
        let Some((ns, name, group, kind)) = parse_id(text(&entry, "/id")) else {
            continue;
        };
        let Some(def) = registry.by_kind(&group, &kind) else {
            continue;
        };
        let key = ObjectKey::new(
            def.group_resource(),
            if def.namespaced { &ns } else { "" },
            &name,
        );
        if store.get(&key).is_some() {
            continue;
        }
        if let Some(obj) = workload(&kind, &ns, &name, &labels, &annotations) {
            let _ = store.upsert(obj);
        }
    }
}

fn ready(obj: &Value) -> bool {
    obj.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| text(c, "/type") == "Ready" && text(c, "/status") == "True")
        })
}

/// Whether a change of a Kustomization or HelmRelease is a finished successful apply (Ready, and a new
/// history, inventory or Ready transition): only then are its inventory's missing objects created, as an
/// apply would; a failing owner does not bring back what was deleted.
#[must_use]
pub fn applied(previous: Option<&Value>, now: &Value) -> bool {
    if !ready(now) {
        return false;
    }
    previous.is_none_or(|p| {
        !ready(p)
            || p.pointer("/status/history") != now.pointer("/status/history")
            || p.pointer("/status/inventory") != now.pointer("/status/inventory")
    })
}

/// `materialize` for every Kustomization and HelmRelease in the store.
pub fn materialize_all(store: &Store) {
    for kind in [
        crate::flux::FluxKind::Kustomization,
        crate::flux::FluxKind::HelmRelease,
    ] {
        for obj in store
            .list(&GroupResource::flux(kind), None, &Selector::everything())
            .items
        {
            materialize(store, &obj);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_ids_split_into_their_parts() {
        assert_eq!(
            parse_id("apps_podinfo_apps_Deployment"),
            Some((
                "apps".into(),
                "podinfo".into(),
                "apps".into(),
                "Deployment".into()
            ))
        );
        assert_eq!(
            parse_id("_system__viewer_rbac.authorization.k8s.io_ClusterRole"),
            Some((
                String::new(),
                "system:viewer".into(),
                "rbac.authorization.k8s.io".into(),
                "ClusterRole".into()
            ))
        );
        assert_eq!(
            parse_id("apps_cfg__ConfigMap"),
            Some((
                "apps".into(),
                "cfg".into(),
                String::new(),
                "ConfigMap".into()
            ))
        );
    }
}

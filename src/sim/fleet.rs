//! `--fleet N`: a deterministic synthetic fleet of about N Flux objects for scale work, generated straight
//! into the store (no YAML text). Per namespace (`tenant-000`, …): a Git source, an OCI source, a Helm
//! repository (every other tenant uses an OCI HelmRepository), Kustomizations in `dependsOn` chains up to
//! five deep under a parent Kustomization that owns the rest (ownership labels), and HelmReleases from
//! `chart.spec` and `chartRef`, some depending on each other. A few objects fail the way real ones do: one
//! Kustomization in fifty applies a Deployment whose selector differs from the stored one (a real apply error),
//! one HelmRelease in a hundred exhausts its upgrade retries.

use crate::flux::{FluxKind, ResourceRef};
use crate::sim::resource::GroupResource;
use crate::sim::scenario::load::MANAGER;
use crate::sim::scenario::{Behaviour, FailurePlan, HelmAction, ManifestVersion};
use crate::sim::store::{Store, StoreError, WriteOptions};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Objects per tenant namespace.
const PER_TENANT: usize = 40;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetSpec {
    /// Approximate number of Flux objects (HelmCharts created by the helm controller come on top).
    pub objects: usize,
    /// One Kustomization in this many fails with an immutable-field error (0: none).
    pub ks_failure_every: usize,
    /// One HelmRelease in this many exhausts its upgrade retries (0: none).
    pub hr_failure_every: usize,
}

impl FleetSpec {
    #[must_use]
    pub fn new(objects: usize) -> Self {
        Self {
            objects,
            ks_failure_every: 50,
            hr_failure_every: 100,
        }
    }
}

fn git(ns: &str) -> Value {
    json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "platform", "namespace": ns},
        "spec": {"interval": "5m0s", "ref": {"branch": "main"}, "url": format!("https://git.example.com/{ns}/platform")}
    })
}

fn oci(ns: &str) -> Value {
    json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository",
        "metadata": {"name": "podinfo-chart", "namespace": ns},
        "spec": {"interval": "10m0s", "url": "oci://ghcr.io/stefanprodan/charts/podinfo", "ref": {"semver": ">=6.5.0"}}
    })
}

fn helm_repo(ns: &str, tenant: usize) -> Value {
    let spec = if tenant.is_multiple_of(2) {
        json!({"interval": "1h0m0s", "url": "https://charts.example.com/stable"})
    } else {
        json!({"type": "oci", "interval": "1h0m0s", "url": "oci://registry.example.com/charts"})
    };
    json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmRepository",
        "metadata": {"name": "charts", "namespace": ns}, "spec": spec
    })
}

fn kustomization(ns: &str, name: &str, depends_on: Option<&str>, parent: Option<&str>) -> Value {
    let mut obj = json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"interval": "10m0s", "path": format!("./{ns}/{name}"), "prune": true,
                 "sourceRef": {"kind": "GitRepository", "name": "platform"}}
    });
    if let Some(dep) = depends_on {
        obj["spec"]["dependsOn"] = json!([{"name": dep}]);
    }
    if let Some(parent) = parent {
        obj["metadata"]["labels"] = json!({
            "kustomize.toolkit.fluxcd.io/name": parent,
            "kustomize.toolkit.fluxcd.io/namespace": ns,
        });
    }
    obj
}

fn helm_release(ns: &str, name: &str, index: usize, depends_on: Option<&str>) -> Value {
    let mut obj = json!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"interval": "30m0s", "upgrade": {"remediation": {"retries": 3}}}
    });
    if index.is_multiple_of(2) {
        obj["spec"]["chartRef"] = json!({"kind": "OCIRepository", "name": "podinfo-chart"});
    } else {
        obj["spec"]["chart"] = json!({"spec": {"chart": format!("app-{}", index % 7), "version": "1.x",
            "sourceRef": {"kind": "HelmRepository", "name": "charts"}}});
    }
    if let Some(dep) = depends_on {
        obj["spec"]["dependsOn"] = json!([{"name": dep}]);
    }
    obj
}

/// The fleet's objects, in creation order, and the behaviours of the ones that fail.
#[must_use]
pub fn generate(spec: &FleetSpec) -> (Vec<Value>, BTreeMap<ResourceRef, Behaviour>) {
    let tenants = spec.objects.div_ceil(PER_TENANT).max(1);
    let mut objects = Vec::with_capacity(spec.objects + tenants);
    let mut behaviours = BTreeMap::new();
    let (mut ks_count, mut hr_count) = (0_usize, 0_usize);
    for t in 0..tenants {
        let ns = format!("tenant-{t:03}");
        let budget = (spec.objects - objects.len().min(spec.objects)).min(PER_TENANT);
        let mut tenant = vec![git(&ns), oci(&ns), helm_repo(&ns, t)];
        let appliers = budget.saturating_sub(tenant.len());
        let root = format!("{ns}-root");
        for i in 0..appliers {
            if i == 0 {
                tenant.push(kustomization(&ns, &root, None, None));
            } else if i % 2 == 1 {
                // Kustomizations: chains of up to five (a new chain every five).
                let k = i / 2;
                let name = format!("app-{k:02}");
                let dep = (k % 5 != 0).then(|| format!("app-{:02}", k - 1));
                tenant.push(kustomization(&ns, &name, dep.as_deref(), Some(&root)));
                ks_count += 1;
                if spec.ks_failure_every > 0 && ks_count % spec.ks_failure_every == 0 {
                    behaviours.insert(
                        ResourceRef::new(FluxKind::Kustomization, &ns, &name),
                        immutable_failure(&ns, &name),
                    );
                }
            } else {
                let k = i / 2;
                let name = format!("release-{k:02}");
                let dep = (k % 4 == 3).then(|| format!("release-{:02}", k - 1));
                tenant.push(helm_release(&ns, &name, k, dep.as_deref()));
                hr_count += 1;
                if spec.hr_failure_every > 0 && hr_count % spec.hr_failure_every == 0 {
                    behaviours.insert(
                        ResourceRef::new(FluxKind::HelmRelease, &ns, &name),
                        upgrade_failure(t),
                    );
                }
            }
        }
        tenant.truncate(budget);
        objects.extend(tenant);
        if objects.len() >= spec.objects {
            break;
        }
    }
    (objects, behaviours)
}

/// A Deployment as a fleet tenant's Git holds it (`labels` are its selector and pod labels).
fn deployment(ns: &str, name: &str, labels: &Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": name, "image": "ghcr.io/stefanprodan/podinfo:6.7.1"}]}}}
    })
}

/// The selector the cluster's Deployment was created with, and the one the Kustomization's Git now holds.
fn selectors(name: &str) -> (Value, Value) {
    (
        json!({"app": name}),
        json!({"app": name, "app.kubernetes.io/part-of": name}),
    )
}

/// A Kustomization whose Git content changed its Deployment's selector: the apply really fails against the
/// stored Deployment (`generate_into` stores it with the old selector).
fn immutable_failure(ns: &str, name: &str) -> Behaviour {
    Behaviour {
        manifests: vec![ManifestVersion {
            after: 0,
            object: deployment(ns, name, &selectors(name).1),
        }],
        ..Behaviour::default()
    }
}

fn upgrade_failure(tenant: usize) -> Behaviour {
    Behaviour {
        failure: Some(FailurePlan {
            reason: None,
            message: "context deadline exceeded".to_owned(),
            after: 0,
            times: None,
            action: Some(HelmAction::Upgrade),
        }),
        revisions: Some(crate::sim::scenario::RevisionPlan {
            every: crate::sim::scenario::SimDuration(std::time::Duration::from_secs(
                120 + tenant as u64 % 60,
            )),
            count: Some(1),
        }),
        ..Behaviour::default()
    }
}

/// Generates the fleet into `store` (Namespaces first) and returns the failing objects' behaviours.
///
/// # Errors
/// A store rejection (should not happen: the objects are well-formed).
pub fn generate_into(
    store: &Store,
    spec: &FleetSpec,
) -> Result<BTreeMap<ResourceRef, Behaviour>, StoreError> {
    let (objects, behaviours) = generate(spec);
    let opts = WriteOptions::manager(MANAGER);
    let mut last_ns = String::new();
    for obj in objects {
        let ns = obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if ns != last_ns {
            let ns_obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            match store.create(&GroupResource::new("", "namespaces"), "", ns_obj, &opts) {
                Ok(_) | Err(StoreError::AlreadyExists { .. }) => {}
                Err(err) => return Err(err),
            }
            last_ns.clone_from(&ns);
        }
        store.upsert(obj)?;
    }
    // The Deployments the failing Kustomizations applied before their selector changed in Git.
    for r in behaviours
        .keys()
        .filter(|r| r.kind == FluxKind::Kustomization)
    {
        let old = deployment(&r.namespace, &r.name, &selectors(&r.name).0);
        store.create(
            &GroupResource::new("apps", "deployments"),
            &r.namespace,
            old,
            &WriteOptions::manager(crate::sim::controllers::apply::MANAGER),
        )?;
    }
    Ok(behaviours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleets_have_the_requested_size_and_are_deterministic() {
        for n in [1, 7, 40, 95, 1000] {
            let (objects, _) = generate(&FleetSpec::new(n));
            assert_eq!(objects.len(), n, "size {n}");
        }
        assert_eq!(
            generate(&FleetSpec::new(200)),
            generate(&FleetSpec::new(200))
        );
    }

    #[test]
    fn fleets_mix_kinds_chains_and_failures() {
        let (objects, behaviours) = generate(&FleetSpec::new(10_000));
        let count = |kind: &str| objects.iter().filter(|o| o["kind"] == kind).count();
        assert!(count("Kustomization") > 4000 && count("HelmRelease") > 4000);
        assert!(count("GitRepository") >= 250 && count("OCIRepository") >= 250);
        let chained = objects
            .iter()
            .filter(|o| o["spec"]["dependsOn"].is_array())
            .count();
        assert!(chained > 4000);
        assert!(behaviours.len() > 100);
        let owned = objects
            .iter()
            .filter(|o| {
                o.pointer("/metadata/labels/kustomize.toolkit.fluxcd.io~1name")
                    .is_some()
            })
            .count();
        assert!(owned > 2000);
    }
}

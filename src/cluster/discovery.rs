//! Which version of each Flux kind the API server serves, read from discovery.
//!
//! For every `FluxKind` the newest of `FluxKind::versions()` that the server lists is picked (a cluster with old
//! controllers serves only `v1beta2`, say). A kind whose group or version list does not contain it is *missing*
//! (its CRD is not installed). Only the three Flux groups are queried: aggregated discovery (one request, Kubernetes
//! 1.26+) first, then legacy per-group discovery if the server does not answer the aggregated form.
//!
//! Must not live here: watching, client construction.

use crate::flux::FluxKind;
use kube::core::ApiResource;
use kube::discovery::Discovery;

/// Discovery failed as a whole (server unreachable, `/apis` refused, …).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("API discovery failed: {0}")]
    Discovery(#[source] kube::Error),
}

impl Error {
    /// A short, stable label for logs and the status bar.
    #[must_use]
    pub fn label(&self) -> &'static str {
        "discovery"
    }
}

/// A Flux kind the server serves, with the resource (group, version, plural) to watch it at.
#[derive(Debug, Clone)]
pub struct ServedKind {
    pub kind: FluxKind,
    pub resource: ApiResource,
}

/// What discovery found for the Flux kinds.
#[derive(Debug, Clone, Default)]
pub struct FluxDiscovery {
    /// Served kinds, in `FluxKind::ALL` order.
    pub served: Vec<ServedKind>,
    /// Kinds served at none of their known versions.
    pub missing: Vec<FluxKind>,
}

/// The distinct Flux API groups.
fn flux_groups() -> Vec<&'static str> {
    let mut groups: Vec<&'static str> = FluxKind::ALL.iter().map(|k| k.group()).collect();
    groups.sort_unstable();
    groups.dedup();
    groups
}

/// Asks the server which Flux kinds and versions it serves.
pub async fn discover(client: &kube::Client) -> Result<FluxDiscovery, Error> {
    let groups = flux_groups();
    let discovery = match Discovery::new(client.clone())
        .filter(&groups)
        .run_aggregated()
        .await
    {
        Ok(d) => d,
        Err(e) => {
            tracing::debug!(
                "aggregated discovery failed ({e}); falling back to per-group discovery"
            );
            Discovery::new(client.clone())
                .filter(&groups)
                .run()
                .await
                .map_err(Error::Discovery)?
        }
    };
    Ok(select(|group, version| {
        discovery
            .get(group)
            .map(|g| {
                g.versioned_resources(version)
                    .into_iter()
                    .map(|(ar, _caps)| ar)
                    .collect()
            })
            .unwrap_or_default()
    }))
}

/// Picks, per kind, the newest known version among the resources `served(group, version)` lists.
pub fn select(served: impl Fn(&str, &str) -> Vec<ApiResource>) -> FluxDiscovery {
    let mut out = FluxDiscovery::default();
    for kind in FluxKind::ALL {
        let found = kind.versions().iter().find_map(|version| {
            served(kind.group(), version)
                .into_iter()
                .find(|ar| ar.kind == kind.as_str())
        });
        match found {
            Some(resource) => out.served.push(ServedKind { kind, resource }),
            None => out.missing.push(kind),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ar(kind: FluxKind, version: &str) -> ApiResource {
        ApiResource {
            group: kind.group().into(),
            version: version.into(),
            api_version: format!("{}/{version}", kind.group()),
            kind: kind.as_str().into(),
            plural: kind.plural().into(),
        }
    }

    #[test]
    fn newest_served_version_wins_and_old_clusters_fall_back() {
        let found = select(|group, version| {
            [
                ar(FluxKind::Kustomization, "v1"),
                ar(FluxKind::Kustomization, "v1beta2"),
                ar(FluxKind::HelmRelease, "v2beta1"),
                ar(FluxKind::GitRepository, "v1beta2"),
            ]
            .into_iter()
            .filter(|a| a.group == group && a.version == version)
            .collect()
        });
        let version_of = |k: FluxKind| {
            found
                .served
                .iter()
                .find(|s| s.kind == k)
                .map(|s| s.resource.version.clone())
        };
        assert_eq!(version_of(FluxKind::Kustomization).as_deref(), Some("v1"));
        assert_eq!(
            version_of(FluxKind::HelmRelease).as_deref(),
            Some("v2beta1")
        );
        assert_eq!(
            version_of(FluxKind::GitRepository).as_deref(),
            Some("v1beta2")
        );
        assert!(found.missing.contains(&FluxKind::Bucket));
        assert!(found.missing.contains(&FluxKind::ExternalArtifact));
        assert_eq!(
            found.served.len() + found.missing.len(),
            FluxKind::ALL.len()
        );
    }

    #[test]
    fn unknown_versions_are_not_picked() {
        let found = select(|group, version| {
            [ar(FluxKind::Kustomization, "v9alpha1")]
                .into_iter()
                .filter(|a| a.group == group && a.version == version)
                .collect()
        });
        assert!(found.missing.contains(&FluxKind::Kustomization));
    }
}

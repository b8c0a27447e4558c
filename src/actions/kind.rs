//! The Kubernetes kinds an action can target: the Flux kinds that can be reconciled or suspended and the
//! workload kinds the remediations touch, each with its API group, version, plural and scope. Pure data.

use crate::flux::FluxKind;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! target_kinds {
    ($($variant:ident => $group:literal, $version:literal, $plural:literal, $namespaced:literal;)*) => {
        /// A kind an action may target (`targets:` in the catalog).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum TargetKind {
            $($variant,)*
        }

        impl TargetKind {
            /// Every kind, in catalog order.
            pub const ALL: &'static [TargetKind] = &[$(TargetKind::$variant,)*];

            /// The `kind:` name.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $(TargetKind::$variant => stringify!($variant),)*
                }
            }

            /// The API group (empty for the core group).
            #[must_use]
            pub fn group(self) -> &'static str {
                match self {
                    $(TargetKind::$variant => $group,)*
                }
            }

            /// The API version the actions use.
            #[must_use]
            pub fn version(self) -> &'static str {
                match self {
                    $(TargetKind::$variant => $version,)*
                }
            }

            /// The resource (plural) name, as RBAC rules and URLs write it.
            #[must_use]
            pub fn plural(self) -> &'static str {
                match self {
                    $(TargetKind::$variant => $plural,)*
                }
            }

            /// Whether objects of this kind live in a namespace (Nodes do not).
            #[must_use]
            pub fn is_namespaced(self) -> bool {
                match self {
                    $(TargetKind::$variant => $namespaced,)*
                }
            }
        }
    };
}

target_kinds! {
    Kustomization => "kustomize.toolkit.fluxcd.io", "v1", "kustomizations", true;
    HelmRelease => "helm.toolkit.fluxcd.io", "v2", "helmreleases", true;
    GitRepository => "source.toolkit.fluxcd.io", "v1", "gitrepositories", true;
    OCIRepository => "source.toolkit.fluxcd.io", "v1", "ocirepositories", true;
    HelmRepository => "source.toolkit.fluxcd.io", "v1", "helmrepositories", true;
    HelmChart => "source.toolkit.fluxcd.io", "v1", "helmcharts", true;
    Bucket => "source.toolkit.fluxcd.io", "v1", "buckets", true;
    Deployment => "apps", "v1", "deployments", true;
    StatefulSet => "apps", "v1", "statefulsets", true;
    DaemonSet => "apps", "v1", "daemonsets", true;
    Job => "batch", "v1", "jobs", true;
    Pod => "", "v1", "pods", true;
    Service => "", "v1", "services", true;
    ConfigMap => "", "v1", "configmaps", true;
    Secret => "", "v1", "secrets", true;
    PersistentVolumeClaim => "", "v1", "persistentvolumeclaims", true;
    Node => "", "v1", "nodes", false;
}

impl TargetKind {
    /// Parses a `kind:` name exactly (`Deployment`), or as a person types it: any case, the plural or the
    /// kubectl short name of the Flux kinds (`deploy`, `ks`, `hr`).
    #[must_use]
    pub fn from_user(text: &str) -> Option<TargetKind> {
        let t = text.trim();
        if let Some(kind) = Self::ALL.iter().find(|k| k.as_str() == t) {
            return Some(*kind);
        }
        if let Some(flux) = FluxKind::from_user(t) {
            return Self::from_flux(flux);
        }
        let lower = t.to_ascii_lowercase();
        let short = match lower.as_str() {
            "deploy" => Some(TargetKind::Deployment),
            "sts" => Some(TargetKind::StatefulSet),
            "ds" => Some(TargetKind::DaemonSet),
            "po" => Some(TargetKind::Pod),
            "svc" => Some(TargetKind::Service),
            "cm" => Some(TargetKind::ConfigMap),
            "pvc" => Some(TargetKind::PersistentVolumeClaim),
            "no" => Some(TargetKind::Node),
            _ => None,
        };
        short.or_else(|| {
            Self::ALL
                .iter()
                .copied()
                .find(|k| k.as_str().eq_ignore_ascii_case(&lower) || k.plural() == lower)
        })
    }

    /// The Flux kind, for the Flux kinds.
    #[must_use]
    pub fn flux(self) -> Option<FluxKind> {
        FluxKind::from_kind(self.as_str())
    }

    /// The target kind of a Flux kind (`None` for ExternalArtifact, which no action targets).
    #[must_use]
    pub fn from_flux(kind: FluxKind) -> Option<TargetKind> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == kind.as_str())
    }

    /// `apiVersion` (`apps/v1`, `v1`).
    #[must_use]
    pub fn api_version(self) -> String {
        if self.group().is_empty() {
            self.version().to_owned()
        } else {
            format!("{}/{}", self.group(), self.version())
        }
    }

    /// The resource as kubectl names it unambiguously: `deployments.apps`, `pods` (core group).
    #[must_use]
    pub fn resource(self) -> String {
        if self.group().is_empty() {
            self.plural().to_owned()
        } else {
            format!("{}.{}", self.plural(), self.group())
        }
    }
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_as_typed_and_as_kubectl_names() {
        assert_eq!(
            TargetKind::from_user("Deployment"),
            Some(TargetKind::Deployment)
        );
        assert_eq!(
            TargetKind::from_user("deployments"),
            Some(TargetKind::Deployment)
        );
        assert_eq!(TargetKind::from_user("ks"), Some(TargetKind::Kustomization));
        assert_eq!(TargetKind::from_user("hr"), Some(TargetKind::HelmRelease));
        assert_eq!(TargetKind::from_user("cm"), Some(TargetKind::ConfigMap));
        assert_eq!(TargetKind::from_user("node"), Some(TargetKind::Node));
        assert_eq!(TargetKind::from_user("ExternalArtifact"), None);
        assert_eq!(TargetKind::from_user("Widget"), None);
    }

    #[test]
    fn flux_kinds_map_both_ways_and_resources_name_their_group() {
        assert_eq!(TargetKind::HelmRelease.flux(), Some(FluxKind::HelmRelease));
        assert_eq!(TargetKind::Deployment.flux(), None);
        assert_eq!(TargetKind::Deployment.resource(), "deployments.apps");
        assert_eq!(TargetKind::Pod.resource(), "pods");
        assert_eq!(TargetKind::Deployment.api_version(), "apps/v1");
        assert_eq!(TargetKind::Node.api_version(), "v1");
        assert!(!TargetKind::Node.is_namespaced());
        for kind in FluxKind::ALL {
            if kind != FluxKind::ExternalArtifact {
                let target = TargetKind::from_flux(kind).unwrap();
                assert_eq!(target.group(), kind.group());
                assert_eq!(target.plural(), kind.plural());
            }
        }
    }
}

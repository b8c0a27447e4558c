//! The Flux kinds fluxops understands: group, versions (newest first), plural, short name and capabilities.
//!
//! Pure data, no I/O. The served version is picked at run time from discovery (see `cluster::discovery`);
//! `versions` lists every version a Flux release has served, newest first.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One of the Flux custom resource kinds shown by the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FluxKind {
    Kustomization,
    HelmRelease,
    GitRepository,
    OCIRepository,
    HelmRepository,
    HelmChart,
    Bucket,
    ExternalArtifact,
}

impl FluxKind {
    /// Every kind, appliers first, then sources.
    pub const ALL: [FluxKind; 8] = [
        FluxKind::Kustomization,
        FluxKind::HelmRelease,
        FluxKind::GitRepository,
        FluxKind::OCIRepository,
        FluxKind::HelmRepository,
        FluxKind::HelmChart,
        FluxKind::Bucket,
        FluxKind::ExternalArtifact,
    ];

    /// The kind name as it appears in `kind:` fields.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FluxKind::Kustomization => "Kustomization",
            FluxKind::HelmRelease => "HelmRelease",
            FluxKind::GitRepository => "GitRepository",
            FluxKind::OCIRepository => "OCIRepository",
            FluxKind::HelmRepository => "HelmRepository",
            FluxKind::HelmChart => "HelmChart",
            FluxKind::Bucket => "Bucket",
            FluxKind::ExternalArtifact => "ExternalArtifact",
        }
    }

    /// Parses a `kind:` value (exact, as the API server requires).
    #[must_use]
    pub fn from_kind(kind: &str) -> Option<FluxKind> {
        FluxKind::ALL.into_iter().find(|k| k.as_str() == kind)
    }

    /// Parses a kind as a person types it on the command line: the kind name, its plural or its kubectl short
    /// name (`Kustomization`, `kustomizations`, `ks`), any case.
    #[must_use]
    pub fn from_user(text: &str) -> Option<FluxKind> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        FluxKind::ALL.into_iter().find(|k| {
            k.as_str().eq_ignore_ascii_case(t)
                || k.plural() == lower
                || k.short_name() == Some(lower.as_str())
        })
    }

    /// The API group.
    #[must_use]
    pub fn group(self) -> &'static str {
        match self {
            FluxKind::Kustomization => "kustomize.toolkit.fluxcd.io",
            FluxKind::HelmRelease => "helm.toolkit.fluxcd.io",
            _ => "source.toolkit.fluxcd.io",
        }
    }

    /// Versions a Flux release has served for this kind, newest first.
    #[must_use]
    pub fn versions(self) -> &'static [&'static str] {
        match self {
            FluxKind::Kustomization => &["v1", "v1beta2", "v1beta1"],
            FluxKind::HelmRelease => &["v2", "v2beta2", "v2beta1"],
            FluxKind::OCIRepository => &["v1", "v1beta2"],
            FluxKind::ExternalArtifact => &["v1"],
            FluxKind::GitRepository
            | FluxKind::HelmRepository
            | FluxKind::HelmChart
            | FluxKind::Bucket => &["v1", "v1beta2", "v1beta1"],
        }
    }

    /// The current (preferred) version.
    #[must_use]
    pub fn preferred_version(self) -> &'static str {
        self.versions()[0]
    }

    /// Whether `api_version` (`group/version`) is one this kind has been served at.
    #[must_use]
    pub fn knows_api_version(self, api_version: &str) -> bool {
        api_version
            .split_once('/')
            .is_some_and(|(g, v)| g == self.group() && self.versions().contains(&v))
    }

    /// The resource plural used in URLs.
    #[must_use]
    pub fn plural(self) -> &'static str {
        match self {
            FluxKind::Kustomization => "kustomizations",
            FluxKind::HelmRelease => "helmreleases",
            FluxKind::GitRepository => "gitrepositories",
            FluxKind::OCIRepository => "ocirepositories",
            FluxKind::HelmRepository => "helmrepositories",
            FluxKind::HelmChart => "helmcharts",
            FluxKind::Bucket => "buckets",
            FluxKind::ExternalArtifact => "externalartifacts",
        }
    }

    /// The lowercase singular name (`kubectl get kustomization`).
    #[must_use]
    pub fn singular(self) -> String {
        self.as_str().to_ascii_lowercase()
    }

    /// The kubectl short name, if the CRD defines one.
    #[must_use]
    pub fn short_name(self) -> Option<&'static str> {
        match self {
            FluxKind::Kustomization => Some("ks"),
            FluxKind::HelmRelease => Some("hr"),
            FluxKind::GitRepository => Some("gitrepo"),
            FluxKind::OCIRepository => Some("ocirepo"),
            FluxKind::HelmRepository => Some("helmrepo"),
            FluxKind::HelmChart => Some("hc"),
            FluxKind::Bucket => None,
            FluxKind::ExternalArtifact => Some("ea"),
        }
    }

    /// CRD categories (`kubectl get fluxcd`).
    #[must_use]
    pub fn categories(self) -> &'static [&'static str] {
        if self.is_applier() {
            &["all", "fluxcd", "fluxcd-appliers"]
        } else {
            &["all", "fluxcd", "fluxcd-sources"]
        }
    }

    /// Kustomization and HelmRelease apply things to the cluster; the rest are sources.
    #[must_use]
    pub fn is_applier(self) -> bool {
        matches!(self, FluxKind::Kustomization | FluxKind::HelmRelease)
    }

    /// Whether `spec.suspend` exists for this kind (all but ExternalArtifact).
    #[must_use]
    pub fn is_suspendable(self) -> bool {
        self != FluxKind::ExternalArtifact
    }

    /// A short label for narrow columns.
    #[must_use]
    pub fn abbrev(self) -> &'static str {
        match self {
            FluxKind::Kustomization => "KS",
            FluxKind::HelmRelease => "HR",
            FluxKind::GitRepository => "Git",
            FluxKind::OCIRepository => "OCI",
            FluxKind::HelmRepository => "HRepo",
            FluxKind::HelmChart => "Chart",
            FluxKind::Bucket => "Bucket",
            FluxKind::ExternalArtifact => "EA",
        }
    }
}

impl fmt::Display for FluxKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in FluxKind::ALL {
            assert_eq!(FluxKind::from_kind(k.as_str()), Some(k));
        }
        assert_eq!(FluxKind::from_kind("kustomization"), None);
    }

    #[test]
    fn kinds_typed_by_a_person_are_names_plurals_or_short_names_in_any_case() {
        assert_eq!(FluxKind::from_user("ks"), Some(FluxKind::Kustomization));
        assert_eq!(FluxKind::from_user(" HR "), Some(FluxKind::HelmRelease));
        assert_eq!(
            FluxKind::from_user("gitrepositories"),
            Some(FluxKind::GitRepository)
        );
        assert_eq!(FluxKind::from_user("bucket"), Some(FluxKind::Bucket));
        assert_eq!(FluxKind::from_user("Pod"), None);
    }

    #[test]
    fn old_api_versions_are_recognised_per_group() {
        assert!(FluxKind::Kustomization.knows_api_version("kustomize.toolkit.fluxcd.io/v1beta2"));
        assert!(FluxKind::HelmRelease.knows_api_version("helm.toolkit.fluxcd.io/v2beta1"));
        assert!(!FluxKind::HelmRelease.knows_api_version("kustomize.toolkit.fluxcd.io/v1"));
        assert!(!FluxKind::ExternalArtifact.knows_api_version("source.toolkit.fluxcd.io/v1beta2"));
    }
}

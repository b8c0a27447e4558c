//! Per-object simulation behaviour: the `simulation:` block a scenario puts beside an object's manifest
//! (reconcile duration, failure injection, new source revisions over time, chart version, extra inventory).
//! Parsed strictly (unknown keys are errors) so a typo in a scenario is reported with its line.

use crate::flux::duration::parse_go_duration;
use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// A Go-style duration in a scenario (`1.2s`, `3m`, `1h30m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SimDuration(pub Duration);

impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_go_duration(&text)
            .map(SimDuration)
            .map_err(serde::de::Error::custom)
    }
}

/// Which Helm action an injected HelmRelease failure hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HelmAction {
    /// The first release fails (`InstallFailed`).
    Install,
    /// The install succeeds; every upgrade fails (`UpgradeFailed`), until retries are exhausted.
    Upgrade,
}

/// Failure injection for one object.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FailurePlan {
    /// The Ready condition reason (and event reason), e.g. `ReconciliationFailed`, `GitOperationFailed`.
    /// HelmReleases derive theirs from `action` (`InstallFailed` / `UpgradeFailed`) when omitted.
    #[serde(default)]
    pub reason: Option<String>,
    /// The raw error: the Ready message for Kustomizations and sources; for HelmReleases the Helm error that
    /// the controller wraps in `Helm upgrade failed for release <ns>/<name> with chart <chart>@<ver>: <message>`.
    pub message: String,
    /// Successful reconciles before the failures start (default 0: failing from the start).
    #[serde(default)]
    pub after: u32,
    /// How many reconciles fail before it recovers by itself (omitted: permanent).
    #[serde(default)]
    pub times: Option<u32>,
    /// HelmRelease only: which Helm action fails (default `install`).
    #[serde(default)]
    pub action: Option<HelmAction>,
}

/// New source revisions over time (a new commit / a new OCI push / a new chart version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RevisionPlan {
    /// Simulated time between two new revisions.
    pub every: SimDuration,
    /// Stop after this many new revisions (omitted: forever).
    #[serde(default)]
    pub count: Option<u32>,
}

/// An object the applier reports in its inventory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InventoryItem {
    /// `apps/v1`, `v1`, `rbac.authorization.k8s.io/v1` …
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// Omitted for cluster-scoped objects.
    #[serde(default)]
    pub namespace: Option<String>,
}

/// The `simulation:` block of one scenario object. Everything is optional: an object without it reconciles
/// successfully with a kind-typical duration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Behaviour {
    /// How long one reconcile takes (simulated time).
    #[serde(default)]
    pub reconcile: Option<SimDuration>,
    #[serde(default)]
    pub failure: Option<FailurePlan>,
    /// Sources: new revisions over time.
    #[serde(default)]
    pub revisions: Option<RevisionPlan>,
    /// OCIRepository (chart) / HelmRelease with `chart.spec`: the chart version published (overrides
    /// resolving `spec.ref.semver` / `chart.spec.version`).
    #[serde(default)]
    pub chart_version: Option<String>,
    /// Objects this Kustomization / HelmRelease applies, in addition to the Flux objects that carry its
    /// ownership labels (those are found automatically).
    #[serde(default)]
    pub inventory: Vec<InventoryItem>,
    /// GitRepository / OCIRepository: the commit sha the source serves (Git: `<branch>@sha1:<commit>`; OCI: a
    /// new digest whose `org.opencontainers.image.revision` annotation is `<tag>@sha1:<commit>`). Also set at run
    /// time by `Simulation::push_revision`.
    #[serde(default)]
    pub commit: Option<String>,
    /// The controller stops reconciling the object after this many attempts (reconciles that reached the apply
    /// or fetch; waiting on a dependency or a missing artifact does not count): it becomes overdue, the status
    /// stays as it was, nothing handles reconcile requests.
    #[serde(default)]
    pub stop_after: Option<u32>,
    /// After this many attempts (0: at once) the next reconcile starts and never finishes: `Reconciling=True` and
    /// `Ready=Unknown` forever, reconcile requests never handled (a hung controller worker).
    #[serde(default)]
    pub stuck_after: Option<u32>,
    /// Kustomization: the manifests its "Git" content holds, applied to the cluster by server-side apply on every
    /// reconcile (dry-run first, as kustomize-controller does), so an apply can really fail against what is
    /// stored (an immutable selector). Several versions of one object: the latest whose `after` is reached.
    #[serde(default)]
    pub manifests: Vec<ManifestVersion>,
    /// HelmRelease: one Helm action is interrupted half-way (the controller killed mid-upgrade), leaving its
    /// release record in a pending state; later actions fail with Helm's lock error until it is removed.
    #[serde(default)]
    pub interrupted: Option<Interruption>,
}

/// One version of an object a Kustomization applies.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManifestVersion {
    /// Applies from this reconcile attempt on (0-based, counted like `failure.after`; default 0).
    #[serde(default)]
    pub after: u32,
    /// The object as written in Git (`apiVersion`, `kind`, `metadata.name`, `metadata.namespace`, …).
    pub object: serde_json::Value,
}

/// The pending state an interrupted Helm action leaves in the release's storage record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PendingStatus {
    PendingInstall,
    PendingUpgrade,
    PendingRollback,
}

impl PendingStatus {
    /// The Helm status text (`pending-upgrade`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingInstall => "pending-install",
            Self::PendingUpgrade => "pending-upgrade",
            Self::PendingRollback => "pending-rollback",
        }
    }
}

/// An interrupted Helm action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Interruption {
    /// Helm actions (install, upgrades) that complete before the interrupted one (default 1: the first upgrade).
    #[serde(default = "one")]
    pub after: u32,
    /// The state left behind (default `pending-upgrade`).
    #[serde(default = "pending_upgrade")]
    pub status: PendingStatus,
}

fn one() -> u32 {
    1
}

fn pending_upgrade() -> PendingStatus {
    PendingStatus::PendingUpgrade
}

impl FailurePlan {
    /// Whether reconcile number `attempt` (0-based, counting every attempt) fails.
    #[must_use]
    pub fn fails_at(&self, attempt: u32) -> bool {
        attempt >= self.after && self.times.is_none_or(|n| attempt - self.after < n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_windows() {
        let plan = FailurePlan {
            reason: None,
            message: "x".into(),
            after: 2,
            times: Some(3),
            action: None,
        };
        let fails: Vec<bool> = (0..7).map(|i| plan.fails_at(i)).collect();
        assert_eq!(fails, [false, false, true, true, true, false, false]);
        let permanent = FailurePlan {
            times: None,
            after: 0,
            ..plan
        };
        assert!(permanent.fails_at(0) && permanent.fails_at(1000));
    }
}

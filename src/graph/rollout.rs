//! Revision rollout, pure: for a source, which of its consumers run its newest artifact revision and which lag,
//! shown as `7/12 at main@sha1:abc123` with the lagging ones and what they are doing.
//!
//! The newest revision is the source's `status.artifact.revision`. Consumers (edges in [`super::edge`]):
//! - **Kustomization** with `sourceRef` to the source: at the revision when `status.lastAppliedRevision` equals
//!   it (kustomize-controller writes it after a successful apply; `lastAttemptedRevision` equal but not applied
//!   means it tried and failed).
//! - **HelmRelease** whose chart artifact *is* the source (`chartRef` to an OCIRepository / ExternalArtifact /
//!   HelmChart, or the source is the HelmChart generated from `spec.chart`): at the revision when its newest
//!   release snapshot (`status.history[0]`, FLUX.md §6) is `deployed` with the chart version the artifact
//!   carries, and, for OCI artifacts, the same digest. The chart version is the artifact revision of a
//!   HelmChart (`6.5.4`, or `6.5.4+<sha>` with `reconcileStrategy: Revision`), and the part before `@` of an
//!   OCIRepository revision (`6.5.4@sha256:…`), which helm-controller records as `6.5.4+<first 12 hex digits
//!   of the digest>` (FLUX.md §3; both forms are accepted); the digest is the part after `@`, compared with
//!   the snapshot's `ociDigest` (or `status.lastAttemptedRevisionDigest` when the snapshot has none). A release
//!   without history falls back to `lastAttemptedRevision` plus Ready. `lastAttemptedRevision` matching while
//!   not deployed means the upgrade to it was attempted.
//! - **HelmRelease behind a HelmChart** (the source is the HelmRepository / GitRepository / Bucket a chart is
//!   built from): at the revision when the chart has been rebuilt from it (`observedSourceArtifactRevision`
//!   equals the source revision; charts that do not record it, e.g. from a HelmRepository index, count as
//!   rebuilt) and the release runs the chart's own revision as above.
//!
//! A lagging consumer is `Suspended` (it never will catch up by itself), `Failing` (Failing/Stalled health),
//! `Blocked` (waiting on a dependency), or `Progressing` (anything else: reconciling, or not due yet).

use super::{EdgeKind, Graph};
use crate::flux::{FluxKind, FluxObject, Health, ResourceRef};
use std::fmt;

/// What a consumer that does not run the newest revision is doing about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lag {
    /// Reconciling towards it, or not due yet.
    Progressing,
    /// Waiting on a dependency.
    Blocked,
    /// Failed (possibly at the new revision).
    Failing,
    /// Suspended: will not move until resumed.
    Suspended,
}

impl Lag {
    /// The word shown to users.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Lag::Progressing => "progressing",
            Lag::Blocked => "blocked",
            Lag::Failing => "failing",
            Lag::Suspended => "suspended",
        }
    }
}

/// One consumer of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerRollout {
    pub consumer: ResourceRef,
    /// `None`: runs the newest revision.
    pub lag: Option<Lag>,
    /// The revision it runs (applied revision / deployed chart version), if any.
    pub at: Option<String>,
    /// It attempted the newest revision (and has not applied it).
    pub attempted: bool,
}

/// The rollout of one source's newest revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollout {
    pub source: ResourceRef,
    /// The newest artifact revision.
    pub revision: String,
    /// Every consumer, those at the revision and those lagging, sorted by consumer.
    pub consumers: Vec<ConsumerRollout>,
}

impl Rollout {
    /// Consumers at the newest revision.
    #[must_use]
    pub fn applied(&self) -> usize {
        self.consumers.iter().filter(|c| c.lag.is_none()).count()
    }

    /// Consumers not at it.
    pub fn lagging(&self) -> impl Iterator<Item = &ConsumerRollout> {
        self.consumers.iter().filter(|c| c.lag.is_some())
    }

    /// Whether every consumer runs the newest revision.
    #[must_use]
    pub fn complete(&self) -> bool {
        self.applied() == self.consumers.len()
    }
}

impl fmt::Display for Rollout {
    /// `7/12 at main@sha1:abc123def456` (hex digests cut to 12 digits like the flux CLI).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} at {}",
            self.applied(),
            self.consumers.len(),
            short_revision(&self.revision)
        )
    }
}

/// A revision with a long hex digest cut to 12 digits (`main@sha1:8e4ad3a9f6c1`).
#[must_use]
pub fn short_revision(rev: &str) -> String {
    match rev.rsplit_once(':') {
        Some((head, hex)) if hex.len() > 12 && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
            format!("{head}:{}", &hex[..12])
        }
        _ => rev.to_owned(),
    }
}

/// Whether a release's chart version is the one an artifact carries: the artifact's version itself, or, for an
/// OCI artifact (`digest` = `sha256:<hex>`), helm-controller's `<version>+<first 12 hex digits>` form.
#[must_use]
pub fn chart_version_matches(chart_version: &str, version: &str, digest: Option<&str>) -> bool {
    if chart_version == version {
        return true;
    }
    let Some(hex) = digest.and_then(|d| d.split_once(':')).map(|(_, h)| h) else {
        return false;
    };
    chart_version
        .strip_prefix(version)
        .and_then(|rest| rest.strip_prefix('+'))
        .is_some_and(|short| short.len() == hex.len().min(12) && hex.starts_with(short))
}

/// The kinds that have consumers.
#[must_use]
pub fn is_source(kind: FluxKind) -> bool {
    !kind.is_applier()
}

impl Graph {
    fn object(&self, r: &ResourceRef) -> Option<&FluxObject> {
        self.node(r).and_then(|n| n.object.as_deref())
    }

    /// The rollout of `source`'s newest revision over its consumers; `None` when it is not a known source with
    /// an artifact, or nothing consumes it.
    #[must_use]
    pub fn rollout(&self, source: &ResourceRef) -> Option<Rollout> {
        if !is_source(source.kind) {
            return None;
        }
        let revision = self
            .object(source)?
            .status
            .artifact
            .as_ref()
            .map(|a| a.revision.clone())
            .filter(|r| !r.is_empty())?;
        let mut consumers = Vec::new();
        for (kind, from) in self.in_edges(source) {
            match (kind, from.kind) {
                (EdgeKind::SourceRef, FluxKind::Kustomization) => {
                    if let Some(c) = self.kustomization_at(from, &revision) {
                        consumers.push(c);
                    }
                }
                (EdgeKind::ChartRef | EdgeKind::ChartSource, FluxKind::HelmRelease) => {
                    if let Some(c) = self.release_at(from, &revision, true) {
                        consumers.push(c);
                    }
                }
                (EdgeKind::ChartSource, FluxKind::HelmChart) => {
                    consumers.extend(self.behind_chart(from, &revision));
                }
                _ => {}
            }
        }
        if consumers.is_empty() {
            return None;
        }
        consumers.sort_by(|a, b| a.consumer.cmp(&b.consumer));
        consumers.dedup_by(|a, b| a.consumer == b.consumer);
        Some(Rollout {
            source: source.clone(),
            revision,
            consumers,
        })
    }

    fn kustomization_at(&self, ks: &ResourceRef, revision: &str) -> Option<ConsumerRollout> {
        let obj = self.object(ks)?;
        let applied = obj.status.last_applied_revision.as_deref() == Some(revision);
        Some(ConsumerRollout {
            consumer: ks.clone(),
            lag: (!applied).then(|| self.lag_of(ks, obj)),
            at: obj.status.last_applied_revision.clone(),
            attempted: !applied && obj.status.last_attempted_revision.as_deref() == Some(revision),
        })
    }

    /// A HelmRelease against the chart artifact revision `revision`; `fresh`: the chart was built from the newest
    /// upstream revision (always, when the artifact is the source itself).
    fn release_at(&self, hr: &ResourceRef, revision: &str, fresh: bool) -> Option<ConsumerRollout> {
        let obj = self.object(hr)?;
        let (version, digest) = match revision.split_once('@') {
            Some((v, d)) => (v, Some(d)),
            None => (revision, None),
        };
        let st = &obj.status;
        let latest = st.history.first();
        let deployed = latest.is_some_and(|h| h.status.as_deref() == Some("deployed"));
        let digest_ok = |snapshot: Option<&str>| match (digest, snapshot) {
            (Some(want), Some(have)) => want == have,
            _ => true,
        };
        let version_ok =
            |v: Option<&str>| v.is_some_and(|v| chart_version_matches(v, version, digest));
        let at_revision = match latest {
            Some(h) => {
                deployed
                    && version_ok(h.chart_version.as_deref())
                    && digest_ok(
                        h.oci_digest
                            .as_deref()
                            .or(st.last_attempted_revision_digest.as_deref()),
                    )
            }
            None => {
                version_ok(st.last_attempted_revision.as_deref())
                    && self.node(hr).and_then(|n| n.health) == Some(Health::Ready)
            }
        };
        let applied = fresh && at_revision;
        Some(ConsumerRollout {
            consumer: hr.clone(),
            lag: (!applied).then(|| self.lag_of(hr, obj)),
            at: latest
                .filter(|_| deployed)
                .and_then(|h| h.chart_version.clone()),
            attempted: !applied
                && fresh
                && version_ok(st.last_attempted_revision.as_deref())
                && digest_ok(st.last_attempted_revision_digest.as_deref()),
        })
    }

    /// The HelmReleases using `chart`, against the upstream source revision `upstream`.
    fn behind_chart(&self, chart: &ResourceRef, upstream: &str) -> Vec<ConsumerRollout> {
        let chart_obj = self.object(chart);
        let rebuilt = chart_obj.is_none_or(|c| {
            c.status
                .observed_source_artifact_revision
                .as_deref()
                .is_none_or(|r| r == upstream)
        });
        let chart_rev = chart_obj
            .and_then(|c| c.status.artifact.as_ref())
            .map(|a| a.revision.clone());
        self.in_edges(chart)
            .filter(|(k, from)| {
                matches!(k, EdgeKind::ChartSource | EdgeKind::ChartRef)
                    && from.kind == FluxKind::HelmRelease
            })
            .filter_map(|(_, hr)| match &chart_rev {
                Some(rev) => self.release_at(hr, rev, rebuilt),
                None => {
                    let obj = self.object(hr)?;
                    Some(ConsumerRollout {
                        consumer: hr.clone(),
                        lag: Some(self.lag_of(hr, obj)),
                        at: None,
                        attempted: false,
                    })
                }
            })
            .collect()
    }

    fn lag_of(&self, r: &ResourceRef, obj: &FluxObject) -> Lag {
        if obj.is_suspended() {
            return Lag::Suspended;
        }
        match self.node(r).and_then(|n| n.health) {
            Some(Health::Failing | Health::Stalled) => Lag::Failing,
            Some(Health::Blocked) => Lag::Blocked,
            Some(Health::Suspended) => Lag::Suspended,
            _ => Lag::Progressing,
        }
    }
}

#[cfg(test)]
mod tests;

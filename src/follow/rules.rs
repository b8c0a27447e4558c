//! The two rules of `fluxops follow` (docs/follow.md): which Kustomizations and HelmReleases a source at the
//! revision *feeds*, and when such an object is *at* the revision. Pure functions over the [`Graph`] (edges
//! from `graph::edge`) and the objects' status.
//!
//! - A source is at the revision when its `status.artifact.revision` carries it (see `revision`), or its OCI
//!   artifact's `org.opencontainers.image.revision` annotation does. Once seen at the revision, the revisions it
//!   moves on to later are accepted too (a later commit of the branch contains the followed one).
//! - It feeds: Kustomizations whose `sourceRef` is it; HelmReleases whose `chartRef` is it (OCIRepository,
//!   ExternalArtifact); HelmReleases whose HelmChart (generated from `spec.chart`, or named by `chartRef`) is
//!   built from it.
//! - Kustomization at it: `lastAppliedRevision` (or `lastAppliedOriginRevision`) accepted. Attempted it:
//!   `lastAttemptedRevision` accepted.
//! - HelmRelease at it: the chart it reads was built from an accepted revision (HelmChart:
//!   `observedSourceArtifactRevision` accepted, the chart version is then its `artifact.revision`; OCI
//!   `chartRef`: the artifact's digest) and the release's `lastAttemptedRevision` (or, for OCI,
//!   `lastAttemptedRevisionDigest`) is that chart. The Ready=True / generation checks are the tracker's.

use super::revision::TargetRevision;
use crate::flux::api::OCI_REVISION_ANNOTATION;
use crate::flux::{FluxKind, FluxObject, ResourceRef};
use crate::graph::{EdgeKind, Graph};
use std::collections::{BTreeMap, BTreeSet};

/// A source seen at the revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceState {
    /// Its `artifact.revision` when first seen at the revision.
    pub revision: String,
    /// Revisions it moved on to afterwards, oldest first.
    pub later: Vec<String>,
}

impl SourceState {
    /// Whether `revision` (as recorded by a consumer) is this source's followed revision or a later one.
    #[must_use]
    pub fn accepts(&self, target: &TargetRevision, revision: &str) -> bool {
        target.carried_by(revision)
            || self.revision == revision
            || self.later.iter().any(|r| r == revision)
    }
}

/// The sources at the revision.
pub type Sources = BTreeMap<ResourceRef, SourceState>;

/// Whether a source object is at the revision (artifact revision or OCI origin revision).
#[must_use]
pub fn source_at(target: &TargetRevision, obj: &FluxObject) -> bool {
    let Some(artifact) = &obj.status.artifact else {
        return false;
    };
    target.carried_by(&artifact.revision)
        || artifact
            .metadata
            .as_ref()
            .and_then(|m| m.get(OCI_REVISION_ANNOTATION))
            .is_some_and(|r| target.carried_by(r))
}

/// Whether objects of this kind can be followed sources (HelmCharts are intermediate: their revision is a
/// chart version; HelmReleases are followed through them).
#[must_use]
pub fn is_source_kind(kind: FluxKind) -> bool {
    !kind.is_applier() && kind != FluxKind::HelmChart
}

/// The Kustomizations and HelmReleases `source` feeds, restricted to `kinds`, present in the graph, sorted.
#[must_use]
pub fn consumers(
    graph: &Graph,
    source: &ResourceRef,
    kinds: &BTreeSet<FluxKind>,
) -> Vec<ResourceRef> {
    let mut out = BTreeSet::new();
    for (edge, from) in graph.in_edges(source) {
        match (edge, from.kind) {
            (EdgeKind::SourceRef, FluxKind::Kustomization)
            | (EdgeKind::ChartRef, FluxKind::HelmRelease) => {
                out.insert(from.clone());
            }
            (EdgeKind::ChartSource, FluxKind::HelmChart) => {
                for (edge2, hr) in graph.in_edges(from) {
                    if matches!(edge2, EdgeKind::ChartSource | EdgeKind::ChartRef)
                        && hr.kind == FluxKind::HelmRelease
                    {
                        out.insert(hr.clone());
                    }
                }
            }
            _ => {}
        }
    }
    out.into_iter()
        .filter(|r| kinds.contains(&r.kind))
        .filter(|r| graph.node(r).is_some_and(|n| n.object.is_some()))
        .collect()
}

/// Where a followed object stands with respect to the revision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// It has applied (released) the revision.
    pub applied: bool,
    /// Its last attempt was at the revision (a failure then is a failure of this revision).
    pub attempted: bool,
    /// What it needs to apply, when known (display: a Git revision, or a chart version).
    pub wanted: Option<String>,
}

/// The source (and edge) an object reads from, through the graph.
fn upstream(graph: &Graph, r: &ResourceRef, kinds: &[EdgeKind]) -> Option<ResourceRef> {
    graph
        .out_edges(r)
        .find(|(k, _)| kinds.contains(k))
        .map(|(_, to)| to.clone())
}

/// Where `obj` (a followed Kustomization or HelmRelease) stands; see the module doc.
#[must_use]
pub fn position(
    graph: &Graph,
    sources: &Sources,
    target: &TargetRevision,
    obj: &FluxObject,
) -> Position {
    let Some(me) = obj.resource_ref() else {
        return Position::default();
    };
    match me.kind {
        FluxKind::Kustomization => kustomization(graph, sources, target, &me, obj),
        FluxKind::HelmRelease => helm_release(graph, sources, target, &me, obj),
        _ => Position::default(),
    }
}

fn kustomization(
    graph: &Graph,
    sources: &Sources,
    target: &TargetRevision,
    me: &ResourceRef,
    obj: &FluxObject,
) -> Position {
    let Some(state) = upstream(graph, me, &[EdgeKind::SourceRef]).and_then(|s| sources.get(&s))
    else {
        return Position::default();
    };
    let accepts = |r: &Option<String>| r.as_deref().is_some_and(|r| state.accepts(target, r));
    let status = &obj.status;
    Position {
        applied: accepts(&status.last_applied_revision)
            || status
                .last_applied_origin_revision
                .as_deref()
                .is_some_and(|r| target.carried_by(r)),
        attempted: accepts(&status.last_attempted_revision),
        wanted: Some(state.later.last().unwrap_or(&state.revision).clone()),
    }
}

fn helm_release(
    graph: &Graph,
    sources: &Sources,
    target: &TargetRevision,
    me: &ResourceRef,
    obj: &FluxObject,
) -> Position {
    let Some(chart) = upstream(graph, me, &[EdgeKind::ChartSource, EdgeKind::ChartRef]) else {
        return Position::default();
    };
    let attempted = obj.status.last_attempted_revision.as_deref();
    if chart.kind == FluxKind::HelmChart {
        // The chart's version once it was built from an accepted revision of its source.
        let chart_obj = graph.node(&chart).and_then(|n| n.object.clone());
        let wanted = chart_obj.and_then(|c| {
            let state =
                upstream(graph, &chart, &[EdgeKind::ChartSource]).and_then(|s| sources.get(&s))?;
            let built_from = c.status.observed_source_artifact_revision.as_deref()?;
            state
                .accepts(target, built_from)
                .then(|| c.status.artifact.as_ref().map(|a| a.revision.clone()))?
        });
        let at = wanted.is_some() && attempted == wanted.as_deref();
        return Position {
            applied: at,
            attempted: at,
            wanted,
        };
    }
    let Some(state) = sources.get(&chart) else {
        return Position::default();
    };
    // OCI chartRef: the digests of the accepted artifacts.
    let digests: Vec<&str> = std::iter::once(state.revision.as_str())
        .chain(state.later.iter().map(String::as_str))
        .map(|r| r.rsplit_once('@').map_or(r, |(_, d)| d))
        .collect();
    let by_digest = obj
        .status
        .last_attempted_revision_digest
        .as_deref()
        .is_some_and(|d| digests.contains(&d));
    let by_version = attempted
        .and_then(|v| v.rsplit_once('+'))
        .is_some_and(|(_, hex12)| {
            hex12.len() >= 7
                && digests.iter().any(|d| {
                    d.rsplit_once(':')
                        .is_some_and(|(_, hex)| hex.starts_with(hex12))
                })
        });
    let at = by_digest || by_version;
    Position {
        applied: at,
        attempted: at,
        wanted: Some(state.later.last().unwrap_or(&state.revision).clone()),
    }
}

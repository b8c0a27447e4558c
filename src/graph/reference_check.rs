//! References whose kind the field does not accept (FLUX.md §2), e.g. a Kustomization `sourceRef` of kind
//! `HelmRepository` or a typo like `GitRepo`. The controller rejects them; the graph draws no edge for a kind
//! that is not a Flux kind, so without this report the mistake would be invisible.

use super::Graph;
use crate::flux::api::CrossRef;
use crate::flux::{FluxKind, ResourceRef};
use std::fmt;

/// A reference naming a kind its field does not accept.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct InvalidRef {
    pub from: ResourceRef,
    /// The field, as written in YAML (`spec.sourceRef`, `spec.chart.spec.sourceRef`, `spec.chartRef`).
    pub field: &'static str,
    /// The kind written (may be empty).
    pub kind: String,
    pub name: String,
    /// The kinds the field accepts.
    pub accepted: &'static [FluxKind],
}

impl fmt::Display for InvalidRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.kind.is_empty() {
            "no kind"
        } else {
            self.kind.as_str()
        };
        write!(
            f,
            "{} {} '{}' has {}; accepted: ",
            self.from, self.field, self.name, kind
        )?;
        for (i, k) in self.accepted.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

const KUSTOMIZATION_SOURCES: &[FluxKind] = &[
    FluxKind::GitRepository,
    FluxKind::OCIRepository,
    FluxKind::Bucket,
    FluxKind::ExternalArtifact,
];
const CHART_SOURCES: &[FluxKind] = &[
    FluxKind::HelmRepository,
    FluxKind::GitRepository,
    FluxKind::Bucket,
];
const CHART_REFS: &[FluxKind] = &[
    FluxKind::OCIRepository,
    FluxKind::HelmChart,
    FluxKind::ExternalArtifact,
];

fn check(
    from: &ResourceRef,
    field: &'static str,
    r: &CrossRef,
    accepted: &'static [FluxKind],
    out: &mut Vec<InvalidRef>,
) {
    let ok = FluxKind::from_kind(&r.kind).is_some_and(|k| accepted.contains(&k));
    if !ok {
        out.push(InvalidRef {
            from: from.clone(),
            field,
            kind: r.kind.clone(),
            name: r.name.clone(),
            accepted,
        });
    }
}

impl Graph {
    /// Every reference whose kind its field does not accept, sorted.
    #[must_use]
    pub fn invalid_references(&self) -> Vec<InvalidRef> {
        let mut out = Vec::new();
        for node in self.nodes.values() {
            let Some(obj) = &node.object else {
                continue;
            };
            let spec = &obj.spec;
            let me = &node.rref;
            match me.kind {
                FluxKind::Kustomization => {
                    if let Some(r) = &spec.source_ref {
                        check(me, "spec.sourceRef", r, KUSTOMIZATION_SOURCES, &mut out);
                    }
                }
                FluxKind::HelmChart => {
                    if let Some(r) = &spec.source_ref {
                        check(me, "spec.sourceRef", r, CHART_SOURCES, &mut out);
                    }
                }
                FluxKind::HelmRelease => {
                    if let Some(chart) = &spec.chart {
                        let r = &chart.spec.source_ref;
                        check(me, "spec.chart.spec.sourceRef", r, CHART_SOURCES, &mut out);
                    }
                    if let Some(r) = &spec.chart_ref {
                        check(me, "spec.chartRef", r, CHART_REFS, &mut out);
                    }
                }
                _ => {}
            }
        }
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flux::FluxObject;

    #[test]
    fn wrong_or_misspelt_source_kinds_are_reported() {
        let ks: FluxObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "a", "namespace": "x"},
            "spec": {"sourceRef": {"kind": "GitRepo", "name": "r"}}
        }))
        .unwrap();
        let hr: FluxObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "b", "namespace": "x"},
            "spec": {"chartRef": {"kind": "HelmRepository", "name": "charts"}}
        }))
        .unwrap();
        let g = Graph::build([ks, hr]);
        let found = g.invalid_references();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].kind, "GitRepo");
        assert_eq!(
            found[1].to_string(),
            "HelmRelease/x/b spec.chartRef 'charts' has HelmRepository; accepted: OCIRepository, HelmChart, ExternalArtifact"
        );
    }
}

//! Reports about the graph as a whole: dangling references, dependency cycles, cross-kind `dependsOn`,
//! (from `reference_check`) references of a kind their field does not accept, and (from `suspend_check`) a
//! suspended child its parent will resume and a suspended object a parent health-checks.
//!
//! Computed on demand (each is one pass over nodes or edges).
//!
//! Cross-kind `dependsOn` (FLUX.md §2: Kustomization `dependsOn` matches only Kustomizations, HelmRelease
//! `dependsOn` only HelmReleases): the graph always links a `dependsOn` entry to the dependent's own kind,
//! because that is the object the controller waits for. An entry is reported as cross-kind when it carries a
//! `kind:` naming another kind (not part of the API; the controller ignores it), or when no object of the
//! dependent's kind has that namespace/name but one of the other applier kind does. The fix in both cases is a
//! `healthChecks` entry (Kustomization) or a dependency on the right kind.

use super::reference_check::InvalidRef;
use super::scc::components;
use super::suspend_check::{SuspendReverted, SuspendedHealthChecked};
use super::{EdgeKind, Graph, NodeState};
use crate::flux::{FluxKind, ResourceRef};
use std::fmt;

/// A reference to an object the graph does not know.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DanglingRef {
    pub target: ResourceRef,
    /// Who points at it, and how (sorted).
    pub referrers: Vec<(EdgeKind, ResourceRef)>,
    /// The target is normally absent from a repository: the bootstrap `flux-system` Git/OCI repository (created
    /// by `flux bootstrap`) or an ExternalArtifact (produced in the cluster by an ArtifactGenerator).
    pub expected: bool,
}

/// A `dependsOn` entry that points across kinds (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CrossKindDependsOn {
    pub dependent: ResourceRef,
    /// What the controller will wait for (same kind as the dependent).
    pub target: ResourceRef,
    /// The `kind:` the user wrote in the entry, if any.
    pub written_kind: Option<String>,
    /// An object of the other applier kind exists with that namespace/name.
    pub other_kind_exists: bool,
}

/// One finding about the graph.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum GraphWarning {
    Dangling(DanglingRef),
    /// The members of one dependency cycle (a strongly connected component), sorted.
    Cycle(Vec<ResourceRef>),
    CrossKindDependsOn(CrossKindDependsOn),
    /// A reference naming a kind its field does not accept.
    InvalidRef(InvalidRef),
    /// A child whose suspend its parent Kustomization's next reconcile undoes.
    SuspendReverted(SuspendReverted),
    /// A suspended object a parent Kustomization health-checks (it will time out).
    SuspendedHealthChecked(SuspendedHealthChecked),
}

impl fmt::Display for GraphWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphWarning::Dangling(d) => {
                write!(f, "{} is referenced but does not exist", d.target)?;
                if let Some((kind, from)) = d.referrers.first() {
                    write!(f, " ({kind} of {from}")?;
                    if d.referrers.len() > 1 {
                        write!(f, " and {} more", d.referrers.len() - 1)?;
                    }
                    f.write_str(")")?;
                }
                if d.expected {
                    f.write_str(" — expected: created outside the repository")?;
                }
                Ok(())
            }
            GraphWarning::Cycle(members) => {
                f.write_str("dependency cycle: ")?;
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" → ")?;
                    }
                    write!(f, "{m}")?;
                }
                Ok(())
            }
            GraphWarning::InvalidRef(r) => write!(f, "{r}"),
            GraphWarning::SuspendReverted(s) => write!(f, "{s}"),
            GraphWarning::SuspendedHealthChecked(s) => write!(f, "{s}"),
            GraphWarning::CrossKindDependsOn(c) => {
                let other = other_applier(c.dependent.kind);
                write!(
                    f,
                    "{} dependsOn '{}', but {} dependsOn only matches {}s",
                    c.dependent,
                    c.target.namespaced_name(),
                    c.dependent.kind,
                    c.dependent.kind
                )?;
                if let Some(k) = &c.written_kind {
                    write!(
                        f,
                        " (the entry says kind: {k}, which the controller ignores)"
                    )?;
                }
                if c.other_kind_exists {
                    write!(f, "; a {other} with that name exists")?;
                }
                if c.dependent.kind == FluxKind::Kustomization {
                    f.write_str("; use healthChecks to wait for a HelmRelease")?;
                }
                Ok(())
            }
        }
    }
}

fn other_applier(kind: FluxKind) -> FluxKind {
    if kind == FluxKind::Kustomization {
        FluxKind::HelmRelease
    } else {
        FluxKind::Kustomization
    }
}

fn is_expected_missing(r: &ResourceRef) -> bool {
    match r.kind {
        FluxKind::GitRepository | FluxKind::OCIRepository => r.name == "flux-system",
        FluxKind::ExternalArtifact => true,
        _ => false,
    }
}

impl Graph {
    /// Every dangling placeholder with its referrers, sorted by target.
    #[must_use]
    pub fn dangling(&self) -> Vec<DanglingRef> {
        let mut out: Vec<DanglingRef> = self
            .nodes
            .values()
            .filter(|n| n.state == NodeState::Dangling)
            .map(|n| {
                // Owner-label edges point *from* a missing owner, so look both ways.
                let mut referrers: Vec<(EdgeKind, ResourceRef)> = self
                    .in_edges(&n.rref)
                    .chain(
                        self.out_edges(&n.rref)
                            .filter(|(k, _)| *k == EdgeKind::OwnerLabel),
                    )
                    .map(|(k, r)| (k, r.clone()))
                    .collect();
                referrers.sort();
                DanglingRef {
                    target: n.rref.clone(),
                    referrers,
                    expected: is_expected_missing(&n.rref),
                }
            })
            .collect();
        out.sort();
        out
    }

    /// Every dependency cycle over waits-on edges (components of two or more nodes, or a node waiting on
    /// itself), each sorted, the list sorted.
    #[must_use]
    pub fn cycles(&self) -> Vec<Vec<ResourceRef>> {
        // Only a node that both waits on something and is waited on can be in a cycle.
        let mut nodes: Vec<ResourceRef> = self
            .waits_out
            .keys()
            .filter(|r| self.waited_on_by(r).next().is_some())
            .cloned()
            .collect();
        nodes.sort();
        let comps = components(&nodes, |r| self.waits_on(r).cloned().collect::<Vec<_>>());
        let mut cycles: Vec<Vec<ResourceRef>> = comps
            .into_iter()
            .filter(|c| c.len() > 1 || c.first().is_some_and(|r| self.waits_on(r).any(|d| d == r)))
            .map(|mut c| {
                c.sort();
                c
            })
            .collect();
        cycles.sort();
        cycles
    }

    /// Every cross-kind `dependsOn` entry (see the module doc), sorted.
    #[must_use]
    pub fn cross_kind_depends_on(&self) -> Vec<CrossKindDependsOn> {
        let mut out = Vec::new();
        for node in self.nodes.values() {
            let Some(obj) = &node.object else {
                continue;
            };
            if !node.rref.kind.is_applier() {
                continue;
            }
            let other = other_applier(node.rref.kind);
            for dep in &obj.spec.depends_on {
                if dep.name.is_empty() {
                    continue;
                }
                let ns = dep
                    .namespace
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .unwrap_or(&node.rref.namespace);
                let target = ResourceRef::new(node.rref.kind, ns, &dep.name);
                let written_kind = dep
                    .kind
                    .clone()
                    .filter(|k| !k.is_empty() && k != node.rref.kind.as_str());
                let present = |r: &ResourceRef| {
                    self.nodes
                        .get(r)
                        .is_some_and(|n| n.state == NodeState::Present)
                };
                let other_kind_exists = present(&ResourceRef::new(other, ns, &dep.name));
                if written_kind.is_some() || (other_kind_exists && !present(&target)) {
                    out.push(CrossKindDependsOn {
                        dependent: node.rref.clone(),
                        target,
                        written_kind,
                        other_kind_exists,
                    });
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// All findings: dangling references, cycles, cross-kind dependsOn, invalid reference kinds, suspends a
    /// parent undoes, suspended objects a parent health-checks, in that order.
    #[must_use]
    pub fn warnings(&self) -> Vec<GraphWarning> {
        let mut out: Vec<GraphWarning> = self
            .dangling()
            .into_iter()
            .map(GraphWarning::Dangling)
            .collect();
        out.extend(self.cycles().into_iter().map(GraphWarning::Cycle));
        out.extend(
            self.cross_kind_depends_on()
                .into_iter()
                .map(GraphWarning::CrossKindDependsOn),
        );
        out.extend(
            self.invalid_references()
                .into_iter()
                .map(GraphWarning::InvalidRef),
        );
        out.extend(
            self.suspend_reverted()
                .into_iter()
                .map(GraphWarning::SuspendReverted),
        );
        out.extend(
            self.suspended_health_checked()
                .into_iter()
                .map(GraphWarning::SuspendedHealthChecked),
        );
        out
    }
}

//! Two Flux-behaviour traps around `spec.suspend` (FLUX.md §7), reported with the graph's other warnings.
//!
//! **A suspended child its parent will resume** (flux2#3462). kustomize-controller applies its manifests with
//! server-side apply and force: every field the manifest sets is put back on each reconcile. A child (any
//! suspendable Flux object applied by a parent Kustomization: inventory or ownership labels) whose manifest
//! says `suspend: false` is therefore resumed by the parent's next reconcile after a `flux suspend`. A manifest
//! that omits `suspend` does not own the field, so a manual suspend sticks. The rule implemented:
//! - *repository objects* (no `resourceVersion`: read by `--from-dir`): the manifest is what the parent
//!   applies. `suspend: false` written explicitly → reported (a `flux suspend` on it would not last); omitted →
//!   not reported.
//! - *live objects*: a `flux suspend`/`kubectl patch` is an Update, and an Update that changes a field takes
//!   its ownership away from every other manager, so right after the manual suspend kustomize-controller no
//!   longer owns `spec.suspend` whatever its manifest says; its manifest (in Git) is not visible in the
//!   cluster. What *is* visible: the child is suspended and `spec.suspend` is owned by a manager other than
//!   kustomize-controller (from `managedFields`, which the lean decoder keeps for exactly this). That child was
//!   suspended by hand under a Flux parent, and the parent puts `suspend: false` back on its next reconcile if
//!   its manifest sets it (the common case after a `flux resume`-style edit in Git). When kustomize-controller
//!   itself owns `spec.suspend` of a suspended child, the manifest says `suspend: true`: nothing to report.
//!   Without `managedFields` nothing is reported (a suspend written in Git cannot be told apart).
//!
//! **A suspended object a parent health-checks** (kustomize-controller#1100). A Kustomization with
//! `spec.healthChecks` naming a suspended HelmRelease/Kustomization, or with `wait: true` over an inventory
//! containing one, waits for an object whose controller does nothing: the health check runs until the parent's
//! timeout and the parent fails with `health check failed after …: timeout waiting for: [HelmRelease/…]`. Not
//! reported when the parent is itself suspended (it runs no health checks).

use super::{EdgeKind, Graph, NodeState};
use crate::flux::api::KUSTOMIZE_CONTROLLER_MANAGER;
use crate::flux::{FluxKind, FluxObject, ResourceRef};
use std::fmt;

/// How we know the child's suspend will be undone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SuspendEvidence {
    /// Live: the child is suspended, and `spec.suspend` was last set by these managers, not by kustomize-controller.
    SuspendedBy(Vec<String>),
    /// Repository: the manifest the parent applies says `suspend: false`.
    ManifestSaysFalse,
}

/// A child whose suspend the parent's next reconcile undoes (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SuspendReverted {
    pub child: ResourceRef,
    /// The Kustomization that applies the child.
    pub parent: ResourceRef,
    pub evidence: SuspendEvidence,
}

/// How a parent health-checks a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HealthCheckVia {
    /// Named in `spec.healthChecks`.
    HealthChecks,
    /// `spec.wait: true` over the parent's inventory.
    Wait,
}

/// A suspended object a parent Kustomization waits on (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SuspendedHealthChecked {
    pub child: ResourceRef,
    pub parent: ResourceRef,
    pub via: HealthCheckVia,
}

impl fmt::Display for SuspendReverted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.evidence {
            SuspendEvidence::SuspendedBy(managers) => write!(
                f,
                "{} was suspended by {} while {} applies it: the parent's next reconcile sets suspend: false \
                 again if its manifest has it (flux2#3462); suspend the parent first, or set suspend: true in Git",
                self.child,
                managers.join(", "),
                self.parent
            ),
            SuspendEvidence::ManifestSaysFalse => write!(
                f,
                "{} sets suspend: false in its manifest, applied by {}: a `flux suspend` on it is undone by the \
                 parent's next reconcile (flux2#3462); omit the field or suspend the parent",
                self.child, self.parent
            ),
        }
    }
}

impl fmt::Display for SuspendedHealthChecked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match self.via {
            HealthCheckVia::HealthChecks => "lists it in spec.healthChecks",
            HealthCheckVia::Wait => "waits on its inventory (wait: true)",
        };
        write!(
            f,
            "{} is suspended but {} {how}: the parent's health check waits until its timeout \
             (kustomize-controller#1100)",
            self.child, self.parent
        )
    }
}

/// Managers that own `spec.suspend` of `obj` (from the managedFields the decoder kept), sorted; `None` when
/// the object carries no managedFields at all.
fn suspend_owners(obj: &FluxObject) -> Option<Vec<String>> {
    let entries = obj.metadata.managed_fields.as_ref()?;
    let mut owners: Vec<String> = entries
        .iter()
        .filter(|e| {
            e.fields_v1
                .as_ref()
                .is_some_and(|f| f.0.get("f:spec").and_then(|s| s.get("f:suspend")).is_some())
        })
        .filter_map(|e| e.manager.clone())
        .collect();
    owners.sort();
    owners.dedup();
    Some(owners)
}

/// Read from a repository (never stored by an API server).
fn from_repository(obj: &FluxObject) -> bool {
    obj.metadata.resource_version.is_none()
}

impl Graph {
    fn present_object(&self, r: &ResourceRef) -> Option<&FluxObject> {
        self.nodes
            .get(r)
            .filter(|n| n.state == NodeState::Present)
            .and_then(|n| n.object.as_deref())
    }

    /// The Kustomizations that apply `child` (ownership edges), present ones only, sorted.
    fn kustomization_parents(&self, child: &ResourceRef) -> Vec<&ResourceRef> {
        self.owners(child)
            .into_iter()
            .filter(|p| p.kind == FluxKind::Kustomization && *p != child)
            .filter(|p| self.present_object(p).is_some())
            .collect()
    }

    /// Children whose suspend their parent Kustomization will undo, sorted.
    #[must_use]
    pub fn suspend_reverted(&self) -> Vec<SuspendReverted> {
        let mut out = Vec::new();
        for node in self.nodes.values() {
            let Some(obj) = node.object.as_deref() else {
                continue;
            };
            if !node.rref.kind.is_suspendable() {
                continue;
            }
            let evidence = if from_repository(obj) {
                (obj.spec.suspend == Some(false)).then_some(SuspendEvidence::ManifestSaysFalse)
            } else if obj.is_suspended() {
                suspend_owners(obj)
                    .filter(|m| {
                        !m.is_empty() && !m.iter().any(|m| m == KUSTOMIZE_CONTROLLER_MANAGER)
                    })
                    .map(SuspendEvidence::SuspendedBy)
            } else {
                None
            };
            let Some(evidence) = evidence else {
                continue;
            };
            for parent in self.kustomization_parents(&node.rref) {
                out.push(SuspendReverted {
                    child: node.rref.clone(),
                    parent: parent.clone(),
                    evidence: evidence.clone(),
                });
            }
        }
        out.sort();
        out
    }

    /// Suspended HelmReleases and Kustomizations a parent Kustomization health-checks, sorted.
    #[must_use]
    pub fn suspended_health_checked(&self) -> Vec<SuspendedHealthChecked> {
        let mut out = Vec::new();
        for node in self.nodes.values() {
            let Some(obj) = node.object.as_deref() else {
                continue;
            };
            if !node.rref.kind.is_applier() || !obj.is_suspended() {
                continue;
            }
            for (kind, parent) in self.in_edges(&node.rref) {
                let via = match kind {
                    EdgeKind::HealthCheck => HealthCheckVia::HealthChecks,
                    EdgeKind::Inventory | EdgeKind::OwnerLabel => HealthCheckVia::Wait,
                    _ => continue,
                };
                if parent.kind != FluxKind::Kustomization || *parent == node.rref {
                    continue;
                }
                let Some(p) = self.present_object(parent) else {
                    continue;
                };
                if p.is_suspended() || (via == HealthCheckVia::Wait && p.spec.wait != Some(true)) {
                    continue;
                }
                out.push(SuspendedHealthChecked {
                    child: node.rref.clone(),
                    parent: parent.clone(),
                    via,
                });
            }
        }
        out.sort();
        // Inventory and owner label both say "applied by": one finding per (child, parent, via).
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests;

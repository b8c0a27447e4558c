//! Root causes: for a not-ready object, the nearest upstream objects that fail by their own fault. This is
//! the one definition of "root cause" in the product: the console's tree and detail pane, the drawn DAG,
//! `fluxops follow` and `fluxops graph` all read [`Graph::root_causes`].
//!
//! Every node falls in one of four classes ([`CauseClass`]):
//! - **own failure**: `Stalled` or `Suspended` health, or a dangling placeholder (the reference points at
//!   nothing). Its root cause is itself, and the walk stops there. `Stalled` does not look upstream: it is
//!   terminal for the object itself (the controller gave up on it; fixing its upstream does not bring it back
//!   without a change to the object), so it is what the operator must act on.
//! - **failing**: `Failing` health. It looks through to its upstream when that is broken: its root causes are
//!   the union over its waits-on dependencies of their root causes (as for pass-through below). When that
//!   union is empty (every dependency is ready, or the not-ready ones are only in progress with nothing
//!   failing above them) it fails by its own fault and is its own root cause. So a Kustomization failing with
//!   "Source artifact not found" because its GitRepository cannot authenticate points at the GitRepository,
//!   and one that health-checks a failing HelmRelease points at the HelmRelease. The price: an object failing
//!   for a reason of its own while its upstream is also broken is blamed on the upstream until that is fixed.
//! - **ready**: `Ready` health. It blocks nothing and has no root cause; the walk stops there too (what is
//!   above a ready object does not block what waits on it).
//! - **pass-through**: `Blocked`, `InProgress`, `Unknown`, or an implied HelmChart. Its root causes are the
//!   union over its waits-on dependencies (`DependsOn`, `SourceRef`, `ChartSource`, `ChartRef`, `Include`,
//!   `HealthCheck`) of: the dependency itself if it is an own failure, the dependency's root causes if it is
//!   failing or pass-through, nothing if it is ready. It is never its own root cause.
//!
//! The union is computed over strongly connected components, dependencies first, so cycles terminate: all
//! members of a cycle of failing and pass-through nodes share one answer, the root causes of what the cycle
//! waits on outside itself, or, when that is empty, the cycle's failing members (nothing when it has none).
//! After a change only the changed nodes and the failing and pass-through nodes downstream of them (reached
//! through failing and pass-through nodes) are recomputed: a ready or own-failure node's answer never depends
//! on what is above it. Answers are sorted (`ResourceRef` order).

use super::scc::components;
use super::{Graph, NodeState};
use crate::flux::{Health, ResourceRef};
use std::collections::{BTreeSet, HashSet, VecDeque};

/// How a node takes part in root-cause search (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CauseClass {
    /// Stalled, Suspended or dangling: always its own root cause.
    OwnFailure,
    /// Failing: the root causes of its upstream when there are any, else itself.
    Failing,
    Ready,
    /// Blocked, in progress, unknown or an implied chart: the root causes of its upstream.
    PassThrough,
}

impl CauseClass {
    /// Whether the node's answer is computed from its waits-on dependencies.
    fn looks_upstream(self) -> bool {
        matches!(self, Self::Failing | Self::PassThrough)
    }
}

impl Graph {
    /// The class of a node; `None` when the node is unknown.
    #[must_use]
    pub fn cause_class(&self, rref: &ResourceRef) -> Option<CauseClass> {
        let node = self.nodes.get(rref)?;
        Some(match (node.state, node.health) {
            (NodeState::Dangling, _) => CauseClass::OwnFailure,
            // Unknown: not a cause by itself (it may well be fine), and it has no upstream of its own.
            (NodeState::Implied | NodeState::NoAccess, _) => CauseClass::PassThrough,
            (NodeState::Present, Some(Health::Ready)) => CauseClass::Ready,
            (NodeState::Present, Some(Health::Failing)) => CauseClass::Failing,
            (NodeState::Present, Some(Health::Stalled | Health::Suspended)) => {
                CauseClass::OwnFailure
            }
            (NodeState::Present, _) => CauseClass::PassThrough,
        })
    }

    /// The root causes blocking `rref`: itself if it fails by its own fault (stalled, suspended, dangling, or
    /// failing with nothing failing upstream), nothing if it is ready or nothing upstream fails, else the
    /// nearest upstream objects that fail by their own fault (sorted; a failing object whose upstream is
    /// broken is looked through). Cached; O(1).
    #[must_use]
    pub fn root_causes(&self, rref: &ResourceRef) -> &[ResourceRef] {
        self.root_causes.get(rref).map_or(&[], Vec::as_slice)
    }

    /// Every node that has root causes, with them, sorted by node.
    #[must_use]
    pub fn all_root_causes(&self) -> Vec<(&ResourceRef, &[ResourceRef])> {
        let mut all: Vec<_> = self
            .root_causes
            .iter()
            .map(|(r, c)| (r, c.as_slice()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(b.0));
        all
    }

    /// Every node that has root causes, with them, in no particular order (no sort, no allocation: for
    /// passes over the not-ready part of a large graph).
    pub fn root_cause_entries(&self) -> impl Iterator<Item = (&ResourceRef, &[ResourceRef])> + '_ {
        self.root_causes.iter().map(|(r, c)| (r, c.as_slice()))
    }

    /// Waits-on dependencies of `rref`.
    pub(crate) fn waits_on<'a>(
        &'a self,
        rref: &ResourceRef,
    ) -> impl Iterator<Item = &'a ResourceRef> + 'a {
        self.out
            .get(rref)
            .into_iter()
            .flat_map(super::waits_on_part)
    }

    /// Objects that wait on `rref` directly.
    pub(crate) fn waited_on_by<'a>(
        &'a self,
        rref: &ResourceRef,
    ) -> impl Iterator<Item = &'a ResourceRef> + 'a {
        self.inc
            .get(rref)
            .into_iter()
            .flat_map(super::waits_on_part)
    }

    /// Recomputes root causes for `changed` and every failing or pass-through node downstream of them through
    /// failing and pass-through nodes.
    pub(crate) fn recompute_downstream(&mut self, changed: Vec<ResourceRef>) {
        let mut affected: HashSet<ResourceRef> = HashSet::new();
        let mut queue: VecDeque<ResourceRef> = VecDeque::new();
        for r in changed {
            if self.nodes.contains_key(&r) && affected.insert(r.clone()) {
                queue.push_back(r);
            }
        }
        while let Some(r) = queue.pop_front() {
            let next: Vec<ResourceRef> = self
                .waited_on_by(&r)
                .filter(|d| !affected.contains(*d))
                .filter(|d| self.cause_class(d).is_some_and(CauseClass::looks_upstream))
                .cloned()
                .collect();
            for d in next {
                affected.insert(d.clone());
                queue.push_back(d);
            }
        }
        let mut affected: Vec<ResourceRef> = affected.into_iter().collect();
        affected.sort();
        self.recompute(affected);
    }

    /// Recomputes root causes of exactly `affected` (other nodes' cached answers are trusted).
    pub(crate) fn recompute(&mut self, mut affected: Vec<ResourceRef>) {
        affected.sort();
        let comps = components(&affected, |r| {
            if self.cause_class(r).is_some_and(CauseClass::looks_upstream) {
                self.waits_on(r).cloned().collect()
            } else {
                Vec::new()
            }
        });
        for comp in comps {
            let members: HashSet<&ResourceRef> = comp.iter().collect();
            let mut causes: BTreeSet<ResourceRef> = BTreeSet::new();
            let mut failing: BTreeSet<ResourceRef> = BTreeSet::new();
            let mut single = None;
            for r in &comp {
                let class = self.cause_class(r);
                match class {
                    Some(CauseClass::OwnFailure) => single = Some(r.clone()),
                    Some(CauseClass::Failing | CauseClass::PassThrough) => {
                        if class == Some(CauseClass::Failing) {
                            failing.insert(r.clone());
                        }
                        for u in self.waits_on(r) {
                            if members.contains(u) {
                                continue;
                            }
                            match self.cause_class(u) {
                                Some(CauseClass::OwnFailure) => {
                                    causes.insert(u.clone());
                                }
                                Some(CauseClass::Failing | CauseClass::PassThrough) => {
                                    causes.extend(self.root_causes(u).iter().cloned());
                                }
                                Some(CauseClass::Ready) | None => {}
                            }
                        }
                    }
                    Some(CauseClass::Ready) | None => {}
                }
            }
            // A component with an own-failure or ready member has exactly one member (only failing and
            // pass-through nodes have successors in the component graph).
            if let Some(r) = single {
                self.root_causes.insert(r.clone(), vec![r]);
                continue;
            }
            // Nothing broken upstream: the failing members fail by their own fault.
            let causes: Vec<ResourceRef> = if causes.is_empty() {
                failing.into_iter().collect()
            } else {
                causes.into_iter().collect()
            };
            for r in comp {
                let looks = self.cause_class(&r).is_some_and(CauseClass::looks_upstream);
                if causes.is_empty() || !looks {
                    self.root_causes.remove(&r);
                } else {
                    self.root_causes.insert(r, causes.clone());
                }
            }
        }
    }
}

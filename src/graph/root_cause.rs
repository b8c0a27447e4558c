//! Root causes: for a not-ready object, the nearest upstream objects that fail by their own fault.
//!
//! Every node falls in one of three classes:
//! - **own failure**: `Failing`, `Stalled` or `Suspended` health, or a dangling placeholder (the reference
//!   points at nothing). Its root cause is itself, and the walk stops there.
//! - **ready**: `Ready` health. It blocks nothing and has no root cause; the walk stops there too (what is
//!   above a ready object does not block what waits on it).
//! - **pass-through**: `Blocked`, `InProgress`, `Unknown`, or an implied HelmChart. Its root causes are the
//!   union over its waits-on dependencies (`DependsOn`, `SourceRef`, `ChartSource`, `ChartRef`, `Include`,
//!   `HealthCheck`) of: the dependency itself if it is an own failure, the dependency's root causes if it is
//!   pass-through, nothing if it is ready.
//!
//! The union is computed over strongly connected components, dependencies first, so cycles terminate (all
//! members of a cycle of pass-through nodes share one answer). After a change only the changed nodes and
//! the pass-through nodes downstream of them (reached through pass-through nodes) are recomputed: a ready or
//! own-failure node's answer never depends on what is above it. Answers are sorted (`ResourceRef` order).

use super::scc::components;
use super::{Graph, NodeState};
use crate::flux::{Health, ResourceRef};
use std::collections::{BTreeSet, HashSet, VecDeque};

/// How a node takes part in root-cause search (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CauseClass {
    OwnFailure,
    Ready,
    PassThrough,
}

impl Graph {
    /// The class of a node; `None` when the node is unknown.
    #[must_use]
    pub fn cause_class(&self, rref: &ResourceRef) -> Option<CauseClass> {
        let node = self.nodes.get(rref)?;
        Some(match (node.state, node.health) {
            (NodeState::Dangling, _) => CauseClass::OwnFailure,
            (NodeState::Implied, _) => CauseClass::PassThrough,
            (NodeState::Present, Some(Health::Ready)) => CauseClass::Ready,
            (NodeState::Present, Some(Health::Failing | Health::Stalled | Health::Suspended)) => {
                CauseClass::OwnFailure
            }
            (NodeState::Present, _) => CauseClass::PassThrough,
        })
    }

    /// The root causes blocking `rref`: itself if it fails by its own fault, nothing if it is ready or nothing
    /// upstream fails, else the nearest failing upstream objects (sorted). Cached; O(1).
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

    /// Recomputes root causes for `changed` and every pass-through node downstream of them through
    /// pass-through nodes.
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
                .filter(|d| self.cause_class(d) == Some(CauseClass::PassThrough))
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
            if self.cause_class(r) == Some(CauseClass::PassThrough) {
                self.waits_on(r).cloned().collect()
            } else {
                Vec::new()
            }
        });
        for comp in comps {
            let members: HashSet<&ResourceRef> = comp.iter().collect();
            let mut causes: BTreeSet<ResourceRef> = BTreeSet::new();
            let mut single = None;
            for r in &comp {
                match self.cause_class(r) {
                    Some(CauseClass::OwnFailure) => single = Some(r.clone()),
                    Some(CauseClass::PassThrough) => {
                        for u in self.waits_on(r) {
                            if members.contains(u) {
                                continue;
                            }
                            match self.cause_class(u) {
                                Some(CauseClass::OwnFailure) => {
                                    causes.insert(u.clone());
                                }
                                Some(CauseClass::PassThrough) => {
                                    causes.extend(self.root_causes(u).iter().cloned());
                                }
                                Some(CauseClass::Ready) | None => {}
                            }
                        }
                    }
                    Some(CauseClass::Ready) | None => {}
                }
            }
            // A component with an own-failure or ready member has exactly one member (only pass-through
            // nodes have successors in the component graph).
            if let Some(r) = single {
                self.root_causes.insert(r.clone(), vec![r]);
                continue;
            }
            let causes: Vec<ResourceRef> = causes.into_iter().collect();
            for r in comp {
                let is_pass = self.cause_class(&r) == Some(CauseClass::PassThrough);
                if causes.is_empty() || !is_pass {
                    self.root_causes.remove(&r);
                } else {
                    self.root_causes.insert(r, causes.clone());
                }
            }
        }
    }
}

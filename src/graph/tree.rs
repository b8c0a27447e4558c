//! The views the console draws from the graph: the dependency view (what waits on what), the ownership view
//! (who applied whom, from inventories and owner labels), and the blast radius of an object.
//!
//! Every list is sorted by [`ResourceRef`] so the trees are stable between frames. The two root lists are kept
//! current by every change (O(roots) to read); the rest is read from the adjacency of one node.

use super::Graph;
use crate::flux::ResourceRef;
use std::collections::{BTreeSet, HashSet, VecDeque};

impl Graph {
    /// Roots of the dependency view: nodes that wait on nothing (sources, placeholders, and appliers without
    /// a source or dependency).
    #[must_use]
    pub fn roots(&self) -> Vec<&ResourceRef> {
        self.roots.iter().collect()
    }

    /// Children in the dependency view: the objects that wait on `rref` directly (any waits-on edge).
    #[must_use]
    pub fn dependents(&self, rref: &ResourceRef) -> Vec<&ResourceRef> {
        sorted_unique(self.waited_on_by(rref))
    }

    /// What `rref` waits on directly.
    #[must_use]
    pub fn dependencies(&self, rref: &ResourceRef) -> Vec<&ResourceRef> {
        sorted_unique(self.waits_on(rref))
    }

    /// Children in the ownership view: objects `rref` applied (inventory or owner labels).
    #[must_use]
    pub fn inventory_children(&self, rref: &ResourceRef) -> Vec<&ResourceRef> {
        sorted_unique(
            self.out
                .get(rref)
                .into_iter()
                .flat_map(super::ownership_part),
        )
    }

    /// The owners of `rref` in the ownership view (usually one; sorted).
    #[must_use]
    pub fn owners(&self, rref: &ResourceRef) -> Vec<&ResourceRef> {
        sorted_unique(
            self.inc
                .get(rref)
                .into_iter()
                .flat_map(super::ownership_part),
        )
    }

    /// Roots of the ownership view: nodes nobody applied (no incoming ownership edge).
    #[must_use]
    pub fn inventory_roots(&self) -> Vec<&ResourceRef> {
        self.inventory_roots.iter().collect()
    }

    /// Every object that waits on `rref`, directly or transitively (not `rref` itself, even in a cycle).
    #[must_use]
    pub fn blast_radius(&self, rref: &ResourceRef) -> Vec<&ResourceRef> {
        let mut seen: HashSet<&ResourceRef> = HashSet::new();
        let mut queue: VecDeque<&ResourceRef> = VecDeque::new();
        queue.push_back(rref);
        while let Some(r) = queue.pop_front() {
            for d in self.waited_on_by(r) {
                if d != rref && seen.insert(d) {
                    queue.push_back(d);
                }
            }
        }
        let mut out: Vec<&ResourceRef> = seen.into_iter().collect();
        out.sort();
        out
    }
}

fn sorted_unique<'a>(refs: impl Iterator<Item = &'a ResourceRef>) -> Vec<&'a ResourceRef> {
    refs.collect::<BTreeSet<_>>().into_iter().collect()
}

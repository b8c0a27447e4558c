//! The Flux dependency graph: pure, no I/O. Built from objects (cluster watch or repository load) and kept up
//! to date one object at a time.
//!
//! - Nodes are Flux objects keyed by [`ResourceRef`]. An object that is referenced but not known is a
//!   placeholder node: [`NodeState::Dangling`], [`NodeState::Implied`] for the HelmChart a HelmRelease's
//!   `spec.chart` makes the controller generate (it exists once the HelmRelease is reconciled; in a repository
//!   load it never appears), or [`NodeState::NoAccess`] when its kind cannot be read ([`Graph::set_unreadable`]:
//!   listing it is forbidden, so whether it exists is unknown). A placeholder lives exactly as long as some edge
//!   touches it.
//! - Edges are typed ([`EdgeKind`], rules in [`edge`]) and point from the object that waits to what it waits
//!   on; ownership edges point from owner to owned. Each known object *owns* the edges it contributes, so
//!   [`Graph::upsert`] and [`Graph::remove`] only touch that object's edges ([`Graph::apply`] does a burst of
//!   them with one root-cause pass). Edges are reference-counted (a
//!   HelmRelease and its real HelmChart contribute the same chart → source edge).
//! - Root causes ([`root_cause`], the product's one definition: a failing object whose upstream is broken points
//!   upstream) are cached per node and recomputed only for the changed object and the not-ready objects
//!   downstream of it whose answer can depend on it.
//! - Views for the console (dependency and ownership trees, blast radius) are in [`tree`]; reports (dangling
//!   references, cycles, cross-kind dependsOn) in [`warning`], reference kinds a field does not accept in
//!   [`reference_check`], suspend traps in [`suspend_check`].
//! - `fluxops graph` output (tree, JSON, DOT, Mermaid) in [`export`]; revision rollout of a source over its
//!   consumers in [`rollout`].
//! - Drawing: the layered layout of any part of the graph, the neighbourhood of a node and blocked chains
//!   folded onto their root cause are in [`layout`].

pub mod edge;
pub mod export;
pub mod layout;
pub mod reference_check;
pub mod repo_owner;
pub mod rollout;
pub mod root_cause;
mod scc;
pub mod suspend_check;
pub mod tree;
pub mod warning;

pub use edge::{Edge, EdgeKind};
pub use reference_check::InvalidRef;
pub use warning::{CrossKindDependsOn, DanglingRef, GraphWarning};

use crate::flux::retry::health_after;
use crate::flux::{FluxObject, Health, ResourceRef};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Whether a node is a known object or a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeState {
    /// The object is known.
    Present,
    /// A HelmChart generated from a HelmRelease's `spec.chart`, not (yet) seen as an object.
    Implied,
    /// Referenced but missing.
    Dangling,
    /// Referenced, of a kind that cannot be read (forbidden): unknown, not missing.
    NoAccess,
}

/// One node of the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub rref: ResourceRef,
    /// `None` for placeholders.
    pub object: Option<Arc<FluxObject>>,
    /// `summarize(object).health` (kept Failing while a failed attempt is only retried: `flux::retry`);
    /// `None` for placeholders.
    pub health: Option<Health>,
    pub state: NodeState,
}

/// One change for [`Graph::apply`].
#[derive(Debug, Clone)]
pub enum Change {
    Upsert(Arc<FluxObject>),
    Remove(ResourceRef),
}

/// Adjacency of one node: (edge kind, other end) → reference count.
type Adjacency = BTreeMap<(EdgeKind, ResourceRef), u32>;

/// The dependency graph. See the module doc.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    nodes: HashMap<ResourceRef, Node>,
    out: HashMap<ResourceRef, Adjacency>,
    inc: HashMap<ResourceRef, Adjacency>,
    owned: HashMap<ResourceRef, Vec<Edge>>,
    root_causes: HashMap<ResourceRef, Vec<ResourceRef>>,
    /// Nodes without waits-on edges (the dependency view's roots), kept current on every change.
    roots: BTreeSet<ResourceRef>,
    /// Nodes without an incoming ownership edge (the ownership view's roots), kept current likewise.
    inventory_roots: BTreeSet<ResourceRef>,
    /// Number of distinct outgoing waits-on edges per node (absent when zero).
    waits_out: HashMap<ResourceRef, u32>,
    /// Number of distinct incoming ownership edges per node (absent when zero).
    owners_in: HashMap<ResourceRef, u32>,
    edge_count: usize,
    /// Kinds that cannot be read: their placeholders are `NoAccess`.
    unreadable: BTreeSet<crate::flux::FluxKind>,
    /// Changes whenever a waits-on edge appears or goes (see [`WaitsGeneration`]).
    waits_generation: WaitsGeneration,
}

/// A stamp of a graph's waits-on edges: a fresh process-wide number each time one is added or removed, so
/// anything derived from them alone (how many objects wait behind a node) can be kept until it changes. Two
/// graphs with the same stamp have the same waits-on edges (a clone keeps its original's stamp until either
/// changes). Not part of the graph's value: equal graphs may carry different stamps.
#[derive(Debug, Clone, Copy)]
pub struct WaitsGeneration(u64);

impl WaitsGeneration {
    fn next() -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Self(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }

    /// The stamp as a number.
    #[must_use]
    pub fn get(self) -> u64 {
        self.0
    }
}

impl Default for WaitsGeneration {
    fn default() -> Self {
        Self::next()
    }
}

impl PartialEq for WaitsGeneration {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Graph {
    /// An empty graph.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the graph of `objects` (non-Flux kinds and nameless objects are ignored; a later object with
    /// the same identity replaces an earlier one).
    pub fn build<I, T>(objects: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<Arc<FluxObject>>,
    {
        let mut graph = Self::new();
        for obj in objects {
            graph.apply_upsert(obj.into());
        }
        let all: Vec<ResourceRef> = graph.nodes.keys().cloned().collect();
        graph.root_causes.clear();
        graph.recompute(all);
        graph
    }

    /// Adds or replaces one object: its edges are replaced and root causes recomputed where they can change.
    /// Returns `false` (and changes nothing) for objects that are not Flux kinds or have no name.
    pub fn upsert(&mut self, obj: impl Into<Arc<FluxObject>>) -> bool {
        let obj = obj.into();
        match self.apply_upsert(obj) {
            Some(changed) => {
                self.recompute_downstream(changed);
                true
            }
            None => false,
        }
    }

    /// Removes one object (it stays as a dangling placeholder while something still references it).
    /// Returns whether it was known.
    pub fn remove(&mut self, rref: &ResourceRef) -> bool {
        match self.apply_remove(rref) {
            Some(changed) => {
                self.recompute_downstream(changed);
                true
            }
            None => false,
        }
    }

    /// Applies several changes, then recomputes root causes once for everything they touched (cheaper than
    /// one call per change when a watch delivers a burst, e.g. the initial list). Returns how many changes
    /// took effect.
    pub fn apply<I>(&mut self, changes: I) -> usize
    where
        I: IntoIterator<Item = Change>,
    {
        let mut changed = Vec::new();
        let mut applied = 0;
        for change in changes {
            let result = match change {
                Change::Upsert(obj) => self.apply_upsert(obj),
                Change::Remove(r) => self.apply_remove(&r),
            };
            if let Some(c) = result {
                changed.extend(c);
                applied += 1;
            }
        }
        changed.sort();
        changed.dedup();
        self.recompute_downstream(changed);
        applied
    }

    fn apply_remove(&mut self, rref: &ResourceRef) -> Option<Vec<ResourceRef>> {
        let known = self
            .nodes
            .get(rref)
            .is_some_and(|n| n.state == NodeState::Present);
        if !known {
            return None;
        }
        let old_edges = self.owned.remove(rref).unwrap_or_default();
        let touched = endpoints(&old_edges, rref);
        let before = self.states_of(&touched);
        for e in &old_edges {
            self.remove_edge(e);
        }
        if let Some(node) = self.nodes.get_mut(rref) {
            node.object = None;
            node.health = None;
        }
        self.settle(rref);
        if !self.nodes.contains_key(rref) {
            self.root_causes.remove(rref);
        }
        let mut changed = vec![rref.clone()];
        changed.extend(self.settle_all(&touched, before));
        self.refresh_roots(std::iter::once(rref).chain(&touched));
        changed.extend(rewired_sources(&old_edges, &[]));
        Some(changed)
    }

    /// Replaces the object's node and edges; returns the nodes whose root-cause class or upstream changed
    /// (empty when neither did, e.g. a status update from Blocked to InProgress), or `None` when the object is
    /// ignored.
    fn apply_upsert(&mut self, obj: Arc<FluxObject>) -> Option<Vec<ResourceRef>> {
        let me = obj.resource_ref().filter(|r| !r.name.is_empty())?;
        let new_edges = edge::edges_of(&obj);
        // A failure the controller is only retrying stays a failure (`flux::retry`): the graph keeps healths
        // the same way the console's objects do.
        let before = self
            .nodes
            .get(&me)
            .and_then(|n| Some((n.object.as_deref()?, n.health?)));
        let health = health_after(before, &obj);
        let old_edges = self.owned.remove(&me).unwrap_or_default();
        let old_class = self.cause_class(&me);
        let node = self.nodes.entry(me.clone()).or_insert_with(|| Node {
            rref: me.clone(),
            object: None,
            health: None,
            state: NodeState::Present,
        });
        node.object = Some(obj);
        node.health = Some(health);
        node.state = NodeState::Present;
        if old_edges == new_edges {
            self.owned.insert(me.clone(), new_edges);
            self.refresh_roots(std::iter::once(&me));
            // Same edges and same root-cause class (e.g. Blocked → InProgress): no answer can change.
            let same = old_class == self.cause_class(&me);
            return Some(if same { Vec::new() } else { vec![me] });
        }
        let mut touched = endpoints(&old_edges, &me);
        touched.extend(endpoints(&new_edges, &me));
        touched.sort();
        touched.dedup();
        let before = self.states_of(&touched);
        let rewired = rewired_sources(&old_edges, &new_edges);
        for e in &new_edges {
            self.add_edge(e);
        }
        for e in &old_edges {
            self.remove_edge(e);
        }
        self.owned.insert(me.clone(), new_edges);
        let settled = self.settle_all(&touched, before);
        self.refresh_roots(std::iter::once(&me).chain(&touched));
        let mut changed = vec![me];
        changed.extend(settled);
        // A node whose outgoing waits-on edges changed has a new upstream (e.g. an implied chart's source).
        changed.extend(rewired);
        Some(changed)
    }

    /// Settles every touched node; returns those whose state changed (appeared, vanished, or switched).
    fn settle_all(
        &mut self,
        touched: &[ResourceRef],
        before: Vec<Option<NodeState>>,
    ) -> Vec<ResourceRef> {
        let mut changed = Vec::new();
        for (r, old) in touched.iter().zip(before) {
            self.settle(r);
            let now = self.nodes.get(r).map(|n| n.state);
            if now != old {
                if now.is_none() {
                    self.root_causes.remove(r);
                }
                changed.push(r.clone());
            }
        }
        changed
    }

    /// Updates root-set membership of the given nodes (after their edges or existence changed).
    fn refresh_roots<'a>(&mut self, refs: impl Iterator<Item = &'a ResourceRef>) {
        for r in refs {
            let exists = self.nodes.contains_key(r);
            let waits = self.waits_out.contains_key(r);
            let owned = self.owners_in.contains_key(r);
            set_membership(&mut self.roots, r, exists && !waits);
            set_membership(&mut self.inventory_roots, r, exists && !owned);
        }
    }

    fn states_of(&self, refs: &[ResourceRef]) -> Vec<Option<NodeState>> {
        refs.iter()
            .map(|r| self.nodes.get(r).map(|n| n.state))
            .collect()
    }

    fn add_edge(&mut self, e: &Edge) {
        let count = self
            .out
            .entry(e.from.clone())
            .or_default()
            .entry((e.kind, e.to.clone()))
            .or_insert(0);
        *count += 1;
        if *count == 1 {
            self.inc
                .entry(e.to.clone())
                .or_default()
                .insert((e.kind, e.from.clone()), 1);
            self.edge_count += 1;
            let (counter, key) = if e.kind.is_waits_on() {
                self.waits_generation = WaitsGeneration::next();
                (&mut self.waits_out, &e.from)
            } else {
                (&mut self.owners_in, &e.to)
            };
            *counter.entry(key.clone()).or_insert(0) += 1;
        }
    }

    fn remove_edge(&mut self, e: &Edge) {
        let Some(adj) = self.out.get_mut(&e.from) else {
            return;
        };
        let key = (e.kind, e.to.clone());
        let Some(count) = adj.get_mut(&key) else {
            return;
        };
        *count -= 1;
        if *count > 0 {
            return;
        }
        adj.remove(&key);
        if adj.is_empty() {
            self.out.remove(&e.from);
        }
        if let Some(inc) = self.inc.get_mut(&e.to) {
            inc.remove(&(e.kind, e.from.clone()));
            if inc.is_empty() {
                self.inc.remove(&e.to);
            }
        }
        self.edge_count -= 1;
        let (counter, key) = if e.kind.is_waits_on() {
            self.waits_generation = WaitsGeneration::next();
            (&mut self.waits_out, &e.from)
        } else {
            (&mut self.owners_in, &e.to)
        };
        if let Some(n) = counter.get_mut(key) {
            *n -= 1;
            if *n == 0 {
                counter.remove(key);
            }
        }
    }

    /// Marks `kind` as one that cannot be read (listing it is forbidden) or readable again: references to
    /// objects of it that are not known become `NoAccess` (unknown) rather than `Dangling` (missing), and back.
    pub fn set_unreadable(&mut self, kind: crate::flux::FluxKind, unreadable: bool) {
        let changed = if unreadable {
            self.unreadable.insert(kind)
        } else {
            self.unreadable.remove(&kind)
        };
        if !changed {
            return;
        }
        let placeholders: Vec<ResourceRef> = self
            .nodes
            .values()
            .filter(|n| n.rref.kind == kind && n.object.is_none())
            .map(|n| n.rref.clone())
            .collect();
        let before = self.states_of(&placeholders);
        let settled = self.settle_all(&placeholders, before);
        self.recompute_downstream(settled);
    }

    /// Brings a node that has no object in line with its edges: implied, dangling, no access, or gone.
    fn settle(&mut self, r: &ResourceRef) {
        if self.nodes.get(r).is_some_and(|n| n.object.is_some()) {
            return;
        }
        let has_edges = self.out.contains_key(r) || self.inc.contains_key(r);
        if !has_edges {
            self.nodes.remove(r);
            return;
        }
        let implied = r.kind == crate::flux::FluxKind::HelmChart
            && self.inc.get(r).is_some_and(|adj| {
                adj.keys().any(|(k, from)| {
                    *k == EdgeKind::ChartSource && from.kind == crate::flux::FluxKind::HelmRelease
                })
            });
        let state = if implied {
            NodeState::Implied
        } else if self.unreadable.contains(&r.kind) {
            NodeState::NoAccess
        } else {
            NodeState::Dangling
        };
        let node = self.nodes.entry(r.clone()).or_insert_with(|| Node {
            rref: r.clone(),
            object: None,
            health: None,
            state,
        });
        node.state = state;
    }

    /// The node for `rref`, if known or referenced.
    #[must_use]
    pub fn node(&self, rref: &ResourceRef) -> Option<&Node> {
        self.nodes.get(rref)
    }

    /// Every node, in no particular order.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.values()
    }

    /// Number of nodes (objects and placeholders).
    #[must_use]
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The stamp of the waits-on edges: unchanged while none is added or removed.
    #[must_use]
    pub fn waits_generation(&self) -> WaitsGeneration {
        self.waits_generation
    }

    /// Number of distinct edges.
    #[must_use]
    pub fn edge_count(&self) -> usize {
        self.edge_count
    }

    /// Number of distinct edges of each kind (kinds with none are absent).
    #[must_use]
    pub fn edge_counts(&self) -> BTreeMap<EdgeKind, usize> {
        let mut counts = BTreeMap::new();
        for adj in self.out.values() {
            for (kind, _) in adj.keys() {
                *counts.entry(*kind).or_insert(0) += 1;
            }
        }
        counts
    }

    /// Number of nodes in each state.
    #[must_use]
    pub fn state_counts(&self) -> BTreeMap<NodeState, usize> {
        let mut counts = BTreeMap::new();
        for n in self.nodes.values() {
            *counts.entry(n.state).or_insert(0) += 1;
        }
        counts
    }

    /// Every edge, sorted.
    #[must_use]
    pub fn edges(&self) -> Vec<Edge> {
        let mut all: Vec<Edge> = self
            .out
            .iter()
            .flat_map(|(from, adj)| {
                adj.keys().map(move |(kind, to)| Edge {
                    from: from.clone(),
                    to: to.clone(),
                    kind: *kind,
                })
            })
            .collect();
        all.sort();
        all
    }

    /// Outgoing edges of `rref` (what it points at), sorted by kind then target.
    pub fn out_edges(&self, rref: &ResourceRef) -> impl Iterator<Item = (EdgeKind, &ResourceRef)> {
        self.out
            .get(rref)
            .into_iter()
            .flat_map(|adj| adj.keys().map(|(k, r)| (*k, r)))
    }

    /// Incoming edges of `rref` (who points at it), sorted by kind then source.
    pub fn in_edges(&self, rref: &ResourceRef) -> impl Iterator<Item = (EdgeKind, &ResourceRef)> {
        self.inc
            .get(rref)
            .into_iter()
            .flat_map(|adj| adj.keys().map(|(k, r)| (*k, r)))
    }
}

/// The first key of the ownership part of an adjacency map: `EdgeKind` orders every waits-on kind before
/// `Inventory` and `OwnerLabel` (checked by a test), and this `ResourceRef` is the smallest there is.
fn ownership_start() -> (EdgeKind, ResourceRef) {
    (
        EdgeKind::Inventory,
        ResourceRef::new(crate::flux::FluxKind::Kustomization, "", ""),
    )
}

/// The other ends of the waits-on edges of an adjacency map (without scanning its ownership edges).
fn waits_on_part(adj: &Adjacency) -> impl Iterator<Item = &ResourceRef> {
    adj.range(..ownership_start()).map(|((_, r), _)| r)
}

/// The other ends of the ownership edges of an adjacency map.
fn ownership_part(adj: &Adjacency) -> impl Iterator<Item = &ResourceRef> {
    adj.range(ownership_start()..).map(|((_, r), _)| r)
}

fn set_membership(set: &mut BTreeSet<ResourceRef>, r: &ResourceRef, member: bool) {
    if member {
        if !set.contains(r) {
            set.insert(r.clone());
        }
    } else {
        set.remove(r);
    }
}

/// The `from` ends of waits-on edges that are in only one of `old` and `new` (ownership edges do not change
/// any root cause).
fn rewired_sources(old: &[Edge], new: &[Edge]) -> Vec<ResourceRef> {
    let old_set: std::collections::BTreeSet<&Edge> = old.iter().collect();
    let new_set: std::collections::BTreeSet<&Edge> = new.iter().collect();
    let mut out: Vec<ResourceRef> = old_set
        .symmetric_difference(&new_set)
        .filter(|e| e.kind.is_waits_on())
        .map(|e| e.from.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The ends of `edges` other than `me`, sorted and deduplicated.
fn endpoints(edges: &[Edge], me: &ResourceRef) -> Vec<ResourceRef> {
    let mut refs: Vec<ResourceRef> = edges
        .iter()
        .flat_map(|e| [&e.from, &e.to])
        .filter(|r| *r != me)
        .cloned()
        .collect();
    refs.sort();
    refs.dedup();
    refs
}

#[cfg(test)]
mod tests;

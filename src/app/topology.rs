//! `Topology`: the questions the console asks about how objects relate (dependency edges, inventory
//! ownership, root cause), and `Links`, a small index that answers them from the objects' specs.
//!
//! The navigator, the detail pane and `update` only use the [`Topology`] trait, so the dependency graph of
//! `crate::graph` can take `Links`' place without touching them.

use crate::flux::{FluxKind, FluxObject, Health, ResourceRef};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Relations between the objects the console shows.
pub trait Topology {
    /// Records a new or changed object (its health decides root causes).
    fn upsert(&mut self, obj: &Arc<FluxObject>, health: Health);
    /// Forgets an object.
    fn remove(&mut self, r: &ResourceRef);
    /// Objects that wait on nothing (sources and heads of `dependsOn` chains).
    fn roots(&self) -> Vec<ResourceRef>;
    /// Objects that wait on `r`.
    fn dependents(&self, r: &ResourceRef) -> Vec<ResourceRef>;
    /// Objects `r` waits on.
    fn dependencies(&self, r: &ResourceRef) -> Vec<ResourceRef>;
    /// Objects no Kustomization/HelmRelease inventory lists.
    fn inventory_roots(&self) -> Vec<ResourceRef>;
    /// Flux objects in `r`'s inventory.
    fn inventory_children(&self, r: &ResourceRef) -> Vec<ResourceRef>;
    /// The not-ready object at the end of the chain of not-ready dependencies of `r` (`None` when `r` does not
    /// wait on anything that is not ready).
    fn root_cause(&self, r: &ResourceRef) -> Option<ResourceRef>;
}

/// Edges read from specs and inventories, kept per object so one object's change updates only its own edges.
#[derive(Debug, Default, Clone)]
pub struct Links {
    health: HashMap<ResourceRef, Health>,
    /// Declared dependencies per object (may name objects not (yet) seen).
    needs: HashMap<ResourceRef, BTreeSet<ResourceRef>>,
    /// The reverse of `needs`.
    needed_by: HashMap<ResourceRef, BTreeSet<ResourceRef>>,
    /// Inventory children per owner.
    owns: HashMap<ResourceRef, BTreeSet<ResourceRef>>,
    /// Every known object, ordered.
    known: BTreeSet<ResourceRef>,
}

fn cross(kind: &str, name: &str, ns: Option<&str>, default_ns: &str) -> Option<ResourceRef> {
    let kind = FluxKind::from_kind(kind)?;
    Some(ResourceRef::new(
        kind,
        ns.filter(|n| !n.is_empty()).unwrap_or(default_ns),
        name,
    ))
}

/// What `obj` waits on, from its spec.
fn declared_dependencies(obj: &FluxObject, me: &ResourceRef) -> BTreeSet<ResourceRef> {
    let ns = me.namespace.as_str();
    let spec = &obj.spec;
    let mut out = BTreeSet::new();
    for d in &spec.depends_on {
        out.insert(ResourceRef::new(
            me.kind,
            d.namespace.as_deref().unwrap_or(ns),
            &d.name,
        ));
    }
    if let Some(s) = &spec.source_ref {
        out.extend(cross(&s.kind, &s.name, s.namespace.as_deref(), ns));
    }
    for h in &spec.health_checks {
        out.extend(cross(&h.kind, &h.name, h.namespace.as_deref(), ns));
    }
    if let Some(c) = &spec.chart_ref {
        out.extend(cross(&c.kind, &c.name, c.namespace.as_deref(), ns));
    }
    if let Some(chart) = &spec.chart {
        let s = &chart.spec.source_ref;
        let chart_ns = s.namespace.as_deref().unwrap_or(ns);
        // The controller creates HelmChart `<ns>-<name>` in the source's namespace; it waits on the source.
        out.insert(ResourceRef::new(
            FluxKind::HelmChart,
            chart_ns,
            format!("{ns}-{}", me.name),
        ));
    }
    for inc in &spec.include {
        out.insert(ResourceRef::new(
            FluxKind::GitRepository,
            ns,
            &inc.repository.name,
        ));
    }
    out.remove(me);
    out
}

/// Flux objects listed in `obj`'s inventory (`<namespace>_<name>_<group>_<kind>`).
fn inventory(obj: &FluxObject) -> BTreeSet<ResourceRef> {
    let Some(inv) = &obj.status.inventory else {
        return BTreeSet::new();
    };
    inv.entries
        .iter()
        .filter_map(|e| {
            let (ns, rest) = e.id.split_once('_')?;
            let (rest, kind) = rest.rsplit_once('_')?;
            let (name, group) = rest.rsplit_once('_')?;
            let kind = FluxKind::from_kind(kind).filter(|k| k.group() == group)?;
            Some(ResourceRef::new(kind, ns, name))
        })
        .collect()
}

impl Links {
    fn existing(&self, set: Option<&BTreeSet<ResourceRef>>) -> Vec<ResourceRef> {
        set.into_iter()
            .flatten()
            .filter(|r| self.known.contains(r))
            .cloned()
            .collect()
    }

    fn forget_needs(&mut self, me: &ResourceRef) {
        for n in self.needs.remove(me).into_iter().flatten() {
            if let Some(set) = self.needed_by.get_mut(&n) {
                set.remove(me);
                if set.is_empty() {
                    self.needed_by.remove(&n);
                }
            }
        }
    }

    fn owned(&self) -> BTreeSet<&ResourceRef> {
        self.owns.values().flatten().collect()
    }
}

impl Topology for Links {
    fn upsert(&mut self, obj: &Arc<FluxObject>, health: Health) {
        let Some(me) = obj.resource_ref() else {
            return;
        };
        self.forget_needs(&me);
        let needs = declared_dependencies(obj, &me);
        for n in &needs {
            self.needed_by
                .entry(n.clone())
                .or_default()
                .insert(me.clone());
        }
        self.needs.insert(me.clone(), needs);
        let inv = inventory(obj);
        if inv.is_empty() {
            self.owns.remove(&me);
        } else {
            self.owns.insert(me.clone(), inv);
        }
        self.health.insert(me.clone(), health);
        self.known.insert(me);
    }

    fn remove(&mut self, r: &ResourceRef) {
        self.forget_needs(r);
        self.owns.remove(r);
        self.health.remove(r);
        self.known.remove(r);
    }

    fn roots(&self) -> Vec<ResourceRef> {
        self.known
            .iter()
            .filter(|r| self.dependencies(r).is_empty())
            .cloned()
            .collect()
    }

    fn dependents(&self, r: &ResourceRef) -> Vec<ResourceRef> {
        self.existing(self.needed_by.get(r))
    }

    fn dependencies(&self, r: &ResourceRef) -> Vec<ResourceRef> {
        self.existing(self.needs.get(r))
    }

    fn inventory_roots(&self) -> Vec<ResourceRef> {
        let owned = self.owned();
        self.known
            .iter()
            .filter(|r| !owned.contains(r))
            .cloned()
            .collect()
    }

    fn inventory_children(&self, r: &ResourceRef) -> Vec<ResourceRef> {
        self.existing(self.owns.get(r))
    }

    fn root_cause(&self, r: &ResourceRef) -> Option<ResourceRef> {
        let not_ready = |x: &ResourceRef| self.health.get(x).is_some_and(|h| h.is_not_ready());
        let mut seen = BTreeSet::from([r.clone()]);
        let mut current = r.clone();
        let mut cause = None;
        // Follow the first not-ready dependency until one waits on nothing that is not ready.
        while let Some(next) = self
            .dependencies(&current)
            .into_iter()
            .find(|d| not_ready(d) && !seen.contains(d))
        {
            seen.insert(next.clone());
            cause = Some(next.clone());
            current = next;
        }
        cause
    }
}

/// Counts of each health, for the status bar.
#[must_use]
pub fn count_by_health<'a>(healths: impl Iterator<Item = &'a Health>) -> BTreeMap<Health, usize> {
    let mut out = BTreeMap::new();
    for h in healths {
        *out.entry(*h).or_default() += 1;
    }
    out
}

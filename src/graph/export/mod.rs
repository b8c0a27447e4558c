//! `fluxops graph` output, pure: the graph (with warnings and root causes) selected by the filters into one
//! [`GraphExport`] document, then rendered by one small module per format: [`tree`] (indented, the default),
//! [`json`] (the document itself, a stable shape documented in docs/graph.md), [`dot`] (Graphviz) and
//! [`mermaid`].
//!
//! Selection ([`Filter`]): `kinds` and `namespace` keep matching nodes; `focus` keeps the nodes matching a name,
//! everything upstream of them (what they wait on, who applied them, transitively) and everything downstream
//! (what waits on them, what they applied), each within `depth` hops (unbounded without a depth). Siblings
//! (other consumers of a shared source) are not pulled in.
//! Edges are kept when both ends are kept; warnings when one of the objects they name is kept.
//!
//! Must not live here: I/O (loading a directory, listing a cluster: `launch::graph`), terminal colours.

pub mod dot;
pub mod json;
pub mod mermaid;
pub mod tree;

use super::{EdgeKind, Graph, GraphWarning, NodeState};
use crate::flux::{FluxKind, Health, ResourceRef};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The version of the JSON document shape (bumped on any incompatible change).
pub const SCHEMA: &str = "fluxops.graph/v1";

/// Which part of the graph to export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Keep only these kinds (empty: all).
    pub kinds: Vec<FluxKind>,
    /// Keep only this namespace.
    pub namespace: Option<String>,
    /// Keep the nodes matching this (`name`, `namespace/name` or `Kind/namespace/name`) and their neighbourhood.
    pub focus: Option<String>,
    /// How many hops around the focus (`None`: all that is connected).
    pub depth: Option<usize>,
}

/// Where the graph came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Origin {
    /// A live cluster (statuses known).
    Cluster { context: String, server: String },
    /// A GitOps repository directory (no statuses).
    Directory { path: String },
}

/// One exported node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportNode {
    /// `Kind/namespace/name`.
    pub id: String,
    pub kind: FluxKind,
    pub namespace: String,
    pub name: String,
    /// `present`, `implied` (a HelmChart helm-controller generates), `dangling` (referenced, missing),
    /// `noAccess` (referenced, of a kind listing is forbidden for: unknown) or `unlisted` (referenced, of a kind
    /// that is not served: CRD missing).
    pub state: &'static str,
    /// The health word (`Ready`, `Failing`, …) when the graph is live and the object known; else `None`.
    pub status: Option<Health>,
    pub suspended: bool,
    /// Where the object is defined (directory loads): `path:line`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// One exported edge: `from` waits on `to` (or, for ownership edges, `from` applied `to`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportEdge {
    pub from: String,
    pub to: String,
    /// `dependsOn`, `sourceRef`, `chartSource`, `chartRef`, `include`, `healthCheck`, `inventory`, `ownerLabel`.
    pub kind: &'static str,
}

/// One exported warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportWarning {
    /// `dangling`, `cycle`, `crossKindDependsOn`, `invalidRef`, `suspendReverted`, `suspendedHealthChecked`.
    pub kind: &'static str,
    /// For dangling references: whether the target is normally absent from a repository (bootstrap source).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub expected: bool,
    /// The objects the warning is about (`Kind/namespace/name`), the subject first.
    pub objects: Vec<String>,
    pub message: String,
}

/// The root causes of one not-ready object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRootCause {
    pub object: String,
    pub causes: Vec<String>,
}

/// One lagging consumer of a rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportLagging {
    pub object: String,
    /// `progressing`, `blocked`, `failing` or `suspended`.
    pub lag: &'static str,
    /// It attempted the newest revision and has not applied it.
    pub attempted: bool,
    /// The revision it runs, if any.
    pub at: Option<String>,
}

/// How far a source's newest revision has rolled out over its consumers (live graphs; see `graph::rollout`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRollout {
    pub source: String,
    pub revision: String,
    pub applied: usize,
    pub total: usize,
    pub lagging: Vec<ExportLagging>,
}

/// Counts over the exported nodes and edges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Every node, objects and placeholders.
    pub nodes: usize,
    /// The nodes that are Flux objects in the cluster (or the repository): `present` ones. Placeholders for
    /// dangling references, HelmCharts not yet generated and references into unlisted kinds are nodes, not
    /// objects (the console counts the same way).
    pub objects: usize,
    pub edges: usize,
    /// Per edge kind (kinds with none are absent).
    pub edges_by_kind: BTreeMap<&'static str, usize>,
    /// Per node state.
    pub nodes_by_state: BTreeMap<&'static str, usize>,
}

/// The whole export (the JSON document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphExport {
    pub schema: &'static str,
    pub origin: Origin,
    /// The one namespace the export is limited to (`-n`); absent: every namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub counts: Counts,
    /// Sorted by kind (`FluxKind` order: appliers first), namespace, name.
    pub nodes: Vec<ExportNode>,
    /// Sorted by (from, kind, to).
    pub edges: Vec<ExportEdge>,
    pub warnings: Vec<ExportWarning>,
    /// Only for a live graph (a repository has no statuses); sorted by object.
    pub root_causes: Vec<ExportRootCause>,
    /// Only for a live graph: every exported source with consumers, sorted by source.
    pub rollouts: Vec<ExportRollout>,
    /// What could not be read (kinds not served or forbidden, files with errors, objects that do not decode).
    pub notes: Vec<String>,
}

/// The JSON name of an edge kind.
#[must_use]
pub fn edge_kind_name(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::DependsOn => "dependsOn",
        EdgeKind::SourceRef => "sourceRef",
        EdgeKind::ChartSource => "chartSource",
        EdgeKind::ChartRef => "chartRef",
        EdgeKind::Include => "include",
        EdgeKind::HealthCheck => "healthCheck",
        EdgeKind::Inventory => "inventory",
        EdgeKind::OwnerLabel => "ownerLabel",
    }
}

fn state_name(state: NodeState) -> &'static str {
    match state {
        NodeState::Present => "present",
        NodeState::Implied => "implied",
        NodeState::Dangling => "dangling",
        NodeState::NoAccess => "noAccess",
    }
}

/// The glyph of a health, the same as the console's navigator (readable without colour).
#[must_use]
pub fn glyph(health: Option<Health>) -> &'static str {
    match health {
        Some(Health::Ready) => "✓",
        Some(Health::Failing) => "✗",
        Some(Health::Blocked) => "⊘",
        Some(Health::Stalled) => "‼",
        Some(Health::InProgress) => "⟳",
        Some(Health::Suspended) => "⏸",
        Some(Health::Unknown) => "?",
        None => "!",
    }
}

/// What to export besides the graph.
#[derive(Debug, Clone)]
pub struct ExportInput<'a> {
    pub graph: &'a Graph,
    pub origin: Origin,
    /// Statuses are real (a live cluster): include them and the root causes.
    pub live: bool,
    /// `Kind/ns/name` → `path:line` (directory loads).
    pub files: BTreeMap<ResourceRef, String>,
    pub notes: Vec<String>,
    /// Kinds that could not be listed: their placeholders are `unlisted`, not dangling, and not warned about.
    pub unlisted: Vec<FluxKind>,
    /// The one namespace read or kept (`-n`), `None` for every namespace: said in the output.
    pub namespace: Option<String>,
}

/// Builds the export of the nodes `filter` selects.
#[must_use]
pub fn export(input: ExportInput<'_>, filter: &Filter) -> GraphExport {
    let graph = input.graph;
    let kept = select(graph, filter);
    let unlisted = |r: &ResourceRef| input.unlisted.contains(&r.kind);
    let nodes: Vec<ExportNode> = kept
        .iter()
        .filter_map(|r| graph.node(r))
        .map(|n| ExportNode {
            id: n.rref.to_string(),
            kind: n.rref.kind,
            namespace: n.rref.namespace.clone(),
            name: n.rref.name.clone(),
            state: if n.state == NodeState::Dangling && unlisted(&n.rref) {
                "unlisted"
            } else {
                state_name(n.state)
            },
            status: if input.live { n.health } else { None },
            suspended: n.object.as_ref().is_some_and(|o| o.is_suspended()),
            file: input.files.get(&n.rref).cloned(),
        })
        .collect();
    let mut edges: Vec<ExportEdge> = graph
        .edges()
        .into_iter()
        .filter(|e| kept.contains(&e.from) && kept.contains(&e.to))
        .map(|e| ExportEdge {
            from: e.from.to_string(),
            to: e.to.to_string(),
            kind: edge_kind_name(e.kind),
        })
        .collect();
    edges.sort_by(|a, b| (&a.from, a.kind, &a.to).cmp(&(&b.from, b.kind, &b.to)));
    let warnings = graph
        .warnings()
        .iter()
        .filter(|w| warning_objects(w).iter().any(|r| kept.contains(r)))
        .filter(|w| !matches!(w, GraphWarning::Dangling(d) if unlisted(&d.target)))
        .map(export_warning)
        .collect();
    let root_causes = if input.live {
        graph
            .all_root_causes()
            .into_iter()
            .filter(|(r, causes)| kept.contains(*r) && !causes.iter().all(|c| c == *r))
            .map(|(r, causes)| ExportRootCause {
                object: r.to_string(),
                causes: causes.iter().map(ToString::to_string).collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let rollouts = if input.live {
        kept.iter()
            .filter_map(|r| graph.rollout(r))
            .map(|ro| ExportRollout {
                source: ro.source.to_string(),
                applied: ro.applied(),
                total: ro.consumers.len(),
                lagging: ro
                    .lagging()
                    .map(|c| ExportLagging {
                        object: c.consumer.to_string(),
                        lag: c.lag.map_or("", super::rollout::Lag::label),
                        attempted: c.attempted,
                        at: c.at.clone(),
                    })
                    .collect(),
                revision: ro.revision,
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut edges_by_kind = BTreeMap::new();
    for e in &edges {
        *edges_by_kind.entry(e.kind).or_insert(0) += 1;
    }
    let mut nodes_by_state = BTreeMap::new();
    for n in &nodes {
        *nodes_by_state.entry(n.state).or_insert(0) += 1;
    }
    GraphExport {
        schema: SCHEMA,
        origin: input.origin,
        namespace: input.namespace,
        counts: Counts {
            nodes: nodes.len(),
            objects: nodes_by_state.get("present").copied().unwrap_or(0),
            edges: edges.len(),
            edges_by_kind,
            nodes_by_state,
        },
        nodes,
        edges,
        warnings,
        root_causes,
        rollouts,
        notes: input.notes,
    }
}

/// The objects a warning names, the subject first.
#[must_use]
pub fn warning_objects(w: &GraphWarning) -> Vec<ResourceRef> {
    match w {
        GraphWarning::Dangling(d) => std::iter::once(d.target.clone())
            .chain(d.referrers.iter().map(|(_, r)| r.clone()))
            .collect(),
        GraphWarning::Cycle(members) => members.clone(),
        GraphWarning::CrossKindDependsOn(c) => vec![c.dependent.clone(), c.target.clone()],
        GraphWarning::InvalidRef(r) => vec![r.from.clone()],
        GraphWarning::SuspendReverted(s) => vec![s.child.clone(), s.parent.clone()],
        GraphWarning::SuspendedHealthChecked(s) => vec![s.child.clone(), s.parent.clone()],
    }
}

fn export_warning(w: &GraphWarning) -> ExportWarning {
    let kind = match w {
        GraphWarning::Dangling(_) => "dangling",
        GraphWarning::Cycle(_) => "cycle",
        GraphWarning::CrossKindDependsOn(_) => "crossKindDependsOn",
        GraphWarning::InvalidRef(_) => "invalidRef",
        GraphWarning::SuspendReverted(_) => "suspendReverted",
        GraphWarning::SuspendedHealthChecked(_) => "suspendedHealthChecked",
    };
    ExportWarning {
        kind,
        expected: matches!(w, GraphWarning::Dangling(d) if d.expected),
        objects: warning_objects(w).iter().map(ToString::to_string).collect(),
        message: w.to_string(),
    }
}

/// Whether `r` matches a focus pattern: `name`, `namespace/name` or `Kind/namespace/name`.
#[must_use]
pub fn matches_focus(r: &ResourceRef, pattern: &str) -> bool {
    pattern == r.name || pattern == r.namespaced_name() || pattern == r.to_string()
}

/// One step up (what `r` waits on, who applied it) or down (what waits on `r`, what it applied).
fn neighbours(graph: &Graph, r: &ResourceRef, upstream: bool) -> Vec<ResourceRef> {
    let out = graph
        .out_edges(r)
        .filter(|(k, _)| k.is_waits_on() == upstream)
        .map(|(_, o)| o.clone());
    let inc = graph
        .in_edges(r)
        .filter(|(k, _)| k.is_waits_on() != upstream)
        .map(|(_, o)| o.clone());
    out.chain(inc).collect()
}

/// The nodes the filter keeps, sorted.
#[must_use]
pub fn select(graph: &Graph, filter: &Filter) -> BTreeSet<ResourceRef> {
    let basic = |r: &ResourceRef| {
        (filter.kinds.is_empty() || filter.kinds.contains(&r.kind))
            && filter
                .namespace
                .as_ref()
                .is_none_or(|ns| *ns == r.namespace)
    };
    let all: BTreeSet<ResourceRef> = graph
        .nodes()
        .map(|n| n.rref.clone())
        .filter(|r| basic(r))
        .collect();
    let Some(pattern) = filter.focus.as_deref() else {
        return all;
    };
    let focus: Vec<ResourceRef> = all
        .iter()
        .filter(|r| matches_focus(r, pattern))
        .cloned()
        .collect();
    let mut seen: BTreeSet<ResourceRef> = focus.iter().cloned().collect();
    for upstream in [true, false] {
        let mut queue: VecDeque<(ResourceRef, usize)> =
            focus.iter().map(|r| (r.clone(), 0)).collect();
        let mut visited: BTreeSet<ResourceRef> = focus.iter().cloned().collect();
        while let Some((r, d)) = queue.pop_front() {
            if filter.depth.is_some_and(|max| d >= max) {
                continue;
            }
            for o in neighbours(graph, &r, upstream) {
                if all.contains(&o) && visited.insert(o.clone()) {
                    seen.insert(o.clone());
                    queue.push_back((o, d + 1));
                }
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests;

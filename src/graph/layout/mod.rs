//! Layered (Sugiyama-style) layout of a dependency DAG for drawing in a terminal: pure, deterministic, no I/O.
//!
//! The pipeline works on plain indices (`0..n` nodes with a width each, edges `upper → lower`), so it knows
//! nothing about Flux; the console maps its nodes (objects and collapsed chains) to indices:
//! 1. [`acyclic`]: cycles are broken with the graph's strongly-connected-component code; an edge inside a
//!    component that points backwards in the component's visit order is reversed (and marked), a self-loop
//!    is dropped (and counted).
//! 2. [`rank`]: longest-path layering from the top (a node with nothing above it is in layer 0, every other
//!    node one layer below the lowest node it hangs from); edges spanning several layers pass dummy nodes, one
//!    per layer crossed, shared by the long edges of one node (its trunk) and bounded in number (the longest
//!    edges past the budget are cut: not drawn, counted).
//! 3. [`order`]: crossing reduction: a depth-first initial order, then alternating down/up barycenter sweeps,
//!    each followed by adjacent-swap transposition, keeping the best order seen (crossings counted exactly,
//!    Barth–Jünger–Mutzel accumulator).
//! 4. [`position`]: x coordinates: nodes packed left to right in their order, then pulled towards their
//!    neighbours' centres by isotonic regression (pool-adjacent-violators) under the order and spacing
//!    constraints, alternating directions; integer cells, the leftmost node at column 0.
//!
//! Why not a crate: see docs/decisions/0003-dag-layout.md (rust-sugiyama took 64 s for 10,000 nodes).
//!
//! [`focus`] and [`collapse`] pick and fold what the console lays out (neighbourhood of the selection, blocked
//! chains folded onto their root cause).

pub mod acyclic;
pub mod collapse;
pub mod focus;
pub mod order;
pub mod position;
pub mod rank;

/// What to lay out: `widths.len()` nodes and edges `(upper, lower)` (for the dependency DAG: the dependency
/// is the upper end, the dependent the lower). Duplicate edges are merged; indices out of range are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayoutInput {
    /// Width in cells of each node's label (at least 1 is used).
    pub widths: Vec<u32>,
    pub edges: Vec<(usize, usize)>,
}

/// Tunables (the defaults are what the console uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutOptions {
    /// Empty cells between two neighbours in a layer.
    pub gap: u32,
    /// Down+up sweep pairs of crossing reduction (stops early when a pair brings no improvement).
    pub sweeps: usize,
    /// Passes of coordinate assignment.
    pub position_passes: usize,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        Self {
            gap: 2,
            sweeps: 4,
            position_passes: 6,
        }
    }
}

/// A node of the layered graph: a real node (`index < node_count`) or a dummy on a long edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub layer: u32,
    /// Position in its layer, left to right.
    pub order: u32,
    /// Leftmost column.
    pub x: u32,
    pub width: u32,
}

impl Placed {
    /// The column edges attach to.
    #[must_use]
    pub fn centre(&self) -> u32 {
        self.x + self.width.saturating_sub(1) / 2
    }
}

/// One input edge as drawn: from its top end, down its top end's trunk of dummies (when it spans several
/// layers), into its bottom end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutedEdge {
    /// The input edge's ends as given (`upper`, `lower`).
    pub upper: usize,
    pub lower: usize,
    /// The edge pointed upwards in the input (it closed a cycle): drawn from `lower` (top) to `upper`.
    pub reversed: bool,
    /// The layered node the edge enters its bottom end from (its top end, or a dummy of the top end's trunk);
    /// `None`: the edge is too long for the dummy budget and is not drawn ([`Layout::cut`]).
    pub via: Option<usize>,
}

impl RoutedEdge {
    /// The end drawn on top.
    #[must_use]
    pub fn top(&self) -> usize {
        if self.reversed {
            self.lower
        } else {
            self.upper
        }
    }

    /// The end drawn below.
    #[must_use]
    pub fn bottom(&self) -> usize {
        if self.reversed {
            self.upper
        } else {
            self.lower
        }
    }
}

/// The result of [`layout`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    /// Number of real nodes (`placed[..node_count]` are they, in input order).
    pub node_count: usize,
    /// Every layered node: real nodes first, then dummies.
    pub placed: Vec<Placed>,
    /// Layered node indices of each layer, left to right.
    pub layers: Vec<Vec<usize>>,
    pub edges: Vec<RoutedEdge>,
    /// The node above each dummy (`above[d - node_count]`): a trunk goes down one layer at a time.
    pub above: Vec<usize>,
    /// Edges not drawn because routing them would pass the dummy budget (the longest ones).
    pub cut: usize,
    /// Self-loops dropped.
    pub self_loops: usize,
    /// Edge crossings of the final order.
    pub crossings: u64,
    /// Edge crossings with every layer in input order (real nodes by index, dummies by edge): what crossing
    /// reduction started from.
    pub input_crossings: u64,
    /// Columns used (rightmost cell + 1).
    pub width: u32,
}

impl Layout {
    /// Whether layered node `i` is a dummy.
    #[must_use]
    pub fn is_dummy(&self, i: usize) -> bool {
        i >= self.node_count
    }

    /// Number of layers.
    #[must_use]
    pub fn layer_count(&self) -> usize {
        self.layers.len()
    }

    /// The layered nodes edge `e` passes through, top end to bottom end (empty when it is cut).
    #[must_use]
    pub fn chain(&self, e: usize) -> Vec<usize> {
        let Some(edge) = self.edges.get(e) else {
            return Vec::new();
        };
        let Some(mut at) = edge.via else {
            return Vec::new();
        };
        let mut out = vec![edge.bottom(), at];
        while self.is_dummy(at) {
            at = self.above[at - self.node_count];
            out.push(at);
        }
        out.reverse();
        out
    }
}

/// Lays out `input` (see the module doc).
#[must_use]
pub fn layout(input: &LayoutInput, options: &LayoutOptions) -> Layout {
    let n = input.widths.len();
    let dag = acyclic::break_cycles(n, &input.edges);
    let mut layered = rank::layered(n, &dag.edges);
    let input_crossings = order::total_crossings(&layered, &order::input_order(&layered));
    let (layers, crossings) = order::reduce_crossings(&layered, options.sweeps);
    layered.set_order(&layers);
    let widths: Vec<u32> = (0..layered.len())
        .map(|i| input.widths.get(i).copied().unwrap_or(1).max(1))
        .collect();
    let xs = position::assign(&layered, &layers, &widths, options);
    let placed: Vec<Placed> = (0..layered.len())
        .map(|i| Placed {
            layer: layered.layer[i],
            order: layered.pos[i],
            x: xs[i],
            width: widths[i],
        })
        .collect();
    let width = placed.iter().map(|p| p.x + p.width).max().unwrap_or(0);
    let edges: Vec<RoutedEdge> = dag
        .edges
        .iter()
        .zip(&layered.via)
        .map(|(e, via)| RoutedEdge {
            upper: if e.reversed { e.lower } else { e.upper },
            lower: if e.reversed { e.upper } else { e.lower },
            reversed: e.reversed,
            via: *via,
        })
        .collect();
    let cut = edges.iter().filter(|e| e.via.is_none()).count();
    Layout {
        node_count: n,
        placed,
        layers,
        edges,
        above: layered.above,
        cut,
        self_loops: dag.self_loops,
        crossings,
        input_crossings,
        width,
    }
}

/// A part of a [`crate::graph::Graph`] laid out: the folded nodes and their layout (`layout`'s real node `i`
/// is `folded.nodes[i]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphLayout {
    pub folded: collapse::Folded,
    pub layout: Layout,
}

/// Lays out `nodes` (e.g. [`focus::whole`] or [`focus::neighbourhood`]) of `graph` along waits-on edges,
/// dependencies above dependents, blocked chains folded except those whose root is in `expanded`; `width` gives
/// each node's label width.
#[must_use]
pub fn lay_out_graph(
    graph: &crate::graph::Graph,
    nodes: Vec<crate::flux::ResourceRef>,
    expanded: &std::collections::BTreeSet<crate::flux::ResourceRef>,
    width: impl Fn(&collapse::FoldedNode) -> u32,
    options: &LayoutOptions,
) -> GraphLayout {
    let folded = collapse::fold(graph, nodes, expanded);
    let input = LayoutInput {
        widths: folded.nodes.iter().map(width).collect(),
        edges: folded.edges.clone(),
    };
    let layout = layout(&input, options);
    GraphLayout { folded, layout }
}

#[cfg(test)]
mod tests;

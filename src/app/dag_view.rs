//! The DAG screen's view model: the part of the laid-out canvas that fits the screen (node boxes and edge cells
//! with box-drawing characters, already clipped and in screen coordinates), and the panel about the selection
//! and the graph's warnings. Built from the cached layout in time proportional to what is visible (plus one
//! pass over the laid-out edges for the blast radius); every string is sanitised here.
//!
//! Canvas geometry ([`Geometry`], computed once per layout): layer `L`'s boxes are on row `rows[L]`; below it
//! come the layer's horizontal tracks, then one row of arrows, then the next layer. Every node with edges
//! going sideways to the layer below gets a track of its own for its "bus" (nodes whose buses do not overlap
//! share one), so two parents' buses never merge: an edge runs down from the upper box's centre to its track,
//! along it, and down into the lower box, with `▼` above a dependent (`▲`, one column right of the centre, for
//! an edge drawn reversed to break a cycle). Where lines of one bus meet they join (`┬ ┴ ├ ┤ ┼ …`); where lines
//! of two buses cross, the vertical passes over a gap (`app::dag_canvas`). A long edge passes the layers in between
//! as `│` down its upper node's trunk. Only whole boxes are drawn; markers count the rest (`◀ 3`, `5 ▶`).

use super::dag::{DagLayout, DagNode};
use super::state::State;
use crate::flux::{Health, ResourceRef};
use crate::graph::layout::Layout;
use crate::graph::layout::collapse::FoldedNode;
use crate::text::{sanitize_line, sanitize_name};
use std::collections::HashSet;

/// Rows kept visible above the selection's row when scrolling (the edges coming into it).
const ABOVE: u32 = 3;
/// Columns kept visible beside the selection when scrolling sideways (room for an edge marker, `◀ 12`).
const MARGIN: u32 = 6;

/// One cell of an edge, in screen coordinates relative to the canvas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeCell {
    pub x: u16,
    pub y: u16,
    pub ch: char,
    /// Part of an edge inside the selection's blast radius.
    pub blast: bool,
}

/// One node's box (`[✗ KS apps ⚠]`, in braces `{…}` inside the blast radius); whole, except a selected box
/// wider than the canvas (cut on the left with `…` here, on the right when drawn).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxView {
    pub x: u16,
    pub y: u16,
    pub text: String,
    pub health: Option<Health>,
    pub selected: bool,
    /// Depends (transitively) on the selection.
    pub blast: bool,
    /// The stuck / overdue mark inside `text` (drawn in its own theme role).
    pub timing: Option<super::view::TimingMark>,
}

/// The panel beside (or below) the canvas.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DagPanel {
    /// The selection: `Kind/namespace/name`, or the chain's description.
    pub heading: String,
    pub health: Option<Health>,
    /// Facts about the selection (status, root cause, blast radius, hidden neighbours).
    pub facts: Vec<String>,
    /// Every warning of the graph; `true` when it involves the selection (listed first).
    pub warnings: Vec<(bool, String)>,
}

/// Boxes of a row beyond the canvas' edge: `◀ 3` at the left edge, `5 ▶` at the right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerView {
    pub x: u16,
    pub y: u16,
    pub text: String,
}

/// Everything the DAG screen draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DagView {
    pub title: String,
    pub cells: Vec<EdgeCell>,
    pub boxes: Vec<BoxView>,
    /// Boxes of a row beyond the left or right edge.
    pub markers: Vec<MarkerView>,
    /// Boxes in layers above / below the canvas.
    pub above: usize,
    pub below: usize,
    /// Cells where edges of two nodes cross on the canvas (drawn as a vertical line over a gap).
    pub crossings: usize,
    pub panel: DagPanel,
}

/// Where things are on the canvas (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Geometry {
    /// Canvas row of each layer's boxes.
    pub rows: Vec<u32>,
    /// Track (0-based, below its layer's row) of each layered node's bus; `None`: straight down or no edges.
    pub track: Vec<Option<u32>>,
    /// Rows the canvas takes.
    pub height: u32,
}

/// One hop of an edge one layer down from a layered node: to `.0`, the last hop of routed edge `.1`, or (`None`)
/// a hop down a trunk into a dummy.
pub type Segment = (usize, Option<usize>);

/// The hops one layer down from each layered node: each routed edge's last hop, and each trunk's hops.
#[must_use]
pub fn segments(layout: &Layout) -> Vec<Vec<Segment>> {
    let mut out = vec![Vec::new(); layout.placed.len()];
    for (e, routed) in layout.edges.iter().enumerate() {
        if let Some(via) = routed.via {
            out[via].push((routed.bottom(), Some(e)));
        }
    }
    for (i, &a) in layout.above.iter().enumerate() {
        out[a].push((layout.node_count + i, None));
    }
    out
}

/// Assigns tracks (greedy interval colouring of the buses, left to right) and rows.
#[must_use]
pub fn geometry(layout: &Layout, segments: &[Vec<Segment>]) -> Geometry {
    let mut track = vec![None; layout.placed.len()];
    let mut rows = Vec::with_capacity(layout.layers.len());
    let mut row = 0u32;
    for layer in &layout.layers {
        rows.push(row);
        let buses: Vec<(usize, Bus)> = layer
            .iter()
            .filter_map(|&v| {
                let centre = layout.placed[v].centre();
                let kids: Vec<u32> = segments[v]
                    .iter()
                    .map(|(b, _)| layout.placed[*b].centre())
                    .collect();
                let lo = kids.iter().copied().fold(centre, u32::min);
                let hi = kids.iter().copied().fold(centre, u32::max);
                (lo != hi).then_some((
                    v,
                    Bus {
                        centre,
                        lo,
                        hi,
                        kids,
                    },
                ))
            })
            .collect();
        let bus_list: Vec<Bus> = buses.iter().map(|(_, b)| b.clone()).collect();
        let tracks = assign_tracks(&bus_list);
        for ((v, _), t) in buses.iter().zip(&tracks) {
            track[*v] = Some(*t);
        }
        let used = tracks.iter().max().map_or(1, |t| t + 1);
        row += 2 + used;
    }
    let height = row.saturating_sub(2);
    Geometry {
        rows,
        track,
        height,
    }
}

/// One node's edges to the layer below as drawn: down from `centre` to its track, along `[lo, hi]`, down into
/// each of `kids` (columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bus {
    pub centre: u32,
    pub lo: u32,
    pub hi: u32,
    pub kids: Vec<u32>,
}

impl Bus {
    fn overlaps(&self, other: &Bus) -> bool {
        self.lo <= other.hi && other.lo <= self.hi
    }

    /// Crossings when `self` runs on a track above `other`: `other`'s drop from its box passes `self`'s bus,
    /// and `self`'s drops into its children pass `other`'s bus (where they do not meet a line of `other`).
    fn crossings_above(&self, other: &Bus) -> u32 {
        let inside = |c: u32, b: &Bus| b.lo < c && c < b.hi;
        let drop = u32::from(inside(other.centre, self));
        let kids = self
            .kids
            .iter()
            .filter(|c| inside(**c, other) && **c != other.centre && !other.kids.contains(c))
            .count();
        drop + u32::try_from(kids).unwrap_or(u32::MAX / 4)
    }
}

/// Bands with more buses than this keep their left-to-right order before tracks are given (ordering them costs
/// the cube).
const ORDERED_BUSES: usize = 48;

/// Bands with more buses than this get plain first-fit tracks (weighing every overlapping pair costs the square).
const PREFERRED_BUSES: usize = 400;

/// Tracks by greedy interval colouring in the buses' order (left to right): each takes the first track whose
/// last bus ends before it starts. Linear in buses times tracks.
fn first_fit(buses: &[Bus]) -> Vec<u32> {
    let mut ends: Vec<u32> = Vec::new();
    buses
        .iter()
        .map(|b| {
            let t = ends.iter().position(|e| *e < b.lo).unwrap_or_else(|| {
                ends.push(0);
                ends.len() - 1
            });
            ends[t] = b.hi;
            u32::try_from(t).unwrap_or(u32::MAX / 4)
        })
        .collect()
}

/// A track (0 = top) for each bus of a band: buses that overlap get different tracks, the others may share.
/// Which of two overlapping buses runs above the other decides whether their lines cross, so up to
/// [`ORDERED_BUSES`] buses are first put in an order from top to bottom that keeps crossings few (each inserted
/// where it adds the fewest, then each moved to its best place once more); each then takes the first free track
/// below the overlapping buses before it that cross less above it.
#[must_use]
pub fn assign_tracks(buses: &[Bus]) -> Vec<u32> {
    let n = buses.len();
    let mut order: Vec<usize> = (0..n).collect();
    if n <= ORDERED_BUSES {
        let cost_at = |order: &[usize], new: usize, at: usize| -> u32 {
            let above: u32 = order[..at]
                .iter()
                .map(|&m| buses[m].crossings_above(&buses[new]))
                .sum();
            let below: u32 = order[at..]
                .iter()
                .map(|&m| buses[new].crossings_above(&buses[m]))
                .sum();
            above + below
        };
        // Ties keep the layer order: a bus goes below those before it (as first-fit put it), and stays where
        // it is when moving it gains nothing.
        let best_place = |order: &[usize], new: usize, stay: usize| -> usize {
            (0..=order.len())
                .min_by_key(|at| (cost_at(order, new, *at), at.abs_diff(stay)))
                .unwrap_or(order.len())
        };
        order.clear();
        for new in 0..n {
            let at = best_place(&order, new, order.len());
            order.insert(at, new);
        }
        for new in 0..n {
            if let Some(i) = order.iter().position(|m| *m == new) {
                order.remove(i);
                let at = best_place(&order, new, i);
                order.insert(at, new);
            }
        }
    }
    if n > PREFERRED_BUSES {
        return first_fit(buses);
    }
    // The first free track, below every bus before it in the order that had better be above it.
    let mut track = vec![0u32; n];
    for (k, &b) in order.iter().enumerate() {
        let placed = order[..k].iter().filter(|m| buses[**m].overlaps(&buses[b]));
        let lowest = placed
            .clone()
            .filter(|m| {
                buses[**m].crossings_above(&buses[b]) < buses[b].crossings_above(&buses[**m])
            })
            .map(|m| track[*m] + 1)
            .max()
            .unwrap_or(0);
        let taken: Vec<u32> = placed.map(|m| track[*m]).collect();
        track[b] = (lowest..).find(|t| !taken.contains(t)).unwrap_or(lowest);
    }
    track
}

/// Keeps `offset` when `[start, end)` (plus `margin`) is inside `[offset, offset + size)`; otherwise centres the
/// span (its start, when it is wider than `size`), without scrolling past `total` (the canvas' extent).
fn centre_on(offset: u32, (start, end): (u32, u32), size: u32, margin: u32, total: u32) -> u32 {
    let margin = margin.min(size.saturating_sub(end - start) / 2);
    if start >= offset + margin && end + margin <= offset + size {
        return offset;
    }
    let width = end - start;
    let centred = if width >= size {
        start
    } else {
        (start + width / 2).saturating_sub(size / 2)
    };
    centred.min(total.saturating_sub(size)).min(start)
}

/// Moves `offset` just enough that `[start, end)` (plus `margin`) fits in `size`.
fn scroll_to(offset: u32, start: u32, end: u32, size: u32, margin: u32) -> u32 {
    let margin = margin.min(size.saturating_sub(end - start) / 2);
    if start < offset + margin {
        start.saturating_sub(margin)
    } else if end + margin > offset + size {
        (end + margin).saturating_sub(size).min(start)
    } else {
        offset
    }
}

/// The folded nodes in the selection's blast radius (an object: [`crate::graph::Graph::blast_radius`]; a chain:
/// that of its members, in one walk).
fn blast(state: &State, cache: &DagLayout, selected: Option<&DagNode>) -> HashSet<usize> {
    let roots: Vec<&ResourceRef> = match selected {
        Some(DagNode::Object(r)) => vec![r],
        Some(DagNode::Chain(root)) => cache
            .graph
            .folded
            .nodes
            .iter()
            .find_map(|n| match n {
                FoldedNode::Chain(c) if c.root == *root => Some(c.members.iter().collect()),
                _ => None,
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    // One walk from every root at once (a chain of thousands: not one walk per member).
    let starts: HashSet<&ResourceRef> = roots.iter().copied().collect();
    let mut reached: HashSet<&ResourceRef> = HashSet::new();
    let mut queue: std::collections::VecDeque<&ResourceRef> = roots.into_iter().collect();
    while let Some(r) = queue.pop_front() {
        for d in state.graph.dependents(r) {
            if reached.insert(d) && !starts.contains(d) {
                queue.push_back(d);
            }
        }
    }
    let mut out: HashSet<usize> = reached
        .into_iter()
        .filter_map(|d| cache.graph.folded.index_of(d))
        .collect();
    if let Some(i) = selected.and_then(|s| cache.index(s)) {
        out.remove(&i);
    }
    out
}

/// Builds the DAG screen for a canvas of `width` × `height` cells (moves the scroll offset to show the selection).
#[must_use]
pub fn build(state: &mut State, width: u16, height: u16) -> DagView {
    let graph = &state.graph;
    state.dag.refresh(graph);
    let (vw, vh) = (u32::from(width), u32::from(height));
    let sel = state.dag.selected_index();
    if let (Some(cache), Some(i)) = (state.dag.layout(), sel) {
        let p = cache.graph.layout.placed[i];
        let y = cache.geometry.rows[p.layer as usize];
        let (ox, oy) = state.dag.offset;
        // Sideways, a box that goes out of sight comes back in the middle: the graph spreads both ways.
        let total = cache.graph.layout.width;
        let ox = centre_on(ox, (p.x, p.x + p.width), vw, MARGIN, total);
        let oy = scroll_to(oy, y, y + 1, vh, ABOVE);
        state.dag.offset = (ox, oy);
    }
    let state: &State = state;
    let dag = &state.dag;
    let Some(cache) = dag.layout() else {
        return DagView {
            title: " DAG ".to_owned(),
            cells: Vec::new(),
            boxes: Vec::new(),
            markers: Vec::new(),
            above: 0,
            below: 0,
            crossings: 0,
            panel: DagPanel::default(),
        };
    };
    let blast = blast(state, cache, dag.selected.as_ref());
    let (ox, oy) = dag.offset;
    let canvas = super::dag_canvas::canvas(state, cache, &blast, sel, (ox, oy, vw, vh));
    DagView {
        title: title(state, cache),
        cells: canvas.cells,
        boxes: canvas.boxes,
        markers: canvas.markers,
        above: canvas.above,
        below: canvas.below,
        crossings: canvas.crossings,
        panel: panel(state, cache, &blast),
    }
}

fn title(state: &State, cache: &DagLayout) -> String {
    let dag = &state.dag;
    let scope = match (dag.depth, &dag.centre) {
        (Some(d), Some(c)) => format!(
            "{d} hop{} around {} {}",
            if d == 1 { "" } else { "s" },
            c.kind.abbrev(),
            sanitize_name(&c.name)
        ),
        _ => "whole graph".to_owned(),
    };
    // Objects are what the cluster has (the tree, the timings and the status bar count the same); placeholders
    // (missing, not created yet) are drawn, marked, but not counted as objects.
    let is_object =
        |r: &&ResourceRef| state.objects.contains_key(*r) || state.invalid.contains_key(*r);
    let shown = cache.shown().iter().filter(is_object).count();
    let placeholders = cache.shown().len() - shown;
    let others = match placeholders {
        0 => String::new(),
        n => format!(" (+{n} not in the cluster)"),
    };
    format!(
        " DAG · {scope} · {shown} of {} objects{others} ",
        state.objects.len() + state.invalid.len()
    )
}

fn panel(state: &State, cache: &DagLayout, blast: &HashSet<usize>) -> DagPanel {
    let dag = &state.dag;
    let sel = dag.selected_index();
    let mut facts = Vec::new();
    let (heading, health) = match (&dag.selected, sel.map(|i| &cache.graph.folded.nodes[i])) {
        (Some(_), Some(FoldedNode::Chain(c))) => {
            facts.push(format!(
                "{} objects wait on {}: Enter unfolds them",
                c.members.len(),
                sanitize_name(&c.root.to_string())
            ));
            if let Some(d) = state
                .objects
                .get(&c.root)
                .and_then(|e| crate::diagnosis::diagnose_object(&e.object))
            {
                facts.push(format!("its diagnosis: {}", sanitize_line(&d.headline())));
            }
            (
                format!(
                    "blocked chain behind {}",
                    sanitize_name(&c.root.to_string())
                ),
                Some(Health::Blocked),
            )
        }
        (Some(_), Some(FoldedNode::Object(r))) => {
            let view = super::view::row(state, r);
            let mut status = view.health.map_or("missing", |h| h.label()).to_owned();
            if !view.reason.is_empty() {
                status.push_str(": ");
                status.push_str(&view.reason);
            }
            facts.push(status);
            if let Some((mark, text)) = &view.timing {
                facts.push(format!("{} {text}", mark.glyph()));
            }
            if let Some(d) = state
                .objects
                .get(r)
                .and_then(|e| crate::diagnosis::diagnose_object(&e.object))
            {
                facts.push(format!("diagnosis: {}", sanitize_line(&d.headline())));
            }
            if let Some(b) = &view.blocked_by {
                facts.push(format!("root cause: {b}"));
            } else if let Some(w) = &view.waiting_on {
                facts.push(format!("waiting on: {w}"));
            }
            let radius = state.graph.blast_radius(r).len();
            facts.push(format!(
                "blast radius: {radius} {} on it",
                if radius == 1 {
                    "object depends"
                } else {
                    "objects depend"
                }
            ));
            let shown: usize = blast
                .iter()
                .map(|i| match &cache.graph.folded.nodes[*i] {
                    FoldedNode::Chain(c) => c.members.len(),
                    FoldedNode::Object(_) => 1,
                })
                .sum();
            if shown < radius {
                facts.push(format!("({shown} of them shown: + shows more hops)"));
            }
            (sanitize_name(&r.to_string()).into_owned(), view.health)
        }
        _ => ("nothing selected".to_owned(), None),
    };
    let mut warnings: Vec<(bool, String)> = cache
        .warnings
        .iter()
        .map(|(w, at)| {
            let mine = sel.is_some_and(|s| at.contains(&s));
            (mine, sanitize_line(&w.to_string()).into_owned())
        })
        .collect();
    // Stable: the selection's warnings first, then the graph's order.
    warnings.sort_by_key(|(mine, _)| !*mine);
    DagPanel {
        heading,
        health,
        facts,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::layout::{LayoutInput, LayoutOptions, layout};

    #[test]
    fn scrolling_moves_only_as_far_as_needed_to_show_the_span() {
        // Visible already: unchanged.
        assert_eq!(scroll_to(10, 20, 30, 40, 4), 10);
        // Off to the right: just enough (with the margin).
        assert_eq!(scroll_to(0, 90, 100, 40, 4), 64);
        // Off to the left: the span's start minus the margin.
        assert_eq!(scroll_to(50, 20, 30, 40, 4), 16);
        // Wider than the viewport: its start.
        assert_eq!(scroll_to(0, 100, 200, 40, 4), 100);
    }

    #[test]
    fn a_box_out_of_sight_comes_back_in_the_middle_within_the_canvas() {
        // Visible with its margin: unchanged.
        assert_eq!(centre_on(10, (20, 30), 40, 4, 500), 10);
        // Off to the right: centred.
        assert_eq!(centre_on(0, (90, 100), 40, 4, 500), 75);
        // Near the canvas' right end: no scrolling past it.
        assert_eq!(centre_on(0, (190, 198), 40, 4, 200), 160);
        // Wider than the viewport: its start.
        assert_eq!(centre_on(0, (100, 200), 40, 4, 500), 100);
    }

    #[test]
    fn overlapping_buses_of_one_layer_get_different_tracks() {
        // Two parents of the same two children: both buses span the children, so they overlap.
        let laid = layout(
            &LayoutInput {
                widths: vec![3; 4],
                edges: vec![(0, 2), (0, 3), (1, 2), (1, 3)],
            },
            &LayoutOptions::default(),
        );
        let geo = geometry(&laid, &segments(&laid));
        assert!(geo.track[0].is_some() && geo.track[1].is_some());
        assert_ne!(geo.track[0], geo.track[1]);
        // Layer 1 sits below layer 0's row, its tracks and the arrow row.
        let tracks = geo.track.iter().flatten().max().map_or(1, |t| t + 1);
        assert_eq!(geo.rows[1], 2 + tracks);
    }
}

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
//! an edge drawn reversed to break a cycle). Where lines meet they join (`┬ ┴ ├ ┤ ┼ …`). A long edge passes the layers in between as `│` where
//! its dummy node sits.

use super::dag::{DagLayout, DagNode, label};
use super::state::State;
use super::view::glyph;
use crate::flux::{Health, ResourceRef};
use crate::graph::NodeState;
use crate::graph::layout::Layout;
use crate::graph::layout::collapse::FoldedNode;
use crate::text::sanitize_line;
use std::collections::{BTreeMap, HashSet};

/// Rows kept visible above the selection's row when scrolling (the edges coming into it).
const ABOVE: u32 = 3;
/// Columns kept visible beside the selection when scrolling sideways.
const MARGIN: u32 = 4;

const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;

/// One cell of an edge, in screen coordinates relative to the canvas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeCell {
    pub x: u16,
    pub y: u16,
    pub ch: char,
    /// Part of an edge inside the selection's blast radius.
    pub blast: bool,
}

/// One node's box (`[✗ KS apps ⚠]`, in braces `{…}` inside the blast radius), clipped on the left to the canvas; the right side is clipped when drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxView {
    pub x: u16,
    pub y: u16,
    pub text: String,
    pub health: Option<Health>,
    pub selected: bool,
    /// Depends (transitively) on the selection.
    pub blast: bool,
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

/// Everything the DAG screen draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DagView {
    pub title: String,
    pub cells: Vec<EdgeCell>,
    pub boxes: Vec<BoxView>,
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
        // (start, end, node) of each bus, in layer order (so by start).
        let mut ends: Vec<u32> = Vec::new();
        for &v in layer {
            let ca = layout.placed[v].centre();
            let (lo, hi) = segments[v]
                .iter()
                .map(|(b, _)| layout.placed[*b].centre())
                .fold((ca, ca), |(lo, hi), c| (lo.min(c), hi.max(c)));
            if lo == hi {
                continue;
            }
            let t = match ends.iter().position(|e| *e < lo) {
                Some(t) => t,
                None => {
                    ends.push(0);
                    ends.len() - 1
                }
            };
            ends[t] = hi;
            track[v] = u32::try_from(t).ok();
        }
        let tracks = u32::try_from(ends.len()).unwrap_or(u32::MAX / 4).max(1);
        row += 2 + tracks;
    }
    let height = row.saturating_sub(2);
    Geometry {
        rows,
        track,
        height,
    }
}

/// The glyph-carrying health of a folded node (`None`: a missing object).
fn node_health(state: &State, node: &FoldedNode) -> Option<Health> {
    match node {
        FoldedNode::Chain(_) => Some(Health::Blocked),
        FoldedNode::Object(r) => match state.graph.node(r) {
            Some(n) if n.state == NodeState::Implied => Some(Health::Unknown),
            Some(n) => n.health,
            None => None,
        },
    }
}

fn box_char(mask: u8) -> char {
    match mask {
        m if m == UP | DOWN => '│',
        m if m == LEFT | RIGHT => '─',
        m if m == DOWN | RIGHT => '┌',
        m if m == DOWN | LEFT => '┐',
        m if m == UP | RIGHT => '└',
        m if m == UP | LEFT => '┘',
        m if m == UP | DOWN | RIGHT => '├',
        m if m == UP | DOWN | LEFT => '┤',
        m if m == DOWN | LEFT | RIGHT => '┬',
        m if m == UP | LEFT | RIGHT => '┴',
        m if m == UP | DOWN | LEFT | RIGHT => '┼',
        m if m & (LEFT | RIGHT) != 0 => '─',
        _ => '│',
    }
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
/// that of its members).
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
    let mut out = HashSet::new();
    for r in roots {
        for d in state.graph.blast_radius(r) {
            if let Some(i) = cache.graph.folded.index_of(d) {
                out.insert(i);
            }
        }
    }
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
        let ox = scroll_to(ox, p.x, p.x + p.width, vw, MARGIN);
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
            panel: DagPanel::default(),
        };
    };
    let blast = blast(state, cache, dag.selected.as_ref());
    let (ox, oy) = dag.offset;
    let (cells, boxes) = canvas(state, cache, &blast, sel, (ox, oy, vw, vh));
    DagView {
        title: title(state, cache),
        cells,
        boxes,
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
            sanitize_line(&c.name)
        ),
        _ => "whole graph".to_owned(),
    };
    format!(
        " DAG · {scope} · {} of {} objects ",
        cache.shown().len(),
        state.graph.node_count()
    )
}

type Viewport = (u32, u32, u32, u32);

/// The edge cells and boxes inside the viewport `(x, y, width, height)`.
fn canvas(
    state: &State,
    cache: &DagLayout,
    blast: &HashSet<usize>,
    sel: Option<usize>,
    (ox, oy, vw, vh): Viewport,
) -> (Vec<EdgeCell>, Vec<BoxView>) {
    let layout = &cache.graph.layout;
    let mut grid: BTreeMap<(u32, u32), (u8, bool, Option<char>)> = BTreeMap::new();
    let mut boxes = Vec::new();
    let visible = |x: u32, y: u32| x >= ox && x < ox + vw && y >= oy && y < oy + vh;
    let edge_in_blast = |e: usize| {
        let routed = &layout.edges[e];
        blast.contains(&routed.lower)
            && (Some(routed.upper) == sel || blast.contains(&routed.upper))
    };
    // A trunk's dummies are hot down to the deepest hot edge leaving it.
    let mut hot_dummies: HashSet<usize> = HashSet::new();
    if !blast.is_empty() {
        for (e, routed) in layout.edges.iter().enumerate() {
            if !edge_in_blast(e) {
                continue;
            }
            let mut at = routed.via;
            while let Some(d) = at.filter(|d| layout.is_dummy(*d)) {
                if !hot_dummies.insert(d) {
                    break;
                }
                at = layout.above.get(d - layout.node_count).copied();
            }
        }
    }
    let geo = &cache.geometry;
    // Layers whose band (boxes, tracks, arrows) meets the viewport.
    let first = geo.rows.partition_point(|r| *r <= oy).saturating_sub(1);
    let last = geo.rows.partition_point(|r| *r < oy + vh);
    for (l, layer) in layout.layers.iter().enumerate().take(last).skip(first) {
        let y0 = geo.rows[l];
        let next = geo.rows.get(l + 1).copied().unwrap_or(y0 + 3);
        for &v in layer {
            let p = layout.placed[v];
            if layout.is_dummy(v) && visible(p.x, y0) {
                let hot = hot_dummies.contains(&v);
                let cell = grid.entry((p.x, y0)).or_insert((0, false, None));
                cell.0 |= UP | DOWN;
                cell.1 |= hot;
            } else if !layout.is_dummy(v)
                && y0 >= oy
                && y0 < oy + vh
                && p.x < ox + vw
                && p.x + p.width > ox
            {
                boxes.push(box_view(state, cache, v, sel, blast, (ox, oy)));
            }
            let ca = p.centre();
            let t = y0 + 1 + geo.track[v].unwrap_or(0);
            for &(b, e) in &cache.segments[v] {
                // An edge drawn reversed (it closes a cycle) enters its lower box one column right of the
                // centre, so its `▲` does not share a cell with the `▼` of the box's other edges.
                let reversed = e.is_some_and(|e| layout.edges[e].reversed);
                let reversed_in = reversed && !layout.is_dummy(b) && layout.placed[b].width >= 3;
                let cb = layout.placed[b].centre() + u32::from(reversed_in);
                let hot = match e {
                    Some(e) => edge_in_blast(e),
                    None => hot_dummies.contains(&b),
                };
                let mut mark = |x: u32, y: u32, m: u8, arrow: Option<char>| {
                    if visible(x, y) {
                        let cell = grid.entry((x, y)).or_insert((0, false, None));
                        cell.0 |= m;
                        cell.1 |= hot;
                        if arrow.is_some() && cell.2 != Some('▼') {
                            cell.2 = arrow;
                        }
                    }
                };
                let arrow = (!layout.is_dummy(b)).then_some(if reversed { '▲' } else { '▼' });
                if ca == cb {
                    for y in y0 + 1..next {
                        mark(ca, y, UP | DOWN, (y + 1 == next).then_some(arrow).flatten());
                    }
                    continue;
                }
                for y in y0 + 1..t {
                    mark(ca, y, UP | DOWN, None);
                }
                mark(ca, t, UP | if cb > ca { RIGHT } else { LEFT }, None);
                let (lo, hi) = (ca.min(cb), ca.max(cb));
                for x in (lo + 1).max(ox)..hi.min(ox + vw) {
                    mark(x, t, LEFT | RIGHT, None);
                }
                mark(cb, t, DOWN | if ca < cb { LEFT } else { RIGHT }, None);
                for y in t + 1..next {
                    mark(cb, y, UP | DOWN, (y + 1 == next).then_some(arrow).flatten());
                }
            }
        }
    }
    let cells = grid
        .into_iter()
        .filter(|((x, y), _)| visible(*x, *y))
        .map(|((x, y), (mask, hot, arrow))| EdgeCell {
            x: u16::try_from(x - ox).unwrap_or(u16::MAX),
            y: u16::try_from(y - oy).unwrap_or(u16::MAX),
            ch: arrow
                .filter(|_| mask == UP | DOWN)
                .unwrap_or_else(|| box_char(mask)),
            blast: hot,
        })
        .collect();
    (cells, boxes)
}

fn box_view(
    state: &State,
    cache: &DagLayout,
    v: usize,
    sel: Option<usize>,
    blast: &HashSet<usize>,
    (ox, oy): (u32, u32),
) -> BoxView {
    let p = cache.graph.layout.placed[v];
    let node = &cache.graph.folded.nodes[v];
    let health = node_health(state, node);
    let in_blast = blast.contains(&v);
    // Readable without colour: what depends on the selection is drawn in braces.
    let (open, close) = if in_blast { ('{', '}') } else { ('[', ']') };
    let text = format!(
        "{open}{} {}{close}",
        glyph(health),
        label(node, &cache.names[v], cache.warned.contains(&v))
    );
    // Cut the columns left of the viewport.
    let mut skip = ox.saturating_sub(p.x);
    let text: String = text
        .chars()
        .skip_while(|c| {
            let w = u32::try_from(ratatui::text::Span::raw(c.to_string()).width()).unwrap_or(1);
            if skip == 0 {
                return false;
            }
            skip = skip.saturating_sub(w);
            true
        })
        .collect();
    BoxView {
        x: u16::try_from(p.x.max(ox) - ox).unwrap_or(u16::MAX),
        y: u16::try_from(cache.geometry.rows[p.layer as usize] - oy).unwrap_or(u16::MAX),
        text,
        health,
        selected: Some(v) == sel,
        blast: in_blast,
    }
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
                sanitize_line(&c.root.to_string())
            ));
            (
                format!(
                    "blocked chain behind {}",
                    sanitize_line(&c.root.to_string())
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
            (sanitize_line(&r.to_string()).into_owned(), view.health)
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
    fn every_mask_of_two_or_more_directions_has_its_box_drawing_character() {
        assert_eq!(box_char(UP | DOWN | LEFT | RIGHT), '┼');
        assert_eq!(box_char(DOWN | LEFT | RIGHT), '┬');
        assert_eq!(box_char(UP | LEFT | RIGHT), '┴');
        assert_eq!(box_char(UP | DOWN | RIGHT), '├');
        assert_eq!(box_char(UP | DOWN | LEFT), '┤');
        assert_eq!(box_char(DOWN | RIGHT), '┌');
        assert_eq!(box_char(UP | LEFT), '┘');
    }

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

//! The visible part of the DAG canvas: edge cells as box-drawing characters, whole node boxes, and markers for
//! what lies beyond the canvas' edges. Built from the cached layout and geometry in time proportional to what is
//! visible (plus a count per layer for the boxes above and below).
//!
//! - **Whole boxes.** A box is drawn only when it fits inside the canvas; the boxes of a row that do not are
//!   counted in a marker at that edge (`◀ 3`, `▶ 5`), which keeps the columns it needs free of boxes. Boxes in
//!   layers above or below the canvas are counted too ([`Canvas::above`], [`Canvas::below`]). The selected box is
//!   always drawn (cut with `…` only when it is wider than the canvas).
//! - **Crossings are not joints.** Every cell remembers which upper node's bus ("net") drew it first and what
//!   the other nets added: where one net's line only passes vertically and another's only horizontally, the
//!   vertical line is drawn over a gap in the horizontal one (`─│─`); `┼ ├ ┤ ┬ ┴` are left for lines of one net
//!   that really meet (and for edges merging into one box).

use super::dag::{DagLayout, label};
use super::dag_view::{BoxView, EdgeCell, MarkerView};
use super::state::State;
use super::view::glyph;
use crate::flux::Health;
use crate::graph::NodeState;
use crate::graph::layout::collapse::FoldedNode;
use crate::layout::fit;
use std::collections::{BTreeMap, HashSet};

const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;
const VERTICAL: u8 = UP | DOWN;
const HORIZONTAL: u8 = LEFT | RIGHT;

/// Drawn where a line of one net passes over a line of another: the vertical over a gap in the horizontal.
pub const CROSSING: char = '│';

/// What one frame draws of the canvas.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Canvas {
    pub cells: Vec<EdgeCell>,
    pub boxes: Vec<BoxView>,
    pub markers: Vec<MarkerView>,
    /// Boxes in layers above / below the canvas.
    pub above: usize,
    pub below: usize,
    /// Cells where lines of two nets cross (drawn as [`CROSSING`]).
    pub crossings: usize,
}

/// `(x, y, width, height)` of the canvas on the laid-out plane.
pub type Viewport = (u32, u32, u32, u32);

/// One cell of the edge grid: the first net that drew it and its directions, the directions other nets added.
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    net: usize,
    first: u8,
    other: u8,
    hot: bool,
    arrow: Option<char>,
}

impl Cell {
    fn add(&mut self, net: usize, mask: u8) {
        if self.first == 0 {
            self.net = net;
            self.first = mask;
        } else if self.net == net {
            self.first |= mask;
        } else {
            self.other |= mask;
        }
    }

    /// One net's line only passes vertically, another's only horizontally.
    fn is_crossing(&self) -> bool {
        let (a, b) = (self.first, self.other);
        let only = |m: u8, part: u8| m & part != 0 && m & !part == 0;
        (only(a, VERTICAL) && only(b, HORIZONTAL)) || (only(a, HORIZONTAL) && only(b, VERTICAL))
    }

    fn glyph(&self) -> char {
        let (a, b) = (self.first, self.other);
        if self.is_crossing() {
            return CROSSING;
        }
        match self.arrow {
            Some(arrow) if a | b == VERTICAL => arrow,
            _ => box_char(a | b),
        }
    }
}

#[must_use]
pub fn box_char(mask: u8) -> char {
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

/// The edge cells, whole boxes and markers inside `viewport`.
#[must_use]
pub fn canvas(
    state: &State,
    cache: &DagLayout,
    blast: &HashSet<usize>,
    sel: Option<usize>,
    viewport: Viewport,
) -> Canvas {
    let (ox, oy, vw, vh) = viewport;
    let layout = &cache.graph.layout;
    let geo = &cache.geometry;
    let visible = |x: u32, y: u32| x >= ox && x < ox + vw && y >= oy && y < oy + vh;
    let edge_in_blast = |e: usize| {
        let routed = &layout.edges[e];
        blast.contains(&routed.lower)
            && (Some(routed.upper) == sel || blast.contains(&routed.upper))
    };
    let hot_dummies = hot_dummies(cache, blast, &edge_in_blast);
    let mut grid: BTreeMap<(u32, u32), Cell> = BTreeMap::new();
    let mut out = Canvas::default();
    // Layers whose band (boxes, tracks, arrows) meets the viewport.
    let first = geo.rows.partition_point(|r| *r <= oy).saturating_sub(1);
    let last = geo.rows.partition_point(|r| *r < oy + vh);
    for (l, layer) in layout.layers.iter().enumerate() {
        let real = || layer.iter().filter(|v| !layout.is_dummy(**v));
        if l < first || l >= last {
            let n = real().count();
            if geo.rows[l] < oy {
                out.above += n;
            } else {
                out.below += n;
            }
            continue;
        }
        let y0 = geo.rows[l];
        if y0 < oy {
            out.above += real().count();
        } else if y0 >= oy + vh {
            out.below += real().count();
        } else {
            place_row(state, cache, layer, (sel, blast), viewport, &mut out);
        }
        let next = geo.rows.get(l + 1).copied().unwrap_or(y0 + 3);
        for &v in layer {
            let p = layout.placed[v];
            if layout.is_dummy(v) && visible(p.x, y0) {
                let cell = grid.entry((p.x, y0)).or_default();
                cell.add(v, VERTICAL);
                cell.hot |= hot_dummies.contains(&v);
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
                let arrow = (!layout.is_dummy(b)).then_some(if reversed { '▲' } else { '▼' });
                let mut mark = |x: u32, y: u32, m: u8, arrow: Option<char>| {
                    if visible(x, y) {
                        let cell = grid.entry((x, y)).or_default();
                        cell.add(v, m);
                        cell.hot |= hot;
                        if arrow.is_some() && cell.arrow != Some('▼') {
                            cell.arrow = arrow;
                        }
                    }
                };
                let last_row = |y: u32| (y + 1 == next).then_some(arrow).flatten();
                if ca == cb {
                    for y in y0 + 1..next {
                        mark(ca, y, VERTICAL, last_row(y));
                    }
                    continue;
                }
                for y in y0 + 1..t {
                    mark(ca, y, VERTICAL, None);
                }
                mark(ca, t, UP | if cb > ca { RIGHT } else { LEFT }, None);
                let (lo, hi) = (ca.min(cb), ca.max(cb));
                for x in (lo + 1).max(ox)..hi.min(ox + vw) {
                    mark(x, t, HORIZONTAL, None);
                }
                mark(cb, t, DOWN | if ca < cb { LEFT } else { RIGHT }, None);
                for y in t + 1..next {
                    mark(cb, y, VERTICAL, last_row(y));
                }
            }
        }
    }
    out.cells = grid
        .into_iter()
        .map(|((x, y), cell)| {
            out.crossings += usize::from(cell.is_crossing());
            EdgeCell {
                x: u16::try_from(x - ox).unwrap_or(u16::MAX),
                y: u16::try_from(y - oy).unwrap_or(u16::MAX),
                ch: cell.glyph(),
                blast: cell.hot,
            }
        })
        .collect();
    out
}

/// The dummies of trunks that carry an edge inside the blast radius: a trunk is hot down to its deepest hot
/// edge.
fn hot_dummies(
    cache: &DagLayout,
    blast: &HashSet<usize>,
    edge_in_blast: &dyn Fn(usize) -> bool,
) -> HashSet<usize> {
    let layout = &cache.graph.layout;
    let mut hot = HashSet::new();
    if blast.is_empty() {
        return hot;
    }
    for (e, routed) in layout.edges.iter().enumerate() {
        if !edge_in_blast(e) {
            continue;
        }
        let mut at = routed.via;
        while let Some(d) = at.filter(|d| layout.is_dummy(*d)) {
            if !hot.insert(d) {
                break;
            }
            at = layout.above.get(d - layout.node_count).copied();
        }
    }
    hot
}

/// The boxes of one visible layer row: those that fit drawn, the others counted in the edge markers (whose
/// columns no box may take).
fn place_row(
    state: &State,
    cache: &DagLayout,
    layer: &[usize],
    (sel, blast): (Option<usize>, &HashSet<usize>),
    (ox, oy, vw, _): Viewport,
    out: &mut Canvas,
) {
    let layout = &cache.graph.layout;
    let y = cache.geometry.rows[layout.placed[layer[0]].layer as usize];
    let real: Vec<usize> = layer
        .iter()
        .copied()
        .filter(|v| !layout.is_dummy(*v))
        .collect();
    // Room for boxes: the canvas less the columns of the markers needed (two passes: a marker's room can push
    // one more box out).
    let (mut lo, mut hi) = (ox, ox + vw);
    let mut counts = (0, 0);
    for _ in 0..2 {
        counts = real.iter().fold((0, 0), |(l, r), v| {
            let p = layout.placed[*v];
            if p.x < lo {
                (l + 1, r)
            } else if p.x + p.width > hi {
                (l, r + 1)
            } else {
                (l, r)
            }
        });
        lo = ox
            + if counts.0 > 0 {
                marker_room(counts.0, true)
            } else {
                0
            };
        hi = (ox + vw).saturating_sub(if counts.1 > 0 {
            marker_room(counts.1, false)
        } else {
            0
        });
    }
    let row = u16::try_from(y - oy).unwrap_or(u16::MAX);
    for v in real {
        let p = layout.placed[v];
        let fits = p.x >= lo && p.x + p.width <= hi;
        let overlaps = p.x < ox + vw && p.x + p.width > ox;
        if fits || (Some(v) == sel && overlaps) {
            out.boxes
                .push(box_view(state, cache, v, sel, blast, (ox, oy)));
        }
    }
    if counts.0 > 0 {
        out.markers.push(MarkerView {
            x: 0,
            y: row,
            text: marker(counts.0, true),
        });
    }
    if counts.1 > 0 {
        let text = marker(counts.1, false);
        let width = u32::try_from(fit::width(&text)).unwrap_or(0);
        out.markers.push(MarkerView {
            x: u16::try_from(vw.saturating_sub(width)).unwrap_or(0),
            y: row,
            text,
        });
    }
}

/// `◀ 3` (boxes off to the left) or `3 ▶` (off to the right).
fn marker(count: usize, left: bool) -> String {
    if left {
        format!("◀ {count}")
    } else {
        format!("{count} ▶")
    }
}

/// Columns a marker keeps free: its text and a space.
fn marker_room(count: usize, left: bool) -> u32 {
    u32::try_from(fit::width(&marker(count, left)) + 1).unwrap_or(u32::MAX / 4)
}

/// The glyph-carrying health of a folded node (`None`: a missing object).
#[must_use]
pub fn node_health(state: &State, node: &FoldedNode) -> Option<Health> {
    match node {
        FoldedNode::Chain(_) => Some(Health::Blocked),
        FoldedNode::Object(r) => match state.graph.node(r) {
            Some(n) if matches!(n.state, NodeState::Implied | NodeState::NoAccess) => {
                Some(Health::Unknown)
            }
            Some(n) => n.health,
            None => None,
        },
    }
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
        label(
            node,
            &cache.names[v],
            cache.warned.contains(&v),
            cache.timing.get(v).copied().flatten()
        )
    );
    // Only the selection can be cut (it is wider than the canvas): the columns left of it go, marked `…`.
    let skip = usize::try_from(ox.saturating_sub(p.x)).unwrap_or(usize::MAX);
    let text = if skip > 0 {
        let rest = fit::width(&text).saturating_sub(skip + 1);
        let tail: String = text
            .chars()
            .rev()
            .scan(0, |used, c| {
                *used += fit::width(c.encode_utf8(&mut [0; 4]));
                (*used <= rest).then_some(c)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    } else {
        text
    };
    BoxView {
        x: u16::try_from(p.x.max(ox) - ox).unwrap_or(u16::MAX),
        y: u16::try_from(cache.geometry.rows[p.layer as usize] - oy).unwrap_or(u16::MAX),
        text,
        health,
        selected: Some(v) == sel,
        blast: in_blast,
        timing: cache.timing.get(v).copied().flatten(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn lines_of_two_nets_cross_lines_of_one_net_join() {
        let mut crossing = Cell::default();
        crossing.add(1, HORIZONTAL);
        crossing.add(2, VERTICAL);
        assert_eq!(crossing.glyph(), CROSSING);
        let mut joint = Cell::default();
        joint.add(1, HORIZONTAL);
        joint.add(1, VERTICAL);
        assert_eq!(joint.glyph(), '┼');
        // Two edges into one box: one net's drop meets another's corner; they merge.
        let mut merge = Cell::default();
        merge.add(1, VERTICAL);
        merge.add(2, DOWN | LEFT);
        assert_eq!(merge.glyph(), '┤');
    }
}

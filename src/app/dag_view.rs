//! The DAG screen's view model: the part of the laid-out canvas that fits the screen (node boxes and edge cells
//! with box-drawing characters, already clipped and in screen coordinates), and the panel about the selection
//! and the graph's warnings. Built from the cached layout in time proportional to what is visible (plus one
//! pass over the laid-out edges for the blast radius); every string is sanitised here.
//!
//! Canvas geometry: layer `L`'s boxes are on row `3L`; the edges from layer `L` to `L + 1` run down from the
//! upper box's centre, along row `3L + 1` (one horizontal track shared by all edges, merged into `┬ ┴ ┼ …`),
//! and down row `3L + 2` into the lower box, with `▼` above a dependent (`▲` for an edge drawn reversed to
//! break a cycle). A long edge passes the layers in between as `│` where its dummy node sits.

use super::dag::{DagLayout, DagNode, label};
use super::state::State;
use super::view::glyph;
use crate::flux::{Health, ResourceRef};
use crate::graph::NodeState;
use crate::graph::layout::collapse::FoldedNode;
use crate::text::sanitize_line;
use std::collections::{BTreeMap, HashSet};

/// Rows per layer on the canvas.
pub const PITCH: u32 = 3;
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
            if let Some(i) = cache.graph.folded.index.get(d) {
                out.insert(*i);
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
        let y = p.layer * PITCH;
        let (ox, oy) = state.dag.offset;
        let ox = scroll_to(ox, p.x, p.x + p.width, vw, MARGIN);
        let oy = scroll_to(oy, y, y + 1, vh, PITCH);
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
        cache.shown.len(),
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
    let first = oy / PITCH;
    let last = (oy + vh) / PITCH;
    for l in first.saturating_sub(1)..=last {
        let Some(layer) = layout.layers.get(l as usize) else {
            continue;
        };
        let y0 = l * PITCH;
        for &v in layer {
            let p = layout.placed[v];
            if layout.is_dummy(v) {
                let hot = cache.segments[v].iter().any(|(_, e)| edge_in_blast(*e));
                let cell = grid.entry((p.x, y0)).or_insert((0, false, None));
                cell.0 |= UP | DOWN;
                cell.1 |= hot;
            } else if y0 >= oy && y0 < oy + vh && p.x < ox + vw && p.x + p.width > ox {
                boxes.push(box_view(state, cache, v, sel, blast, (ox, oy)));
            }
            let ca = p.centre();
            for &(b, e) in &cache.segments[v] {
                let cb = layout.placed[b].centre();
                let hot = edge_in_blast(e);
                let t = y0 + 1;
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
                let side_a = match cb.cmp(&ca) {
                    std::cmp::Ordering::Greater => RIGHT,
                    std::cmp::Ordering::Less => LEFT,
                    std::cmp::Ordering::Equal => DOWN,
                };
                mark(ca, t, UP | side_a, None);
                if ca != cb {
                    let (lo, hi) = (ca.min(cb), ca.max(cb));
                    for x in (lo + 1).max(ox)..hi.min(ox + vw) {
                        mark(x, t, LEFT | RIGHT, None);
                    }
                    mark(cb, t, DOWN | if ca < cb { LEFT } else { RIGHT }, None);
                }
                let arrow = (!layout.is_dummy(b)).then_some(if layout.edges[e].reversed {
                    '▲'
                } else {
                    '▼'
                });
                mark(cb, t + 1, UP | DOWN, arrow);
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
        y: u16::try_from(p.layer * PITCH - oy).unwrap_or(u16::MAX),
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
                "blast radius: {radius} object{} depend on it",
                if radius == 1 { "" } else { "s" }
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

//! The navigator pane: the visible window of the tree of objects, drawn with tui-tree-widget's `Tree`, one row per
//! node: glyph, kind, namespace/name, reason, and for blocked rows the root cause; a mark of an object whose place
//! is elsewhere in the tree says so (`↑ shown above`). Each row is fitted to the pane: the name is shortened in the
//! middle only when nothing else fits, the reason and the root cause at the end, always with `…`.
//!
//! Only the window's rows become `TreeItem`s: they form a small forest under stand-ins for the ancestors above the
//! window, and the `TreeState` scrolls past those stand-ins so the widget shows exactly the window.

use super::style::{glyph, health_style};
use crate::app::view::{Fold, NavigatorView, NodeView, View};
use crate::config::Theme;
use crate::flux::FluxKind;
use crate::layout::fit;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, StatefulWidget, Widget};
use tui_tree_widget::{Tree, TreeItem, TreeState};

/// Follows the name of a mark (an object whose place is under another parent).
const MARK: &str = "  ↪";

/// Marks the selected row.
const HIGHLIGHT: &str = "> ";

/// Identifies an item of the window's forest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    /// The window's row at this index.
    Row(usize),
    /// Stand-in for the first row's ancestor at this depth (above the window, never drawn).
    Above(usize),
    /// Hidden child of the row at this index: gives an open or closed row whose children are outside the
    /// window its arrow.
    Hidden(usize),
    /// Selected when the selected row is outside the window (matches no item), so the selection column shows.
    Elsewhere,
}

/// An item whose children are still being collected.
struct Open<'a> {
    slot: Slot,
    line: Line<'a>,
    children: Vec<TreeItem<'a, Slot>>,
}

impl<'a> Open<'a> {
    fn finish(self) -> TreeItem<'a, Slot> {
        let Open {
            slot,
            line,
            children,
        } = self;
        TreeItem::new(slot, line.clone(), children)
            .unwrap_or_else(|_| TreeItem::new_leaf(slot, line))
    }
}

/// The window's rows as a forest under the stand-ins for their ancestors above the window, and the state that
/// opens what is open and selects what is selected.
fn forest<'a>(
    theme: &Theme,
    nav: &NavigatorView,
    width: u16,
) -> (Vec<TreeItem<'a, Slot>>, TreeState<Slot>) {
    let rows = &nav.rows;
    let has_selection = nav.has_selection;
    let mut state = TreeState::default();
    let mut roots = Vec::new();
    let above = rows.first().map_or(0, |n| n.depth - nav.indent_from);
    let kind_width = kind_column();
    // The items from the root down to the last one pushed; `path` holds their slots.
    let mut stack: Vec<Open<'a>> = (0..above)
        .map(|d| Open {
            slot: Slot::Above(d),
            line: Line::default(),
            children: Vec::new(),
        })
        .collect();
    let mut path: Vec<Slot> = Vec::new();
    for d in 0..above {
        path.push(Slot::Above(d));
        state.open(path.clone());
    }
    let close =
        |stack: &mut Vec<Open<'a>>, roots: &mut Vec<TreeItem<'a, Slot>>, path: &mut Vec<Slot>| {
            if let Some(done) = stack.pop() {
                path.pop();
                let item = done.finish();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(item),
                    None => roots.push(item),
                }
            }
        };
    for (i, node) in rows.iter().enumerate() {
        let depth = node.depth - nav.indent_from;
        // A row's parent is the last item one level up (rows are a contiguous part of the tree in order).
        while stack.len() > depth {
            close(&mut stack, &mut roots, &mut path);
        }
        path.push(Slot::Row(i));
        if node.fold == Fold::Open {
            state.open(path.clone());
        }
        if node.selected {
            state.select(path.clone());
        }
        // The widget draws the selection mark, two columns per level and the fold arrow before the line.
        let room = usize::from(width)
            .saturating_sub(if has_selection { HIGHLIGHT.len() } else { 0 })
            .saturating_sub(2 * depth + 2);
        stack.push(Open {
            slot: Slot::Row(i),
            line: row_line(theme, node, kind_width, room),
            children: Vec::new(),
        });
        // Children outside the window: a hidden child gives the row its arrow.
        let next_is_child = rows.get(i + 1).is_some_and(|n| n.depth > node.depth);
        if node.fold != Fold::Leaf
            && !next_is_child
            && let Some(top) = stack.last_mut()
        {
            top.children.push(TreeItem::new_leaf(Slot::Hidden(i), ""));
        }
    }
    while !stack.is_empty() {
        close(&mut stack, &mut roots, &mut path);
    }
    if has_selection && state.selected().is_empty() {
        state.select(vec![Slot::Elsewhere]);
    }
    (roots, state)
}

/// Draws the tree pane: the rows of the view's window, indented by depth, the selected one highlighted.
pub fn draw(frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
    let theme = view.theme;
    let nav = &view.navigator;
    let border = if view.detail_focused {
        theme.border
    } else {
        theme.border_focused
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(nav.title.clone(), theme.title));
    if nav.total_rows == 0 {
        let text = if nav.filter.as_deref().is_some_and(|f| !f.is_empty()) {
            "Nothing matches the filter."
        } else {
            view.empty.as_str()
        };
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.text_dim))
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    }
    let inner = block.inner(area);
    let buf = frame.buffer_mut();
    buf.set_style(area, theme.text);
    block.render(area, buf);
    let (items, mut state) = forest(theme, nav, inner.width);
    let tree = match Tree::new(&items) {
        Ok(tree) => tree
            .style(theme.text)
            .highlight_style(theme.selection)
            .highlight_symbol(HIGHLIGHT),
        Err(e) => {
            Paragraph::new(e.to_string()).render(inner, buf);
            return;
        }
    };
    // The widget accepts a scroll offset only up to the rows it last drew: a draw into a scratch cell teaches it
    // how many there are, then it scrolls past the stand-ins above the window.
    let above = nav.rows.first().map_or(0, |n| n.depth - nav.indent_from);
    let mut scratch = Buffer::empty(Rect::new(0, 0, 1, 1));
    let selected = state.selected().to_vec();
    state.select(Vec::new());
    StatefulWidget::render(tree.clone(), scratch.area, &mut scratch, &mut state);
    state.scroll_down(above);
    state.select(selected);
    // Never more lines than the window has, so hidden children after its last row stay hidden.
    let rows = u16::try_from(nav.rows.len()).unwrap_or(u16::MAX);
    let tree_area = Rect {
        height: inner.height.min(rows),
        ..inner
    };
    StatefulWidget::render(tree, tree_area, buf, &mut state);
}

/// `Kind/namespace/name` written as the rows write objects, `KS namespace/name` (the kind's short name); other
/// text as it is.
fn compact_ref(text: &str) -> String {
    match text.split_once('/') {
        Some((kind, rest)) => match FluxKind::ALL.into_iter().find(|k| k.as_str() == kind) {
            Some(k) => format!("{} {rest}", k.abbrev()),
            None => text.to_owned(),
        },
        None => text.to_owned(),
    }
}

/// Columns of the kind column: the longest short name of a kind.
fn kind_column() -> usize {
    FluxKind::ALL
        .into_iter()
        .map(|k| fit::width(k.abbrev()))
        .max()
        .unwrap_or(0)
}

/// Where a text too long for its room is shortened: at its end, in its middle (a reason, a revision with its
/// rollout `⇣ 3/8` after it), or an object's name in its namespace or middle (`fit::name`).
#[derive(Clone, Copy)]
enum Cut {
    End,
    Middle,
    Name,
}

/// One row's line in `room` columns: glyph, kind (padded to `kind_width`), name, then the reason and the root
/// cause (or what it waits on) as far as they fit.
fn row_line<'a>(theme: &Theme, node: &NodeView, kind_width: usize, room: usize) -> Line<'a> {
    let row = &node.row;
    let style = health_style(theme, row.health);
    let lead = 1 + 1 + kind_width + 1;
    // A mark always says it is one (`↪`), even when its name has to be shortened for it.
    let arrow = if node.mark { fit::width(MARK) } else { 0 };
    let name = fit::name(&row.name, room.saturating_sub(lead + arrow)).into_owned();
    let mut left = room.saturating_sub(lead + fit::width(&name) + arrow);
    let mut spans = vec![
        Span::styled(glyph(row.health), style),
        // Marked for a bulk action (one cell, where the space is).
        if node.picked {
            Span::styled("•", theme.title)
        } else {
            Span::raw(" ")
        },
        Span::styled(fit::pad(row.kind, kind_width), theme.text_dim),
        Span::raw(" "),
        Span::styled(
            name,
            if node.mark {
                theme.text_dim
            } else {
                theme.text
            },
        ),
    ];
    if node.mark {
        spans.push(Span::styled(MARK, theme.text_dim));
    }
    // Each extra (a lead and a text) takes what is left, its text shortened with `…`; one that would show too
    // little of its text to be read (a few columns of a reason, a dozen of an object's name) is left out.
    let mut extra = |lead: &str, text: &str, cut: Cut, style| {
        let room = left.saturating_sub(fit::width(lead));
        let full = fit::width(text);
        let (least, text) = match cut {
            Cut::End => (6, fit::end(text, room)),
            Cut::Middle => (9, fit::middle(text, room)),
            Cut::Name => (12, fit::name(text, room)),
        };
        if room < least.min(full) {
            return;
        }
        let text = text.into_owned();
        left = room.saturating_sub(fit::width(&text));
        spans.push(Span::styled(format!("{lead}{text}"), style));
    };
    if node.mark {
        match &node.placed_under {
            Some(parent) => extra(" under ", &compact_ref(parent), Cut::Name, theme.text_dim),
            None => extra(" ", "shown as a root", Cut::End, theme.text_dim),
        }
        return Line::from(spans);
    }
    // Stuck / overdue first: whatever the health, it is what the row must not hide.
    if let Some((mark, text)) = &row.timing {
        extra(
            "  ",
            &format!("{} {text}", mark.glyph()),
            Cut::End,
            theme.timing_flag,
        );
    }
    if !row.reason.is_empty() {
        extra("  ", &row.reason, Cut::Middle, style);
    }
    if let Some(cause) = &row.blocked_by {
        extra(
            "  ← blocked by ",
            &compact_ref(cause),
            Cut::Name,
            theme.root_cause,
        );
    } else if let Some(dep) = &row.waiting_on {
        extra(
            "  ← waiting on ",
            &compact_ref(dep),
            Cut::Name,
            theme.text_dim,
        );
    }
    Line::from(spans)
}

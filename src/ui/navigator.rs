//! The navigator pane: the visible window of the tree of objects, drawn with tui-tree-widget's `Tree`, one row per
//! node: glyph, kind, namespace/name, reason, and for blocked rows the root cause.
//!
//! Only the window's rows become `TreeItem`s: they form a small forest under stand-ins for the ancestors above the
//! window, and the `TreeState` scrolls past those stand-ins so the widget shows exactly the window.

use super::style::{glyph, health_style};
use crate::app::view::{Fold, NodeView, View};
use crate::config::Theme;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, StatefulWidget, Widget};
use tui_tree_widget::{Tree, TreeItem, TreeState};

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
    rows: &[NodeView],
    has_selection: bool,
) -> (Vec<TreeItem<'a, Slot>>, TreeState<Slot>) {
    let mut state = TreeState::default();
    let mut roots = Vec::new();
    let above = rows.first().map_or(0, |n| n.depth);
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
        // A row's parent is the last item one level up (rows are a contiguous part of the tree in order).
        while stack.len() > node.depth {
            close(&mut stack, &mut roots, &mut path);
        }
        path.push(Slot::Row(i));
        if node.fold == Fold::Open {
            state.open(path.clone());
        }
        if node.selected {
            state.select(path.clone());
        }
        stack.push(Open {
            slot: Slot::Row(i),
            line: row_line(theme, node),
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
    let (items, mut state) = forest(theme, &nav.rows, nav.has_selection);
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
    let above = nav.rows.first().map_or(0, |n| n.depth);
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

fn row_line<'a>(theme: &Theme, node: &NodeView) -> Line<'a> {
    let row = &node.row;
    let style = health_style(theme, row.health);
    let mut spans = vec![
        Span::styled(glyph(row.health), style),
        Span::raw(" "),
        Span::styled(format!("{:<5}", row.kind), theme.text_dim),
        Span::raw(" "),
        Span::styled(row.name.clone(), theme.text),
    ];
    if !row.reason.is_empty() {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(row.reason.clone(), style));
    }
    if let Some(cause) = &row.blocked_by {
        spans.push(Span::styled(
            format!("  ← blocked by {cause}"),
            theme.root_cause,
        ));
    } else if let Some(dep) = &row.waiting_on {
        spans.push(Span::styled(
            format!("  ← waiting on {dep}"),
            theme.text_dim,
        ));
    }
    Line::from(spans)
}

//! The navigator pane: the visible window of the tree of objects, one row per node (drawn the way
//! tui-tree-widget draws a tree): glyph, kind, namespace/name, reason, and for blocked rows the root cause.

use super::style::{glyph, health_style};
use crate::app::view::{Fold, NodeView, View};
use crate::config::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

/// Marks the selected row.
const HIGHLIGHT: &str = "> ";

/// What a row's node shows before the glyph: nothing below it, open, closed.
fn fold_symbol(fold: Fold) -> &'static str {
    match fold {
        Fold::Leaf => "  ",
        Fold::Open => "\u{25bc} ",
        Fold::Closed => "\u{25b6} ",
    }
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
            "No Flux objects (yet)."
        };
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.text_dim)).block(block),
            area,
        );
        return;
    }
    let inner = block.inner(area);
    let buf = frame.buffer_mut();
    buf.set_style(area, theme.text);
    block.render(area, buf);
    if inner.width < 1 || inner.height < 1 {
        return;
    }
    let height = usize::from(inner.height);
    // The window fits the pane; should it not, the selected row still shows.
    let skip = nav
        .rows
        .iter()
        .position(|n| n.selected)
        .map_or(0, |i| (i + 1).saturating_sub(height));
    for (y, node) in (inner.y..).zip(nav.rows.iter().skip(skip).take(height)) {
        let row = Rect {
            y,
            height: 1,
            ..inner
        };
        let line = row_line(theme, node);
        let style = line.style;
        let right = inner.x + inner.width;
        let mut x = inner.x;
        if nav.has_selection {
            let symbol = if node.selected { HIGHLIGHT } else { "  " };
            x = buf
                .set_stringn(x, y, symbol, usize::from(right - x), style)
                .0;
        }
        let indent = (node.depth * 2).min(usize::from(right - x));
        x = buf.set_stringn(x, y, " ".repeat(indent), indent, style).0;
        x = buf
            .set_stringn(x, y, fold_symbol(node.fold), usize::from(right - x), style)
            .0;
        let text_area = Rect {
            x,
            width: right - x,
            ..row
        };
        Text::from(line).render(text_area, buf);
        if node.selected {
            buf.set_style(row, theme.selection);
        }
    }
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

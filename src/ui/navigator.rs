//! The navigator pane: the tree of objects (tui-tree-widget), one row per node:
//! glyph, kind, namespace/name, reason, and for blocked rows the root cause.

use super::style::{glyph, health_style};
use crate::app::view::{NodeView, View};
use crate::config::Theme;
use crate::flux::ResourceRef;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use tui_tree_widget::{Tree, TreeItem, TreeState};

pub fn draw(
    frame: &mut Frame<'_>,
    area: Rect,
    view: &View<'_>,
    state: &mut TreeState<ResourceRef>,
) {
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
    if nav.nodes.is_empty() {
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
    let items: Vec<TreeItem<'_, ResourceRef>> = nav.nodes.iter().map(|n| item(theme, n)).collect();
    sync(state, &nav.opened, &nav.selected);
    match Tree::new(&items) {
        Ok(tree) => {
            let tree = tree
                .block(block)
                .style(theme.text)
                .highlight_style(theme.selection)
                .highlight_symbol("> ");
            frame.render_stateful_widget(tree, area, state);
        }
        Err(e) => frame.render_widget(Paragraph::new(e.to_string()).block(block), area),
    }
}

/// Copies the open set and selection of the view into the widget state (keeping its scroll offset).
fn sync(
    state: &mut TreeState<ResourceRef>,
    opened: &std::collections::HashSet<Vec<ResourceRef>>,
    selected: &[ResourceRef],
) {
    if state.opened() != opened {
        state.close_all();
        for path in opened {
            state.open(path.clone());
        }
    }
    if state.selected() != selected {
        state.select(selected.to_vec());
    }
}

fn item<'a>(theme: &Theme, node: &NodeView) -> TreeItem<'a, ResourceRef> {
    let line = row_line(theme, node);
    let mut children: Vec<TreeItem<'a, ResourceRef>> =
        node.children.iter().map(|c| item(theme, c)).collect();
    if node.expandable && children.is_empty() {
        // A closed node: one placeholder child so the widget draws the "closed" arrow.
        children.push(TreeItem::new_leaf(node.id.clone(), ""));
    }
    TreeItem::new(node.id.clone(), line.clone(), children)
        .unwrap_or_else(|_| TreeItem::new_leaf(node.id.clone(), line))
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

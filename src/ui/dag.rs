//! The DAG screen: the canvas (edge cells, markers of the boxes beyond its edges, then node boxes, from the view
//! model's visible part) in a bordered pane whose border counts the boxes above and below, and the panel about the selection and the graph's warnings — beside the canvas on wide terminals,
//! below it otherwise.

use super::style::{glyph, health_style};
use crate::app::view::{DagView, View};
use crate::config::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(frame: &mut Frame<'_>, main: Rect, view: &View<'_>, dag: &DagView) {
    let theme = view.theme;
    let (canvas, panel) = crate::layout::dag_areas(main);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(dag.title.clone(), theme.title));
    // What lies above and below the canvas, on its border.
    if dag.above > 0 {
        block = block.title_top(
            Line::styled(format!(" ▲ {} above ", dag.above), theme.key_hint).right_aligned(),
        );
    }
    if dag.below > 0 {
        block = block.title_bottom(
            Line::styled(format!(" ▼ {} below ", dag.below), theme.key_hint).right_aligned(),
        );
    }
    let inner = block.inner(canvas);
    frame.render_widget(block, canvas);
    if dag.boxes.is_empty() && dag.cells.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(view.empty.as_str(), theme.text_dim))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
    }
    draw_canvas(frame, inner, theme, dag);
    draw_panel(frame, panel, theme, dag);
}

fn draw_canvas(frame: &mut Frame<'_>, inner: Rect, theme: &Theme, dag: &DagView) {
    let buf = frame.buffer_mut();
    for cell in &dag.cells {
        if cell.x >= inner.width || cell.y >= inner.height {
            continue;
        }
        let style = if cell.blast {
            theme.root_cause
        } else {
            theme.text_dim
        };
        let (x, y) = (inner.x + cell.x, inner.y + cell.y);
        buf.set_string(x, y, cell.ch.to_string(), style);
    }
    for m in &dag.markers {
        if m.x < inner.width && m.y < inner.height {
            let room = usize::from(inner.width - m.x);
            buf.set_stringn(inner.x + m.x, inner.y + m.y, &m.text, room, theme.key_hint);
        }
    }
    for b in &dag.boxes {
        if b.x >= inner.width || b.y >= inner.height {
            continue;
        }
        let mut style = health_style(theme, b.health);
        if b.selected {
            style = style.patch(theme.selection);
        }
        let room = usize::from(inner.width - b.x);
        buf.set_stringn(inner.x + b.x, inner.y + b.y, &b.text, room, style);
        // The stuck / overdue mark in its own role (the box may be cut on the left: find it in the text).
        if let Some(mark) = b.timing
            && let Some(col) = column_of(&b.text, mark.glyph())
            && col < room
            && let Some(cell) = buf.cell_mut((
                inner.x + b.x + u16::try_from(col).unwrap_or(u16::MAX),
                inner.y + b.y,
            ))
        {
            cell.set_style(theme.timing_flag);
        }
    }
}

/// The column at which the last `needle` starts in `text` (the mark follows the name), counting display widths.
fn column_of(text: &str, needle: &str) -> Option<usize> {
    let at = text.rfind(needle)?;
    Some(Span::raw(&text[..at]).width())
}

/// `text` wrapped to `width` after a `mark` on its first line, later lines indented as far as the mark.
fn marked<'a>(mark: &str, text: &str, width: usize, style: ratatui::style::Style) -> Vec<Line<'a>> {
    let indent = Span::raw(mark).width();
    crate::layout::fit::wrap(text, width.saturating_sub(indent))
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let head = if i == 0 {
                mark.to_owned()
            } else {
                " ".repeat(indent)
            };
            Line::from(vec![Span::styled(head, style), Span::styled(l, style)])
        })
        .collect()
}

fn draw_panel(frame: &mut Frame<'_>, area: Rect, theme: &Theme, dag: &DagView) {
    let p = &dag.panel;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(" Selected ", theme.title));
    let width = usize::from(block.inner(area).width);
    let mut lines = marked(
        &format!("{} ", glyph(p.health)),
        &p.heading,
        width,
        theme.title,
    );
    // The selection's own warnings first: on a small terminal the panel has few rows.
    for (_, text) in p.warnings.iter().filter(|(m, _)| *m) {
        lines.extend(marked("⚠ ", text, width, theme.event_warning));
    }
    for fact in &p.facts {
        lines.extend(marked("", fact, width, theme.text));
    }
    let mine = p.warnings.iter().filter(|(m, _)| *m).count();
    let heading = match (p.warnings.len(), mine) {
        (0, _) => "No warnings".to_owned(),
        (n, 0) => format!("Warnings ({n})"),
        (n, m) => format!("Warnings ({n}, {m} above on the selection)"),
    };
    lines.extend(marked("", &heading, width, theme.title));
    for (_, text) in p.warnings.iter().filter(|(m, _)| !*m) {
        lines.extend(marked("⚠ ", text, width, theme.text_dim));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

//! The DAG screen: the canvas (edge cells, then node boxes, from the view model's visible part) in a bordered
//! pane, and the panel about the selection and the graph's warnings — beside the canvas on wide terminals,
//! below it otherwise.

use super::style::{glyph, health_style};
use crate::app::view::{DagView, View};
use crate::config::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Width of the side panel on wide terminals.
const SIDE_PANEL: u16 = 42;
/// Height of the bottom panel on narrow terminals.
const BOTTOM_PANEL: u16 = 7;

/// The canvas pane and the panel inside the main area.
#[must_use]
pub fn areas(main: Rect) -> (Rect, Rect) {
    if main.width >= super::WIDE {
        let [canvas, panel] =
            Layout::horizontal([Constraint::Min(20), Constraint::Length(SIDE_PANEL)]).areas(main);
        (canvas, panel)
    } else {
        let panel_rows = BOTTOM_PANEL.min(main.height / 3);
        let [canvas, panel] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(panel_rows)]).areas(main);
        (canvas, panel)
    }
}

/// The canvas pane's inside (what the view model fills).
#[must_use]
pub fn canvas_inner(main: Rect) -> Rect {
    let (canvas, _) = areas(main);
    Block::default().borders(Borders::ALL).inner(canvas)
}

pub fn draw(frame: &mut Frame<'_>, main: Rect, view: &View<'_>, dag: &DagView) {
    let theme = view.theme;
    let (canvas, panel) = areas(main);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(dag.title.clone(), theme.title));
    let inner = block.inner(canvas);
    frame.render_widget(block, canvas);
    if dag.boxes.is_empty() && dag.cells.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("No Flux objects (yet).", theme.text_dim)),
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
    }
}

fn draw_panel(frame: &mut Frame<'_>, area: Rect, theme: &Theme, dag: &DagView) {
    let p = &dag.panel;
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{} ", glyph(p.health)),
            health_style(theme, p.health),
        ),
        Span::styled(p.heading.clone(), theme.title),
    ])];
    // The selection's own warnings first: on a small terminal the panel has few rows.
    for (_, text) in p.warnings.iter().filter(|(m, _)| *m) {
        lines.push(Line::from(vec![
            Span::styled("⚠ ", theme.event_warning),
            Span::styled(text.clone(), theme.event_warning),
        ]));
    }
    for fact in &p.facts {
        lines.push(Line::styled(fact.clone(), theme.text));
    }
    let mine = p.warnings.iter().filter(|(m, _)| *m).count();
    let heading = match (p.warnings.len(), mine) {
        (0, _) => "No warnings".to_owned(),
        (n, 0) => format!("Warnings ({n})"),
        (n, m) => format!("Warnings ({n}, {m} above on the selection)"),
    };
    lines.push(Line::styled(heading, theme.title));
    for (_, text) in p.warnings.iter().filter(|(m, _)| !*m) {
        lines.push(Line::from(vec![
            Span::styled("⚠ ", theme.text_dim),
            Span::styled(text.clone(), theme.text_dim),
        ]));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(" Selected ", theme.title));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

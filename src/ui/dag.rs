//! The DAG screen: the canvas (edge cells, then node boxes, from the view model's visible part) in a bordered
//! pane, and the panel about the selection and the graph's warnings — beside the canvas on wide terminals,
//! below it otherwise.

use super::style::{glyph, health_style};
use crate::app::view::{DagView, View};
use crate::config::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

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

/// Breaks `text` into lines of at most `width` columns, after spaces or after `/` (so `Kind/namespace/name`
/// references wrap inside), cutting a piece only when it is longer than a whole line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let cols = |s: &str| Span::raw(s).width();
    let mut pieces: Vec<String> = Vec::new();
    let mut piece = String::new();
    for c in text.chars() {
        piece.push(c);
        if c == ' ' || c == '/' {
            pieces.push(std::mem::take(&mut piece));
        }
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    for piece in pieces {
        if !line.is_empty() && cols(&line) + cols(piece.trim_end()) > width {
            lines.push(line.trim_end().to_owned());
            line.clear();
        }
        for c in piece.chars() {
            if !line.is_empty() && cols(&line) + cols(&c.to_string()) > width && c != ' ' {
                lines.push(std::mem::take(&mut line));
            }
            if !(line.is_empty() && c == ' ') {
                line.push(c);
            }
        }
    }
    if !line.trim_end().is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// `text` wrapped to `width` after a `mark` on its first line, later lines indented as far as the mark.
fn marked<'a>(mark: &str, text: &str, width: usize, style: ratatui::style::Style) -> Vec<Line<'a>> {
    let indent = Span::raw(mark).width();
    wrap(text, width.saturating_sub(indent))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_references_wrap_after_a_slash_and_no_line_is_too_wide() {
        let text = "Kustomization/flux-system/observability is referenced but does not exist";
        let lines = wrap(text, 30);
        assert_eq!(lines[0], "Kustomization/flux-system/");
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut() {
        let lines = wrap("abcdefghij", 4);
        assert_eq!(lines, vec!["abcd", "efgh", "ij"]);
    }
}

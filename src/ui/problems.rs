//! The Problems screen: each root cause on two lines — status glyph, kind and name, with why, since when and how
//! many objects wait behind it on the right; the diagnosis headline below — or what an empty list means. The
//! "why" is a word, readable without colour; long names are shortened in the middle, headlines at the end.

use super::style::{glyph, health_style};
use crate::app::view::{ProblemRowView, ProblemsView, View};
use crate::config::Theme;
use crate::layout::fit;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

fn columns(text: &str) -> usize {
    fit::width(text)
}

fn item(theme: &Theme, r: &ProblemRowView, width: usize, selected: bool) -> [Line<'static>; 2] {
    let style = health_style(theme, r.health);
    let mut right = r.what.clone();
    if r.since != "-" {
        right.push_str(&format!(" · {}", r.since));
    }
    if r.waiting > 0 {
        right.push_str(&format!(" · {} waiting", r.waiting));
    }
    // The full kind unless the name would then be shortened.
    let fits = |kind: &str| {
        columns(&format!("{} {kind} ", glyph(r.health))) + columns(&r.name) + columns(&right) + 2
            <= width
    };
    let kind = if fits(r.kind) { r.kind } else { r.kind_short };
    let head = format!("{} {kind} ", glyph(r.health));
    let room = width.saturating_sub(columns(&head) + columns(&right) + 2);
    let name = fit::name(&r.name, room).into_owned();
    let pad = width.saturating_sub(columns(&head) + columns(&name) + columns(&right) + 1);
    let first = Line::from(vec![
        Span::styled(format!("{} ", glyph(r.health)), style),
        Span::styled(format!("{kind} "), theme.text_dim),
        Span::styled(name, theme.text),
        Span::raw(" ".repeat(pad + 1)),
        Span::styled(right, style),
    ]);
    let second = Line::from(vec![
        Span::raw("    "),
        Span::styled(
            fit::end(&r.headline, width.saturating_sub(4)).into_owned(),
            theme.text,
        ),
    ]);
    if selected {
        [first.style(theme.selection), second.style(theme.selection)]
    } else {
        [first, second]
    }
}

/// Draws the Problems list.
pub fn draw(frame: &mut Frame<'_>, area: Rect, view: &View<'_>, list: &ProblemsView) {
    let theme = view.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if view.detail_focused {
            theme.border
        } else {
            theme.border_focused
        })
        .title(Span::styled(list.title.clone(), theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if list.rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(list.empty.clone(), theme.text_dim))
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let width = usize::from(inner.width);
    let lines: Vec<Line<'static>> = list
        .rows
        .iter()
        .enumerate()
        .flat_map(|(i, r)| item(theme, r, width, list.selected == Some(i)))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

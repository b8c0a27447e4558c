//! The command line and the finder (the typed line over the footer, the candidates or matches in a box just
//! above the status bar) and the copy menu (a centred popup). Text is already safe (`app::prompt_view`).

use super::style::{glyph, health_style};
use crate::app::prompt_view::{CopyMenuView, PromptView};
use crate::config::Theme;
use crate::layout::fit;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Widest the copy menu gets.
const COPY_WIDTH: u16 = 110;

/// Draws the prompt: `line` is the footer row, `status` the status bar row, `main` the area above them.
pub fn draw(frame: &mut Frame<'_>, line: Rect, main: Rect, theme: &Theme, p: &PromptView) {
    let typed = Line::from(vec![
        Span::styled(p.prefix, theme.key_hint),
        Span::styled(format!("{}▏", p.text), theme.filter),
    ]);
    frame.render_widget(Clear, line);
    frame.render_widget(Paragraph::new(typed), line);
    let rows = u16::try_from(p.rows.len()).unwrap_or(u16::MAX);
    let height = rows.saturating_add(2).min(main.height);
    if height < 3 {
        return;
    }
    let width = main.width.min(80);
    let area = Rect {
        x: main.x,
        y: main.y + main.height - height,
        width,
        height,
    };
    let inner = usize::from(width.saturating_sub(2));
    let lines: Vec<Line<'_>> = p
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut spans = Vec::new();
            let mark = if p.highlighted == Some(i) {
                "▶ "
            } else {
                "  "
            };
            spans.push(Span::styled(mark, theme.key_hint));
            if let Some(health) = row.health {
                spans.push(Span::styled(
                    format!("{} ", glyph(health)),
                    health_style(theme, health),
                ));
            }
            let used: usize = spans.iter().map(Span::width).sum();
            let text_room = inner.saturating_sub(used);
            let text = fit::middle(&row.text, text_room).into_owned();
            let help_room = text_room.saturating_sub(text.chars().count() + 2);
            let style = if p.highlighted == Some(i) {
                theme.selection
            } else {
                theme.text
            };
            spans.push(Span::styled(text, style));
            if help_room > 0 && !row.help.is_empty() {
                spans.push(Span::styled(
                    format!("  {}", fit::end(&row.help, help_room)),
                    theme.text_dim,
                ));
            }
            Line::from(spans)
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" {} ", fit::end(&p.title, inner.saturating_sub(2))),
            theme.title,
        ));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Draws the copy menu centred in `screen`.
pub fn copy_menu(frame: &mut Frame<'_>, screen: Rect, theme: &Theme, m: &CopyMenuView) {
    let width = screen.width.min(COPY_WIDTH);
    let height = u16::try_from(m.entries.len() + 2)
        .unwrap_or(u16::MAX)
        .min(screen.height);
    if width < 10 || height < 3 {
        return;
    }
    let area = Rect {
        x: screen.x + (screen.width - width) / 2,
        y: screen.y + (screen.height - height) / 2,
        width,
        height,
    };
    let inner = usize::from(width - 2);
    let lines: Vec<Line<'_>> = m
        .entries
        .iter()
        .enumerate()
        .map(|(i, (key, label, preview, available))| {
            let head = format!("{key:>3} {label:<10} ");
            let room = inner.saturating_sub(head.chars().count() + 1);
            let style = match (i == m.highlighted, available) {
                (true, _) => theme.selection,
                (false, true) => theme.text,
                (false, false) => theme.text_dim,
            };
            Line::from(vec![
                Span::styled(if i == m.highlighted { "▶" } else { " " }, theme.key_hint),
                Span::styled(head, theme.key_hint),
                Span::styled(fit::middle(preview, room).into_owned(), style),
            ])
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" {} ", fit::middle(&m.title, inner.saturating_sub(2))),
            theme.title,
        ));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

//! The action popups: the menu and the form as centred popups over the screen, the confirm view over the main
//! area (its body scrolls, its prompt line stays). Text is already safe (`app::actions_view`).

use super::inspect::{style, wrap};
use crate::app::actions_view::{ActionsOverlay, ConfirmView, FormView, MenuView};
use crate::app::view::{InspectLine, Tone, View};
use crate::config::Theme;
use crate::layout::{self, fit};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Draws the overlay: `screen` is the whole terminal, `main` the main area.
pub fn draw(frame: &mut Frame<'_>, screen: Rect, main: Rect, view: &View<'_>, o: &ActionsOverlay) {
    match o {
        ActionsOverlay::Menu(m) => menu(frame, screen, view.theme, m),
        ActionsOverlay::Form(f) => form(frame, screen, view.theme, f),
        ActionsOverlay::Confirm(c) => confirm(frame, main, view.theme, c),
    }
}

fn block<'a>(theme: &Theme, title: &str) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(title.to_owned(), theme.title))
}

fn lines_of(theme: &Theme, lines: &[InspectLine], width: usize) -> Vec<Line<'static>> {
    lines
        .iter()
        .flat_map(|l| {
            let pieces: Vec<(Style, &str)> = l
                .pieces
                .iter()
                .map(|(t, text)| (style(theme, *t), text.as_str()))
                .collect();
            wrap(&pieces, width, l.hang)
        })
        .collect()
}

fn menu(frame: &mut Frame<'_>, screen: Rect, theme: &Theme, m: &MenuView) {
    let inner_width = usize::from(
        layout::ACTION_POPUP_WIDTH
            .min(screen.width)
            .saturating_sub(2),
    )
    .max(1);
    let mut lines: Vec<InspectLine> = Vec::new();
    let mut selected_row = 0;
    if let Some((tone, text)) = &m.status {
        lines.push(InspectLine {
            pieces: vec![(*tone, text.clone())],
            hang: 0,
        });
    }
    for (i, c) in m.choices.iter().enumerate() {
        if i == m.selected {
            selected_row = lines.len();
        }
        let cursor = if i == m.selected { "▶ " } else { "  " };
        lines.push(InspectLine {
            pieces: vec![(Tone::Title, cursor.to_owned()), (Tone::Text, c.clone())],
            hang: 2,
        });
    }
    for (i, r) in m.rows.iter().enumerate() {
        if i == m.selected {
            selected_row = lines.len();
        }
        let cursor = if i == m.selected { "▶ " } else { "  " };
        let name_tone = if r.runnable { Tone::Text } else { Tone::Dim };
        let mut pieces = vec![
            (Tone::Title, cursor.to_owned()),
            (name_tone, fit::pad(&r.action, 18)),
            (Tone::Dim, format!(" {:<6} ", r.executor)),
        ];
        if r.dangerous {
            pieces.push((Tone::Bad, "⚠ dangerous ".to_owned()));
        }
        pieces.push((r.tone, r.verdict.clone()));
        lines.push(InspectLine { pieces, hang: 28 });
        if i == m.selected && !r.help.is_empty() {
            lines.push(InspectLine {
                pieces: vec![(Tone::Dim, format!("    {}", r.help))],
                hang: 4,
            });
        }
        for w in &r.warnings {
            lines.push(InspectLine {
                pieces: vec![(Tone::Warning, format!("    ! {w}"))],
                hang: 6,
            });
        }
    }
    if let Some(note) = &m.note {
        lines.push(InspectLine {
            pieces: vec![(Tone::Bad, note.clone())],
            hang: 0,
        });
    }
    let drawn = lines_of(theme, &lines, inner_width);
    let height = u16::try_from(drawn.len() + 2).unwrap_or(u16::MAX);
    let area = layout::popup(screen, layout::ACTION_POPUP_WIDTH, height.max(4));
    // Keep the selected entry in sight in a short popup.
    let visible = usize::from(area.height.saturating_sub(2));
    let scroll = selected_row.saturating_sub(visible.saturating_sub(3));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(drawn)
            .block(block(theme, &m.title))
            .scroll((u16::try_from(scroll).unwrap_or(0), 0)),
        area,
    );
}

fn form(frame: &mut Frame<'_>, screen: Rect, theme: &Theme, f: &FormView) {
    let inner_width = usize::from(
        layout::ACTION_POPUP_WIDTH
            .min(screen.width)
            .saturating_sub(2),
    )
    .max(1);
    let mut lines = Vec::new();
    for (i, field) in f.fields.iter().enumerate() {
        let focused = i == f.focused;
        let cursor = if focused { "▏" } else { "" };
        lines.push(InspectLine {
            pieces: vec![
                (Tone::Label, format!("{} ", field.name)),
                (Tone::Dim, field.bounds.clone()),
            ],
            hang: 2,
        });
        if !field.help.is_empty() {
            lines.push(InspectLine {
                pieces: vec![(Tone::Dim, format!("  {}", field.help))],
                hang: 2,
            });
        }
        lines.push(InspectLine {
            pieces: vec![
                (
                    if focused { Tone::Title } else { Tone::Dim },
                    if focused {
                        "▶ ".to_owned()
                    } else {
                        "  ".to_owned()
                    },
                ),
                (Tone::Text, format!("{}{cursor}", field.value)),
            ],
            hang: 2,
        });
    }
    if let Some(e) = &f.error {
        lines.push(InspectLine {
            pieces: vec![(Tone::Bad, e.clone())],
            hang: 0,
        });
    }
    let drawn = lines_of(theme, &lines, inner_width);
    let height = u16::try_from(drawn.len() + 2).unwrap_or(u16::MAX);
    let area = layout::popup(screen, layout::ACTION_POPUP_WIDTH, height);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(drawn).block(block(theme, &f.title)), area);
}

fn confirm(frame: &mut Frame<'_>, main: Rect, theme: &Theme, c: &ConfirmView) {
    frame.render_widget(Clear, main);
    frame.render_widget(block(theme, &c.title), main);
    let (body, prompt) = layout::confirm_areas(main);
    let drawn = lines_of(theme, &c.lines, usize::from(body.width).max(1));
    let max_scroll =
        u16::try_from(drawn.len().saturating_sub(usize::from(body.height))).unwrap_or(u16::MAX);
    frame.render_widget(
        Paragraph::new(drawn).scroll((c.scroll.min(max_scroll), 0)),
        body,
    );
    let mut prompt_lines = Vec::new();
    if let Some(note) = &c.note {
        prompt_lines.push(InspectLine {
            pieces: vec![(Tone::Bad, note.clone())],
            hang: 0,
        });
    }
    prompt_lines.push(InspectLine {
        pieces: c.prompt.clone(),
        hang: 0,
    });
    let mut drawn = lines_of(theme, &prompt_lines, usize::from(prompt.width).max(1));
    // The prompt's last rows are what matter (the confirmation), the note above it.
    let keep = usize::from(prompt.height);
    if drawn.len() > keep {
        drawn.drain(..drawn.len() - keep);
    }
    // Bottom-aligned: the confirmation sits on the last row.
    while drawn.len() < keep {
        drawn.insert(0, Line::default());
    }
    frame.render_widget(Paragraph::new(drawn), prompt);
}

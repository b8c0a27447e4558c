//! The help overlay: every binding of every mode, generated from the keymap (so it cannot drift).

use crate::app::view::HelpView;
use crate::config::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame<'_>, area: Rect, theme: &Theme, help: &HelpView) {
    let [vertical] = Layout::vertical([Constraint::Percentage(90)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Max(90)])
        .flex(Flex::Center)
        .areas(vertical);
    let key_width = help
        .sections
        .iter()
        .flat_map(|s| s.entries.iter().map(|(k, _)| crate::text::width(k)))
        .max()
        .unwrap_or(0)
        .min(24);
    let mut lines = Vec::new();
    for (i, chunk) in help.legend.chunks(4).enumerate() {
        let head = if i == 0 { "Status  " } else { "        " };
        let mut spans = vec![Span::styled(head, theme.title)];
        for (glyph, meaning) in chunk {
            spans.push(Span::styled(format!("{glyph} "), theme.key_hint));
            spans.push(Span::styled(format!("{meaning:<12}"), theme.text));
        }
        lines.push(Line::from(spans));
    }
    for section in &help.sections {
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.push(Line::styled(format!("{} mode", section.mode), theme.title));
        for (keys, desc) in &section.entries {
            lines.push(Line::from(vec![
                // Padded by display width: a key can be a wide character.
                Span::styled(
                    format!(
                        "  {keys}{}  ",
                        " ".repeat(key_width.saturating_sub(crate::text::width(keys)))
                    ),
                    theme.key_hint,
                ),
                Span::styled(desc.clone(), theme.text),
            ]));
        }
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(
            " Help — keys come from the keymap ",
            theme.title,
        ));
    let visible = usize::from(popup.height.saturating_sub(2));
    let max_scroll = u16::try_from(lines.len().saturating_sub(visible)).unwrap_or(u16::MAX);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((help.scroll.min(max_scroll), 0)),
        popup,
    );
}

//! The drill-down screen: a bordered page titled with the object, a tab line (`y YAML  e Events  i Inventory`,
//! the shown tab highlighted) and the tab's lines, scrolled. Tones map to theme roles; text is already safe.

use crate::app::view::{InspectView, Tone, View};
use crate::config::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub(super) fn style(theme: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Text => theme.text,
        Tone::Dim => theme.text_dim,
        Tone::Label => theme.label,
        Tone::Title => theme.title,
        Tone::Good => theme.status_ready,
        Tone::Progress => theme.status_in_progress,
        Tone::Bad => theme.status_failing,
        Tone::Warning => theme.event_warning,
        Tone::Named => theme.root_cause,
        Tone::Strong => theme.text.add_modifier(ratatui::style::Modifier::BOLD),
        Tone::Code => theme.key_hint,
    }
}

/// Draws the drill-down into `area`.
pub fn draw(frame: &mut Frame<'_>, area: Rect, view: &View<'_>, page: &InspectView) {
    let theme = view.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(format!(" {} ", page.title), theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [tabs_area, body] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    let mut tabs = Vec::new();
    for (key, label, shown) in &page.tabs {
        // The tab shown is bracketed, readable without colour.
        let (open, close, label_style) = if *shown {
            ("[", "]", theme.selection)
        } else {
            (" ", " ", theme.text_dim)
        };
        tabs.push(Span::styled(open, theme.text_dim));
        tabs.push(Span::styled(key.clone(), theme.key_hint));
        tabs.push(Span::styled(format!(" {label}"), label_style));
        tabs.push(Span::styled(close, theme.text_dim));
        tabs.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(tabs)), tabs_area);
    let width = usize::from(body.width).max(1);
    let lines: Vec<Line<'static>> = page
        .lines
        .iter()
        .flat_map(|l| {
            let pieces: Vec<(Style, &str)> = l
                .pieces
                .iter()
                .map(|(t, text)| (style(theme, *t), text.as_str()))
                .collect();
            wrap(&pieces, width, l.hang)
        })
        .collect();
    // The last page stays full: the offset stops where the last row reaches the bottom.
    let max_scroll =
        u16::try_from(lines.len().saturating_sub(usize::from(body.height))).unwrap_or(u16::MAX);
    frame.render_widget(
        Paragraph::new(lines).scroll((page.scroll.min(max_scroll), 0)),
        body,
    );
}

/// Styled pieces wrapped to `width` columns, continuation rows `hang` columns in (`layout::wrap::page_line`, which
/// `app::inspect_view` also counts with).
#[must_use]
pub fn wrap(pieces: &[(Style, &str)], width: usize, hang: usize) -> Vec<Line<'static>> {
    let body: Vec<(&str, Style)> = pieces.iter().map(|(s, t)| (*t, *s)).collect();
    let (indent, lines) = crate::layout::wrap::page_line(&body, width, hang);
    lines
        .into_iter()
        .enumerate()
        .map(|(i, runs)| {
            let lead = (i > 0 && indent > 0).then(|| Span::raw(" ".repeat(indent)));
            Line::from(
                lead.into_iter()
                    .chain(runs.into_iter().map(|(t, s)| Span::styled(t, s)))
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::wrap;
    use ratatui::style::Style;

    fn texts(pieces: &[&str], width: usize, hang: usize) -> Vec<String> {
        let p: Vec<(Style, &str)> = pieces.iter().map(|t| (Style::default(), *t)).collect();
        wrap(&p, width, hang)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn wraps_with_a_hanging_indent_and_keeps_blank_lines() {
        assert_eq!(
            texts(
                &[
                    "  ✓ Job  ",
                    "apps/smoke",
                    "  failed: BackoffLimitExceeded: Job has reached the limit"
                ],
                30,
                9
            ),
            vec![
                "  ✓ Job  apps/smoke  failed:",
                "         BackoffLimitExceeded:",
                "         Job has reached the",
                "         limit"
            ]
        );
        assert_eq!(
            texts(&["kind: Kustomization"], 40, 0),
            vec!["kind: Kustomization"]
        );
        assert_eq!(texts(&[""], 10, 0), vec![""]);
    }
}

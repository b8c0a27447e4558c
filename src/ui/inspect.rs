//! The drill-down screen: a bordered page titled with the object, a tab line (`y YAML  e Events  i Inventory`,
//! the shown tab highlighted) and the tab's lines, scrolled. Tones map to theme roles; text is already safe.

use crate::app::view::{InspectView, Tone, View};
use crate::config::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

fn style(theme: &Theme, tone: Tone) -> Style {
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

fn columns(text: &str) -> usize {
    Span::raw(text).width()
}

/// Splits text into words and the runs of spaces between them.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = None;
    for (i, c) in text.char_indices() {
        let space = c == ' ';
        if in_space.is_some_and(|s| s != space) {
            out.push(&text[start..i]);
            start = i;
        }
        in_space = Some(space);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Wraps styled pieces to `width` columns at spaces; a word longer than a row is cut; continuation rows start
/// `hang` columns in (at most half the width), without leading spaces.
#[must_use]
pub fn wrap(pieces: &[(Style, &str)], width: usize, hang: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let hang = hang.min(width / 2);
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut col = 0;
    let mut continuation = false;
    let mut break_row = |row: &mut Vec<Span<'static>>, col: &mut usize, continuation: &mut bool| {
        rows.push(Line::from(std::mem::take(row)));
        if hang > 0 {
            row.push(Span::raw(" ".repeat(hang)));
        }
        *col = hang;
        *continuation = true;
    };
    for (style, text) in pieces {
        for token in tokens(text) {
            let is_space = token.starts_with(' ');
            if is_space && continuation && col == hang {
                continue;
            }
            let w = columns(token);
            if col + w <= width {
                row.push(Span::styled(token.to_owned(), *style));
                col += w;
                continue;
            }
            if is_space {
                break_row(&mut row, &mut col, &mut continuation);
                continue;
            }
            if col > hang || (!continuation && col > 0) {
                break_row(&mut row, &mut col, &mut continuation);
            }
            // Cut what still does not fit, a character at a time.
            let mut piece = String::new();
            for c in token.chars() {
                let cw = columns(c.encode_utf8(&mut [0; 4]));
                if col + cw > width && col > hang {
                    row.push(Span::styled(std::mem::take(&mut piece), *style));
                    break_row(&mut row, &mut col, &mut continuation);
                }
                piece.push(c);
                col += cw;
            }
            row.push(Span::styled(piece, *style));
        }
    }
    rows.push(Line::from(row));
    rows
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
    fn wraps_at_spaces_with_a_hanging_indent() {
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
    }

    #[test]
    fn long_words_are_cut_and_short_lines_stay_whole() {
        assert_eq!(
            texts(&["url: https://example.com/a/very/long/path"], 16, 2),
            vec!["url:", "  https://exampl", "  e.com/a/very/l", "  ong/path"]
        );
        assert_eq!(
            texts(&["kind: Kustomization"], 40, 0),
            vec!["kind: Kustomization"]
        );
        assert_eq!(texts(&[""], 10, 0), vec![""]);
    }
}

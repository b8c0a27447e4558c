//! Styled text wrapped to a width with a hanging indent: a head (a label, a mark) on the first line, the body
//! wrapped after it, every continuation line indented as far as the head, so a value never runs back under its
//! label. Breaks after spaces and `/` (references wrap between their parts); a piece longer than a line is cut.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// `head` then `body` in lines of at most `width` columns, continuation lines indented by the head's width.
/// An empty body gives the head alone.
#[must_use]
pub fn hanging<'a>(head: Vec<Span<'a>>, body: &[(String, Style)], width: usize) -> Vec<Line<'a>> {
    let indent: usize = head.iter().map(Span::width).sum();
    let room = width.saturating_sub(indent).max(1);
    let mut out = Vec::new();
    let mut first = Some(head);
    let body: Vec<(&str, Style)> = body.iter().map(|(t, s)| (t.as_str(), *s)).collect();
    for pieces in crate::layout::wrap::runs(&body, room, room) {
        let mut spans = first
            .take()
            .unwrap_or_else(|| vec![Span::raw(" ".repeat(indent))]);
        spans.extend(pieces.into_iter().map(|(t, s)| Span::styled(t, s)));
        out.push(Line::from(spans));
    }
    if let Some(head) = first {
        out.push(Line::from(head));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::fit;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn continuation_lines_hang_under_the_value_not_the_label() {
        let lines = hanging(
            vec![Span::raw("Waits on   ")],
            &[(
                "✓ Kustomization/flux-system/monitoring-controllers".to_owned(),
                Style::default(),
            )],
            40,
        );
        let t = text(&lines);
        assert_eq!(t[0], "Waits on   ✓ Kustomization/flux-system/");
        assert_eq!(t[1], "           monitoring-controllers");
        assert!(t.iter().all(|l| fit::width(l) <= 40), "{t:?}");
    }

    #[test]
    fn styles_stay_with_their_words_and_long_words_are_cut() {
        let bold = Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        let lines = hanging(
            vec![Span::raw("ab ")],
            &[
                ("x".repeat(12), Style::default()),
                (" (enter to jump)".to_owned(), bold),
            ],
            9,
        );
        let t = text(&lines);
        assert_eq!(
            t,
            ["ab xxxxxx", "   xxxxxx", "   (enter", "   to", "   jump)"]
        );
        assert_eq!(lines[2].spans[1].style, bold);
        assert_eq!(text(&hanging(vec![Span::raw("x")], &[], 8)), ["x"]);
    }
}

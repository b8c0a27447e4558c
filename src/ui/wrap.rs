//! Styled text wrapped to a width with a hanging indent: a head (a label, a mark) on the first line, the body
//! wrapped after it, every continuation line indented as far as the head, so a value never runs back under its
//! label. Breaks after spaces and `/` (references wrap between their parts); a piece longer than a line is cut.

use crate::layout::fit;
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
    for pieces in lines(body, room) {
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

/// The pieces of `body` laid into lines of `room` columns (styled runs per line).
fn lines(body: &[(String, Style)], room: usize) -> Vec<Vec<(String, Style)>> {
    // Break points: after a space or a slash, style kept per piece.
    let mut pieces: Vec<(&str, Style)> = Vec::new();
    for (text, style) in body {
        let mut start = 0;
        for (i, c) in text.char_indices() {
            if c == ' ' || c == '/' {
                pieces.push((&text[start..i + c.len_utf8()], *style));
                start = i + c.len_utf8();
            }
        }
        if start < text.len() {
            pieces.push((&text[start..], *style));
        }
    }
    let mut out: Vec<Vec<(String, Style)>> = Vec::new();
    let mut line: Vec<(String, Style)> = Vec::new();
    let mut used = 0;
    let push = |line: &mut Vec<(String, Style)>, text: &str, style: Style| match line.last_mut() {
        Some((t, s)) if *s == style => t.push_str(text),
        _ => line.push((text.to_owned(), style)),
    };
    for (piece, style) in pieces {
        if used > 0 && used + fit::width(piece.trim_end()) > room {
            trim_end(&mut line);
            out.push(std::mem::take(&mut line));
            used = 0;
        }
        let piece = if used == 0 { piece.trim_start() } else { piece };
        if fit::width(piece.trim_end()) <= room.saturating_sub(used) {
            push(&mut line, piece, style);
            used += fit::width(piece);
            continue;
        }
        // Longer than a whole line (the line is empty here): cut it into lines.
        let mut rest = piece;
        loop {
            let (head, tail) = split_at_width(rest, room);
            push(&mut line, head, style);
            used = fit::width(head);
            rest = tail;
            if rest.is_empty() {
                break;
            }
            out.push(std::mem::take(&mut line));
        }
    }
    trim_end(&mut line);
    if line.iter().any(|(t, _)| !t.is_empty()) {
        out.push(line);
    }
    out
}

/// `s` split after its longest prefix of at most `width` columns (at least one character).
fn split_at_width(s: &str, width: usize) -> (&str, &str) {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += fit::width(c.encode_utf8(&mut [0; 4]));
        if used > width && i > 0 {
            return s.split_at(i);
        }
    }
    (s, "")
}

fn trim_end(line: &mut Vec<(String, Style)>) {
    while let Some((t, _)) = line.last_mut() {
        let trimmed = t.trim_end().len();
        t.truncate(trimmed);
        if t.is_empty() {
            line.pop();
        } else {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

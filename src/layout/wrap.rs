//! Styled text laid into lines of a given width, by display width: breaks after spaces and `/` (references wrap
//! between their parts), a piece longer than a line cut between graphemes (never inside an escape, see `fit`),
//! each run keeping its style. Generic over the style so `app` can count lines and `ui` can draw them from the
//! same computation.

use super::fit;

/// The runs of `body` laid into lines: the first line `first` columns wide, the others `rest` columns (a
/// hanging indent is `rest` smaller than `first` by the indent, which the caller draws). Leading spaces of a
/// line and trailing spaces are dropped; an empty body gives no line.
#[must_use]
pub fn runs<S: Copy + PartialEq>(
    body: &[(&str, S)],
    first: usize,
    rest: usize,
) -> Vec<Vec<(String, S)>> {
    // Break points: after a space or a slash, style kept per piece.
    let mut pieces: Vec<(&str, S)> = Vec::new();
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
    let mut out: Vec<Vec<(String, S)>> = Vec::new();
    let mut line: Vec<(String, S)> = Vec::new();
    let mut used = 0;
    let room = |out: &Vec<Vec<(String, S)>>| if out.is_empty() { first } else { rest }.max(1);
    let push = |line: &mut Vec<(String, S)>, text: &str, style: S| match line.last_mut() {
        Some((t, s)) if *s == style => t.push_str(text),
        _ => line.push((text.to_owned(), style)),
    };
    for (piece, style) in pieces {
        if used > 0 && used + fit::width(piece.trim_end()) > room(&out) {
            trim_end(&mut line);
            out.push(std::mem::take(&mut line));
            used = 0;
        }
        // A line's own indentation (YAML's) is kept on the first line; a continuation starts at its text.
        let piece = if used == 0 && !out.is_empty() {
            piece.trim_start()
        } else {
            piece
        };
        if fit::width(piece.trim_end()) <= room(&out).saturating_sub(used) {
            push(&mut line, piece, style);
            used += fit::width(piece);
            continue;
        }
        // Longer than a whole line (the line is empty here): cut it into lines.
        let mut left = piece;
        loop {
            let (head, tail) = fit::split_at(left, room(&out));
            push(&mut line, head, style);
            used = fit::width(head);
            left = tail;
            if left.is_empty() {
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

/// A page's line (the drill-down's): `body` in `width` columns, continuation lines `hang` columns in (at most half
/// the width; the caller draws the indent), and an empty body one empty line (a blank line of the page). Returns
/// the indent used and the lines.
#[must_use]
pub fn page_line<S: Copy + PartialEq>(
    body: &[(&str, S)],
    width: usize,
    hang: usize,
) -> (usize, Vec<Vec<(String, S)>>) {
    let width = width.max(1);
    let hang = hang.min(width / 2);
    let mut lines = runs(body, width, width - hang);
    if lines.is_empty() {
        lines.push(Vec::new());
    }
    (hang, lines)
}

fn trim_end<S>(line: &mut Vec<(String, S)>) {
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

    fn texts(body: &[&str], first: usize, rest: usize) -> Vec<String> {
        let body: Vec<(&str, ())> = body.iter().map(|t| (*t, ())).collect();
        runs(&body, first, rest)
            .into_iter()
            .map(|l| l.into_iter().map(|(t, ())| t).collect())
            .collect()
    }

    #[test]
    fn the_first_line_is_wider_than_the_hanging_rest() {
        assert_eq!(
            texts(
                &["  ✓ Job  apps/smoke  failed: BackoffLimitExceeded: Job has reached the limit"],
                30,
                21
            ),
            [
                "  ✓ Job  apps/smoke  failed:",
                "BackoffLimitExceeded:",
                "Job has reached the",
                "limit"
            ]
        );
    }

    #[test]
    fn long_pieces_are_cut_and_never_inside_an_escape() {
        assert_eq!(
            texts(&["url: https://example.com/a/very/long/path"], 16, 14),
            ["url: https://", "example.com/a/", "very/long/path"]
        );
        let cut = texts(&["\\u{1B}[2J\\u{1B}[2J\\u{1B}[2J"], 12, 12);
        assert_eq!(cut, ["\\u{1B}[2J", "\\u{1B}[2J", "\\u{1B}[2J"]);
        assert!(texts(&[""], 10, 10).is_empty());
        assert!(texts(&["   "], 10, 10).is_empty());
    }
}

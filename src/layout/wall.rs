//! The geometry of `fluxops watch` (the wall display) for a terminal size, from 80x24 to 300x80 and beyond: the
//! header line, the count tiles (big digits from [`BIG_WIDTH`]x[`BIG_HEIGHT`]), the body split into columns of
//! lists, the ticker. Read by `watch::view` (which packs only what fits into pages) and by `ui::watch` (which
//! draws there), so the two cannot disagree.

use ratatui::layout::{Constraint, Layout, Rect};

/// Width from which counts are drawn in big digits (with [`BIG_HEIGHT`]).
pub const BIG_WIDTH: u16 = 120;
/// Height from which counts are drawn in big digits (with [`BIG_WIDTH`]).
pub const BIG_HEIGHT: u16 = 40;
/// Rows of a big digit.
pub const DIGIT_ROWS: u16 = 5;
/// Width from which the body has two columns.
pub const TWO_COLUMNS: u16 = 160;
/// Width from which the body has three columns.
pub const THREE_COLUMNS: u16 = 240;
/// Height from which the ticker has two lines.
pub const TALL_TICKER: u16 = 40;
/// Columns between two body columns.
pub const GUTTER: u16 = 2;

/// Where each part of the wall goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wall {
    pub header: Rect,
    pub counts: Rect,
    /// The body's columns, left to right (each a list packed by `watch::view`).
    pub columns: Vec<Rect>,
    pub ticker: Rect,
    /// Counts in big digits.
    pub big: bool,
}

/// Whether counts are drawn in big digits on a terminal of this size.
#[must_use]
pub fn big(area: Rect) -> bool {
    area.width >= BIG_WIDTH && area.height >= BIG_HEIGHT
}

/// The wall's parts for a screen `area`.
#[must_use]
pub fn wall(area: Rect) -> Wall {
    let big = big(area);
    // Tiles: a label line, the value (one line or big digits), the trend line, and a blank line below.
    let count_rows = if big { DIGIT_ROWS + 3 } else { 4 };
    let ticker_rows = if area.height >= TALL_TICKER { 2 } else { 1 };
    let [header, counts, body, ticker] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(count_rows),
        Constraint::Min(1),
        Constraint::Length(ticker_rows),
    ])
    .areas(area);
    let n = if area.width >= THREE_COLUMNS {
        3
    } else if area.width >= TWO_COLUMNS {
        2
    } else {
        1
    };
    Wall {
        header,
        counts,
        columns: columns(body, n),
        ticker,
        big,
    }
}

/// `body` split into `n` columns of equal width with a [`GUTTER`] between them.
fn columns(body: Rect, n: u16) -> Vec<Rect> {
    let gutters = GUTTER * (n - 1);
    let width = body.width.saturating_sub(gutters) / n;
    (0..n)
        .map(|i| Rect {
            x: body.x + i * (width + GUTTER),
            y: body.y,
            width,
            height: body.height,
        })
        .collect()
}

/// The count tiles' rectangles: `n` tiles side by side across `area`.
#[must_use]
pub fn tiles(area: Rect, n: usize) -> Vec<Rect> {
    let n16 = u16::try_from(n.max(1)).unwrap_or(1);
    let width = area.width / n16;
    (0..n16)
        .map(|i| Rect {
            x: area.x + i * width,
            y: area.y,
            width,
            height: area.height,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_adapt_from_80x24_to_300x80() {
        let small = wall(Rect::new(0, 0, 80, 24));
        assert!(!small.big);
        assert_eq!(small.columns.len(), 1);
        assert_eq!(small.columns[0].height, 24 - 1 - 4 - 1);
        let mid = wall(Rect::new(0, 0, 160, 48));
        assert!(mid.big);
        assert_eq!(mid.columns.len(), 2);
        assert_eq!(mid.ticker.height, 2);
        let large = wall(Rect::new(0, 0, 300, 80));
        assert_eq!(large.columns.len(), 3);
        let right = large.columns[2];
        assert!(right.x + right.width <= 300);
    }
}

//! Drawing of `fluxops watch` (the wall display) from its view model (`watch::view::WallView`), where
//! `layout::wall` puts each part: the header, the count tiles (big digits on large terminals), the columns of
//! the page shown, the ticker; or, when the API server is out of reach, the full-screen STALE notice. No I/O, no
//! clock, no state.

use crate::config::Theme;
use crate::layout::fit;
use crate::layout::wall::{DIGIT_ROWS, tiles};
use crate::watch::view::{Line as ViewLine, Role, StaleView, Tile, WallView};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

/// Big digits, 3 columns by 5 rows each.
const DIGITS: [[&str; 5]; 10] = [
    ["███", "█ █", "█ █", "█ █", "███"],
    [" ██", "  █", "  █", "  █", "  █"],
    ["███", "  █", "███", "█  ", "███"],
    ["███", "  █", "███", "  █", "███"],
    ["█ █", "█ █", "███", "  █", "  █"],
    ["███", "█  ", "███", "  █", "███"],
    ["███", "█  ", "███", "█ █", "███"],
    ["███", "  █", "  █", "  █", "  █"],
    ["███", "█ █", "███", "█ █", "███"],
    ["███", "█ █", "███", "  █", "███"],
];

/// Big letters of the STALE notice, 5 rows each.
const STALE: [&str; 5] = [
    "█████ █████  ███  █     █████",
    "█       █   █   █ █     █    ",
    "█████   █   █████ █     ████ ",
    "    █   █   █   █ █     █    ",
    "█████   █   █   █ █████ █████",
];

/// The style of a role.
#[must_use]
pub fn style(theme: &Theme, role: Role) -> Style {
    match role {
        Role::Text => theme.text,
        Role::Dim => theme.text_dim,
        Role::Title => theme.title,
        Role::Health(h) => super::style::health_style(theme, Some(h)),
        Role::Flag => theme.timing_flag,
        Role::Error => theme.banner_error,
        Role::Live => theme.connection_live,
    }
}

/// One view line in the theme's styles (also the fleet overview's, `ui::fleet`).
pub fn line<'a>(theme: &Theme, l: &'a ViewLine) -> Line<'a> {
    Line::from(
        l.iter()
            .map(|s| Span::styled(s.text.as_str(), style(theme, s.role)))
            .collect::<Vec<_>>(),
    )
}

/// Draws one frame of the wall.
pub fn draw(frame: &mut Frame<'_>, theme: &Theme, view: &WallView) {
    let area = frame.area();
    frame.render_widget(Block::default().style(theme.text), area);
    if let Some(stale) = &view.stale {
        draw_stale(frame, theme, area, view, stale);
        return;
    }
    let g = &view.geometry;
    header(frame, theme, g.header, view);
    for (rect, tile) in tiles(g.counts, view.tiles.len())
        .into_iter()
        .zip(&view.tiles)
    {
        draw_tile(frame, theme, rect, tile, g.big);
    }
    for (rect, lines) in g.columns.iter().zip(&view.columns) {
        let text: Vec<Line<'_>> = lines.iter().map(|l| line(theme, l)).collect();
        frame.render_widget(Paragraph::new(text), *rect);
    }
    let ticker: Vec<Line<'_>> = view.ticker.iter().map(|l| line(theme, l)).collect();
    frame.render_widget(Paragraph::new(ticker), g.ticker);
}

fn header(frame: &mut Frame<'_>, theme: &Theme, area: Rect, view: &WallView) {
    frame.render_widget(
        Paragraph::new(line(theme, &view.header_left)).style(theme.status_bar),
        area,
    );
    frame.render_widget(
        Paragraph::new(line(theme, &view.header_right)).alignment(Alignment::Right),
        area,
    );
}

fn draw_tile(frame: &mut Frame<'_>, theme: &Theme, area: Rect, tile: &Tile, big: bool) {
    let value_style = style(theme, tile.role).add_modifier(Modifier::BOLD);
    // A zero is drawn dim: the eye goes to what is not zero.
    let value_style =
        if tile.value == 0 && !matches!(tile.role, Role::Health(crate::flux::Health::Ready)) {
            theme.text_dim
        } else {
            value_style
        };
    let mut lines = vec![Line::from(Span::styled(
        tile.label.as_str(),
        style(theme, tile.role),
    ))];
    let value = tile.value.to_string();
    if big && big_width(&value) < usize::from(area.width) {
        for row in 0..usize::from(DIGIT_ROWS) {
            let text: String = value
                .bytes()
                .filter_map(|b| DIGITS.get(usize::from(b.wrapping_sub(b'0'))))
                .map(|d| d[row])
                .collect::<Vec<_>>()
                .join(" ");
            lines.push(Line::from(Span::styled(text, value_style)));
        }
    } else if tile.value_mark.is_empty() {
        lines.push(Line::from(Span::styled(value, value_style)));
    } else {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", tile.value_mark), style(theme, tile.role)),
            Span::styled(value, value_style),
        ]));
    }
    lines.push(Line::from(Span::styled(
        tile.trend.as_str(),
        theme.text_dim,
    )));
    frame.render_widget(Paragraph::new(lines), area);
}

/// Columns a number takes in big digits.
fn big_width(value: &str) -> usize {
    value.len() * 4
}

fn draw_stale(
    frame: &mut Frame<'_>,
    theme: &Theme,
    area: Rect,
    view: &WallView,
    stale: &StaleView,
) {
    frame.render_widget(Block::default().style(theme.banner_error), area);
    let mut lines: Vec<Line<'_>> = Vec::new();
    let big = view.geometry.big;
    if big {
        lines.extend(STALE.iter().map(|l| Line::from(*l)));
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        stale.title.as_str(),
        theme.banner_error.add_modifier(Modifier::BOLD),
    )));
    lines.push(Line::from(""));
    let width = usize::from(area.width.saturating_sub(2));
    for l in &stale.lines {
        for piece in fit::wrap(l, width) {
            lines.push(Line::from(piece));
        }
    }
    let rows = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let top = area.height.saturating_sub(rows) / 2;
    let rect = Rect {
        y: area.y + top,
        height: area.height.saturating_sub(top),
        ..area
    };
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .style(theme.banner_error),
        rect,
    );
    // The clock stays in the corner: the screen itself is live.
    let clock: Vec<_> = view
        .header_right
        .iter()
        .filter(|s| s.role == Role::Title)
        .collect();
    if let Some(c) = clock.last() {
        let w = u16::try_from(fit::width(&c.text)).unwrap_or(0);
        let r = Rect {
            x: area.x + area.width.saturating_sub(w + 1),
            y: area.y,
            width: w.min(area.width),
            height: 1,
        };
        frame.render_widget(Paragraph::new(c.text.as_str()).style(theme.banner_error), r);
    }
}

//! The one-line bars: banners (stale data, unavailable kinds, config problems), the filter prompt, the status
//! bar (context, namespace, counts per health, connection) and the key hints footer.

use super::MAX_BANNERS;
use super::style::{glyph, health_style};
use crate::app::view::{BannerLevel, Connection, View};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn banners(frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
    let theme = view.theme;
    let total = view.banners.len();
    for (i, banner) in view.banners.iter().take(MAX_BANNERS).enumerate() {
        let style = match banner.level {
            BannerLevel::Error => theme.banner_error,
            BannerLevel::Warning => theme.banner_warning,
        };
        let text = if i + 1 == MAX_BANNERS && total > MAX_BANNERS {
            format!(" {} (+{} more)", banner.text, total - MAX_BANNERS)
        } else {
            format!(" {}", banner.text)
        };
        let row = Rect {
            y: area.y + u16::try_from(i).unwrap_or(0),
            height: 1,
            ..area
        };
        frame.render_widget(Paragraph::new(text).style(style), row);
    }
}

pub fn filter(frame: &mut Frame<'_>, area: Rect, view: &View<'_>, text: &str) {
    let theme = view.theme;
    let cursor = if view.navigator.filter_editing {
        "▏"
    } else {
        ""
    };
    let line = Line::from(vec![
        Span::styled("/", theme.key_hint),
        Span::styled(format!("{text}{cursor}"), theme.filter),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

pub fn status(frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
    let theme = view.theme;
    let s = &view.status;
    let mut spans = vec![
        Span::styled(format!(" {} ", s.context), theme.status_bar),
        Span::styled(format!("│ {} ", s.namespace), theme.status_bar),
        Span::styled("│", theme.status_bar),
    ];
    for (health, count) in &s.counts {
        let style = health_style(theme, Some(*health)).patch(
            theme
                .status_bar
                .bg
                .map_or_else(ratatui::style::Style::default, |bg| {
                    ratatui::style::Style::default().bg(bg)
                }),
        );
        // Wide enough: spell the health out, so the bar reads without colour or a legend.
        let text = if area.width >= super::WIDE {
            format!(" {}{count} {}", glyph(Some(*health)), health.label())
        } else {
            format!(" {}{count}", glyph(Some(*health)))
        };
        spans.push(Span::styled(text, style));
    }
    // Fleet timing totals: `2 overdue · 1 stuck · 3 slow` (only the non-zero ones).
    let sep = if area.width >= super::WIDE {
        " · "
    } else {
        "·"
    };
    for (i, (flag, count)) in s.timing_totals.iter().enumerate() {
        let lead = if i == 0 { " │ " } else { sep };
        spans.push(Span::styled(lead, theme.status_bar));
        spans.push(Span::styled(
            format!("{count} {}", flag.label()),
            super::timings::flag_style(theme, *flag).patch(bar_bg(theme)),
        ));
    }
    let used: usize = spans.iter().map(Span::width).sum();
    let room = usize::from(area.width).saturating_sub(used);
    let (text, style) = match &s.connection {
        Connection::Live => (" ● live ".to_owned(), theme.connection_live),
        Connection::Syncing => (" ◌ syncing ".to_owned(), theme.connection_stale),
        Connection::Stale { since } => {
            let long = format!(" reconnecting, stale since {since} ");
            let text = if long.chars().count() <= room {
                long
            } else {
                format!(" stale since {since} ")
            };
            (text, theme.connection_stale)
        }
    };
    let pad = usize::from(area.width).saturating_sub(used + text.chars().count());
    spans.push(Span::styled(" ".repeat(pad), theme.status_bar));
    spans.push(Span::styled(text, style));
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.status_bar),
        area,
    );
}

/// The status bar's background, to lay coloured text on it.
fn bar_bg(theme: &crate::config::Theme) -> ratatui::style::Style {
    theme
        .status_bar
        .bg
        .map_or_else(ratatui::style::Style::default, |bg| {
            ratatui::style::Style::default().bg(bg)
        })
}

pub fn hints(frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
    let theme = view.theme;
    let mut spans = Vec::new();
    for (key, what) in &view.hints {
        spans.push(Span::styled(format!(" {key}"), theme.key_hint));
        spans.push(Span::styled(format!(" {what} "), theme.text_dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

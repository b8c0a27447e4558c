//! The one-line bars: banners (stale data, unavailable kinds, config problems), the filter prompt, the status
//! bar (context, namespace, counts per health, connection) and the key hints footer.

use super::MAX_BANNERS;
use super::style::{glyph, health_style};
use crate::app::view::{BannerLevel, Connection, View};
use crate::layout::fit;
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
            BannerLevel::Info => theme.banner_info,
        };
        let text = if i + 1 == MAX_BANNERS && total > MAX_BANNERS {
            format!(" {} (+{} more)", banner.text, total - MAX_BANNERS)
        } else {
            format!(" {}", banner.text)
        };
        let text = fit::end(&text, usize::from(area.width)).into_owned();
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
    // Room for the connection state (" ● live ") must remain: the timing totals and the spelled-out health
    // labels each take their longest form that leaves it.
    let connection_room = 8;
    let width = usize::from(area.width);
    let fixed: usize = spans.iter().map(Span::width).sum();
    let totals = (0..TOTALS_FORMS)
        .map(|form| timing_totals(theme, &s.timing_totals, form))
        .find(|t| fixed + counts_width(s, false) + spans_width(t) + connection_room <= width)
        .unwrap_or_else(|| timing_totals(theme, &s.timing_totals, TOTALS_FORMS - 1));
    // Wide enough: spell the health out, so the bar reads without colour or a legend.
    let spelled = area.width >= super::WIDE
        && fixed + counts_width(s, true) + spans_width(&totals) + connection_room <= width;
    for (health, count) in &s.counts {
        let style = health_style(theme, Some(*health)).patch(bar_bg(theme));
        spans.push(Span::styled(count_text(*health, *count, spelled), style));
    }
    if s.invalid > 0 {
        let style = health_style(theme, None).patch(bar_bg(theme));
        spans.push(Span::styled(invalid_text(s.invalid, spelled), style));
    }
    spans.extend(totals);
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

/// How many shorter forms the timing totals have.
const TOTALS_FORMS: usize = 3;

/// ` ✓6` or, spelled out, ` ✓6 Ready`.
fn count_text(health: crate::flux::Health, count: usize, spelled: bool) -> String {
    if spelled {
        format!(" {}{count} {}", glyph(Some(health)), health.label())
    } else {
        format!(" {}{count}", glyph(Some(health)))
    }
}

/// ` !2` or, spelled out, ` !2 invalid`: objects that could not be parsed.
fn invalid_text(count: usize, spelled: bool) -> String {
    if spelled {
        format!(" {}{count} invalid", glyph(None))
    } else {
        format!(" {}{count}", glyph(None))
    }
}

fn counts_width(s: &crate::app::view::StatusBarView, spelled: bool) -> usize {
    let invalid = if s.invalid > 0 {
        Span::raw(invalid_text(s.invalid, spelled)).width()
    } else {
        0
    };
    s.counts
        .iter()
        .map(|(h, c)| Span::raw(count_text(*h, *c, spelled)).width())
        .sum::<usize>()
        + invalid
}

fn spans_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(Span::width).sum()
}

/// Fleet timing totals (only the non-zero ones), longest form first: ` │ 2 overdue · 1 stuck · 3 slow`,
/// ` │ 2 overdue·1 stuck·3 slow`, ` 2 late·1 stuck·3 slow`.
fn timing_totals<'a>(
    theme: &crate::config::Theme,
    totals: &[(crate::app::view::FlagView, usize)],
    form: usize,
) -> Vec<Span<'a>> {
    let mut out = Vec::new();
    for (i, (flag, count)) in totals.iter().enumerate() {
        let lead = match (i, form) {
            (0, 0 | 1) => " │ ",
            (0, _) => " ",
            (_, 0) => " · ",
            _ => "·",
        };
        let label = match (flag, form) {
            (crate::app::view::FlagView::Overdue, 2) => "late",
            _ => flag.label(),
        };
        out.push(Span::styled(lead, theme.status_bar));
        out.push(Span::styled(
            format!("{count} {label}"),
            super::timings::flag_style(theme, *flag).patch(bar_bg(theme)),
        ));
    }
    out
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

/// The key hints, as many as fit: when they are too wide, hints are dropped from the end (the view model lists
/// the least needed last; the last one, quit, stays).
pub fn hints(frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
    let theme = view.theme;
    let width = usize::from(area.width);
    // ` key what ` and one more space before the next.
    let hint_width = |(key, what): &&(String, String)| fit::width(key) + fit::width(what) + 3;
    let mut shown: Vec<&(String, String)> = view.hints.iter().collect();
    while shown.iter().map(hint_width).sum::<usize>() > width + 1 && shown.len() > 1 {
        shown.remove(shown.len() - 2);
    }
    let mut spans = Vec::new();
    for (key, what) in shown {
        spans.push(Span::styled(format!(" {key}"), theme.key_hint));
        spans.push(Span::styled(format!(" {what} "), theme.text_dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

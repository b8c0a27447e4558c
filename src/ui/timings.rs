//! The timings list screen (a table: status, kind, name, last duration, p95, time since the last success, next
//! run, flags; the sort column marked `▼`; columns sized to their content by the view model), the timing block of the detail pane (summary, flags and a sparkline
//! of recent durations), and the flag styles the status bar shares. Flags are words, readable without colour.

use super::style::{glyph, health_style};
use crate::app::timings_view::headings;
use crate::app::view::{FlagView, TimingDetailView, TimingsView, View};
use crate::config::Theme;
use crate::layout::fit;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Sparkline, Table};

/// Rows the timing block takes in the detail pane (summary, schedule, sparkline) plus one per flag.
#[must_use]
pub fn detail_rows(timing: &TimingDetailView) -> u16 {
    3 + u16::try_from(timing.flags.len()).unwrap_or(0)
}

/// The style of a flag.
#[must_use]
pub fn flag_style(theme: &Theme, flag: FlagView) -> Style {
    match flag {
        FlagView::Overdue => theme.status_blocked,
        FlagView::Stuck => theme.status_failing,
        FlagView::Slow => theme.event_warning,
        FlagView::Suspended => theme.status_suspended,
    }
}

/// Draws the timings list.
pub fn draw(frame: &mut Frame<'_>, area: Rect, view: &View<'_>, list: &TimingsView) {
    let theme = view.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if view.detail_focused {
            theme.border
        } else {
            theme.border_focused
        })
        .title(Span::styled(list.title.clone(), theme.title));
    let header = Row::new(
        std::iter::once(Cell::from("")).chain(
            headings(list.sort)
                .into_iter()
                .map(|h| Cell::from(h).style(theme.label)),
        ),
    );
    let c = list.columns;
    let rows = list.rows.iter().enumerate().map(|(i, r)| {
        let row = Row::new(vec![
            Cell::from(glyph(r.health)).style(health_style(theme, r.health)),
            Cell::from(r.kind).style(theme.text_dim),
            Cell::from(r.name.clone()).style(theme.text),
            Cell::from(r.last.clone()),
            Cell::from(r.p95.clone()),
            Cell::from(r.since_ok.clone()),
            Cell::from(r.next.clone()),
            Cell::from(flags_line(theme, &r.flags, usize::from(c.flags))),
        ]);
        if list.selected == Some(i) {
            row.style(theme.selection)
        } else {
            row
        }
    });
    // Sized to the content by the view model: nothing is cut but the name (in the middle) and, on a narrow
    // pane, the flags (with `…`).
    let widths = [
        Constraint::Length(1),
        Constraint::Length(c.kind),
        Constraint::Length(c.name),
        Constraint::Length(c.last),
        Constraint::Length(c.p95),
        Constraint::Length(c.ok),
        Constraint::Length(c.next),
        Constraint::Length(c.flags),
    ];
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if list.rows.is_empty() {
        let text = "No timings yet: they appear as objects reconcile (durations come from events and status).";
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.text_dim))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .style(theme.text),
        inner,
    );
}

/// The flags as words in their style, in at most `width` columns (the last one shortened with `…`).
fn flags_line<'a>(theme: &Theme, flags: &[FlagView], width: usize) -> Line<'a> {
    let mut spans = Vec::new();
    let mut left = width;
    for (i, f) in flags.iter().enumerate() {
        let gap = usize::from(i > 0);
        if left <= gap {
            break;
        }
        let text = fit::end(f.label(), left - gap).into_owned();
        left -= gap + fit::width(&text);
        if gap > 0 {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(text, flag_style(theme, *f)));
    }
    Line::from(spans)
}

/// Draws the timing block of the detail pane into `area` (inside the pane's border).
pub fn draw_detail(frame: &mut Frame<'_>, area: Rect, theme: &Theme, timing: &TimingDetailView) {
    let flag_rows = u16::try_from(timing.flags.len()).unwrap_or(0);
    let [text_area, spark_area] =
        Layout::vertical([Constraint::Length(2 + flag_rows), Constraint::Length(1)]).areas(area);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{:<11}", "Timing"), theme.label),
            Span::styled(timing.summary.clone(), theme.text),
        ]),
        Line::from(vec![
            Span::styled(format!("{:<11}", ""), theme.label),
            Span::styled(timing.schedule.clone(), theme.text_dim),
        ]),
    ];
    for (flag, why) in &timing.flags {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<11}", ""), theme.label),
            Span::styled(why.clone(), flag_style(theme, *flag)),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), text_area);
    let [label, spark] =
        Layout::horizontal([Constraint::Length(11), Constraint::Fill(1)]).areas(spark_area);
    frame.render_widget(
        Paragraph::new(Span::styled("Durations", theme.label)),
        label,
    );
    // The newest durations that fit, one bar per run.
    let fit = usize::from(spark.width);
    let data = &timing.durations_ms[timing.durations_ms.len().saturating_sub(fit)..];
    frame.render_widget(
        Sparkline::default()
            .data(data)
            .style(theme.status_in_progress),
        spark,
    );
}

//! The detail pane: status, fields, root cause with its jump key, diagnosis (class, facts, next step), wrapped
//! message, conditions and events.

use super::style::{glyph, health_style};
use crate::app::view::{DetailView, View};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

pub fn draw(frame: &mut Frame<'_>, area: Rect, view: &View<'_>, detail: &DetailView) {
    let theme = view.theme;
    let border = if view.detail_focused {
        theme.border_focused
    } else {
        theme.border
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(format!(" {} ", detail.title), theme.title));
    let status_style = health_style(theme, detail.health);
    let status = detail.health.map_or("Invalid", |h| h.label());
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{:<11}", "Status"), theme.label),
        Span::styled(format!("{} {status}", glyph(detail.health)), status_style),
        Span::styled(
            if detail.retrying { " (retrying)" } else { "" },
            theme.text_dim,
        ),
    ])];
    for (label, value) in &detail.fields {
        lines.push(Line::from(vec![
            Span::styled(format!("{label:<11}"), theme.label),
            Span::styled(value.clone(), theme.text),
        ]));
    }
    for (i, cause) in detail.root_causes.iter().enumerate() {
        let label = if i == 0 { "Blocked by" } else { "" };
        let mut spans = vec![
            Span::styled(format!("{label:<11}"), theme.label),
            Span::styled(cause.clone(), theme.root_cause),
        ];
        if let Some(key) = detail.jump_key.as_ref().filter(|_| i == 0) {
            spans.push(Span::styled(" (", theme.text_dim));
            spans.push(Span::styled(key.clone(), theme.key_hint));
            spans.push(Span::styled(" to jump)", theme.text_dim));
        }
        lines.push(Line::from(spans));
    }
    if let Some(d) = &detail.diagnosis {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<11}", "Diagnosis"), theme.label),
            Span::styled(d.class.clone(), status_style),
            Span::styled(format!(" ({})", d.confidence), theme.text_dim),
        ]));
        for (label, value) in &d.facts {
            lines.push(Line::from(vec![
                Span::styled(format!("{label:<10} "), theme.label),
                Span::styled(value.clone(), theme.text),
            ]));
        }
        lines.push(Line::from(vec![
            Span::styled(format!("{:<11}", "Next step"), theme.label),
            Span::styled(d.runbook.clone(), theme.key_hint),
            Span::styled(format!(": {}", d.advice), theme.text_dim),
        ]));
    }
    if !detail.waiting.is_empty() {
        lines.push(Line::default());
        lines.push(Line::styled(
            format!("Waiting behind it ({})", detail.waiting_total),
            theme.title,
        ));
        lines.extend(
            detail
                .waiting
                .iter()
                .map(|w| Line::styled(format!("  {w}"), theme.text)),
        );
    }
    if !detail.message.is_empty() {
        lines.push(Line::default());
        lines.extend(
            detail
                .message
                .lines()
                .map(|l| Line::styled(l.to_owned(), theme.text)),
        );
    }
    if !detail.conditions.is_empty() {
        lines.push(Line::default());
        lines.push(Line::styled("Conditions", theme.title));
        let type_width = detail
            .conditions
            .iter()
            .map(|c| c.type_.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(5, 22);
        for c in &detail.conditions {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<type_width$} ", c.type_), theme.label),
                Span::styled(format!("{:<8}", c.status), theme.text),
                Span::styled(format!("{:>4}  ", c.age), theme.text_dim),
                Span::styled(c.reason.clone(), theme.text),
            ]));
            if !c.message.is_empty() {
                lines.push(Line::styled(format!("    {}", c.message), theme.text_dim));
            }
        }
    }
    lines.push(Line::default());
    lines.push(Line::styled("Events", theme.title));
    if detail.events.is_empty() {
        lines.push(Line::styled("  none seen", theme.text_dim));
    }
    for e in &detail.events {
        let style = if e.warning {
            theme.event_warning
        } else {
            theme.event_normal
        };
        let count = if e.count > 1 {
            format!(" (x{})", e.count)
        } else {
            String::new()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {:>4} ", e.age), theme.text_dim),
            Span::styled(format!("{}{count}: ", e.reason), style),
            Span::styled(e.message.clone(), theme.text),
        ]));
    }
    // The timing block (summary, flags, sparkline) sits under the status line, outside the scrolled text.
    let mut text_area = block.inner(area);
    frame.render_widget(block, area);
    if let Some(timing) = &detail.timing {
        let rows = super::timings::detail_rows(timing);
        if text_area.height > rows + 2 {
            let [top, rest] =
                Layout::vertical([Constraint::Length(rows), Constraint::Fill(1)]).areas(text_area);
            super::timings::draw_detail(frame, top, theme, timing);
            text_area = rest;
        }
    }
    // Rows after wrapping, estimated by width (word wrapping can add a few): bounds the scroll offset.
    let inner_width = usize::from(text_area.width).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_width).max(1))
        .sum();
    let visible = usize::from(text_area.height);
    let max_scroll = u16::try_from(rows.saturating_sub(visible)).unwrap_or(u16::MAX);
    let para = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((view.detail_scroll.min(max_scroll), 0));
    frame.render_widget(para, text_area);
}

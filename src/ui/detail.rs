//! The detail pane: status, fields, root cause with its jump key, diagnosis (class, facts, next step), wrapped
//! message, conditions and events. Every line is wrapped here to the pane's width, a value's continuation lines
//! hanging under its first line (not back under its label), so the scroll knows the exact number of rows.

use super::style::{glyph, health_style};
use super::wrap::hanging;
use crate::app::view::{DetailView, View};
use crate::config::Theme;
use crate::layout::fit;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// Width of the label column.
const LABEL: usize = 11;

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
    let lines = lines(theme, detail, usize::from(text_area.width));
    // The lines are wrapped already: the scroll stops where the last one is at the bottom.
    let visible = usize::from(text_area.height);
    let max_scroll = u16::try_from(lines.len().saturating_sub(visible)).unwrap_or(u16::MAX);
    let para = Paragraph::new(lines).scroll((view.detail_scroll.min(max_scroll), 0));
    frame.render_widget(para, text_area);
}

/// A label padded to the label column.
fn label<'a>(theme: &Theme, text: &str) -> Span<'a> {
    Span::styled(fit::pad(text, LABEL), theme.label)
}

fn body(text: &str, style: Style) -> Vec<(String, Style)> {
    vec![(text.to_owned(), style)]
}

/// Every line of the pane's text, wrapped to `width` with values hanging under their first line.
fn lines<'a>(theme: &Theme, detail: &DetailView, width: usize) -> Vec<Line<'a>> {
    let status_style = health_style(theme, detail.health);
    let status = detail.health.map_or("Invalid", |h| h.label());
    let mut status_body = body(&format!("{} {status}", glyph(detail.health)), status_style);
    if detail.retrying {
        status_body.push((" (retrying)".to_owned(), theme.text_dim));
    }
    let mut lines = hanging(vec![label(theme, "Status")], &status_body, width);
    for (name, value) in &detail.fields {
        lines.extend(hanging(
            vec![label(theme, name)],
            &body(value, theme.text),
            width,
        ));
    }
    for (i, cause) in detail.root_causes.iter().enumerate() {
        let mut text = body(cause, theme.root_cause);
        if let Some(key) = detail.jump_key.as_ref().filter(|_| i == 0) {
            text.push((" (".to_owned(), theme.text_dim));
            text.push((key.clone(), theme.key_hint));
            text.push((" to jump)".to_owned(), theme.text_dim));
        }
        let name = if i == 0 { "Blocked by" } else { "" };
        lines.extend(hanging(vec![label(theme, name)], &text, width));
    }
    if let Some(d) = &detail.diagnosis {
        let text = vec![
            (d.class.clone(), status_style),
            (format!(" ({})", d.confidence), theme.text_dim),
        ];
        lines.extend(hanging(vec![label(theme, "Diagnosis")], &text, width));
        for (name, value) in &d.facts {
            lines.extend(hanging(
                vec![label(theme, name)],
                &body(value, theme.text),
                width,
            ));
        }
        let mut text = vec![(d.runbook.clone(), theme.key_hint)];
        if let Some(key) = &detail.walk_key {
            text.push((" (".to_owned(), theme.text_dim));
            text.push((key.clone(), theme.key_hint));
            text.push((" to walk)".to_owned(), theme.text_dim));
        }
        text.push((format!(": {}", d.advice), theme.text_dim));
        lines.extend(hanging(vec![label(theme, "Next step")], &text, width));
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
        for l in detail.message.lines() {
            if l.trim().is_empty() {
                lines.push(Line::default());
            } else {
                lines.extend(hanging(Vec::new(), &body(l, theme.text), width));
            }
        }
    }
    if !detail.conditions.is_empty() {
        lines.push(Line::default());
        lines.push(Line::styled("Conditions", theme.title));
        let type_width = detail
            .conditions
            .iter()
            .map(|c| fit::width(&c.type_))
            .max()
            .unwrap_or(0)
            .clamp(5, 22);
        let status_width = detail
            .conditions
            .iter()
            .map(|c| fit::width(&c.status))
            .max()
            .unwrap_or(0);
        for c in &detail.conditions {
            let head = vec![
                Span::styled(
                    format!(
                        "  {} ",
                        fit::pad(&fit::middle(&c.type_, type_width), type_width)
                    ),
                    theme.label,
                ),
                Span::styled(
                    format!("{} ", fit::pad(&c.status, status_width)),
                    theme.text,
                ),
                Span::styled(format!("{:>4}  ", c.age), theme.text_dim),
            ];
            lines.extend(hanging(head, &body(&c.reason, theme.text), width));
            if !c.message.is_empty() {
                lines.extend(hanging(
                    vec![Span::raw("    ")],
                    &body(&c.message, theme.text_dim),
                    width,
                ));
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
        let text = vec![
            (format!("{}{count}: ", e.reason), style),
            (e.message.clone(), theme.text),
        ];
        lines.extend(hanging(
            vec![Span::styled(format!("  {:>4} ", e.age), theme.text_dim)],
            &text,
            width,
        ));
    }
    lines
}

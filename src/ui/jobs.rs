//! The Jobs screen: the executions (phase, action, target, operator, time) and the selected one's facts, steps,
//! postconditions and log (the last lines that fit while following, else from where it was scrolled to).

use super::inspect::{style, wrap};
use crate::app::jobs_view::JobsView;
use crate::app::view::{Tone, View};
use crate::layout::{self, fit};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(frame: &mut Frame<'_>, main: Rect, view: &View<'_>, jobs: &JobsView) {
    let theme = view.theme;
    let (list_area, detail_area) = layout::jobs_areas(main);
    let block = |title: String| {
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused)
            .title(Span::styled(title, theme.title))
    };
    let list_block = block(jobs.title.clone());
    let inner = list_block.inner(list_area);
    frame.render_widget(list_block, list_area);
    let width = usize::from(inner.width);
    let mut lines = vec![Line::styled(
        fit::end(
            &format!(
                "  {:<11} {:<16} {:<8} {}",
                "PHASE", "ACTION", "TIME", "TARGET · OPERATOR"
            ),
            width,
        )
        .into_owned(),
        theme.label,
    )];
    if jobs.rows.is_empty() {
        lines.push(Line::styled(
            fit::end(&jobs.empty, width).into_owned(),
            theme.text_dim,
        ));
    }
    for (i, r) in jobs.rows.iter().enumerate() {
        let selected = jobs.selected == Some(i);
        let head = format!(
            "{}{} {} {} ",
            if selected { "▶ " } else { "  " },
            fit::pad(&r.phase, 11),
            fit::pad(&r.action, 16),
            fit::pad(&r.time, 8)
        );
        let rest = fit::end(
            &format!("{} · {}", r.target, r.operator),
            width.saturating_sub(fit::width(&head)),
        )
        .into_owned();
        let row_style = if selected {
            theme.selection
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            Span::styled(head, style(theme, r.tone).patch(row_style)),
            Span::styled(rest, theme.text.patch(row_style)),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);

    let Some(d) = &jobs.detail else {
        frame.render_widget(block(" No execution selected ".to_owned()), detail_area);
        return;
    };
    let detail_block = block(d.title.clone());
    let inner = detail_block.inner(detail_area);
    frame.render_widget(detail_block, detail_area);
    let w = usize::from(inner.width).max(1);
    let mut facts: Vec<Line<'static>> = d
        .lines
        .iter()
        .flat_map(|l| {
            let pieces: Vec<(Style, &str)> = l
                .pieces
                .iter()
                .map(|(t, s)| (style(theme, *t), s.as_str()))
                .collect();
            wrap(&pieces, w, l.hang)
        })
        .collect();
    if let Some(q) = &jobs.question {
        facts.insert(
            0,
            Line::styled(fit::end(q, w).into_owned(), style(theme, Tone::Warning)),
        );
    }
    let (facts_area, log_area) = layout::job_detail_areas(inner, facts.len());
    frame.render_widget(Paragraph::new(facts), facts_area);
    if log_area.height == 0 {
        return;
    }
    let rows = usize::from(log_area.height.saturating_sub(1));
    let following = d.log_from.is_none();
    let from = d
        .log_from
        .unwrap_or_else(|| d.log.len().saturating_sub(rows))
        .min(d.log.len());
    let head = if d.log.is_empty() {
        "log: (none yet)".to_owned()
    } else if following && d.finished {
        format!("log ({} lines)", d.log.len())
    } else if following {
        format!("log ({} lines, following)", d.log.len())
    } else {
        format!(
            "log (lines {}–{} of {}; end follows)",
            from + 1,
            (from + rows).min(d.log.len()),
            d.log.len()
        )
    };
    let mut log = vec![Line::styled(fit::end(&head, w).into_owned(), theme.label)];
    log.extend(
        d.log
            .iter()
            .skip(from)
            .take(rows)
            .map(|l| Line::styled(fit::end(l, w).into_owned(), theme.text)),
    );
    frame.render_widget(Paragraph::new(log), log_area);
}

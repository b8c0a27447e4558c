//! The snapshot screen: the snapshots (id, time, context, objects, verified) and the selected one's facts,
//! diff and objects beside (or below, when narrow). Rows are fitted with `…`; text is already safe.

use super::inspect::{style, wrap};
use crate::app::snapshots_view::SnapshotsView;
use crate::app::view::View;
use crate::layout::{self, fit};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(frame: &mut Frame<'_>, main: Rect, view: &View<'_>, snaps: &SnapshotsView) {
    let theme = view.theme;
    let (list_area, detail_area) = layout::jobs_areas(main);
    let block = |title: &str, width: u16| {
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused)
            .title(Span::styled(
                fit::end(title, usize::from(width.saturating_sub(2))).into_owned(),
                theme.title,
            ))
    };
    let b = block(&snaps.title, list_area.width);
    let inner = b.inner(list_area);
    frame.render_widget(b, list_area);
    let width = usize::from(inner.width);
    let mut lines = vec![Line::styled(
        fit::end(
            &format!(
                "  {:<20} {:<16} {:<10} {:>7} {}",
                "ID", "TIME (UTC)", "STATE", "OBJECTS", "CONTEXT"
            ),
            width,
        )
        .into_owned(),
        theme.label,
    )];
    if snaps.rows.is_empty() {
        lines.push(Line::styled(
            fit::end(&snaps.empty, width).into_owned(),
            theme.text_dim,
        ));
    }
    let rows = usize::from(inner.height).saturating_sub(1).max(1);
    let selected = snaps.selected.unwrap_or(0);
    let first = selected.saturating_sub(rows.saturating_sub(1));
    for (i, r) in snaps.rows.iter().enumerate().skip(first).take(rows) {
        let chosen = snaps.selected == Some(i);
        let head = format!(
            "{}{} {} ",
            if chosen { "▶ " } else { "  " },
            fit::pad(&fit::end(&r.id, 20), 20),
            fit::pad(&r.time, 16)
        );
        let state = format!("{} ", fit::pad(&r.verified.0, 10));
        let rest = format!("{:>7} {}", r.objects, r.context);
        let used = fit::width(&head) + fit::width(&state);
        let row_style = if chosen {
            theme.selection
        } else {
            Style::default()
        };
        let mut spans = vec![Span::styled(
            fit::end(&head, width).into_owned(),
            theme.text.patch(row_style),
        )];
        if used <= width {
            spans.push(Span::styled(
                state,
                style(theme, r.verified.1).patch(row_style),
            ));
            spans.push(Span::styled(
                fit::end(&rest, width - used).into_owned(),
                theme.text.patch(row_style),
            ));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), inner);

    let b = block(&snaps.detail_title, detail_area.width);
    let inner = b.inner(detail_area);
    frame.render_widget(b, detail_area);
    let w = usize::from(inner.width).max(1);
    let body: Vec<Line<'static>> = snaps
        .detail
        .iter()
        .flat_map(|l| {
            let pieces: Vec<(Style, &str)> = l
                .pieces
                .iter()
                .map(|(t, s)| (style(theme, *t), s.as_str()))
                .collect();
            wrap(&pieces, w, l.hang)
        })
        .skip(usize::from(snaps.scroll))
        .collect();
    let body = super::runbooks::clip(theme, body, inner.height, w, " (J/K scroll)");
    frame.render_widget(Paragraph::new(body), inner);
}

//! The runbook screens: the list (id, title, failure classes; the selected runbook's summary and steps beside
//! it, or below it on a narrow terminal), the start form over it, and the walker (steps with their states on the
//! left, the current step on the right: what it waits for now, its prose; the latest record lines at the
//! bottom). Every row is fitted to its width with `…`; text is already safe.

use super::inspect::{style, wrap};
use crate::app::inspect_view::InspectLine;
use crate::app::runbooks_view::{RunbookListView, RunbooksScreen, StartFormView, WalkerView};
use crate::app::view::View;
use crate::config::Theme;
use crate::layout::{self, fit};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Draws the runbook screen shown into `main`.
pub fn draw(frame: &mut Frame<'_>, main: Rect, view: &View<'_>, screen: &RunbooksScreen) {
    match screen {
        RunbooksScreen::List(list) => draw_list(frame, main, view.theme, list),
        RunbooksScreen::Walk(walk) => draw_walk(frame, main, view.theme, walk),
    }
}

fn block<'a>(theme: &Theme, title: &str, width: u16) -> Block<'a> {
    let title = fit::end(title, usize::from(width.saturating_sub(2))).into_owned();
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(title, theme.title))
}

/// `lines` wrapped to `width`, from row `scroll`.
fn wrapped(theme: &Theme, lines: &[InspectLine], width: usize, scroll: u16) -> Vec<Line<'static>> {
    lines
        .iter()
        .flat_map(|l| {
            let pieces: Vec<(Style, &str)> = l
                .pieces
                .iter()
                .map(|(t, s)| (style(theme, *t), s.as_str()))
                .collect();
            wrap(&pieces, width.max(1), l.hang)
        })
        .skip(usize::from(scroll))
        .collect()
}

/// `lines` cut to `height` rows; when some do not fit, the last row says how many more (and how to scroll).
pub(super) fn clip(
    theme: &Theme,
    mut lines: Vec<Line<'static>>,
    height: u16,
    width: usize,
    how: &str,
) -> Vec<Line<'static>> {
    let height = usize::from(height);
    if lines.len() > height && height > 0 {
        let more = lines.len() - (height - 1);
        lines.truncate(height - 1);
        lines.push(Line::styled(
            fit::end(&format!("… {more} more lines{how}"), width).into_owned(),
            theme.text_dim,
        ));
    }
    lines
}

fn draw_list(frame: &mut Frame<'_>, main: Rect, theme: &Theme, list: &RunbookListView) {
    let (list_area, detail_area) = layout::jobs_areas(main);
    let b = block(theme, &list.title, list_area.width);
    let inner = b.inner(list_area);
    frame.render_widget(b, list_area);
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    if let Some((text, editing)) = &list.filter {
        let cursor = if *editing { "▏" } else { "" };
        lines.push(Line::styled(
            fit::end(&format!("/{text}{cursor}"), width).into_owned(),
            theme.label,
        ));
    }
    lines.push(Line::styled(
        fit::end(&list.target, width).into_owned(),
        theme.text_dim,
    ));
    if list.rows.is_empty() {
        lines.push(Line::styled(
            fit::end(&list.empty, width).into_owned(),
            theme.text_dim,
        ));
    }
    let rows = usize::from(inner.height).saturating_sub(lines.len()).max(1);
    let selected = list.selected.unwrap_or(0);
    let first = selected.saturating_sub(rows.saturating_sub(1));
    let id_width = (width / 3).clamp(8, 26);
    for (i, r) in list.rows.iter().enumerate().skip(first).take(rows) {
        let chosen = list.selected == Some(i);
        let mark = match (&r.walk, chosen) {
            (_, true) => "▶ ",
            (Some(_), false) => "⏸ ",
            (None, false) => "  ",
        };
        let head = format!("{mark}{} ", fit::pad(&fit::end(&r.id, id_width), id_width));
        let walk = r
            .walk
            .as_ref()
            .map(|w| format!(" [{w}]"))
            .unwrap_or_default();
        let rest = fit::end(
            &format!("{} · {}{walk}", r.title, r.classes),
            width.saturating_sub(fit::width(&head)),
        )
        .into_owned();
        let row_style = if chosen {
            theme.selection
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            Span::styled(head, theme.key_hint.patch(row_style)),
            Span::styled(rest, theme.text.patch(row_style)),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);

    let b = block(theme, " Runbook ", detail_area.width);
    let inner = b.inner(detail_area);
    frame.render_widget(b, detail_area);
    let width = usize::from(inner.width);
    let body = wrapped(theme, &list.detail, width, 0);
    let body = clip(theme, body, inner.height, width, "");
    frame.render_widget(Paragraph::new(body), inner);

    if let Some(form) = &list.form {
        draw_form(frame, main, theme, form);
    }
}

fn draw_form(frame: &mut Frame<'_>, main: Rect, theme: &Theme, form: &StartFormView) {
    let height = u16::try_from(form.fields.len() * 2 + 4).unwrap_or(u16::MAX);
    let area = layout::popup(main, layout::ACTION_POPUP_WIDTH, height);
    frame.render_widget(Clear, area);
    let b = block(theme, &form.title, area.width);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    if let Some(e) = &form.error {
        lines.push(Line::styled(
            fit::end(e, width).into_owned(),
            theme.status_failing,
        ));
    }
    for (name, help, value, focused) in &form.fields {
        let cursor = if *focused { "▏" } else { "" };
        let label = format!("{}{name}: ", if *focused { "▶ " } else { "  " });
        let shown = fit::end(
            &format!("{value}{cursor}"),
            width.saturating_sub(fit::width(&label)),
        )
        .into_owned();
        lines.push(Line::from(vec![
            Span::styled(label, theme.label),
            Span::styled(shown, theme.text),
        ]));
        lines.push(Line::styled(
            fit::end(&format!("    {help}"), width).into_owned(),
            theme.text_dim,
        ));
    }
    lines.push(Line::styled(
        fit::end("enter walks it · tab next field · esc cancels", width).into_owned(),
        theme.text_dim,
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_walk(frame: &mut Frame<'_>, main: Rect, theme: &Theme, walk: &WalkerView) {
    let b = block(theme, &walk.title, main.width);
    let inner = b.inner(main);
    frame.render_widget(b, main);
    let log_rows = u16::try_from(walk.log.len().min(4)).unwrap_or(0);
    let header_rows = if inner.width >= layout::WIDE { 2 } else { 3 };
    let [head, body, log] = Layout::vertical([
        Constraint::Length(header_rows),
        Constraint::Fill(1),
        Constraint::Length(if inner.height > 14 { log_rows + 1 } else { 0 }),
    ])
    .areas(inner);
    let width = usize::from(inner.width);
    let (text, tone) = &walk.status;
    let mut facts: Vec<Span<'static>> = vec![Span::styled(
        fit::end(&format!("● {text}"), width).into_owned(),
        style(theme, *tone),
    )];
    let mut used = fit::width(&format!("● {text}"));
    for l in &walk.header {
        let piece: String = l.pieces.iter().map(|(_, t)| t.as_str()).collect();
        let piece = format!("  {piece}");
        if used + fit::width(&piece) > width {
            break;
        }
        used += fit::width(&piece);
        facts.push(Span::styled(piece, theme.text));
    }
    let mut head_lines = vec![Line::from(facts)];
    // Header facts that did not fit the first line, each fitted on its own.
    let shown: usize = head_lines[0].spans.len().saturating_sub(1);
    for l in walk.header.iter().skip(shown) {
        if head_lines.len() >= usize::from(header_rows) {
            break;
        }
        let piece: String = l.pieces.iter().map(|(_, t)| t.as_str()).collect();
        head_lines.push(Line::styled(
            fit::end(&piece, width).into_owned(),
            theme.text_dim,
        ));
    }
    frame.render_widget(Paragraph::new(head_lines), head);

    let steps_width = (body.width / 3).clamp(18, 34);
    let [steps_area, _, step_area] = Layout::horizontal([
        Constraint::Length(steps_width),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(body);
    let sw = usize::from(steps_area.width);
    let mut rows = vec![Line::styled(
        fit::end("Steps", sw).into_owned(),
        theme.label,
    )];
    let visible = usize::from(steps_area.height).saturating_sub(1).max(1);
    let current = walk.steps.iter().position(|s| s.current).unwrap_or(0);
    let first = current.saturating_sub(visible.saturating_sub(1));
    for s in walk.steps.iter().skip(first).take(visible) {
        let lead = format!("{}{} ", if s.branch { "↳" } else { " " }, s.glyph);
        let title = fit::end(&s.title, sw.saturating_sub(fit::width(&lead))).into_owned();
        let row = if s.current {
            theme.selection
        } else {
            Style::default()
        };
        rows.push(Line::from(vec![
            Span::styled(lead, style(theme, s.tone).patch(row)),
            Span::styled(title, theme.text.patch(row)),
        ]));
    }
    frame.render_widget(Paragraph::new(rows), steps_area);

    let w = usize::from(step_area.width);
    let mut lines = vec![Line::styled(
        fit::end(&walk.current, w).into_owned(),
        theme.title,
    )];
    lines.extend(wrapped(theme, &walk.body, w, walk.scroll));
    let lines = clip(theme, lines, step_area.height, w, " (j/k scroll)");
    frame.render_widget(Paragraph::new(lines), step_area);

    if log.height > 0 {
        let mut lines = vec![Line::styled(
            fit::end("Record", width).into_owned(),
            theme.label,
        )];
        let take = usize::from(log.height.saturating_sub(1));
        let skip = walk.log.len().saturating_sub(take);
        lines.extend(
            walk.log
                .iter()
                .skip(skip)
                .map(|l| Line::styled(fit::end(l, width).into_owned(), theme.text_dim)),
        );
        frame.render_widget(Paragraph::new(lines), log);
    }
}

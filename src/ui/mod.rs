//! Drawing only: `draw(frame, &View)` lays out banners, the navigator, the detail pane, the filter prompt, the
//! status bar and the help overlay. No I/O, no clock, no state changes ([`tree_rows`] tells the view how many
//! tree rows fit, so only those are built).
//!
//! Below [`WIDE`] columns the detail pane is hidden (or shown instead of the tree when it has the focus).

mod dag;
mod detail;
mod help;
mod inspect;
mod navigator;
mod problems;
mod status_bar;
pub mod style;
mod timings;

pub use inspect::wrap;

use crate::app::view::View;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

/// Width from which the tree and the detail pane are shown side by side.
pub const WIDE: u16 = 100;

/// Most banner lines shown at once (the last one says how many more there are).
pub const MAX_BANNERS: usize = 3;

/// The rows of the screen: banners, main panes, filter prompt, status bar, key hints.
fn layout(area: Rect, banners: usize, filter: bool) -> [Rect; 5] {
    let banner_rows = u16::try_from(banners.min(MAX_BANNERS)).unwrap_or(0);
    Layout::vertical([
        Constraint::Length(banner_rows),
        Constraint::Min(1),
        Constraint::Length(u16::from(filter)),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// How many tree rows fit on a terminal `height` rows tall with this many banners and the filter prompt shown
/// or not (the view builds only those rows).
#[must_use]
pub fn tree_rows(height: u16, banners: usize, filter: bool) -> usize {
    let [_, main, ..] = layout(Rect::new(0, 0, WIDE, height), banners, filter);
    usize::from(main.height.saturating_sub(2))
}

/// The size of the DAG screen's canvas on a terminal `width` × `height` with this many banners (the view builds
/// only what fits).
#[must_use]
pub fn dag_canvas_size(width: u16, height: u16, banners: usize) -> (u16, u16) {
    let [_, main, ..] = layout(Rect::new(0, 0, width, height), banners, false);
    let inner = dag::canvas_inner(main);
    (inner.width, inner.height)
}

/// Draws one frame.
pub fn draw(frame: &mut Frame<'_>, view: &View<'_>) {
    let area = frame.area();
    // The filter prompt belongs to the tree screen.
    let filter_shown = view.dag.is_none()
        && view.problems.is_none()
        && view.inspect.is_none()
        && view.navigator.filter.is_some();
    let [banners, main, filter, status, hints] = layout(area, view.banners.len(), filter_shown);
    status_bar::banners(frame, banners, view);
    match (&view.dag, &view.inspect) {
        (Some(dag), _) => dag::draw(frame, main, view, dag),
        (None, Some(page)) => inspect::draw(frame, main, view, page),
        (None, None) => draw_main(frame, main, view),
    }
    if let Some(text) = view.navigator.filter.as_ref().filter(|_| filter_shown) {
        status_bar::filter(frame, filter, view, text);
    }
    status_bar::status(frame, status, view);
    status_bar::hints(frame, hints, view);
    if let Some(help) = &view.help {
        help::draw(frame, area, view.theme, help);
    }
}

fn draw_main(frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
    // The screen on the left: the tree, the timings list or the Problems list.
    let screen = |frame: &mut Frame<'_>, area: Rect| match (&view.timings, &view.problems) {
        (Some(list), _) => timings::draw(frame, area, view, list),
        (None, Some(list)) => problems::draw(frame, area, view, list),
        (None, None) => navigator::draw(frame, area, view),
    };
    match &view.detail {
        Some(detail) if area.width >= WIDE => {
            let [left, right] =
                Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                    .areas(area);
            screen(frame, left);
            detail::draw(frame, right, view, detail);
        }
        Some(detail) if view.detail_focused => detail::draw(frame, area, view, detail),
        _ => screen(frame, area),
    }
}

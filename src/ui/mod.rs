//! Drawing only: `draw(frame, &View, &mut TreeState)` lays out banners, the navigator, the detail pane, the
//! filter prompt, the status bar and the help overlay. No I/O, no clock, no state changes (the tree widget's
//! scroll offset is the one piece of mutable drawing state).
//!
//! Below [`WIDE`] columns the detail pane is hidden (or shown instead of the tree when it has the focus).

mod detail;
mod help;
mod navigator;
mod status_bar;
pub mod style;

use crate::app::view::View;
use crate::flux::ResourceRef;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use tui_tree_widget::TreeState;

/// Width from which the tree and the detail pane are shown side by side.
pub const WIDE: u16 = 100;

/// Most banner lines shown at once (the last one says how many more there are).
pub const MAX_BANNERS: usize = 3;

/// Draws one frame.
pub fn draw(frame: &mut Frame<'_>, view: &View<'_>, tree_state: &mut TreeState<ResourceRef>) {
    let area = frame.area();
    let banner_rows = u16::try_from(view.banners.len().min(MAX_BANNERS)).unwrap_or(0);
    let filter_rows = u16::from(view.navigator.filter.is_some());
    let [banners, main, filter, status, hints] = Layout::vertical([
        Constraint::Length(banner_rows),
        Constraint::Min(1),
        Constraint::Length(filter_rows),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    status_bar::banners(frame, banners, view);
    draw_main(frame, main, view, tree_state);
    if let Some(text) = &view.navigator.filter {
        status_bar::filter(frame, filter, view, text);
    }
    status_bar::status(frame, status, view);
    status_bar::hints(frame, hints, view);
    if let Some(help) = &view.help {
        help::draw(frame, area, view.theme, help);
    }
}

fn draw_main(
    frame: &mut Frame<'_>,
    area: Rect,
    view: &View<'_>,
    tree_state: &mut TreeState<ResourceRef>,
) {
    match &view.detail {
        Some(detail) if area.width >= WIDE => {
            let [left, right] =
                Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                    .areas(area);
            navigator::draw(frame, left, view, tree_state);
            detail::draw(frame, right, view, detail);
        }
        Some(detail) if view.detail_focused => detail::draw(frame, area, view, detail),
        _ => navigator::draw(frame, area, view, tree_state),
    }
}

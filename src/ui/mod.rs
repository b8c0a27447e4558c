//! Drawing only: `draw(frame, &View)` draws banners, the navigator, the detail pane, the filter prompt, the
//! status bar and the help overlay where [`crate::layout`] puts them (the same geometry the view model was
//! built for). No I/O, no clock, no state changes.
//!
//! Below [`WIDE`] columns the detail pane is hidden (or shown instead of the tree when it has the focus).

mod actions;
mod dag;
mod detail;
pub mod fleet;
mod help;
mod inspect;
mod jobs;
mod navigator;
mod problems;
mod prompt;
mod runbooks;
mod snapshots;
mod status_bar;
pub mod style;
mod timings;
pub mod watch;
mod wrap;

use crate::app::view::View;
use ratatui::Frame;
use ratatui::layout::Rect;

pub use crate::layout::{MAX_BANNERS, WIDE};

/// Draws one frame.
pub fn draw(frame: &mut Frame<'_>, view: &View<'_>) {
    let area = frame.area();
    // The filter prompt belongs to the tree screen.
    let filter_shown = view.dag.is_none()
        && view.jobs.is_none()
        && view.problems.is_none()
        && view.inspect.is_none()
        && view.runbooks.is_none()
        && view.snapshots.is_none()
        && view.navigator.filter.is_some();
    let crate::layout::Screen {
        banners,
        main,
        filter,
        status,
        hints,
    } = crate::layout::screen(area, view.banners.len(), filter_shown);
    status_bar::banners(frame, banners, view);
    match (&view.dag, &view.inspect, &view.jobs) {
        _ if view.runbooks.is_some() || view.snapshots.is_some() => {
            if let Some(screen) = &view.runbooks {
                runbooks::draw(frame, main, view, screen);
            }
            if let Some(snaps) = &view.snapshots {
                snapshots::draw(frame, main, view, snaps);
            }
        }
        (Some(dag), _, _) => dag::draw(frame, main, view, dag),
        (None, Some(page), _) => inspect::draw(frame, main, view, page),
        (None, None, Some(jobs)) => jobs::draw(frame, main, view, jobs),
        (None, None, None) => draw_main(frame, main, view),
    }
    if let Some(text) = view.navigator.filter.as_ref().filter(|_| filter_shown) {
        status_bar::filter(frame, filter, view, text);
    }
    status_bar::status(frame, status, view);
    status_bar::hints(frame, hints, view);
    if let Some(overlay) = &view.actions {
        actions::draw(frame, area, main, view, overlay);
    }
    if let Some(p) = &view.prompt {
        prompt::draw(frame, hints, main, view.theme, p);
    }
    if let Some(menu) = &view.copy {
        prompt::copy_menu(frame, area, view.theme, menu);
    }
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
            let (left, right) = crate::layout::list_and_detail(area, true);
            screen(frame, left);
            if let Some(right) = right {
                detail::draw(frame, right, view, detail);
            }
        }
        Some(detail) if view.detail_focused => detail::draw(frame, area, view, detail),
        _ => screen(frame, area),
    }
}

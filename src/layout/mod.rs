//! Screen layout: where each part of the console goes on a terminal of a given size, and how text is fitted
//! into a number of columns. Read by `app` (which builds only what fits: the tree rows of the window, the DAG's
//! visible canvas, names shortened to their column) and by `ui` (which draws there), so the two cannot disagree
//! and `app` never asks `ui`. Pure: rectangles and display widths; no drawing, no state, no widgets.
//!
//! The screen, top to bottom: banners (at most [`MAX_BANNERS`]), the main area, the filter prompt (when a filter
//! is set on the tree or timings screen), the status bar, the key hints. The main area holds the tree or the
//! timings list with the detail pane beside it from [`WIDE`] columns on, or the DAG canvas with its panel.

pub mod fit;
pub mod wall;
pub mod wrap;

use ratatui::layout::{Constraint, Layout, Margin, Rect};

/// Width from which the tree and the detail pane are shown side by side (and the DAG panel beside the canvas).
pub const WIDE: u16 = 100;

/// Most banner lines shown at once (the last one says how many more there are).
pub const MAX_BANNERS: usize = 3;

/// Share of the main area's width the tree (or timings list) takes beside the detail pane, in percent.
pub const LIST_PERCENT: u16 = 55;

/// Width of the DAG screen's side panel on wide terminals.
pub const DAG_SIDE_PANEL: u16 = 42;

/// Height of the DAG screen's bottom panel on narrow terminals (at most a third of the main area).
pub const DAG_BOTTOM_PANEL: u16 = 7;

/// The rows of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    pub banners: Rect,
    pub main: Rect,
    /// Empty when no filter prompt is shown.
    pub filter: Rect,
    pub status: Rect,
    pub hints: Rect,
}

/// The rows of a screen `area` with this many banners and the filter prompt shown or not.
#[must_use]
pub fn screen(area: Rect, banners: usize, filter: bool) -> Screen {
    let banner_rows = u16::try_from(banners.min(MAX_BANNERS)).unwrap_or(0);
    let [banners, main, filter, status, hints] = Layout::vertical([
        Constraint::Length(banner_rows),
        Constraint::Min(1),
        Constraint::Length(u16::from(filter)),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    Screen {
        banners,
        main,
        filter,
        status,
        hints,
    }
}

/// The inside of a pane drawn with a border on every side.
#[must_use]
pub fn inside_border(pane: Rect) -> Rect {
    pane.inner(Margin::new(1, 1))
}

/// The list (tree or timings) and, when it fits beside it, the detail pane, inside the main area.
/// `detail`: a detail pane is wanted. Below [`WIDE`] columns the list takes the whole area.
#[must_use]
pub fn list_and_detail(main: Rect, detail: bool) -> (Rect, Option<Rect>) {
    if detail && main.width >= WIDE {
        let [list, detail] = Layout::horizontal([
            Constraint::Percentage(LIST_PERCENT),
            Constraint::Percentage(100 - LIST_PERCENT),
        ])
        .areas(main);
        (list, Some(detail))
    } else {
        (main, None)
    }
}

/// How many tree rows fit on a terminal `height` rows tall with this many banners and the filter prompt shown
/// or not (the view builds only those rows).
#[must_use]
pub fn tree_rows(height: u16, banners: usize, filter: bool) -> usize {
    let s = screen(Rect::new(0, 0, WIDE, height), banners, filter);
    usize::from(inside_border(s.main).height)
}

/// The inside width of the list pane (tree or timings list) on a terminal `width` columns wide, with the detail
/// pane beside it or not.
#[must_use]
pub fn list_width(width: u16, detail: bool) -> u16 {
    let (list, _) = list_and_detail(Rect::new(0, 0, width, 3), detail);
    inside_border(list).width
}

/// The DAG screen's canvas pane and panel inside the main area: the panel beside the canvas on wide terminals,
/// below it otherwise.
#[must_use]
pub fn dag_areas(main: Rect) -> (Rect, Rect) {
    if main.width >= WIDE {
        let [canvas, panel] =
            Layout::horizontal([Constraint::Min(20), Constraint::Length(DAG_SIDE_PANEL)])
                .areas(main);
        (canvas, panel)
    } else {
        let panel_rows = DAG_BOTTOM_PANEL.min(main.height / 3);
        let [canvas, panel] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(panel_rows)]).areas(main);
        (canvas, panel)
    }
}

/// The size of the DAG screen's canvas (inside its border) on a terminal `width` × `height` with this many
/// banners (the view builds only what fits).
#[must_use]
pub fn dag_canvas_size(width: u16, height: u16, banners: usize) -> (u16, u16) {
    let s = screen(Rect::new(0, 0, width, height), banners, false);
    let inner = inside_border(dag_areas(s.main).0);
    (inner.width, inner.height)
}

/// The rows of a list of `total` to draw in `height` rows (`None`: all of them): the window starts at `offset`,
/// moved as little as possible to show `selected` (the first row when none) and never past the end, so the last
/// page stays full. `offset` is kept for the next frame.
pub fn scroll_window(
    offset: &mut usize,
    selected: Option<usize>,
    total: usize,
    height: Option<usize>,
) -> std::ops::Range<usize> {
    let Some(height) = height.filter(|h| *h > 0) else {
        return 0..total;
    };
    let selected = selected.unwrap_or(0);
    if selected < *offset {
        *offset = selected;
    } else if selected >= *offset + height {
        *offset = selected + 1 - height;
    }
    *offset = (*offset).min(total.saturating_sub(height));
    *offset..(*offset + height).min(total)
}

/// A popup of at most `width` × `height` centred in `area` (never larger than `area`).
#[must_use]
pub fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Width of the action menu and form popups.
pub const ACTION_POPUP_WIDTH: u16 = 96;

/// The confirm view's body and its prompt line (the last row inside the border).
#[must_use]
pub fn confirm_areas(main: Rect) -> (Rect, Rect) {
    let inner = inside_border(main);
    let [body, prompt] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(2)]).areas(inner);
    (body, prompt)
}

/// The Jobs screen: the list of executions and the selected one's detail; beside each other on wide
/// terminals, the list on top (a third of the height) otherwise.
#[must_use]
pub fn jobs_areas(main: Rect) -> (Rect, Rect) {
    if main.width >= WIDE {
        let [list, detail] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(main);
        (list, detail)
    } else {
        let rows = (main.height / 3).max(4);
        let [list, detail] =
            Layout::vertical([Constraint::Length(rows), Constraint::Fill(1)]).areas(main);
        (list, detail)
    }
}

/// How many executions the Jobs list shows on a `width` × `height` terminal (inside its border, below its
/// header row).
#[must_use]
pub fn jobs_list_rows(width: u16, height: u16) -> usize {
    let s = screen(Rect::new(0, 0, width, height), 0, false);
    let (list, _) = jobs_areas(s.main);
    usize::from(inside_border(list).height.saturating_sub(1)).max(1)
}

/// The job detail's facts (at most half, at least what they need up to that) and its log below.
#[must_use]
pub fn job_detail_areas(inner: Rect, fact_rows: usize) -> (Rect, Rect) {
    let facts = u16::try_from(fact_rows)
        .unwrap_or(u16::MAX)
        .min(inner.height / 2);
    let [facts, log] =
        Layout::vertical([Constraint::Length(facts), Constraint::Fill(1)]).areas(inner);
    (facts, log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_popup_never_leaves_its_area() {
        let area = Rect::new(0, 1, 80, 20);
        let p = popup(area, 96, 40);
        assert_eq!(p, area);
        let p = popup(Rect::new(0, 0, 160, 48), 96, 10);
        assert_eq!((p.x, p.y, p.width, p.height), (32, 19, 96, 10));
    }

    #[test]
    fn the_jobs_list_takes_a_third_when_narrow_and_sits_beside_when_wide() {
        assert_eq!(jobs_list_rows(80, 24), 7 - 2 - 1);
        assert_eq!(jobs_list_rows(160, 48), 46 - 2 - 1);
    }

    #[test]
    fn tree_rows_are_the_main_area_inside_its_border() {
        // 24 rows: no banner, no filter: main = 24 - status - hints = 22, minus the border = 20.
        assert_eq!(tree_rows(24, 0, false), 20);
        assert_eq!(tree_rows(24, 2, true), 17);
        assert_eq!(tree_rows(24, 9, false), 20 - MAX_BANNERS);
        assert_eq!(tree_rows(2, 0, false), 0);
    }

    #[test]
    fn the_dag_panel_goes_beside_the_canvas_only_on_wide_terminals() {
        assert_eq!(dag_canvas_size(120, 32, 0), (120 - DAG_SIDE_PANEL - 2, 28));
        let (w, h) = dag_canvas_size(80, 24, 0);
        assert_eq!(w, 78);
        assert_eq!(h, 22 - DAG_BOTTOM_PANEL - 2);
    }

    #[test]
    fn the_detail_pane_sits_beside_the_list_from_wide_on() {
        let main = Rect::new(0, 0, 120, 20);
        let (list, detail) = list_and_detail(main, true);
        assert_eq!(list.width + detail.map_or(0, |d| d.width), 120);
        assert_eq!(list_and_detail(Rect::new(0, 0, 99, 20), true).1, None);
        assert_eq!(list_width(80, true), 78);
    }
}

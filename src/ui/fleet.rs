//! Drawing of the fleet overview (`fleet::view::FleetView`): the title, the table of clusters (the selected row
//! in the selection style), the root causes of every cluster (in the console, the list of every cluster the cursor is in, its row in
//! the selection style). Used by the console (key `7`) and by the wall's
//! combined page. No I/O, no clock, no state.

use super::watch::line;
use crate::config::Theme;
use crate::fleet::view::FleetView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

/// Draws the overview over the whole of `area`.
pub fn draw(frame: &mut Frame<'_>, theme: &Theme, area: Rect, view: &FleetView) {
    frame.render_widget(Block::default().style(theme.text), area);
    let mut lines: Vec<Line<'_>> = vec![line(theme, &view.title), Line::default()];
    for (i, l) in view.table.iter().enumerate() {
        let mut drawn = line(theme, l);
        // Row 0 is the header; the selected cluster is row selected + 1.
        if view.selected.is_some_and(|s| s + 1 == i) {
            drawn = drawn.style(theme.selection);
        }
        lines.push(drawn);
    }
    lines.push(Line::default());
    for (i, l) in view.causes.iter().enumerate() {
        let mut drawn = line(theme, l);
        if view.list_selected == Some(i) {
            drawn = drawn.style(theme.selection);
        }
        lines.push(drawn);
    }
    frame.render_widget(Paragraph::new(lines), area);
}

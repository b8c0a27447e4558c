//! Theme roles for domain values: the style of each `Health` (its glyph, readable without colour, is part of
//! the view model: `app::view::glyph`).

use crate::config::Theme;
use crate::flux::Health;
use ratatui::style::Style;

pub use crate::app::view::glyph;

/// The theme role of a health (`None` = an object that could not be parsed).
#[must_use]
pub fn health_style(theme: &Theme, health: Option<Health>) -> Style {
    match health {
        Some(Health::Ready) => theme.status_ready,
        Some(Health::Failing) | None => theme.status_failing,
        Some(Health::Blocked) => theme.status_blocked,
        Some(Health::Stalled) => theme.status_stalled,
        Some(Health::InProgress) => theme.status_in_progress,
        Some(Health::Suspended) => theme.status_suspended,
        Some(Health::Unknown) => theme.status_unknown,
    }
}

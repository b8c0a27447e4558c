//! Theme roles for domain values: the style and glyph of each `Health` (readable without colour too).

use crate::config::Theme;
use crate::flux::Health;
use ratatui::style::Style;

/// The glyph shown before a row of this health.
#[must_use]
pub fn glyph(health: Option<Health>) -> &'static str {
    match health {
        Some(Health::Ready) => "✓",
        Some(Health::Failing) => "✗",
        Some(Health::Blocked) => "⊘",
        Some(Health::Stalled) => "‼",
        Some(Health::InProgress) => "⟳",
        Some(Health::Suspended) => "⏸",
        Some(Health::Unknown) => "?",
        None => "!",
    }
}

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

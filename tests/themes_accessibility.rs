//! Themes for every reader: the colour-blind-safe theme keeps the statuses apart, and `NO_COLOR` draws no colour
//! at all while every status stays readable (glyphs, words, modifiers).
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use fluxops::config::Theme;
use ratatui::style::{Color, Modifier};
use std::path::Path;
use support::console::{loaded_state, render};

fn colorblind() -> Theme {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/themes/colorblind.yaml"
    ))
    .unwrap();
    Theme::builtin()
        .unwrap()
        .patched(&text, Path::new("themes/colorblind.yaml"))
        .unwrap()
}

#[test]
fn colorblind_theme_gives_each_status_its_own_colour_and_the_worst_their_own_modifiers() {
    let t = colorblind();
    let statuses = [
        t.status_ready,
        t.status_failing,
        t.status_blocked,
        t.status_stalled,
        t.status_in_progress,
        t.status_suspended,
        t.status_unknown,
    ];
    for (i, a) in statuses.iter().enumerate() {
        for b in &statuses[i + 1..] {
            assert_ne!((a.fg, a.bg), (b.fg, b.bg), "two statuses share a colour");
        }
    }
    // Okabe-Ito: never the red/green pair.
    assert_eq!(t.status_ready.fg, Some(Color::Rgb(0x00, 0x9E, 0x73)));
    assert_eq!(t.status_failing.fg, Some(Color::Rgb(0xD5, 0x5E, 0x00)));
    // Beyond colour: failing and stalled look different from ready in monochrome too.
    assert_ne!(t.status_failing.add_modifier, t.status_ready.add_modifier);
    assert!(t.status_stalled.bg.is_some());
}

#[test]
fn no_color_draws_no_colour_and_keeps_every_status_readable() {
    let mut state = loaded_state();
    state.theme = colorblind().without_colour();
    let terminal = render(&mut state, 120, 30);
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert_eq!(cell.fg, Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, Color::Reset, "{cell:?}");
    }
    let text = terminal.backend().to_string();
    for glyph in ["✓", "✗", "⊘"] {
        assert!(text.contains(glyph), "{glyph} missing:\n{text}");
    }
    // The status bar spells the statuses out, and stands out by being reversed.
    assert!(text.contains("Failing") && text.contains("Ready"));
    let bar_row = buffer.area.height - 2;
    assert!(
        buffer[(0, bar_row)].modifier.contains(Modifier::REVERSED),
        "the status bar is reversed"
    );
    // The selected tree row is reversed too (it had a background colour).
    let selected =
        (1..buffer.area.height).any(|y| buffer[(3, y)].modifier.contains(Modifier::REVERSED));
    assert!(selected, "the selection is visible without colour");
}

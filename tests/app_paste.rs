//! Pasted text and typing into the filter: a paste is text for the field it lands in (newlines become spaces),
//! never keys; outside a text field it is ignored; the filter holds at most `FILTER_MAX_CHARS` characters, a
//! longer paste or more typing is cut with a visible note.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fluxops::app::text_field::{FILTER_MAX_CHARS, PASTE_MAX_BYTES};
use fluxops::app::view::{self, BannerLevel};
use fluxops::app::{Action, Msg, State, update};
use fluxops::config::Mode;
use support::console::{loaded_state, now};

fn filtering() -> State {
    let mut state = loaded_state();
    update(&mut state, Msg::Action(Action::StartFilter));
    assert_eq!(state.mode(), Mode::Filter);
    state
}

fn info_banners(state: &mut State) -> Vec<String> {
    view::build(state, now())
        .banners
        .into_iter()
        .filter(|b| b.level == BannerLevel::Info)
        .map(|b| b.text)
        .collect()
}

#[test]
fn a_paste_of_a_name_newline_q_lands_in_the_filter_and_does_not_quit() {
    let mut state = filtering();
    let effects = update(&mut state, Msg::Paste("podinfo\nq".to_owned()));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(!state.quit);
    assert_eq!(state.navigator.filter, "podinfo q");
    assert_eq!(
        state.mode(),
        Mode::Filter,
        "a newline in a paste is not enter"
    );
    assert!(info_banners(&mut state).is_empty());
}

#[test]
fn a_paste_is_never_keys_even_when_it_holds_escape_sequences_and_controls() {
    let mut state = filtering();
    // ESC, ctrl-c, ctrl-z and a carriage return: none acts, the printable rest is text.
    let effects = update(
        &mut state,
        Msg::Paste("ks\u{1b}\u{3}\u{1a}\rapps".to_owned()),
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(state.navigator.filter, "ks apps");
    assert_eq!(state.mode(), Mode::Filter);
}

#[test]
fn a_100_kb_paste_is_cut_to_the_filter_cap_with_a_visible_note() {
    let mut state = filtering();
    let huge = "podinfo ".repeat(100 * 1024 / 8);
    assert!(huge.len() >= 25 * PASTE_MAX_BYTES);
    update(&mut state, Msg::Paste(huge));
    assert_eq!(state.navigator.filter.chars().count(), FILTER_MAX_CHARS);
    assert_eq!(
        info_banners(&mut state),
        [format!(
            "paste cut: the filter holds at most {FILTER_MAX_CHARS} characters"
        )]
    );
    // The note goes with the next key.
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
    );
    assert!(info_banners(&mut state).is_empty());
}

#[test]
fn typing_into_a_full_filter_is_refused_with_a_note() {
    let mut state = filtering();
    update(&mut state, Msg::Paste("x".repeat(FILTER_MAX_CHARS)));
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)),
    );
    assert_eq!(state.navigator.filter, "x".repeat(FILTER_MAX_CHARS));
    assert_eq!(
        info_banners(&mut state),
        [format!(
            "the filter holds at most {FILTER_MAX_CHARS} characters"
        )]
    );
}

#[test]
fn a_paste_outside_a_text_field_is_ignored_not_typed() {
    let mut state = loaded_state();
    update(&mut state, Msg::Action(Action::SelectFirst));
    let selected = state.navigator.selected.clone();
    assert!(selected.is_some());
    // `q` quits, `j` moves, `/` opens the filter: pasted, none of them acts.
    let effects = update(&mut state, Msg::Paste("jj/q".to_owned()));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(!state.quit);
    assert_eq!(state.mode(), Mode::Navigator);
    assert_eq!(state.navigator.selected, selected);
    assert!(state.navigator.filter.is_empty());
    assert_eq!(
        info_banners(&mut state),
        ["paste ignored: no text field has the keyboard"]
    );
}

#[test]
fn a_paste_cancels_a_half_typed_key_sequence() {
    let mut state = loaded_state();
    state.pending_keys.push(fluxops::config::Key::char('g'));
    update(&mut state, Msg::Paste("g".to_owned()));
    assert!(state.pending_keys.is_empty());
}

//! Rules every shipped keymap keeps: no key bound twice in a mode, no binding shadowed by a longer one, every
//! action described and reachable, and the help screen lists every binding (it is generated from the keymap).
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use fluxops::app::{Action, Msg, State, update, view};
use fluxops::config::{Config, Keymap, Mode};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::HashSet;
use std::path::Path;

fn shipped() -> Vec<(String, Keymap)> {
    let mut out = vec![("default".to_owned(), Keymap::builtin().unwrap())];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("keymaps");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let km = Keymap::builtin().unwrap().patched(&text, &path).unwrap();
        out.push((path.display().to_string(), km));
    }
    out
}

#[test]
fn no_key_is_bound_twice_in_a_mode() {
    for (name, km) in shipped() {
        for mode in Mode::ALL {
            let mut seen = HashSet::new();
            for b in km.bindings(mode) {
                for k in &b.keys {
                    assert!(
                        seen.insert(k.clone()),
                        "{name}: '{k}' bound twice in {mode}"
                    );
                }
            }
        }
    }
}

#[test]
fn no_binding_is_shadowed_by_a_longer_sequence() {
    for (name, km) in shipped() {
        for mode in Mode::ALL {
            let seqs: Vec<_> = km
                .bindings(mode)
                .iter()
                .flat_map(|b| b.keys.clone())
                .collect();
            for a in &seqs {
                for b in &seqs {
                    assert!(
                        !b.starts_with(&a.0),
                        "{name}: '{a}' is a prefix of '{b}' in {mode}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_action_has_a_description_and_every_binding_a_desc() {
    for a in Action::ALL {
        assert!(!a.description().trim().is_empty(), "{a}");
        assert_eq!(Action::from_name(a.name()), Some(*a));
    }
    for (name, km) in shipped() {
        for mode in Mode::ALL {
            for b in km.bindings(mode) {
                assert!(!b.desc.trim().is_empty(), "{name}: {} in {mode}", b.action);
            }
        }
    }
}

#[test]
fn every_action_is_reachable_from_the_default_keymap() {
    let km = Keymap::builtin().unwrap();
    let bound: HashSet<Action> = Mode::ALL
        .into_iter()
        .flat_map(|m| km.bindings(m).iter().map(|b| b.action))
        .collect();
    for a in Action::ALL {
        assert!(
            bound.contains(a),
            "'{a}' has no key in keymaps/default.yaml"
        );
    }
}

#[test]
fn help_lists_every_binding_of_every_mode() {
    let mut state = State::new(Config::builtin(), support::console::labels());
    update(&mut state, Msg::Action(Action::ToggleHelp));
    let view = view::build(&mut state, support::console::now());
    let help = view.help.clone().unwrap();
    let km = Keymap::builtin().unwrap();
    for mode in Mode::ALL {
        let section = help.sections.iter().find(|s| s.mode == mode);
        for b in km.bindings(mode) {
            let keys = b
                .keys
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let section = section.unwrap_or_else(|| panic!("no help section for {mode}"));
            assert!(
                section.entries.contains(&(keys.clone(), b.desc.clone())),
                "help misses '{keys}' in {mode}"
            );
        }
    }
    // And the drawn help shows them (tall terminal: nothing scrolled away).
    let mut terminal = Terminal::new(TestBackend::new(120, 120)).unwrap();
    terminal.draw(|f| fluxops::ui::draw(f, &view)).unwrap();
    let drawn = terminal.backend().to_string();
    for mode in Mode::ALL {
        for b in km.bindings(mode) {
            assert!(drawn.contains(&b.desc), "help screen misses '{}'", b.desc);
        }
    }
}

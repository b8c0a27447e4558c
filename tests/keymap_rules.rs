//! Rules every keymap keeps (`fluxops::config::keymap_rules`, the same for shipped and user files): no key bound
//! twice in a mode, no binding the start of a longer one, `ctrl-c` always quits; user files that break them are
//! refused with file:line in the banner. Every action described and reachable, and the help screen lists every
//! binding (it is generated from the keymap).
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fluxops::app::{Action, Effect, Msg, State, update, view};
use fluxops::config::{Config, ConfigPaths, Key, Keymap, Mode, Resolution, keymap_rules};
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
fn every_shipped_keymap_keeps_the_rules_no_key_twice_and_no_prefix_clash() {
    for (name, km) in shipped() {
        let clashes = keymap_rules::clashes(&km);
        assert!(clashes.is_empty(), "{name}: {clashes:?}");
    }
}

/// A user keymap file in a fresh config directory, loaded the way the console loads it.
fn load_user_keymap(yaml: &str) -> (Config, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keymap.yaml");
    std::fs::write(&file, yaml).unwrap();
    let config = Config::load(Some(&ConfigPaths::at(dir.path())));
    (config, file)
}

#[test]
fn user_keymaps_are_checked_with_the_shipped_rules_and_reported_with_file_and_line() {
    let cases = [
        (
            "navigator:\n  - keys: [y]\n    action: expand_all\n  - keys: [y]\n    action: collapse_all\n",
            "4: 'y' is bound twice in navigator (first on line 2)",
        ),
        (
            "navigator:\n  - keys: [y, y]\n    action: expand_all\n",
            "2: 'y' is bound twice in navigator (first on line 2)",
        ),
        (
            "navigator:\n  - keys: [g]\n    action: select_last\n  - keys: [g g]\n    action: select_first\n",
            "4: 'g' is the start of 'g g' in navigator, so 'g g' can never be typed; unbind one of them",
        ),
        (
            "common:\n  - keys: [q, ctrl-c]\n    action: unbind\n",
            "2: 'ctrl-c' always quits and cannot be unbound (it is the way out that always works)",
        ),
    ];
    for (yaml, expected) in cases {
        let (config, file) = load_user_keymap(yaml);
        assert_eq!(
            config
                .problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [format!("{}:{expected}", file.display())],
            "{yaml}"
        );
        assert_eq!(
            config.keymap,
            Keymap::builtin().unwrap(),
            "the defaults stay"
        );
        // The banner shows it.
        let mut state = State::new(config, support::console::labels());
        let view = view::build(&mut state, support::console::now());
        assert!(
            view.banners.iter().any(|b| b.text.contains(expected)),
            "{:?}",
            view.banners
        );
    }
}

#[test]
fn a_user_sequence_clashing_with_a_default_key_is_refused() {
    // `q` quits by default: `q q` could never be typed.
    let (config, file) = load_user_keymap("common:\n  - keys: [q q]\n    action: toggle_help\n");
    assert_eq!(
        config
            .problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [format!(
            "{}:2: 'q' is the start of 'q q' in common, so 'q q' can never be typed; unbind one of them",
            file.display()
        )]
    );
}

#[test]
fn ctrl_c_quits_in_every_mode_and_in_the_middle_of_a_sequence_whatever_the_keymap() {
    // Unbinding `q` is allowed; `ctrl-c` stays the way out.
    let (config, _) = load_user_keymap(
        "common:\n  - keys: [q]\n    action: unbind\nnavigator:\n  - keys: [g g]\n    action: select_first\n",
    );
    assert!(config.problems.is_empty(), "{:?}", config.problems);
    let ctrl_c = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    let g = Msg::Key(KeyEvent::new(KeyCode::Char('g'), KeyModifiers::NONE));
    let setups: [&[Action]; 6] = [
        &[],
        &[Action::StartFilter],
        &[Action::ToggleHelp],
        &[Action::ShowDag],
        &[Action::ShowTimings],
        &[Action::FocusDetail],
    ];
    for setup in setups {
        for prefix in [None, Some(g.clone())] {
            let mut state = support::console::loaded_state();
            state.keymap = config.keymap.clone();
            support::console::act(&mut state, setup);
            if let Some(p) = prefix.clone() {
                update(&mut state, p);
            }
            let effects = update(&mut state, ctrl_c.clone());
            assert_eq!(
                effects,
                [Effect::Quit],
                "after {setup:?} in {}",
                state.mode()
            );
        }
    }
    // And with an empty keymap.
    assert_eq!(
        Keymap::default().resolve(Mode::Filter, &[Key::parse("ctrl-c").unwrap()]),
        Resolution::Action(Action::Quit)
    );
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
    let mut terminal = Terminal::new(TestBackend::new(120, 260)).unwrap();
    terminal.draw(|f| fluxops::ui::draw(f, &view)).unwrap();
    let drawn = terminal.backend().to_string();
    for mode in Mode::ALL {
        for b in km.bindings(mode) {
            assert!(drawn.contains(&b.desc), "help screen misses '{}'", b.desc);
        }
    }
}

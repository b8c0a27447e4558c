//! `keymaps/k9s.yaml`: k9s habits resolve as a k9s user expects, and none of k9s's destructive one-key bindings
//! (`ctrl-d` delete, `ctrl-k` kill) does anything.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

use fluxops::app::Action;
use fluxops::config::{KeySeq, Keymap, Mode, Resolution};
use std::path::Path;

fn k9s() -> Keymap {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/keymaps/k9s.yaml")).unwrap();
    Keymap::builtin()
        .unwrap()
        .patched(&text, Path::new("keymaps/k9s.yaml"))
        .unwrap()
}

fn resolve(km: &Keymap, mode: Mode, keys: &str) -> Resolution {
    km.resolve(mode, &KeySeq::parse(keys).unwrap().0)
}

#[test]
fn k9s_keys_do_what_k9s_users_expect() {
    let km = k9s();
    for (mode, keys, action) in [
        (Mode::Navigator, ":", Action::OpenCommand),
        (Mode::Navigator, "ctrl-a", Action::OpenCommand),
        (Mode::Navigator, "/", Action::StartFilter),
        (Mode::Navigator, "y", Action::ShowYaml),
        (Mode::Navigator, "c", Action::OpenCopy),
        (Mode::Navigator, "d", Action::FocusDetail),
        (Mode::Navigator, "l", Action::ShowLogs),
        (Mode::Navigator, "g", Action::SelectFirst),
        (Mode::Navigator, "G", Action::SelectLast),
        (Mode::Navigator, "ctrl-f", Action::PageDown),
        (Mode::Navigator, "space", Action::ToggleMark),
        (Mode::Inspect, "esc", Action::CloseInspect),
        (Mode::Dag, "esc", Action::ShowTree),
        (Mode::Copy, "y", Action::CopyYaml),
        (Mode::Command, "tab", Action::PromptComplete),
    ] {
        assert_eq!(
            resolve(&km, mode, keys),
            Resolution::Action(action),
            "{keys} in {mode}"
        );
    }
}

#[test]
fn k9s_destructive_keys_are_bound_to_nothing() {
    let km = k9s();
    for mode in Mode::ALL {
        for keys in ["ctrl-d", "ctrl-k"] {
            assert_eq!(
                resolve(&km, mode, keys),
                Resolution::Unbound,
                "{keys} in {mode}"
            );
        }
    }
}

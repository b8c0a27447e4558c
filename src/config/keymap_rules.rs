//! The rules every keymap keeps, the shipped ones and the user's alike: checked by [`Keymap::patched`] on every
//! file it applies (a user file that breaks one is rejected with file:line in the banner, the defaults stay), and
//! by `tests/keymap_rules.rs` on every shipped keymap.
//!
//! - No key (or key sequence) bound twice in a mode, in one file or in one binding (`keys: [y, y]`).
//! - No binding is the start of a longer one in the same mode (`g` and `g g`): the longer could never be typed.
//! - [`QUIT_KEY`] (`ctrl-c`) always quits, in every mode and in the middle of a sequence: a file cannot unbind it
//!   or bind it to anything else, so there is always a way out.

use super::key::{Key, KeySeq};
use super::keymap::{Keymap, Mode};
use crossterm::event::{KeyCode, KeyModifiers};
use std::fmt;

/// The key that always quits.
pub const QUIT_KEY: Key = Key {
    code: KeyCode::Char('c'),
    mods: KeyModifiers::CONTROL,
};

/// Two bindings of one mode that cannot both work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    pub mode: Mode,
    /// The shorter (or equal) key sequence.
    pub key: KeySeq,
    /// Equal to `key` (bound twice) or a longer sequence that starts with it.
    pub other: KeySeq,
}

impl fmt::Display for Clash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key == self.other {
            write!(f, "'{}' is bound twice in {}", self.key, self.mode)
        } else {
            write!(
                f,
                "'{}' is the start of '{}' in {}, so '{}' can never be typed",
                self.key, self.other, self.mode, self.other
            )
        }
    }
}

/// Every clash of `keymap`, mode by mode in [`Mode::ALL`] order, each pair once.
#[must_use]
pub fn clashes(keymap: &Keymap) -> Vec<Clash> {
    let mut out = Vec::new();
    for mode in Mode::ALL {
        let seqs: Vec<&KeySeq> = keymap
            .bindings(mode)
            .iter()
            .flat_map(|b| b.keys.iter())
            .collect();
        for (i, a) in seqs.iter().enumerate() {
            for b in &seqs[i + 1..] {
                let (short, long) = if a.0.len() <= b.0.len() {
                    (a, b)
                } else {
                    (b, a)
                };
                if long.0.starts_with(&short.0) {
                    out.push(Clash {
                        mode,
                        key: (*short).clone(),
                        other: (*long).clone(),
                    });
                }
            }
        }
    }
    out
}

/// Why a binding may not use `keys` for `action` (`None`: unbind), if it may not.
#[must_use]
pub fn quit_key_problem(keys: &KeySeq, action: Option<&str>) -> Option<String> {
    if !keys.0.contains(&QUIT_KEY) {
        return None;
    }
    match action {
        None => Some(format!(
            "'{QUIT_KEY}' always quits and cannot be unbound (it is the way out that always works)"
        )),
        Some(_) if keys.0.len() > 1 => Some(format!(
            "'{QUIT_KEY}' always quits and cannot be part of the sequence '{keys}'"
        )),
        Some(a) if a != "quit" => Some(format!(
            "'{QUIT_KEY}' always quits and cannot be bound to '{a}'"
        )),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(text: &str) -> KeySeq {
        KeySeq::parse(text).unwrap()
    }

    #[test]
    fn clashes_say_what_cannot_be_typed() {
        let twice = Clash {
            mode: Mode::Navigator,
            key: seq("y"),
            other: seq("y"),
        };
        assert_eq!(twice.to_string(), "'y' is bound twice in navigator");
        let prefix = Clash {
            mode: Mode::Dag,
            key: seq("g"),
            other: seq("g g"),
        };
        assert_eq!(
            prefix.to_string(),
            "'g' is the start of 'g g' in dag, so 'g g' can never be typed"
        );
    }

    #[test]
    fn the_shipped_default_keymap_has_no_clash() {
        assert!(clashes(&Keymap::builtin().unwrap()).is_empty());
    }

    #[test]
    fn quit_key_rules() {
        assert!(quit_key_problem(&seq("ctrl-c"), Some("quit")).is_none());
        assert!(quit_key_problem(&seq("q"), None).is_none());
        assert!(quit_key_problem(&seq("ctrl-c"), None).is_some());
        assert!(quit_key_problem(&seq("ctrl-c"), Some("toggle_help")).is_some());
        assert!(quit_key_problem(&seq("g ctrl-c"), Some("quit")).is_some());
    }
}

//! Key syntax of keymap files: `q`, `G`, `?`, `enter`, `ctrl-c`, `alt-enter`, `shift-tab`, `f5`, and sequences of
//! them separated by spaces (`g g`). Parsing, display (for help) and matching crossterm key events.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// One key press: a code plus Ctrl/Alt (Shift is part of the character for printable keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

/// Names of the non-character keys, as written in keymap files.
const NAMED: [(&str, KeyCode); 17] = [
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("space", KeyCode::Char(' ')),
    ("minus", KeyCode::Char('-')),
];

impl Key {
    /// A plain character key.
    #[must_use]
    pub fn char(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            mods: KeyModifiers::NONE,
        }
    }

    /// Parses one key (`ctrl-c`, `G`, `pagedown`). The error is the message for the user.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("unknown key '{text}'");
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        while let Some((head, tail)) = rest.split_once('-') {
            if tail.is_empty() {
                break; // "-" itself, or "ctrl--"
            }
            let m = match head.to_ascii_lowercase().as_str() {
                "ctrl" | "c" => KeyModifiers::CONTROL,
                "alt" | "a" | "m" => KeyModifiers::ALT,
                "shift" | "s" => KeyModifiers::SHIFT,
                _ => return Err(bad()),
            };
            mods |= m;
            rest = tail;
        }
        let code = if let Some((_, code)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(rest))
        {
            *code
        } else if let Some(n) = rest
            .strip_prefix(['f', 'F'])
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|n| (1..=12).contains(n))
        {
            KeyCode::F(n)
        } else {
            let mut chars = rest.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if !c.is_control() && c != ' ' => KeyCode::Char(c),
                _ => return Err(bad()),
            }
        };
        Ok(Self::normalized(code, mods))
    }

    /// The key of a crossterm event, normalized like parsed keys.
    #[must_use]
    pub fn from_event(ev: &KeyEvent) -> Self {
        Self::normalized(ev.code, ev.modifiers)
    }

    /// Shift on a printable key is folded into the character (`shift-g` = `G`); `shift-tab` = `backtab`.
    fn normalized(code: KeyCode, mods: KeyModifiers) -> Self {
        let mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        match code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) => Self {
                code: KeyCode::Char(c.to_uppercase().next().unwrap_or(c)),
                mods: mods - KeyModifiers::SHIFT,
            },
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => Self {
                code: KeyCode::BackTab,
                mods: mods - KeyModifiers::SHIFT,
            },
            KeyCode::BackTab => Self {
                code,
                mods: mods - KeyModifiers::SHIFT,
            },
            _ => Self { code, mods },
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        if let Some((name, _)) = NAMED.iter().find(|(_, c)| *c == self.code) {
            return f.write_str(name);
        }
        match self.code {
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A sequence of keys bound to one action (usually one key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeySeq(pub Vec<Key>);

impl KeySeq {
    /// Parses `g g` / `ctrl-x`; the error names the bad key in single quotes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let keys = text
            .split_whitespace()
            .map(Key::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(format!("unknown key '{text}'"));
        }
        Ok(Self(keys))
    }

    /// Whether `pending` is a strict prefix of this sequence.
    #[must_use]
    pub fn starts_with(&self, pending: &[Key]) -> bool {
        self.0.len() > pending.len() && self.0.starts_with(pending)
    }
}

impl fmt::Display for KeySeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, k) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifted_letter_equals_uppercase_letter() {
        assert_eq!(Key::parse("shift-g").unwrap(), Key::parse("G").unwrap());
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Key::char('G'));
    }

    #[test]
    fn modifiers_and_names_parse_and_display_round_trip() {
        for text in [
            "ctrl-c",
            "alt-enter",
            "pagedown",
            "f5",
            "?",
            "/",
            "-",
            "backtab",
            "space",
        ] {
            let key = Key::parse(text).unwrap();
            assert_eq!(Key::parse(&key.to_string()).unwrap(), key, "{text}");
        }
        assert_eq!(Key::parse("shift-tab").unwrap().code, KeyCode::BackTab);
    }

    #[test]
    fn bad_keys_are_named_in_quotes() {
        assert_eq!(Key::parse("ctl-x").unwrap_err(), "unknown key 'ctl-x'");
        assert_eq!(Key::parse("enterr").unwrap_err(), "unknown key 'enterr'");
        assert_eq!(KeySeq::parse("g f13").unwrap_err(), "unknown key 'f13'");
    }
}

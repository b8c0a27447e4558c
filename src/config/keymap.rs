//! `Keymap`: keys → named [`Action`]s per [`Mode`], from `keymaps/default.yaml` (embedded) patched by the user's
//! `keymap.yaml`. Resolution looks at the mode's bindings first, then at `common` (see [`Keymap::resolve`]).
//! The help screen is generated from [`Keymap::bindings`], so it cannot drift from what the keys do.

use super::key::{Key, KeySeq};
use super::keymap_rules;
use super::problem::ConfigProblem;
use crate::app::action::Action;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// The embedded default keymap.
pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.yaml");

/// Pseudo-action that removes the listed keys from a mode in a user patch.
pub const UNBIND: &str = "unbind";

/// A keymap mode: which screen has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// Fallback for every mode.
    Common,
    /// The tree of objects.
    Navigator,
    /// The detail pane has the focus.
    Detail,
    /// Typing a filter (unbound printable keys type into it).
    Filter,
    /// The help screen is open.
    Help,
    /// The timings list has the keyboard.
    Timings,
    /// The drawn dependency DAG.
    Dag,
    /// The Problems screen (root causes, worst first).
    Problems,
    /// The drill-down of one object (YAML, events, inventory).
    Inspect,
    /// The action menu of the selected object(s).
    Actions,
    /// The confirm view of a prepared action (and the Jobs screen's questions).
    Confirm,
    /// Typing into a field of an action (parameters, the target's name, a break-glass reason): unbound
    /// printable keys are typed, as in the filter.
    Form,
    /// The Jobs screen: executions and their logs.
    Jobs,
    /// The runbook list (key `5`).
    Runbooks,
    /// A runbook walk.
    Walker,
    /// The snapshot screen (key `6`).
    Snapshots,
    /// The `:` command line: unbound printable keys are typed.
    Command,
    /// The fuzzy finder (`ctrl-p`): unbound printable keys are typed.
    Finder,
    /// The copy menu (`y`).
    Copy,
}

impl Mode {
    /// Every mode, in the order help lists them.
    pub const ALL: [Mode; 19] = [
        Mode::Problems,
        Mode::Navigator,
        Mode::Dag,
        Mode::Inspect,
        Mode::Detail,
        Mode::Filter,
        Mode::Timings,
        Mode::Help,
        Mode::Actions,
        Mode::Confirm,
        Mode::Form,
        Mode::Jobs,
        Mode::Runbooks,
        Mode::Walker,
        Mode::Snapshots,
        Mode::Command,
        Mode::Finder,
        Mode::Copy,
        Mode::Common,
    ];

    /// The name used in keymap files.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Mode::Common => "common",
            Mode::Navigator => "navigator",
            Mode::Detail => "detail",
            Mode::Filter => "filter",
            Mode::Help => "help",
            Mode::Timings => "timings",
            Mode::Dag => "dag",
            Mode::Problems => "problems",
            Mode::Inspect => "inspect",
            Mode::Actions => "actions",
            Mode::Confirm => "confirm",
            Mode::Form => "form",
            Mode::Jobs => "jobs",
            Mode::Runbooks => "runbooks",
            Mode::Walker => "walker",
            Mode::Snapshots => "snapshots",
            Mode::Command => "command",
            Mode::Finder => "finder",
            Mode::Copy => "copy",
        }
    }

    /// Modes where unbound printable keys are typed into a field instead of falling back to `common`.
    #[must_use]
    pub fn types_text(self) -> bool {
        matches!(
            self,
            Mode::Filter | Mode::Form | Mode::Command | Mode::Finder
        )
    }

    /// The mode a keymap file names.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Keys bound to one action, with the text help shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<KeySeq>,
    pub action: Action,
    pub desc: String,
}

/// What a key press (with the keys pressed before it) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// A complete binding.
    Action(Action),
    /// A prefix of a longer binding: wait for the next key.
    Pending,
    /// Nothing is bound.
    Unbound,
}

/// Bindings per mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keymap {
    modes: HashMap<Mode, Vec<Binding>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    keys: Vec<Spanned<String>>,
    action: Spanned<String>,
    #[serde(default)]
    desc: Option<String>,
}

impl Keymap {
    /// The embedded default keymap.
    pub fn builtin() -> Result<Self, ConfigProblem> {
        Self::default().patched(DEFAULT_KEYMAP, Path::new("keymaps/default.yaml"))
    }

    /// This keymap with a patch file applied: each binding replaces the listed keys in its mode; the action
    /// `unbind` only removes them. Any error, and any break of the [`keymap_rules`], rejects the whole patch.
    pub fn patched(&self, yaml: &str, file: &Path) -> Result<Self, ConfigProblem> {
        let raw: Option<HashMap<Spanned<String>, Vec<RawBinding>>> =
            serde_saphyr::from_str(yaml).map_err(|e| ConfigProblem::from_yaml(file, &e))?;
        let mut sections: Vec<_> = raw.unwrap_or_default().into_iter().collect();
        sections.sort_by_key(|(mode, _)| mode.referenced.line());
        let mut out = self.clone();
        // The line each (mode, keys) was bound on by this file: a second binding of them is an error.
        let mut bound: HashMap<(Mode, KeySeq), u64> = HashMap::new();
        for (mode_name, bindings) in sections {
            let mode = Mode::from_name(&mode_name.value).ok_or_else(|| {
                ConfigProblem::at(
                    file,
                    mode_name.referenced.line(),
                    format!(
                        "unknown mode '{}' (modes: {})",
                        mode_name.value,
                        Mode::ALL.map(Mode::name).join(", ")
                    ),
                )
            })?;
            for raw in bindings {
                out.apply(mode, raw, file, &mut bound)?;
            }
        }
        if let Some(clash) = keymap_rules::clashes(&out).into_iter().next() {
            // The later of the two bindings this file made is the one that broke the rule.
            let line = [&clash.other, &clash.key]
                .into_iter()
                .filter_map(|k| bound.get(&(clash.mode, k.clone())))
                .copied()
                .max()
                .unwrap_or(0);
            return Err(ConfigProblem::at(
                file,
                line,
                format!("{clash}; unbind one of them"),
            ));
        }
        Ok(out)
    }

    fn apply(
        &mut self,
        mode: Mode,
        raw: RawBinding,
        file: &Path,
        bound: &mut HashMap<(Mode, KeySeq), u64>,
    ) -> Result<(), ConfigProblem> {
        let action_line = raw.action.referenced.line();
        if raw.keys.is_empty() {
            return Err(ConfigProblem::at(
                file,
                action_line,
                "a binding needs at least one key",
            ));
        }
        let unbind = raw.action.value == UNBIND;
        let mut keys = Vec::with_capacity(raw.keys.len());
        for k in &raw.keys {
            let line = k.referenced.line();
            let seq = KeySeq::parse(&k.value).map_err(|msg| ConfigProblem::at(file, line, msg))?;
            let action = (!unbind).then_some(raw.action.value.as_str());
            if let Some(msg) = keymap_rules::quit_key_problem(&seq, action) {
                return Err(ConfigProblem::at(file, line, msg));
            }
            if !unbind {
                if let Some(first) = bound.get(&(mode, seq.clone())) {
                    return Err(ConfigProblem::at(
                        file,
                        line,
                        format!("'{seq}' is bound twice in {mode} (first on line {first})"),
                    ));
                }
                bound.insert((mode, seq.clone()), line);
            }
            keys.push(seq);
        }
        let action = if unbind {
            None
        } else {
            Some(Action::from_name(&raw.action.value).ok_or_else(|| {
                ConfigProblem::at(
                    file,
                    action_line,
                    format!("unknown action '{}'", raw.action.value),
                )
            })?)
        };
        let list = self.modes.entry(mode).or_default();
        for b in list.iter_mut() {
            b.keys.retain(|k| !keys.contains(k));
        }
        list.retain(|b| !b.keys.is_empty());
        if let Some(action) = action {
            let desc = raw
                .desc
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| action.description().to_owned());
            list.push(Binding { keys, action, desc });
        }
        Ok(())
    }

    /// The bindings of one mode, in file order.
    #[must_use]
    pub fn bindings(&self, mode: Mode) -> &[Binding] {
        self.modes.get(&mode).map_or(&[], Vec::as_slice)
    }

    /// What the keys pressed so far mean in `mode`: the mode's own bindings first, then `common`. In
    /// [`Mode::Filter`] and [`Mode::Form`] plain printable keys never fall back to `common` (they are typed into the filter).
    /// [`keymap_rules::QUIT_KEY`] quits in every mode, also in the middle of a sequence.
    #[must_use]
    pub fn resolve(&self, mode: Mode, pending: &[Key]) -> Resolution {
        if pending.last() == Some(&keymap_rules::QUIT_KEY) {
            // The way out that no keymap can take away (see `keymap_rules`).
            return Resolution::Action(Action::Quit);
        }
        let own = Self::resolve_in(self.bindings(mode), pending);
        if own != Resolution::Unbound || mode == Mode::Common {
            return own;
        }
        let typed = mode.types_text()
            && pending.iter().all(|k| {
                matches!(k.code, crossterm::event::KeyCode::Char(_))
                    && !k.mods.intersects(
                        crossterm::event::KeyModifiers::CONTROL
                            | crossterm::event::KeyModifiers::ALT,
                    )
            });
        if typed {
            return Resolution::Unbound;
        }
        Self::resolve_in(self.bindings(Mode::Common), pending)
    }

    fn resolve_in(bindings: &[Binding], pending: &[Key]) -> Resolution {
        let seqs = || {
            bindings
                .iter()
                .flat_map(|b| b.keys.iter().map(move |k| (k, b.action)))
        };
        if seqs().any(|(k, _)| k.starts_with(pending)) {
            return Resolution::Pending;
        }
        seqs()
            .find(|(k, _)| k.0 == pending)
            .map_or(Resolution::Unbound, |(_, a)| Resolution::Action(a))
    }

    /// The first key bound to `action` in `mode` (or `common`), for footers: `"?"`, `"ctrl-c"`.
    #[must_use]
    pub fn key_for(&self, mode: Mode, action: Action) -> Option<String> {
        [mode, Mode::Common].into_iter().find_map(|m| {
            self.bindings(m)
                .iter()
                .find(|b| b.action == action)
                .and_then(|b| b.keys.first())
                .map(ToString::to_string)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<Key> {
        KeySeq::parse(text).unwrap().0
    }

    #[test]
    fn mode_binding_wins_over_common_and_common_is_the_fallback() {
        let km = Keymap::default()
            .patched(
                "common:\n  - keys: [x]\n    action: quit\nhelp:\n  - keys: [x]\n    action: close_help\n",
                Path::new("t.yaml"),
            )
            .unwrap();
        assert_eq!(
            km.resolve(Mode::Help, &keys("x")),
            Resolution::Action(Action::CloseHelp)
        );
        assert_eq!(
            km.resolve(Mode::Navigator, &keys("x")),
            Resolution::Action(Action::Quit)
        );
    }

    #[test]
    fn filter_mode_types_printable_keys_instead_of_falling_back() {
        let km = Keymap::default()
            .patched(
                "common:\n  - keys: [q, ctrl-c]\n    action: quit\n",
                Path::new("t.yaml"),
            )
            .unwrap();
        assert_eq!(km.resolve(Mode::Filter, &keys("q")), Resolution::Unbound);
        assert_eq!(
            km.resolve(Mode::Filter, &keys("ctrl-c")),
            Resolution::Action(Action::Quit)
        );
    }

    #[test]
    fn sequences_wait_for_their_next_key() {
        let km = Keymap::default()
            .patched(
                "navigator:\n  - keys: [g g]\n    action: select_first\n",
                Path::new("t.yaml"),
            )
            .unwrap();
        assert_eq!(km.resolve(Mode::Navigator, &keys("g")), Resolution::Pending);
        assert_eq!(
            km.resolve(Mode::Navigator, &keys("g g")),
            Resolution::Action(Action::SelectFirst)
        );
    }

    #[test]
    fn user_patch_overrides_and_unbinds_keys_per_mode() {
        let base = Keymap::builtin().unwrap();
        let km = base
            .patched(
                "navigator:\n  - keys: [j]\n    action: unbind\n  - keys: [x]\n    action: move_down\n",
                Path::new("t.yaml"),
            )
            .unwrap();
        assert_eq!(km.resolve(Mode::Navigator, &keys("j")), Resolution::Unbound);
        assert_eq!(
            km.resolve(Mode::Navigator, &keys("x")),
            Resolution::Action(Action::MoveDown)
        );
        assert_eq!(
            km.resolve(Mode::Navigator, &keys("down")),
            Resolution::Action(Action::MoveDown)
        );
    }

    #[test]
    fn unknown_action_names_file_line_and_value() {
        let err = Keymap::default()
            .patched(
                "common:\n  - keys: [q]\n    action: qiut\n",
                Path::new("k.yaml"),
            )
            .unwrap_err();
        assert_eq!(err.to_string(), "k.yaml:3: unknown action 'qiut'");
    }
}

//! `fluxops config validate`: every problem of a theme, keymap or settings file, each with its file and line —
//! not only the first, which is all the loaders need (they reject a broken file whole).
//!
//! Each file is first read loosely (any field, any value) to report every unknown field, role, mode, action, key,
//! colour and modifier and every key bound twice in a mode; then, when that found nothing, it goes through the
//! loader the console uses ([`Theme::patched`], [`Keymap::patched`], [`Settings::parse`]), so what the console
//! would refuse is refused here too (a prefix clash with the defaults, a bad duration). Pure: text in, problems
//! out; reading the files is the caller's (`launch::config_validate`).

use super::key::KeySeq;
use super::keymap::{Keymap, Mode, UNBIND};
use super::keymap_rules;
use super::problem::ConfigProblem;
use super::settings::Settings;
use super::theme::{MODIFIERS, Theme};
use crate::app::Action;
use ratatui::style::Color;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

/// What a config file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Theme,
    Keymap,
    Settings,
}

impl FileKind {
    /// What a file is by its name: `*theme*` or in a `themes/` directory, `*keymap*` or in `keymaps/`,
    /// `settings*`.
    #[must_use]
    pub fn of(path: &Path) -> Option<FileKind> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let dir = path
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if name.contains("theme") || dir == "themes" {
            Some(FileKind::Theme)
        } else if name.contains("keymap") || dir == "keymaps" {
            Some(FileKind::Keymap)
        } else if name.starts_with("settings") {
            Some(FileKind::Settings)
        } else {
            None
        }
    }

    /// `theme`, `keymap`, `settings`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Theme => "theme",
            FileKind::Keymap => "keymap",
            FileKind::Settings => "settings",
        }
    }
}

/// A role read loosely: the known fields, any value shape checked by serde (a list where one colour goes is
/// a YAML shape error with its line); unknown fields are found by [`FieldNames`].
#[derive(Deserialize, Default)]
struct LooseStyle {
    #[serde(default)]
    fg: Option<Spanned<String>>,
    #[serde(default)]
    bg: Option<Spanned<String>>,
    #[serde(default)]
    modifiers: Option<Vec<Spanned<String>>>,
}

/// A binding read loosely (see [`LooseStyle`]).
#[derive(Deserialize, Default)]
struct LooseBinding {
    #[serde(default)]
    keys: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    action: Option<Spanned<String>>,
}

/// The field names of a mapping, with their lines.
type FieldNames = HashMap<Spanned<String>, serde::de::IgnoredAny>;

/// Every problem of `text`, a `kind` file named `file` (empty: clean).
#[must_use]
pub fn check(kind: FileKind, text: &str, file: &Path) -> Vec<ConfigProblem> {
    let loose = match kind {
        FileKind::Theme => theme(text, file),
        FileKind::Keymap => keymap(text, file),
        FileKind::Settings => Vec::new(),
    };
    if !loose.is_empty() {
        return loose;
    }
    let strict = match kind {
        FileKind::Theme => Theme::builtin()
            .unwrap_or_default()
            .patched(text, file)
            .err(),
        FileKind::Keymap => Keymap::builtin()
            .unwrap_or_default()
            .patched(text, file)
            .err(),
        FileKind::Settings => Settings::parse(text, file).err(),
    };
    strict.into_iter().collect()
}

fn theme(text: &str, file: &Path) -> Vec<ConfigProblem> {
    type Raw = HashMap<Spanned<String>, Option<LooseStyle>>;
    type Names = HashMap<String, Option<FieldNames>>;
    let (raw, names): (Option<Raw>, Option<Names>) =
        match (serde_saphyr::from_str(text), serde_saphyr::from_str(text)) {
            (Ok(raw), Ok(names)) => (raw, names),
            (Err(e), _) | (_, Err(e)) => return vec![ConfigProblem::from_yaml(file, &e)],
        };
    let names = names.unwrap_or_default();
    let mut out = Vec::new();
    let mut roles: Vec<_> = raw.unwrap_or_default().into_iter().collect();
    roles.sort_by_key(|(k, _)| k.referenced.line());
    let known = Theme::ROLES.iter().map(|(n, _)| *n).collect::<Vec<_>>();
    for (role, style) in roles {
        if !known.contains(&role.value.as_str()) {
            out.push(ConfigProblem::at(
                file,
                role.referenced.line(),
                format!("unknown theme role '{}'", role.value),
            ));
        }
        let style = style.unwrap_or_default();
        for c in style.fg.iter().chain(style.bg.iter()) {
            if Color::from_str(c.value.trim()).is_err() {
                out.push(ConfigProblem::at(
                    file,
                    c.referenced.line(),
                    format!(
                        "unknown colour '{}' (a name like 'red' or 'light-blue', '#rrggbb', or 0-255)",
                        c.value
                    ),
                ));
            }
        }
        for m in style.modifiers.unwrap_or_default() {
            if !MODIFIERS.iter().any(|(n, _)| *n == m.value) {
                out.push(ConfigProblem::at(
                    file,
                    m.referenced.line(),
                    format!(
                        "unknown modifier '{}' (bold, dim, italic, underlined, reversed, crossed_out, …)",
                        m.value
                    ),
                ));
            }
        }
        let fields = names
            .get(&role.value)
            .cloned()
            .flatten()
            .unwrap_or_default();
        for field in fields.keys() {
            if !["fg", "bg", "modifiers"].contains(&field.value.as_str()) {
                out.push(ConfigProblem::at(
                    file,
                    field.referenced.line(),
                    format!(
                        "unknown field '{}' in {} (fields: fg, bg, modifiers)",
                        field.value, role.value
                    ),
                ));
            }
        }
    }
    out.sort_by_key(|p| p.line);
    out
}

fn keymap(text: &str, file: &Path) -> Vec<ConfigProblem> {
    type Raw = HashMap<Spanned<String>, Option<Vec<LooseBinding>>>;
    type Names = HashMap<String, Option<Vec<FieldNames>>>;
    let (raw, names): (Option<Raw>, Option<Names>) =
        match (serde_saphyr::from_str(text), serde_saphyr::from_str(text)) {
            (Ok(raw), Ok(names)) => (raw, names),
            (Err(e), _) | (_, Err(e)) => return vec![ConfigProblem::from_yaml(file, &e)],
        };
    let names = names.unwrap_or_default();
    let mut out = Vec::new();
    let mut modes: Vec<_> = raw.unwrap_or_default().into_iter().collect();
    modes.sort_by_key(|(k, _)| k.referenced.line());
    for (mode_name, bindings) in modes {
        let mode = Mode::from_name(&mode_name.value);
        if mode.is_none() {
            out.push(ConfigProblem::at(
                file,
                mode_name.referenced.line(),
                format!(
                    "unknown mode '{}' (modes: {})",
                    mode_name.value,
                    Mode::ALL.map(Mode::name).join(", ")
                ),
            ));
        }
        let fields = names
            .get(&mode_name.value)
            .cloned()
            .flatten()
            .unwrap_or_default();
        // Where each key sequence was first bound in this mode by this file.
        let mut bound: HashMap<KeySeq, u64> = HashMap::new();
        for (i, binding) in bindings.unwrap_or_default().into_iter().enumerate() {
            let names = fields.get(i).cloned().unwrap_or_default();
            let line = names
                .keys()
                .map(|k| k.referenced.line())
                .min()
                .unwrap_or_else(|| mode_name.referenced.line());
            for field in names.keys() {
                if !["keys", "action", "desc"].contains(&field.value.as_str()) {
                    out.push(ConfigProblem::at(
                        file,
                        field.referenced.line(),
                        format!(
                            "unknown field '{}' in a binding (fields: keys, action, desc)",
                            field.value
                        ),
                    ));
                }
            }
            let name = mode.map_or_else(|| mode_name.value.clone(), |m| m.name().to_owned());
            binding_problems(binding, &name, line, file, &mut bound, &mut out);
        }
    }
    out.sort_by_key(|p| p.line);
    out
}

fn binding_problems(
    binding: LooseBinding,
    mode: &str,
    line: u64,
    file: &Path,
    bound: &mut HashMap<KeySeq, u64>,
    out: &mut Vec<ConfigProblem>,
) {
    let LooseBinding { keys, action } = binding;
    let unbind = action.as_ref().is_some_and(|a| a.value == UNBIND);
    match &action {
        None => out.push(ConfigProblem::at(file, line, "a binding needs an action")),
        Some(a) if !unbind && Action::from_name(&a.value).is_none() => out.push(ConfigProblem::at(
            file,
            a.referenced.line(),
            format!("unknown action '{}'", a.value),
        )),
        Some(_) => {}
    }
    let keys = keys.unwrap_or_default();
    if keys.is_empty() {
        out.push(ConfigProblem::at(
            file,
            line,
            "a binding needs at least one key",
        ));
    }
    let named = if unbind {
        None
    } else {
        action.as_ref().map(|a| a.value.as_str())
    };
    for k in keys {
        let at = k.referenced.line();
        let seq = match KeySeq::parse(&k.value) {
            Ok(seq) => seq,
            Err(msg) => {
                out.push(ConfigProblem::at(file, at, msg));
                continue;
            }
        };
        if let Some(msg) = keymap_rules::quit_key_problem(&seq, named) {
            out.push(ConfigProblem::at(file, at, msg));
        }
        if unbind {
            continue;
        }
        match bound.get(&seq) {
            Some(first) => out.push(ConfigProblem::at(
                file,
                at,
                format!("'{seq}' is bound twice in {mode} (first on line {first})"),
            )),
            None => {
                bound.insert(seq, at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(problems: &[ConfigProblem]) -> Vec<String> {
        problems.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn every_theme_problem_is_reported_with_its_line() {
        let text = "status_ready: { fg: grean }\ntitel: { fg: blue }\nborder:\n  bg: '#12345'\n  modifiers: [bold, blinky]\n  colour: red\n";
        let got = lines(&check(FileKind::Theme, text, Path::new("t.yaml")));
        assert_eq!(
            got,
            [
                "t.yaml:1: unknown colour 'grean' (a name like 'red' or 'light-blue', '#rrggbb', or 0-255)",
                "t.yaml:2: unknown theme role 'titel'",
                "t.yaml:4: unknown colour '#12345' (a name like 'red' or 'light-blue', '#rrggbb', or 0-255)",
                "t.yaml:5: unknown modifier 'blinky' (bold, dim, italic, underlined, reversed, crossed_out, …)",
                "t.yaml:6: unknown field 'colour' in border (fields: fg, bg, modifiers)",
            ]
        );
        // A list where one colour goes: the shape error, with its line.
        let got = lines(&check(
            FileKind::Theme,
            "title:\n  fg: [red]\n",
            Path::new("t.yaml"),
        ));
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("t.yaml:2:"), "{got:?}");
    }

    #[test]
    fn every_keymap_problem_is_reported_with_its_line() {
        let text = "navigator:\n  - keys: [x]\n    action: qiut\n  - keys: [x, ctl-q]\n    action: quit\n    descr: Q\nnavigatr:\n  - keys: [z]\n    action: quit\ncommon:\n  - keys: [ctrl-c]\n    action: unbind\n";
        let got = lines(&check(FileKind::Keymap, text, Path::new("k.yaml")));
        assert_eq!(
            got,
            [
                "k.yaml:3: unknown action 'qiut'",
                "k.yaml:4: 'x' is bound twice in navigator (first on line 2)",
                "k.yaml:4: unknown key 'ctl-q'",
                "k.yaml:6: unknown field 'descr' in a binding (fields: keys, action, desc)",
                "k.yaml:7: unknown mode 'navigatr' (modes: problems, navigator, dag, inspect, detail, filter, timings, help, actions, confirm, form, jobs, runbooks, walker, snapshots, command, finder, copy, common)",
                "k.yaml:11: 'ctrl-c' always quits and cannot be unbound (it is the way out that always works)",
            ]
        );
    }

    #[test]
    fn clean_files_have_no_problem_and_the_loader_still_has_the_last_word() {
        assert!(
            check(
                FileKind::Theme,
                "title: { fg: blue }\n",
                Path::new("t.yaml")
            )
            .is_empty()
        );
        assert!(
            check(
                FileKind::Keymap,
                "navigator:\n  - keys: [x]\n    action: expand_all\n",
                Path::new("k.yaml")
            )
            .is_empty()
        );
        // A prefix clash with the defaults is the loader's finding.
        let got = check(
            FileKind::Keymap,
            "navigator:\n  - keys: [j j]\n    action: select_first\n",
            Path::new("k.yaml"),
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].message.contains("is the start of"), "{got:?}");
        let got = check(
            FileKind::Settings,
            "readonly: maybe\n",
            Path::new("settings.yaml"),
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].line, Some(1));
    }

    #[test]
    fn kinds_come_from_names() {
        assert_eq!(
            FileKind::of(Path::new("a/theme.yaml")),
            Some(FileKind::Theme)
        );
        assert_eq!(
            FileKind::of(Path::new("themes/colorblind.yaml")),
            Some(FileKind::Theme)
        );
        assert_eq!(
            FileKind::of(Path::new("keymaps/k9s.yaml")),
            Some(FileKind::Keymap)
        );
        assert_eq!(
            FileKind::of(Path::new("settings.yaml")),
            Some(FileKind::Settings)
        );
        assert_eq!(FileKind::of(Path::new("x.yaml")), None);
    }
}

//! `Theme`: semantic roles (status colours, selection, borders, banners …), each a ratatui `Style`.
//!
//! `themes/default.yaml` is embedded; a user `theme.yaml` is applied *onto* it field by field (a role that gives
//! only `fg` keeps the default `bg` and modifiers; `modifiers: []` clears them). Widgets ask for roles, never
//! for colours.

use super::problem::ConfigProblem;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

/// The embedded default theme.
pub const DEFAULT_THEME: &str = include_str!("../../themes/default.yaml");

macro_rules! roles {
    ($($role:ident: $doc:literal,)*) => {
        /// Every style the UI uses, by meaning.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct Theme {
            $(#[doc = $doc] pub $role: Style,)*
        }

        impl Theme {
            /// Every role name with its meaning (for docs and validation messages).
            pub const ROLES: &'static [(&'static str, &'static str)] = &[$((stringify!($role), $doc),)*];

            /// Every role's style replaced by `f` of it.
            #[must_use]
            pub fn map_styles(mut self, f: impl Fn(Style) -> Style) -> Self {
                $(self.$role = f(self.$role);)*
                self
            }

            fn role_mut(&mut self, name: &str) -> Option<&mut Style> {
                match name {
                    $(stringify!($role) => Some(&mut self.$role),)*
                    _ => None,
                }
            }
        }
    };
}

roles! {
    status_ready: "Ready objects",
    status_failing: "Failing objects (Ready=False)",
    status_blocked: "Objects waiting on a dependency that is not ready",
    status_stalled: "Stalled objects (terminal, needs a human)",
    status_in_progress: "Objects being reconciled",
    status_suspended: "Suspended objects",
    status_unknown: "Objects without a Ready condition yet",
    selection: "The selected row",
    border: "Pane borders",
    border_focused: "The border of the pane that has the keyboard",
    title: "Pane titles",
    text: "Ordinary text",
    text_dim: "Secondary text (namespaces, ages, reasons)",
    label: "Field labels in the detail pane",
    root_cause: "The 'blocked by' hint",
    timing_flag: "Stuck and overdue marks on tree rows and DAG boxes",
    banner_error: "Error banner (stale data, config problems)",
    banner_warning: "Warning banner (a kind is unavailable)",
    banner_info: "Informational banner",
    status_bar: "The status bar",
    connection_live: "Connection state: live",
    connection_stale: "Connection state: reconnecting or stale",
    key_hint: "Keys in hints and help",
    filter: "The filter prompt",
    event_warning: "Warning events",
    event_normal: "Normal events",
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    #[serde(default)]
    fg: Option<Spanned<String>>,
    #[serde(default)]
    bg: Option<Spanned<String>>,
    #[serde(default)]
    modifiers: Option<Vec<Spanned<String>>>,
}

pub(crate) const MODIFIERS: [(&str, Modifier); 9] = [
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("slow_blink", Modifier::SLOW_BLINK),
    ("rapid_blink", Modifier::RAPID_BLINK),
    ("reversed", Modifier::REVERSED),
    ("hidden", Modifier::HIDDEN),
    ("crossed_out", Modifier::CROSSED_OUT),
];

impl Theme {
    /// The embedded default theme.
    pub fn builtin() -> Result<Self, ConfigProblem> {
        Self::default().patched(DEFAULT_THEME, Path::new("themes/default.yaml"))
    }

    /// This theme with a theme file applied onto it. Any error rejects the whole file.
    pub fn patched(&self, yaml: &str, file: &Path) -> Result<Self, ConfigProblem> {
        let raw: Option<HashMap<Spanned<String>, Option<RawStyle>>> =
            serde_saphyr::from_str(yaml).map_err(|e| ConfigProblem::from_yaml(file, &e))?;
        let mut entries: Vec<_> = raw.unwrap_or_default().into_iter().collect();
        entries.sort_by_key(|(k, _)| k.referenced.line());
        let mut out = *self;
        for (name, raw) in entries {
            let line = name.referenced.line();
            let style = out.role_mut(&name.value).ok_or_else(|| {
                ConfigProblem::at(file, line, format!("unknown theme role '{}'", name.value))
            })?;
            apply(style, raw.unwrap_or_default(), file)?;
        }
        Ok(out)
    }

    /// This theme without any colour, for `NO_COLOR` (no-color.org): foreground and background colours
    /// removed, modifiers kept (status is told by glyphs and words; bold, italic, underline stay), and a role that
    /// stood out by its background (selection, bars, banners, stalled) drawn reversed so that it still does.
    #[must_use]
    pub fn without_colour(self) -> Self {
        self.map_styles(|style| {
            let stood_out = style.bg.is_some_and(|c| c != Color::Reset);
            let mut plain = Style::default()
                .add_modifier(style.add_modifier)
                .remove_modifier(style.sub_modifier);
            if stood_out {
                plain = plain.add_modifier(Modifier::REVERSED);
            }
            plain
        })
    }

    /// The role names, for help texts.
    pub fn role_names() -> impl Iterator<Item = &'static str> {
        Self::ROLES.iter().map(|(n, _)| *n)
    }
}

fn apply(style: &mut Style, raw: RawStyle, file: &Path) -> Result<(), ConfigProblem> {
    if let Some(fg) = raw.fg {
        style.fg = Some(color(&fg, file)?);
    }
    if let Some(bg) = raw.bg {
        style.bg = Some(color(&bg, file)?);
    }
    if let Some(mods) = raw.modifiers {
        let mut set = Modifier::empty();
        for m in mods {
            let (_, bit) = MODIFIERS.iter().find(|(n, _)| *n == m.value).ok_or_else(|| {
                ConfigProblem::at(
                    file,
                    m.referenced.line(),
                    format!(
                        "unknown modifier '{}' (bold, dim, italic, underlined, reversed, crossed_out, …)",
                        m.value
                    ),
                )
            })?;
            set |= *bit;
        }
        style.add_modifier = set;
        style.sub_modifier = Modifier::empty();
    }
    Ok(())
}

fn color(value: &Spanned<String>, file: &Path) -> Result<Color, ConfigProblem> {
    Color::from_str(value.value.trim()).map_err(|_| {
        ConfigProblem::at(
            file,
            value.referenced.line(),
            format!(
                "unknown colour '{}' (a name like 'red' or 'light-blue', '#rrggbb', or 0-255)",
                value.value
            ),
        )
    })
}

/// Whether `NO_COLOR` asks for no colour: set and not empty (no-color.org).
#[must_use]
pub fn no_color_requested(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_colour_keeps_modifiers_and_reverses_what_had_a_background() {
        let t = Theme::builtin().unwrap().without_colour();
        for (name, _) in Theme::ROLES {
            let mut copy = t;
            let style = *copy.role_mut(name).unwrap();
            assert_eq!((style.fg, style.bg), (None, None), "{name}");
        }
        assert!(t.selection.add_modifier.contains(Modifier::REVERSED));
        assert!(t.status_bar.add_modifier.contains(Modifier::REVERSED));
        assert!(t.status_failing.add_modifier.contains(Modifier::BOLD));
        assert!(!t.status_ready.add_modifier.contains(Modifier::REVERSED));
        assert!(no_color_requested(Some("1")));
        assert!(!no_color_requested(Some("")));
        assert!(!no_color_requested(None));
    }

    #[test]
    fn user_theme_inherits_unset_fields_from_defaults() {
        let base = Theme::builtin().unwrap();
        let t = base
            .patched("status_ready:\n  fg: cyan\n", Path::new("t.yaml"))
            .unwrap();
        assert_eq!(t.status_ready.fg, Some(Color::Cyan));
        assert_eq!(t.status_ready.bg, base.status_ready.bg);
        assert_eq!(t.status_ready.add_modifier, base.status_ready.add_modifier);
        assert_eq!(t.selection, base.selection);
    }

    #[test]
    fn bad_colour_is_named_with_its_line() {
        let err = Theme::default()
            .patched(
                "title:\n  fg: blue\nborder:\n  fg: bluish\n",
                Path::new("t.yaml"),
            )
            .unwrap_err();
        assert_eq!(err.line, Some(4));
        assert!(err.message.starts_with("unknown colour 'bluish'"), "{err}");
    }

    #[test]
    fn unknown_role_is_an_error() {
        let err = Theme::default()
            .patched("titel:\n  fg: blue\n", Path::new("t.yaml"))
            .unwrap_err();
        assert_eq!(err.to_string(), "t.yaml:1: unknown theme role 'titel'");
    }
}

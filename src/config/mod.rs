//! Loading and layering of user config files: theme and keymap. Knows nothing about drawing or the cluster.
//!
//! [`Config::load`] never fails: a missing user file means the defaults, a broken one means the defaults plus a
//! [`ConfigProblem`] that the app shows in a banner (and `validate-config` prints, exiting non-zero).

pub mod key;
pub mod keymap;
pub mod keymap_rules;
pub mod paths;
pub mod problem;
pub mod settings;
pub mod theme;
pub mod validate;

pub use key::{Key, KeySeq};
pub use keymap::{Binding, Keymap, Mode, Resolution};
pub use paths::ConfigPaths;
pub use problem::ConfigProblem;
pub use theme::Theme;

use crate::bounded_file;
use std::path::Path;

/// The effective configuration of one run.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub theme: Theme,
    pub keymap: Keymap,
    /// Problems found while loading; each file with a problem was ignored as a whole.
    pub problems: Vec<ConfigProblem>,
}

impl Config {
    /// The built-in theme and keymap, no user files.
    #[must_use]
    pub fn builtin() -> Self {
        let mut problems = Vec::new();
        let theme = Theme::builtin().unwrap_or_else(|p| {
            problems.push(p);
            Theme::default()
        });
        let keymap = Keymap::builtin().unwrap_or_else(|p| {
            problems.push(p);
            Keymap::default()
        });
        Self {
            theme,
            keymap,
            problems,
        }
    }

    /// The defaults patched by the user's `theme.yaml` and `keymap.yaml` in `paths` (when present).
    #[must_use]
    pub fn load(paths: Option<&ConfigPaths>) -> Self {
        let mut config = Self::builtin();
        let Some(paths) = paths else {
            return config;
        };
        if let Some(text) = read_optional(&paths.theme(), &mut config.problems) {
            match config.theme.patched(&text, &paths.theme()) {
                Ok(theme) => config.theme = theme,
                Err(p) => config.problems.push(p),
            }
        }
        if let Some(text) = read_optional(&paths.keymap(), &mut config.problems) {
            match config.keymap.patched(&text, &paths.keymap()) {
                Ok(keymap) => config.keymap = keymap,
                Err(p) => config.problems.push(p),
            }
        }
        config
    }
}

fn read_optional(file: &Path, problems: &mut Vec<ConfigProblem>) -> Option<String> {
    match bounded_file::read_to_string(file, bounded_file::CONFIG) {
        Ok(text) => Some(text),
        Err(e) if e.is_not_found() => None,
        Err(e) => {
            problems.push(ConfigProblem::unreadable(&e));
            None
        }
    }
}

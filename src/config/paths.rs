//! Where user config files live: `FLUXOPS_CONFIG_DIR` if set (tests, unusual setups), else the platform config
//! directory from `directories::ProjectDirs` (`~/.config/fluxops` on Linux).

use std::path::{Path, PathBuf};

/// Environment variable that overrides the config directory.
pub const CONFIG_DIR_ENV: &str = "FLUXOPS_CONFIG_DIR";

/// File name of the user theme patch.
pub const THEME_FILE: &str = "theme.yaml";

/// File name of the user keymap patch.
pub const KEYMAP_FILE: &str = "keymap.yaml";

/// The locations of the user's config files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigPaths {
    pub dir: PathBuf,
}

impl ConfigPaths {
    /// Paths inside an explicit directory.
    #[must_use]
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `FLUXOPS_CONFIG_DIR`, else the platform config dir; `None` when neither can be determined (no home).
    #[must_use]
    pub fn discover() -> Option<Self> {
        if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV).filter(|d| !d.is_empty()) {
            return Some(Self::at(dir));
        }
        directories::ProjectDirs::from("io", "fluxops", "fluxops").map(|p| Self::at(p.config_dir()))
    }

    /// The user theme patch.
    #[must_use]
    pub fn theme(&self) -> PathBuf {
        self.dir.join(THEME_FILE)
    }

    /// The user keymap patch.
    #[must_use]
    pub fn keymap(&self) -> PathBuf {
        self.dir.join(KEYMAP_FILE)
    }

    /// The config directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

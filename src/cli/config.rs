//! `fluxops config …`: the user's config files.

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `fluxops config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check config files (default: theme.yaml, keymap.yaml and settings.yaml in the config directory): every
    /// problem as FILE:LINE: what is wrong. Exit 0 when clean, 1 when a file has a problem.
    Validate(ConfigValidateArgs),
}

/// `fluxops config validate`.
#[derive(Debug, Args)]
pub struct ConfigValidateArgs {
    /// Files to check (default: those in the config directory). What a file is comes from its name
    /// (`*theme*`, `*keymap*`, `settings*`, or a `themes/` / `keymaps/` directory) unless --kind says.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// What the files are, when their names do not say.
    #[arg(long, value_enum)]
    pub kind: Option<ConfigFileKind>,
}

/// The kinds of config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfigFileKind {
    Theme,
    Keymap,
    Settings,
}

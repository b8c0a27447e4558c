//! The command line of guided runbooks (docs/RUNBOOKS.md): `runbook list|show|validate|run`.

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `fluxops runbook`.
#[derive(Debug, Args)]
pub struct RunbookArgs {
    #[command(subcommand)]
    pub command: RunbookCommand,
}

#[derive(Debug, Subcommand)]
pub enum RunbookCommand {
    /// List the runbooks (shipped and user) with the failure classes they apply to.
    List(RunbookDirArgs),
    /// Print one runbook's inputs and steps.
    Show(RunbookShowArgs),
    /// Check runbook files (default: the shipped ones and the user directory); exit 1 naming file:line.
    Validate(RunbookValidateArgs),
    /// Walk a runbook on a target, printing each step as it happens; resumes an unfinished walk of the same
    /// runbook on the same target. Exit 0 when it succeeded, 1 when it failed, ended in a branch or was
    /// declined, 2 for a usage error.
    Run(Box<RunbookRunArgs>),
}

/// Where user runbooks are.
#[derive(Debug, Args, Default)]
pub struct RunbookDirArgs {
    /// User runbooks to layer on the shipped ones (default: `runbooks/` in the config directory).
    #[arg(long, value_name = "DIR")]
    pub runbooks: Option<PathBuf>,
}

/// `fluxops runbook show`.
#[derive(Debug, Args)]
pub struct RunbookShowArgs {
    /// The runbook id (`fluxops runbook list`).
    #[arg(value_name = "ID")]
    pub id: String,

    #[command(flatten)]
    pub dir: RunbookDirArgs,
}

/// `fluxops runbook validate`.
#[derive(Debug, Args)]
pub struct RunbookValidateArgs {
    /// Runbook files to check (default: the shipped runbooks and the user directory).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub dir: RunbookDirArgs,
}

/// `fluxops runbook run`.
#[derive(Debug, Args)]
pub struct RunbookRunArgs {
    /// The runbook id.
    #[arg(value_name = "ID")]
    pub id: String,

    /// The object the runbook is bound to: Kind/namespace/name, e.g. HelmRelease/data/postgresql.
    #[arg(long, value_name = "TARGET")]
    pub target: String,

    /// An input of the runbook (repeatable).
    #[arg(long = "input", value_name = "NAME=VALUE")]
    pub inputs: Vec<String>,

    /// Take every confirmation without a typed answer as given (actions' own confirmations too).
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Write the Markdown transcript here when the walk ends (or pauses).
    #[arg(long, value_name = "FILE")]
    pub transcript: Option<PathBuf>,

    /// Set aside an unfinished walk of another runbook on the target instead of refusing.
    #[arg(long)]
    pub discard: bool,

    /// How often live checks are re-read (default 2s).
    #[arg(long, value_name = "DURATION")]
    pub poll: Option<String>,

    #[command(flatten)]
    pub dir: RunbookDirArgs,

    #[command(flatten)]
    pub policies: crate::cli::PolicyDirArgs,

    #[command(flatten)]
    pub cluster: crate::cli::ClusterArgs,
}

//! The arguments of `fluxops check` and `fluxops hook` (docs/CHECK.md).

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `fluxops check` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum CheckFormat {
    /// `file:line: severity[rule]: message`, the fix below, then the impact and a summary.
    #[default]
    Text,
    /// The report as one JSON document (`fluxops.check/v1`).
    Json,
    /// SARIF 2.1.0, for code-scanning annotations in CI.
    Sarif,
}

/// The lowest severity that makes `fluxops check` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum FailOnArg {
    #[default]
    Error,
    Warning,
}

/// `fluxops check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The GitOps repository directory (default: the current directory).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,

    /// The revision to compare with for immutable-field changes and impact (default: the merge base with the
    /// upstream branch).
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,

    /// Server-side dry-run (dryRun=All) the objects the change touches against a live cluster and print the
    /// diff against live: this kubeconfig context, or the current one when NAME is left out (put PATH before
    /// a bare --cluster); several `--context`s (or `--all-contexts`): each of them.
    #[arg(long = "cluster", value_name = "NAME", num_args = 0..=1)]
    pub cluster: Option<Option<String>>,

    /// Check only this `clusters/<NAME>` entry point of a multi-cluster repository (default: each one).
    #[arg(long, value_name = "NAME")]
    pub entry: Option<String>,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = CheckFormat::Text)]
    pub output: CheckFormat,

    /// Exit 1 on findings of this severity or worse.
    #[arg(long, value_enum, default_value_t = FailOnArg::Error)]
    pub fail_on: FailOnArg,

    /// Do not build (no kustomize) and ask no chart repository: graph and timing findings only.
    #[arg(long)]
    pub no_build: bool,

    /// Ask no chart repository or OCI registry for its versions (builds still run).
    #[arg(long)]
    pub offline: bool,

    /// The cluster of `--cluster` (`--context NAME` or `--kubeconfig FILE` alone imply `--cluster`).
    #[command(flatten)]
    pub kube: super::ClusterArgs,
}

/// `fluxops hook`.
#[derive(Debug, Args)]
pub struct HookArgs {
    #[command(subcommand)]
    pub command: HookCommand,
}

/// `fluxops hook …`.
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write `.git/hooks/pre-commit` running `fluxops check` on the repository.
    Install {
        /// The git repository (default: the current directory).
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
        /// Replace an existing pre-commit hook that fluxops did not write.
        #[arg(long)]
        force: bool,
    },
}

//! `fluxops snapshot …` arguments (docs/SNAPSHOTS.md).

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `fluxops snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(subcommand)]
    pub command: SnapshotCommand,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Take a snapshot of the Flux objects (every served kind) in scope, all at one resourceVersion.
    Create(SnapshotCreateArgs),
    /// List the snapshots in the data directory, newest first.
    List,
    /// Show a snapshot's manifest and objects (verified: a corrupt or altered snapshot is refused).
    Show(SnapshotShowArgs),
    /// Compare a snapshot with the live cluster: deleted, created and changed objects, field by field. Exit 0
    /// when the cluster still equals it, 1 when it differs.
    Diff(SnapshotDiffArgs),
    /// Restore objects of a snapshot: policy, server-side dry-run, suspend the Flux owners, server-side apply,
    /// resume in dependency order, verify Ready, audit. Never deletes.
    Restore(SnapshotRestoreArgs),
}

/// `fluxops snapshot create`.
#[derive(Debug, Args)]
pub struct SnapshotCreateArgs {
    /// Also take the live objects the Kustomizations' and HelmReleases' inventories list (Secrets excepted).
    #[arg(long)]
    pub with_inventory: bool,

    /// Refused: a snapshot never holds Secret data (there is no encryption).
    #[arg(long)]
    pub include_secrets: bool,

    /// Write the snapshot to this new directory instead of the data directory.
    #[arg(long, value_name = "DIR")]
    pub to: Option<PathBuf>,

    #[command(flatten)]
    pub cluster: crate::cli::ClusterArgs,
}

/// `fluxops snapshot show`.
#[derive(Debug, Args)]
pub struct SnapshotShowArgs {
    /// The snapshot id (`fluxops snapshot list`) or its directory.
    #[arg(value_name = "ID")]
    pub id: String,

    /// Print every object as YAML too.
    #[arg(long)]
    pub objects: bool,
}

/// `fluxops snapshot diff`.
#[derive(Debug, Args)]
pub struct SnapshotDiffArgs {
    /// The snapshot id (`fluxops snapshot list`) or its directory.
    #[arg(value_name = "ID")]
    pub id: String,

    #[command(flatten)]
    pub cluster: crate::cli::ClusterArgs,
}

/// `fluxops snapshot restore`.
#[derive(Debug, Args)]
pub struct SnapshotRestoreArgs {
    /// The snapshot id (`fluxops snapshot list`) or its directory.
    #[arg(value_name = "ID")]
    pub id: String,

    /// Only these objects: Kind/namespace/name or Kind/name, globs allowed (repeatable; default: all).
    #[arg(long, value_name = "PATTERN")]
    pub only: Vec<String>,

    /// Prepare and dry-run on the server only; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Give up after this long (default: the snapshot-restore action's).
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,

    #[command(flatten)]
    pub dir: crate::cli::PolicyDirArgs,

    #[command(flatten)]
    pub cluster: crate::cli::ClusterArgs,
}

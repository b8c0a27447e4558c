//! The command line of acting safely (docs/ACTIONS.md, docs/POLICIES.md): `action list`, `policy eval|test`,
//! `rbac` and `audit`. None of them reads a cluster.

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Text for people, JSON for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

/// `fluxops action`.
#[derive(Debug, Args)]
pub struct ActionArgs {
    #[command(subcommand)]
    pub command: ActionCommand,
}

#[derive(Debug, Subcommand)]
pub enum ActionCommand {
    /// List the action catalog: what each action does, its parameters and bounds, executor and timeouts.
    List(ActionListArgs),
    /// Run one action on one object: policy, permission check, dry-run, confirmation, execution, verification
    /// and audit (docs/ACTIONS.md). Exit 0 when it succeeded, 1 when it was denied, forbidden or failed, 2 for a
    /// usage error (unknown action, bad target or parameter, confirmation needed without a terminal).
    Run(ActionRunArgs),
    /// Undo a finished execution (this process or an earlier one): its inverse action with what was captured
    /// before it ran (previous replicas, image, value, cordon or suspend state), prepared and confirmed like
    /// any action. Exit codes as `action run`.
    Rollback(ActionRollbackArgs),
}

/// `fluxops action rollback`.
#[derive(Debug, Args)]
pub struct ActionRollbackArgs {
    /// The execution to undo (its id, as `action run` and `fluxops audit` print it).
    #[arg(value_name = "EXECUTION")]
    pub execution: String,

    /// Prepare and dry-run on the server only; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation (a typed confirmation is taken as given).
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Output format: text (progress as it happens) or one JSON document at the end.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Read this catalog file instead of the shipped one.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,

    #[command(flatten)]
    pub dir: PolicyDirArgs,

    #[command(flatten)]
    pub cluster: crate::cli::ClusterArgs,
}

/// `fluxops action run`.
#[derive(Debug, Args)]
pub struct ActionRunArgs {
    /// The action (`fluxops action list`).
    #[arg(value_name = "ACTION")]
    pub action: String,

    /// The object: Kind/namespace/name (Kind/name for cluster-scoped kinds), e.g. ks/flux-system/apps.
    #[arg(value_name = "TARGET")]
    pub target: String,

    /// A parameter (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,

    /// Prepare and dry-run on the server only; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation (a typed confirmation is taken as given).
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Output format: text (progress as it happens) or one JSON document at the end.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Give up after this long (90s, 10m; default: the action's, at most its maximum).
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,

    /// Declare break-glass with this reason (the Git-is-the-source-of-truth policy then asks for typed
    /// confirmation instead of denying).
    #[arg(long, value_name = "REASON")]
    pub break_glass: Option<String>,

    /// Read this catalog file instead of the shipped one.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,

    #[command(flatten)]
    pub dir: PolicyDirArgs,

    #[command(flatten)]
    pub cluster: crate::cli::ClusterArgs,
}

/// `fluxops action list`.
#[derive(Debug, Args)]
pub struct ActionListArgs {
    /// Only the actions that apply to this kind (Deployment, deploy, ks, HelmRelease, …).
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Read this catalog file instead of the shipped one (to check a catalog you write).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
}

/// `fluxops policy`.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Decide one input document (docs/POLICIES.md): exit 0 when allowed, 1 when denied.
    Eval(PolicyEvalArgs),
    /// Run policy test cases (`*.json`: input + expected decision) against the policies: exit 1 if any fails.
    Test(PolicyTestArgs),
}

/// Where the user policies come from.
#[derive(Debug, Args, Clone, Default)]
pub struct PolicyDirArgs {
    /// User policies to layer on the shipped ones (default: `policies/` in the config directory).
    #[arg(long, value_name = "DIR")]
    pub policies: Option<PathBuf>,
}

/// `fluxops policy eval`.
#[derive(Debug, Args)]
pub struct PolicyEvalArgs {
    /// The input document (JSON, docs/POLICIES.md; `-` for standard input), or a test case (`input` +
    /// `expect`) whose input is decided.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    #[command(flatten)]
    pub dir: PolicyDirArgs,
}

/// `fluxops policy test`.
#[derive(Debug, Args)]
pub struct PolicyTestArgs {
    /// The directory of test cases (default: the shipped cases, plus `tests/` in the user policy directory).
    #[arg(value_name = "DIR")]
    pub cases: Option<PathBuf>,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    #[command(flatten)]
    pub dir: PolicyDirArgs,
}

/// `fluxops rbac`.
#[derive(Debug, Args)]
pub struct RbacArgs {
    /// The namespace of the Jobs and their ServiceAccounts (default: the `actions.namespace` setting, else
    /// fluxops-system).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Let the actions act only in these namespaces (repeatable or comma-separated; default: every
    /// namespace). Node rules stay cluster-wide.
    #[arg(long = "target-namespace", value_name = "NS", value_delimiter = ',')]
    pub target_namespaces: Vec<String>,

    /// Read this catalog file instead of the shipped one.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
}

/// `fluxops audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only records at or after this: a duration back from now (2h, 30m, 7d) or a time (RFC 3339, or a date).
    #[arg(long, value_name = "DURATION|TIME")]
    pub since: Option<String>,

    /// Check the hash chain: exit 1 and name the line when a record was removed, reordered or edited.
    #[arg(long)]
    pub verify: bool,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// The audit log (default: audit.jsonl in the data directory, or $FLUXOPS_DATA_DIR).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

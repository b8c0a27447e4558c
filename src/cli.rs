//! Command-line interface (clap). Parsing only: `main` turns these into calls into the library.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// A terminal operations console for Flux CD.
#[derive(Debug, Parser)]
#[command(name = "fluxops", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub console: ConsoleArgs,
}

/// Options of the console (the default command).
#[derive(Debug, Args, Clone, Default)]
pub struct ConsoleArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, env = "KUBECONFIG", value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Limit the view to one namespace.
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,

    /// Show every namespace (the default when no namespace is given and the context has none).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Run on a simulated cluster with a realistic Flux fleet instead of a real one.
    #[arg(long)]
    pub demo: bool,

    #[command(flatten)]
    pub sim: SimSourceArgs,
}

/// Which fleet the simulated cluster serves (`--demo` and `fluxops sim`).
#[derive(Debug, Args, Clone, Default)]
pub struct SimSourceArgs {
    /// Scenario from fixtures/scenarios (default: demo).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["fleet", "from_dir"])]
    pub scenario: Option<String>,

    /// Generate a synthetic fleet of N objects (scale work).
    #[arg(long, value_name = "N", conflicts_with = "from_dir")]
    pub fleet: Option<usize>,

    /// Serve the Flux objects found in a GitOps repository.
    #[arg(long, value_name = "PATH")]
    pub from_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run only the simulated cluster, headless, for any Kubernetes client.
    Sim(SimArgs),
    /// After a git push: wait until everything fed by the revision is Ready at it (exit 0), failed (1) or the
    /// timeout passed (2); 3 when it cannot follow. Defaults from .fluxops.yaml at the repository root.
    Follow(FollowArgs),
    /// Print the dependency graph of the cluster or of a GitOps repository (tree, JSON, DOT, Mermaid).
    Graph(GraphArgs),
    /// Classify failure messages (one per line, or a TSV with a `message` column) and print one JSON line each.
    Diagnose(DiagnoseArgs),
}

/// Output formats of `fluxops graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum GraphFormat {
    /// An indented tree: sources at the top, dependents below.
    #[default]
    Tree,
    /// Nodes, edges with their kind, warnings and root causes (docs/graph.md).
    Json,
    /// Graphviz DOT (`| dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart (renders in Markdown).
    Mermaid,
}

/// `fluxops graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Read the graph from a GitOps repository directory instead of the cluster.
    #[arg(long, value_name = "PATH")]
    pub from_dir: Option<PathBuf>,

    /// With --from-dir: load only this `clusters/<NAME>` entry point of a multi-cluster repository.
    #[arg(long, value_name = "NAME", requires = "from_dir")]
    pub cluster: Option<String>,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = GraphFormat::Tree)]
    pub output: GraphFormat,

    /// Keep only these kinds (repeatable or comma-separated: Kustomization,HelmRelease,…).
    #[arg(long, value_name = "KIND", value_delimiter = ',')]
    pub kind: Vec<String>,

    /// Keep only the objects matching NAME (`name`, `ns/name` or `Kind/ns/name`), what they wait on and what
    /// waits on them.
    #[arg(long, value_name = "NAME")]
    pub focus: Option<String>,

    /// With --focus: how many edges away from it to keep (default: everything connected).
    #[arg(long, value_name = "N", requires = "focus")]
    pub depth: Option<usize>,

    /// The kubeconfig context to use (default: the current context).
    #[arg(long, value_name = "NAME", conflicts_with = "from_dir")]
    pub context: Option<String>,

    /// Only this namespace (cluster: list only there; directory: keep only its objects).
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,

    /// Every namespace (the default when no namespace is given and the context has none).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
}

/// `fluxops sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on (127.0.0.1 only).
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub listen: SocketAddr,

    /// Write a kubeconfig pointing at the server to FILE.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig_out: Option<PathBuf>,

    #[command(flatten)]
    pub source: SimSourceArgs,
}

/// `fluxops follow` (docs/follow.md). Unset options come from `.fluxops.yaml`, then the built-in defaults.
#[derive(Debug, Args, Clone, Default)]
pub struct FollowArgs {
    /// The commit (sha, prefix of 7+ hex digits, or a Flux revision like main@sha1:<sha>); default:
    /// `git rev-parse HEAD` in the current directory.
    #[arg(long, value_name = "SHA")]
    pub revision: Option<String>,

    /// Give up after this long (Go or humantime duration: 90s, 10m, 1h30m, "10 minutes"; default 10m).
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,

    /// Output format (default text).
    #[arg(long, value_enum)]
    pub output: Option<crate::follow::Format>,

    /// Colours: auto (only on a terminal, NO_COLOR respected), always, never.
    #[arg(long, value_enum, value_name = "WHEN")]
    pub color: Option<crate::follow::ColorMode>,

    /// Kinds to follow (repeatable: Kustomization, HelmRelease, ks, hr; default both).
    #[arg(long = "kind", value_name = "KIND")]
    pub kinds: Vec<String>,

    /// Prefix every line with the UTC time.
    #[arg(long, overrides_with = "no_timestamps")]
    pub timestamps: bool,

    /// No timestamps (overrides .fluxops.yaml).
    #[arg(long, overrides_with = "timestamps")]
    pub no_timestamps: bool,

    /// Stop at the first failure (the default).
    #[arg(long, overrides_with = "no_fail_fast")]
    pub fail_fast: bool,

    /// Wait until every object is Ready or failed before exiting.
    #[arg(long, overrides_with = "fail_fast")]
    pub no_fail_fast: bool,

    /// API failures tolerated (connection attempts at start, watch failure streaks; default 5).
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,

    /// The kubeconfig context to use (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Only this namespace.
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,

    /// Every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
}

/// `fluxops diagnose`.
#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// Files to read: one failure message per line, or a TSV whose header has a `message` column and optional
    /// `kind` / `condition_reason` columns. `-` or none: standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Score labelled tables instead: each FILE needs a `failure_class` column (and may have `facts`); prints
    /// precision and recall per class, rows right, the misses and the expected facts found (Markdown). Exit
    /// code 2 when a wrong class was given with confidence.
    #[arg(long)]
    pub score: bool,
}

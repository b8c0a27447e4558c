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
    /// Classify failure messages (one per line, or a TSV with a `message` column) and print one JSON line each.
    Diagnose(DiagnoseArgs),
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

/// `fluxops diagnose`.
#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// Files to read: one failure message per line, or a TSV whose header has a `message` column and optional
    /// `kind` / `condition_reason` columns. `-` or none: standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

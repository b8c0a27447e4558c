//! Command-line interface (clap). Parsing only: `main` turns these into calls into the library (`launch`).
//!
//! Cluster flags (`--kubeconfig`, `--context`, `-n`, `-A`) are accepted before or after the subcommand of the
//! commands that read a cluster (the console, `graph`, `follow`, `action run`): the top level and each of those subcommands
//! flatten a [`ClusterArgs`] of their own, so each subcommand's help says what the flag means for it, and
//! [`ClusterArgs::merge`] combines the two levels. Commands that read no cluster (`sim`, `diagnose`,
//! `completion`, `action`, `policy`, `rbac`, `audit`) neither list nor accept them; given before such a
//! subcommand they are a [`UsageError`] (see [`Cli::check`]), except `--readonly`, which every command but `sim`
//! accepts (it sends nothing, so the promise holds). Checks that span both levels live here too, not in clap attributes.
//!
//! Commands that print objects (`graph`, `follow`) share `-o/--output` and `--kind` (repeatable and
//! comma-separated, names as `FluxKind::from_user` reads them).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

mod safety;
pub use safety::*;
mod check;
pub use check::*;
mod runbook;
pub use runbook::*;
mod snapshot;
pub use snapshot::*;
mod config;
pub use config::*;

/// A terminal operations console for Flux CD.
#[derive(Debug, Parser)]
#[command(name = "fluxops", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub cluster: ClusterArgs,

    #[command(flatten)]
    pub console: ConsoleArgs,
}

/// A mistake in how the command line combines flags that clap cannot see (flags split around the
/// subcommand). Exit status 2, like clap's own usage errors (3 for `follow`, whose 2 means a timeout).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Which cluster and which namespaces: accepted before or after the subcommand (see the module doc).
#[derive(Debug, Args, Clone, Default, PartialEq, Eq)]
pub struct ClusterArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use (default: its current context); repeat it to watch several clusters
    /// at once (`--context staging --context prod`).
    #[arg(long, value_name = "NAME")]
    pub context: Vec<String>,

    /// Every context of the kubeconfig, each its own cluster.
    #[arg(long, conflicts_with = "context")]
    pub all_contexts: bool,

    /// Only this namespace (default: every namespace; the context's namespace is not used).
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,

    /// Every namespace (the default).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Read-only: the Kubernetes client refuses every request that could change the cluster (also the
    /// `readonly: true` setting, docs/ACTIONS.md).
    #[arg(long)]
    pub readonly: bool,
}

impl ClusterArgs {
    /// Whether any cluster flag was given.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == ClusterArgs::default()
    }

    /// The flags given, for messages (`--context, -n`).
    #[must_use]
    pub fn given(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.kubeconfig.is_some() {
            out.push("--kubeconfig");
        }
        if !self.context.is_empty() {
            out.push("--context");
        }
        if self.all_contexts {
            out.push("--all-contexts");
        }
        if self.namespace.is_some() {
            out.push("-n/--namespace");
        }
        if self.all_namespaces {
            out.push("-A/--all-namespaces");
        }
        if self.readonly {
            out.push("--readonly");
        }
        out
    }

    /// Combines the flags given before the subcommand (`self`) with those given after it.
    ///
    /// # Errors
    /// The same flag given on both sides with different values, or `-n` on one side and `-A` on the other.
    pub fn merge(&self, after: &ClusterArgs) -> Result<ClusterArgs, UsageError> {
        fn one<T: Clone + PartialEq + std::fmt::Debug>(
            flag: &str,
            before: Option<&T>,
            after: Option<&T>,
        ) -> Result<Option<T>, UsageError> {
            match (before, after) {
                (Some(b), Some(a)) if a != b => Err(UsageError(format!(
                    "{flag} is given twice with different values ({b:?} and {a:?})"
                ))),
                (b, a) => Ok(a.or(b).cloned()),
            }
        }
        let merged = ClusterArgs {
            kubeconfig: one(
                "--kubeconfig",
                self.kubeconfig.as_ref(),
                after.kubeconfig.as_ref(),
            )?,
            context: match (self.context.is_empty(), after.context.is_empty()) {
                (false, false) if self.context != after.context => {
                    return Err(UsageError(format!(
                        "--context is given twice with different values ({:?} and {:?}); give every context on one side",
                        self.context, after.context
                    )));
                }
                (_, false) => after.context.clone(),
                _ => self.context.clone(),
            },
            all_contexts: self.all_contexts || after.all_contexts,
            namespace: one(
                "-n/--namespace",
                self.namespace.as_ref(),
                after.namespace.as_ref(),
            )?,
            all_namespaces: self.all_namespaces || after.all_namespaces,
            readonly: self.readonly || after.readonly,
        };
        if merged.all_contexts && !merged.context.is_empty() {
            return Err(UsageError(
                "--context and --all-contexts cannot be used together".to_owned(),
            ));
        }
        if merged.all_namespaces && merged.namespace.is_some() {
            return Err(UsageError(
                "-n/--namespace and -A/--all-namespaces cannot be used together".to_owned(),
            ));
        }
        Ok(merged)
    }
}

/// Options of the console (the default command).
#[derive(Debug, Args, Clone, Default)]
pub struct ConsoleArgs {
    /// Run on a simulated cluster with a realistic Flux fleet instead of a real one.
    #[arg(long)]
    pub demo: bool,

    #[command(flatten)]
    pub sim: SimSourceArgs,

    #[command(flatten)]
    pub metrics: MetricsArgs,
}

/// The Prometheus endpoint of the console and `watch` (docs/metrics.md).
#[derive(Debug, Args, Clone, Default)]
pub struct MetricsArgs {
    /// Serve Prometheus metrics on ADDR (`127.0.0.1:9464`): loopback only unless --metrics-allow-remote.
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<String>,

    /// Let --metrics-addr listen on a non-loopback address (the metrics name every object; no authentication).
    #[arg(long, requires = "metrics_addr")]
    pub metrics_allow_remote: bool,
}

impl ConsoleArgs {
    /// The console-only flags given, for messages.
    #[must_use]
    pub fn given(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.demo {
            out.push("--demo");
        }
        if self.sim.scenario.is_some() {
            out.push("--scenario");
        }
        if self.sim.fleet.is_some() {
            out.push("--fleet");
        }
        if self.sim.from_dir.is_some() {
            out.push("--from-dir");
        }
        if self.metrics.metrics_addr.is_some() {
            out.push("--metrics-addr");
        }
        out
    }
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
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to standard output.
    Completion(CompletionArgs),
    /// The action catalog (docs/ACTIONS.md).
    Action(ActionArgs),
    /// Evaluate or test the action policies (docs/POLICIES.md).
    Policy(PolicyArgs),
    /// Print the ServiceAccounts, Roles and bindings the action catalog needs, for `kubectl apply -f -`.
    Rbac(RbacArgs),
    /// Show or verify the audit log of actions.
    Audit(AuditArgs),
    /// Check a GitOps repository before pushing: graph, build, immutable fields, impact (docs/CHECK.md). Exit 0
    /// clean, 1 findings at or above --fail-on, 3 cannot check.
    Check(CheckArgs),
    /// Git hooks: `fluxops hook install` writes a pre-commit hook running `fluxops check`.
    Hook(HookArgs),
    /// Guided runbooks: list, show, validate, and walk one on a target (docs/RUNBOOKS.md).
    Runbook(RunbookArgs),
    /// Snapshots of the Flux objects: create, list, show, diff against the live cluster, restore.
    Snapshot(SnapshotArgs),
    /// The wall display for a shared screen: read-only, no input needed (q or ctrl-c quits; docs/WATCH.md).
    Watch(WatchArgs),
    /// The user's config files: `fluxops config validate [FILE…]` checks them (theme, keymap, settings).
    Config(ConfigArgs),
    /// Trace an object to the Kustomization or HelmRelease that applied it, its source and the revisions, like
    /// `flux trace` (docs/TRACE.md). Exit 0 traced (managed or not), 1 the object cannot be read.
    Trace(TraceArgs),
}

impl Command {
    /// The subcommand's name as typed.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Command::Sim(_) => "sim",
            Command::Follow(_) => "follow",
            Command::Graph(_) => "graph",
            Command::Diagnose(_) => "diagnose",
            Command::Completion(_) => "completion",
            Command::Action(_) => "action",
            Command::Policy(_) => "policy",
            Command::Rbac(_) => "rbac",
            Command::Audit(_) => "audit",
            Command::Check(_) => "check",
            Command::Hook(_) => "hook",
            Command::Runbook(_) => "runbook",
            Command::Snapshot(_) => "snapshot",
            Command::Watch(_) => "watch",
            Command::Config(_) => "config",
            Command::Trace(_) => "trace",
        }
    }

    /// The cluster flags given after the subcommand (`None` for commands that read no cluster).
    #[must_use]
    pub fn cluster(&self) -> Option<&ClusterArgs> {
        match self {
            Command::Follow(a) => Some(&a.cluster),
            Command::Graph(a) => Some(&a.cluster),
            Command::Watch(a) => Some(&a.cluster),
            Command::Trace(a) => Some(&a.cluster),
            Command::Check(a) => Some(&a.kube),
            Command::Action(ActionArgs {
                command: ActionCommand::Run(run),
            }) => Some(&run.cluster),
            Command::Action(ActionArgs {
                command: ActionCommand::Rollback(rollback),
            }) => Some(&rollback.cluster),
            Command::Runbook(RunbookArgs {
                command: RunbookCommand::Run(run),
            }) => Some(&run.cluster),
            Command::Snapshot(SnapshotArgs { command }) => match command {
                SnapshotCommand::Create(a) => Some(&a.cluster),
                SnapshotCommand::Diff(a) => Some(&a.cluster),
                SnapshotCommand::Restore(a) => Some(&a.cluster),
                SnapshotCommand::List | SnapshotCommand::Show(_) => None,
            },
            Command::Sim(_)
            | Command::Diagnose(_)
            | Command::Completion(_)
            | Command::Action(_)
            | Command::Policy(_)
            | Command::Rbac(_)
            | Command::Audit(_)
            | Command::Hook(_)
            | Command::Runbook(_)
            | Command::Config(_) => None,
        }
    }
}

impl Cli {
    /// The cluster flags of the command, from both sides of the subcommand.
    ///
    /// # Errors
    /// Cluster flags before a subcommand that reads no cluster, console flags (`--demo`, …) before any
    /// subcommand, or cluster flags that contradict each other (see [`ClusterArgs::merge`]).
    pub fn check(&self) -> Result<ClusterArgs, UsageError> {
        let Some(command) = &self.command else {
            return self.cluster.merge(&ClusterArgs::default());
        };
        let console = self.console.given();
        if !console.is_empty() {
            return Err(UsageError(format!(
                "{} {} an option of the console (`fluxops {}`), not of `fluxops {}`",
                console.join(", "),
                if console.len() == 1 { "is" } else { "are" },
                console.join(" "),
                command.name()
            )));
        }
        match command.cluster() {
            Some(after) => {
                let merged = self.cluster.merge(after)?;
                if let Command::Graph(graph) = command
                    && graph.from_dir.is_some()
                    && (merged.kubeconfig.is_some()
                        || !merged.context.is_empty()
                        || merged.all_contexts)
                {
                    return Err(UsageError(
                        "--kubeconfig and --context choose a cluster; `graph --from-dir` reads a directory"
                            .to_owned(),
                    ));
                }
                let many = merged.context.len() > 1 || merged.all_contexts;
                if many
                    && !matches!(
                        command,
                        Command::Watch(_)
                            | Command::Graph(_)
                            | Command::Follow(_)
                            | Command::Check(_)
                    )
                {
                    return Err(UsageError(format!(
                        "`fluxops {}` acts on one cluster: give --context once (several clusters: the console, \
                         `watch`, `graph`, `follow` and `check --cluster`)",
                        command.name()
                    )));
                }
                Ok(merged)
            }
            None if self.cluster.is_empty() => Ok(ClusterArgs::default()),
            // `--readonly` is a promise that nothing mutates: a command that sends nothing keeps it, so a
            // wrapper that always passes it (`alias fluxops='fluxops --readonly'`) works for every command. Not
            // for `sim`, which is the server and would wrongly suggest a read-only simulated cluster.
            None if !matches!(command, Command::Sim(_))
                && self.cluster
                    == (ClusterArgs {
                        readonly: true,
                        ..ClusterArgs::default()
                    }) =>
            {
                Ok(self.cluster.clone())
            }
            None => Err(UsageError(format!(
                "`fluxops {}` reads no cluster: {} not used",
                command.name(),
                self.cluster.given().join(", ")
            ))),
        }
    }
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
#[command(mut_arg("namespace", |a| a.help(
    "Only this namespace (cluster: list only there; directory: keep only its objects; default: every namespace)"
)))]
pub struct GraphArgs {
    /// Read the graph from a GitOps repository directory instead of the cluster.
    #[arg(long, value_name = "PATH")]
    pub from_dir: Option<PathBuf>,

    /// With --from-dir: load only this `clusters/<NAME>` entry point of a multi-cluster repository.
    #[arg(long = "cluster", value_name = "NAME", requires = "from_dir")]
    pub cluster_entry: Option<String>,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = GraphFormat::Tree)]
    pub output: GraphFormat,

    /// Keep only these kinds (repeatable or comma-separated: Kustomization, ks, HelmRelease, hr, …).
    #[arg(long, value_name = "KIND", value_delimiter = ',')]
    pub kind: Vec<String>,

    /// Keep only the objects matching NAME (`name`, `ns/name` or `Kind/ns/name`), what they wait on and what
    /// waits on them. Matching nothing is an error.
    #[arg(long, value_name = "NAME")]
    pub focus: Option<String>,

    /// With --focus: how many edges away from it to keep (default: everything connected).
    #[arg(long, value_name = "N", requires = "focus")]
    pub depth: Option<usize>,

    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `fluxops sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on: a loopback address and port (127.0.0.1:6443, [::1]:6443, localhost:6443).
    /// Any other address is refused: the simulated cluster is a writable API with a fixed token.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub listen: String,

    /// Write a kubeconfig pointing at the server to FILE.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig_out: Option<PathBuf>,

    /// Append every request to FILE as JSON lines: timestamp, verb, method, path, user, status, dryRun.
    #[arg(long, value_name = "FILE")]
    pub request_log: Option<PathBuf>,

    /// Make the API server misbehave (repeatable): forbid=KIND, hide-crd=KIND, stall, slow=DURATION,
    /// status=401|403|429|500|503, drop-watches[=EVERY], garbage; each NAME[=VALUE][@START][+DURATION]
    /// (docs/sim.md).
    /// With --clusters, `CLUSTER:SPEC` (`sim-2:stall@30s`) applies to that cluster only.
    #[arg(long = "fault", value_name = "SPEC")]
    pub faults: Vec<crate::sim::multi::Targeted>,

    /// Run N independent simulated clusters (sim-1 … sim-N, each its own port, store and controllers); the
    /// kubeconfig has a context per cluster (docs/sim.md).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub clusters: usize,

    #[command(flatten)]
    pub source: SimSourceArgs,
}

/// `fluxops follow` (docs/follow.md). Unset options come from `.fluxops.yaml`, then the built-in defaults.
#[derive(Debug, Args, Clone, Default)]
#[command(mut_arg("namespace", |a| a.help(
    "Only this namespace (default: every namespace: a revision rolls through every tenant)"
)))]
pub struct FollowArgs {
    /// The commit (sha, prefix of 7+ hex digits, or a Flux revision like main@sha1:<sha>); default:
    /// `git rev-parse HEAD` in the current directory.
    #[arg(long, value_name = "SHA")]
    pub revision: Option<String>,

    /// Give up after this long (Go or humantime duration: 90s, 10m, 1h30m, "10 minutes"; default 10m).
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,

    /// Output format (default text).
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<crate::follow::Format>,

    /// Colours: auto (only on a terminal, NO_COLOR respected), always, never.
    #[arg(long, value_enum, value_name = "WHEN")]
    pub color: Option<crate::follow::ColorMode>,

    /// Kinds to follow (repeatable or comma-separated: Kustomization, ks, HelmRelease, hr; default both).
    #[arg(long = "kind", value_name = "KIND", value_delimiter = ',')]
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

    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// How `fluxops trace` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TraceFormat {
    /// One block per hop, like `flux trace`.
    #[default]
    Text,
    /// `{"managed", "hops": [{"role", "kind", "namespace", "name", "ready", "facts", "missing"}]}`.
    Json,
}

/// `fluxops trace` (docs/TRACE.md).
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The object: `KIND/NAMESPACE/NAME` (`deployment/apps/podinfo`, `ks/flux-system/apps`), or `KIND/NAME`
    /// for a cluster-scoped object or with `-n`.
    #[arg(value_name = "KIND/NS/NAME")]
    pub object: String,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: TraceFormat,

    #[command(flatten)]
    pub cluster: ClusterArgs,
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

/// `fluxops completion`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `fluxops watch` (docs/WATCH.md). Always read-only: `--readonly` is implied.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// How long each page stays when the lists do not fit on one screen (Go or humantime duration, at least 1s).
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = parse_rotate)]
    pub rotate: std::time::Duration,

    /// With several clusters: `both` (the combined page, then each cluster's wall), `combined` or `clusters`.
    #[arg(long, value_enum, default_value_t = crate::watch::Pages::Both)]
    pub pages: crate::watch::Pages,

    #[command(flatten)]
    pub metrics: MetricsArgs,

    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// A `--rotate` duration: humantime (`15s`, `1m`, `1m30s`), at least a second.
fn parse_rotate(text: &str) -> Result<std::time::Duration, String> {
    let d = humantime::parse_duration(text).map_err(|e| format!("{e} (e.g. 15s, 1m)"))?;
    if d < std::time::Duration::from_secs(1) {
        return Err("at least 1s".to_owned());
    }
    Ok(d)
}

#[cfg(test)]
mod tests;

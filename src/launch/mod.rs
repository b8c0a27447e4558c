//! What the binary does for each command, as library functions `main` calls: the console (on a real cluster or,
//! with `--demo`, on the simulated one), the headless simulated cluster, `fluxops graph`, `follow`, `diagnose`
//! and `completion`; `action list`, `policy`, `rbac`, `audit` and `trace` (each its own file); and how a failure is
//! reported (`report`). Wiring only: the work is done by `cluster`,
//! `app`, `sim`, `graph`, `follow`, `diagnosis` and `config`.

pub mod action;
pub mod action_run;
pub mod action_text;
pub mod actions_backend;
pub mod audit;
pub mod check;
pub mod check_cluster;
pub mod config_validate;
pub mod console;
pub mod diagnose;
pub mod fleet;
pub mod follow;
pub mod graph;
pub mod headless;
pub mod logging;
pub mod metrics;
pub mod policy;
pub mod rbac;
pub mod report;
pub mod runbook;
pub mod runbook_info;
pub mod snapshot;
pub mod snapshot_restore;
pub mod trace;
pub mod watch;

use crate::cli::{ClusterArgs, SimSourceArgs};
use crate::cluster::ConnectOptions;
use crate::config::settings::Settings;
use crate::sim::simulation::SimSource;

/// The fleet the simulated cluster serves, from `--scenario` / `--fleet` / `--from-dir` (default: the `demo`
/// scenario).
#[must_use]
pub fn sim_source(args: &SimSourceArgs) -> SimSource {
    if let Some(n) = args.fleet {
        SimSource::Fleet(n)
    } else if let Some(dir) = &args.from_dir {
        SimSource::FromDir(dir.clone())
    } else {
        SimSource::Scenario(args.scenario.clone().unwrap_or_else(|| "demo".to_owned()))
    }
}

/// How the console, `graph` and `follow` connect: the kubeconfig and context given, and **every namespace
/// unless `-n` is given**. Flux objects live across namespaces (flux-system, one per tenant or app); the
/// context's namespace (often `default`, where no Flux object lives) would show an empty fleet.
///
/// Read-only when `--readonly` is given or `settings.yaml` says `readonly: true` (or cannot be read: a broken
/// safety setting is read as the safe one); the client then carries the guard (`cluster::guard`).
#[must_use]
pub fn connect_options(args: &ClusterArgs) -> ConnectOptions {
    connect_options_with(args, &crate::config::settings::Settings::discover())
}

/// [`connect_options`] with the settings given.
#[must_use]
pub fn connect_options_with(args: &ClusterArgs, settings: &Settings) -> ConnectOptions {
    ConnectOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.first().cloned(),
        namespace: args.namespace.clone(),
        all_namespaces: args.all_namespaces || args.namespace.is_none(),
        readonly: args.readonly || settings.readonly,
    }
}

/// `fluxops completion SHELL`: the completion script for the whole command line (clap_complete).
pub fn completion(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut command, "fluxops", out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_namespace_unless_one_is_named() {
        let none = connect_options(&ClusterArgs::default());
        assert!(none.all_namespaces && none.namespace.is_none());
        let one = connect_options(&ClusterArgs {
            namespace: Some("apps".into()),
            ..ClusterArgs::default()
        });
        assert!(!one.all_namespaces);
        assert_eq!(one.namespace.as_deref(), Some("apps"));
    }
}

//! The `fluxops` binary: parse the command line, install panic reporting and logging, hand over to the library.
//!
//! Exit status: what the command says (docs/graph.md, docs/follow.md, docs/diagnosis.md); 1 for an error, printed
//! as one line `error: …` (`launch::report`); 2 for a usage error (clap's, or flags that contradict each
//! other across the subcommand), except for `follow`, where 2 means a timeout and usage errors are 3.

use clap::{CommandFactory, Parser};
use fluxops::cli::{Cli, ClusterArgs, Command};
use fluxops::launch::{self, report};
use std::process::ExitCode;

/// Usage errors of every command but `follow`.
const EXIT_USAGE: u8 = 2;
/// Usage errors of `follow` (its 2 is a timeout; 3 is "cannot follow").
const EXIT_FOLLOW_USAGE: u8 = 3;
/// A command that failed.
const EXIT_ERROR: u8 = 1;

fn usage_code(subcommand: Option<&str>) -> ExitCode {
    // `check` says 3 for "cannot check", usage errors included.
    ExitCode::from(if matches!(subcommand, Some("follow" | "check")) {
        EXIT_FOLLOW_USAGE
    } else {
        EXIT_USAGE
    })
}

/// Prints clap's error or help; the exit code of a usage error depends on the subcommand it was for.
fn parse_failed(error: &clap::Error) -> ExitCode {
    let _ = error.print();
    if !error.use_stderr() {
        return ExitCode::SUCCESS;
    }
    let partial = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(std::env::args_os());
    usage_code(partial.ok().as_ref().and_then(|m| m.subcommand_name()))
}

fn main() -> ExitCode {
    // Panics are bugs: color-eyre's report for them (the terminal is restored first, see `terminal`). User errors
    // never go through it.
    let (panic_hook, _) = color_eyre::config::HookBuilder::default()
        .display_location_section(false)
        .display_env_section(false)
        .into_hooks();
    panic_hook.install();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return parse_failed(&e),
    };
    let cluster = match cli.check() {
        Ok(cluster) => cluster,
        Err(e) => {
            report::print(&e);
            return usage_code(cli.command.as_ref().map(Command::name));
        }
    };
    if let Some(Command::Completion(args)) = &cli.command {
        launch::completion(args.shell, &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    let log = launch::logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            report::print(&e);
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let (code, ended_by_signal) = runtime.block_on(run(&cli, &cluster));
    if let Some(signal) = ended_by_signal {
        // The terminal is restored and the console shut down: flush the log, then end as the signal would have.
        drop(log);
        return fluxops::terminal::signal::exit_by(signal);
    }
    code
}

/// Runs the command; the signal that ended the console, if one did (the caller ends the process by it).
async fn run(cli: &Cli, cluster: &ClusterArgs) -> (ExitCode, Option<i32>) {
    let result: Result<(), Box<dyn std::error::Error>> = match &cli.command {
        Some(Command::Sim(args)) => launch::headless::run(args).await.map_err(Into::into),
        Some(Command::Follow(args)) => return (launch::follow::run(args, cluster).await, None),
        Some(Command::Graph(args)) => launch::graph::run(args, cluster).await.map_err(Into::into),
        Some(Command::Diagnose(args)) => return (launch::diagnose::run(args), None),
        Some(Command::Completion(_)) => Ok(()),
        Some(Command::Action(args)) => return (launch::action::run(args, cluster).await, None),
        Some(Command::Policy(args)) => return (launch::policy::run(args), None),
        Some(Command::Rbac(args)) => return (launch::rbac::run(args), None),
        Some(Command::Audit(args)) => return (launch::audit::run(args), None),
        Some(Command::Check(args)) => return (launch::check::run(args, cluster).await, None),
        Some(Command::Hook(args)) => return (launch::check::hook(args), None),
        Some(Command::Runbook(args)) => return (launch::runbook::run(args, cluster).await, None),
        Some(Command::Snapshot(args)) => return (launch::snapshot::run(args, cluster).await, None),
        Some(Command::Trace(args)) => return (launch::trace::run(args, cluster).await, None),
        Some(Command::Config(args)) => match &args.command {
            fluxops::cli::ConfigCommand::Validate(v) => {
                return (launch::config_validate::run(v), None);
            }
        },
        Some(Command::Watch(args)) => match launch::watch::run(args, cluster).await {
            Err(launch::console::Error::Terminated(signal)) => {
                return (ExitCode::SUCCESS, Some(signal));
            }
            other => other.map_err(Into::into),
        },
        None => match launch::console::run(&cli.console, cluster).await {
            Err(launch::console::Error::Terminated(signal)) => {
                return (ExitCode::SUCCESS, Some(signal));
            }
            other => other.map_err(Into::into),
        },
    };
    match result {
        Ok(()) => (ExitCode::SUCCESS, None),
        Err(e) => {
            report::print(e.as_ref());
            (ExitCode::from(EXIT_ERROR), None)
        }
    }
}

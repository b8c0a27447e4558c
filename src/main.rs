//! The `fluxops` binary: parse the command line, install error reporting and logging, hand over to the library.

use clap::Parser;
use fluxops::cli::{Cli, Command};
use fluxops::launch;
use std::process::ExitCode;

fn main() -> color_eyre::Result<ExitCode> {
    // Errors name what is wrong themselves (file, line, object); the source location of `main` is noise to users.
    color_eyre::config::HookBuilder::default()
        .display_location_section(false)
        .display_env_section(false)
        .install()?;
    let cli = Cli::parse();
    let log = launch::logging::init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut ended_by_signal = None;
    let code = runtime.block_on(async {
        match &cli.command {
            Some(Command::Sim(args)) => launch::headless::run(args).await?,
            Some(Command::Follow(args)) => {
                return Ok(launch::follow::run(args, cli.console.kubeconfig.as_deref()).await);
            }
            Some(Command::Graph(args)) => {
                launch::graph::run(args, cli.console.kubeconfig.as_deref()).await?;
            }
            Some(Command::Diagnose(args)) => return Ok(launch::diagnose::run(args)),
            None => match launch::console::run(&cli.console).await {
                Err(launch::console::Error::Terminated(signal)) => ended_by_signal = Some(signal),
                other => other?,
            },
        }
        Ok(ExitCode::SUCCESS)
    });
    if let Some(signal) = ended_by_signal {
        // The terminal is restored and the console shut down: flush the log, then end as the signal would have.
        drop(log);
        return Ok(fluxops::terminal::signal::exit_by(signal));
    }
    code
}

//! The `fluxops` binary: parse the command line, install error reporting and logging, hand over to the library.

use clap::Parser;
use fluxops::cli::{Cli, Command};
use fluxops::launch;
use fluxops::text::SafeError;
use std::process::ExitCode;

fn main() -> color_eyre::Result<ExitCode> {
    // Errors name what is wrong themselves (file, line, object); the source location of `main` is noise to users.
    color_eyre::config::HookBuilder::default()
        .display_location_section(false)
        .display_env_section(false)
        .install()?;
    let cli = Cli::parse();
    let _log = launch::logging::init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // Errors quote untrusted text (API server messages, YAML values): every message is sanitised before printing.
    let safe = |e: &(dyn std::error::Error + 'static)| SafeError::new(e);
    runtime.block_on(async {
        match &cli.command {
            Some(Command::Sim(args)) => launch::headless::run(args).await.map_err(|e| safe(&e))?,
            Some(Command::Follow(args)) => {
                return Ok(launch::follow::run(args, cli.console.kubeconfig.as_deref()).await);
            }
            Some(Command::Graph(args)) => {
                launch::graph::run(args, cli.console.kubeconfig.as_deref())
                    .await
                    .map_err(|e| safe(&e))?;
            }
            Some(Command::Diagnose(args)) => return Ok(launch::diagnose::run(args)),
            None => launch::console::run(&cli.console)
                .await
                .map_err(|e| safe(&e))?,
        }
        Ok(ExitCode::SUCCESS)
    })
}

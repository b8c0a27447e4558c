//! The `fluxops` binary: parse the command line, install error reporting, hand over to the library.

mod cli;

use clap::Parser;

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    let cli = cli::Cli::parse();
    let _ = cli;
    Ok(())
}

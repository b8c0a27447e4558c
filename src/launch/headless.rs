//! `fluxops sim`: the simulated cluster alone, headless, until Ctrl-C.

use crate::cli::SimArgs;
use crate::sim::simulation::{self, SimConfig, SimError};

/// Errors of the headless simulated cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot start the simulated cluster: {0}")]
    Start(#[from] SimError),
    #[error("cannot write the kubeconfig: {0}")]
    Kubeconfig(String),
    #[error("cannot wait for Ctrl-C: {0}")]
    Signal(#[source] std::io::Error),
}

/// Starts the simulated cluster on `args.listen`, writes the kubeconfig if asked, prints where it listens and
/// serves until Ctrl-C.
///
/// # Errors
/// A fleet that cannot be loaded, an address that cannot be bound, a kubeconfig that cannot be written.
pub async fn run(args: &SimArgs) -> Result<(), Error> {
    let mut config = SimConfig::new(super::sim_source(&args.source));
    config.listen = args.listen;
    config.faults.clone_from(&args.faults);
    let sim = simulation::start(config).await?;
    if let Some(path) = &args.kubeconfig_out {
        sim.write_kubeconfig(path)
            .map_err(|e| Error::Kubeconfig(e.to_string()))?;
        println!(
            "fluxops sim: '{}' serving on {} (kubeconfig: {})",
            sim.name(),
            sim.url(),
            path.display()
        );
    } else {
        println!("fluxops sim: '{}' serving on {}", sim.name(), sim.url());
        print!("{}", sim.kubeconfig_yaml());
    }
    for plan in &args.faults {
        println!("fault: {plan}");
    }
    println!("Press Ctrl-C to stop.");
    let waited = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
    waited.map_err(Error::Signal)
}

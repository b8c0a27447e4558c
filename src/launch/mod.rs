//! What the binary does for each command, as library functions `main` calls: the console (on a real cluster or,
//! with `--demo`, on the simulated one), the headless simulated cluster, and `fluxops graph`. Wiring only: the work is done by
//! `cluster`, `app`, `sim` and `config`.

pub mod console;
pub mod diagnose;
pub mod follow;
pub mod graph;
pub mod headless;
pub mod logging;

use crate::cli::SimSourceArgs;
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

//! Running the `fluxops` binary the way a user does, isolated from the developer's kubeconfig.

use std::process::{Command, Output};

pub fn fluxops(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fluxops"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .env(
            "FLUXOPS_LOG_FILE",
            std::env::temp_dir().join("fluxops-graph-test.log"),
        )
        .env_remove("KUBECONFIG")
        .output()
        .unwrap()
}

/// [`fluxops`] run in `dir` (not a Git repository: no `.fluxops.yaml` applies), without colour.
pub fn fluxops_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fluxops"))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "0")
        .env("NO_COLOR", "1")
        .env("FLUXOPS_LOG_FILE", dir.join("fluxops.log"))
        .env_remove("KUBECONFIG")
        .output()
        .unwrap()
}

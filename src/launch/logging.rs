//! Diagnostics go to a log file, never to the terminal the console owns.
//!
//! The file is `$FLUXOPS_LOG_FILE` if set, else `fluxops.log` in the platform cache directory
//! (`~/.cache/fluxops/` on Linux). The level comes from `$FLUXOPS_LOG` (`tracing` env-filter syntax, default `info`).

use std::path::PathBuf;
use tracing_appender::non_blocking::WorkerGuard;

/// Where the log goes, if anywhere.
#[must_use]
pub fn log_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("FLUXOPS_LOG_FILE") {
        return Some(PathBuf::from(path));
    }
    directories::ProjectDirs::from("io", "fluxops", "fluxops")
        .map(|d| d.cache_dir().join("fluxops.log"))
}

/// Starts logging to the file. Returns the guard that flushes it on drop, or `None` when no file can be opened
/// (logging is then off: the console works without it).
#[must_use]
pub fn init() -> Option<WorkerGuard> {
    let path = log_path()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_env("FLUXOPS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

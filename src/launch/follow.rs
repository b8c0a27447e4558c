//! `fluxops follow`: resolve the revision (`--revision`, else `git rev-parse HEAD`) and the settings
//! (`.fluxops.yaml` at `git rev-parse --show-toplevel`, then the flags), connect like the console, run the
//! cluster watchers and the follow driver, print lines and the summary, and map the verdict to the exit code.
//! Wiring only: the work is in `crate::follow`.

use crate::cli::{ClusterArgs, FollowArgs};
use crate::cluster::{self, ConnectOptions};
use crate::follow::driver::{drive, drive_fleet};
use crate::follow::fleet::FleetFollow;
use crate::follow::settings::{parse_kind, parse_timeout};
use crate::follow::{FollowSettings, Renderer, TargetRevision, Tracker, TrackerOptions, Verdict};
use k8s_openapi::jiff::Timestamp;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The exit code when follow cannot run at all (bad settings, bad revision, no cluster).
pub const CANNOT_FOLLOW: u8 = 3;

/// Why follow cannot start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Settings(#[from] crate::config::ConfigProblem),
    #[error("--{flag}: {message}")]
    Flag { flag: &'static str, message: String },
    #[error("cannot find the revision: `git rev-parse HEAD` failed: {0} (pass --revision SHA)")]
    Git(String),
    #[error(transparent)]
    Revision(#[from] crate::follow::RevisionError),
    #[error(transparent)]
    Connect(#[from] cluster::client::Error),
}

/// Runs `fluxops follow`; prints errors itself (`error: …`) and returns the exit code.
pub async fn run(args: &FollowArgs, cluster: &ClusterArgs) -> ExitCode {
    match follow(args, cluster).await {
        Ok(verdict) => ExitCode::from(verdict.exit_code()),
        Err(e) => {
            super::report::print(&e);
            ExitCode::from(CANNOT_FOLLOW)
        }
    }
}

/// Runs `git` with `args` in the current directory; its trimmed stdout.
fn git(args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new("git")
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().next().unwrap_or("failed").trim().to_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The settings: `.fluxops.yaml` at the repository root (if any), then the flags.
fn settings(args: &FollowArgs) -> Result<FollowSettings, Error> {
    let root = git(&["rev-parse", "--show-toplevel"])
        .ok()
        .map(PathBuf::from);
    let (mut s, _file) = FollowSettings::load(root.as_deref())?;
    if let Some(t) = &args.timeout {
        s.timeout = parse_timeout(t).map_err(|message| Error::Flag {
            flag: "timeout",
            message,
        })?;
    }
    if !args.kinds.is_empty() {
        s.kinds = args
            .kinds
            .iter()
            .filter(|k| !k.trim().is_empty())
            .map(|k| parse_kind(k))
            .collect::<Result<_, _>>()
            .map_err(|message| Error::Flag {
                flag: "kind",
                message,
            })?;
    }
    s.output = args.output.unwrap_or(s.output);
    s.color = args.color.unwrap_or(s.color);
    if args.timestamps || args.no_timestamps {
        s.timestamps = args.timestamps;
    }
    if args.fail_fast || args.no_fail_fast {
        s.fail_fast = args.fail_fast;
    }
    s.retries = args.retries.unwrap_or(s.retries);
    Ok(s)
}

/// Connects, retrying an unreachable server up to `retries` times (1 s, 2 s, 4 s … capped at 30 s).
async fn connect(options: &ConnectOptions, retries: u32) -> Result<cluster::Connection, Error> {
    let mut delay = Duration::from_secs(1);
    let mut attempt = 0;
    loop {
        match cluster::client::connect(options).await {
            Err(e @ cluster::client::Error::Unreachable { .. }) if attempt < retries => {
                eprintln!(
                    "fluxops follow: {}; retrying in {}s",
                    crate::text::sanitize_line(&e.to_string()),
                    delay.as_secs()
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(30));
                attempt += 1;
            }
            other => return other.map_err(Error::from),
        }
    }
}

async fn follow(args: &FollowArgs, cluster: &ClusterArgs) -> Result<Verdict, Error> {
    let settings = settings(args)?;
    let given = match &args.revision {
        Some(r) => r.clone(),
        None => git(&["rev-parse", "HEAD"]).map_err(Error::Git)?,
    };
    let target = TargetRevision::parse(&given)?;
    let app_settings = crate::config::settings::Settings::discover();
    if super::fleet::contexts(cluster, &app_settings).await?.len() > 1 {
        return follow_fleet(&settings, target, cluster, &app_settings).await;
    }
    // A revision rolls through every tenant: the context's namespace (CI kubeconfigs often say `default`)
    // does not narrow follow; only `-n` does.
    let options = super::connect_options(cluster);
    let connection = connect(&options, settings.retries).await?;
    let started = Timestamp::now();
    let renderer = renderer(&settings, started);
    let mut tracker = Tracker::new(
        target,
        TrackerOptions {
            kinds: settings.kinds.clone(),
            fail_fast: settings.fail_fast,
            retries: settings.retries,
        },
        started,
    );
    let cancel = CancellationToken::new();
    let (tx, mut rx) = tokio::sync::mpsc::channel(cluster::watch::CHANNEL_CAPACITY);
    let watchers = cluster::watch::spawn(
        connection.client.clone(),
        connection.scope.clone(),
        tx,
        cancel.clone(),
    );
    let mut stdout = std::io::stdout();
    let verdict = drive(&mut rx, &mut tracker, settings.timeout, |line| {
        let _ = writeln!(stdout, "{}", renderer.line(line));
        let _ = stdout.flush();
    })
    .await;
    let summary = tracker.summary(verdict, Timestamp::now());
    let _ = writeln!(stdout, "{}", renderer.summary(&summary));
    let _ = stdout.flush();
    cancel.cancel();
    drop(rx);
    let _ = watchers.await;
    Ok(verdict)
}

/// `follow` on several clusters (`--context a --context b`, `--all-contexts`, a `contexts:` list): each watched
/// and followed on its own (`crate::follow::fleet`), every line tagged with its cluster, one summary per cluster
/// and the combined verdict last (the worst: docs/follow.md).
async fn follow_fleet(
    settings: &FollowSettings,
    target: TargetRevision,
    cluster: &ClusterArgs,
    app_settings: &crate::config::settings::Settings,
) -> Result<Verdict, Error> {
    let clusters = super::fleet::connect(cluster, app_settings, false).await?;
    let started = Timestamp::now();
    let renderer = renderer(settings, started);
    let options = TrackerOptions {
        kinds: settings.kinds.clone(),
        fail_fast: settings.fail_fast,
        retries: settings.retries,
    };
    let trackers = clusters
        .iter()
        .map(|c| {
            (
                c.name().to_owned(),
                Tracker::new(target.clone(), options.clone(), started),
            )
        })
        .collect();
    let mut fleet = FleetFollow::new(trackers, settings.fail_fast);
    let names: Vec<String> = clusters.iter().map(|c| c.name().to_owned()).collect();
    let cancel = CancellationToken::new();
    let (tx, mut rx) = tokio::sync::mpsc::channel(cluster::watch::CHANNEL_CAPACITY);
    let watching = cluster::fleet::start(
        clusters.iter().map(|c| c.target(false)).collect(),
        tx,
        &cancel,
    );
    let mut stdout = std::io::stdout();
    let end = drive_fleet(&mut rx, &mut fleet, settings.timeout, |i, line| {
        let name = names.get(i).map_or("", String::as_str);
        let _ = writeln!(stdout, "{}", renderer.cluster_line(name, line));
        let _ = stdout.flush();
    })
    .await;
    let (each, combined) = fleet.summaries(end.verdict, &end.each, Timestamp::now());
    for (name, summary) in &each {
        let _ = writeln!(stdout, "{}", renderer.cluster_summary(name, summary));
    }
    let _ = writeln!(stdout, "{}", renderer.fleet_summary(&combined));
    let _ = stdout.flush();
    cancel.cancel();
    drop(rx);
    watching.join().await;
    Ok(end.verdict)
}

/// How lines are written: the format, colour on a terminal without `NO_COLOR`, timestamps.
fn renderer(settings: &FollowSettings, started: Timestamp) -> Renderer {
    Renderer {
        format: settings.output,
        color: settings.color.enabled(
            std::io::stdout().is_terminal(),
            std::env::var("NO_COLOR").ok().as_deref(),
        ),
        timestamps: settings.timestamps,
        started,
    }
}

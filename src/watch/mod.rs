//! `fluxops watch`: the wall display for a shared screen (docs/WATCH.md). Read-only by construction: the launcher
//! connects with the read-only guard (`cluster::guard`, the `--readonly` layer), builds no action pipeline and no
//! drill-down fetcher, and keys never reach the console's `update` (only `q`, `ctrl-c` and `ctrl-z` mean
//! anything).
//!
//! Shaped like `app`: the state ([`wall::Wall`], which holds the console's own `app::State`, fed the same
//! `ClusterEvent`s from the same `cluster::watch` pipeline) and its pure `update` (`wall`); the trend samples
//! (`trend`); the view model, built from the state, the clock and the size (`view`); `ui::watch` draws it. This
//! file is the run loop: it reads the clock, the terminal and the cluster channel, and draws at most
//! [`FRAME`] apart (a wall needs no 30 fps; the clock needs one frame a second).

pub mod trend;
pub mod view;
pub mod wall;

use crate::app::{Input, Labels, State};
use crate::cluster::ClusterEvent;
use crate::config::{Config, ConfigProblem, Theme};
use crate::terminal::JobControl;
use crate::terminal::signal::Signal;
use crossterm::event::Event;
use futures::{Stream, StreamExt};
use k8s_openapi::jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use wall::{Effect, Wall, WallMsg, update};

pub use crate::app::Error;

/// Shortest time between two frames.
pub const FRAME: Duration = Duration::from_millis(250);

/// The embedded high-contrast theme, the wall's default.
pub const HIGH_CONTRAST: &str = include_str!("../../themes/high-contrast.yaml");

/// The wall's theme: the built-in one patched by the high-contrast theme, then by the user's `theme.yaml` (a
/// user who wants other colours on the wall still gets them).
#[must_use]
pub fn theme(
    config: &Config,
    user_theme: Option<&str>,
    user_file: &Path,
) -> (Theme, Vec<ConfigProblem>) {
    let mut problems = Vec::new();
    let base = Theme::builtin().unwrap_or(config.theme);
    let mut theme = base
        .patched(HIGH_CONTRAST, Path::new("themes/high-contrast.yaml"))
        .unwrap_or_else(|p| {
            problems.push(p);
            base
        });
    if let Some(text) = user_theme {
        match theme.patched(text, user_file) {
            Ok(t) => theme = t,
            Err(p) => problems.push(p),
        }
    }
    (theme, problems)
}

/// What the wall shows and where it comes from, besides the terminal.
#[derive(Debug)]
pub struct Options {
    pub config: Config,
    pub theme: Theme,
    pub labels: Labels,
    pub rotate: Duration,
    /// Answers the scrapes of `--metrics-addr`.
    pub metrics: Option<crate::metrics::Exporter>,
}

/// Runs the wall until `q`, `ctrl-c`, a terminating signal (returned as [`Error::Terminated`]) or the end of
/// `input`. The cluster channel closing keeps what was shown.
pub async fn run<B, S, I>(
    terminal: &mut Terminal<B>,
    mut input: S,
    mut cluster: mpsc::Receiver<ClusterEvent>,
    options: Options,
) -> Result<(), Error>
where
    B: Backend + JobControl,
    S: Stream<Item = std::io::Result<I>> + Unpin,
    I: Into<Input>,
{
    let Options {
        mut config,
        theme,
        labels,
        rotate,
        mut metrics,
    } = options;
    config.theme = theme;
    let mut wall = Wall::new(State::new(config, labels), rotate);
    let mut size = terminal.size().map_err(|e| Error::Draw(e.to_string()))?;
    update(
        &mut wall,
        WallMsg::Resize {
            width: size.width,
            height: size.height,
        },
    );
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut cluster_open = true;
    let mut last_draw: Option<Instant> = None;
    let mut suspended = false;
    let mut complete_logged = false;
    let mut stale_logged = false;
    loop {
        let next_frame = last_draw.map_or_else(Instant::now, |t| t + FRAME);
        if wall.dirty && !suspended && Instant::now() >= next_frame {
            size = terminal.size().map_err(|e| Error::Draw(e.to_string()))?;
            let now = wall.app.now.unwrap_or_else(Timestamp::now);
            wall.dirty = false;
            let view = view::build(&mut wall, now, size.width, size.height);
            terminal
                .draw(|frame| crate::ui::watch::draw(frame, &wall.app.theme, &view))
                .map_err(|e| Error::Draw(e.to_string()))?;
            last_draw = Some(Instant::now());
            // Read by tests and benchmarks: the first frame that shows every kind, and STALE coming and going.
            if !complete_logged && wall.synced() {
                complete_logged = true;
                tracing::info!(objects = wall.app.objects.len(), "first complete frame");
            }
            if view.stale.is_some() != stale_logged {
                stale_logged = view.stale.is_some();
                tracing::info!(stale = stale_logged, "watch: stale screen changed");
            }
        }
        let msg = tokio::select! {
            ev = input.next() => match ev.map(|r| r.map(Into::<Input>::into)) {
                Some(Ok(Input::Terminal(Event::Key(key)))) => WallMsg::Key(key),
                Some(Ok(Input::Terminal(Event::Resize(width, height)))) => WallMsg::Resize { width, height },
                Some(Ok(Input::Terminal(_))) => continue,
                Some(Ok(Input::Signal(signal))) => {
                    crate::app::on_signal(terminal, signal, &mut suspended)?;
                    wall.dirty = true;
                    continue;
                }
                Some(Err(e)) => return Err(Error::Input(e)),
                None => return Ok(()),
            },
            ev = cluster.recv(), if cluster_open => match ev {
                Some(ev) => WallMsg::Cluster(ev),
                None => {
                    cluster_open = false;
                    continue;
                }
            },
            _ = ticker.tick() => WallMsg::Tick(Timestamp::now()),
            ask = next_ask(metrics.as_mut()) => {
                if let Some(exporter) = metrics.as_mut() {
                    let now = wall.app.now.unwrap_or_else(Timestamp::now);
                    let fresh = crate::metrics::Freshness {
                        live: wall.synced() && wall.stale().is_none(),
                        as_of: wall.live_at,
                    };
                    exporter.answer(ask, &mut wall.app, now, fresh);
                }
                continue;
            }
            () = tokio::time::sleep_until(next_frame), if wall.dirty && !suspended => continue,
        };
        for effect in update(&mut wall, msg) {
            match effect {
                Effect::Quit => return Ok(()),
                Effect::Suspend => {
                    crate::app::on_signal(terminal, Signal::Suspend, &mut suspended)?
                }
            }
        }
    }
}

/// The next scrape, or never without an exporter.
async fn next_ask(metrics: Option<&mut crate::metrics::Exporter>) -> crate::metrics::Ask {
    match metrics {
        Some(m) => m.next_ask().await,
        None => std::future::pending().await,
    }
}

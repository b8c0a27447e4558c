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
use crate::cluster::fleet::{FleetEvent, Tagged};
use crate::config::{Config, ConfigProblem, Theme};
use crate::fleet::view as fleet_view;
use crate::terminal::JobControl;
use crate::terminal::signal::Signal;
use crossterm::event::Event;
use futures::{Stream, StreamExt};
use k8s_openapi::jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::path::Path;
use std::time::Duration;
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

/// Which pages the wall shows with several clusters (`--pages`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Pages {
    /// The combined page (a row per cluster, every root cause named by cluster), then each cluster's wall.
    #[default]
    Both,
    /// Only the combined page.
    Combined,
    /// Only each cluster's wall, one after the other.
    Clusters,
}

/// What the wall shows and where it comes from, besides the terminal.
#[derive(Debug)]
pub struct Options {
    pub config: Config,
    pub theme: Theme,
    /// Per cluster, in the order of the tagged messages' indexes (at least one).
    pub clusters: Vec<Labels>,
    pub rotate: Duration,
    /// Answers the scrapes of `--metrics-addr` (every cluster's series in one text).
    pub metrics: Option<crate::metrics::Exporter>,
    pub pages: Pages,
}

/// Every cluster's wall, their API latencies, and which page shows (the pure part of the multi-cluster wall).
#[derive(Debug)]
pub struct Walls {
    pub walls: Vec<Wall>,
    pub latency: Vec<Option<Result<Duration, String>>>,
    pub pages: Pages,
    pub rotate: Duration,
}

/// What one frame shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Combined,
    Cluster(usize),
}

impl Walls {
    /// The page shown at `now`: with one cluster its wall; with several, one slot of `rotate` each, in turn.
    #[must_use]
    pub fn shown(&self, now: Timestamp) -> Shown {
        let n = self.walls.len();
        if n <= 1 {
            return Shown::Cluster(0);
        }
        let mut slots: Vec<Shown> = Vec::new();
        if self.pages != Pages::Clusters {
            slots.push(Shown::Combined);
        }
        if self.pages != Pages::Combined {
            slots.extend((0..n).map(Shown::Cluster));
        }
        let started = self.walls.first().and_then(|w| w.started).unwrap_or(now);
        let elapsed = u64::try_from(now.duration_since(started).as_secs()).unwrap_or(0);
        let slot = elapsed / self.rotate.as_secs().max(1);
        let index = usize::try_from(slot).unwrap_or(0) % slots.len().max(1);
        slots.get(index).copied().unwrap_or(Shown::Combined)
    }

    /// The combined page's view.
    pub fn combined(&mut self, now: Timestamp, width: u16, height: u16) -> fleet_view::FleetView {
        let mut rows: Vec<fleet_view::Row<'_>> = self
            .walls
            .iter_mut()
            .zip(&self.latency)
            .map(|(w, l)| fleet_view::Row {
                name: "",
                state: &mut w.app,
                latency: l.as_ref(),
            })
            .collect();
        let names: Vec<String> = rows
            .iter()
            .map(|r| r.state.labels.context.clone())
            .collect();
        for (r, n) in rows.iter_mut().zip(&names) {
            r.name = n;
        }
        let clock = format!(" · {} UTC · read-only", crate::app::view::clock(now));
        fleet_view::build_rows(&mut rows, now, width, height, None, Some(clock))
    }
}

/// Runs the wall until `q`, `ctrl-c`, a terminating signal (returned as [`Error::Terminated`]) or the end of
/// `input`. `cluster` carries every cluster's messages, tagged with its index in `options.clusters`; its end
/// keeps what was shown.
pub async fn run<B, S, I, C>(
    terminal: &mut Terminal<B>,
    mut input: S,
    mut cluster: C,
    options: Options,
) -> Result<(), Error>
where
    B: Backend + JobControl,
    S: Stream<Item = std::io::Result<I>> + Unpin,
    I: Into<Input>,
    C: Stream<Item = Tagged> + Unpin,
{
    let Options {
        mut config,
        theme,
        clusters,
        rotate,
        mut metrics,
        pages,
    } = options;
    config.theme = theme;
    let mut all = Walls {
        latency: clusters.iter().map(|_| None).collect(),
        walls: clusters
            .into_iter()
            .map(|labels| Wall::new(State::new(config.clone(), labels), rotate))
            .collect(),
        pages,
        rotate,
    };
    let mut size = terminal.size().map_err(|e| Error::Draw(e.to_string()))?;
    for wall in &mut all.walls {
        update(
            wall,
            WallMsg::Resize {
                width: size.width,
                height: size.height,
            },
        );
    }
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut cluster_open = true;
    let mut last_draw: Option<Instant> = None;
    let mut suspended = false;
    let mut complete_logged = false;
    let mut stale_logged: Vec<bool> = all.walls.iter().map(|_| false).collect();
    let mut links_logged: Vec<&'static str> = all.walls.iter().map(|_| "").collect();
    let mut dirty = true;
    loop {
        let next_frame = last_draw.map_or_else(Instant::now, |t| t + FRAME);
        dirty |= all.walls.iter().any(|w| w.dirty);
        if dirty && !suspended && Instant::now() >= next_frame {
            size = terminal.size().map_err(|e| Error::Draw(e.to_string()))?;
            let now = all
                .walls
                .first()
                .and_then(|w| w.app.now)
                .unwrap_or_else(Timestamp::now);
            dirty = false;
            for w in &mut all.walls {
                w.dirty = false;
            }
            match all.shown(now) {
                Shown::Combined => {
                    let view = all.combined(now, size.width, size.height);
                    let theme = config.theme;
                    terminal
                        .draw(|frame| crate::ui::fleet::draw(frame, &theme, frame.area(), &view))
                        .map_err(|e| Error::Draw(e.to_string()))?;
                }
                Shown::Cluster(i) => {
                    if let Some(wall) = all.walls.get_mut(i) {
                        let view = view::build(wall, now, size.width, size.height);
                        terminal
                            .draw(|frame| crate::ui::watch::draw(frame, &wall.app.theme, &view))
                            .map_err(|e| Error::Draw(e.to_string()))?;
                    }
                }
            }
            last_draw = Some(Instant::now());
            // Read by tests and benchmarks: the first frame that shows every kind of every cluster, and STALE
            // coming and going (per cluster).
            if !complete_logged && all.walls.iter().all(Wall::synced) {
                complete_logged = true;
                let objects: usize = all.walls.iter().map(|w| w.app.objects.len()).sum();
                tracing::info!(objects, clusters = all.walls.len(), "first complete frame");
            }
            for (wall, logged) in all.walls.iter().zip(links_logged.iter_mut()) {
                let link = crate::fleet::link_of(&wall.app).word();
                if link != *logged {
                    *logged = link;
                    tracing::info!(cluster = %wall.app.labels.context, link, "watch: cluster link changed");
                }
            }
            for (wall, logged) in all.walls.iter().zip(stale_logged.iter_mut()) {
                let stale = wall.stale().is_some_and(|s| s.unreachable);
                if stale != *logged {
                    *logged = stale;
                    tracing::info!(cluster = %wall.app.labels.context, stale, "watch: stale screen changed");
                }
            }
        }
        let msg = tokio::select! {
            ev = input.next() => match ev.map(|r| r.map(Into::<Input>::into)) {
                Some(Ok(Input::Terminal(Event::Key(key)))) => (None, WallMsg::Key(key)),
                Some(Ok(Input::Terminal(Event::Resize(width, height)))) => (None, WallMsg::Resize { width, height }),
                Some(Ok(Input::Terminal(_))) => continue,
                Some(Ok(Input::Signal(signal))) => {
                    crate::app::on_signal(terminal, signal, &mut suspended)?;
                    dirty = true;
                    continue;
                }
                Some(Err(e)) => return Err(Error::Input(e)),
                None => return Ok(()),
            },
            ev = cluster.next(), if cluster_open => match ev {
                Some(Tagged { cluster, event: FleetEvent::Cluster(ev) }) => (Some(cluster), WallMsg::Cluster(ev)),
                Some(Tagged { cluster, event: FleetEvent::Latency(l) }) => {
                    if let Some(slot) = all.latency.get_mut(cluster) {
                        *slot = Some(l);
                    }
                    continue;
                }
                None => {
                    cluster_open = false;
                    continue;
                }
            },
            _ = ticker.tick() => (None, WallMsg::Tick(Timestamp::now())),
            ask = next_ask(metrics.as_mut()) => {
                if let Some(exporter) = metrics.as_mut() {
                    let now = all
                        .walls
                        .first()
                        .and_then(|w| w.app.now)
                        .unwrap_or_else(Timestamp::now);
                    let mut parts: Vec<(&mut crate::app::State, crate::metrics::Freshness)> = all
                        .walls
                        .iter_mut()
                        .map(|wall| {
                            let fresh = crate::metrics::Freshness {
                                live: wall.synced() && wall.stale().is_none(),
                                as_of: wall.live_at,
                            };
                            (&mut wall.app, fresh)
                        })
                        .collect();
                    exporter.answer_all(ask, &mut parts, now);
                }
                continue;
            }
            () = tokio::time::sleep_until(next_frame), if dirty && !suspended => continue,
        };
        let effects: Vec<Effect> = match msg {
            (Some(i), msg) => all
                .walls
                .get_mut(i)
                .map(|w| update(w, msg))
                .unwrap_or_default(),
            // Keys, the clock and resizes go to every wall (keys only ever quit or suspend).
            (None, msg) => {
                let mut effects = Vec::new();
                for w in &mut all.walls {
                    effects = update(w, msg.clone());
                }
                effects
            }
        };
        for effect in effects {
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

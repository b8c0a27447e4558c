//! The console's run loop, for one cluster or many (`crate::fleet`): it owns the [`Fleet`] (a `State` per
//! cluster), reads the terminal, the signals, the clock, the tagged cluster messages and the answers of every
//! cluster's effects runner, applies them with `fleet::update`, performs the effects with the runner (client,
//! action pipeline) and watch control of the cluster they are for, and draws the focused cluster's screen or the
//! fleet overview when something changed, at most [`super::FRAME`] apart. `app::run_with_actions` is this loop
//! with one cluster.

use super::effects_runner::{ActionBackend, EffectsRunner};
use super::{Effect, Error, Exit, Input, Msg, State, copy, on_signal};
use crate::cluster::fleet::Tagged;
use crate::cluster::watch::Control;
use crate::fleet::{Fleet, FleetMsg, Member, update};
use crate::terminal::JobControl;
use crate::terminal::signal::Signal;
use crossterm::event::Event;
use futures::{Stream, StreamExt};
use k8s_openapi::jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{Instant, MissedTickBehavior};

/// One cluster as the loop gets it: its state, the control of its watchers, its client for drill-down fetches
/// and its action pipeline.
pub struct Cluster {
    pub name: String,
    pub state: State,
    pub control: Control,
    pub client: Option<kube::Client>,
    /// The API server's address (named in the snapshots the console takes; empty: not known).
    pub server: String,
    pub actions: Option<Arc<dyn ActionBackend>>,
}

/// Runs the console over `clusters` (at least one) until the user quits or `input` ends ([`Exit::Quit`]), or
/// asks for a context or namespace none of them is ([`Exit::Switch`]: the caller connects again). `input` is
/// borrowed so that the caller can run the next console on the same stream.
///
/// # Errors
/// See [`super::run_with_actions`].
pub async fn run<B, S, I, C>(
    terminal: &mut Terminal<B>,
    input: &mut S,
    mut cluster: C,
    clusters: Vec<Cluster>,
) -> Result<Exit, Error>
where
    B: Backend + JobControl,
    S: Stream<Item = std::io::Result<I>> + Unpin,
    I: Into<Input>,
    C: Stream<Item = Tagged> + Unpin,
{
    let mut controls = Vec::new();
    let mut runners = Vec::new();
    let mut answers = futures::stream::SelectAll::new();
    let mut members = Vec::new();
    for (i, c) in clusters.into_iter().enumerate() {
        let (runner, rx) = EffectsRunner::new(c.client);
        runners.push(runner.with_server(c.server).with_actions(c.actions));
        answers.push(
            futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|m| (m, rx)) })
                .map(move |msg| (i, msg))
                .boxed(),
        );
        controls.push(c.control);
        members.push(Member::new(c.name, c.state));
    }
    let mut fleet = Fleet::new(members);
    if let Ok(size) = terminal.size() {
        update(
            &mut fleet,
            FleetMsg::Resize {
                width: size.width,
                height: size.height,
            },
        );
    }
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut cluster_open = true;
    let mut last_draw: Option<Instant> = None;
    let mut complete_logged = false;
    // Stopped by ctrl-z / SIGTSTP and not yet continued: the terminal is the shell's, nothing is drawn.
    let mut suspended = false;
    loop {
        let next_frame = last_draw.map_or_else(Instant::now, |t| t + super::FRAME);
        let due = fleet.needs_draw();
        if due && !suspended && Instant::now() >= next_frame {
            draw(terminal, &mut fleet)?;
            last_draw = Some(Instant::now());
            if !complete_logged && fleet.settled() {
                complete_logged = true;
                let objects: usize = fleet.members.iter().map(|m| m.state.objects.len()).sum();
                // Read by benches/console_fleet.rs and benches/fleet_clusters.rs: the first frame that shows
                // every served kind of every cluster.
                tracing::info!(
                    objects,
                    clusters = fleet.members.len(),
                    "first complete frame"
                );
            }
        }
        let msg = tokio::select! {
            ev = input.next() => match ev.map(|r| r.map(Into::<Input>::into)) {
                Some(Ok(Input::Terminal(Event::Key(key)))) => FleetMsg::Key(key),
                Some(Ok(Input::Terminal(Event::Paste(text)))) => FleetMsg::Paste(text),
                Some(Ok(Input::Terminal(Event::Resize(width, height)))) => FleetMsg::Resize { width, height },
                Some(Ok(Input::Terminal(_))) => continue,
                Some(Ok(Input::Signal(signal))) => {
                    on_signal(terminal, signal, &mut suspended)?;
                    fleet.dirty = true;
                    continue;
                }
                Some(Err(e)) => return Err(Error::Input(e)),
                None => return Ok(Exit::Quit),
            },
            ev = cluster.next(), if cluster_open => match ev {
                Some(tagged) => FleetMsg::Cluster(tagged),
                None => {
                    cluster_open = false;
                    continue;
                }
            },
            Some((cluster, msg)) = answers.next() => FleetMsg::Answer { cluster, msg: Box::new(msg) },
            _ = ticker.tick() => FleetMsg::Tick(Timestamp::now()),
            () = tokio::time::sleep_until(next_frame), if due && !suspended => continue,
        };
        let mut effects = update(&mut fleet, msg);
        while !effects.is_empty() {
            let mut next = Vec::new();
            for (i, effect) in effects {
                match effect {
                    Effect::Quit => return Ok(Exit::Quit),
                    Effect::Switch(to) => {
                        // A context the fleet already watches (same namespace scope): focus it; else connect.
                        let known = fleet.members.iter().position(|m| {
                            m.name == to.context && m.state.labels.namespace == to.namespace
                        });
                        match known {
                            Some(index) if fleet.members.len() > 1 => fleet.scope_to(index),
                            _ => return Ok(Exit::Switch(to)),
                        }
                    }
                    Effect::ReloadKubeconfig => {
                        if let Some(c) = controls.get(i) {
                            c.reload();
                        }
                    }
                    Effect::Suspend => on_signal(terminal, Signal::Suspend, &mut suspended)?,
                    Effect::Osc52 { what, text } => {
                        // The terminal layer writes it; how it went is the next message.
                        let error = terminal.backend_mut().osc52(&text).err();
                        let answer = copy::ClipboardAnswer::Osc52 {
                            what,
                            error: error.map(|e| e.to_string()),
                        };
                        next.extend(update(
                            &mut fleet,
                            FleetMsg::Answer {
                                cluster: i,
                                msg: Box::new(Msg::Clipboard(answer)),
                            },
                        ));
                    }
                    other => {
                        if let Some(r) = runners.get_mut(i) {
                            r.run(other);
                        }
                    }
                }
            }
            effects = next;
        }
    }
}

fn draw<B: Backend>(terminal: &mut Terminal<B>, fleet: &mut Fleet) -> Result<(), Error> {
    let overview = fleet.overview;
    let focus = fleet.focus;
    let now = fleet
        .members
        .get(focus)
        .and_then(|m| m.state.now)
        .unwrap_or_else(Timestamp::now);
    fleet.drawn();
    let result = if overview {
        let size = terminal.size().map_err(|e| Error::Draw(e.to_string()))?;
        let view = crate::fleet::view::build(fleet, now, size.width, size.height, true);
        let theme = fleet.members.get(focus).map(|m| m.state.theme);
        terminal.draw(|frame| {
            if let Some(theme) = &theme {
                crate::ui::fleet::draw(frame, theme, frame.area(), &view);
            }
        })
    } else if let Some(m) = fleet.members.get_mut(focus) {
        let view = super::view::build(&mut m.state, now);
        terminal.draw(|frame| crate::ui::draw(frame, &view))
    } else {
        return Ok(());
    };
    result.map(|_| ()).map_err(|e| Error::Draw(e.to_string()))
}

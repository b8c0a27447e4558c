//! The app: the only owner of [`State`]. TEA: messages ([`Msg`]) go through the pure [`update`], which returns
//! [`Effect`]s as data, performed by [`effects_runner`] (whose answers come back as messages); frames are drawn
//! from view models ([`view::build`]) by `crate::ui`.
//!
//! # Wiring it from `main`
//!
//! ```ignore
//! color_eyre::install()?;
//! let config = fluxops::config::Config::load(fluxops::config::ConfigPaths::discover().as_ref());
//! let (tx, rx) = tokio::sync::mpsc::channel(1024);        // the cluster layer sends ClusterEvents into tx
//! let labels = fluxops::app::Labels { context: "kind-dev".into(), namespace: None };
//! let mut terminal = fluxops::terminal::enter()?;           // restores on drop and on panic
//! fluxops::app::run(&mut terminal, crossterm::event::EventStream::new(), rx, config, labels).await?;
//! ```
//!
//! `run` returns when the user quits or the input stream ends. When the cluster channel closes, the console
//! keeps showing what it had. Keys come from crossterm's async `EventStream` (never a blocking poll), the clock
//! from a 1 s tokio interval; a frame is drawn only when something changed, at most every 33 ms.

pub mod action;
pub mod actions;
pub mod actions_view;
pub mod command;
pub mod confirm;
pub mod copy;
pub mod dag;
pub mod dag_canvas;
pub mod dag_view;
pub mod detail_view;
pub mod effect;
pub mod effects_files;
pub mod effects_runner;
pub mod events;
pub mod fleet_run;
pub mod hints;
pub mod inspect;
pub mod inspect_view;
pub mod jobs;
pub mod jobs_view;
pub mod logs;
pub mod markdown_view;
pub mod marks;
pub mod msg;
pub mod navigator;
pub mod problems;
pub mod problems_view;
pub mod prompt;
pub mod prompt_view;
pub mod request;
pub mod rollout_view;
pub mod runbooks;
pub mod runbooks_view;
pub mod snapshots;
pub mod snapshots_view;
pub mod state;
pub mod status_view;
pub mod switch;
pub mod text_field;
pub mod timings_view;
pub mod topology;
pub mod tree;
pub mod update;
pub mod view;
pub mod walker;
pub mod walker_keys;
pub mod walker_view;

pub use action::Action;
pub use effect::Effect;
pub use msg::Msg;
pub use state::{Labels, State};
pub use update::update;

use crate::cluster::ClusterEvent;
use crate::cluster::watch::Control;
use crate::config::Config;
use crate::terminal::JobControl;
use crate::terminal::signal::Signal;
use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::time::Duration;
use tokio::sync::mpsc;

/// Shortest time between two frames (~30 fps).
pub const FRAME: Duration = Duration::from_millis(33);

/// Why the app stopped other than by the user quitting.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Drawing to the terminal failed.
    #[error("cannot draw to the terminal: {0}")]
    Draw(String),
    /// Reading terminal input failed.
    #[error("cannot read terminal input: {0}")]
    Input(#[source] std::io::Error),
    /// A signal that ends the process arrived (its number); the caller restores the terminal and ends by it.
    #[error("terminated by signal {0}")]
    Terminated(i32),
    /// Suspending (ctrl-z, SIGTSTP) or resuming failed.
    #[error("cannot suspend or resume: {0}")]
    JobControl(#[source] std::io::Error),
}

/// What the run loop reads besides the cluster: the terminal's events and the process's signals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Terminal(Event),
    Signal(Signal),
}

impl From<Event> for Input {
    fn from(event: Event) -> Self {
        Input::Terminal(event)
    }
}

/// Runs the console until the user quits, with nothing to fetch from (drill-down fetches answer "not
/// connected") and no watchers to control. See the module doc for how `main` calls it, and [`run_with`].
pub async fn run<B, S, I>(
    terminal: &mut Terminal<B>,
    input: S,
    cluster: mpsc::Receiver<ClusterEvent>,
    config: Config,
    labels: Labels,
) -> Result<(), Error>
where
    B: Backend + JobControl,
    S: Stream<Item = std::io::Result<I>> + Unpin,
    I: Into<Input>,
{
    run_with(
        terminal,
        input,
        cluster,
        Control::default(),
        config,
        labels,
        None,
    )
    .await
}

/// [`run_with_actions`] without an action pipeline (every action answers "actions are not connected").
pub async fn run_with<B, S, I>(
    terminal: &mut Terminal<B>,
    input: S,
    cluster: mpsc::Receiver<ClusterEvent>,
    control: Control,
    config: Config,
    labels: Labels,
    client: Option<kube::Client>,
) -> Result<(), Error>
where
    B: Backend + JobControl,
    S: Stream<Item = std::io::Result<I>> + Unpin,
    I: Into<Input>,
{
    run_with_actions(
        terminal, input, cluster, control, config, labels, client, None,
    )
    .await
}

/// Runs the console until the user quits, with the control of the running watchers (reloading the kubeconfig);
/// the drill-down fetches through `client`; the action effects go to `actions` (the seam,
/// [`effects_runner::ActionBackend`]). A `:ns` / `:ctx` switch ends it like a quit: see [`run_console`] for a
/// loop that follows them.
#[allow(
    clippy::too_many_arguments,
    reason = "the run loop's inputs, each its own kind; a struct would only rename them"
)]
pub async fn run_with_actions<B, S, I>(
    terminal: &mut Terminal<B>,
    mut input: S,
    cluster: mpsc::Receiver<ClusterEvent>,
    control: Control,
    config: Config,
    labels: Labels,
    client: Option<kube::Client>,
    actions: Option<std::sync::Arc<dyn effects_runner::ActionBackend>>,
) -> Result<(), Error>
where
    B: Backend + JobControl,
    S: Stream<Item = std::io::Result<I>> + Unpin,
    I: Into<Input>,
{
    let wiring = Wiring {
        control,
        client,
        actions,
        session: prompt::Session::default(),
        note: None,
    };
    run_console(terminal, &mut input, cluster, config, labels, wiring)
        .await
        .map(|_| ())
}

/// What the console runs with besides the terminal, its input and the cluster's events.
#[derive(Default)]
pub struct Wiring {
    /// The running watchers (reloading the kubeconfig).
    pub control: Control,
    /// The drill-down's and the copy's fetches.
    pub client: Option<kube::Client>,
    /// The action pipeline.
    pub actions: Option<std::sync::Arc<dyn effects_runner::ActionBackend>>,
    /// Contexts and namespaces known for the command line's completion.
    pub session: prompt::Session,
    /// A note to show from the start (e.g. why a switch could not be made).
    pub note: Option<String>,
}

/// How the console ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// The user quit (or the input ended).
    Quit,
    /// `:ns` / `:ctx`: connect again there and run a new console (`launch::console`).
    Switch(effect::Switch),
}

/// Runs the console until the user quits or asks for another context or namespace ([`Exit`]). `input` yields
/// terminal events (crossterm's) or [`Input`]s (terminal events and signals); it is borrowed so that the caller
/// can run the next console on the same stream. On a terminating signal it returns [`Error::Terminated`]; on
/// ctrl-z or SIGTSTP it suspends the terminal ([`JobControl`]) and draws nothing until SIGCONT, which resumes it
/// and redraws every cell.
pub async fn run_console<B, S, I>(
    terminal: &mut Terminal<B>,
    input: &mut S,
    cluster: mpsc::Receiver<ClusterEvent>,
    config: Config,
    labels: Labels,
    wiring: Wiring,
) -> Result<Exit, Error>
where
    B: Backend + JobControl,
    S: Stream<Item = std::io::Result<I>> + Unpin,
    I: Into<Input>,
{
    let Wiring {
        control,
        client,
        actions,
        session,
        note,
    } = wiring;
    let name = labels.context.clone();
    let mut state = State::new(config, labels);
    state.session = session;
    state.input_note = note;
    // One cluster is the fleet's N = 1: the same loop, its messages tagged as cluster 0.
    let tagged = futures::stream::unfold(cluster, |mut rx| async move {
        rx.recv().await.map(|event| {
            let tagged = crate::cluster::fleet::Tagged {
                cluster: 0,
                event: crate::cluster::fleet::FleetEvent::Cluster(event),
            };
            (tagged, rx)
        })
    })
    .boxed();
    let one = fleet_run::Cluster {
        name,
        state,
        control,
        client,
        server: String::new(),
        actions,
    };
    fleet_run::run(terminal, input, tagged, vec![one]).await
}

/// Job control and termination: see [`run`] (also the wall's, `watch`).
pub(crate) fn on_signal<B: Backend + JobControl>(
    terminal: &mut Terminal<B>,
    signal: Signal,
    suspended: &mut bool,
) -> Result<(), Error> {
    match signal {
        Signal::Terminate(number) => Err(Error::Terminated(number)),
        Signal::Suspend => {
            *suspended = true;
            terminal.backend_mut().suspend().map_err(Error::JobControl)
        }
        Signal::Continue => {
            terminal.backend_mut().resume().map_err(Error::JobControl)?;
            *suspended = false;
            // The screen was cleared: forget the last frame so the next one draws every cell.
            let size = terminal.size().map_err(|e| Error::Draw(e.to_string()))?;
            terminal
                .resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
                .map_err(|e| Error::Draw(e.to_string()))
        }
    }
}

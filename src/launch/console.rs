//! The console: connect (to the kube context given, or to a simulated cluster started here for `--demo`), start
//! the watchers, and run the app on the real terminal until the user quits.

use crate::app::{self, Labels};
use crate::cli::{ClusterArgs, ConsoleArgs};
use crate::cluster;
use crate::config::{Config, ConfigPaths};
use crate::sim::simulation::{self, SimConfig, SimError, Simulation};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

/// Errors that stop the console before or after it runs. Anything that happens while it runs is shown in it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot start the simulated cluster for --demo: {0}")]
    Demo(#[from] SimError),
    #[error("cannot write the demo kubeconfig: {0}")]
    DemoKubeconfig(String),
    #[error(transparent)]
    Connect(#[from] cluster::client::Error),
    #[error("cannot use the terminal: {0}")]
    Terminal(#[source] std::io::Error),
    #[error(transparent)]
    App(#[from] app::Error),
    /// Ended by a signal (its number), the terminal restored: `main` ends the process by the same signal.
    #[error("terminated by signal {0}")]
    Terminated(i32),
    #[error(transparent)]
    Metrics(#[from] crate::metrics::server::Error),
}

/// Runs the console with the options of the command line (`cluster`: see `launch::connect_options`).
///
/// # Errors
/// Failures to start (demo, kubeconfig, terminal) and terminal failures while running.
pub async fn run(args: &ConsoleArgs, cluster: &ClusterArgs) -> Result<(), Error> {
    // Config files are read (and any problem recorded for the banner) before the terminal is taken over.
    let mut config = Config::load(ConfigPaths::discover().as_ref());
    if crate::config::theme::no_color_requested(std::env::var("NO_COLOR").ok().as_deref()) {
        config.theme = config.theme.without_colour();
    }
    let settings = crate::config::settings::Settings::discover();
    let mut options = super::connect_options_with(cluster, &settings);
    // Policies load before the terminal is taken (regorus may write warnings while preparing).
    let gate = crate::policy::Gate::load(crate::policy::user_dir().as_deref());
    // `--demo`: a simulated cluster on 127.0.0.1 and a kubeconfig for it; from here on the path is the real one.
    let mut demo: Option<(Simulation, tempfile::TempPath)> = None;
    if args.demo {
        let sim = simulation::start(SimConfig::new(super::sim_source(&args.sim))).await?;
        let file = tempfile::Builder::new()
            .prefix("fluxops-demo-")
            .suffix(".kubeconfig")
            .tempfile()
            .map_err(|e| Error::DemoKubeconfig(e.to_string()))?
            .into_temp_path();
        sim.write_kubeconfig(&file)
            .map_err(|e| Error::DemoKubeconfig(e.to_string()))?;
        options.kubeconfig = Some(file.to_path_buf());
        options.context = None;
        demo = Some((sim, file));
    }
    if let Some(text) = &args.metrics.metrics_addr {
        crate::metrics::server::address(text, args.metrics.metrics_allow_remote)?;
    }
    let connection = cluster::client::connect(&options).await?;
    let result = {
        // Signals are listened to from here on (and no longer act by themselves): the app loop reads them.
        let signals = crate::terminal::signal::listen().map_err(Error::Terminal)?;
        let mut terminal = crate::terminal::enter().map_err(Error::Terminal)?;
        let mut input = futures::stream::select(
            crossterm::event::EventStream::new().map(|e| e.map(app::Input::Terminal)),
            signals.map(|s| Ok(app::Input::Signal(s))),
        );
        let mut connection = connection;
        let mut wiring = app::Wiring {
            session: app::prompt::Session {
                contexts: cluster::client::context_names(&options)
                    .await
                    .unwrap_or_default(),
                namespaces: std::collections::BTreeSet::new(),
            },
            ..app::Wiring::default()
        };
        let mut gate = Some(gate);
        // `:ns` / `:ctx` end a console; the next one connects again through the kubeconfig, as at start.
        loop {
            let gate = gate
                .take()
                .unwrap_or_else(|| crate::policy::Gate::load(crate::policy::user_dir().as_deref()));
            let exit = session(
                &mut terminal,
                &mut input,
                args,
                &connection,
                &options,
                &settings,
                gate,
                &config,
                wiring,
            )
            .await;
            let to = match exit {
                Ok(app::Exit::Switch(to)) => to,
                Ok(app::Exit::Quit) => break Ok(()),
                Err(e) => break Err(e),
            };
            let mut next = options.clone();
            next.context = Some(to.context.clone());
            next.namespace.clone_from(&to.namespace);
            next.all_namespaces = to.namespace.is_none();
            let contexts = cluster::client::context_names(&next)
                .await
                .unwrap_or_default();
            let mut note = None;
            match cluster::client::connect(&next).await {
                Ok(c) => {
                    connection = c;
                    options = next;
                }
                Err(e) => {
                    note = Some(format!(
                        "cannot switch: {}",
                        crate::text::sanitize_line(&e.to_string())
                    ));
                }
            }
            wiring = app::Wiring {
                session: app::prompt::Session {
                    contexts,
                    namespaces: to.namespaces,
                },
                note,
                ..app::Wiring::default()
            };
            // Whatever was written meanwhile (policy warnings) is overwritten by a full frame.
            if let Ok(size) = terminal.size() {
                let _ = terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height));
            }
        }
    };
    if let Some((sim, file)) = demo {
        sim.shutdown().await;
        drop(file);
    }
    match result {
        Err(Error::App(app::Error::Terminated(signal))) => Err(Error::Terminated(signal)),
        other => other,
    }
}

/// One console on one connection: its watchers, metrics and action pipeline, until the user quits or switches.
#[allow(
    clippy::too_many_arguments,
    reason = "what one console is made of, each its own kind; a struct would only rename them"
)]
async fn session<B, S>(
    terminal: &mut ratatui::Terminal<B>,
    input: &mut S,
    args: &ConsoleArgs,
    connection: &cluster::client::Connection,
    options: &cluster::ConnectOptions,
    settings: &crate::config::settings::Settings,
    gate: crate::policy::Gate,
    config: &Config,
    wiring: app::Wiring,
) -> Result<app::Exit, Error>
where
    B: ratatui::backend::Backend + crate::terminal::JobControl,
    S: futures::Stream<Item = std::io::Result<app::Input>> + Unpin,
{
    tracing::info!(?connection, "connected");
    let labels = Labels {
        context: connection.context.clone(),
        namespace: connection.scope.namespace().map(str::to_owned),
    };
    let metrics = super::metrics::start(&args.metrics, &connection.context).await?;
    let actions = actions(connection, settings, gate);
    let cancel = CancellationToken::new();
    let (tx, rx) = tokio::sync::mpsc::channel(cluster::watch::CHANNEL_CAPACITY);
    // Reloading the kubeconfig (a key in the console) reads it again with the same options.
    let target = cluster::watch::Target::new(connection, Some(options.clone()));
    let watching = cluster::watch::start(target, tx, cancel.clone());
    // `--metrics-addr`: the metrics keep their own state from the same events (`launch::metrics::tap`).
    let (rx, serving) = match metrics {
        Some((exporter, serving)) => (
            super::metrics::tap(rx, exporter, labels.clone()),
            Some(serving),
        ),
        None => (rx, None),
    };
    let wiring = app::Wiring {
        control: watching.control.clone(),
        client: Some(connection.client.clone()),
        actions,
        ..wiring
    };
    let result = app::run_console(terminal, input, rx, config.clone(), labels, wiring).await;
    cancel.cancel();
    let _ = watching.task.await;
    if let Some(serving) = serving {
        serving.stop().await;
    }
    Ok(result?)
}

/// The action pipeline for the console (`None`, and the console says actions are not connected, when the audit
/// log has no place to go: no action may run unaudited).
fn actions(
    connection: &cluster::client::Connection,
    settings: &crate::config::settings::Settings,
    gate: crate::policy::Gate,
) -> Option<std::sync::Arc<dyn app::effects_runner::ActionBackend>> {
    let catalog = match crate::actions::Catalog::builtin() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("no actions: {e}");
            return None;
        }
    };
    let audit = match crate::audit::AuditLog::default_location() {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!("no actions: {e}");
            return None;
        }
    };
    let executor = crate::execution::Executor::new(
        connection,
        crate::execution::Parts {
            catalog,
            gate,
            audit,
            readonly: settings.readonly,
            jobs: settings.jobs.clone(),
        },
    );
    Some(std::sync::Arc::new(
        super::actions_backend::ConsoleActions::new(executor),
    ))
}

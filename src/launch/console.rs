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
    let mut settings = crate::config::settings::Settings::discover();
    let mut cluster = cluster.clone();
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
        cluster.kubeconfig = Some(file.to_path_buf());
        cluster.context.clear();
        cluster.all_contexts = false;
        settings.contexts.clear();
        demo = Some((sim, file));
    }
    if let Some(text) = &args.metrics.metrics_addr {
        crate::metrics::server::address(text, args.metrics.metrics_allow_remote)?;
    }
    let mut clusters = super::fleet::connect(&cluster, &settings, false).await?;
    tracing::info!(clusters = clusters.len(), "clusters");
    // Policies load before the terminal is taken (regorus may write warnings while preparing); one gate per
    // cluster's action pipeline.
    let mut gates = Some(gates_for(&clusters));
    let result = {
        // Signals are listened to from here on (and no longer act by themselves): the app loop reads them.
        let signals = crate::terminal::signal::listen().map_err(Error::Terminal)?;
        let mut terminal = crate::terminal::enter().map_err(Error::Terminal)?;
        let mut input = futures::stream::select(
            crossterm::event::EventStream::new().map(|e| e.map(app::Input::Terminal)),
            signals.map(|s| Ok(app::Input::Signal(s))),
        );
        let mut wiring = app::Wiring {
            session: app::prompt::Session {
                contexts: cluster::client::context_names(cluster.kubeconfig.clone())
                    .await
                    .unwrap_or_default(),
                namespaces: std::collections::BTreeSet::new(),
            },
            ..app::Wiring::default()
        };
        // `:ns` / `:ctx` to a context none of the clusters is end a console; the next one connects again through
        // the kubeconfig, as at start.
        loop {
            let gates = gates.take().unwrap_or_else(|| gates_for(&clusters));
            let exit = session(
                &mut terminal,
                &mut input,
                args,
                &clusters,
                &settings,
                gates,
                &config,
                wiring,
            )
            .await;
            let to = match exit {
                Ok(app::Exit::Switch(to)) => to,
                Ok(app::Exit::Quit) => break Ok(()),
                Err(e) => break Err(e),
            };
            let mut next = cluster.clone();
            next.context = vec![to.context.clone()];
            next.all_contexts = false;
            next.namespace.clone_from(&to.namespace);
            next.all_namespaces = to.namespace.is_none();
            let contexts = cluster::client::context_names(next.kubeconfig.clone())
                .await
                .unwrap_or_default();
            let mut note = None;
            match super::fleet::connect(&next, &settings, false).await {
                Ok(c) => {
                    clusters = c;
                    cluster = next;
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

/// One policy gate per cluster's action pipeline.
fn gates_for(clusters: &[super::fleet::Cluster]) -> Vec<crate::policy::Gate> {
    clusters
        .iter()
        .map(|_| crate::policy::Gate::load(crate::policy::user_dir().as_deref()))
        .collect()
}

/// One console on its clusters: their watchers, the metrics and the action pipelines, until the user quits or
/// switches to another context or namespace.
#[allow(
    clippy::too_many_arguments,
    reason = "what one console is made of, each its own kind; a struct would only rename them"
)]
async fn session<B, S>(
    terminal: &mut ratatui::Terminal<B>,
    input: &mut S,
    args: &ConsoleArgs,
    clusters: &[super::fleet::Cluster],
    settings: &crate::config::settings::Settings,
    mut gates: Vec<crate::policy::Gate>,
    config: &Config,
    wiring: app::Wiring,
) -> Result<app::Exit, Error>
where
    B: ratatui::backend::Backend + crate::terminal::JobControl,
    S: futures::Stream<Item = std::io::Result<app::Input>> + Unpin,
{
    for c in clusters {
        tracing::info!(connection = ?c.connection, "connected");
    }
    let names: Vec<String> = clusters.iter().map(|c| c.name().to_owned()).collect();
    let metrics = super::metrics::start(&args.metrics, &names).await?;
    let cancel = CancellationToken::new();
    let (tx, rx) = tokio::sync::mpsc::channel(cluster::watch::CHANNEL_CAPACITY);
    // Reloading the kubeconfig (a key in the console) reads it again with the same options.
    let targets = clusters.iter().map(|c| c.target(true)).collect();
    // `--metrics-addr`: the metrics keep their own state from the same events (`launch::metrics::tap`).
    let (mut taps, serving) = match metrics {
        Some((exporter, serving)) => (
            Some(super::metrics::Taps::new(
                exporter,
                clusters.iter().map(labels).collect(),
            )),
            Some(serving),
        ),
        None => (None, None),
    };
    let watching = cluster::fleet::start_tapped(targets, tx, &cancel, |_, rx| match &mut taps {
        Some(t) => t.tap(rx),
        None => rx,
    });
    if let Some(taps) = taps {
        taps.start();
    }
    let members: Vec<app::fleet_run::Cluster> = clusters
        .iter()
        .zip(&watching.controls)
        .zip(gates.drain(..))
        .map(|((c, control), gate)| {
            let mut state = app::State::new(config.clone(), labels(c));
            state.session = wiring.session.clone();
            state.input_note.clone_from(&wiring.note);
            app::fleet_run::Cluster {
                name: c.name().to_owned(),
                state,
                control: control.clone(),
                client: Some(c.connection.client.clone()),
                server: c.connection.server.clone(),
                actions: actions(&c.connection, settings, gate),
            }
        })
        .collect();
    let tagged =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|t| (t, rx)) })
            .boxed();
    let result = app::fleet_run::run(terminal, input, tagged, members).await;
    cancel.cancel();
    watching.join().await;
    if let Some(serving) = serving {
        serving.stop().await;
    }
    Ok(result?)
}

/// What the console shows about a cluster: its context and namespace scope.
fn labels(c: &super::fleet::Cluster) -> Labels {
    Labels {
        context: c.connection.context.clone(),
        namespace: c.connection.scope.namespace().map(str::to_owned),
    }
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

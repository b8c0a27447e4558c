//! `fluxops watch`: connect read-only (the guard of `--readonly`, whatever the flags and settings say), start the
//! same watchers as the console, and run the wall (`crate::watch`) on the real terminal until `q`, `ctrl-c` or
//! a terminating signal. No action pipeline, no drill-down client and no kubeconfig reload are built: nothing
//! here can send anything but reads.

use super::console::Error;
use crate::app::{self, Labels};
use crate::cli::{ClusterArgs, WatchArgs};
use crate::cluster;
use crate::config::{Config, ConfigPaths};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

/// The options `watch` connects with: those of the command line, always read-only.
#[must_use]
pub fn connect_options(cluster: &ClusterArgs) -> cluster::ConnectOptions {
    let mut options = super::connect_options(cluster);
    options.readonly = true;
    options
}

/// Runs the wall.
///
/// # Errors
/// Failures to start (kubeconfig, terminal) and terminal failures while running; ended by a signal:
/// [`Error::Terminated`].
pub async fn run(args: &WatchArgs, cluster: &ClusterArgs) -> Result<(), Error> {
    let paths = ConfigPaths::discover();
    let config = Config::load(paths.as_ref());
    let user_theme = paths.as_ref().and_then(|p| {
        crate::bounded_file::read_to_string(&p.theme(), crate::bounded_file::CONFIG).ok()
    });
    let theme_file = paths.as_ref().map(ConfigPaths::theme).unwrap_or_default();
    let (mut theme, problems) = crate::watch::theme(&config, user_theme.as_deref(), &theme_file);
    if crate::config::theme::no_color_requested(std::env::var("NO_COLOR").ok().as_deref()) {
        theme = theme.without_colour();
    }
    for p in problems {
        tracing::warn!("theme: {p}");
    }
    // Checked before connecting: a bad address is a usage mistake, said at once.
    if let Some(text) = &args.metrics.metrics_addr {
        crate::metrics::server::address(text, args.metrics.metrics_allow_remote)
            .map_err(Error::Metrics)?;
    }
    let settings = crate::config::settings::Settings::discover();
    // Read-only whatever the flags and settings say: every cluster's client carries the guard.
    let clusters = super::fleet::connect(cluster, &settings, true).await?;
    let names: Vec<String> = clusters.iter().map(|c| c.name().to_owned()).collect();
    // Before the terminal is taken: a port in use is a one-line error.
    let metrics = super::metrics::start(&args.metrics, &names)
        .await
        .map_err(Error::Metrics)?;
    tracing::info!(clusters = clusters.len(), "watch: connected read-only");
    let labels: Vec<Labels> = clusters
        .iter()
        .map(|c| Labels {
            context: c.connection.context.clone(),
            namespace: c.connection.scope.namespace().map(str::to_owned),
        })
        .collect();
    let (exporter, serving) = match metrics {
        Some((e, s)) => (Some(e), Some(s)),
        None => (None, None),
    };
    let cancel = CancellationToken::new();
    let (tx, rx) = tokio::sync::mpsc::channel(cluster::watch::CHANNEL_CAPACITY);
    let targets = clusters.iter().map(|c| c.target(false)).collect();
    let watching = cluster::fleet::start(targets, tx, &cancel);
    let tagged =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|t| (t, rx)) })
            .boxed();
    let result = {
        let signals = crate::terminal::signal::listen().map_err(Error::Terminal)?;
        let mut terminal = crate::terminal::enter().map_err(Error::Terminal)?;
        let input = futures::stream::select(
            crossterm::event::EventStream::new().map(|e| e.map(app::Input::Terminal)),
            signals.map(|s| Ok(app::Input::Signal(s))),
        );
        let options = crate::watch::Options {
            config,
            theme,
            clusters: labels,
            rotate: args.rotate,
            metrics: exporter,
            pages: args.pages,
        };
        crate::watch::run(&mut terminal, input, tagged, options).await
    };
    cancel.cancel();
    if let Some(serving) = serving {
        serving.stop().await;
    }
    watching.join().await;
    match result {
        Err(app::Error::Terminated(signal)) => Err(Error::Terminated(signal)),
        other => other.map_err(Error::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_connects_read_only_whatever_the_flags() {
        assert!(connect_options(&ClusterArgs::default()).readonly);
    }
}

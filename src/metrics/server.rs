//! The `/metrics` endpoint (axum): serves the last text the [`super::Exporter`] published. Listens on loopback
//! only unless remote listening is asked for explicitly (`--metrics-allow-remote`): the metrics name every
//! object of the cluster and the endpoint has no authentication, so exposing them is a decision, not a default.

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// How long a scrape waits for the loop to answer.
pub const ANSWER: Duration = Duration::from_secs(10);

/// The content type of the OpenMetrics text format (Prometheus reads it).
pub const CONTENT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Why the endpoint cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("--metrics-addr {0}: not an address and port (e.g. 127.0.0.1:9464)")]
    Parse(String),
    #[error(
        "--metrics-addr {0} is not a loopback address: the metrics name every Flux object and have no authentication; \
         add --metrics-allow-remote to listen there (e.g. 0.0.0.0:9464 in a pod Prometheus scrapes)"
    )]
    NotLoopback(String),
    #[error("--metrics-addr {addr}: cannot listen: {error}")]
    Bind { addr: String, error: String },
}

/// The address to listen on: `HOST:PORT` (a name such as `localhost` resolved), loopback unless `allow_remote`.
///
/// # Errors
/// Not an address, or not loopback (every resolved address must be) without `allow_remote`.
pub fn address(text: &str, allow_remote: bool) -> Result<SocketAddr, Error> {
    let addrs: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|_| Error::Parse(text.to_owned()))?
        .collect();
    let first = *addrs.first().ok_or_else(|| Error::Parse(text.to_owned()))?;
    if !allow_remote && !addrs.iter().all(|a| a.ip().is_loopback()) {
        return Err(Error::NotLoopback(text.to_owned()));
    }
    Ok(first)
}

/// A running endpoint.
#[derive(Debug)]
pub struct Serving {
    pub addr: SocketAddr,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Serving {
    /// Stops listening.
    pub async fn stop(self) {
        self.cancel.cancel();
        let _ = self.task.await;
    }
}

/// Binds `addr` and serves `GET /metrics`, asking the loop through `asks`, until stopped.
///
/// # Errors
/// The address cannot be bound (in use, not local).
pub async fn serve(addr: SocketAddr, asks: mpsc::Sender<super::Ask>) -> Result<Serving, Error> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Bind {
            addr: addr.to_string(),
            error: e.to_string(),
        })?;
    let bound = listener.local_addr().unwrap_or(addr);
    let app = Router::new().route(
        "/metrics",
        get(move || {
            let asks = asks.clone();
            async move {
                let (tx, rx) = oneshot::channel();
                if asks.send(tx).await.is_err() {
                    return (StatusCode::SERVICE_UNAVAILABLE, "fluxops is stopping\n")
                        .into_response();
                }
                match tokio::time::timeout(ANSWER, rx).await {
                    Ok(Ok(text)) => ([(CONTENT_TYPE, CONTENT)], text).into_response(),
                    _ => (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "fluxops did not answer in time\n",
                    )
                        .into_response(),
                }
            }
        }),
    );
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::warn!("metrics endpoint stopped: {e}");
        }
    });
    tracing::info!(%bound, "metrics endpoint listening");
    Ok(Serving {
        addr: bound,
        cancel,
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_only_unless_allowed() {
        assert!(address("127.0.0.1:9464", false).is_ok());
        assert!(address("[::1]:9464", false).is_ok());
        assert!(address("localhost:9464", false).is_ok());
        assert!(matches!(
            address("0.0.0.0:9464", false),
            Err(Error::NotLoopback(_))
        ));
        assert!(matches!(
            address("10.1.2.3:9464", false),
            Err(Error::NotLoopback(_))
        ));
        assert!(address("0.0.0.0:9464", true).is_ok());
        assert!(matches!(address("9464", false), Err(Error::Parse(_))));
    }
}

//! Starting the simulated API server: `serve` binds a loopback address (any other is refused: the server is a
//! writable Kubernetes API with a fixed token), returns a `SimServer` with the
//! bound address and a kubeconfig, and a `SimHandle` for test controls (drop watches, compact
//! history, make kinds missing/forbidden, faults (`fault`), mutate objects directly). Shutdown via
//! CancellationToken.

use crate::flux::FluxKind;
use crate::sim::auth::{Auth, bootstrap};
use crate::sim::controls::Controls;
use crate::sim::http::{ApiConfig, ApiState, router};
use crate::sim::request_log::RequestLog;
use crate::sim::resource::GroupResource;
use crate::sim::store::{Store, StoreError};
use crate::sim::workloads::{self, PodLogs, job::JobEnv};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Why the server could not start (or its kubeconfig could not be written).
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "refusing to listen on {addr}: not a loopback address (the simulated cluster is a writable API with a fixed token; use 127.0.0.1 or ::1)"
    )]
    NotLoopback { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the request log {path}: {source}")]
    RequestLog {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write kubeconfig {path}: {source}")]
    Kubeconfig {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Server settings.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// The user the kubeconfig authenticates as (named in Forbidden messages).
    pub user: String,
    /// The kubeconfig bearer token (requests carrying another bearer token get 401; requests
    /// without credentials are let through).
    pub token: String,
    /// The kubeconfig context's namespace.
    pub namespace: String,
    /// BOOKMARK period for watches that allow bookmarks.
    pub bookmark_interval: Duration,
    /// Kinds not installed at start (CRD missing).
    pub missing: Vec<GroupResource>,
    /// Kinds the user may not access at start.
    pub forbidden: Vec<GroupResource>,
    /// Cancelling this stops the server (a fresh token when `None`).
    pub shutdown: Option<CancellationToken>,
    /// HTTP creates into a namespace that does not exist get 404 `namespaces "x" not found`,
    /// as on a real server (off by default: fleets are often loaded without Namespace objects).
    pub require_namespaces: bool,
    /// Also append every request to this file as JSON lines (`fluxops sim --request-log`).
    pub request_log: Option<std::path::PathBuf>,
    /// Run the cluster below Flux (`sim::workloads`): Nodes, inventoried workloads, the Deployment and Job
    /// controllers (on for `simulation::start`; off for a bare API server).
    pub workloads: bool,
    /// The WatchList feature gate: streaming lists (`sendInitialEvents=true`) are served, as on a newer server
    /// (off: refused with 422, as on a default 1.28).
    pub watch_list: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            user: "fluxops-sim".to_owned(),
            token: "fluxops-sim-token".to_owned(),
            namespace: "default".to_owned(),
            bookmark_interval: Duration::from_secs(5),
            missing: Vec::new(),
            forbidden: Vec::new(),
            shutdown: None,
            require_namespaces: false,
            request_log: None,
            workloads: false,
            watch_list: false,
        }
    }
}

/// Test controls of a running server (cheap to clone).
#[derive(Debug, Clone)]
pub struct SimHandle {
    store: Store,
    controls: Controls,
    log: RequestLog,
    auth: Auth,
    logs: PodLogs,
}

impl SimHandle {
    /// What the pods' containers printed (`pods/<name>/log`).
    #[must_use]
    pub fn pod_logs(&self) -> &PodLogs {
        &self.logs
    }

    /// Authentication state: issue ServiceAccount tokens (`auth().tokens().issue(…)`).
    #[must_use]
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    #[must_use]
    pub fn request_log(&self) -> &RequestLog {
        &self.log
    }

    #[must_use]
    pub fn controls(&self) -> &Controls {
        &self.controls
    }

    /// Breaks every open watch connection (server-side connection reset).
    pub fn drop_watches(&self) {
        self.controls.drop_watches();
    }

    /// Compacts the change history: resuming a watch from any earlier resourceVersion gets 410.
    pub fn compact(&self) {
        self.store.compact();
    }

    /// Makes a resource type missing (404 as for an uninstalled CRD) or present again.
    pub fn set_missing(&self, resource: &GroupResource, missing: bool) {
        self.controls.set_missing(resource, missing);
    }

    /// Makes a resource type forbidden (403 for every verb) or allowed again.
    pub fn set_forbidden(&self, resource: &GroupResource, forbidden: bool) {
        self.controls.set_forbidden(resource, forbidden);
    }

    /// Makes every request answer 401 Unauthorized (credentials expired), or stops it.
    pub fn set_unauthorized(&self, unauthorized: bool) {
        self.controls.set_unauthorized(unauthorized);
    }

    /// Starts (`true`) or ends an apiserver outage: every request answers 503 and open watches break.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.controls.set_unavailable(unavailable);
    }

    /// Delays every answer by `latency` (`Duration::ZERO` to stop).
    pub fn set_latency(&self, latency: Duration) {
        self.controls.set_latency(latency);
    }

    /// `set_missing` for a Flux kind.
    pub fn set_flux_kind_missing(&self, kind: FluxKind, missing: bool) {
        self.set_missing(&GroupResource::flux(kind), missing);
    }

    /// `set_forbidden` for a Flux kind.
    pub fn set_flux_kind_forbidden(&self, kind: FluxKind, forbidden: bool) {
        self.set_forbidden(&GroupResource::flux(kind), forbidden);
    }

    /// Stores an object as given (create or replace, status included, no validation).
    ///
    /// # Errors
    /// When the object has no known apiVersion/kind or no name.
    pub fn put_object(&self, obj: Value) -> Result<Arc<Value>, StoreError> {
        self.store.upsert(obj)
    }
}

/// A running simulated API server.
#[derive(Debug)]
pub struct SimServer {
    addr: SocketAddr,
    options: SimOptions,
    handle: SimHandle,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

/// Binds `addr` (use port 0 for any free port) and serves the Kubernetes API over `store`.
///
/// # Errors
/// `ServerError::NotLoopback` for an address other than loopback (127.0.0.0/8, ::1, or IPv4-mapped loopback);
/// `ServerError::Bind` when the address cannot be bound.
pub async fn serve(
    addr: SocketAddr,
    store: Store,
    options: SimOptions,
) -> Result<SimServer, ServerError> {
    if !addr.ip().to_canonical().is_loopback() {
        return Err(ServerError::NotLoopback { addr });
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| ServerError::Bind { addr, source })?;
    let controls = Controls::new();
    for r in &options.missing {
        controls.set_missing(r, true);
    }
    for r in &options.forbidden {
        controls.set_forbidden(r, true);
    }
    let shutdown = options.shutdown.clone().unwrap_or_default();
    let log = match &options.request_log {
        Some(path) => RequestLog::with_file(path).map_err(|source| ServerError::RequestLog {
            path: path.display().to_string(),
            source,
        })?,
        None => RequestLog::new(),
    };
    if let Err(err) = bootstrap::seed(&store) {
        tracing::warn!(%err, "cannot store the bootstrap RBAC policy");
    }
    let auth = Auth::new(
        store.clone(),
        &options.user,
        &options.token,
        false,
        Vec::new(),
    );
    let logs = PodLogs::default();
    let state = ApiState {
        store: store.clone(),
        controls: controls.clone(),
        log: log.clone(),
        config: Arc::new(ApiConfig {
            bookmark_interval: options.bookmark_interval,
            server_address: addr.to_string(),
            require_namespaces: options.require_namespaces,
            watch_list: options.watch_list,
            user: options.user.clone(),
        }),
        auth: auth.clone(),
        logs: logs.clone(),
        identity: None,
        shutdown: shutdown.clone(),
    };
    if options.workloads {
        workloads::start(JobEnv {
            store: store.clone(),
            auth: auth.clone(),
            logs: logs.clone(),
            api: state.clone(),
            cancel: shutdown.child_token(),
        });
    }
    let app = router(state);
    let token = shutdown.clone();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(token.cancelled_owned())
            .await;
        if let Err(err) = served {
            tracing::warn!(%err, "simulated API server stopped");
        }
    });
    Ok(SimServer {
        addr,
        options,
        handle: SimHandle {
            store,
            controls,
            log,
            auth,
            logs,
        },
        shutdown,
        task,
    })
}

impl SimServer {
    /// The bound address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    #[must_use]
    pub fn handle(&self) -> SimHandle {
        self.handle.clone()
    }

    #[must_use]
    pub fn store(&self) -> &Store {
        &self.handle.store
    }

    #[must_use]
    pub fn request_log(&self) -> &RequestLog {
        &self.handle.log
    }

    /// The token that stops the server when cancelled.
    #[must_use]
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// A kubeconfig for this server: cluster/context/user `fluxops-sim`, bearer token, namespace.
    #[must_use]
    pub fn kubeconfig_yaml(&self) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fluxops-sim\n  cluster:\n    server: {url}\ncontexts:\n- name: fluxops-sim\n  context:\n    cluster: fluxops-sim\n    user: {user}\n    namespace: {ns}\ncurrent-context: fluxops-sim\nusers:\n- name: {user}\n  user:\n    token: {token}\npreferences: {{}}\n",
            url = self.url(),
            user = self.options.user,
            ns = self.options.namespace,
            token = self.options.token,
        )
    }

    /// Writes `kubeconfig_yaml` to `path`.
    ///
    /// # Errors
    /// `ServerError::Kubeconfig` on I/O failure.
    pub fn write_kubeconfig(&self, path: &Path) -> Result<(), ServerError> {
        std::fs::write(path, self.kubeconfig_yaml()).map_err(|source| ServerError::Kubeconfig {
            path: path.display().to_string(),
            source,
        })
    }

    /// Stops the server and waits for it (open watches end).
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
    }
}

//! The console's whole path on a simulated cluster: the real watchers (`cluster::watch::start`) feeding the real
//! app `State` through `update`, and what the screen then says (`view::build`): the connection state of the status
//! bar, the banners, a row's text. Also a simulated API server that can be killed and started again on the
//! same port with the same objects.

use fluxops::app::view::{self, Connection as Shown};
use fluxops::app::{Labels, Msg, State, update};
use fluxops::cluster::watch::{CHANNEL_CAPACITY, Control, Target, start};
use fluxops::cluster::{ClusterEvent, ConnectOptions, Connection};
use fluxops::config::Config;
use fluxops::flux::ResourceRef;
use fluxops::sim::{SimOptions, SimServer, Store, serve};
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// A simulated API server over a store that outlives it, and the console's connection to it.
pub struct Server {
    pub server: Option<SimServer>,
    pub store: Store,
    pub addr: std::net::SocketAddr,
    pub options: SimOptions,
    pub kubeconfig: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    pub async fn start(options: SimOptions, seed: &[Value]) -> Server {
        let store = Store::standard();
        for obj in seed {
            store.upsert(obj.clone()).unwrap();
        }
        let server = serve(
            "127.0.0.1:0".parse().unwrap(),
            store.clone(),
            options.clone(),
        )
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        server.write_kubeconfig(&kubeconfig).unwrap();
        Server {
            addr: server.addr(),
            server: Some(server),
            store,
            options,
            kubeconfig,
            _dir: dir,
        }
    }

    pub fn sim(&self) -> &SimServer {
        self.server.as_ref().expect("server is up")
    }

    /// The options the console connects with (this kubeconfig, all namespaces).
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            kubeconfig: Some(self.kubeconfig.clone()),
            all_namespaces: true,
            ..ConnectOptions::default()
        }
    }

    pub async fn connection(&self) -> Connection {
        fluxops::cluster::client::connect(&self.connect_options())
            .await
            .unwrap()
    }

    /// Kills the API server: open connections end, new ones are refused. The objects are kept.
    pub async fn kill(&mut self) {
        self.server.take().expect("server is up").shutdown().await;
    }

    /// Starts it again on the same address with the same objects.
    pub async fn restart(&mut self) {
        self.server = Some(
            serve(self.addr, self.store.clone(), self.options.clone())
                .await
                .unwrap(),
        );
    }
}

/// The console's state fed by the real watchers.
pub struct Console {
    pub state: State,
    rx: mpsc::Receiver<ClusterEvent>,
    /// Every event received, as a short text (failure messages show the tail).
    pub log: Vec<String>,
    pub control: Control,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl Console {
    /// Connects to `server` as the console does (its kubeconfig, reloadable) and starts watching.
    pub async fn start(server: &Server) -> Console {
        let connection = server.connection().await;
        Self::watch(&connection, Some(server.connect_options()))
    }

    pub fn watch(connection: &Connection, reload: Option<ConnectOptions>) -> Console {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let cancel = CancellationToken::new();
        let watching = start(Target::new(connection, reload), tx, cancel.clone());
        let labels = Labels {
            context: connection.context.clone(),
            namespace: None,
        };
        Console {
            state: State::new(Config::builtin(), labels),
            rx,
            log: Vec::new(),
            control: watching.control,
            cancel,
            task: watching.task,
        }
    }

    fn apply(&mut self, event: ClusterEvent) {
        self.log.push(short(&event));
        // The app's clock ticks every second; here before every event, so times shown are real.
        update(&mut self.state, Msg::Tick(Timestamp::now()));
        update(&mut self.state, Msg::Cluster(event));
    }

    /// Applies events until `done` holds (checked after each event and every 50 ms); returns how long it took.
    pub async fn until(
        &mut self,
        what: &str,
        within: Duration,
        done: impl Fn(&mut Console) -> bool,
    ) -> Duration {
        let started = Instant::now();
        let deadline = started + within;
        while !done(self) {
            let step =
                (deadline.min(Instant::now() + Duration::from_millis(50))).max(Instant::now());
            match tokio::time::timeout_at(step, self.rx.recv()).await {
                Ok(Some(event)) => self.apply(event),
                Ok(None) => panic!("the watchers ended while waiting for {what}"),
                Err(_) if Instant::now() >= deadline => {
                    let tail: Vec<String> = self.log.iter().rev().take(25).cloned().collect();
                    let (connection, banners) = (self.connection(), self.banners());
                    panic!(
                        "{what}: not within {within:?}; screen says {connection:?} / {banners:#?}; last events (newest first): {tail:#?}"
                    );
                }
                Err(_) => {}
            }
        }
        started.elapsed()
    }

    /// Applies whatever arrived, waiting `quiet` for more.
    pub async fn drain(&mut self, quiet: Duration) {
        while let Ok(Some(event)) = tokio::time::timeout(quiet, self.rx.recv()).await {
            self.apply(event);
        }
    }

    /// What the status bar says about the connection.
    pub fn connection(&mut self) -> Shown {
        view::build(&mut self.state, Timestamp::now())
            .status
            .connection
    }

    pub fn is_live(&mut self) -> bool {
        self.connection() == Shown::Live
    }

    pub fn is_stale(&mut self) -> bool {
        matches!(self.connection(), Shown::Stale { .. })
    }

    /// The banners' texts.
    pub fn banners(&mut self) -> Vec<String> {
        view::build(&mut self.state, Timestamp::now())
            .banners
            .into_iter()
            .map(|b| b.text)
            .collect()
    }

    /// The reason column of `r`'s row.
    pub fn row_reason(&self, r: &ResourceRef) -> String {
        view::row(&self.state, r).reason
    }

    pub fn count_logged(&self, prefix: &str) -> usize {
        self.log.iter().filter(|l| l.starts_with(prefix)).count()
    }

    pub async fn stop(self) {
        self.cancel.cancel();
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("the watchers stop when cancelled")
            .unwrap();
    }
}

fn short(event: &ClusterEvent) -> String {
    match event {
        ClusterEvent::Upserted(o) => format!(
            "Upserted {}",
            o.resource_ref().map(|r| r.to_string()).unwrap_or_default()
        ),
        ClusterEvent::Deleted(r) => format!("Deleted {r}"),
        ClusterEvent::Invalid { object, .. } => format!("Invalid {object}"),
        ClusterEvent::KindSynced { kind, .. } => format!("KindSynced {kind}"),
        ClusterEvent::KindUnavailable { kind, problem } => {
            format!("KindUnavailable {kind} {problem:?}")
        }
        ClusterEvent::Degraded { kind, error, .. } => format!("Degraded {kind} {error}"),
        ClusterEvent::Recovered(kind) => format!("Recovered {kind}"),
        ClusterEvent::Event(e) => format!("Event {} {}", e.involved, e.reason),
        ClusterEvent::CredentialsRejected(words) => format!("CredentialsRejected {words}"),
        ClusterEvent::CredentialsAccepted => "CredentialsAccepted".to_owned(),
        ClusterEvent::Reloaded(result) => format!("Reloaded {result:?}"),
    }
}

fn object(kind: fluxops::flux::FluxKind, ns: &str, name: &str, spec: Value) -> Value {
    serde_json::json!({
        "apiVersion": format!("{}/{}", kind.group(), kind.preferred_version()),
        "kind": kind.as_str(),
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    })
}

/// A Kustomization of `./apps/NAME` from the GitRepository `fleet` of its namespace.
pub fn ks(ns: &str, name: &str) -> Value {
    object(
        fluxops::flux::FluxKind::Kustomization,
        ns,
        name,
        serde_json::json!({"interval": "10m", "path": format!("./apps/{name}"), "prune": true,
               "sourceRef": {"kind": "GitRepository", "name": "fleet"}}),
    )
}

/// A HelmRelease of chart NAME from the HelmRepository `charts` in flux-system.
pub fn hr(ns: &str, name: &str) -> Value {
    object(
        fluxops::flux::FluxKind::HelmRelease,
        ns,
        name,
        serde_json::json!({"interval": "5m", "chart": {"spec": {"chart": name,
            "sourceRef": {"kind": "HelmRepository", "name": "charts", "namespace": "flux-system"}}}}),
    )
}

pub fn git(ns: &str, name: &str) -> Value {
    object(
        fluxops::flux::FluxKind::GitRepository,
        ns,
        name,
        serde_json::json!({"interval": "1m", "url": "https://github.com/example/fleet", "ref": {"branch": "main"}}),
    )
}

pub fn helm_repository(ns: &str, name: &str) -> Value {
    object(
        fluxops::flux::FluxKind::HelmRepository,
        ns,
        name,
        serde_json::json!({"interval": "1h", "url": "https://charts.example.com"}),
    )
}

/// A small fleet over several kinds and namespaces: Kustomizations on their namespace's GitRepository,
/// HelmReleases on one HelmRepository.
pub fn fleet() -> Vec<Value> {
    let mut objs = Vec::new();
    for ns in ["flux-system", "team-a", "team-b"] {
        for i in 0..6 {
            objs.push(ks(ns, &format!("app-{i}")));
        }
        for i in 0..3 {
            objs.push(hr(ns, &format!("chart-{i}")));
        }
        objs.push(git(ns, "fleet"));
    }
    objs.push(helm_repository("flux-system", "charts"));
    objs
}

/// A Ready=False status with `reason`.
pub fn not_ready(reason: &str) -> Value {
    serde_json::json!({"conditions": [{"type": "Ready", "status": "False", "reason": reason,
        "message": "failed", "lastTransitionTime": "2026-11-24T03:02:00Z"}]})
}

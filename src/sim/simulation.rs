//! Starting a whole simulated cluster in one call: the store (with the served API versions of the fleet),
//! the fleet itself (a scenario, a synthetic fleet, or a GitOps repository directory), the HTTP API server
//! and the simulated Flux controllers. This is what `--demo`, `fluxops sim` and the end-to-end tests use.

use crate::flux::ResourceRef;
use crate::sim::controllers::{ControllerOptions, Controllers, SimClock};
use crate::sim::fault::FaultPlan;
use crate::sim::from_dir::{self, FromDirError};
use crate::sim::scenario::{Behaviour, FailurePlan};
use crate::sim::scenario::{Scenario, ScenarioError};
use crate::sim::server::{ServerError, SimHandle, SimOptions, SimServer, serve};
use crate::sim::store::{
    ObjectKey, Patch, Store, StoreError, StoreOptions, Subresource, WriteOptions,
};
use crate::sim::{fleet, resource::Registry};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Which fleet the simulated cluster serves.
#[derive(Debug, Clone, PartialEq)]
pub enum SimSource {
    /// A shipped scenario name (`demo`, `minimal`, `chain`, `old-api`) or a scenario file path.
    Scenario(String),
    /// A deterministic synthetic fleet of about this many Flux objects.
    Fleet(usize),
    /// The Flux objects found in a GitOps repository directory.
    FromDir(PathBuf),
}

/// What to start.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where the API server listens (`127.0.0.1:0` for any free port).
    pub listen: SocketAddr,
    pub source: SimSource,
    /// Simulated seconds per real second; `None`: the scenario's `timeScale` (1 for fleets and directories).
    pub time_scale: Option<f64>,
    /// API server settings (user, namespace, bookmark interval, forbidden kinds …).
    pub server: SimOptions,
    /// Faults to inject on a schedule (`fluxops sim --fault`).
    pub faults: Vec<FaultPlan>,
}

impl SimConfig {
    /// A config for `source` on any free port, with default server settings.
    #[must_use]
    pub fn new(source: SimSource) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            source,
            time_scale: None,
            server: SimOptions::default(),
            faults: Vec::new(),
        }
    }
}

/// Why the simulated cluster could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    FromDir(#[from] FromDirError),
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("cannot load the fleet into the simulated cluster: {0}")]
    Load(#[from] StoreError),
    #[error("the simulated controllers are stopped")]
    ControllersStopped,
}

/// A running simulated cluster: API server + controllers.
#[derive(Debug)]
pub struct Simulation {
    server: SimServer,
    /// `None` once stopped ([`Simulation::stop_controllers`]).
    controllers: Option<Controllers>,
    clock: SimClock,
    name: String,
}

/// Creates the store, loads the fleet, starts the API server and the controllers.
///
/// # Errors
/// A scenario or directory that cannot be loaded, an address that cannot be bound.
pub async fn start(config: SimConfig) -> Result<Simulation, SimError> {
    let mut server_options = config.server;
    // Synthetic fleets (load tests, benchmarks) stay Flux objects only.
    server_options.workloads = !matches!(config.source, SimSource::Fleet(_));
    let mut warmup = (std::time::Duration::ZERO, 1.0);
    let (name, store, behaviours, scale, workers) = match &config.source {
        SimSource::Scenario(name) => {
            let scenario = Scenario::named(name)?;
            let store = Store::new(scenario.registry(), StoreOptions::default());
            scenario.create_in(&store)?;
            server_options.missing.extend(scenario.missing());
            let behaviours = scenario.behaviours();
            warmup = (scenario.warmup, scenario.warmup_scale);
            (scenario.name, store, behaviours, scenario.time_scale, 4)
        }
        SimSource::Fleet(n) => {
            let store = Store::new(Registry::standard(), StoreOptions::default());
            let behaviours = fleet::generate_into(&store, &fleet::FleetSpec::new(*n))?;
            (format!("fleet-{n}"), store, behaviours, 1.0, 256)
        }
        SimSource::FromDir(path) => {
            let store = Store::new(Registry::standard(), StoreOptions::default());
            from_dir::load_into(&store, path)?;
            (dir_name(path), store, Default::default(), 1.0, 4)
        }
    };
    let server_options_workloads = server_options.workloads;
    let server = serve(config.listen, store.clone(), server_options).await?;
    if !config.faults.is_empty() {
        tokio::spawn(crate::sim::fault::run_plans(
            server.handle(),
            config.faults.clone(),
            server.shutdown_token(),
        ));
    }
    let clock = {
        let scale = config.time_scale.unwrap_or(scale);
        SimClock::new(scale).with_warmup(warmup.0, warmup.1.max(scale))
    };
    // The controllers print into their pods when the cluster below Flux (and so the pods) is simulated.
    let logs = server_options_workloads.then(|| server.handle().pod_logs().clone());
    let controllers = Controllers::start(
        store,
        ControllerOptions {
            clock: clock.clone(),
            behaviours,
            workers,
            logs,
        },
    );
    Ok(Simulation {
        server,
        controllers: Some(controllers),
        clock,
        name,
    })
}

fn dir_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

impl Simulation {
    /// The scenario name (`fleet-N`, or the directory name).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The API server's address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// A kubeconfig pointing at the server.
    #[must_use]
    pub fn kubeconfig_yaml(&self) -> String {
        self.server.kubeconfig_yaml()
    }

    /// Writes the kubeconfig to `path`.
    ///
    /// # Errors
    /// I/O failure.
    pub fn write_kubeconfig(&self, path: &Path) -> Result<(), ServerError> {
        self.server.write_kubeconfig(path)
    }

    /// Test controls and the request log of the API server.
    #[must_use]
    pub fn handle(&self) -> SimHandle {
        self.server.handle()
    }

    /// The object store behind the API server.
    #[must_use]
    pub fn store(&self) -> &Store {
        self.server.store()
    }

    /// The simulation clock.
    #[must_use]
    pub fn clock(&self) -> &SimClock {
        &self.clock
    }

    /// Stops the simulated controllers and leaves the API server running: nothing in the cluster changes any
    /// more unless a client writes (a quiescent cluster, for measuring a client at rest).
    pub async fn stop_controllers(&mut self) {
        if let Some(controllers) = self.controllers.take() {
            controllers.shutdown().await;
        }
    }

    /// Makes `source` (a GitRepository or OCIRepository) serve commit `sha` and asks for a reconcile, as a push
    /// plus a notification-controller Receiver would: the source picks the commit up at once
    /// (GitRepository `<branch>@sha1:<sha>`; OCIRepository a new digest annotated with `main@sha1:<sha>`).
    ///
    /// # Errors
    /// The controllers are stopped, or the source does not exist.
    pub fn push_revision(&self, source: &ResourceRef, sha: &str) -> Result<(), SimError> {
        let controllers = self
            .controllers
            .as_ref()
            .ok_or(SimError::ControllersStopped)?;
        let mut behaviour = controllers.behaviour(source);
        behaviour.commit = Some(sha.to_owned());
        controllers.set_behaviour(source.clone(), behaviour);
        self.request_reconcile(source, "notification-controller")
    }

    /// Makes every reconcile of `object` from the next one on fail with `failure` (its `after` / `times`
    /// count the object's attempts from the start of the simulation; 0 / none: from now on, for good).
    ///
    /// # Errors
    /// The controllers are stopped.
    pub fn inject_failure(
        &self,
        object: &ResourceRef,
        failure: FailurePlan,
    ) -> Result<(), SimError> {
        let controllers = self
            .controllers
            .as_ref()
            .ok_or(SimError::ControllersStopped)?;
        let mut behaviour = controllers.behaviour(object);
        behaviour.failure = Some(failure);
        controllers.set_behaviour(object.clone(), behaviour);
        Ok(())
    }

    /// Replaces the behaviour of `object` from its next reconcile on.
    ///
    /// # Errors
    /// The controllers are stopped.
    pub fn set_behaviour(
        &self,
        object: &ResourceRef,
        behaviour: Behaviour,
    ) -> Result<(), SimError> {
        let controllers = self
            .controllers
            .as_ref()
            .ok_or(SimError::ControllersStopped)?;
        controllers.set_behaviour(object.clone(), behaviour);
        Ok(())
    }

    /// Sets `reconcile.fluxcd.io/requestedAt` on `object` to the current time (as `flux reconcile` does).
    ///
    /// # Errors
    /// The object does not exist.
    pub fn request_reconcile(&self, object: &ResourceRef, manager: &str) -> Result<(), SimError> {
        let key = ObjectKey::flux(object.kind, &object.namespace, &object.name);
        let token = k8s_openapi::jiff::Timestamp::now().to_string();
        let patch = Patch::Merge(serde_json::json!({"metadata": {"annotations": {
            "reconcile.fluxcd.io/requestedAt": token}}}));
        self.store().patch(
            &key,
            &patch,
            Subresource::Main,
            &WriteOptions::manager(manager),
        )?;
        Ok(())
    }

    /// Stops the controllers, then the server (open watches end).
    pub async fn shutdown(mut self) {
        self.stop_controllers().await;
        self.server.shutdown().await;
    }
}

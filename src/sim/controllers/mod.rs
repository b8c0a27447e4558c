//! Simulated Flux controllers (source-, kustomize- and helm-controller): tokio tasks that reconcile the Flux
//! objects in the simulated API server's store on their interval, writing status through the status path
//! (so watchers see MODIFIED events) and recording events, the way the real controllers do.
//!
//! - `runtime`: tasks, wake-ups, concurrency; `plan`: a reconcile as data; `input`: what a planner sees.
//! - `source`, `kustomize`, `helm` + `helm_release`: one planner per controller.
//! - `dependency`, `inventory`, `conditions`, `revision`, `events`: the Flux rules they share.
//! - `logs`: the JSON lines they print, written to their pods in `flux-system` (`pods/<name>/log`).
//! - `clock`, `duration`, `object`, `view`: simulated time, Go durations, field access, cluster reads.

pub mod apply;
pub mod clock;
pub mod conditions;
pub mod dependency;
pub mod events;
pub mod health;
pub mod helm;
pub mod helm_release;
pub mod helm_storage;
pub mod history;
pub mod input;
pub mod inventory;
pub mod kustomize;
pub mod logs;
pub mod object;
pub mod plan;
pub mod revision;
pub mod runtime;
pub mod source;
pub mod stall;
pub mod view;

pub use clock::SimClock;

use crate::flux::ResourceRef;
use crate::sim::scenario::Behaviour;
use crate::sim::store::Store;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How the controllers run.
#[derive(Debug, Clone)]
pub struct ControllerOptions {
    /// Simulated time (its scale speeds everything up).
    pub clock: SimClock,
    /// Per-object behaviour from a scenario; objects without one reconcile successfully.
    pub behaviours: BTreeMap<ResourceRef, Behaviour>,
    /// Concurrent reconciles per controller (the controllers' `--concurrent`, Flux default 4).
    pub workers: usize,
    /// Where the controllers' pods keep what they print (`logs::Logbook`); `None`: nothing is printed.
    pub logs: Option<crate::sim::workloads::PodLogs>,
}

impl Default for ControllerOptions {
    fn default() -> Self {
        Self {
            clock: SimClock::new(1.0),
            behaviours: BTreeMap::new(),
            workers: 4,
            logs: None,
        }
    }
}

/// The running controllers. Dropping this stops them.
#[derive(Debug)]
pub struct Controllers {
    shared: Arc<runtime::Shared>,
    task: Option<JoinHandle<()>>,
}

impl Controllers {
    /// Starts the controllers over `store` (inside a tokio runtime). Every Flux object already in the store
    /// and every one created later is reconciled.
    #[must_use]
    pub fn start(store: Store, options: ControllerOptions) -> Self {
        let logbook = options
            .logs
            .map(|logs| logs::Logbook::new(store.clone(), logs));
        let shared = Arc::new(runtime::Shared::new(
            store,
            options.clock,
            options.behaviours,
            options.workers,
            CancellationToken::new(),
            logbook,
        ));
        let task = tokio::spawn(runtime::dispatch(Arc::clone(&shared)));
        Self {
            shared,
            task: Some(task),
        }
    }

    /// The simulation clock.
    #[must_use]
    pub fn clock(&self) -> &SimClock {
        &self.shared.clock
    }

    /// The behaviour the controllers use for `r` now (scenario, or set at run time).
    #[must_use]
    pub fn behaviour(&self, r: &ResourceRef) -> Behaviour {
        self.shared.behaviour_of(r)
    }

    /// Replaces the behaviour of `r` from its next reconcile on (tests: inject a failure, push a commit).
    pub fn set_behaviour(&self, r: ResourceRef, behaviour: Behaviour) {
        self.shared.set_behaviour(r, behaviour);
    }

    /// Stops every controller task and waits for the dispatcher.
    pub async fn shutdown(mut self) {
        self.shared.cancel.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Controllers {
    fn drop(&mut self) {
        self.shared.cancel.cancel();
    }
}

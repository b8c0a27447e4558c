//! The simulated cluster: an in-memory Kubernetes API server on 127.0.0.1 that kube-rs and kubectl
//! talk to unmodified, answering like a real kube-apiserver v1.28 with the Flux CRDs installed.
//!
//! - `resource`: the table of served kinds.
//! - `store`: objects, resourceVersions, change history, broadcast (also used in-process by the
//!   simulated controllers).
//! - `multi`: several simulated clusters at once and one kubeconfig with a context each (`sim --clusters N`).
//! - `http`, `server`: the HTTP API and its startup/test controls; `request_log`: every request; `fault`: faults
//!   to inject (`fluxops sim --fault`, `SimHandle::set_fault`).
//!
//! The simulated Flux controllers, scenarios and fleets live in `controllers`, `scenario*`, `fleet*`.

pub mod auth;
pub mod controllers;
pub mod controls;
pub mod fault;
pub mod fleet;
pub mod from_dir;
pub mod http;
pub mod multi;
pub mod request_log;
pub mod resource;
pub mod scenario;
pub mod server;
pub mod simulation;
pub mod store;
pub mod workloads;

pub use controls::Controls;
pub use request_log::{LoggedRequest, RequestLog};
pub use resource::{GroupResource, Registry, ResourceDef};
pub use server::{SimHandle, SimOptions, SimServer, serve};
pub use simulation::{SimConfig, SimError, SimSource, Simulation, start};
pub use store::{
    Change, ChangeType, EventRecord, ObjectKey, Patch, Selector, Store, StoreError, StoreOptions,
    Subresource, WriteOptions,
};

//! fluxops: a terminal operations console for Flux CD.
//!
//! Module map (see docs/ARCHITECTURE.md):
//! - `flux`: pure Flux domain knowledge (kinds, typed fields, status, inventory ids, events).
//! - `graph`: the dependency graph of Flux objects (edges, root causes, views, incremental updates); pure.
//! - `cluster`: all kube-rs I/O (client, discovery, watchers) producing `ClusterEvent`s.
//! - `sim`: the simulated cluster (an HTTP Kubernetes API server on 127.0.0.1) for tests and demos.

pub mod cluster;
pub mod flux;
pub mod graph;
pub mod sim;

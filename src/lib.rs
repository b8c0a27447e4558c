//! fluxops: a terminal operations console for Flux CD.
//!
//! Module map (see docs/ARCHITECTURE.md):
//! - `cli`: the command line (clap); `launch`: what each command does, wiring the modules below.
//! - `flux`: pure Flux domain knowledge (kinds, typed fields, status, inventory ids, events).
//! - `fleet`: many clusters at once: a `State` per cluster, the fleet overview, keys routed to the cluster in focus.
//! - `follow`: `fluxops follow`, waiting for a pushed revision to be Ready across the fleet (pure tracker + driver).
//! - `diagnosis`: failure messages classified, with extracted facts and next steps; pure.
//! - `graph`: the dependency graph of Flux objects (edges, root causes, views, incremental updates); pure.
//! - `timing`: reconcile durations, rolling history, overdue/stuck/slow flags and the ranking; pure.
//! - `cluster`: all kube-rs I/O (client, discovery, watchers) producing `ClusterEvent`s.
//! - `sim`: the simulated cluster (an HTTP Kubernetes API server on 127.0.0.1) for tests and demos.
//! - `config`: user theme and keymap files layered on the embedded defaults.
//! - `app`: the TEA core: `State`, `update`, effects, and the `run` loop.
//! - `layout`: screen geometry and text fitted to columns, shared by `app` and `ui`; pure.
//! - `ui`: drawing only, from view models.
//! - `runbook`: guided runbooks (docs/runbooks/*.md): load and validate, checks over live objects, the pure
//!   walker, walks persisted in the data directory, Markdown transcripts.
//! - `metrics`: Prometheus exposition of per-object status, root causes, durations and fleet counts (`--metrics-addr`).
//! - `watch`: `fluxops watch`, the read-only wall display: its pure core over the app's `State` and its run loop.
//! - `terminal`: raw mode / alternate screen enter and restore (also on panic).
//! - `text`: untrusted text made safe to draw and print (escapes, invisible characters, width, credentials);
//!   `machine_text`: untrusted text escaped in JSON, DOT and Mermaid output.
//! - `bounded_file`: every file the program reads: regular files only, with a size cap.
//! - `check`: `fluxops check`, findings in a GitOps repository before the push (graph, build, immutable fields,
//!   impact; docs/CHECK.md).
//! - `actions`, `policy`, `job`, `audit`: the action catalog, Rego policy gate (fail closed), Job manifests and
//!   RBAC, the hash-chained audit log (docs/ACTIONS.md, docs/POLICIES.md).
//! - `snapshot`: Flux state snapshots (taken at one resourceVersion, verified by SHA-256, diffed against live);
//!   restoring them is `execution::restore` (docs/SNAPSHOTS.md).
//! - `clipboard`: the system clipboard (arboard) and when to write OSC 52 to the terminal instead.

pub mod actions;
pub mod app;
pub mod audit;
pub mod bounded_file;
pub mod check;
pub mod cli;
pub mod clipboard;
pub mod cluster;
pub mod config;
pub mod diagnosis;
pub mod execution;
pub mod fleet;
pub mod flux;
pub mod follow;
pub mod graph;
pub mod job;
pub mod launch;
pub mod layout;
pub mod machine_text;
pub mod metrics;
pub mod policy;
pub mod runbook;
pub mod sim;
pub mod snapshot;
pub mod terminal;
pub mod text;
pub mod timing;
pub mod ui;
pub mod watch;

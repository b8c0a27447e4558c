//! Helpers shared by every integration-test crate (`mod support;`), one submodule per concern:
//! - `console`: the console fleet fixture, a fixed clock, a loaded `State`;
//! - `timings`: that state with a run history;
//! - `sim`: start the simulator (bare API server or scenario), kubeconfig → kube-rs client, object API;
//! - `apiserver`: recorded real-server answers and raw HTTP requests;
//! - `watch`: the console's connection and watch pipeline on a simulation;
//! - `pipeline`: the real watchers feeding the real app state, what the screen says, a killable API server;
//! - `objects`: `ResourceRef`, object and scenario-text builders;
//! - `status`: reading conditions/readiness from fetched JSON;
//! - `poll`: `eventually`, the one poll-until helper;
//! - `fleets`: shared-data paths; `cli`: running the `fluxops` binary; `graph`: graph JSON and expected edges;
//! - `kubectl`: whether the kubectl the simulator's Jobs run is installed;
//! - `pty`: the real binary in a pseudo-terminal (output, tty modes, keys, signals).

#![allow(
    dead_code,
    reason = "each test crate is its own crate and uses a different subset of the helpers"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers: a broken fixture must fail the test loudly"
)]

pub mod apiserver;
pub mod cli;
pub mod console;
pub mod fleets;
pub mod graph;
pub mod kubectl;
pub mod objects;
pub mod pipeline;
pub mod poll;
pub mod pty;
pub mod sim;
pub mod status;
pub mod timings;
pub mod watch;

//! Helpers the in-process benchmarks share: the synthetic fleet of `--fleet` (src/sim/fleet.rs) given the
//! status its controllers would write, loaded into a `State` through `update` like the console does.

#![allow(dead_code, reason = "each bench uses a subset of the helpers")]

use fluxops::app::{Labels, Msg, State, update};
use fluxops::cluster::ClusterEvent;
use fluxops::config::Config;
use fluxops::flux::FluxObject;
use fluxops::sim::fleet::{FleetSpec, generate};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::sync::Arc;

/// The number in the environment variable `name`, else `default` (bench sizes: `FLUXOPS_BENCH_FLEET` …).
pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn start() -> Timestamp {
    Timestamp::from_second(1_795_000_000).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub fn at(secs: i64) -> Timestamp {
    start()
        .checked_add(SignedDuration::from_secs(secs))
        .unwrap_or(Timestamp::MAX)
}

/// How a benchmark object's Ready condition reads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ready {
    Yes,
    Failed,
    /// `DependencyNotReady`: blocked behind what it depends on.
    Blocked,
}

/// The status a controller would have written: Ready, a history entry (KS), a release duration (HR).
pub fn with_status(mut obj: Value, ready: Ready, took: &str) -> Value {
    let kind = obj["kind"].as_str().unwrap_or_default().to_owned();
    let (status, reason) = match ready {
        Ready::Yes => ("True", "ReconciliationSucceeded"),
        Ready::Failed => ("False", "BuildFailed"),
        Ready::Blocked => ("False", "DependencyNotReady"),
    };
    let mut st = json!({
        "observedGeneration": 1,
        "conditions": [{"type": "Ready", "status": status, "reason": reason, "message": "bench",
                        "lastTransitionTime": at(-60).to_string()}],
    });
    match kind.as_str() {
        "Kustomization" => {
            st["history"] = json!([{"digest": "sha256:0123", "firstReconciled": at(-3600).to_string(),
                "lastReconciled": at(-60).to_string(), "lastReconciledDuration": took,
                "lastReconciledStatus": reason, "totalReconciliations": 7}]);
        }
        "HelmRelease" => {
            st["lastAttemptedReleaseActionDuration"] = json!(took);
        }
        _ => {}
    }
    obj["metadata"]["generation"] = json!(1);
    obj["status"] = st;
    obj
}

pub fn object(v: Value) -> Arc<FluxObject> {
    Arc::new(serde_json::from_value(v).unwrap_or_default())
}

/// The fleet loaded into a `State`, each object with the Ready condition `ready_of` gives it.
pub fn loaded(n: usize, ready_of: impl Fn(&Value) -> Ready) -> (State, Vec<Value>) {
    let (objects, _) = generate(&FleetSpec::new(n));
    let mut state = State::new(
        Config::builtin(),
        Labels {
            context: "bench".into(),
            namespace: None,
        },
    );
    update(&mut state, Msg::Tick(start()));
    for o in &objects {
        let obj = object(with_status(o.clone(), ready_of(o), "2.5s"));
        update(&mut state, Msg::Cluster(ClusterEvent::Upserted(obj)));
    }
    update(&mut state, Msg::Tick(at(1)));
    (state, objects)
}

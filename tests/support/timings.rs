//! A console state with a run history (success events, ticks) for the timings tests.

use super::console::{loaded_state, now};
use super::objects::r;
use fluxops::app::{Msg, State, update};
use fluxops::cluster::ClusterEvent;
use fluxops::flux::duration::format_go_duration;
use fluxops::flux::{EventType, FluxEvent, FluxKind};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::time::Duration;

pub fn later(secs: i64) -> Timestamp {
    now().checked_add(SignedDuration::from_secs(secs)).unwrap()
}

/// A Kustomization success event, as the kustomize-controller writes it.
pub fn finished(name: &str, at: Timestamp, took: Duration, n: usize) -> Msg {
    Msg::Cluster(ClusterEvent::Event(Arc::new(FluxEvent {
        involved: r(FluxKind::Kustomization, "flux-system", name),
        type_: EventType::Normal,
        reason: "ReconciliationSucceeded".into(),
        message: format!(
            "Reconciliation finished in {}, next run in 10m0s",
            format_go_duration(took)
        ),
        last_seen: Some(at.to_string()),
        first_seen: Some(at.to_string()),
        count: 1,
        source: "kustomize-controller".into(),
        uid: format!("flux-system/{name}.{n}"),
    })))
}

/// The fixture fleet with a run history: `flux-system` has five ~2s runs then a 9.5s one (slow),
/// `infra-controllers` one 45s run; the clock 10 minutes on. Overdue: GitRepository `podinfo` (failing since
/// its 03:27 event, 5m interval) and GitRepository `flux-system` (1m interval, no run seen since the console
/// started at 03:30). Stuck: HelmRelease `frontend` (generation 5, observed 4, since 03:30).
pub fn state_with_runs() -> State {
    let mut state = loaded_state();
    let runs = [2100, 1900, 2000, 2050, 1950, 9500];
    for (i, ms) in runs.iter().enumerate() {
        let at = later(-3600 + 600 * i64::try_from(i).unwrap());
        update(
            &mut state,
            finished("flux-system", at, Duration::from_millis(*ms), i),
        );
    }
    update(
        &mut state,
        finished(
            "infra-controllers",
            later(-120),
            Duration::from_secs(45),
            100,
        ),
    );
    update(&mut state, Msg::Tick(later(600)));
    state
}

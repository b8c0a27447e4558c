//! The thin async driver of `fluxops follow`: feeds the [`Tracker`] with the cluster layer's events (the
//! watchers of `crate::cluster`, as the console uses them) and the wall clock, hands every line to `emit`, and
//! stops at the tracker's verdict, at the timeout (`Tracker::verdict_at_timeout`: a failure seen before it
//! is still a failure), or when the watchers stop.

use super::fleet::{FleetFollow, combine};
use super::line::{FollowLine, Verdict};
use super::tracker::Tracker;
use crate::cluster::ClusterEvent;
use crate::cluster::fleet::{FleetEvent, Tagged};
use k8s_openapi::jiff::Timestamp;
use std::time::Duration;
use tokio::sync::mpsc::Receiver;

/// Runs until the verdict; `emit` gets each line as it happens.
pub async fn drive(
    events: &mut Receiver<ClusterEvent>,
    tracker: &mut Tracker,
    timeout: Duration,
    mut emit: impl FnMut(&FollowLine),
) -> Verdict {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else {
                    return Verdict::ApiUnavailable;
                };
                for line in tracker.on_event(&event, Timestamp::now()) {
                    emit(&line);
                }
                if let Some(verdict) = tracker.verdict() {
                    return verdict;
                }
            }
            () = tokio::time::sleep_until(deadline) => return tracker.verdict_at_timeout(),
        }
    }
}

/// How a follow over several clusters ended: the combined verdict and each cluster's, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetEnd {
    pub verdict: Verdict,
    pub each: Vec<Verdict>,
}

/// [`drive`] over several clusters (`crate::cluster::fleet`'s tagged messages; latency probes are not
/// follow's business): runs until [`FleetFollow::verdict`] or the timeout; `emit` gets each line with the index
/// of its cluster.
pub async fn drive_fleet(
    events: &mut Receiver<Tagged>,
    fleet: &mut FleetFollow,
    timeout: Duration,
    mut emit: impl FnMut(usize, &FollowLine),
) -> FleetEnd {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        tokio::select! {
            tagged = events.recv() => {
                let Some(Tagged { cluster, event }) = tagged else {
                    // Every cluster's watchers stopped: those without a verdict could not be followed.
                    let each: Vec<Verdict> = fleet
                        .members()
                        .iter()
                        .map(|m| m.verdict.unwrap_or(Verdict::ApiUnavailable))
                        .collect();
                    return FleetEnd { verdict: combine(each.iter().copied()), each };
                };
                let FleetEvent::Cluster(event) = event else {
                    continue;
                };
                for line in fleet.on_event(cluster, &event, Timestamp::now()) {
                    emit(cluster, &line);
                }
                if let Some(verdict) = fleet.verdict() {
                    return FleetEnd { verdict, each: fleet.verdicts_now() };
                }
            }
            () = tokio::time::sleep_until(deadline) => {
                let (verdict, each) = fleet.verdicts_at_timeout();
                return FleetEnd { verdict, each };
            }
        }
    }
}

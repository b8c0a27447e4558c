//! The thin async driver of `fluxops follow`: feeds the [`Tracker`] with the cluster layer's events (the
//! watchers of `crate::cluster`, as the console uses them) and the wall clock, hands every line to `emit`, and
//! stops at the tracker's verdict, at the timeout (`Tracker::verdict_at_timeout`: a failure seen before it
//! is still a failure), or when the watchers stop.

use super::line::{FollowLine, Verdict};
use super::tracker::Tracker;
use crate::cluster::ClusterEvent;
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

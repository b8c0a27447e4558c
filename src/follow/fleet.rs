//! `fluxops follow` over several clusters (`--context a --context b`, `--all-contexts`): one [`Tracker`] per
//! cluster, each fed only with its own cluster's events, so what one cluster does never changes another's lines
//! or verdict. The run ends when every cluster has its verdict (or, with `--fail-fast`, at the first failure in
//! any of them); the combined verdict is the worst one: a failure (1) over a cluster that could not be followed
//! (3) over a timeout (2) over a cluster cut short by another's failure (`Stopped`) over Ready (0). A cluster that has its verdict is not fed any more: its lines stop
//! where its own follow would have stopped.
//!
//! Pure, like the tracker: events and the time in, lines and verdicts out. The driver is `driver::drive_fleet`.

use super::line::{FollowLine, Summary, Verdict};
use super::tracker::Tracker;
use crate::cluster::ClusterEvent;
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;

/// One cluster being followed.
#[derive(Debug)]
pub struct Member {
    /// Its name (the kubeconfig context).
    pub cluster: String,
    pub tracker: Tracker,
    /// Its own verdict, once it has one.
    pub verdict: Option<Verdict>,
}

/// Every followed cluster.
#[derive(Debug)]
pub struct FleetFollow {
    members: Vec<Member>,
    fail_fast: bool,
}

/// How one cluster ended, in the combined summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterVerdict {
    pub cluster: String,
    pub verdict: Verdict,
}

/// The last thing follow prints over several clusters: the combined verdict and each cluster's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetSummary {
    pub event: &'static str,
    pub verdict: Verdict,
    pub clusters: Vec<ClusterVerdict>,
}

/// How bad a verdict is, for combining: the worst wins.
fn severity(v: Verdict) -> u8 {
    match v {
        Verdict::Ready => 0,
        Verdict::Stopped => 1,
        Verdict::TimedOut => 2,
        Verdict::ApiUnavailable => 3,
        Verdict::Failed => 4,
    }
}

/// The worst of `verdicts` (`Ready` when there are none).
#[must_use]
pub fn combine(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
    verdicts
        .into_iter()
        .max_by_key(|v| severity(*v))
        .unwrap_or(Verdict::Ready)
}

impl FleetFollow {
    /// Follows `trackers` (cluster name, its tracker) in that order; the cluster index of [`Self::on_event`] is
    /// the position here.
    #[must_use]
    pub fn new(trackers: Vec<(String, Tracker)>, fail_fast: bool) -> Self {
        Self {
            members: trackers
                .into_iter()
                .map(|(cluster, tracker)| Member {
                    cluster,
                    tracker,
                    verdict: None,
                })
                .collect(),
            fail_fast,
        }
    }

    /// The clusters, in order.
    #[must_use]
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// Feeds cluster `cluster` one of its events; the lines it produced. Events of an unknown index or of a
    /// cluster that already has its verdict produce nothing.
    pub fn on_event(
        &mut self,
        cluster: usize,
        event: &ClusterEvent,
        now: Timestamp,
    ) -> Vec<FollowLine> {
        let Some(member) = self.members.get_mut(cluster) else {
            return Vec::new();
        };
        if member.verdict.is_some() {
            return Vec::new();
        }
        let lines = member.tracker.on_event(event, now);
        member.verdict = member.tracker.verdict();
        lines
    }

    /// The combined verdict once follow is over: every cluster has its own, or (fail-fast) one failed.
    #[must_use]
    pub fn verdict(&self) -> Option<Verdict> {
        if self.fail_fast
            && self
                .members
                .iter()
                .any(|m| m.verdict == Some(Verdict::Failed))
        {
            return Some(Verdict::Failed);
        }
        let all: Option<Vec<Verdict>> = self.members.iter().map(|m| m.verdict).collect();
        all.map(combine)
    }

    /// Each cluster's verdict when the timeout comes first (its own if it had one, else its tracker's verdict
    /// at the timeout), and the combined one.
    #[must_use]
    pub fn verdicts_at_timeout(&self) -> (Verdict, Vec<Verdict>) {
        let each: Vec<Verdict> = self
            .members
            .iter()
            .map(|m| m.verdict.unwrap_or_else(|| m.tracker.verdict_at_timeout()))
            .collect();
        (combine(each.iter().copied()), each)
    }

    /// Each cluster's verdict when the run stopped at [`Self::verdict`]: its own, or [`Verdict::Stopped`] for a
    /// cluster still going when fail-fast stopped at another's failure (or its failure, if it had one already).
    #[must_use]
    pub fn verdicts_now(&self) -> Vec<Verdict> {
        self.members
            .iter()
            .map(|m| {
                m.verdict
                    .unwrap_or_else(|| match m.tracker.verdict_at_timeout() {
                        Verdict::Failed => Verdict::Failed,
                        _ => Verdict::Stopped,
                    })
            })
            .collect()
    }

    /// Each cluster's summary (with its own verdict from `verdicts`) and the combined summary.
    #[must_use]
    pub fn summaries(
        &self,
        combined: Verdict,
        verdicts: &[Verdict],
        now: Timestamp,
    ) -> (Vec<(String, Summary)>, FleetSummary) {
        let each: Vec<(String, Summary)> = self
            .members
            .iter()
            .zip(verdicts)
            .map(|(m, v)| (m.cluster.clone(), m.tracker.summary(*v, now)))
            .collect();
        let clusters = self
            .members
            .iter()
            .zip(verdicts)
            .map(|(m, v)| ClusterVerdict {
                cluster: m.cluster.clone(),
                verdict: *v,
            })
            .collect();
        (
            each,
            FleetSummary {
                event: "fleet-summary",
                verdict: combined,
                clusters,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_verdict_wins() {
        use Verdict::{ApiUnavailable, Failed, Ready, TimedOut};
        assert_eq!(combine([Ready, Ready]), Ready);
        assert_eq!(combine([Ready, TimedOut]), TimedOut);
        assert_eq!(combine([TimedOut, ApiUnavailable, Ready]), ApiUnavailable);
        assert_eq!(combine([ApiUnavailable, Failed, TimedOut]), Failed);
        assert_eq!(combine([Verdict::Stopped, Failed, Ready]), Failed);
        assert_eq!(combine([]), Ready);
    }
}

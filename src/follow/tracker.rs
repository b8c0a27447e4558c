//! The pure core of `fluxops follow`: a [`Tracker`] fed with [`ClusterEvent`]s and the time, keeping the
//! dependency [`Graph`] the console uses, the sources at the revision and the phase of every followed object,
//! and producing one [`FollowLine`] per change plus, when it is over, a [`Verdict`] and a [`Summary`].
//!
//! Nothing is decided before every kind has been listed once (an object must not look alone because its
//! source was not listed yet). Phases per followed object: pending → reconciling → ready | failed, or blocked
//! (waiting on the graph's root causes) at any point; a line is produced on each phase change.

use super::line::{Change, FollowLine, Outcome, State, Summary, Verdict};
use super::revision::TargetRevision;
use super::rules::{self, Position, SourceState, Sources};
use super::why;
use crate::cluster::ClusterEvent;
use crate::diagnosis::{FailureInput, diagnose, diagnose_object};
use crate::flux::retry::summarize_after;
use crate::flux::status::summarize;
use crate::flux::{FluxKind, FluxObject, Health, ResourceRef, StatusSummary};
use crate::graph::{Graph, NodeState};
use crate::text::sanitize_line;
use crate::timing::Timings;
use k8s_openapi::jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// What to follow and when to stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerOptions {
    /// The kinds followed (Kustomization, HelmRelease by default).
    pub kinds: BTreeSet<FluxKind>,
    /// Stop at the first failure (otherwise wait until every object is settled).
    pub fail_fast: bool,
    /// Watch failure streaks tolerated before giving up.
    pub retries: u32,
}

impl Default for TrackerOptions {
    fn default() -> Self {
        Self {
            kinds: [FluxKind::Kustomization, FluxKind::HelmRelease].into(),
            fail_fast: true,
            retries: 5,
        }
    }
}

/// The phase of a followed object.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Pending,
    Reconciling,
    Blocked(Vec<ResourceRef>),
    Ready,
    Failed,
}

/// Follows one revision through the fleet. See the module doc.
#[derive(Debug)]
pub struct Tracker {
    target: TargetRevision,
    options: TrackerOptions,
    graph: Graph,
    started: Timestamp,
    synced: BTreeSet<FluxKind>,
    sources: Sources,
    followed: BTreeMap<ResourceRef, Phase>,
    waiting_said: bool,
    api_errors: u32,
    last_api_error: Option<String>,
    /// The console's timings (stuck, overdue), fed with the same objects and events.
    timings: Timings,
    /// The derived status of every object, kept across versions so a failure only retried stays a failure
    /// (`flux::retry`), as in the console.
    statuses: HashMap<ResourceRef, StatusSummary>,
    /// Objects seen failing at the revision (a retry may show them reconciling again before the timeout).
    failures_seen: BTreeSet<ResourceRef>,
}

impl Tracker {
    #[must_use]
    pub fn new(target: TargetRevision, options: TrackerOptions, started: Timestamp) -> Self {
        Self {
            target,
            options,
            graph: Graph::new(),
            started,
            synced: BTreeSet::new(),
            sources: Sources::new(),
            followed: BTreeMap::new(),
            waiting_said: false,
            api_errors: 0,
            last_api_error: None,
            timings: Timings::new(),
            statuses: HashMap::new(),
            failures_seen: BTreeSet::new(),
        }
    }

    /// The revision followed.
    #[must_use]
    pub fn target(&self) -> &TargetRevision {
        &self.target
    }

    /// The graph as seen so far.
    #[must_use]
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Whether every kind has been listed (or reported unavailable) once.
    #[must_use]
    pub fn synced(&self) -> bool {
        FluxKind::ALL.iter().all(|k| self.synced.contains(k))
    }

    fn elapsed(&self, now: Timestamp) -> Duration {
        Duration::try_from(now.duration_since(self.started)).unwrap_or_default()
    }

    /// Takes one event from the cluster layer; returns the lines it causes.
    pub fn on_event(&mut self, event: &ClusterEvent, now: Timestamp) -> Vec<FollowLine> {
        let was_synced = self.synced();
        let mut lines = Vec::new();
        let mut changed_source = None;
        self.timings.tick(now);
        match event {
            ClusterEvent::Upserted(obj) => {
                if let Some(r) = obj.resource_ref() {
                    let before = self.object(&r);
                    let was = before.as_deref().zip(self.statuses.get(&r));
                    let status = summarize_after(was, obj);
                    self.statuses.insert(r, status);
                }
                self.timings.upsert(obj);
                if self.graph.upsert(Arc::clone(obj)) {
                    changed_source = obj.resource_ref().filter(|r| rules::is_source_kind(r.kind));
                }
            }
            ClusterEvent::Deleted(r) => {
                self.statuses.remove(r);
                self.timings.remove(r);
                self.graph.remove(r);
            }
            ClusterEvent::KindSynced { kind, .. } | ClusterEvent::KindUnavailable { kind, .. } => {
                self.synced.insert(*kind);
            }
            ClusterEvent::Degraded { error, .. } => {
                if self.last_api_error.as_deref() != Some(error) {
                    self.api_errors = self.api_errors.saturating_add(1);
                    self.last_api_error = Some(error.clone());
                    lines.push(self.line(
                        now,
                        String::new(),
                        Change::ApiError {
                            error: sanitize_line(error).into_owned(),
                        },
                    ));
                }
            }
            ClusterEvent::Recovered(_) => self.last_api_error = None,
            ClusterEvent::Event(e) => self.timings.record_event(e),
            ClusterEvent::Invalid { .. }
            | ClusterEvent::CredentialsRejected(_)
            | ClusterEvent::CredentialsAccepted
            | ClusterEvent::Reloaded(_) => {}
        }
        if !self.synced() {
            return lines;
        }
        if !was_synced {
            let all: Vec<ResourceRef> = self
                .graph
                .nodes()
                .filter(|n| rules::is_source_kind(n.rref.kind))
                .map(|n| n.rref.clone())
                .collect();
            for r in all {
                self.check_source(&r, now, &mut lines);
            }
        } else if let Some(r) = changed_source {
            self.check_source(&r, now, &mut lines);
        }
        if self.sources.is_empty() && !self.waiting_said {
            self.waiting_said = true;
            let revision = self.target.hex().to_owned();
            lines.push(self.line(now, String::new(), Change::WaitingForSource { revision }));
        }
        self.refresh_followed(now, &mut lines);
        lines
    }

    /// Records a source at (or moving on from) the revision.
    fn check_source(&mut self, r: &ResourceRef, now: Timestamp, lines: &mut Vec<FollowLine>) {
        let Some(obj) = self.object(r) else {
            return;
        };
        let Some(revision) = obj.status.artifact.as_ref().map(|a| a.revision.clone()) else {
            return;
        };
        match self.sources.get_mut(r) {
            None if rules::source_at(&self.target, &obj) => {
                self.sources.insert(
                    r.clone(),
                    SourceState {
                        revision: revision.clone(),
                        later: Vec::new(),
                    },
                );
                let consumers = rules::consumers(&self.graph, r, &self.options.kinds).len();
                let change = Change::SourceAt {
                    source: r.clone(),
                    revision,
                    consumers,
                };
                lines.push(self.line(now, r.to_string(), change));
            }
            Some(state) if state.revision != revision && !state.later.contains(&revision) => {
                state.later.push(revision.clone());
                let change = Change::SourceMovedOn {
                    source: r.clone(),
                    revision,
                };
                lines.push(self.line(now, r.to_string(), change));
            }
            _ => {}
        }
    }

    /// The status derived for `r` (kept across retries), or derived now from `obj`.
    fn status(&self, r: &ResourceRef, obj: &FluxObject) -> StatusSummary {
        self.statuses
            .get(r)
            .cloned()
            .unwrap_or_else(|| summarize(obj))
    }

    fn object(&self, r: &ResourceRef) -> Option<Arc<FluxObject>> {
        self.graph.node(r).and_then(|n| n.object.clone())
    }

    /// Recomputes the followed set and each object's phase; a line per change.
    fn refresh_followed(&mut self, now: Timestamp, lines: &mut Vec<FollowLine>) {
        let now_followed: BTreeSet<ResourceRef> = self
            .sources
            .keys()
            .flat_map(|s| rules::consumers(&self.graph, s, &self.options.kinds))
            .collect();
        let gone: Vec<ResourceRef> = self
            .followed
            .keys()
            .filter(|r| !now_followed.contains(*r))
            .cloned()
            .collect();
        for r in gone {
            self.followed.remove(&r);
            if self.object(&r).is_none() {
                let label = self.label(&r);
                lines.push(self.line(now, label, Change::Gone { object: r }));
            }
        }
        for r in now_followed {
            let phase = self.phase(&r);
            if self.followed.get(&r) == Some(&phase) {
                continue;
            }
            match phase {
                Phase::Failed => {
                    self.failures_seen.insert(r.clone());
                }
                Phase::Ready => {
                    self.failures_seen.remove(&r);
                }
                _ => {}
            }
            self.followed.insert(r.clone(), phase.clone());
            if let Some(change) = self.change_for(&r, &phase) {
                let label = self.label(&r);
                lines.push(self.line(now, label, change));
            }
        }
    }

    fn position(&self, obj: &FluxObject) -> Position {
        rules::position(&self.graph, &self.sources, &self.target, obj)
    }

    /// The phase of a followed object now.
    fn phase(&self, r: &ResourceRef) -> Phase {
        let Some(obj) = self.object(r) else {
            return Phase::Pending;
        };
        let health = self
            .statuses
            .get(r)
            .map_or_else(|| crate::flux::status::health(&obj), |s| s.health);
        let pos = self.position(&obj);
        let generation_current = obj
            .metadata
            .generation
            .is_none_or(|g| obj.status.observed_generation == Some(g));
        match health {
            Health::Ready if pos.applied && generation_current => return Phase::Ready,
            Health::Failing | Health::Stalled if pos.attempted => return Phase::Failed,
            _ => {}
        }
        let blockers = self.blockers(r, health);
        if !blockers.is_empty() {
            return Phase::Blocked(blockers);
        }
        if health == Health::InProgress && pos.attempted {
            return Phase::Reconciling;
        }
        Phase::Pending
    }

    /// What `r` waits on: its root causes (other than itself); for a Blocked object without any, the
    /// dependencies that are not ready.
    fn blockers(&self, r: &ResourceRef, health: Health) -> Vec<ResourceRef> {
        if matches!(
            health,
            Health::Ready | Health::Failing | Health::Stalled | Health::Suspended
        ) {
            return Vec::new();
        }
        let causes: Vec<ResourceRef> = self
            .graph
            .root_causes(r)
            .iter()
            .filter(|c| *c != r)
            .cloned()
            .collect();
        if !causes.is_empty() || health != Health::Blocked {
            return causes;
        }
        // Nothing upstream fails right now (a failing source retrying shows as in progress for a moment): keep
        // the blockers said before while they are still not ready, rather than flapping between two answers.
        if let Some(Phase::Blocked(before)) = self.followed.get(r)
            && before.iter().all(|b| {
                self.graph
                    .node(b)
                    .is_some_and(|n| n.health != Some(Health::Ready))
            })
        {
            return before.clone();
        }
        self.graph
            .dependencies(r)
            .into_iter()
            .filter(|d| {
                self.graph
                    .node(d)
                    .is_none_or(|n| n.health != Some(Health::Ready))
            })
            .cloned()
            .collect()
    }

    fn change_for(&self, r: &ResourceRef, phase: &Phase) -> Option<Change> {
        let object = r.clone();
        Some(match phase {
            Phase::Pending => return None,
            Phase::Reconciling => {
                let revision = self.object(r).and_then(|o| self.position(&o).wanted);
                Change::Reconciling { object, revision }
            }
            Phase::Blocked(on) => Change::Blocked {
                object,
                waiting_on: on.clone(),
            },
            Phase::Ready => Change::Ready { object },
            Phase::Failed => {
                let obj = self.object(r)?;
                let summary = self.status(r, &obj);
                // Between attempts the object may not say what failed any more: the failure kept does.
                let diagnosis = diagnose_object(&obj).unwrap_or_else(|| {
                    diagnose(&FailureInput {
                        kind: Some(r.kind),
                        reason: Some(summary.reason.as_str()),
                        message: &summary.message,
                    })
                });
                Change::Failed {
                    object,
                    reason: sanitize_line(&summary.reason).into_owned(),
                    message: sanitize_line(&summary.message).into_owned(),
                    diagnosis: Some(Box::new(diagnosis)),
                }
            }
        })
    }

    /// How `r` is called in text: its name if no other followed object has it, else `namespace/name`, else
    /// `Kind/namespace/name`.
    #[must_use]
    pub fn label(&self, r: &ResourceRef) -> String {
        let others = || self.followed.keys().filter(move |o| *o != r);
        if !others().any(|o| o.name == r.name) {
            r.name.clone()
        } else if !others().any(|o| o.name == r.name && o.namespace == r.namespace) {
            r.namespaced_name()
        } else {
            r.to_string()
        }
    }

    fn line(&self, now: Timestamp, label: String, change: Change) -> FollowLine {
        FollowLine {
            elapsed: self.elapsed(now),
            label,
            change,
        }
    }

    /// Whether a blocked object will not move by itself: every root cause is a followed object that failed,
    /// or a stalled, suspended or missing object.
    fn settled_blocked(&self, on: &[ResourceRef]) -> bool {
        !on.is_empty()
            && on.iter().all(|c| {
                self.followed.get(c) == Some(&Phase::Failed)
                    || self.graph.node(c).is_none_or(|n| {
                        n.state == NodeState::Dangling
                            || matches!(n.health, Some(Health::Stalled | Health::Suspended))
                    })
            })
    }

    /// How it ended, once it has: `None` while there is something to wait for.
    #[must_use]
    pub fn verdict(&self) -> Option<Verdict> {
        if self.api_errors > self.options.retries {
            return Some(Verdict::ApiUnavailable);
        }
        if !self.synced() || self.sources.is_empty() {
            return None;
        }
        let failed = self.followed.values().any(|p| *p == Phase::Failed);
        if failed && self.options.fail_fast {
            return Some(Verdict::Failed);
        }
        let settled = self.followed.values().all(|p| match p {
            Phase::Ready | Phase::Failed => true,
            Phase::Blocked(on) => self.settled_blocked(on),
            Phase::Pending | Phase::Reconciling => false,
        });
        if !settled {
            return None;
        }
        let all_ready = self.followed.values().all(|p| *p == Phase::Ready);
        Some(if all_ready {
            Verdict::Ready
        } else {
            Verdict::Failed
        })
    }

    /// The verdict when the timeout comes first: [`Verdict::Failed`] when a followed object failed at the
    /// revision before it (and has not become Ready since, even if a retry shows it reconciling again), else
    /// [`Verdict::TimedOut`]. A failure is what a CI step must report, whatever else was still pending.
    #[must_use]
    pub fn verdict_at_timeout(&self) -> Verdict {
        let failed = self.followed.iter().any(|(r, p)| {
            *p == Phase::Failed || (*p != Phase::Ready && self.failures_seen.contains(r))
        });
        if failed {
            Verdict::Failed
        } else {
            Verdict::TimedOut
        }
    }

    /// The final report for `verdict` at `now`: every followed object with its state and, when not ready, why.
    #[must_use]
    pub fn summary(&self, verdict: Verdict, now: Timestamp) -> Summary {
        let objects = self
            .followed
            .iter()
            .map(|(r, phase)| self.outcome(r, phase, now))
            .collect();
        let mut notes = Vec::new();
        if !self.sources.is_empty() && self.followed.is_empty() {
            notes.push(
                "the sources at the revision feed no followed Kustomization or HelmRelease"
                    .to_owned(),
            );
        }
        if self.sources.is_empty() {
            notes.push(format!(
                "no source has picked up revision {}",
                self.target.short()
            ));
            notes.extend(why::failing_sources(&self.graph));
        }
        if verdict == Verdict::ApiUnavailable
            && let Some(e) = &self.last_api_error
        {
            notes.push(format!("the API kept failing: {}", sanitize_line(e)));
        }
        Summary {
            event: "summary",
            verdict,
            revision: self.target.hex().to_owned(),
            elapsed: self.elapsed(now),
            sources: self.sources.keys().cloned().collect(),
            objects,
            notes,
        }
    }

    fn outcome(&self, r: &ResourceRef, phase: &Phase, now: Timestamp) -> Outcome {
        let obj = self.object(r);
        let (state, why) = match phase {
            Phase::Ready => (State::Ready, String::new()),
            Phase::Failed => {
                let message = obj.map(|o| self.status(r, &o).message).unwrap_or_default();
                (State::Failed, sanitize_line(&message).into_owned())
            }
            Phase::Blocked(on) => {
                let list: Vec<String> = on.iter().map(|o| super::line::relative(r, o)).collect();
                (State::Blocked, format!("waiting on {}", list.join(", ")))
            }
            Phase::Reconciling | Phase::Pending => match obj {
                Some(o) => {
                    let pos = self.position(&o);
                    let timing = self.timings.get(r).map(|t| t.assess(now));
                    let reconciling = *phase == Phase::Reconciling;
                    why::not_ready(&o, reconciling, pos.wanted.as_deref(), timing.as_ref())
                }
                None => (State::Pending, "deleted".to_owned()),
            },
        };
        Outcome {
            object: r.clone(),
            label: self.label(r),
            state,
            why,
        }
    }
}

//! What a controller's planner gets for one reconcile, and the kind-typical default reconcile durations.

use super::plan::{HealthWait, Timeline};
use super::revision::number;
use super::view::View;
use crate::flux::FluxKind;
use crate::sim::scenario::Behaviour;
use serde_json::Value;
use std::time::Duration;

/// The inputs of one reconcile.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub obj: &'a Value,
    pub kind: FluxKind,
    pub view: View<'a>,
    pub behaviour: &'a Behaviour,
    /// Earlier reconciles that reached the act phase (for failure plans).
    pub attempts: u32,
    pub timeline: Timeline,
    /// Simulated time since the controllers started (for revisions published over time).
    pub elapsed: Duration,
    /// A health-check wait this object's previous reconcile left open.
    pub health_wait: Option<&'a HealthWait>,
}

impl PlanInput<'_> {
    /// How long this reconcile takes: the scenario's value, else a kind-typical one (stable per object).
    #[must_use]
    pub fn reconcile_duration(&self) -> Duration {
        if let Some(d) = self.behaviour.reconcile {
            return d.0;
        }
        let seed = format!(
            "{}/{}/{}#duration",
            self.kind,
            super::object::namespace(self.obj),
            super::object::name(self.obj)
        );
        let (low_ms, spread_ms) = match self.kind {
            FluxKind::Kustomization => (250, 2_500),
            FluxKind::HelmRelease => (1_500, 8_000),
            FluxKind::GitRepository => (600, 1_800),
            FluxKind::OCIRepository | FluxKind::Bucket => (400, 1_200),
            FluxKind::HelmRepository => (300, 1_500),
            FluxKind::HelmChart | FluxKind::ExternalArtifact => (150, 700),
        };
        // Microsecond resolution, so durations print like Go's (`1.482913s`).
        Duration::from_micros(low_ms * 1_000 + number(&seed, spread_ms * 1_000))
    }

    /// Whether this reconcile fails by the scenario's failure plan.
    #[must_use]
    pub fn fails(&self) -> bool {
        self.behaviour
            .failure
            .as_ref()
            .is_some_and(|f| f.fails_at(self.attempts))
    }

    /// How many new revisions the scenario has published by now (0 without a revision plan).
    #[must_use]
    pub fn revision_number(&self) -> u32 {
        self.behaviour.revisions.map_or(0, |plan| {
            let every = plan.every.0.as_secs_f64().max(0.001);
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a non-negative count, clamped to u32 below"
            )]
            let n = (self.elapsed.as_secs_f64() / every)
                .floor()
                .min(f64::from(u32::MAX)) as u32;
            plan.count.map_or(n, |c| n.min(c))
        })
    }
}

impl PlanInput<'_> {
    /// Simulated time until the scenario publishes the next revision (`None` when it publishes no more).
    #[must_use]
    pub fn next_revision_in(&self) -> Option<Duration> {
        let plan = self.behaviour.revisions?;
        let n = self.revision_number();
        if plan.count.is_some_and(|c| n >= c) {
            return None;
        }
        let at = plan.every.0.checked_mul(n.saturating_add(1))?;
        Some(
            at.saturating_sub(self.elapsed)
                .max(Duration::from_millis(1)),
        )
    }

    /// `requeue`, or earlier when the scenario publishes a new revision before it (a source polling its
    /// upstream notices the new commit at once, like with a webhook receiver).
    #[must_use]
    pub fn until_next_revision(&self, requeue: Duration) -> Duration {
        self.next_revision_in().map_or(requeue, |d| d.min(requeue))
    }
}

/// `spec.interval` ± up to 5 %, stable per object and run (the controllers' interval jitter).
#[must_use]
pub fn jittered(interval: Duration, seed: &str) -> Duration {
    let permille = number(seed, 100);
    interval.mul_f64(0.95 + permille as f64 / 1000.0)
}

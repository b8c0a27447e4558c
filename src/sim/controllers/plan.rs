//! A reconcile as data: the status writes a controller makes over the course of one reconcile (each after a
//! simulated delay), the events it records, objects it creates, and when it runs next. Controllers compute a
//! `Plan` from the object and the cluster at the start of the reconcile, as the real ones read their inputs
//! once; the runtime plays it against the store.

use super::clock::rfc3339_seconds;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// A core/v1 Event the controller records about the reconciled object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emit {
    /// `Normal` or `Warning`.
    pub type_: &'static str,
    pub reason: String,
    pub message: String,
    pub annotations: BTreeMap<String, String>,
}

impl Emit {
    #[must_use]
    pub fn normal(reason: &str, message: impl Into<String>) -> Self {
        Self {
            type_: "Normal",
            reason: reason.to_owned(),
            message: message.into(),
            annotations: BTreeMap::new(),
        }
    }

    #[must_use]
    pub fn warning(reason: &str, message: impl Into<String>) -> Self {
        Self {
            type_: "Warning",
            ..Self::normal(reason, message)
        }
    }

    /// Adds an annotation (`<group>/revision` …).
    #[must_use]
    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.annotations.insert(key.to_owned(), value.to_owned());
        self
    }
}

/// One status write, `after` the previous step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub after: Duration,
    /// The whole new `status`.
    pub status: Map<String, Value>,
    pub events: Vec<Emit>,
}

/// Everything one reconcile does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Objects to create before the first step (the HelmChart of a HelmRelease), if missing.
    pub creates: Vec<Value>,
    /// Objects applied (server-side apply, any kind) when the plan starts playing, right after the planner's
    /// dry-run: what a Kustomization's apply writes, the Helm release records a HelmRelease's action writes.
    pub applies: Vec<Applied>,
    /// When to reconcile next (from the end of the reconcile); `None`: only on a change (terminal states).
    pub requeue: Option<Duration>,
    /// Whether the reconcile reached the "act" phase (counts towards failure plans).
    pub attempted: bool,
    /// A Kustomization still waiting for its health checks: the next reconcile continues the wait.
    pub health_wait: Option<HealthWait>,
}

/// One object a reconcile writes, with the field manager that writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub manager: &'static str,
    pub object: Value,
}

/// A Kustomization reconcile that is waiting for the objects it health-checks (kept between wake-ups).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthWait {
    pub revision: String,
    pub generation: i64,
    /// Simulated time (since the controllers started) when the reconcile began.
    pub reconcile_started: Duration,
    /// Simulated time when the health checks began.
    pub health_started: Duration,
    /// The `reconcile.fluxcd.io/requestedAt` value then (a new request starts a new reconcile).
    pub requested: Option<String>,
}

impl Plan {
    /// Total simulated time the steps take.
    #[must_use]
    pub fn duration(&self) -> Duration {
        self.steps.iter().map(|s| s.after).sum()
    }
}

/// Timestamps during one reconcile: the wall time at which a step `offset` (simulated) into the reconcile is
/// written, `start + offset / scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeline {
    pub start: Timestamp,
    /// The clock's scale (simulated seconds per real second).
    pub scale: f64,
}

impl Timeline {
    /// `metav1.Time` text at simulated `offset` into the reconcile.
    #[must_use]
    pub fn at(&self, offset: Duration) -> String {
        let real = offset.div_f64(if self.scale > 0.0 { self.scale } else { 1.0 });
        let d = SignedDuration::try_from(real).unwrap_or(SignedDuration::ZERO);
        rfc3339_seconds(self.start.checked_add(d).unwrap_or(self.start))
    }

    /// `metav1.Time` text at the start.
    #[must_use]
    pub fn now(&self) -> String {
        self.at(Duration::ZERO)
    }
}

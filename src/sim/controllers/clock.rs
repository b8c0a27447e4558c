//! The simulation clock: simulated durations run `scale` times faster than real time (a 10m interval takes 6s
//! at scale 100), so one `time_scale` speeds up a whole scenario. Every controller timer (intervals, reconcile
//! durations, requeues) goes through it. Timestamps written into status are always the real wall time of the
//! write, like the API server's own (creationTimestamp, event times): nothing is ever dated in the future,
//! only the durations the controllers report (`Reconciliation finished in 2.5s`) are simulated ones.

use k8s_openapi::jiff::{SignedDuration, Timestamp};
use std::time::Duration;
use tokio::time::Instant;

/// Scaled durations over real time.
#[derive(Debug, Clone)]
pub struct SimClock {
    origin: Instant,
    origin_wall: Timestamp,
    scale: f64,
}

impl SimClock {
    /// A clock running `scale` times faster than real time (non-positive or non-finite scales are treated
    /// as 1).
    #[must_use]
    pub fn new(scale: f64) -> Self {
        Self::starting_at(Timestamp::now(), scale)
    }

    /// A clock whose wall time starts at `origin_wall` (tests).
    #[must_use]
    pub fn starting_at(origin_wall: Timestamp, scale: f64) -> Self {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        Self {
            origin: Instant::now(),
            origin_wall,
            scale,
        }
    }

    /// How many simulated seconds pass per real second.
    #[must_use]
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Simulated time elapsed since the clock started.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.origin.elapsed().mul_f64(self.scale)
    }

    /// The current wall time (what status timestamps carry).
    #[must_use]
    pub fn now(&self) -> Timestamp {
        let elapsed =
            SignedDuration::try_from(self.origin.elapsed()).unwrap_or(SignedDuration::MAX);
        self.origin_wall
            .checked_add(elapsed)
            .unwrap_or(self.origin_wall)
    }

    /// The current wall time as Kubernetes `metav1.Time` text (RFC 3339, whole seconds, `Z`).
    #[must_use]
    pub fn now_rfc3339(&self) -> String {
        rfc3339_seconds(self.now())
    }

    /// The real duration that `sim` simulated time takes.
    #[must_use]
    pub fn real(&self, sim: Duration) -> Duration {
        sim.div_f64(self.scale)
    }

    /// The real instant at which `sim` simulated time from now will have passed.
    #[must_use]
    pub fn deadline_after(&self, sim: Duration) -> Instant {
        Instant::now() + self.real(sim)
    }

    /// Sleeps for `sim` simulated time.
    pub async fn sleep(&self, sim: Duration) {
        tokio::time::sleep(self.real(sim)).await;
    }
}

/// `2023-03-07T11:14:41Z`: the form of every `metav1.Time` field.
#[must_use]
pub fn rfc3339_seconds(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_runs_scaled() {
        let clock = SimClock::new(1000.0);
        assert_eq!(
            clock.real(Duration::from_secs(600)),
            Duration::from_millis(600)
        );
        std::thread::sleep(Duration::from_millis(20));
        assert!(clock.elapsed() >= Duration::from_secs(20));
    }

    #[test]
    fn bad_scales_fall_back_to_real_time() {
        assert!((SimClock::new(0.0).scale() - 1.0).abs() < f64::EPSILON);
        assert!((SimClock::new(f64::NAN).scale() - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn timestamps_are_whole_seconds_utc() {
        let t: Timestamp = "2023-03-07T11:14:41.123456Z".parse().unwrap();
        assert_eq!(rfc3339_seconds(t), "2023-03-07T11:14:41Z");
    }
}

//! The simulation clock: simulated durations run `scale` times faster than real time (a 10m interval takes 6s
//! at scale 100), so one `time_scale` speeds up a whole scenario. Every controller timer (intervals, reconcile
//! durations, requeues) goes through it. An optional warm-up runs the first simulated minutes faster still,
//! so a demo opens on a cluster that has been running for a while.
//!
//! Timestamps written into status are always the real wall time of the write, like the API server's own
//! (creationTimestamp, event times): nothing is ever dated in the future; only the durations the controllers
//! report (`Reconciliation finished in 2.5s`) are simulated ones.

use k8s_openapi::jiff::{SignedDuration, Timestamp};
use std::time::Duration;
use tokio::time::Instant;

fn valid(scale: f64) -> f64 {
    if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    }
}

/// Scaled durations over real time.
#[derive(Debug, Clone)]
pub struct SimClock {
    origin: Instant,
    origin_wall: Timestamp,
    scale: f64,
    /// Real time the warm-up lasts, and its scale.
    warmup: Duration,
    warmup_scale: f64,
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
        Self {
            origin: Instant::now(),
            origin_wall,
            scale: valid(scale),
            warmup: Duration::ZERO,
            warmup_scale: 1.0,
        }
    }

    /// Runs the first `sim` simulated time at `scale` (then the normal scale).
    #[must_use]
    pub fn with_warmup(mut self, sim: Duration, scale: f64) -> Self {
        self.warmup_scale = valid(scale);
        self.warmup = sim.div_f64(self.warmup_scale);
        self
    }

    /// Simulated seconds per real second now.
    #[must_use]
    pub fn scale(&self) -> f64 {
        if self.origin.elapsed() < self.warmup {
            self.warmup_scale
        } else {
            self.scale
        }
    }

    /// Simulated time after `real` time since the start.
    fn sim_at(&self, real: Duration) -> Duration {
        if real <= self.warmup {
            real.mul_f64(self.warmup_scale)
        } else {
            self.warmup.mul_f64(self.warmup_scale) + (real - self.warmup).mul_f64(self.scale)
        }
    }

    /// Real time since the start at which `sim` simulated time is reached.
    fn real_at(&self, sim: Duration) -> Duration {
        let warm = self.warmup.mul_f64(self.warmup_scale);
        if sim <= warm {
            sim.div_f64(self.warmup_scale)
        } else {
            self.warmup + (sim - warm).div_f64(self.scale)
        }
    }

    /// Simulated time elapsed since the clock started.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.sim_at(self.origin.elapsed())
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

    /// The real instant at which `sim` simulated time from now will have passed.
    #[must_use]
    pub fn deadline_after(&self, sim: Duration) -> Instant {
        let target = self.elapsed().saturating_add(sim);
        self.origin + self.real_at(target)
    }

    /// Sleeps for `sim` simulated time.
    pub async fn sleep(&self, sim: Duration) {
        tokio::time::sleep_until(self.deadline_after(sim)).await;
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
        let deadline = clock.deadline_after(Duration::from_secs(600));
        let real = deadline.saturating_duration_since(Instant::now());
        assert!(real <= Duration::from_millis(600) && real > Duration::from_millis(500));
        std::thread::sleep(Duration::from_millis(20));
        assert!(clock.elapsed() >= Duration::from_secs(20));
    }

    #[test]
    fn warmup_runs_faster_then_the_normal_scale() {
        let clock = SimClock::new(1.0).with_warmup(Duration::from_secs(300), 100.0);
        assert!((clock.scale() - 100.0).abs() < f64::EPSILON);
        assert_eq!(
            clock.real_at(Duration::from_secs(300)),
            Duration::from_secs(3)
        );
        assert_eq!(
            clock.real_at(Duration::from_secs(310)),
            Duration::from_secs(13)
        );
        assert_eq!(
            clock.sim_at(Duration::from_secs(1)),
            Duration::from_secs(100)
        );
        assert_eq!(
            clock.sim_at(Duration::from_secs(5)),
            Duration::from_secs(302)
        );
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

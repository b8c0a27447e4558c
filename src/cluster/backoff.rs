//! `CappedBackoff`: how long a watcher waits before retrying after a failure.
//!
//! Exponential (×2) from a minimum to a cap, reset by the first success, each delay jittered by ±20 % so that the
//! watchers of one console (and many consoles) do not retry in lockstep. Three settings are used:
//! - `CappedBackoff::errors()`: 0.5 s → 30 s. client-go's reflector uses 0.8 s → 30 s; we start lower so a console
//!   whose connection blipped is live again within a second, and cap at the same 30 s to stay kind to a struggling
//!   API server (a few requests a minute per kind). Long waits do not delay recovery: `liveness` wakes every
//!   waiting watcher as soon as the server answers again.
//! - `CappedBackoff::forbidden()`: 1 s → 8 s. RBAC may be granted while the console is open and should show within
//!   seconds; a 403 costs the API server little (it is refused before storage), one request per 8 s per kind.
//! - `CappedBackoff::credentials()`: 15 s → 2 min. Rejected credentials do not fix themselves; the user reloads the
//!   kubeconfig (which retries at once) — meanwhile a few requests a minute, not a stream of 401s.

use std::time::Duration;

/// Exponential backoff with a cap.
#[derive(Debug, Clone)]
pub struct CappedBackoff {
    min: Duration,
    max: Duration,
    next: Duration,
    jitter: bool,
}

impl CappedBackoff {
    #[must_use]
    pub fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max,
            next: min,
            jitter: false,
        }
    }

    /// The same, each delay varied by ±20 %.
    #[must_use]
    pub fn jittered(mut self) -> Self {
        self.jitter = true;
        self
    }

    /// For transient failures (connection lost, server errors).
    #[must_use]
    pub fn errors() -> Self {
        Self::new(Duration::from_millis(500), Duration::from_secs(30)).jittered()
    }

    /// For a kind whose list is forbidden or whose CRD disappeared.
    #[must_use]
    pub fn forbidden() -> Self {
        Self::new(Duration::from_secs(1), Duration::from_secs(8)).jittered()
    }

    /// For rejected credentials (401).
    #[must_use]
    pub fn credentials() -> Self {
        Self::new(Duration::from_secs(15), Duration::from_secs(120)).jittered()
    }

    /// The delay to wait now; the following one doubles, up to the cap.
    pub fn next_delay(&mut self) -> Duration {
        let now = self.next;
        self.next = (self.next * 2).min(self.max);
        if self.jitter {
            now.mul_f64(rand::random_range(0.8..=1.2))
        } else {
            now
        }
    }

    /// Back to the minimum (after a success).
    pub fn reset(&mut self) {
        self.next = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_reset() {
        let mut b = CappedBackoff::new(Duration::from_secs(1), Duration::from_secs(5));
        let seen: Vec<u64> = (0..5).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(seen, [1, 2, 4, 5, 5]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_secs(1));
    }

    #[test]
    fn jitter_stays_within_a_fifth_of_each_step() {
        let mut b = CappedBackoff::new(Duration::from_secs(10), Duration::from_secs(40)).jittered();
        for base in [10.0, 20.0, 40.0, 40.0] {
            let d = b.next_delay().as_secs_f64();
            assert!((base * 0.8..=base * 1.2).contains(&d), "{d} for {base}");
        }
    }
}

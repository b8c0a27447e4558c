//! `CappedBackoff`: how long a watcher waits before retrying after a failure.
//!
//! Exponential (×2) from a minimum to a cap, reset by the first success. Two settings are used:
//! - `CappedBackoff::errors()`: 0.5 s → 30 s. client-go's reflector uses 0.8 s → 30 s; we start lower so a console
//!   whose connection blipped is live again within a second, and cap at the same 30 s to stay kind to a struggling
//!   API server (a few requests a minute per kind).
//! - `CappedBackoff::forbidden()`: 15 s → 2 min. A 403 does not fix itself quickly, but RBAC may be granted while
//!   the console is open, so we keep asking, slowly.

use std::time::Duration;

/// Exponential backoff with a cap.
#[derive(Debug, Clone)]
pub struct CappedBackoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl CappedBackoff {
    #[must_use]
    pub fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max,
            next: min,
        }
    }

    /// For transient failures (connection lost, server errors).
    #[must_use]
    pub fn errors() -> Self {
        Self::new(Duration::from_millis(500), Duration::from_secs(30))
    }

    /// For a kind whose list is forbidden or whose CRD disappeared.
    #[must_use]
    pub fn forbidden() -> Self {
        Self::new(Duration::from_secs(15), Duration::from_secs(120))
    }

    /// The delay to wait now; the following one doubles, up to the cap.
    pub fn next_delay(&mut self) -> Duration {
        let now = self.next;
        self.next = (self.next * 2).min(self.max);
        now
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
}

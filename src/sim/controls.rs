//! Run-time switches the tests flip on a running simulated API server: kinds that are missing
//! (CRD not installed) or forbidden (RBAC denies the user), and dropping every open watch.

use crate::sim::resource::GroupResource;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Default)]
struct Inner {
    missing: RwLock<HashSet<GroupResource>>,
    forbidden: RwLock<HashSet<GroupResource>>,
    watch_reset: Mutex<CancellationToken>,
    unauthorized: std::sync::atomic::AtomicBool,
    unavailable: std::sync::atomic::AtomicBool,
    latency_ms: std::sync::atomic::AtomicU64,
}

/// Shared run-time switches (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct Controls {
    inner: Arc<Inner>,
}

impl Controls {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks a kind as not installed (`true`) or installed again (`false`).
    pub fn set_missing(&self, resource: &GroupResource, missing: bool) {
        let mut set = self
            .inner
            .missing
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if missing {
            set.insert(resource.clone());
        } else {
            set.remove(resource);
        }
    }

    /// Denies (`true`) or allows (`false`) every verb on a kind for the user.
    pub fn set_forbidden(&self, resource: &GroupResource, forbidden: bool) {
        let mut set = self
            .inner
            .forbidden
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if forbidden {
            set.insert(resource.clone());
        } else {
            set.remove(resource);
        }
    }

    #[must_use]
    pub fn is_missing(&self, resource: &GroupResource) -> bool {
        self.inner
            .missing
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(resource)
    }

    #[must_use]
    pub fn is_forbidden(&self, resource: &GroupResource) -> bool {
        self.inner
            .forbidden
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(resource)
    }

    /// Makes every request answer 401 Unauthorized (expired or revoked credentials), or stops it.
    pub fn set_unauthorized(&self, unauthorized: bool) {
        self.inner
            .unauthorized
            .store(unauthorized, std::sync::atomic::Ordering::SeqCst);
    }

    #[must_use]
    pub fn is_unauthorized(&self) -> bool {
        self.inner
            .unauthorized
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Makes every request answer 503 ServiceUnavailable (an apiserver outage) and breaks open
    /// watches, or ends the outage.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.inner
            .unavailable
            .store(unavailable, std::sync::atomic::Ordering::SeqCst);
        if unavailable {
            self.drop_watches();
        }
    }

    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        self.inner
            .unavailable
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Delays every answer by `latency` (zero to stop).
    pub fn set_latency(&self, latency: std::time::Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.inner
            .latency_ms
            .store(ms, std::sync::atomic::Ordering::SeqCst);
    }

    #[must_use]
    pub fn latency(&self) -> std::time::Duration {
        std::time::Duration::from_millis(
            self.inner
                .latency_ms
                .load(std::sync::atomic::Ordering::SeqCst),
        )
    }

    /// A token cancelled by the next `drop_watches`.
    #[must_use]
    pub fn watch_token(&self) -> CancellationToken {
        self.inner
            .watch_reset
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Breaks every open watch connection (as a server-side connection reset).
    pub fn drop_watches(&self) {
        let mut token = self
            .inner
            .watch_reset
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        token.cancel();
        *token = CancellationToken::new();
    }
}

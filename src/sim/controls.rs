//! Run-time switches the tests (and `fluxops sim --fault`, see `fault`) flip on a running simulated API server:
//! kinds that are missing (CRD not installed) or forbidden (RBAC denies the user), dropping every open watch,
//! and faults of the whole server: stalled (answers nothing), slow, failing with a status, sending garbage, a
//! watch cache frozen behind the store.

use crate::sim::resource::GroupResource;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Default)]
struct Inner {
    missing: RwLock<HashSet<GroupResource>>,
    forbidden: RwLock<HashSet<GroupResource>>,
    watch_reset: Mutex<CancellationToken>,
    unauthorized: AtomicBool,
    unavailable: AtomicBool,
    latency_ms: AtomicU64,
    stalled: AtomicBool,
    unstalled: Notify,
    /// 0: no failure; else the status every request is answered with.
    failing: AtomicU16,
    garbage: AtomicBool,
    /// 0: the watch cache follows the store; else the resourceVersion it is frozen at.
    frozen_cache: AtomicU64,
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
            .store(unauthorized, Ordering::SeqCst);
    }

    #[must_use]
    pub fn is_unauthorized(&self) -> bool {
        self.inner.unauthorized.load(Ordering::SeqCst)
    }

    /// Makes every request answer 503 ServiceUnavailable (an apiserver outage) and breaks open
    /// watches, or ends the outage.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.inner.unavailable.store(unavailable, Ordering::SeqCst);
        if unavailable {
            self.drop_watches();
        }
    }

    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        self.inner.unavailable.load(Ordering::SeqCst)
    }

    /// Delays every answer by `latency` (zero to stop).
    pub fn set_latency(&self, latency: std::time::Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.inner.latency_ms.store(ms, Ordering::SeqCst);
    }

    #[must_use]
    pub fn latency(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.inner.latency_ms.load(Ordering::SeqCst))
    }

    /// Stalls the server (`true`: requests are accepted and not answered, open watches send nothing) or lets
    /// everything that waited go on.
    pub fn set_stalled(&self, stalled: bool) {
        self.inner.stalled.store(stalled, Ordering::SeqCst);
        if !stalled {
            self.inner.unstalled.notify_waiters();
        }
    }

    #[must_use]
    pub fn is_stalled(&self) -> bool {
        self.inner.stalled.load(Ordering::SeqCst)
    }

    /// Waits while the server is stalled.
    pub async fn wait_unstalled(&self) {
        loop {
            let notified = self.inner.unstalled.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if !self.is_stalled() {
                return;
            }
            notified.await;
        }
    }

    /// Answers every request with `code` (401, 403, 429, 500, 503), or stops (`None`).
    pub fn set_failing(&self, code: Option<u16>) {
        self.inner
            .failing
            .store(code.unwrap_or_default(), Ordering::SeqCst);
        if code.is_some() {
            self.drop_watches();
        }
    }

    #[must_use]
    pub fn failing(&self) -> Option<u16> {
        Some(self.inner.failing.load(Ordering::SeqCst)).filter(|c| *c != 0)
    }

    /// Answers every request with an HTML error page instead of JSON (and makes open watches send one such
    /// line), or stops.
    pub fn set_garbage(&self, garbage: bool) {
        self.inner.garbage.store(garbage, Ordering::SeqCst);
    }

    #[must_use]
    pub fn garbage(&self) -> bool {
        self.inner.garbage.load(Ordering::SeqCst)
    }

    /// Freezes the watch cache at `resource_version` (lists served from the cache show the store as it was
    /// then, as a lagging API server's cache would), or lets it follow the store again (`None`).
    pub fn set_frozen_cache(&self, resource_version: Option<u64>) {
        self.inner
            .frozen_cache
            .store(resource_version.unwrap_or_default(), Ordering::SeqCst);
    }

    #[must_use]
    pub fn frozen_cache(&self) -> Option<u64> {
        Some(self.inner.frozen_cache.load(Ordering::SeqCst)).filter(|v| *v != 0)
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

//! `Schedule`: how often an object is reconciled and how long one reconcile may take, from its spec with the
//! controllers' defaults: Kustomization `timeout` defaults to `interval - 30s` (at least 30s, kustomize-controller
//! `GetTimeout`), HelmRelease to 5m, sources to 60s; `retryInterval` (Kustomization) is used after a failure.
//! An OCI HelmRepository (static since Flux 2.2) and an ExternalArtifact have no schedule.

use crate::flux::duration::parse_go_duration;
use crate::flux::{FluxKind, FluxObject};
use std::time::Duration;

/// Default HelmRelease `spec.timeout`.
pub const HELM_RELEASE_TIMEOUT: Duration = Duration::from_secs(300);
/// Default source `spec.timeout`.
pub const SOURCE_TIMEOUT: Duration = Duration::from_secs(60);
/// Shortest Kustomization timeout.
const MIN_KUSTOMIZATION_TIMEOUT: Duration = Duration::from_secs(30);

/// When an object runs and how long a run may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Schedule {
    /// `spec.interval`; `None` when the object is not reconciled on a schedule (or the interval is invalid).
    pub interval: Option<Duration>,
    /// `spec.retryInterval`, used instead of the interval after a failed reconcile.
    pub retry_interval: Option<Duration>,
    /// `spec.timeout`, or the controller's default.
    pub timeout: Duration,
}

impl Schedule {
    /// The schedule of an object.
    #[must_use]
    pub fn of(obj: &FluxObject) -> Self {
        let spec = &obj.spec;
        let parse = |s: Option<&String>| s.and_then(|s| parse_go_duration(s).ok());
        let kind = obj.flux_kind();
        let static_object = match kind {
            Some(FluxKind::ExternalArtifact) | None => true,
            Some(FluxKind::HelmRepository) => spec.repo_type.as_deref() == Some("oci"),
            _ => false,
        };
        let interval = parse(spec.interval.as_ref())
            .filter(|d| !d.is_zero())
            .filter(|_| !static_object);
        let timeout = parse(spec.timeout.as_ref()).unwrap_or(match kind {
            Some(FluxKind::Kustomization) => interval
                .unwrap_or_default()
                .saturating_sub(Duration::from_secs(30)),
            Some(FluxKind::HelmRelease) => HELM_RELEASE_TIMEOUT,
            _ => SOURCE_TIMEOUT,
        });
        let timeout = if kind == Some(FluxKind::Kustomization) {
            timeout.max(MIN_KUSTOMIZATION_TIMEOUT)
        } else {
            timeout
        };
        Self {
            interval,
            retry_interval: parse(spec.retry_interval.as_ref()).filter(|d| !d.is_zero()),
            timeout,
        }
    }

    /// The wait until the next run: the retry interval after a failure (when set), else the interval.
    #[must_use]
    pub fn next_after(&self, failed: bool) -> Option<Duration> {
        if failed {
            self.retry_interval.or(self.interval)
        } else {
            self.interval
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(kind: &str, spec: serde_json::Value) -> FluxObject {
        serde_json::from_value(serde_json::json!({"kind": kind, "spec": spec})).unwrap()
    }

    #[test]
    fn kustomization_timeout_defaults_to_interval_minus_30s_with_a_floor() {
        let ks = obj("Kustomization", serde_json::json!({"interval": "10m"}));
        assert_eq!(Schedule::of(&ks).timeout, Duration::from_secs(570));
        let short = obj("Kustomization", serde_json::json!({"interval": "40s"}));
        assert_eq!(Schedule::of(&short).timeout, Duration::from_secs(30));
        let set = obj(
            "Kustomization",
            serde_json::json!({"interval": "1h", "timeout": "15m0s", "retryInterval": "2m0s"}),
        );
        let s = Schedule::of(&set);
        assert_eq!(s.timeout, Duration::from_secs(900));
        assert_eq!(s.next_after(true), Some(Duration::from_secs(120)));
        assert_eq!(s.next_after(false), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn helm_release_and_source_timeouts_default_like_their_controllers() {
        let hr = obj("HelmRelease", serde_json::json!({"interval": "5m"}));
        assert_eq!(Schedule::of(&hr).timeout, HELM_RELEASE_TIMEOUT);
        assert_eq!(
            Schedule::of(&hr).next_after(true),
            Some(Duration::from_secs(300))
        );
        let git = obj("GitRepository", serde_json::json!({"interval": "1m0s"}));
        assert_eq!(Schedule::of(&git).timeout, SOURCE_TIMEOUT);
    }

    #[test]
    fn static_and_unparsable_schedules_have_no_interval() {
        let oci = obj(
            "HelmRepository",
            serde_json::json!({"interval": "5m", "type": "oci"}),
        );
        assert_eq!(Schedule::of(&oci).interval, None);
        let bad = obj(
            "Kustomization",
            serde_json::json!({"interval": "ten minutes"}),
        );
        assert_eq!(Schedule::of(&bad).interval, None);
    }
}

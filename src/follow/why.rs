//! Why a followed object is not ready when follow stops: suspended, stuck (Reconciling longer than its timeout,
//! a `reconcile.fluxcd.io/requestedAt` not handled within it, a generation not observed), reconciling, or
//! not at the revision yet; and which sources fail to fetch when none picked the revision up.
//!
//! The timeouts are Flux's: `spec.timeout`, else for a Kustomization `interval − 30s` (floor 30s), for a
//! HelmRelease 5m (FLUX.md §2).

use super::line::State;
use super::revision::display_revision;
use crate::flux::duration::parse_go_duration;
use crate::flux::status::{generation_observed, summarize};
use crate::flux::{FluxKind, FluxObject, Health};
use crate::graph::Graph;
use crate::text::sanitize_line;
use k8s_openapi::jiff::Timestamp;
use std::time::Duration;

/// The annotation a reconcile request sets (FLUX.md §7).
pub const REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";

const HELM_DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
const FLOOR: Duration = Duration::from_secs(30);

/// The object's reconcile timeout (see the module doc).
#[must_use]
pub fn timeout_of(obj: &FluxObject) -> Duration {
    if let Some(t) = obj
        .spec
        .timeout
        .as_deref()
        .and_then(|t| parse_go_duration(t).ok())
    {
        return t;
    }
    match obj.flux_kind() {
        Some(FluxKind::HelmRelease) => HELM_DEFAULT_TIMEOUT,
        _ => obj
            .spec
            .interval
            .as_deref()
            .and_then(|i| parse_go_duration(i).ok())
            .map_or(FLOOR, |i| i.saturating_sub(FLOOR).max(FLOOR)),
    }
}

fn since(text: &str, now: Timestamp) -> Option<Duration> {
    let t: Timestamp = text.parse().ok()?;
    Duration::try_from(now.duration_since(t)).ok()
}

fn minutes(d: Duration) -> String {
    super::line::short_duration(d)
}

/// The state and the reason of a followed object that is neither ready, failed nor blocked.
#[must_use]
pub fn not_ready(
    obj: &FluxObject,
    reconciling: bool,
    wanted: Option<&str>,
    now: Timestamp,
) -> (State, String) {
    let summary = summarize(obj);
    if summary.health == Health::Suspended {
        return (State::Pending, "suspended (spec.suspend: true)".to_owned());
    }
    let timeout = timeout_of(obj);
    let requested = obj
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(REQUESTED_AT));
    if let Some(token) = requested
        && obj.status.last_handled_reconcile_at.as_ref() != Some(token)
    {
        let age = since(token, now);
        let text = format!("reconcile request '{}' not handled", sanitize_line(token));
        return match age {
            Some(a) if a > timeout => (
                State::Stuck,
                format!(
                    "stuck: {text} for {} (timeout {})",
                    minutes(a),
                    minutes(timeout)
                ),
            ),
            _ => (State::Pending, text),
        };
    }
    if let Some(rec) = obj.condition("Reconciling").filter(|c| c.status == "True") {
        let message = sanitize_line(&rec.message);
        let age = rec
            .last_transition_time
            .as_deref()
            .and_then(|t| since(t, now));
        return match age {
            Some(a) if a > timeout => (
                State::Stuck,
                format!(
                    "stuck: Reconciling for {} (timeout {}): {message}",
                    minutes(a),
                    minutes(timeout)
                ),
            ),
            _ => (State::Reconciling, message.into_owned()),
        };
    }
    if !generation_observed(obj) {
        let generation = obj.metadata.generation.unwrap_or_default();
        let observed = obj.status.observed_generation.unwrap_or_default();
        return (
            State::Pending,
            format!("generation {generation} not observed yet (observed {observed})"),
        );
    }
    if reconciling {
        return (
            State::Reconciling,
            sanitize_line(&summary.message).into_owned(),
        );
    }
    let at = obj
        .status
        .last_applied_revision
        .as_deref()
        .or(obj.status.last_attempted_revision.as_deref())
        .map_or_else(
            || "nothing applied yet".to_owned(),
            |r| format!("still at {}", display_revision(r)),
        );
    let wants = wanted
        .map(|w| format!(", wants {}", display_revision(w)))
        .unwrap_or_default();
    let health = match summary.health {
        Health::Ready => String::new(),
        h => format!("; {h}: {}", sanitize_line(&summary.message)),
    };
    (
        State::Pending,
        format!("not at the revision yet: {at}{wants}{health}"),
    )
}

/// `Kind/ns/name: <message>` for every source that fails to produce an artifact.
#[must_use]
pub fn failing_sources(graph: &Graph) -> Vec<String> {
    let mut out: Vec<String> = graph
        .nodes()
        .filter(|n| super::rules::is_source_kind(n.rref.kind))
        .filter_map(|n| {
            let obj = n.object.as_ref()?;
            let s = summarize(obj);
            s.health
                .is_failure()
                .then(|| format!("{}: {}", n.rref, sanitize_line(&s.message)))
        })
        .collect();
    out.sort();
    out
}

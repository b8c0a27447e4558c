//! Why a followed object is not ready when follow stops: suspended, stuck or overdue (the console's timing
//! rules, `crate::timing`: Reconciling past its timeout, a `reconcile.fluxcd.io/requestedAt` not handled, a
//! generation not observed; no reconcile within interval + timeout), reconciling, or not at the revision yet;
//! and which sources fail to fetch when none picked the revision up.

use super::line::{State, short_duration};
use super::revision::display_revision;
use crate::flux::status::{generation_observed, summarize};
use crate::flux::{FluxObject, Health};
use crate::graph::Graph;
use crate::text::sanitize_line;
use crate::timing::facts::{pending_request, unobserved_generation};
use crate::timing::fleet::Assessment;
use crate::timing::rules::Stuck;

/// The state and the reason of a followed object that is neither ready, failed nor blocked; `timing` is the
/// console's assessment of it at the time of the summary.
#[must_use]
pub fn not_ready(
    obj: &FluxObject,
    reconciling: bool,
    wanted: Option<&str>,
    timing: Option<&Assessment>,
) -> (State, String) {
    let summary = summarize(obj);
    if summary.health == Health::Suspended {
        return (State::Pending, "suspended (spec.suspend: true)".to_owned());
    }
    let running = obj
        .condition("Reconciling")
        .filter(|c| c.status == "True")
        .map(|c| sanitize_line(&c.message).into_owned());
    if let Some((why, how_long)) = timing.and_then(|t| t.stuck) {
        let detail = match why {
            Stuck::Reconciling => running.clone().unwrap_or_default(),
            Stuck::RequestNotHandled => pending_request(obj)
                .map(|t| format!("'{}'", sanitize_line(t)))
                .unwrap_or_default(),
            Stuck::GenerationNotObserved => unobserved_generation(obj)
                .map(|g| format!("generation {g}"))
                .unwrap_or_default(),
        };
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!(": {detail}")
        };
        return (
            State::Stuck,
            format!(
                "stuck: {} for {}{detail}",
                why.label(),
                short_duration(how_long)
            ),
        );
    }
    if let Some(message) = running {
        return (State::Reconciling, message);
    }
    if let Some(token) = pending_request(obj) {
        return (
            State::Pending,
            format!(
                "reconcile request '{}' not handled yet",
                sanitize_line(token)
            ),
        );
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
    let overdue = timing
        .and_then(|t| t.overdue_by)
        .map(|by| format!("; overdue by {}", short_duration(by)))
        .unwrap_or_default();
    let health = match summary.health {
        Health::Ready => String::new(),
        h => format!("; {h}: {}", sanitize_line(&summary.message)),
    };
    (
        State::Pending,
        format!("not at the revision yet: {at}{wants}{overdue}{health}"),
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

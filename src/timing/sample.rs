//! Reconcile durations read from what the controllers write: the Kustomization success event
//! (`Reconciliation finished in 176.163666ms, next run in 10m0s`, and the logged failure form `Reconciliation
//! failed after 1m9.694610129s, next try in 1m0s`), Kustomization `status.history[].lastReconciledDuration`
//! with `lastReconciled`, and HelmRelease `status.lastAttemptedReleaseActionDuration` dated by its newest
//! release snapshot (or its `Released`/`Ready` condition). Pure parsing, no state.

use crate::flux::duration::parse_go_duration;
use crate::flux::{FluxEvent, FluxKind, FluxObject};
use k8s_openapi::jiff::Timestamp;
use std::str::FromStr;
use std::time::Duration;

/// How a reconcile ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Succeeded,
    Failed,
}

/// One reconcile: how long it took, when it finished (if known) and how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub finished: Option<Timestamp>,
    pub took: Duration,
    pub outcome: Outcome,
}

/// A parsed `Reconciliation finished in <d>, next run in <d>` (or `… failed after <d>, next try in <d>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FinishedMessage {
    pub took: Duration,
    /// The `next run in` / `next try in` duration; `None` when it does not parse (the flux CLI cuts long
    /// messages: `next run in 10m0`).
    pub next: Option<Duration>,
    pub outcome: Outcome,
}

/// Parses the message the kustomize-controller writes after every reconcile. Also accepts the helm-controller's
/// old log form (`reconcilation finished in 16.205699ms, next run in 1m0s`, typo included).
#[must_use]
pub fn parse_finished(message: &str) -> Option<FinishedMessage> {
    const FORMS: [(&str, &str, Outcome); 3] = [
        (
            "Reconciliation finished in ",
            ", next run in ",
            Outcome::Succeeded,
        ),
        (
            "reconcilation finished in ",
            ", next run in ",
            Outcome::Succeeded,
        ),
        (
            "Reconciliation failed after ",
            ", next try in ",
            Outcome::Failed,
        ),
    ];
    FORMS.iter().find_map(|(prefix, middle, outcome)| {
        let rest = message.trim_end().strip_prefix(prefix)?;
        let (took, next) = match rest.split_once(middle) {
            Some((took, next)) => (took, parse_go_duration(next).ok()),
            None => (rest, None),
        };
        Some(FinishedMessage {
            took: parse_go_duration(took).ok()?,
            next,
            outcome: *outcome,
        })
    })
}

/// The reconcile an event reports, dated by the event's last time.
#[must_use]
pub fn from_event(event: &FluxEvent) -> Option<Sample> {
    let finished = parse_finished(&event.message)?;
    Some(Sample {
        finished: event.last_seen.as_deref().and_then(parse_time),
        took: finished.took,
        outcome: finished.outcome,
    })
}

/// The reconciles an object's status records: every Kustomization history entry with a duration, or the
/// HelmRelease's last release action.
#[must_use]
pub fn from_status(obj: &FluxObject) -> Vec<Sample> {
    match obj.flux_kind() {
        Some(FluxKind::Kustomization) => obj
            .status
            .history
            .iter()
            .filter_map(|h| {
                Some(Sample {
                    finished: h.last_reconciled.as_deref().and_then(parse_time),
                    took: parse_go_duration(h.last_reconciled_duration.as_deref()?).ok()?,
                    outcome: if h
                        .last_reconciled_status
                        .as_deref()
                        .is_some_and(is_success_status)
                    {
                        Outcome::Succeeded
                    } else {
                        Outcome::Failed
                    },
                })
            })
            .collect(),
        Some(FluxKind::HelmRelease) => helm_release_sample(obj).into_iter().collect(),
        _ => Vec::new(),
    }
}

fn helm_release_sample(obj: &FluxObject) -> Option<Sample> {
    let st = &obj.status;
    let took = parse_go_duration(st.last_attempted_release_action_duration.as_deref()?).ok()?;
    let released = obj.condition("Released").or_else(|| obj.condition("Ready"));
    let newest = st
        .history
        .iter()
        .max_by_key(|h| h.version.unwrap_or(i64::MIN));
    let finished = newest
        .and_then(|h| h.last_deployed.as_deref())
        .or(released.and_then(|c| c.last_transition_time.as_deref()))
        .and_then(parse_time);
    let outcome = match released.map(|c| c.status.as_str()) {
        Some("True") => Outcome::Succeeded,
        _ => Outcome::Failed,
    };
    Some(Sample {
        finished,
        took,
        outcome,
    })
}

/// `lastReconciledStatus` values that mean success (the controller writes `ReconciliationSucceeded`; the flux
/// CLI's test data uses `success`).
#[must_use]
pub fn is_success_status(status: &str) -> bool {
    matches!(status, "ReconciliationSucceeded" | "Succeeded" | "success")
}

/// An RFC 3339 time, if it is one.
#[must_use]
pub fn parse_time(text: &str) -> Option<Timestamp> {
    Timestamp::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flux::{EventType, ResourceRef};

    fn shared(path: &str) -> String {
        let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/").to_owned() + path;
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    /// The `message` column of events.tsv rows.
    fn event_messages() -> Vec<String> {
        shared("events.tsv")
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').nth(5).map(str::to_owned))
            .collect()
    }

    #[test]
    fn real_success_events_parse_with_both_durations() {
        let messages = event_messages();
        let m = messages.iter().find(|m| m.contains("448.00332ms")).unwrap();
        assert_eq!(
            parse_finished(m),
            Some(FinishedMessage {
                took: Duration::from_nanos(448_003_320),
                next: Some(Duration::from_secs(600)),
                outcome: Outcome::Succeeded,
            })
        );
    }

    #[test]
    fn a_message_cut_by_the_cli_keeps_its_duration_but_not_the_next_run() {
        let messages = event_messages();
        let m = messages
            .iter()
            .find(|m| m.ends_with("next run in 10m0"))
            .unwrap();
        let parsed = parse_finished(m).unwrap();
        assert_eq!(parsed.took, Duration::from_nanos(531_072_726));
        assert_eq!(parsed.next, None);
    }

    #[test]
    fn logged_failure_and_old_helm_forms_parse() {
        let messages = event_messages();
        let failed = messages
            .iter()
            .find(|m| m.starts_with("Reconciliation failed after"))
            .unwrap();
        let parsed = parse_finished(failed).unwrap();
        assert_eq!(parsed.outcome, Outcome::Failed);
        assert_eq!(parsed.took, Duration::from_nanos(69_694_610_129));
        assert_eq!(parsed.next, Some(Duration::from_secs(60)));
        let old = messages
            .iter()
            .find(|m| m.starts_with("reconcilation finished"))
            .unwrap();
        assert_eq!(
            parse_finished(old).unwrap().took,
            Duration::from_nanos(16_205_699)
        );
    }

    #[test]
    fn every_real_finished_message_parses_and_nothing_else_does() {
        for m in event_messages() {
            let looks_finished =
                m.contains("finished in ") || m.starts_with("Reconciliation failed after ");
            let format_string = m.contains("%s");
            assert_eq!(
                parse_finished(&m).is_some(),
                looks_finished && !format_string && !m.starts_with("Health check"),
                "{m}"
            );
        }
    }

    #[test]
    fn event_sample_is_dated_by_its_last_time() {
        let event = FluxEvent {
            involved: ResourceRef::new(FluxKind::Kustomization, "flux-system", "apps"),
            type_: EventType::Normal,
            reason: "ReconciliationSucceeded".into(),
            message: "Reconciliation finished in 2.5s, next run in 10m0s".into(),
            last_seen: Some("2026-11-24T05:00:00Z".into()),
            first_seen: None,
            count: 3,
            source: "kustomize-controller".into(),
            uid: "flux-system/apps.1".into(),
        };
        let s = from_event(&event).unwrap();
        assert_eq!(s.took, Duration::from_millis(2500));
        assert_eq!(s.finished, parse_time("2026-11-24T05:00:00Z"));
    }

    #[test]
    fn kustomization_history_block_from_the_docs_gives_one_sample_per_entry() {
        let text = shared(
            "status-blocks/docs/fluxcd__kustomize-controller/docs__spec__v1__kustomizations.md__L2369.txt",
        );
        let mut obj: FluxObject = serde_saphyr::from_str(&text).unwrap();
        obj.kind = "Kustomization".into();
        let samples = from_status(&obj);
        assert_eq!(samples.len(), 2);
        assert_eq!(samples[0].took, Duration::from_nanos(2_818_583_000));
        assert_eq!(samples[0].outcome, Outcome::Succeeded);
        assert_eq!(samples[0].finished, parse_time("2025-08-15T11:12:00Z"));
        assert_eq!(samples[1].took, Duration::from_nanos(49_813_292_000));
        assert_eq!(samples[1].outcome, Outcome::Failed);
    }

    #[test]
    fn helm_release_sample_comes_from_the_last_release_action() {
        let obj: FluxObject = serde_json::from_value(serde_json::json!({
            "kind": "HelmRelease",
            "status": {
                "lastAttemptedReleaseAction": "upgrade",
                "lastAttemptedReleaseActionDuration": "1m2.5s",
                "conditions": [{"type": "Released", "status": "True", "reason": "UpgradeSucceeded",
                    "lastTransitionTime": "2026-11-24T04:00:00Z"}],
                "history": [
                    {"version": 3, "status": "deployed", "lastDeployed": "2026-11-24T04:10:00Z"},
                    {"version": 2, "status": "superseded", "lastDeployed": "2026-11-23T04:10:00Z"}
                ]
            }
        }))
        .unwrap();
        let s = from_status(&obj);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].took, Duration::from_millis(62_500));
        assert_eq!(s[0].finished, parse_time("2026-11-24T04:10:00Z"));
        assert_eq!(s[0].outcome, Outcome::Succeeded);
    }
}

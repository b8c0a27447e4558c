//! Which condition of a failing object to diagnose (FLUX.md §5):
//! - suspended objects are not diagnosed (they keep whatever status they had);
//! - `Stalled=True` first (terminal: `RetriesExceeded`, `MissingRollbackTarget`, configuration errors);
//! - then `Ready=False`; for a HelmRelease whose Ready only says that remediation succeeded
//!   (`RollbackSucceeded` / `UninstallSucceeded`: not at the desired state) the failed `Released`,
//!   `Remediated` or `TestSuccess` condition says what went wrong;
//! - an object in a run after a failed attempt (`crate::flux::retry`) is diagnosed from the failure condition
//!   still set (`FetchFailed=True` …); one retrying (`Reconciling` reason `ProgressingWithRetry`) while Ready is
//!   Unknown from its first False condition, else from Ready's message.
//!
//! When the chosen condition lacks facts another False condition has (the chart and version of a Stalled
//! HelmRelease are in its `Released` message), they are filled in from there; an object waiting on its source
//! ("Source artifact not found") gets the source from its `spec.sourceRef` / `spec.chartRef` as the dependency.

use super::next_step::FOLLOW_SOURCE;
use super::{Diagnosis, FailureClass, FailureInput, diagnose};
use crate::flux::api::Condition;
use crate::flux::{FluxKind, FluxObject};

/// HelmRelease conditions that carry the failing Helm action's message.
const HELM_ACTION_CONDITIONS: [&str; 3] = ["Released", "Remediated", "TestSuccess"];

/// Ready=False reasons of a HelmRelease that report a remediation, not the failure.
const REMEDIATION_REASONS: [&str; 2] = ["RollbackSucceeded", "UninstallSucceeded"];

fn condition<'o>(object: &'o FluxObject, type_: &str, status: &str) -> Option<&'o Condition> {
    object
        .status
        .conditions
        .iter()
        .find(|c| c.type_ == type_ && c.status == status)
}

fn first_false_helm_action(object: &FluxObject) -> Option<&Condition> {
    HELM_ACTION_CONDITIONS
        .iter()
        .find_map(|t| condition(object, t, "False"))
}

/// The condition to diagnose, or `None` for an object that is not failing.
#[must_use]
pub fn failing_condition(object: &FluxObject) -> Option<&Condition> {
    if object.is_suspended() {
        return None;
    }
    if let Some(stalled) = condition(object, "Stalled", "True") {
        return Some(stalled);
    }
    let helm = object.kind == FluxKind::HelmRelease.as_str();
    if let Some(ready) = condition(object, "Ready", "False") {
        if helm && REMEDIATION_REASONS.contains(&ready.reason.as_str()) {
            return first_false_helm_action(object).or(Some(ready));
        }
        return Some(ready);
    }
    // A run retrying a failed attempt: the failure condition still set (`FetchFailed=True` while Ready is
    // Unknown, a HelmRelease's failed action while it counts failures; `flux::retry`).
    if let Some(c) =
        crate::flux::retry::failure_condition(object).filter(|c| c.type_ != "Reconciling")
    {
        return Some(c);
    }
    let retrying = condition(object, "Reconciling", "True")
        .is_some_and(|c| c.reason == "ProgressingWithRetry");
    if !retrying {
        return None;
    }
    let healthy = condition(object, "Healthy", "False");
    first_false_helm_action(object)
        .or(healthy)
        .or_else(|| {
            object
                .status
                .conditions
                .iter()
                .find(|c| c.type_ == "Ready" && !c.message.is_empty())
        })
        .or_else(|| condition(object, "Reconciling", "True"))
}

fn diagnose_condition(kind: Option<FluxKind>, c: &Condition) -> Diagnosis {
    diagnose(&FailureInput {
        kind,
        reason: Some(c.reason.as_str()),
        message: &c.message,
    })
}

/// See the module doc.
#[must_use]
pub fn diagnose_object(object: &FluxObject) -> Option<Diagnosis> {
    let chosen = failing_condition(object)?;
    let kind = FluxKind::from_kind(&object.kind);
    let mut diagnosis = diagnose_condition(kind, chosen);
    for other in object
        .status
        .conditions
        .iter()
        .filter(|c| !std::ptr::eq(*c, chosen) && c.status == "False")
    {
        let facts = diagnose_condition(kind, other).facts;
        diagnosis.facts.fill_from(facts);
    }
    if diagnosis.class == FailureClass::SourceFetchFailed
        && diagnosis.next_step == FOLLOW_SOURCE
        && diagnosis.facts.dependency.is_none()
    {
        diagnosis.facts.dependency = source_of(object);
    }
    Some(diagnosis)
}

/// `Kind/ns/name` of the source an applier reads (`spec.sourceRef`, or a HelmRelease's `spec.chartRef`).
fn source_of(object: &FluxObject) -> Option<String> {
    let r = object
        .spec
        .source_ref
        .as_ref()
        .or(object.spec.chart_ref.as_ref())
        .filter(|r| !r.kind.is_empty() && !r.name.is_empty())?;
    let ns = r
        .namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .or(object.metadata.namespace.as_deref())?;
    Some(super::facts::clean(&format!("{}/{ns}/{}", r.kind, r.name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::FailureClass;

    fn obj(kind: &str, suspend: bool, conditions: serde_json::Value) -> FluxObject {
        serde_json::from_value(serde_json::json!({
            "kind": kind,
            "metadata": {"name": "a", "namespace": "x", "generation": 1},
            "spec": {"suspend": suspend},
            "status": {"observedGeneration": 1, "conditions": conditions}
        }))
        .unwrap()
    }

    #[test]
    fn healthy_and_in_progress_objects_have_no_diagnosis() {
        let ready = obj(
            "Kustomization",
            false,
            serde_json::json!([{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "Applied revision: main@sha1:abc"}]),
        );
        assert_eq!(diagnose_object(&ready), None);
        let progressing = obj(
            "Kustomization",
            false,
            serde_json::json!([
                {"type": "Ready", "status": "Unknown", "reason": "Progressing", "message": "Reconciliation in progress"},
                {"type": "Reconciling", "status": "True", "reason": "Progressing", "message": "Building manifests for revision x"}
            ]),
        );
        assert_eq!(diagnose_object(&progressing), None);
    }

    #[test]
    fn suspended_failing_object_is_not_diagnosed() {
        let conditions = serde_json::json!([{"type": "Ready", "status": "False", "reason": "DependencyNotReady", "message": "dependency 'x/b' is not ready"}]);
        assert_eq!(
            diagnose_object(&obj("Kustomization", true, conditions.clone())),
            None
        );
        let d = diagnose_object(&obj("Kustomization", false, conditions)).unwrap();
        assert_eq!(d.class, FailureClass::DependencyNotReady);
        assert_eq!(d.facts.dependency.as_deref(), Some("x/b"));
    }

    #[test]
    fn stalled_wins_and_takes_chart_facts_from_the_released_condition() {
        let o = obj(
            "HelmRelease",
            false,
            serde_json::json!([
                {"type": "Ready", "status": "False", "reason": "UpgradeFailed", "message": "Helm upgrade failed for release x/a with chart podinfo@6.5.3: timed out waiting for the condition"},
                {"type": "Stalled", "status": "True", "reason": "RetriesExceeded", "message": "Failed to upgrade after 4 attempt(s)"},
                {"type": "Released", "status": "False", "reason": "UpgradeFailed", "message": "Helm upgrade failed for release x/a with chart podinfo@6.5.3: timed out waiting for the condition"}
            ]),
        );
        let d = diagnose_object(&o).unwrap();
        assert_eq!(d.class, FailureClass::RetriesExhausted);
        assert_eq!(d.facts.chart.as_deref(), Some("podinfo"));
        assert_eq!(d.facts.version.as_deref(), Some("6.5.3"));
        assert_eq!(d.facts.detail.as_deref(), Some("upgrade after 4 attempts"));
    }

    #[test]
    fn remediated_helm_release_is_diagnosed_from_its_released_condition() {
        let o = obj(
            "HelmRelease",
            false,
            serde_json::json!([
                {"type": "Ready", "status": "False", "reason": "RollbackSucceeded", "message": "Helm rollback to previous release x/a.v1 with chart podinfo@6.5.2 succeeded"},
                {"type": "Released", "status": "False", "reason": "UpgradeFailed", "message": "Helm upgrade failed for release x/a with chart podinfo@6.5.3: another operation (install/upgrade/rollback) is in progress"},
                {"type": "Remediated", "status": "True", "reason": "RollbackSucceeded", "message": "ok"}
            ]),
        );
        let d = diagnose_object(&o).unwrap();
        assert_eq!(d.class, FailureClass::HelmUpgradeFailed);
        assert_eq!(d.next_step.runbook, "helm-release-locked");
        assert_eq!(d.facts.version.as_deref(), Some("6.5.3"));
    }

    #[test]
    fn waiting_on_the_source_names_the_source_ref_as_dependency() {
        let mut o = obj(
            "Kustomization",
            false,
            serde_json::json!([{"type": "Ready", "status": "False", "reason": "ArtifactFailed", "message": "Source artifact not found, retrying in 30s"}]),
        );
        o.spec.source_ref = Some(crate::flux::api::CrossRef {
            kind: "GitRepository".to_owned(),
            name: "flux-system".to_owned(),
            ..Default::default()
        });
        let d = diagnose_object(&o).unwrap();
        assert_eq!(d.class, FailureClass::SourceFetchFailed);
        assert_eq!(
            d.facts.dependency.as_deref(),
            Some("GitRepository/x/flux-system")
        );
    }

    #[test]
    fn retrying_object_with_unknown_ready_is_diagnosed_from_its_failed_condition() {
        let o = obj(
            "HelmRelease",
            false,
            serde_json::json!([
                {"type": "Ready", "status": "Unknown", "reason": "Progressing", "message": "Running 'upgrade' action with timeout of 5m0s"},
                {"type": "Reconciling", "status": "True", "reason": "ProgressingWithRetry", "message": "retrying after 5m0s"},
                {"type": "Released", "status": "False", "reason": "InstallFailed", "message": "Helm install failed: timed out waiting for the condition"}
            ]),
        );
        let d = diagnose_object(&o).unwrap();
        assert_eq!(d.class, FailureClass::HelmInstallFailed);
        assert_eq!(d.next_step.runbook, "helm-wait-timeout");
    }
}

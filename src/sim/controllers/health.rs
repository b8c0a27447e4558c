//! Kustomization health checks on Flux objects: the objects a Kustomization waits for (`spec.healthChecks`
//! entries of Flux kinds, and with `wait: true` every Flux object it applied), their kstatus, and the real
//! failure text `health check failed after <d>: timeout waiting for: [<Kind>/<ns>/<name> status: '<s>']`.
//! Other health-checked objects (Deployments …) are not simulated and count as healthy.

use super::view::View;
use super::{conditions, object};
use crate::flux::duration::format_go_duration;
use crate::flux::{FluxKind, ResourceRef};
use serde_json::Value;
use std::time::Duration;

/// How often a waiting Kustomization looks at its health checks again (simulated).
pub const POLL: Duration = Duration::from_secs(5);

/// The Flux objects `obj` health-checks.
#[must_use]
pub fn targets(obj: &Value, view: &View<'_>) -> Vec<ResourceRef> {
    let ns = object::namespace(obj);
    let mut refs: Vec<ResourceRef> = obj
        .pointer("/spec/healthChecks")
        .and_then(Value::as_array)
        .map(|checks| {
            checks
                .iter()
                .filter_map(|c| object::reference(c, None, ns))
                .collect()
        })
        .unwrap_or_default();
    if obj.pointer("/spec/wait").and_then(Value::as_bool) == Some(true)
        && let Some(me) = object::resource_ref(obj)
    {
        refs.extend(view.owners.children(&me));
    }
    refs.sort();
    refs.dedup();
    refs
}

/// kstatus of a Flux object: `Current`, `InProgress`, `Failed` or `NotFound` (kstatus generic rules: an
/// unobserved generation or `Reconciling=True` is InProgress, `Stalled=True` is Failed, `Ready` other than True
/// is InProgress; an object with no observedGeneration and no conditions is Current).
#[must_use]
pub fn kstatus(target: Option<&Value>) -> &'static str {
    let Some(obj) = target else { return "NotFound" };
    if conditions::is_true(obj, "Stalled") {
        return "Failed";
    }
    let observed = obj
        .pointer("/status/observedGeneration")
        .and_then(Value::as_i64);
    if observed.is_some_and(|o| o != object::generation(obj))
        || conditions::is_true(obj, "Reconciling")
    {
        return "InProgress";
    }
    match conditions::get(obj, "Ready").and_then(|c| c.get("status")?.as_str()) {
        Some("True") | None => "Current",
        Some(_) => "InProgress",
    }
}

/// The targets that are not `Current`, with their kstatus.
#[must_use]
pub fn unhealthy(targets: &[ResourceRef], view: &View<'_>) -> Vec<(ResourceRef, &'static str)> {
    targets
        .iter()
        .filter(|r| r.kind != FluxKind::ExternalArtifact || view.get(r).is_some())
        .map(|r| (r.clone(), kstatus(view.get(r).as_deref())))
        .filter(|(_, s)| *s != "Current")
        .collect()
}

/// `health check failed after 10m0.5s: timeout waiting for: [HelmRelease/monitoring/promtail status: 'InProgress']`.
#[must_use]
pub fn timeout_message(after: Duration, unhealthy: &[(ResourceRef, &'static str)]) -> String {
    let items: Vec<String> = unhealthy
        .iter()
        .map(|(r, s)| format!("{r} status: '{s}'"))
        .collect();
    format!(
        "health check failed after {}: timeout waiting for: [{}]",
        format_go_duration(after),
        items.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kstatus_follows_the_conditions() {
        assert_eq!(kstatus(None), "NotFound");
        let ready = json!({"metadata": {"generation": 1}, "status": {"observedGeneration": 1,
            "conditions": [{"type": "Ready", "status": "True"}]}});
        assert_eq!(kstatus(Some(&ready)), "Current");
        let new = json!({"metadata": {"generation": 2}, "status": {"observedGeneration": 1,
            "conditions": [{"type": "Ready", "status": "True"}]}});
        assert_eq!(kstatus(Some(&new)), "InProgress");
        let retrying = json!({"metadata": {"generation": 1}, "status": {"observedGeneration": 1,
            "conditions": [{"type": "Ready", "status": "False"}]}});
        assert_eq!(kstatus(Some(&retrying)), "InProgress");
        let stalled = json!({"metadata": {"generation": 1}, "status": {"observedGeneration": 1,
            "conditions": [{"type": "Stalled", "status": "True"}, {"type": "Ready", "status": "False"}]}});
        assert_eq!(kstatus(Some(&stalled)), "Failed");
        let never = json!({"metadata": {"generation": 1}, "status": {"observedGeneration": -1}});
        assert_eq!(kstatus(Some(&never)), "InProgress");
        let static_object = json!({"metadata": {"generation": 1}, "status": {}});
        assert_eq!(kstatus(Some(&static_object)), "Current");
    }

    #[test]
    fn timeout_messages_list_every_waited_object() {
        let r = ResourceRef::new(FluxKind::HelmRelease, "monitoring", "promtail");
        assert_eq!(
            timeout_message(Duration::from_secs(600), &[(r, "InProgress")]),
            "health check failed after 10m0s: timeout waiting for: [HelmRelease/monitoring/promtail status: 'InProgress']"
        );
    }
}

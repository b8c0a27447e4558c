//! The `FluxopsAction` Event on the target (core/v1, `involvedObject` the target): what was done, the
//! execution id, the outcome and the operator, so `kubectl describe` and every event-reading tool see it.
//! Parameters are never in it (a secret's value cannot reach it).

use super::object;
use crate::actions::TargetRef;
use serde_json::{Value, json};

/// The Event's reason.
pub const REASON: &str = "FluxopsAction";

/// The Event's message: `fluxops reconcile (execution 0123456789ab) by alice: succeeded (detail)`.
#[must_use]
pub fn message(
    action: &str,
    execution: &str,
    operator: &str,
    outcome: &str,
    detail: &str,
) -> String {
    let mut text = format!("fluxops {action} (execution {execution}) by {operator}: {outcome}");
    if !detail.is_empty() {
        text.push_str(&format!(" ({detail})"));
    }
    // Event messages are limited to 1 KiB by the API server's validation.
    if text.len() > 1000 {
        let mut end = 1000;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The Event object.
#[must_use]
pub fn build(
    target: &TargetRef,
    uid: Option<&str>,
    execution: &str,
    failed: bool,
    message: &str,
) -> Value {
    let now = super::now();
    let mut involved = json!({
        "apiVersion": target.kind.api_version(),
        "kind": target.kind.as_str(),
        "name": target.name,
    });
    if let Some(ns) = &target.namespace {
        involved["namespace"] = json!(ns);
    }
    if let Some(uid) = uid {
        involved["uid"] = json!(uid);
    }
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": format!("{}.fluxops-{execution}", target.name),
            "namespace": object::event_namespace(target),
        },
        "involvedObject": involved,
        "reason": REASON,
        "message": message,
        "type": if failed { "Warning" } else { "Normal" },
        "source": {"component": "fluxops"},
        "reportingComponent": "fluxops",
        "reportingInstance": "fluxops",
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    })
}

/// Creates the Event through `client` (the execution's permitted client); an error is returned for the
/// execution's steps, it does not change the outcome (the audit log is the record).
pub async fn post(client: &kube::Client, target: &TargetRef, event: &Value) -> Result<(), String> {
    let body = serde_json::to_vec(event).map_err(|e| e.to_string())?;
    let request = http::Request::post(object::events_path(target))
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body)
        .map_err(|e| e.to_string())?;
    client
        .request::<Value>(request)
        .await
        .map(|_| ())
        .map_err(|e| super::run::api_message(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::TargetKind;

    #[test]
    fn the_event_names_the_target_and_says_what_happened() {
        let t = TargetRef::namespaced(TargetKind::Kustomization, "flux-system", "apps");
        let m = message("reconcile", "0123456789ab", "alice", "succeeded", "");
        let e = build(&t, Some("u1"), "0123456789ab", false, &m);
        assert_eq!(e["involvedObject"]["kind"], "Kustomization");
        assert_eq!(e["involvedObject"]["uid"], "u1");
        assert_eq!(e["reason"], REASON);
        assert_eq!(e["type"], "Normal");
        assert_eq!(e["metadata"]["namespace"], "flux-system");
        assert!(e["message"].as_str().unwrap().contains("0123456789ab"));
        assert!(message("a", "b", "c", "d", &"x".repeat(5000)).len() <= 1000);
    }
}

//! Pre- and postconditions as checked against live objects ([`Check`]s, catalog words from
//! `actions::spec`). Pure: the caller reads the objects.

use super::object::{self, Readiness};
use super::report::Check;
use crate::actions::spec::{Postcondition, Precondition};
use crate::policy::input::OwnerInput;
use serde_json::Value;

fn check(name: &str, passed: bool, detail: impl Into<String>) -> Check {
    Check {
        name: name.to_owned(),
        passed,
        detail: detail.into(),
    }
}

/// `condition` on the live target (`None`: it does not exist). `shown` is the resourceVersion the operator
/// saw; `owner` the owner the policy decided on and `owner_live` that owner as read now (`None`: unreadable).
#[must_use]
pub fn pre(
    condition: Precondition,
    live: Option<&Value>,
    shown: Option<&str>,
    owner: Option<&OwnerInput>,
    owner_live: Option<&Value>,
) -> Check {
    let name = condition.as_str();
    let owner_suspended = owner_live.map(object::suspended);
    let Some(obj) = live else {
        return check(name, false, "the target does not exist");
    };
    match condition {
        Precondition::TargetExists => check(name, true, "found"),
        Precondition::TargetUnchanged => {
            let now = object::resource_version(obj).unwrap_or_default();
            match shown {
                Some(seen) if seen != now => check(
                    name,
                    false,
                    format!("changed since it was shown (resourceVersion {seen} → {now})"),
                ),
                _ => check(name, true, format!("resourceVersion {now}")),
            }
        }
        Precondition::OwnerAsDecided => match (owner, owner_suspended) {
            (None, _) => check(name, true, "no Flux owner"),
            (Some(o), Some(live)) if live == o.suspended => check(
                name,
                true,
                format!("{}/{}/{} suspended={live}", o.kind, o.namespace, o.name),
            ),
            (Some(o), Some(live)) => check(
                name,
                false,
                format!(
                    "{}/{}/{} is now suspended={live}, the policy decided on suspended={}",
                    o.kind, o.namespace, o.name, o.suspended
                ),
            ),
            (Some(o), None) => check(
                name,
                false,
                format!("{}/{}/{} cannot be read", o.kind, o.namespace, o.name),
            ),
        },
        Precondition::NotSuspended => {
            let s = object::suspended(obj);
            check(
                name,
                !s,
                if s {
                    "resource is suspended (resume it first)"
                } else {
                    "not suspended"
                },
            )
        }
        Precondition::Suspended => {
            let s = object::suspended(obj);
            check(name, s, if s { "suspended" } else { "not suspended" })
        }
        Precondition::NoRolloutInProgress => {
            let n = |p: &str| obj.pointer(p).and_then(Value::as_i64);
            let wanted = n("/spec/replicas").unwrap_or(1);
            let updated = n("/status/updatedReplicas").unwrap_or(0);
            let available = n("/status/availableReplicas").unwrap_or(0);
            let current = n("/status/observedGeneration") >= n("/metadata/generation");
            let done = current && updated >= wanted && available >= wanted;
            check(
                name,
                done,
                format!("{updated} updated, {available} available of {wanted}"),
            )
        }
        Precondition::ReleasePending => {
            let message = ready_message(obj);
            let pending = message.contains("another operation")
                || obj
                    .pointer("/status/history/0/status")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.starts_with("pending"));
            check(name, pending, message)
        }
        Precondition::ImmutableFieldFailure => immutable_failure(name, obj, owner, owner_live),
    }
}

/// The owner fails on an immutable-field change of THIS object: its Ready message says "immutable" and names
/// the target (`Kind/ns/name` as kustomize-controller writes it, or `Kind "name"` as the API server does).
fn immutable_failure(
    name: &str,
    target: &Value,
    owner: Option<&OwnerInput>,
    owner_live: Option<&Value>,
) -> Check {
    let Some(o) = owner else {
        return check(name, false, "no Flux owner applies this object");
    };
    let who = format!("{}/{}/{}", o.kind, o.namespace, o.name);
    let Some(live) = owner_live else {
        return check(name, false, format!("{who} cannot be read"));
    };
    let message = ready_message(live);
    let kind = target
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let obj_name = target
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let namespace = target
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let path = if namespace.is_empty() {
        format!("{kind}/{obj_name}")
    } else {
        format!("{kind}/{namespace}/{obj_name}")
    };
    let quoted = format!("\"{obj_name}\"");
    let names_it = message.contains(&path) || (message.contains(kind) && message.contains(&quoted));
    let passed = message.contains("immutable") && names_it;
    let short: String = message.trim().chars().take(240).collect();
    let detail = if passed {
        format!("{who}: {short}")
    } else if message.trim().is_empty() {
        format!("{who} reports no failure")
    } else {
        format!("{who} does not fail on an immutable field of {path}: {short}")
    };
    check(name, passed, detail)
}

fn ready_message(obj: &Value) -> String {
    obj.pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|c| {
            c.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
        })
        .and_then(|c| c.get("message").and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned()
}

/// `condition` on the object after the action (for a chain: every object's result in `chain`).
#[must_use]
pub fn post(condition: Postcondition, obj: &Value, chain: &[(String, Readiness)]) -> Check {
    let name = condition.as_str();
    match condition {
        Postcondition::FluxReady => match object::readiness(obj) {
            Readiness::Ready { .. } => check(
                name,
                true,
                format!(
                    "Ready at {}",
                    object::revision(obj).unwrap_or("(no revision)")
                ),
            ),
            Readiness::InProgress => check(name, false, "still reconciling"),
            Readiness::Failed { message } => check(name, false, message),
        },
        Postcondition::SourceArtifactUpdated => match object::revision(obj) {
            Some(rev) => check(name, true, format!("artifact {rev}")),
            None => check(name, false, "the source has no artifact"),
        },
        Postcondition::ChainReady => {
            let not_ready: Vec<&str> = chain
                .iter()
                .filter(|(_, r)| !matches!(r, Readiness::Ready { .. }))
                .map(|(o, _)| o.as_str())
                .collect();
            if not_ready.is_empty() {
                check(name, true, format!("{} objects Ready", chain.len()))
            } else {
                check(name, false, format!("not Ready: {}", not_ready.join(", ")))
            }
        }
        Postcondition::SuspendedState => {
            let s = object::suspended(obj);
            check(name, s, if s { "suspended" } else { "not suspended" })
        }
        other => check(
            other.as_str(),
            false,
            "not a postcondition of a direct Flux action",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn suspend_preconditions_read_the_live_object() {
        let suspended = json!({"spec": {"suspend": true}, "metadata": {"resourceVersion": "7"}});
        assert!(
            !pre(
                Precondition::NotSuspended,
                Some(&suspended),
                None,
                None,
                None
            )
            .passed
        );
        assert!(pre(Precondition::Suspended, Some(&suspended), None, None, None).passed);
        assert!(!pre(Precondition::TargetExists, None, None, None, None).passed);
        assert!(
            pre(
                Precondition::TargetUnchanged,
                Some(&suspended),
                Some("7"),
                None,
                None
            )
            .passed
        );
        assert!(
            !pre(
                Precondition::TargetUnchanged,
                Some(&suspended),
                Some("6"),
                None,
                None
            )
            .passed
        );
        let owner = OwnerInput {
            kind: "Kustomization".into(),
            namespace: "flux-system".into(),
            name: "apps".into(),
            suspended: false,
            interval: None,
        };
        let c = pre(
            Precondition::OwnerAsDecided,
            Some(&suspended),
            None,
            Some(&owner),
            Some(&json!({"spec": {"suspend": true}})),
        );
        assert!(!c.passed, "{c:?}");
    }

    fn failing(message: &str) -> Value {
        json!({"spec": {}, "status": {"conditions": [
            {"type": "Ready", "status": "False", "message": message}]}})
    }

    #[test]
    fn the_immutable_failure_is_read_on_the_owner_and_must_name_the_target() {
        let deploy =
            json!({"kind": "Deployment", "metadata": {"name": "podinfo", "namespace": "apps"}});
        let owner = OwnerInput {
            kind: "Kustomization".into(),
            namespace: "flux-system".into(),
            name: "apps".into(),
            suspended: false,
            interval: None,
        };
        let pre_with = |live: Option<&Value>, owner: Option<&OwnerInput>| {
            pre(
                Precondition::ImmutableFieldFailure,
                Some(&deploy),
                None,
                owner,
                live,
            )
        };
        let kustomize = failing(
            "Deployment/apps/podinfo dry-run failed (Invalid): Deployment.apps \"podinfo\" is invalid: \
             spec.selector: Invalid value: …: field is immutable",
        );
        let c = pre_with(Some(&kustomize), Some(&owner));
        assert!(c.passed, "{c:?}");
        assert!(
            c.detail
                .starts_with("Kustomization/flux-system/apps: Deployment/apps/podinfo"),
            "{c:?}"
        );
        // Helm's wording names the object by kind and quoted name.
        let helm = failing(
            "Helm upgrade failed: cannot patch \"podinfo\" with kind Deployment: Deployment.apps \"podinfo\" \
             is invalid: spec.selector: field is immutable",
        );
        assert!(pre_with(Some(&helm), Some(&owner)).passed);
        // Another object's immutable failure is not this one's.
        let other = failing("Deployment/apps/web dry-run failed (Invalid): …: field is immutable");
        let c = pre_with(Some(&other), Some(&owner));
        assert!(
            !c.passed
                && c.detail
                    .contains("does not fail on an immutable field of Deployment/apps/podinfo"),
            "{c:?}"
        );
        // No owner, an owner that cannot be read, an owner that is fine: each says so.
        assert!(
            pre_with(Some(&kustomize), None)
                .detail
                .contains("no Flux owner")
        );
        assert!(
            pre_with(None, Some(&owner))
                .detail
                .contains("cannot be read")
        );
        let fine =
            json!({"status": {"conditions": [{"type": "Ready", "status": "True", "message": ""}]}});
        assert!(
            pre_with(Some(&fine), Some(&owner))
                .detail
                .ends_with("reports no failure")
        );
    }
}

//! Reading the fields the simulated controllers need from a stored object (`serde_json::Value`): identity,
//! generation, annotations, spec durations and references, with Flux's defaults.

use crate::flux::duration::parse_go_duration;
use crate::flux::{FluxKind, ResourceRef};
use serde_json::Value;
use std::time::Duration;

/// `reconcile.fluxcd.io/requestedAt`.
pub const REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";
/// `reconcile.fluxcd.io/forceAt` (HelmRelease).
pub const FORCE_AT: &str = "reconcile.fluxcd.io/forceAt";
/// `reconcile.fluxcd.io/resetAt` (HelmRelease).
pub const RESET_AT: &str = "reconcile.fluxcd.io/resetAt";

/// The string at a JSON pointer, if non-empty.
#[must_use]
pub fn str_at<'a>(obj: &'a Value, pointer: &str) -> Option<&'a str> {
    obj.pointer(pointer)?.as_str().filter(|s| !s.is_empty())
}

#[must_use]
pub fn name(obj: &Value) -> &str {
    str_at(obj, "/metadata/name").unwrap_or_default()
}

#[must_use]
pub fn namespace(obj: &Value) -> &str {
    str_at(obj, "/metadata/namespace").unwrap_or_default()
}

/// `metadata.generation` (1 when missing).
#[must_use]
pub fn generation(obj: &Value) -> i64 {
    obj.pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

/// An annotation value.
#[must_use]
pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/annotations")?.get(key)?.as_str()
}

/// A label value.
#[must_use]
pub fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/labels")?.get(key)?.as_str()
}

/// The object's Flux identity.
#[must_use]
pub fn resource_ref(obj: &Value) -> Option<ResourceRef> {
    let kind = FluxKind::from_kind(str_at(obj, "/kind")?)?;
    Some(ResourceRef::new(kind, namespace(obj), name(obj)))
}

/// `spec.suspend: true`.
#[must_use]
pub fn suspended(obj: &Value) -> bool {
    obj.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true)
}

/// A Go duration at `pointer`, if present and valid.
#[must_use]
pub fn duration_at(obj: &Value, pointer: &str) -> Option<Duration> {
    str_at(obj, pointer).and_then(|s| parse_go_duration(s).ok())
}

/// `spec.interval`, with `fallback` when missing or invalid (the API requires it for most kinds).
#[must_use]
pub fn interval(obj: &Value, fallback: Duration) -> Duration {
    duration_at(obj, "/spec/interval")
        .filter(|d| !d.is_zero())
        .unwrap_or(fallback)
}

/// A cross-object reference (`sourceRef`, `chartRef`, `chart.spec.sourceRef`, `dependsOn[]`) resolved against
/// the referring object's namespace.
#[must_use]
pub fn reference(
    reference: &Value,
    default_kind: Option<FluxKind>,
    own_namespace: &str,
) -> Option<ResourceRef> {
    let kind = match reference.get("kind").and_then(Value::as_str) {
        Some(k) => FluxKind::from_kind(k)?,
        None => default_kind?,
    };
    let name = reference.get("name")?.as_str()?;
    let ns = reference
        .get("namespace")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(own_namespace);
    Some(ResourceRef::new(kind, ns, name))
}

/// The `status` object of `obj` as a map (empty when missing).
#[must_use]
pub fn status_map(obj: &Value) -> serde_json::Map<String, Value> {
    obj.get("status")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// `status.observedGeneration` (-1 when missing).
#[must_use]
pub fn observed_generation(obj: &Value) -> i64 {
    obj.pointer("/status/observedGeneration")
        .and_then(Value::as_i64)
        .unwrap_or(-1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_default_to_the_own_namespace() {
        let r = reference(
            &json!({"kind": "GitRepository", "name": "repo"}),
            None,
            "apps",
        )
        .unwrap();
        assert_eq!(r, ResourceRef::new(FluxKind::GitRepository, "apps", "repo"));
        let d = reference(
            &json!({"name": "infra", "namespace": "flux-system"}),
            Some(FluxKind::Kustomization),
            "apps",
        )
        .unwrap();
        assert_eq!(d.namespace, "flux-system");
        assert!(reference(&json!({"kind": "Secret", "name": "x"}), None, "a").is_none());
    }

    #[test]
    fn intervals_fall_back() {
        let obj = json!({"spec": {"interval": "5m"}});
        assert_eq!(
            interval(&obj, Duration::from_secs(1)),
            Duration::from_secs(300)
        );
        assert_eq!(
            interval(&json!({}), Duration::from_secs(1)),
            Duration::from_secs(1)
        );
    }
}

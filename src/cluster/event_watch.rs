//! The watch of core/v1 Events in the scope, keeping only those about Flux objects (`ClusterEvent::Event`).
//!
//! An event is kept when its `involvedObject.apiVersion` group ends with `.toolkit.fluxcd.io` and its kind is a
//! `FluxKind`. An event is sent when it is new or its resourceVersion changed (aggregation bumps `count`), also
//! across re-lists; `FluxEvent::uid` lets the app replace rather than duplicate an updated event. Events are
//! loaded and followed by the same [`Informer`] as the kinds (first list from the watch cache, resumed watches,
//! woken when the server answers again); a failing events watch never affects the object watches: it is logged
//! and retried with the same backoff as the kinds, and nothing already shown is withdrawn.

use super::backoff::CappedBackoff;
use super::failure::Failure;
use super::informer::{Informer, Step};
use super::kind_watch::Shared;
use super::liveness::Link;
use super::{ClusterEvent, Scope};
use crate::flux::{EventType, FluxEvent, FluxKind, ResourceRef};
use k8s_openapi::api::core::v1::Event;
use kube::Api;
use std::collections::HashMap;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The suffix of every Flux API group.
const FLUX_GROUP_SUFFIX: &str = ".toolkit.fluxcd.io";

fn api(client: kube::Client, scope: &Scope) -> Api<Event> {
    match scope {
        Scope::All => Api::all(client),
        Scope::Namespace(ns) => Api::namespaced(client, ns),
    }
}

/// Watches Events until cancelled or until the receiver is dropped.
pub(crate) async fn run(shared: Shared, cancel: CancellationToken) {
    let mut clients = shared.clients.clone();
    let mut link = shared.link.clone();
    let slot = clients.borrow_and_update().clone();
    let mut server = slot.server;
    let mut informer = Informer::new(
        api(slot.client, &shared.scope),
        Arc::clone(&shared.features),
        link.heartbeat(),
    );
    let mut errors = CappedBackoff::errors();
    let mut slow = CappedBackoff::forbidden();
    let mut credentials = CappedBackoff::credentials();
    // uid → resourceVersion of the Flux events sent (expired events are deleted by the API server).
    let mut sent: HashMap<String, String> = HashMap::new();
    loop {
        let step = tokio::select! {
            () = cancel.cancelled() => return,
            state = link.changed() => {
                if state.is_some_and(|s| matches!(s.link, Link::Down { .. })) {
                    informer.reconnect();
                }
                continue;
            }
            changed = clients.changed() => {
                if changed.is_err() {
                    return;
                }
                let slot = clients.borrow_and_update().clone();
                informer.replace_api(api(slot.client, &shared.scope), slot.server == server);
                server = slot.server;
                continue;
            }
            step = informer.next() => step,
        };
        let delay = match step {
            Ok(Step::Item(event) | Step::Apply(event)) => {
                errors.reset();
                slow.reset();
                credentials.reset();
                let Some(flux) = flux_event(&event) else {
                    continue;
                };
                // A re-list repeats every event: send only new or changed ones.
                let version = event.metadata.resource_version.clone().unwrap_or_default();
                if !version.is_empty() && sent.get(&flux.uid) == Some(&version) {
                    continue;
                }
                sent.insert(flux.uid.clone(), version);
                if shared
                    .tx
                    .send(ClusterEvent::Event(Arc::new(flux)))
                    .await
                    .is_err()
                {
                    return;
                }
                continue;
            }
            Ok(Step::Delete(event)) => {
                if let Some(flux) = flux_event(&event) {
                    sent.remove(&flux.uid);
                }
                continue;
            }
            Ok(Step::Init | Step::Listed | Step::Watching) => continue,
            Err(failure) => {
                tracing::warn!("events watch failed: {}", failure.words());
                match failure {
                    Failure::Forbidden(_) | Failure::NotFound => slow.next_delay(),
                    Failure::Unauthorized => credentials.next_delay(),
                    Failure::Throttled { retry_after } => {
                        errors.next_delay().max(retry_after.unwrap_or_default())
                    }
                    _ => errors.next_delay(),
                }
            }
        };
        let seen = link.current().wake;
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
            () = link.woken(seen) => {}
        }
    }
}

/// The Flux view of a core/v1 Event, if it is about a Flux object; credentials in its message masked.
#[must_use]
pub fn flux_event(event: &Event) -> Option<FluxEvent> {
    let involved = &event.involved_object;
    let (group, _version) = involved.api_version.as_deref()?.split_once('/')?;
    if !group.ends_with(FLUX_GROUP_SUFFIX) {
        return None;
    }
    let kind = FluxKind::from_kind(involved.kind.as_deref()?)?;
    if kind.group() != group {
        return None;
    }
    let namespace = involved
        .namespace
        .clone()
        .or_else(|| event.metadata.namespace.clone())
        .unwrap_or_default();
    let name = involved.name.clone().unwrap_or_default();
    let first_seen = event.first_timestamp.as_ref().map(|t| t.0.to_string());
    let last_seen = event
        .last_timestamp
        .as_ref()
        .map(|t| t.0.to_string())
        .or_else(|| event.event_time.as_ref().map(|t| t.0.to_string()))
        .or_else(|| first_seen.clone());
    let source = event
        .source
        .as_ref()
        .and_then(|s| s.component.clone())
        .or_else(|| event.reporting_component.clone())
        .unwrap_or_default();
    let mut flux = FluxEvent {
        involved: ResourceRef::new(kind, namespace, name),
        type_: if event.type_.as_deref() == Some("Warning") {
            EventType::Warning
        } else {
            EventType::Normal
        },
        reason: event.reason.clone().unwrap_or_default(),
        message: event.message.clone().unwrap_or_default(),
        last_seen,
        first_seen,
        count: event.count.unwrap_or(1),
        source,
        uid: format!(
            "{}/{}",
            event.metadata.namespace.as_deref().unwrap_or_default(),
            event.metadata.name.as_deref().unwrap_or_default()
        ),
    };
    crate::flux::redact::event(&mut flux);
    Some(flux)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(api_version: &str, kind: &str) -> Event {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "podinfo.17a", "namespace": "apps"},
            "involvedObject": {"apiVersion": api_version, "kind": kind, "name": "podinfo", "namespace": "apps"},
            "type": "Warning", "reason": "HealthCheckFailed", "message": "timeout",
            "firstTimestamp": "2026-11-24T03:00:00Z", "lastTimestamp": "2026-11-24T03:05:00Z", "count": 3,
            "source": {"component": "kustomize-controller"}
        }))
        .unwrap()
    }

    #[test]
    fn flux_events_are_mapped_with_their_object_and_severity() {
        let e = flux_event(&event("kustomize.toolkit.fluxcd.io/v1", "Kustomization")).unwrap();
        assert_eq!(
            e.involved,
            ResourceRef::new(FluxKind::Kustomization, "apps", "podinfo")
        );
        assert_eq!(e.type_, EventType::Warning);
        assert_eq!(e.count, 3);
        assert_eq!(e.last_seen.as_deref(), Some("2026-11-24T03:05:00Z"));
        assert_eq!(e.source, "kustomize-controller");
        assert_eq!(e.uid, "apps/podinfo.17a");
    }

    #[test]
    fn events_about_other_objects_are_dropped() {
        assert!(flux_event(&event("apps/v1", "Deployment")).is_none());
        assert!(flux_event(&event("v1", "Pod")).is_none());
        assert!(flux_event(&event("notification.toolkit.fluxcd.io/v1beta3", "Alert")).is_none());
        assert!(flux_event(&event("helm.toolkit.fluxcd.io/v2", "Kustomization")).is_none());
        assert!(flux_event(&event("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease")).is_some());
    }

    #[test]
    fn recorded_event_from_the_api_server_is_understood() {
        let base = env!("CARGO_MANIFEST_DIR");
        let Some(dir) = [
            format!("{base}/../shared/data/apiserver-v1.28"),
            format!("{base}/../../shared/data/apiserver-v1.28"),
        ]
        .into_iter()
        .find(|d| std::path::Path::new(d).is_dir()) else {
            panic!("shared data not found beside {base}");
        };
        let text = std::fs::read_to_string(format!("{dir}/event-create.body")).unwrap();
        let event: Event = serde_json::from_str(&text).unwrap();
        let mapped = flux_event(&event).unwrap();
        assert_eq!(
            mapped.involved,
            ResourceRef::new(FluxKind::Kustomization, "capture", "demo")
        );
        assert_eq!(mapped.reason, "ReconciliationSucceeded");
        assert_eq!(mapped.type_, EventType::Normal);
    }
}

//! The watch of core/v1 Events in the scope, keeping only those about Flux objects (`ClusterEvent::Event`).
//!
//! An event is kept when its `involvedObject.apiVersion` group ends with `.toolkit.fluxcd.io` and its kind is a
//! `FluxKind`. An event is sent when it is new or its resourceVersion changed (aggregation bumps `count`), also
//! across re-lists; `FluxEvent::uid` lets the app replace rather than duplicate an updated event. A failing events watch never affects the object watches: it is logged and resumed with the
//! same backoff as the kinds (`CappedBackoff`), and nothing already shown is withdrawn.

use super::backoff::CappedBackoff;
use super::kind_watch::{describe, watcher_config};
use super::{ClusterEvent, Scope};
use crate::flux::{EventType, FluxEvent, FluxKind, ResourceRef};
use futures::StreamExt;
use k8s_openapi::api::core::v1::Event;
use kube::Api;
use kube::runtime::watcher;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc::Sender;
use tokio_util::sync::CancellationToken;

/// The suffix of every Flux API group.
const FLUX_GROUP_SUFFIX: &str = ".toolkit.fluxcd.io";

/// Watches Events until cancelled or until the receiver is dropped.
pub(crate) async fn run(
    client: kube::Client,
    scope: Scope,
    tx: Sender<ClusterEvent>,
    cancel: CancellationToken,
) {
    let api: Api<Event> = match &scope {
        Scope::All => Api::all(client),
        Scope::Namespace(ns) => Api::namespaced(client, ns),
    };
    let mut errors = CappedBackoff::errors();
    let mut slow = CappedBackoff::forbidden();
    let mut stream = watcher::watcher(api.clone(), watcher_config()).boxed();
    // uid → resourceVersion of the Flux events sent (expired events are deleted by the API server).
    let mut sent: HashMap<String, String> = HashMap::new();
    loop {
        let next = tokio::select! {
            () = cancel.cancelled() => return,
            next = stream.next() => next,
        };
        let delay = match next {
            Some(Ok(watcher::Event::Apply(event) | watcher::Event::InitApply(event))) => {
                errors.reset();
                slow.reset();
                let Some(flux) = flux_event(&event) else {
                    continue;
                };
                // A re-list repeats every event: send only new or changed ones.
                let version = event.metadata.resource_version.clone().unwrap_or_default();
                if !version.is_empty() && sent.get(&flux.uid) == Some(&version) {
                    continue;
                }
                sent.insert(flux.uid.clone(), version);
                if tx.send(ClusterEvent::Event(Arc::new(flux))).await.is_err() {
                    return;
                }
                continue;
            }
            Some(Ok(watcher::Event::Delete(event))) => {
                if let Some(flux) = flux_event(&event) {
                    sent.remove(&flux.uid);
                }
                continue;
            }
            Some(Ok(_)) => continue,
            Some(Err(watcher::Error::WatchError(status))) if status.code == 410 => continue,
            Some(Err(err)) => {
                let forbidden = matches!(
                    &err,
                    watcher::Error::InitialListFailed(kube::Error::Api(s))
                    | watcher::Error::WatchStartFailed(kube::Error::Api(s)) if s.code == 403
                );
                tracing::warn!("events watch failed: {}", describe(&err));
                if forbidden {
                    slow.next_delay()
                } else {
                    errors.next_delay()
                }
            }
            None => {
                stream = watcher::watcher(api.clone(), watcher_config()).boxed();
                errors.next_delay()
            }
        };
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
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

//! Recording a plan's events through the store's event recorder, as the Flux controllers' recorders do:
//! `involvedObject` = the reconciled object, `source.component` = the controller's name.

use super::plan::Emit;
use crate::flux::FluxKind;
use crate::sim::store::{EventRecord, Store};
use serde_json::Value;

/// The controller that reconciles `kind`.
#[must_use]
pub fn component(kind: FluxKind) -> &'static str {
    match kind {
        FluxKind::Kustomization => "kustomize-controller",
        FluxKind::HelmRelease => "helm-controller",
        _ => "source-controller",
    }
}

/// Records `emit` about `obj`.
pub fn record(store: &Store, obj: &Value, kind: FluxKind, emit: &Emit) {
    let text = |p: &str| {
        obj.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let record = EventRecord {
        api_version: text("/apiVersion"),
        kind: kind.as_str().to_owned(),
        namespace: text("/metadata/namespace"),
        name: text("/metadata/name"),
        uid: obj
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .map(str::to_owned),
        type_: emit.type_.to_owned(),
        reason: emit.reason.clone(),
        message: emit.message.clone(),
        component: component(kind).to_owned(),
        annotations: emit.annotations.clone(),
    };
    if let Err(err) = store.record_event(&record) {
        tracing::warn!(%err, "simulated controller could not record an event");
    }
}

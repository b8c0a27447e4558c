//! What the simulated controllers print: controller-runtime's zap JSON lines as the Flux controllers write them
//! (`--log-encoding=json`, fluxcd/pkg `runtime/logger`: keys `level`, `ts` (ISO 8601, milliseconds), `msg`,
//! then the reconciler's values `controller`, `controllerGroup`, `controllerKind`, the object as
//! `{"name","namespace"}` under its Kind, `namespace`, `name`, `reconcileID`, then the call's own values
//! (`revision`, `output`) and last `error`), one per event a reconcile records, in the controllers' wording
//! (`Reconciliation failed after …, next try in …` with the error beside it, `server-side apply completed` with
//! the change set as `output`).
//!
//! [`Logbook`] writes them to the `manager` container of the controller's pods in `flux-system`, found by the
//! label `app=<controller>` as a real install labels them, each pod's log starting with the manager's start-up
//! lines. Lines printed while no pod runs yet wait (bounded) for the first one.

use super::plan::Emit;
use crate::flux::FluxKind;
use crate::flux::duration::format_go_duration;
use crate::sim::store::{Selector, Store};
use crate::sim::workloads::PodLogs;
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The namespace a Flux install runs in.
pub const FLUX_NAMESPACE: &str = "flux-system";
/// The container of every Flux controller pod.
pub const CONTAINER: &str = "manager";
/// Lines kept per controller while none of its pods runs.
const PENDING_MAX: usize = 512;

/// The Flux controllers a default install runs (`flux install`), each a Deployment in `flux-system`.
pub const CONTROLLERS: [&str; 4] = [
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
];

/// A JSON log level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

/// The reconciled object a line is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject<'a> {
    pub kind: FluxKind,
    pub namespace: &'a str,
    pub name: &'a str,
    /// One per reconcile (controller-runtime's `reconcileID`, a UUID).
    pub reconcile_id: &'a str,
}

/// `2024-11-13T17:02:59.892Z`: zapcore's ISO8601TimeEncoder in UTC.
#[must_use]
pub fn iso8601(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn push_field(out: &mut String, key: &str, value: &Value) {
    let _ = write!(
        out,
        ",{}:{}",
        Value::from(key),
        serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
    );
}

/// One JSON line (no newline) about `subject`; `values` in order, then `error`.
#[must_use]
pub fn line(
    at: Timestamp,
    level: Level,
    msg: &str,
    subject: &Subject<'_>,
    values: &[(&str, Value)],
    error: Option<&str>,
) -> String {
    let kind = subject.kind.as_str();
    let mut out = String::from("{");
    let _ = write!(
        out,
        "\"level\":\"{}\",\"ts\":\"{}\"",
        match level {
            Level::Info => "info",
            Level::Error => "error",
        },
        iso8601(at)
    );
    push_field(&mut out, "msg", &Value::from(msg));
    push_field(&mut out, "controller", &Value::from(kind.to_lowercase()));
    push_field(
        &mut out,
        "controllerGroup",
        &Value::from(subject.kind.group()),
    );
    push_field(&mut out, "controllerKind", &Value::from(kind));
    push_field(
        &mut out,
        kind,
        &serde_json::json!({"name": subject.name, "namespace": subject.namespace}),
    );
    push_field(&mut out, "namespace", &Value::from(subject.namespace));
    push_field(&mut out, "name", &Value::from(subject.name));
    push_field(&mut out, "reconcileID", &Value::from(subject.reconcile_id));
    for (k, v) in values {
        push_field(&mut out, k, v);
    }
    if let Some(e) = error {
        push_field(&mut out, "error", &Value::from(e));
    }
    out.push('}');
    out
}

/// The lines a manager prints when it starts: one per controller it runs.
#[must_use]
pub fn startup(controller: &str, at: Timestamp) -> Vec<String> {
    let ts = iso8601(at);
    let mut lines = vec![format!(
        "{{\"level\":\"info\",\"ts\":\"{ts}\",\"logger\":\"setup\",\"msg\":\"starting manager\"}}"
    )];
    for kind in kinds_of(controller) {
        let head = format!(
            "\"controller\":\"{}\",\"controllerGroup\":\"{}\",\"controllerKind\":\"{}\"",
            kind.as_str().to_lowercase(),
            kind.group(),
            kind.as_str()
        );
        lines.push(format!(
            "{{\"level\":\"info\",\"ts\":\"{ts}\",\"msg\":\"Starting Controller\",{head}}}"
        ));
        lines.push(format!(
            "{{\"level\":\"info\",\"ts\":\"{ts}\",\"msg\":\"Starting workers\",{head},\"worker count\":4}}"
        ));
    }
    lines
}

/// The Flux kinds `controller` reconciles (among those the simulator runs).
#[must_use]
pub fn kinds_of(controller: &str) -> Vec<FluxKind> {
    FluxKind::ALL
        .into_iter()
        .filter(|k| super::events::component(*k) == controller)
        .collect()
}

/// What a reconcile that took `took` prints for the event it recorded. `retry`: the object's retry interval
/// (a failed Kustomization's "next try in").
#[must_use]
pub fn for_event(
    at: Timestamp,
    subject: &Subject<'_>,
    emit: &Emit,
    took: Duration,
    retry: Duration,
) -> String {
    let revision = emit
        .annotations
        .iter()
        .find(|(k, _)| k.ends_with("/revision"))
        .map(|(_, v)| v.clone());
    let mut values: Vec<(&str, Value)> = Vec::new();
    let (level, msg, error) = match (subject.kind, emit.type_) {
        (FluxKind::Kustomization, "Warning") => (
            Level::Error,
            format!(
                "Reconciliation failed after {}, next try in {}",
                format_go_duration(took),
                format_go_duration(retry)
            ),
            Some(emit.message.as_str()),
        ),
        (FluxKind::Kustomization, _) if is_change_set(&emit.message) => {
            let output: serde_json::Map<String, Value> = emit
                .message
                .lines()
                .filter_map(|l| l.rsplit_once(' '))
                .map(|(obj, action)| (obj.to_owned(), Value::from(action)))
                .collect();
            values.push(("output", Value::Object(output)));
            (Level::Info, "server-side apply completed".to_owned(), None)
        }
        (_, "Warning") => (Level::Error, emit.message.clone(), None),
        _ => (Level::Info, emit.message.clone(), None),
    };
    if let Some(r) = revision {
        values.push(("revision", Value::from(r)));
    }
    // A source's failure is logged by controller-runtime with the error beside the message.
    let error = match (subject.kind, level, error) {
        (_, _, Some(e)) => Some(e.to_owned()),
        (k, Level::Error, None) if !k.is_applier() => Some(emit.message.clone()),
        _ => None,
    };
    let msg = if error.is_some() && !subject.kind.is_applier() {
        "Reconciler error".to_owned()
    } else {
        msg
    };
    line(at, level, &msg, subject, &values, error.as_deref())
}

/// Whether an event message is kustomize-controller's change set (`Kind/ns/name action` per line).
fn is_change_set(message: &str) -> bool {
    message.lines().all(|l| {
        l.rsplit_once(' ').is_some_and(|(obj, action)| {
            obj.contains('/')
                && !obj.contains(' ')
                && matches!(
                    action,
                    "created" | "configured" | "deleted" | "unchanged" | "skipped"
                )
        })
    }) && !message.is_empty()
}

/// Lines waiting for a controller's first pod, per controller: (when printed, line).
type Pending = HashMap<String, VecDeque<(Timestamp, String)>>;

/// Writes controller lines to the controllers' pods (cheap to clone).
#[derive(Debug, Clone)]
pub struct Logbook {
    store: Store,
    logs: PodLogs,
    pending: Arc<Mutex<Pending>>,
}

impl Logbook {
    #[must_use]
    pub fn new(store: Store, logs: PodLogs) -> Self {
        Self {
            store,
            logs,
            pending: Arc::default(),
        }
    }

    /// Prints `line` in every pod of `controller` (the pods `app=<controller>` in `flux-system`).
    pub fn write(&self, controller: &str, at: Timestamp, line: &str) {
        let pods = self.store.list(
            &crate::sim::GroupResource::new("", "pods"),
            Some(FLUX_NAMESPACE),
            &Selector::with_labels(&[("app", controller)]),
        );
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if pods.items.is_empty() {
            let queue = pending.entry(controller.to_owned()).or_default();
            queue.push_back((at, line.to_owned()));
            while queue.len() > PENDING_MAX {
                queue.pop_front();
            }
            return;
        }
        let waiting = pending.remove(controller).unwrap_or_default();
        for pod in &pods.items {
            let name = pod
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !self.logs.exists(FLUX_NAMESPACE, name, CONTAINER) {
                let started = waiting.front().map_or(at, |(t, _)| *t);
                for l in startup(controller, started) {
                    self.append(name, started, &l);
                }
                for (t, l) in &waiting {
                    self.append(name, *t, l);
                }
            }
            self.append(name, at, line);
        }
    }

    fn append(&self, pod: &str, at: Timestamp, line: &str) {
        self.logs
            .append_at(FLUX_NAMESPACE, pod, CONTAINER, at, &format!("{line}\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> Subject<'static> {
        Subject {
            kind: FluxKind::Kustomization,
            namespace: "flux-system",
            name: "apps",
            reconcile_id: "05c2cd5b-c0a3-4246-8b1b-7b2a95501d5f",
        }
    }

    #[test]
    fn a_failed_kustomization_is_logged_like_kustomize_controller() {
        let at: Timestamp = "2024-12-14T15:33:18.180Z".parse().unwrap();
        let emit = Emit::warning("ReconciliationFailed", "kustomization path not found")
            .with("kustomize.toolkit.fluxcd.io/revision", "main@sha1:f45da305");
        let got = for_event(
            at,
            &subject(),
            &emit,
            Duration::from_millis(1161),
            Duration::from_secs(600),
        );
        assert_eq!(
            got,
            r#"{"level":"error","ts":"2024-12-14T15:33:18.180Z","msg":"Reconciliation failed after 1.161s, next try in 10m0s","controller":"kustomization","controllerGroup":"kustomize.toolkit.fluxcd.io","controllerKind":"Kustomization","Kustomization":{"name":"apps","namespace":"flux-system"},"namespace":"flux-system","name":"apps","reconcileID":"05c2cd5b-c0a3-4246-8b1b-7b2a95501d5f","revision":"main@sha1:f45da305","error":"kustomization path not found"}"#
        );
    }

    #[test]
    fn a_change_set_becomes_the_output_of_server_side_apply_completed() {
        let at: Timestamp = "2024-12-14T15:33:18Z".parse().unwrap();
        let emit = Emit::normal(
            "Progressing",
            "Deployment/apps/podinfo configured\nService/apps/podinfo created",
        );
        let got = for_event(at, &subject(), &emit, Duration::ZERO, Duration::ZERO);
        let v: Value = serde_json::from_str(&got).unwrap();
        assert_eq!(v["msg"], "server-side apply completed");
        assert_eq!(v["output"]["Deployment/apps/podinfo"], "configured");
        assert_eq!(v["ts"], "2024-12-14T15:33:18.000Z");
        assert!(v.get("error").is_none());
    }
}

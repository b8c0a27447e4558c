//! Controllers that misbehave on purpose (scenario `stopAfter` / `stuckAfter`): an object the controller stops
//! reconciling (overdue), and a reconcile that starts and never ends (stuck: `Reconciling=True` and
//! `Ready=Unknown "Reconciliation in progress"` forever, `lastHandledReconcileAt` never updated). The texts are
//! the controllers' own progressing messages (FLUX.md §5).

use super::conditions::{self, CondStatus};
use super::input::PlanInput;
use super::plan::{Plan, Step};
use super::{kustomize, object};
use crate::flux::FluxKind;
use crate::flux::duration::format_go_duration;
use serde_json::json;
use std::time::Duration;

/// The status a hung reconcile leaves: it started (Reconciling, Ready Unknown) and nothing more happens.
#[must_use]
pub fn hung(input: &PlanInput<'_>) -> Plan {
    let obj = input.obj;
    let generation = object::generation(obj);
    let mut status = object::status_map(obj);
    let now = input.timeline.now();
    let message = match input.kind {
        FluxKind::Kustomization => {
            let interval = object::interval(obj, Duration::from_secs(600));
            let timeout = format_go_duration(kustomize::timeout(obj, interval));
            let revision = source_revision(input).unwrap_or_default();
            if !revision.is_empty() {
                status.insert("lastAttemptedRevision".to_owned(), json!(revision));
            }
            format!("Fetching manifests for revision {revision} with a timeout of {timeout}")
        }
        FluxKind::HelmRelease => "Fulfilling prerequisites".to_owned(),
        _ => "building artifact".to_owned(),
    };
    for (type_, cond, reason, text) in [
        (
            "Reconciling",
            CondStatus::True,
            "Progressing",
            message.as_str(),
        ),
        (
            "Ready",
            CondStatus::Unknown,
            "Progressing",
            "Reconciliation in progress",
        ),
    ] {
        conditions::set(&mut status, type_, cond, reason, text, generation, &now);
    }
    Plan {
        steps: vec![Step {
            after: Duration::ZERO,
            status,
            events: Vec::new(),
        }],
        creates: Vec::new(),
        applies: Vec::new(),
        requeue: None,
        attempted: false,
        health_wait: None,
    }
}

fn source_revision(input: &PlanInput<'_>) -> Option<String> {
    let obj = input.obj;
    let source = obj
        .pointer("/spec/sourceRef")
        .and_then(|r| object::reference(r, None, object::namespace(obj)))?;
    let src = input.view.get(&source)?;
    object::str_at(&src, "/status/artifact/revision").map(str::to_owned)
}

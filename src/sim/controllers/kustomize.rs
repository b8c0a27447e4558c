//! The simulated kustomize-controller: source resolution (`Source artifact not found, retrying in 30s`),
//! dependency waiting (`DependencyNotReady`), the Reconciling lifecycle messages (fetching, building, drift
//! detection, health checks), apply results with inventory and `status.history`, and the real events
//! (`Reconciliation finished in 1.2s, next run in 10m0s`, change sets, raw errors as Warnings).

use super::conditions::{self, CondStatus};
use super::dependency::{self, REQUEUE_DEPENDENCY};
use super::health;
use super::history::record_history;
use super::input::{PlanInput, jittered};
use super::plan::{Applied, Emit, HealthWait, Plan, Step};
use super::view::not_found_text;
use super::{apply, inventory, object, revision};
use crate::flux::duration::format_go_duration;
use crate::sim::scenario::InventoryItem;
use serde_json::{Map, Value, json};
use std::time::Duration;

const DEFAULT_INTERVAL: Duration = Duration::from_secs(600);
const REVISION_KEY: &str = "kustomize.toolkit.fluxcd.io/revision";

/// `spec.timeout`, else `interval − 30s` with a floor of 30s (GetTimeout).
#[must_use]
pub fn timeout(obj: &Value, interval: Duration) -> Duration {
    object::duration_at(obj, "/spec/timeout").unwrap_or_else(|| {
        interval
            .saturating_sub(Duration::from_secs(30))
            .max(Duration::from_secs(30))
    })
}

/// finalizeStatus: lastHandledReconcileAt, Reconciling removal / ProgressingWithRetry, observedGeneration.
fn finalize(obj: &Value, status: &mut Map<String, Value>, generation: i64) {
    if let Some(v) = object::annotation(obj, object::REQUESTED_AT) {
        status.insert("lastHandledReconcileAt".to_owned(), json!(v));
    }
    let view = json!({ "status": Value::Object(status.clone()) });
    let ready = conditions::get(&view, "Ready").and_then(|c| c.get("status")?.as_str());
    match ready {
        Some("True") => {
            conditions::remove(status, "Reconciling");
            status.insert("observedGeneration".to_owned(), json!(generation));
        }
        Some("False") => {
            if let Some(rec) = conditions::get(&view, "Reconciling") {
                let text = |k: &str| {
                    rec.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                let (message, at) = (text("message"), text("lastTransitionTime"));
                let reason = "ProgressingWithRetry";
                conditions::set(
                    status,
                    "Reconciling",
                    CondStatus::True,
                    reason,
                    &message,
                    generation,
                    &at,
                );
            }
        }
        _ => {}
    }
}

/// The values one reconcile works with.
struct Run<'a> {
    input: &'a PlanInput<'a>,
    obj: &'a Value,
    generation: i64,
    interval: Duration,
    retry: Duration,
    timeout: Duration,
    status: Map<String, Value>,
    /// The server's answer to the dry-run of the manifests, when it refused them.
    apply_error: Option<String>,
}

impl Run<'_> {
    /// A reconcile that stops before applying: Ready=False, finalized, requeued.
    fn stop(mut self, reason: &str, message: &str, events: Vec<Emit>, requeue: Duration) -> Plan {
        let now = self.input.timeline.now();
        conditions::set(
            &mut self.status,
            "Ready",
            CondStatus::False,
            reason,
            message,
            self.generation,
            &now,
        );
        finalize(self.obj, &mut self.status, self.generation);
        Plan {
            steps: vec![Step {
                after: Duration::ZERO,
                status: self.status,
                events,
            }],
            creates: Vec::new(),
            applies: Vec::new(),
            requeue: Some(requeue),
            attempted: false,
            health_wait: None,
        }
    }

    fn progress(&mut self, message: &str, at: Duration) {
        let now = self.input.timeline.at(at);
        conditions::set(
            &mut self.status,
            "Reconciling",
            CondStatus::True,
            "Progressing",
            message,
            self.generation,
            &now,
        );
    }

    fn snapshot(&self, after: Duration, events: Vec<Emit>) -> Step {
        Step {
            after,
            status: self.status.clone(),
            events,
        }
    }
}

/// Plans one Kustomization reconcile.
#[must_use]
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let obj = input.obj;
    let interval = object::interval(obj, DEFAULT_INTERVAL);
    let run = Run {
        input,
        obj,
        generation: object::generation(obj),
        interval,
        retry: object::duration_at(obj, "/spec/retryInterval").unwrap_or(interval),
        timeout: timeout(obj, interval),
        status: object::status_map(obj),
        apply_error: None,
    };
    let source = obj
        .pointer("/spec/sourceRef")
        .and_then(|r| object::reference(r, None, object::namespace(obj)));
    let Some(source) = source else {
        let msg = "spec.sourceRef is invalid";
        let retry = run.retry;
        return run.stop(
            "ArtifactFailed",
            msg,
            vec![Emit::warning("ArtifactFailed", msg)],
            retry,
        );
    };
    let Some(src) = input.view.get(&source) else {
        let retry = run.retry;
        return run.stop(
            "ArtifactFailed",
            &not_found_text(source.kind, &source.name),
            Vec::new(),
            retry,
        );
    };
    let Some(rev) = object::str_at(&src, "/status/artifact/revision").map(str::to_owned) else {
        let msg = format!(
            "Source artifact not found, retrying in {}",
            format_go_duration(REQUEUE_DEPENDENCY)
        );
        return run.stop("ArtifactFailed", &msg, Vec::new(), REQUEUE_DEPENDENCY);
    };
    let requested = object::annotation(obj, object::REQUESTED_AT);
    if let Some(wait) = input.health_wait.filter(|w| {
        w.revision == rev && w.generation == run.generation && w.requested.as_deref() == requested
    }) {
        return continue_health(run, wait, &rev);
    }
    if let Err(msg) = dependency::check_kustomization(obj, &rev, &input.view) {
        let text = format!(
            "Dependencies do not meet ready condition, retrying in {}",
            format_go_duration(REQUEUE_DEPENDENCY)
        );
        let event = Emit::normal("DependencyNotReady", text).with(REVISION_KEY, &rev);
        return run.stop("DependencyNotReady", &msg, vec![event], REQUEUE_DEPENDENCY);
    }
    apply(run, &rev)
}

/// The change-set event of this apply: everything `created` the first time, a stable subset `configured`
/// for a new revision, nothing when unchanged (kustomize-controller filters unchanged objects).
fn change_set(obj: &Value, inv: &Value, rev: &str) -> Option<Emit> {
    let previous = object::str_at(obj, "/status/lastAppliedRevision");
    let lines = if previous.is_none() {
        inventory::change_set(inv, "created")
    } else if previous != Some(rev) {
        inventory::change_set_filtered(inv, "configured", |id| {
            revision::number(&format!("{rev}#{id}"), 3) == 0
        })
    } else if obj.pointer("/status/inventory") != Some(inv) {
        inventory::change_set(inv, "configured")
    } else {
        String::new()
    };
    (!lines.is_empty()).then(|| Emit::normal("Progressing", lines).with(REVISION_KEY, rev))
}

fn apply(mut run: Run<'_>, rev: &str) -> Plan {
    let (obj, input) = (run.obj, run.input);
    let d = input.reconcile_duration();
    let t = format_go_duration(run.timeout);
    let health = obj.pointer("/spec/wait").and_then(Value::as_bool) == Some(true)
        || obj
            .pointer("/spec/healthChecks")
            .and_then(Value::as_array)
            .is_some_and(|h| !h.is_empty());
    run.status
        .insert("lastAttemptedRevision".to_owned(), json!(rev));
    let now = input.timeline.now();
    conditions::set(
        &mut run.status,
        "Ready",
        CondStatus::Unknown,
        "Progressing",
        "Reconciliation in progress",
        run.generation,
        &now,
    );
    run.progress(
        &format!("Fetching manifests for revision {rev} with a timeout of {t}"),
        Duration::ZERO,
    );
    let mut steps = vec![run.snapshot(Duration::ZERO, Vec::new())];
    let (fetch, build, apply_time) = (d / 10, d / 10, d / 5);
    run.progress(
        &format!("Building manifests for revision {rev} with a timeout of {t}"),
        fetch,
    );
    steps.push(run.snapshot(fetch, Vec::new()));
    run.progress(
        &format!("Detecting drift for revision {rev} with a timeout of {t}"),
        fetch + build,
    );
    steps.push(run.snapshot(build, Vec::new()));

    let children = object::resource_ref(obj)
        .map(|r| input.view.children(&r))
        .unwrap_or_default();
    let manifests = apply::desired(obj, &input.behaviour.manifests, input.attempts);
    let checked = apply::check(input.view.store, &manifests);
    let inv = inventory::kustomization(obj, &children, &items(input, &manifests));
    run.apply_error = checked.error;
    let applies = checked
        .apply
        .into_iter()
        .map(|(object, _)| Applied {
            manager: apply::MANAGER,
            object,
        })
        .collect();
    let fails = run.apply_error.is_some() || input.fails();
    let change = if fails {
        None
    } else {
        change_set(obj, &inv, rev)
    };
    let mut events = Vec::new();
    let last = if health {
        let msg = format!("Running health checks for revision {rev} with a timeout of {t}");
        let at = fetch + build + apply_time;
        run.progress(&msg, at);
        let now = input.timeline.at(at);
        conditions::set(
            &mut run.status,
            "Healthy",
            CondStatus::Unknown,
            "Progressing",
            &msg,
            run.generation,
            &now,
        );
        steps.push(run.snapshot(apply_time, change.into_iter().collect()));
        d.saturating_sub(at)
    } else {
        events.extend(change);
        d.saturating_sub(fetch + build)
    };
    if health && !fails {
        let targets = health::targets(obj, &input.view);
        if !health::unhealthy(&targets, &input.view).is_empty() {
            // Not healthy yet: keep waiting (the next wake-ups continue this reconcile).
            let wait = HealthWait {
                revision: rev.to_owned(),
                generation: run.generation,
                reconcile_started: input.elapsed,
                health_started: input.elapsed + (d - last),
                requested: object::annotation(obj, object::REQUESTED_AT).map(str::to_owned),
            };
            return Plan {
                steps,
                creates: Vec::new(),
                applies,
                requeue: Some(last),
                attempted: true,
                health_wait: Some(wait),
            };
        }
    }
    let digest = digest_of(obj, rev, &inv);
    let me = object::resource_ref(obj)
        .map(|r| r.to_string())
        .unwrap_or_default();
    let end = input.timeline.at(d);
    let (requeue, outcome_events) = if fails {
        (run.retry, failed(&mut run, rev, &digest, &end, d))
    } else {
        let requeue = jittered(run.interval, &format!("{me}#{}", input.attempts));
        (
            requeue,
            succeeded(&mut run, rev, inv, &digest, &end, d, health.then_some(last)),
        )
    };
    events.extend(outcome_events);
    finalize(obj, &mut run.status, run.generation);
    steps.push(Step {
        after: last,
        status: run.status,
        events,
    });
    Plan {
        steps,
        creates: Vec::new(),
        applies,
        requeue: Some(requeue),
        attempted: true,
        health_wait: None,
    }
}

/// The digest of the "built manifests" (stable per object, revision and inventory).
fn digest_of(obj: &Value, rev: &str, inv: &Value) -> String {
    let me = object::resource_ref(obj)
        .map(|r| r.to_string())
        .unwrap_or_default();
    revision::sha256_digest(&format!("{me}#{rev}#{inv}"))
}

/// A reconcile waiting for its health checks, woken again: finish when everything is healthy, fail with
/// `HealthCheckFailed` at the timeout, else keep waiting.
fn continue_health(mut run: Run<'_>, wait: &HealthWait, rev: &str) -> Plan {
    let (obj, input) = (run.obj, run.input);
    let waited = input.elapsed.saturating_sub(wait.health_started);
    let total = input.elapsed.saturating_sub(wait.reconcile_started);
    let targets = health::targets(obj, &input.view);
    let unhealthy = health::unhealthy(&targets, &input.view);
    if !unhealthy.is_empty() && waited < run.timeout {
        return Plan {
            steps: Vec::new(),
            creates: Vec::new(),
            applies: Vec::new(),
            requeue: Some(health::POLL.min(run.timeout - waited)),
            attempted: false,
            health_wait: Some(wait.clone()),
        };
    }
    let children = object::resource_ref(obj)
        .map(|r| input.view.children(&r))
        .unwrap_or_default();
    let manifests = apply::desired(
        obj,
        &input.behaviour.manifests,
        input.attempts.saturating_sub(1),
    );
    let inv = inventory::kustomization(obj, &children, &items(input, &manifests));
    let digest = digest_of(obj, rev, &inv);
    let end = input.timeline.now();
    let (events, requeue) = if unhealthy.is_empty() {
        let requeue = jittered(run.interval, &format!("{digest}#{}", input.attempts));
        (
            succeeded(&mut run, rev, inv, &digest, &end, total, Some(waited)),
            requeue,
        )
    } else {
        let message = health::timeout_message(waited, &unhealthy);
        let (generation, reason) = (run.generation, "HealthCheckFailed");
        conditions::set(
            &mut run.status,
            "Ready",
            CondStatus::False,
            reason,
            &message,
            generation,
            &end,
        );
        conditions::set(
            &mut run.status,
            "Healthy",
            CondStatus::False,
            reason,
            &message,
            generation,
            &end,
        );
        record_history(&mut run.status, &digest, rev, reason, &end, total);
        (
            vec![Emit::warning(reason, message).with(REVISION_KEY, rev)],
            run.retry,
        )
    };
    finalize(obj, &mut run.status, run.generation);
    Plan {
        steps: vec![Step {
            after: Duration::ZERO,
            status: run.status,
            events,
        }],
        creates: Vec::new(),
        applies: Vec::new(),
        requeue: Some(requeue),
        attempted: false,
        health_wait: None,
    }
}

/// The scenario's inventory items plus the objects the Kustomization applies.
fn items(input: &PlanInput<'_>, manifests: &[Value]) -> Vec<InventoryItem> {
    let mut items = input.behaviour.inventory.clone();
    items.extend(apply::inventory_items(manifests));
    items
}

/// A failed apply (the server's dry-run error) or the injected failure: Ready=False with the raw error, a
/// Warning event carrying it.
fn failed(run: &mut Run<'_>, rev: &str, digest: &str, end: &str, took: Duration) -> Vec<Emit> {
    let plan = run.input.behaviour.failure.as_ref();
    let (reason, message) = match run.apply_error.clone() {
        Some(message) => ("ReconciliationFailed".to_owned(), message),
        None => (
            plan.and_then(|f| f.reason.clone())
                .unwrap_or_else(|| "ReconciliationFailed".to_owned()),
            plan.map(|f| f.message.clone()).unwrap_or_default(),
        ),
    };
    let generation = run.generation;
    conditions::set(
        &mut run.status,
        "Ready",
        CondStatus::False,
        &reason,
        &message,
        generation,
        end,
    );
    if reason == "HealthCheckFailed" {
        conditions::set(
            &mut run.status,
            "Healthy",
            CondStatus::False,
            &reason,
            &message,
            generation,
            end,
        );
    }
    if matches!(
        reason.as_str(),
        "ReconciliationFailed" | "PruneFailed" | "HealthCheckFailed"
    ) {
        record_history(&mut run.status, digest, rev, &reason, end, took);
    }
    vec![Emit::warning(&reason, message).with(REVISION_KEY, rev)]
}

/// A successful apply: Ready=True `Applied revision: <rev>`, inventory, history, the success events.
fn succeeded(
    run: &mut Run<'_>,
    rev: &str,
    inv: Value,
    digest: &str,
    end: &str,
    took: Duration,
    health_time: Option<Duration>,
) -> Vec<Emit> {
    let generation = run.generation;
    let status = &mut run.status;
    status.insert("lastAppliedRevision".to_owned(), json!(rev));
    status.insert("inventory".to_owned(), inv);
    let applied = format!("Applied revision: {rev}");
    conditions::set(
        status,
        "Ready",
        CondStatus::True,
        "ReconciliationSucceeded",
        &applied,
        generation,
        end,
    );
    let mut events = Vec::new();
    match health_time {
        Some(h) => {
            let msg = format!("Health check passed in {}", format_go_duration(h));
            conditions::set(
                status,
                "Healthy",
                CondStatus::True,
                "Succeeded",
                &msg,
                generation,
                end,
            );
            events.push(Emit::normal("Progressing", msg).with(REVISION_KEY, rev));
        }
        None => conditions::remove(status, "Healthy"),
    }
    record_history(status, digest, rev, "ReconciliationSucceeded", end, took);
    let finished = format!(
        "Reconciliation finished in {}, next run in {}",
        format_go_duration(took),
        format_go_duration(run.interval)
    );
    events.push(
        Emit::normal("ReconciliationSucceeded", finished)
            .with(REVISION_KEY, rev)
            .with("kustomize.toolkit.fluxcd.io/commit_status", "update"),
    );
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_defaults_to_interval_minus_30s_with_a_floor() {
        let obj = json!({});
        assert_eq!(
            timeout(&obj, Duration::from_secs(600)),
            Duration::from_secs(570)
        );
        assert_eq!(
            timeout(&obj, Duration::from_secs(40)),
            Duration::from_secs(30)
        );
        let set = json!({"spec": {"timeout": "2m"}});
        assert_eq!(
            timeout(&set, Duration::from_secs(600)),
            Duration::from_secs(120)
        );
    }
}

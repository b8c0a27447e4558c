//! The simulated kustomize-controller: source resolution (`Source artifact not found, retrying in 30s`),
//! dependency waiting (`DependencyNotReady`), the Reconciling lifecycle messages (fetching, building, drift
//! detection, health checks), apply results with inventory, `status.history` (meta.History, max 5) and the
//! real events (`Reconciliation finished in 1.2s, next run in 10m0s`, change sets, raw errors as Warnings).

use super::conditions::{self, CondStatus};
use super::dependency::{self, REQUEUE_DEPENDENCY};
use super::duration::format_go_duration;
use super::input::{PlanInput, jittered};
use super::plan::{Emit, Plan, Step};
use super::view::not_found_text;
use super::{inventory, object, revision};
use serde_json::{Map, Value, json};
use std::time::Duration;

const DEFAULT_INTERVAL: Duration = Duration::from_secs(600);
const REVISION_KEY: &str = "kustomize.toolkit.fluxcd.io/revision";
const HISTORY_MAX: usize = 5;

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
                let message = rec
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let at = rec
                    .get("lastTransitionTime")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                conditions::set(
                    status,
                    "Reconciling",
                    CondStatus::True,
                    "ProgressingWithRetry",
                    &message,
                    generation,
                    &at,
                );
            }
        }
        _ => {}
    }
}

/// Adds a run to `status.history` (dedup by digest + status, most recent first, at most 5).
pub fn record_history(
    status: &mut Map<String, Value>,
    digest: &str,
    revision: &str,
    outcome: &str,
    now: &str,
    took: Duration,
) {
    let mut history = match status.remove("history") {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let same = history.iter().position(|h| {
        h.get("digest").and_then(Value::as_str) == Some(digest)
            && h.get("lastReconciledStatus").and_then(Value::as_str) == Some(outcome)
    });
    let entry = match same {
        Some(i) => {
            let mut h = history.remove(i);
            let total = h
                .get("totalReconciliations")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            h["totalReconciliations"] = json!(total + 1);
            h["lastReconciled"] = json!(now);
            h["lastReconciledDuration"] = json!(format_go_duration(took));
            h
        }
        None => json!({
            "digest": digest,
            "firstReconciled": now,
            "lastReconciled": now,
            "lastReconciledDuration": format_go_duration(took),
            "lastReconciledStatus": outcome,
            "totalReconciliations": 1,
            "metadata": { "revision": revision },
        }),
    };
    history.insert(0, entry);
    history.truncate(HISTORY_MAX);
    status.insert("history".to_owned(), Value::Array(history));
}

fn blocked(
    obj: &Value,
    mut status: Map<String, Value>,
    reason: &str,
    message: &str,
    input: &PlanInput<'_>,
    events: Vec<Emit>,
    requeue: Duration,
) -> Plan {
    let generation = object::generation(obj);
    conditions::set(
        &mut status,
        "Ready",
        CondStatus::False,
        reason,
        message,
        generation,
        &input.timeline.now(),
    );
    finalize(obj, &mut status, generation);
    Plan {
        steps: vec![Step {
            after: Duration::ZERO,
            status,
            events,
        }],
        creates: Vec::new(),
        requeue: Some(requeue),
        attempted: false,
    }
}

/// Plans one Kustomization reconcile.
#[must_use]
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let obj = input.obj;
    let generation = object::generation(obj);
    let interval = object::interval(obj, DEFAULT_INTERVAL);
    let retry = object::duration_at(obj, "/spec/retryInterval").unwrap_or(interval);
    let timeout = timeout(obj, interval);
    let status = object::status_map(obj);
    let me = object::resource_ref(obj);
    let source = obj
        .pointer("/spec/sourceRef")
        .and_then(|r| object::reference(r, None, object::namespace(obj)));
    let Some(source) = source else {
        let msg = "spec.sourceRef is invalid";
        return blocked(
            obj,
            status,
            "ArtifactFailed",
            msg,
            input,
            vec![Emit::warning("ArtifactFailed", msg)],
            retry,
        );
    };
    let Some(src) = input.view.get(&source) else {
        let msg = not_found_text(source.kind, &source.name);
        return blocked(
            obj,
            status,
            "ArtifactFailed",
            &msg,
            input,
            Vec::new(),
            retry,
        );
    };
    let Some(rev) = object::str_at(&src, "/status/artifact/revision").map(str::to_owned) else {
        let msg = format!(
            "Source artifact not found, retrying in {}",
            format_go_duration(REQUEUE_DEPENDENCY)
        );
        return blocked(
            obj,
            status,
            "ArtifactFailed",
            &msg,
            input,
            Vec::new(),
            REQUEUE_DEPENDENCY,
        );
    };
    if let Err(msg) = dependency::check_kustomization(obj, &rev, &input.view) {
        let event = Emit::normal(
            "DependencyNotReady",
            format!(
                "Dependencies do not meet ready condition, retrying in {}",
                format_go_duration(REQUEUE_DEPENDENCY)
            ),
        )
        .with(REVISION_KEY, &rev);
        return blocked(
            obj,
            status,
            "DependencyNotReady",
            &msg,
            input,
            vec![event],
            REQUEUE_DEPENDENCY,
        );
    }
    apply(
        input,
        status,
        &rev,
        generation,
        interval,
        retry,
        timeout,
        me.map(|r| r.to_string()).unwrap_or_default(),
    )
}

#[allow(
    clippy::too_many_arguments,
    reason = "one call site; the values are computed once in `plan`"
)]
fn apply(
    input: &PlanInput<'_>,
    mut status: Map<String, Value>,
    rev: &str,
    generation: i64,
    interval: Duration,
    retry: Duration,
    timeout: Duration,
    me: String,
) -> Plan {
    let obj = input.obj;
    let tl = input.timeline;
    let d = input.reconcile_duration();
    let t = format_go_duration(timeout);
    let health = obj.pointer("/spec/wait").and_then(Value::as_bool) == Some(true)
        || obj
            .pointer("/spec/healthChecks")
            .and_then(Value::as_array)
            .is_some_and(|h| !h.is_empty());
    let mut steps = Vec::new();
    let phase = |status: &mut Map<String, Value>, msg: String, at: Duration| {
        conditions::set(
            status,
            "Reconciling",
            CondStatus::True,
            "Progressing",
            &msg,
            generation,
            &tl.at(at),
        );
        msg
    };
    status.insert("lastAttemptedRevision".to_owned(), json!(rev));
    conditions::set(
        &mut status,
        "Ready",
        CondStatus::Unknown,
        "Progressing",
        "Reconciliation in progress",
        generation,
        &tl.now(),
    );
    phase(
        &mut status,
        format!("Fetching manifests for revision {rev} with a timeout of {t}"),
        Duration::ZERO,
    );
    steps.push(Step {
        after: Duration::ZERO,
        status: status.clone(),
        events: Vec::new(),
    });
    let (fetch, build) = (d / 10, d / 10);
    phase(
        &mut status,
        format!("Building manifests for revision {rev} with a timeout of {t}"),
        fetch,
    );
    steps.push(Step {
        after: fetch,
        status: status.clone(),
        events: Vec::new(),
    });
    phase(
        &mut status,
        format!("Detecting drift for revision {rev} with a timeout of {t}"),
        fetch + build,
    );
    steps.push(Step {
        after: build,
        status: status.clone(),
        events: Vec::new(),
    });

    let children = me.is_empty().then(Vec::new).unwrap_or_else(|| {
        object::resource_ref(obj)
            .map(|r| input.view.children(&r))
            .unwrap_or_default()
    });
    let inv = inventory::kustomization(obj, &children, &input.behaviour.inventory);
    let fails = input.fails();
    let previous = object::str_at(obj, "/status/lastAppliedRevision");
    let change = if fails {
        None
    } else if previous.is_none() {
        Some(inventory::change_set(&inv, "created"))
    } else if previous != Some(rev) {
        Some(inventory::change_set_filtered(&inv, "configured", |id| {
            revision::number(&format!("{rev}#{id}"), 3) == 0
        }))
    } else if obj.pointer("/status/inventory") != Some(&inv) {
        Some(inventory::change_set(&inv, "configured"))
    } else {
        None
    }
    .filter(|c| !c.is_empty())
    .map(|c| Emit::normal("Progressing", c).with(REVISION_KEY, rev));

    let apply_time = d / 5;
    let mut health_time = Duration::ZERO;
    if health {
        let msg = phase(
            &mut status,
            format!("Running health checks for revision {rev} with a timeout of {t}"),
            fetch + build + apply_time,
        );
        conditions::set(
            &mut status,
            "Healthy",
            CondStatus::Unknown,
            "Progressing",
            &msg,
            generation,
            &tl.at(fetch + build + apply_time),
        );
        steps.push(Step {
            after: apply_time,
            status: status.clone(),
            events: change.clone().into_iter().collect(),
        });
        health_time = d.saturating_sub(fetch + build + apply_time);
    }
    let rest = d.saturating_sub(fetch + build);
    let end = tl.at(d);
    let mut events = Vec::new();
    if !health {
        events.extend(change);
    }
    let digest = revision::sha256_digest(&format!("{me}#{rev}#{inv}"));
    if fails {
        let plan = input.behaviour.failure.as_ref();
        let reason = plan
            .and_then(|f| f.reason.clone())
            .unwrap_or_else(|| "ReconciliationFailed".to_owned());
        let message = plan.map(|f| f.message.clone()).unwrap_or_default();
        conditions::set(
            &mut status,
            "Ready",
            CondStatus::False,
            &reason,
            &message,
            generation,
            &end,
        );
        if reason == "HealthCheckFailed" {
            conditions::set(
                &mut status,
                "Healthy",
                CondStatus::False,
                &reason,
                &message,
                generation,
                &end,
            );
        }
        if matches!(
            reason.as_str(),
            "ReconciliationFailed" | "PruneFailed" | "HealthCheckFailed"
        ) {
            record_history(&mut status, &digest, rev, &reason, &end, d);
        }
        finalize(obj, &mut status, generation);
        events.push(Emit::warning(&reason, message).with(REVISION_KEY, rev));
        steps.push(Step {
            after: if health { health_time } else { rest },
            status,
            events,
        });
        return Plan {
            steps,
            creates: Vec::new(),
            requeue: Some(retry),
            attempted: true,
        };
    }
    status.insert("lastAppliedRevision".to_owned(), json!(rev));
    status.insert("inventory".to_owned(), inv);
    conditions::set(
        &mut status,
        "Ready",
        CondStatus::True,
        "ReconciliationSucceeded",
        &format!("Applied revision: {rev}"),
        generation,
        &end,
    );
    if health {
        let msg = format!("Health check passed in {}", format_go_duration(health_time));
        conditions::set(
            &mut status,
            "Healthy",
            CondStatus::True,
            "Succeeded",
            &msg,
            generation,
            &end,
        );
        events.push(Emit::normal("Progressing", msg).with(REVISION_KEY, rev));
    } else {
        conditions::remove(&mut status, "Healthy");
    }
    record_history(
        &mut status,
        &digest,
        rev,
        "ReconciliationSucceeded",
        &end,
        d,
    );
    finalize(obj, &mut status, generation);
    events.push(
        Emit::normal(
            "ReconciliationSucceeded",
            format!(
                "Reconciliation finished in {}, next run in {}",
                format_go_duration(d),
                format_go_duration(interval)
            ),
        )
        .with(REVISION_KEY, rev)
        .with("kustomize.toolkit.fluxcd.io/commit_status", "update"),
    );
    steps.push(Step {
        after: if health { health_time } else { rest },
        status,
        events,
    });
    Plan {
        steps,
        creates: Vec::new(),
        requeue: Some(jittered(interval, &format!("{me}#{}", input.attempts))),
        attempted: true,
    }
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

    #[test]
    fn history_dedups_and_caps() {
        let mut st = Map::new();
        record_history(
            &mut st,
            "sha256:a",
            "r1",
            "ReconciliationSucceeded",
            "t1",
            Duration::from_millis(1500),
        );
        record_history(
            &mut st,
            "sha256:a",
            "r1",
            "ReconciliationSucceeded",
            "t2",
            Duration::from_millis(900),
        );
        let h = st["history"].as_array().unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0]["totalReconciliations"], 2);
        assert_eq!(h[0]["firstReconciled"], "t1");
        assert_eq!(h[0]["lastReconciledDuration"], "900ms");
        for i in 0..7 {
            record_history(
                &mut st,
                &format!("sha256:{i}"),
                "r",
                "ReconciliationSucceeded",
                "t",
                Duration::from_secs(1),
            );
        }
        assert_eq!(st["history"].as_array().unwrap().len(), 5);
        assert_eq!(st["history"][0]["digest"], "sha256:6");
    }
}

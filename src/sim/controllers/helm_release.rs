//! The simulated helm-controller, second half: running the Helm action (install / upgrade) with the
//! `Running '<action>' action with timeout of <t>` message, release snapshots in `status.history`,
//! failure counting (`failures`, `installFailures`, `upgradeFailures`), remediation, and
//! `Stalled RetriesExceeded "Failed to <action> after <n> attempt(s)"` once retries are exhausted.

use super::conditions::{self, CondStatus};
use super::helm::{ResolvedChart, finalize, release_name};
use super::input::{PlanInput, jittered};
use super::plan::{Applied, Emit, Plan, Step};
use super::{helm_storage, inventory, object, revision};
use crate::flux::duration::format_go_duration;
use crate::sim::scenario::HelmAction;
use serde_json::{Map, Value, json};
use std::time::Duration;

const HISTORY_MAX: usize = 5;
/// helm-controller's field manager.
const MANAGER: &str = "helm-controller";
const RETRY_AFTER: Duration = Duration::from_secs(10);

/// What the release looks like and what this reconcile must do.
#[derive(Debug, Clone)]
pub struct Release {
    pub name: String,
    pub namespace: String,
    pub chart: ResolvedChart,
    pub generation: i64,
    /// `install`, `upgrade`, or `None` when in sync.
    pub action: Option<HelmAction>,
    /// Stalled and nothing changed since: nothing to do until a change or a reset.
    stalled_unchanged: bool,
    /// The chart version or the generation differs from the last attempt (failure counts start over).
    pub target_changed: bool,
}

fn count(status: &Map<String, Value>, field: &str) -> i64 {
    status.get(field).and_then(Value::as_i64).unwrap_or(0)
}

impl Release {
    #[must_use]
    pub fn new(
        obj: &Value,
        chart: &ResolvedChart,
        generation: i64,
        force: bool,
        status: &Map<String, Value>,
    ) -> Self {
        let view = json!({ "status": Value::Object(status.clone()) });
        let installed = status
            .get("history")
            .and_then(Value::as_array)
            .is_some_and(|h| {
                h.iter().any(|s| {
                    matches!(
                        s.get("status").and_then(Value::as_str),
                        Some("deployed" | "superseded")
                    )
                })
            });
        let changed = status.get("lastAttemptedRevision").and_then(Value::as_str)
            != Some(chart.version.as_str())
            || status
                .get("lastAttemptedGeneration")
                .and_then(Value::as_i64)
                != Some(generation);
        let stalled = conditions::is_true(&view, "Stalled");
        let failed_before = count(status, "failures") > 0 && !conditions::is_true(&view, "Ready");
        // The latest release is not this chart deployed (an interrupted or failed action): upgrade.
        let latest_differs = status
            .get("history")
            .and_then(Value::as_array)
            .and_then(|h| h.first())
            .is_some_and(|s| {
                s.get("status").and_then(Value::as_str) != Some("deployed")
                    || s.get("chartVersion").and_then(Value::as_str) != Some(chart.version.as_str())
            });
        let action = if !installed {
            Some(HelmAction::Install)
        } else if changed || force || failed_before || latest_differs {
            Some(HelmAction::Upgrade)
        } else {
            None
        };
        Self {
            name: release_name(obj),
            namespace: object::str_at(obj, "/spec/targetNamespace")
                .unwrap_or(object::namespace(obj))
                .to_owned(),
            chart: chart.clone(),
            generation,
            action,
            stalled_unchanged: stalled && !changed && !force,
            target_changed: changed,
        }
    }

    /// Stalled with nothing new to try.
    #[must_use]
    pub fn stalled_unchanged(&self) -> bool {
        self.stalled_unchanged
    }
}

fn action_word(action: HelmAction) -> &'static str {
    match action {
        HelmAction::Install => "install",
        HelmAction::Upgrade => "upgrade",
    }
}

fn capitalised(action: HelmAction) -> &'static str {
    match action {
        HelmAction::Install => "Install",
        HelmAction::Upgrade => "Upgrade",
    }
}

/// `spec.<install|upgrade>.remediation.retries` (default 0; negative = retry forever).
fn retries(obj: &Value, action: HelmAction) -> i64 {
    obj.pointer(&format!(
        "/spec/{}/remediation/retries",
        action_word(action)
    ))
    .and_then(Value::as_i64)
    .unwrap_or(0)
}

fn snapshot(
    release: &Release,
    version: i64,
    state: &str,
    action: HelmAction,
    first: &str,
    now: &str,
    values: &str,
) -> Value {
    let chart = &release.chart;
    let app_version = chart.version.split('+').next().unwrap_or_default();
    let mut s = json!({
        "name": release.name,
        "namespace": release.namespace,
        "version": version,
        "status": state,
        "action": action_word(action),
        "chartName": chart.name,
        "chartVersion": chart.version,
        "appVersion": app_version,
        "configDigest": revision::sha256_digest(values),
        "digest": revision::sha256_digest(&format!("{}/{}#{version}#{}", release.namespace, release.name, chart.version)),
        "firstDeployed": first,
        "lastDeployed": now,
    });
    if let Some(d) = &chart.oci_digest {
        s["ociDigest"] = json!(d);
    }
    s
}

fn failure_for(input: &PlanInput<'_>, action: HelmAction) -> Option<(String, String)> {
    let plan = input.behaviour.failure.as_ref()?;
    let target = plan.action.unwrap_or(HelmAction::Install);
    if target != action {
        return None;
    }
    // Upgrade failures count upgrade attempts: the first attempt was the install.
    let n = match action {
        HelmAction::Install => input.attempts,
        HelmAction::Upgrade => input.attempts.saturating_sub(1),
    };
    plan.fails_at(n).then(|| {
        let reason = plan
            .reason
            .clone()
            .unwrap_or_else(|| format!("{}Failed", capitalised(action)));
        (reason, plan.message.clone())
    })
}

/// Runs (or skips, when in sync) the Helm action and finishes the reconcile.
#[must_use]
pub fn act(
    input: &PlanInput<'_>,
    mut plan: Plan,
    mut status: Map<String, Value>,
    release: &Release,
    interval: Duration,
    timeout: Duration,
) -> Plan {
    let obj = input.obj;
    let generation = release.generation;
    let tl = input.timeline;
    let seed = format!(
        "{}/{}#{}",
        object::namespace(obj),
        object::name(obj),
        input.attempts
    );
    let Some(action) = release.action else {
        let view = json!({ "status": Value::Object(status.clone()) });
        if let Some(released) =
            conditions::get(&view, "Released").filter(|_| conditions::is_true(&view, "Released"))
        {
            let reason = released["reason"]
                .as_str()
                .unwrap_or("UpgradeSucceeded")
                .to_owned();
            let message = released["message"].as_str().unwrap_or_default().to_owned();
            conditions::set(
                &mut status,
                "Ready",
                CondStatus::True,
                &reason,
                &message,
                generation,
                &tl.now(),
            );
        }
        finalize(obj, &mut status, generation);
        plan.steps.push(Step {
            after: input.reconcile_duration() / 20,
            status,
            events: Vec::new(),
        });
        plan.requeue = Some(jittered(interval, &seed));
        return plan;
    };
    plan.attempted = true;
    let d = input.reconcile_duration();
    let prep = d / 10;
    let word = action_word(action);
    let values = obj
        .pointer("/spec/values")
        .map(Value::to_string)
        .unwrap_or_default();
    conditions::set(
        &mut status,
        "Ready",
        CondStatus::Unknown,
        "Progressing",
        "Reconciliation in progress",
        generation,
        &tl.at(prep),
    );
    conditions::set(
        &mut status,
        "Reconciling",
        CondStatus::True,
        "Progressing",
        &format!(
            "Running '{word}' action with timeout of {}",
            format_go_duration(timeout)
        ),
        generation,
        &tl.at(prep),
    );
    status.insert("lastAttemptedReleaseAction".to_owned(), json!(word));
    status.insert(
        "lastAttemptedRevision".to_owned(),
        json!(release.chart.version),
    );
    status.insert("lastAttemptedGeneration".to_owned(), json!(generation));
    status.insert(
        "lastAttemptedConfigDigest".to_owned(),
        json!(revision::sha256_digest(&values)),
    );
    if let Some(digest) = &release.chart.oci_digest {
        status.insert("lastAttemptedRevisionDigest".to_owned(), json!(digest));
    }
    status.insert(
        "storageNamespace".to_owned(),
        json!(object::str_at(obj, "/spec/storageNamespace").unwrap_or(object::namespace(obj))),
    );
    plan.steps.push(Step {
        after: prep,
        status: status.clone(),
        events: Vec::new(),
    });

    let end = tl.at(d);
    status.insert(
        "lastAttemptedReleaseActionDuration".to_owned(),
        json!(format_go_duration(d.saturating_sub(prep))),
    );
    let mut history: Vec<Value> = match status.remove("history") {
        Some(Value::Array(h)) => h,
        _ => Vec::new(),
    };
    let storage_ns = helm_storage::storage_namespace(obj);
    let stored = helm_storage::records(input.view.store, storage_ns, &release.name);
    // Helm numbers from its storage; the history only stands in when no record is stored.
    let version = stored
        .last()
        .map(|r| r.version)
        .or_else(|| history.iter().filter_map(|s| s["version"].as_i64()).max())
        .unwrap_or(0)
        + 1;
    // A snapshot of a version that is no longer stored (a removed pending record) is replaced.
    history.retain(|s| s["version"].as_i64() != Some(version));
    let record = |status: &str| {
        helm_storage::new_record(
            storage_ns,
            &release.name,
            &release.namespace,
            version,
            status,
            &release.chart,
        )
    };
    let write = |objects: Vec<Value>| {
        objects
            .into_iter()
            .map(|object| Applied {
                manager: MANAGER,
                object,
            })
            .collect::<Vec<_>>()
    };
    let first = history
        .last()
        .and_then(|s| s["firstDeployed"].as_str())
        .unwrap_or(&end)
        .to_owned();
    let chart = &release.chart;
    let mut events = Vec::new();
    let ann = |e: Emit| {
        let e = e
            .with("helm.toolkit.fluxcd.io/revision", &chart.version)
            .with(
                "helm.toolkit.fluxcd.io/app-version",
                chart.version.split('+').next().unwrap_or_default(),
            );
        match &chart.oci_digest {
            Some(d) => e.with("helm.toolkit.fluxcd.io/oci-digest", d),
            None => e,
        }
    };
    let mut locked = stored.last().filter(|r| r.is_pending()).map(|_| {
        (
            format!("{}Failed", capitalised(action)),
            helm_storage::ERR_PENDING.to_owned(),
        )
    });
    let interrupted = input
        .behaviour
        .interrupted
        .filter(|i| i.after == input.attempts && locked.is_none());
    if let Some(i) = interrupted {
        // The controller dies half-way, its pending record stays; the restarted controller's retry (folded into
        // this reconcile) finds the release locked. Helm marks the previous release superseded only once the new
        // one is deployed: it stays deployed.
        let status_text = i.status.as_str();
        history.insert(
            0,
            snapshot(release, version, status_text, action, &first, &end, &values),
        );
        plan.applies = write(vec![record(status_text)]);
        locked = Some((
            format!("{}Failed", capitalised(action)),
            helm_storage::ERR_PENDING.to_owned(),
        ));
    }
    match locked.or_else(|| failure_for(input, action)) {
        None => {
            plan.applies = write(helm_storage::completed(
                &stored,
                record("deployed"),
                "deployed",
            ));
            for s in &mut history {
                if s["status"] == "deployed" {
                    s["status"] = json!("superseded");
                }
            }
            history.insert(
                0,
                snapshot(release, version, "deployed", action, &first, &end, &values),
            );
            let msg = format!(
                "Helm {word} succeeded for release {}/{}.v{version} with chart {}@{}",
                release.namespace, release.name, chart.name, chart.version
            );
            let reason = format!("{}Succeeded", capitalised(action));
            conditions::set(
                &mut status,
                "Released",
                CondStatus::True,
                &reason,
                &msg,
                generation,
                &end,
            );
            conditions::set(
                &mut status,
                "Ready",
                CondStatus::True,
                &reason,
                &msg,
                generation,
                &end,
            );
            conditions::remove(&mut status, "Stalled");
            conditions::remove(&mut status, "Remediated");
            status.insert(
                "inventory".to_owned(),
                inventory::helmrelease(
                    &release.name,
                    &release.namespace,
                    &input.behaviour.inventory,
                ),
            );
            events.push(ann(Emit::normal(&reason, msg)));
            plan.requeue = Some(jittered(interval, &seed));
        }
        Some((reason, err)) => {
            let is_locked = err == helm_storage::ERR_PENDING;
            if !is_locked {
                // Helm refuses a locked release before writing anything; other failures leave a failed record.
                history.insert(
                    0,
                    snapshot(release, version, "failed", action, &first, &end, &values),
                );
                plan.applies = write(vec![record("failed")]);
            }
            let msg = format!(
                "Helm {word} failed for release {}/{} with chart {}@{}: {err}",
                release.namespace, release.name, chart.name, chart.version
            );
            let field = format!("{word}Failures");
            let failures = count(&status, &field) + 1;
            status.insert("failures".to_owned(), json!(count(&status, "failures") + 1));
            status.insert(field, json!(failures));
            conditions::set(
                &mut status,
                "Released",
                CondStatus::False,
                &reason,
                &msg,
                generation,
                &end,
            );
            conditions::set(
                &mut status,
                "Ready",
                CondStatus::False,
                &reason,
                &msg,
                generation,
                &end,
            );
            events.push(ann(Emit::warning(&reason, msg)));
            let allowed = retries(obj, action);
            if allowed >= 0 && failures > allowed {
                let stalled = format!("Failed to {word} after {failures} attempt(s)");
                conditions::set(
                    &mut status,
                    "Stalled",
                    CondStatus::True,
                    "RetriesExceeded",
                    &stalled,
                    generation,
                    &end,
                );
                plan.requeue = None;
            } else if is_locked {
                plan.requeue = Some(RETRY_AFTER);
            } else {
                remediate(
                    release,
                    action,
                    &history,
                    generation,
                    &end,
                    &mut status,
                    &mut events,
                );
                plan.requeue = Some(RETRY_AFTER);
            }
        }
    }
    history.truncate(HISTORY_MAX);
    status.insert("history".to_owned(), Value::Array(history));
    finalize(obj, &mut status, generation);
    plan.steps.push(Step {
        after: d.saturating_sub(prep),
        status,
        events,
    });
    plan
}

/// Upgrade failures roll back to the previous deployed release; install failures uninstall.
fn remediate(
    release: &Release,
    action: HelmAction,
    history: &[Value],
    generation: i64,
    now: &str,
    status: &mut Map<String, Value>,
    events: &mut Vec<Emit>,
) {
    let (reason, msg) = match action {
        HelmAction::Upgrade => {
            let previous = history
                .iter()
                .find(|s| s["status"] == "deployed" || s["status"] == "superseded");
            let (version, chart) = previous.map_or((0, String::new()), |s| {
                (
                    s["version"].as_i64().unwrap_or(0),
                    format!(
                        "{}@{}",
                        s["chartName"].as_str().unwrap_or_default(),
                        s["chartVersion"].as_str().unwrap_or_default()
                    ),
                )
            });
            (
                "RollbackSucceeded",
                format!(
                    "Helm rollback to previous release {}/{}.v{version} with chart {chart} succeeded",
                    release.namespace, release.name
                ),
            )
        }
        HelmAction::Install => (
            "UninstallSucceeded",
            format!(
                "Helm uninstall succeeded for release {}/{}.v{} with chart {}@{}",
                release.namespace,
                release.name,
                history
                    .first()
                    .and_then(|s| s["version"].as_i64())
                    .unwrap_or(1),
                release.chart.name,
                release.chart.version
            ),
        ),
    };
    conditions::set(
        status,
        "Remediated",
        CondStatus::True,
        reason,
        &msg,
        generation,
        now,
    );
    events.push(Emit::normal(reason, msg));
}

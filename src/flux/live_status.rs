//! The live status of an applied object (anything a Kustomization or HelmRelease lists in its inventory),
//! read from the object's JSON the way kstatus (sigs.k8s.io/cli-utils, what Flux health checks use) reads it:
//! `Current`, `InProgress`, `Failed` or `Unknown`, with one line saying why.
//!
//! - Deployment / ReplicaSet / StatefulSet / DaemonSet: desired, updated, ready and available replicas; a
//!   Deployment past its progress deadline (`Progressing=False`, `ProgressDeadlineExceeded`) has failed.
//! - Job: `Failed=True` (e.g. `BackoffLimitExceeded`) failed, `Complete=True` current, else in progress with its
//!   succeeded / active / failed pod counts.
//! - Pod: its phase, readiness and the reason a container waits or last terminated (`CrashLoopBackOff` and image
//!   pull errors count as failed, as kstatus does for crash loops).
//! - PersistentVolumeClaim (Bound?), Service (a LoadBalancer without an address is in progress).
//! - Anything else: `metadata.generation` above `status.observedGeneration` is in progress, then the conditions
//!   (`Stalled=True` failed, `Reconciling=True` in progress, `Ready` True / False / Unknown), else current.
//!
//! For a workload that is not current, [`pod_problems`] adds the reasons of its worst pods (the pods are listed
//! by the caller with the workload's selector). Pure: JSON in, status out; strings are not sanitised here (the
//! view does that). Secret contents are never looked at: a Secret is only ever known by its metadata.

use serde_json::Value;

/// kstatus's verdict, plus `Exists` for objects known by their metadata only (Secrets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LiveState {
    Failed,
    InProgress,
    Unknown,
    Current,
    /// Only the metadata was read (a Secret): it exists, nothing more is claimed.
    Exists,
}

impl LiveState {
    /// A short word for the state.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            LiveState::Failed => "failed",
            LiveState::InProgress => "in progress",
            LiveState::Unknown => "unknown",
            LiveState::Current => "current",
            LiveState::Exists => "exists",
        }
    }
}

/// The live status of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveStatus {
    pub state: LiveState,
    /// One line: `2/2 available`, `failed: BackoffLimitExceeded: Job has reached the specified backoff limit`.
    pub summary: String,
    /// More lines (the reasons of the worst pods of a workload).
    pub details: Vec<String>,
}

impl LiveStatus {
    fn new(state: LiveState, summary: impl Into<String>) -> Self {
        Self {
            state,
            summary: summary.into(),
            details: Vec::new(),
        }
    }

    /// A Secret (or anything read with metadata only): it exists.
    #[must_use]
    pub fn metadata_only() -> Self {
        Self::new(LiveState::Exists, "exists (contents are never read)")
    }
}

/// Container waiting reasons that mean the pod will not come up by itself.
const FAILED_WAITING: [&str; 6] = [
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
];

/// Pods of a workload whose reasons are listed at most.
pub const POD_DETAILS: usize = 3;

fn int(obj: &Value, pointer: &str) -> Option<i64> {
    obj.pointer(pointer).and_then(Value::as_i64)
}

fn text<'a>(obj: &'a Value, pointer: &str) -> &'a str {
    obj.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn condition<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    obj.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(type_))
}

fn condition_is(obj: &Value, type_: &str, status: &str) -> bool {
    condition(obj, type_).is_some_and(|c| text(c, "/status") == status)
}

/// `reason: message` of a condition (either part may be missing).
fn explain(c: &Value) -> String {
    let (reason, message) = (text(c, "/reason"), text(c, "/message"));
    match (reason.is_empty(), message.is_empty()) {
        (false, false) => format!("{reason}: {message}"),
        (false, true) => reason.to_owned(),
        (true, _) => message.to_owned(),
    }
}

/// The live status of `obj`, judged by its `kind`.
#[must_use]
pub fn of(obj: &Value) -> LiveStatus {
    if obj.pointer("/metadata/deletionTimestamp").is_some() {
        return LiveStatus::new(LiveState::InProgress, "terminating");
    }
    if let (Some(generation), Some(observed)) = (
        int(obj, "/metadata/generation"),
        int(obj, "/status/observedGeneration"),
    ) && observed < generation
    {
        return LiveStatus::new(
            LiveState::InProgress,
            format!("generation {generation} not observed yet (at {observed})"),
        );
    }
    match text(obj, "/kind") {
        "Deployment" | "ReplicaSet" | "StatefulSet" => replicas(obj),
        "DaemonSet" => daemon_set(obj),
        "Job" => job(obj),
        "Pod" => pod(obj),
        "PersistentVolumeClaim" => match text(obj, "/status/phase") {
            "Bound" => LiveStatus::new(LiveState::Current, "bound"),
            "" => LiveStatus::new(LiveState::InProgress, "not bound yet"),
            phase => LiveStatus::new(LiveState::InProgress, phase.to_lowercase()),
        },
        "Service" if text(obj, "/spec/type") == "LoadBalancer" => {
            let has_address = obj
                .pointer("/status/loadBalancer/ingress")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty());
            if has_address {
                LiveStatus::new(LiveState::Current, "load balancer ready")
            } else {
                LiveStatus::new(LiveState::InProgress, "waiting for a load balancer address")
            }
        }
        _ => generic(obj),
    }
}

fn generic(obj: &Value) -> LiveStatus {
    if let Some(c) = condition(obj, "Stalled").filter(|c| text(c, "/status") == "True") {
        return LiveStatus::new(LiveState::Failed, format!("stalled: {}", explain(c)));
    }
    if let Some(c) = condition(obj, "Reconciling").filter(|c| text(c, "/status") == "True") {
        return LiveStatus::new(
            LiveState::InProgress,
            format!("reconciling: {}", explain(c)),
        );
    }
    if let Some(c) = condition(obj, "Ready") {
        return match text(c, "/status") {
            "True" => LiveStatus::new(LiveState::Current, "ready"),
            "False" => LiveStatus::new(LiveState::Failed, format!("not ready: {}", explain(c))),
            _ => LiveStatus::new(
                LiveState::InProgress,
                format!("readiness unknown: {}", explain(c)),
            ),
        };
    }
    LiveStatus::new(LiveState::Current, "exists")
}

fn replicas(obj: &Value) -> LiveStatus {
    let kind = text(obj, "/kind");
    if kind == "Deployment"
        && let Some(c) = condition(obj, "Progressing")
        && text(c, "/status") == "False"
        && text(c, "/reason") == "ProgressDeadlineExceeded"
    {
        return LiveStatus::new(LiveState::Failed, format!("rollout stuck: {}", explain(c)));
    }
    if let Some(c) = condition(obj, "ReplicaFailure").filter(|c| text(c, "/status") == "True") {
        return LiveStatus::new(
            LiveState::Failed,
            format!("replica failure: {}", explain(c)),
        );
    }
    let desired = int(obj, "/spec/replicas").unwrap_or(1);
    let count = |field: &str| int(obj, &format!("/status/{field}")).unwrap_or(0);
    let (current, ready) = (count("replicas"), count("readyReplicas"));
    let updated = match kind {
        "ReplicaSet" => current,
        _ => count("updatedReplicas"),
    };
    let available = match kind {
        "StatefulSet" => ready,
        _ => count("availableReplicas"),
    };
    let line = format!("{available}/{desired} available");
    if desired == 0 && current == 0 {
        return LiveStatus::new(LiveState::Current, "scaled to 0");
    }
    let in_progress =
        |why: String| LiveStatus::new(LiveState::InProgress, format!("{line} · {why}"));
    if updated < desired && kind != "ReplicaSet" {
        return in_progress(format!("{updated}/{desired} updated"));
    }
    if current > desired {
        return in_progress(format!("{} old replicas terminating", current - desired));
    }
    if kind == "StatefulSet" {
        let (now, next) = (
            text(obj, "/status/currentRevision"),
            text(obj, "/status/updateRevision"),
        );
        if !next.is_empty() && now != next {
            return in_progress(format!("rolling out revision {next}"));
        }
    }
    if available < desired || ready < desired {
        return in_progress(format!("{ready}/{desired} ready"));
    }
    LiveStatus::new(LiveState::Current, line)
}

fn daemon_set(obj: &Value) -> LiveStatus {
    let count = |field: &str| int(obj, &format!("/status/{field}")).unwrap_or(0);
    let desired = count("desiredNumberScheduled");
    let (updated, available) = (count("updatedNumberScheduled"), count("numberAvailable"));
    let line = format!("{available}/{desired} available");
    if updated < desired {
        return LiveStatus::new(
            LiveState::InProgress,
            format!("{line} · {updated}/{desired} updated"),
        );
    }
    if available < desired {
        return LiveStatus::new(LiveState::InProgress, line);
    }
    LiveStatus::new(LiveState::Current, line)
}

fn job(obj: &Value) -> LiveStatus {
    if let Some(c) = condition(obj, "Failed").filter(|c| text(c, "/status") == "True") {
        return LiveStatus::new(LiveState::Failed, format!("failed: {}", explain(c)));
    }
    if condition_is(obj, "Complete", "True") {
        return LiveStatus::new(LiveState::Current, "completed");
    }
    let count = |field: &str| int(obj, &format!("/status/{field}")).unwrap_or(0);
    LiveStatus::new(
        LiveState::InProgress,
        format!(
            "running: {} succeeded, {} active, {} failed",
            count("succeeded"),
            count("active"),
            count("failed")
        ),
    )
}

/// The first container (init containers first) that is not running and ready, with why.
fn container_problem(pod: &Value) -> Option<(bool, String)> {
    let lists = ["/status/initContainerStatuses", "/status/containerStatuses"];
    for list in lists {
        let Some(statuses) = pod.pointer(list).and_then(Value::as_array) else {
            continue;
        };
        for c in statuses {
            let name = text(c, "/name");
            let restarts = int(c, "/restartCount").unwrap_or(0);
            let restarts = match restarts {
                0 => String::new(),
                1 => ", 1 restart".to_owned(),
                n => format!(", {n} restarts"),
            };
            let last = c.pointer("/lastState/terminated").map(|t| {
                let code = int(t, "/exitCode").unwrap_or(0);
                match text(t, "/reason") {
                    "" => format!(", last exit {code}"),
                    reason => format!(", last exit {code} ({reason})"),
                }
            });
            if let Some(w) = c.pointer("/state/waiting") {
                let reason = text(w, "/reason");
                let failed = FAILED_WAITING.contains(&reason);
                let message = match text(w, "/message") {
                    "" => String::new(),
                    m => format!(": {m}"),
                };
                let last = last.unwrap_or_default();
                return Some((failed, format!("{name} {reason}{restarts}{last}{message}")));
            }
            if let Some(t) = c.pointer("/state/terminated")
                && int(t, "/exitCode").unwrap_or(0) != 0
            {
                let code = int(t, "/exitCode").unwrap_or(0);
                return Some((
                    true,
                    format!("{name} exited {code} ({}){restarts}", text(t, "/reason")),
                ));
            }
            if c.get("ready").and_then(Value::as_bool) == Some(false)
                && list.ends_with("/containerStatuses")
            {
                return Some((false, format!("{name} not ready{restarts}")));
            }
        }
    }
    None
}

fn pod(obj: &Value) -> LiveStatus {
    let problem = container_problem(obj);
    match text(obj, "/status/phase") {
        "Succeeded" => LiveStatus::new(LiveState::Current, "completed"),
        "Failed" => {
            let why = problem
                .map(|(_, w)| w)
                .unwrap_or_else(|| text(obj, "/status/reason").to_owned());
            LiveStatus::new(LiveState::Failed, format!("failed: {why}"))
        }
        phase => match problem {
            Some((true, why)) => LiveStatus::new(LiveState::Failed, why),
            Some((false, why)) => LiveStatus::new(LiveState::InProgress, why),
            None if phase == "Running" && condition_is(obj, "Ready", "True") => {
                LiveStatus::new(LiveState::Current, "running, ready")
            }
            None => {
                match condition(obj, "PodScheduled").filter(|c| text(c, "/status") == "False") {
                    Some(c) => LiveStatus::new(
                        LiveState::InProgress,
                        format!("not scheduled: {}", explain(c)),
                    ),
                    None => LiveStatus::new(
                        LiveState::InProgress,
                        if phase.is_empty() {
                            "pending".to_owned()
                        } else {
                            phase.to_lowercase()
                        },
                    ),
                }
            }
        },
    }
}

/// The `spec.selector.matchLabels` of a workload, as a label selector (`a=b,c=d`), when it has one.
#[must_use]
pub fn pod_selector(obj: &Value) -> Option<String> {
    let labels = obj.pointer("/spec/selector/matchLabels")?.as_object()?;
    let parts: Vec<String> = labels
        .iter()
        .filter_map(|(k, v)| Some(format!("{k}={}", v.as_str()?)))
        .collect();
    (!parts.is_empty()).then(|| parts.join(","))
}

/// Whether a workload of this kind has pods worth listing when it is not current.
#[must_use]
pub fn has_pods(kind: &str) -> bool {
    matches!(
        kind,
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job"
    )
}

/// Adds the reasons of the worst pods (failed first, at most [`POD_DETAILS`]) to a workload's status; a pod
/// crash-looping or unable to pull its image makes the workload failed.
pub fn pod_problems(status: &mut LiveStatus, pods: &[Value]) {
    let mut found: Vec<(LiveState, String)> = pods
        .iter()
        .filter_map(|p| {
            let s = pod(p);
            (s.state != LiveState::Current).then(|| {
                (
                    s.state,
                    format!("pod {}: {}", text(p, "/metadata/name"), s.summary),
                )
            })
        })
        .collect();
    found.sort();
    if found.first().is_some_and(|(s, _)| *s == LiveState::Failed)
        && status.state != LiveState::Failed
    {
        status.state = LiveState::Failed;
        status.summary = format!("{} · pods failing", status.summary);
    }
    let more = found.len().saturating_sub(POD_DETAILS);
    status.details = found
        .into_iter()
        .take(POD_DETAILS)
        .map(|(_, line)| line)
        .collect();
    if more > 0 {
        status.details.push(format!("… {more} more pods not ready"));
    }
}

#[cfg(test)]
#[path = "live_status_tests.rs"]
mod tests;

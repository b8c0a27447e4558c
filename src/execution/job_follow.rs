//! Following a started Job to its end: the Job's conditions mapped to a [`Phase`] ([`phase_of`], pure), the
//! pod's log streamed (`follow=true`) into [`ExecutionStatus::log_tail`] (at most [`LOG_TAIL`] lines, raw:
//! callers sanitise), pod-level trouble in words (an image that cannot be pulled, a Job that cannot create its
//! pod because its ServiceAccount is missing), and a cancel token that deletes the Job
//! (`propagationPolicy=Background`). The Job and its pods are read every [`POLL`]; the log is a stream.

use super::report::{ExecutionStatus, LOG_TAIL, Phase};
use crate::actions::{ExecutionId, TargetRef};
use crate::job::manifest::keys;
use futures::{AsyncBufReadExt, Stream, StreamExt};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::Client;
use kube::api::{Api, ListParams, LogParams};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::pin::Pin;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the Job and its pods are read.
pub const POLL: Duration = Duration::from_millis(500);

/// A started Job execution: enough to follow it, cancel it and show it, also after a restart
/// ([`JobHandle::from_job`] reads it back from the Job's labels and annotations).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobHandle {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub execution: ExecutionId,
    pub action: String,
    pub target: TargetRef,
    pub operator: String,
    /// RFC 3339 (the Job's creationTimestamp).
    pub started: String,
}

impl JobHandle {
    /// The handle of a fluxops Job (`None` for a Job without fluxops' labels and annotations).
    #[must_use]
    pub fn from_job(job: &Job) -> Option<Self> {
        let meta = &job.metadata;
        let labels = meta.labels.as_ref()?;
        let annotations = meta.annotations.as_ref()?;
        Some(Self {
            namespace: meta.namespace.clone()?,
            name: meta.name.clone()?,
            uid: meta.uid.clone()?,
            execution: ExecutionId::parse(labels.get(keys::EXECUTION)?)?,
            action: labels.get(keys::ACTION)?.clone(),
            target: TargetRef::parse(annotations.get(keys::TARGET)?).ok()?,
            operator: annotations.get(keys::OPERATOR).cloned().unwrap_or_default(),
            started: meta
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.to_string())
                .unwrap_or_default(),
        })
    }

    /// The status of this execution with `phase` and nothing else known yet.
    #[must_use]
    pub fn status(&self, phase: Phase) -> ExecutionStatus {
        ExecutionStatus {
            execution: self.execution.clone(),
            action: self.action.clone(),
            target: self.target.clone(),
            operator: self.operator.clone(),
            phase,
            started: self.started.clone(),
            finished: None,
            job: Some(format!("{}/{}", self.namespace, self.name)),
            steps: Vec::new(),
            postconditions: Vec::new(),
            log_tail: Vec::new(),
            rollback_available: false,
        }
    }
}

/// The phase a Job's status says: `Complete` → succeeded; `Failed` with `DeadlineExceeded` → cancelled by
/// its timeout; any other `Failed` (`BackoffLimitExceeded`: the command exited non-zero) → failed; an active
/// or started pod → running; else pending.
#[must_use]
pub fn phase_of(job: &Job) -> Phase {
    let status = job.status.as_ref();
    for c in status
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
    {
        if c.status != "True" {
            continue;
        }
        let words = || {
            let reason = c.reason.clone().unwrap_or_default();
            match c.message.as_deref() {
                Some(m) if !m.is_empty() => format!("{reason}: {m}"),
                _ => reason,
            }
        };
        match (c.type_.as_str(), c.reason.as_deref()) {
            ("Complete", _) | ("SuccessCriteriaMet", _) => return Phase::Succeeded,
            ("Failed", Some("DeadlineExceeded")) => {
                return Phase::Cancelled {
                    why: format!("timed out ({})", words()),
                };
            }
            ("Failed", _) => {
                return Phase::Failed {
                    why: format!("the command failed ({})", words()),
                };
            }
            _ => {}
        }
    }
    if status.is_some_and(|s| s.active.unwrap_or(0) > 0 || s.start_time.is_some()) {
        Phase::Running
    } else {
        Phase::Pending
    }
}

/// When the Job finished (completionTime, else the finishing condition's transition time).
#[must_use]
pub fn finished_at(job: &Job) -> Option<String> {
    let status = job.status.as_ref()?;
    if let Some(t) = &status.completion_time {
        return Some(t.0.to_string());
    }
    status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.status == "True" && matches!(c.type_.as_str(), "Complete" | "Failed"))
        .and_then(|c| c.last_transition_time.as_ref())
        .map(|t| t.0.to_string())
}

/// Pod-level trouble in words: a container waiting for a reason that will not pass by itself, or the exit
/// code of a terminated container.
#[must_use]
pub fn pod_trouble(pod: &Pod) -> Option<String> {
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    let statuses = pod.status.as_ref()?.container_statuses.as_ref()?;
    for s in statuses {
        let Some(state) = &s.state else { continue };
        if let Some(w) = &state.waiting {
            let reason = w.reason.as_deref().unwrap_or_default();
            if matches!(
                reason,
                "ImagePullBackOff"
                    | "ErrImagePull"
                    | "InvalidImageName"
                    | "CreateContainerConfigError"
                    | "CreateContainerError"
                    | "CrashLoopBackOff"
            ) {
                return Some(format!(
                    "pod {name}: {reason}: {}",
                    w.message.as_deref().unwrap_or("")
                ));
            }
        }
        if let Some(t) = &state.terminated
            && t.exit_code != 0
        {
            return Some(format!(
                "pod {name}: kubectl exited with code {}{}",
                t.exit_code,
                t.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ));
        }
    }
    None
}

type Lines = Pin<Box<dyn Stream<Item = std::io::Result<String>> + Send>>;

struct Tail(VecDeque<String>);

impl Tail {
    fn push(&mut self, line: String) {
        if self.0.len() == LOG_TAIL {
            self.0.pop_front();
        }
        self.0.push_back(line);
    }
}

fn step(status: &mut ExecutionStatus, text: String) -> bool {
    if status.steps.last() == Some(&text) || status.steps.contains(&text) {
        return false;
    }
    status.steps.push(text);
    true
}

fn now() -> String {
    k8s_openapi::jiff::Timestamp::now().to_string()
}

/// Follows the Job of `handle` until it finishes, is deleted, or `cancel` fires (then the Job is deleted with
/// `propagationPolicy=Background` and the phase is `Cancelled`). `updates` gets every new state; the final
/// one is returned. A finished Job is reported `Succeeded` or failed: postconditions are the caller's.
pub async fn follow(
    client: &Client,
    handle: &JobHandle,
    updates: &mut (dyn FnMut(&ExecutionStatus) + Send),
    cancel: &CancellationToken,
) -> ExecutionStatus {
    let jobs = Api::<Job>::namespaced(client.clone(), &handle.namespace);
    let pods = Api::<Pod>::namespaced(client.clone(), &handle.namespace);
    let mut status = handle.status(Phase::Pending);
    let mut tail = Tail(VecDeque::new());
    let mut lines: Option<Lines> = None;
    let mut log_pod: Option<String> = None;
    let mut log_done = false;
    let mut ticker = tokio::time::interval(POLL);
    let mut ticks: u32 = 0;
    updates(&status);
    loop {
        let line = async {
            match lines.as_mut() {
                Some(s) => s.next().await,
                None => futures::future::pending().await,
            }
        };
        tokio::select! {
            () = cancel.cancelled() => {
                let _ = super::job_run::delete_job(client, &handle.namespace, &handle.name).await;
                status.phase = Phase::Cancelled { why: "cancelled: the Job was deleted".to_owned() };
                status.finished = Some(now());
                status.log_tail = tail.0.iter().cloned().collect();
                updates(&status);
                return status;
            }
            next = line => {
                match next {
                    Some(Ok(text)) => {
                        tail.push(text);
                        status.log_tail = tail.0.iter().cloned().collect();
                        updates(&status);
                    }
                    Some(Err(_)) | None => {
                        lines = None;
                        log_done = true;
                    }
                }
                continue;
            }
            _ = ticker.tick() => {}
        }
        ticks += 1;
        let job = match jobs.get_opt(&handle.name).await {
            Ok(Some(job)) => job,
            Ok(None) => {
                status.phase = Phase::Failed {
                    why: format!("Job {}/{} was deleted", handle.namespace, handle.name),
                };
                status.finished = Some(now());
                updates(&status);
                return status;
            }
            Err(err) => {
                if step(
                    &mut status,
                    format!("reading the Job: {}", super::job_run::api_message(&err)),
                ) {
                    updates(&status);
                }
                continue;
            }
        };
        let mut changed = false;
        let selector = format!("job-name={}", handle.name);
        let found = pods
            .list(&ListParams::default().labels(&selector))
            .await
            .map(|l| l.items)
            .unwrap_or_default();
        let newest = found
            .iter()
            .max_by_key(|p| p.metadata.creation_timestamp.as_ref().map(|t| t.0));
        if let Some(pod) = newest {
            let name = pod.metadata.name.clone().unwrap_or_default();
            let started = pod
                .status
                .as_ref()
                .and_then(|s| s.phase.as_deref())
                .is_some_and(|p| p != "Pending");
            if started && log_pod.as_deref() != Some(name.as_str()) {
                let params = LogParams {
                    follow: true,
                    tail_lines: i64::try_from(LOG_TAIL).ok(),
                    ..LogParams::default()
                };
                if let Ok(reader) = pods.log_stream(&name, &params).await {
                    lines = Some(Box::pin(reader.lines()));
                    log_pod = Some(name.clone());
                    log_done = false;
                    changed |= step(&mut status, format!("pod {name} started"));
                }
            }
            if let Some(trouble) = pod_trouble(pod) {
                changed |= step(&mut status, trouble);
            }
        } else if ticks % 4 == 2 {
            let fields = format!("involvedObject.name={}", handle.name);
            if let Ok(events) = Api::<Event>::namespaced(client.clone(), &handle.namespace)
                .list(&ListParams::default().fields(&fields))
                .await
            {
                for e in events.items.iter().filter(|e| {
                    e.reason.as_deref() == Some("FailedCreate")
                        && e.involved_object
                            .uid
                            .as_deref()
                            .is_none_or(|u| u == handle.uid)
                }) {
                    changed |= step(
                        &mut status,
                        format!(
                            "the Job cannot create its pod: {}",
                            e.message.as_deref().unwrap_or_default()
                        ),
                    );
                }
            }
        }
        let phase = phase_of(&job);
        if phase.finished() {
            let newest_name = newest.and_then(|p| p.metadata.name.clone());
            let streamed = log_pod.is_some() && (log_done || lines.is_some());
            finish_log(
                &pods,
                &mut lines,
                streamed,
                newest_name.as_deref(),
                &mut tail,
            )
            .await;
            status.log_tail = tail.0.iter().cloned().collect();
            status.finished = finished_at(&job).or_else(|| Some(now()));
            status.phase = match phase {
                Phase::Failed { why } => {
                    let last = status
                        .log_tail
                        .iter()
                        .rev()
                        .find(|l| !l.trim().is_empty())
                        .map(|l| format!(": {l}"))
                        .unwrap_or_default();
                    Phase::Failed {
                        why: format!("{why}{last}"),
                    }
                }
                other => other,
            };
            updates(&status);
            return status;
        }
        if phase != status.phase {
            status.phase = phase;
            changed = true;
        }
        if changed {
            updates(&status);
        }
    }
}

/// After the Job finished: the rest of the streamed log (briefly), or, when it was never streamed, the newest
/// pod's log read at once.
async fn finish_log(
    pods: &Api<Pod>,
    lines: &mut Option<Lines>,
    streamed: bool,
    newest: Option<&str>,
    tail: &mut Tail,
) {
    if let Some(stream) = lines.as_mut() {
        let drain = async {
            while let Some(Ok(line)) = stream.next().await {
                tail.push(line);
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(3), drain).await;
        return;
    }
    if streamed {
        return;
    }
    let Some(name) = newest else { return };
    let params = LogParams {
        tail_lines: i64::try_from(LOG_TAIL).ok(),
        ..LogParams::default()
    };
    if let Ok(text) = pods.logs(name, &params).await {
        for line in text.lines() {
            tail.push(line.to_owned());
        }
    }
}

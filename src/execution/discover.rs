//! Executions found again after a console restart: the Jobs in the actions namespace that carry fluxops'
//! labels (`app.kubernetes.io/managed-by=fluxops`, `fluxops.io/execution`), each read back into an
//! [`ExecutionStatus`] (action, target and operator from its labels and annotations, phase from its
//! conditions, the last lines of its pod's log). Dry-run Jobs (`fluxops.io/dry-run-of`) are not executions.
//! A running one can be followed again with `job_follow::follow` on its [`JobHandle`].

use super::job_follow::{JobHandle, finished_at, phase_of, pod_trouble};
use super::job_run::DRY_RUN_OF;
use super::report::{ExecutionStatus, LOG_TAIL};
use crate::job::manifest::{JobSettings, keys};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, ListParams, LogParams};

/// The label selector of fluxops' execution Jobs.
#[must_use]
pub fn selector() -> String {
    format!("{}=fluxops,{}", keys::MANAGED_BY, keys::EXECUTION)
}

/// An execution's status from its Job alone (no log): `None` for a Job that is not a fluxops execution.
#[must_use]
pub fn status_of(job: &Job) -> Option<(JobHandle, ExecutionStatus)> {
    if job
        .metadata
        .labels
        .as_ref()
        .is_some_and(|l| l.contains_key(DRY_RUN_OF))
    {
        return None;
    }
    let handle = JobHandle::from_job(job)?;
    let mut status = handle.status(phase_of(job));
    status.finished = finished_at(job);
    Some((handle, status))
}

/// Every execution Job in the actions namespace, oldest first, with its pod's log tail and pod trouble.
///
/// # Errors
/// Listing the Jobs failed (a forbidden or unreachable API server). A log that cannot be read leaves the
/// tail empty and says why in the steps.
pub async fn discover(
    client: &Client,
    settings: &JobSettings,
) -> Result<Vec<(JobHandle, ExecutionStatus)>, kube::Error> {
    let ns = settings.namespace.as_str();
    let jobs = Api::<Job>::namespaced(client.clone(), ns)
        .list(&ListParams::default().labels(&selector()))
        .await?;
    let pods = Api::<Pod>::namespaced(client.clone(), ns);
    let mut out: Vec<(JobHandle, ExecutionStatus)> =
        jobs.items.iter().filter_map(status_of).collect();
    out.sort_by(|a, b| a.0.started.cmp(&b.0.started));
    for (handle, status) in &mut out {
        let Ok(list) = pods
            .list(&ListParams::default().labels(&format!("job-name={}", handle.name)))
            .await
        else {
            continue;
        };
        let Some(pod) = list
            .items
            .iter()
            .max_by_key(|p| p.metadata.creation_timestamp.as_ref().map(|t| t.0))
        else {
            continue;
        };
        if let Some(trouble) = pod_trouble(pod) {
            status.steps.push(trouble);
        }
        let name = pod.metadata.name.clone().unwrap_or_default();
        let params = LogParams {
            tail_lines: i64::try_from(LOG_TAIL).ok(),
            ..LogParams::default()
        };
        match pods.logs(&name, &params).await {
            Ok(text) => {
                let lines: Vec<String> = text.lines().map(str::to_owned).collect();
                let skip = lines.len().saturating_sub(LOG_TAIL);
                status.log_tail = lines.into_iter().skip(skip).collect();
            }
            Err(err) => status.steps.push(format!(
                "the log of pod {name} cannot be read: {}",
                super::job_run::api_message(&err)
            )),
        }
    }
    Ok(out)
}

//! The pipeline's steps for `job` actions, joining `prepare`/`run` to the Job building blocks (`job_run`,
//! `job_follow`, `capture`, `workload_checks`):
//! - preparing: the rollback capture (always read, so the postconditions know the target's uid and manifest),
//!   the RBAC pre-flight (a missing ServiceAccount or binding makes the action forbidden, with the command
//!   that fixes it, before anything is sent), the exact Job YAML;
//! - the dry-run, through a permit for exactly its requests: the Job and input Secret created with
//!   `dryRun=All`, then the action's own command with `--dry-run=server` in a throw-away Job whose name is
//!   known in advance (`job_run::dry_run_job_name`), deleted afterwards;
//! - executing: the Job and its Secret created, followed to its end with its log streamed into the status,
//!   then the catalog's follow-ups (`reconcile-owner`, `reset-helmrelease`) as the direct operations they are;
//! - verifying: the workload postconditions (`workload_checks::verify`, polled) and the Flux ones on the object
//!   they concern (the owner a follow-up reconciled, else the target).

use super::capture::{self, Captured};
use super::direct::{self, Ctx};
use super::job_follow;
use super::job_run::{self, JobError};
use super::object;
use super::prepare::Prepared;
use super::report::{Check, DryRun, ExecutionStatus, Preparation};
use super::service::Executor;
use crate::actions::spec::{DirectOperation, FollowUp, Postcondition};
use crate::actions::{Plan, TargetKind, TargetRef};
use crate::cluster::guard::{Permit, Stage};
use http::Method;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc::Sender;
use tokio_util::sync::CancellationToken;

/// The longest the workload postconditions are waited for (a rollout that takes longer is reported as such).
const VERIFY_AT_MOST: Duration = Duration::from_secs(120);

/// What preparing a Job action found.
pub(super) struct JobPreparation {
    pub captured: Option<Captured>,
    /// A failed capture, as a precondition that does not hold.
    pub capture_failure: Option<String>,
    /// The missing ServiceAccount/bindings with the fix, if any.
    pub missing_rbac: Option<String>,
    pub yaml: String,
}

/// The captured values as the inverse action's templates read them (`{{captured.<name>}}`).
pub(super) fn template_values(captured: &Captured) -> BTreeMap<String, String> {
    captured
        .values
        .iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

/// The API paths of the actions namespace's Jobs and Secrets.
fn collections(ns: &str) -> (String, String) {
    (
        format!("/apis/batch/v1/namespaces/{ns}/jobs"),
        format!("/api/v1/namespaces/{ns}/secrets"),
    )
}

/// The owner a `reconcile-owner` follow-up reconciles.
pub(super) fn owner_ref(prepared: &Prepared) -> Option<TargetRef> {
    let owner = prepared.situation.owner.as_ref()?;
    let kind = TargetKind::from_user(&owner.kind)?;
    Some(TargetRef::namespaced(kind, &owner.namespace, &owner.name))
}

impl Executor {
    /// Capture, pre-flight and Job YAML of `plan` (reads only).
    pub(super) async fn prepare_job(
        &self,
        plan: &Plan,
        operator: &str,
        exists: bool,
    ) -> JobPreparation {
        let inner = &self.inner;
        let (captured, capture_failure) = if exists {
            match capture::capture(&inner.client, plan).await {
                Ok(c) => (Some(c), None),
                Err(e) => (None, Some(e.to_string())),
            }
        } else {
            (None, None)
        };
        let missing_rbac = match job_run::preflight(&inner.client, &inner.jobs, plan).await {
            Err(e @ JobError::MissingRbac { .. }) => Some(e.to_string()),
            Err(e) => {
                tracing::warn!("Job pre-flight: {e}");
                None
            }
            Ok(_) => None,
        };
        JobPreparation {
            captured,
            capture_failure,
            missing_rbac,
            yaml: job_run::job_yaml(&inner.jobs, plan, operator),
        }
    }

    /// The server-side dry-run of a Job action (the caller has checked that it may run at all).
    pub(super) async fn dry_run_job(
        &self,
        report: &Preparation,
        plan: &Plan,
        operator: &str,
    ) -> DryRun {
        let ns = self.inner.jobs.namespace.clone();
        let (jobs, secrets) = collections(&ns);
        let scope = [
            (Method::POST, jobs.clone()),
            (Method::POST, secrets),
            (
                Method::DELETE,
                format!("{jobs}/{}", job_run::dry_run_job_name(plan)),
            ),
        ];
        // Execute stage: the throw-away Job that runs the command with `--dry-run=server` is a real Job.
        let Some(permit) = Permit::issue(
            report.execution.as_str(),
            &report.decision,
            Stage::Execute,
            scope,
        ) else {
            return DryRun::Skipped {
                why: "denied by policy".to_owned(),
            };
        };
        match self.inner.opener.permitted(permit) {
            Ok(client) => {
                job_run::dry_run(&client, &self.inner.jobs, plan, operator)
                    .await
                    .0
            }
            Err(e) => DryRun::Skipped {
                why: format!("no client for the dry-run: {e}"),
            },
        }
    }

    /// The requests a Job action's execution may send.
    pub(super) fn job_scope(&self, prepared: &Prepared) -> Vec<(Method, String)> {
        let ns = &self.inner.jobs.namespace;
        let (jobs, secrets) = collections(ns);
        let name = crate::job::manifest::job_name(&prepared.plan.spec, &prepared.plan.execution);
        let mut scope = vec![
            (Method::POST, jobs.clone()),
            (Method::POST, secrets),
            (Method::DELETE, format!("{jobs}/{name}")),
        ];
        for follow_up in &prepared.plan.spec.after {
            let on = match follow_up {
                FollowUp::ReconcileOwner => owner_ref(prepared),
                FollowUp::ResetHelmRelease => Some(prepared.plan.target.rref.clone()),
            };
            scope.extend(on.map(|o| (Method::PATCH, object::path(&o))));
        }
        scope
    }

    /// Creates the Job, follows it to its end (log streamed into `status`), then runs the follow-ups.
    pub(super) async fn run_job(
        &self,
        prepared: &Prepared,
        client: &kube::Client,
        status: &mut ExecutionStatus,
        updates: &Sender<ExecutionStatus>,
    ) -> Result<direct::Results, String> {
        let operator = prepared.situation.operator.username.clone();
        let handle = job_run::start(client, &self.inner.jobs, &prepared.plan, &operator)
            .await
            .map_err(|e| e.to_string())?;
        status.job = Some(format!("{}/{}", handle.namespace, handle.name));
        status.steps.push(format!(
            "Job {}/{} created (ServiceAccount {})",
            handle.namespace,
            handle.name,
            prepared.plan.spec.service_account()
        ));
        let _ = updates.send(status.clone()).await;
        let base = status.clone();
        let tx = updates.clone();
        let mut forward = move |s: &ExecutionStatus| {
            let mut merged = base.clone();
            merged.log_tail.clone_from(&s.log_tail);
            merged.steps.extend(s.steps.iter().cloned());
            // A full channel only skips an intermediate update; the final one is sent by `execute`.
            let _ = tx.try_send(merged);
        };
        // Cancellation and the timeout are `execute`'s (it deletes the Job when it stops one).
        let end =
            job_follow::follow(client, &handle, &mut forward, &CancellationToken::new()).await;
        status.log_tail = end.log_tail;
        status.steps.extend(end.steps);
        match end.phase {
            super::Phase::Succeeded => status.steps.push("Job complete".to_owned()),
            super::Phase::Failed { why } | super::Phase::Cancelled { why } => {
                return Err(format!("the Job failed: {why}"));
            }
            other => return Err(format!("the Job ended unfinished ({other:?})")),
        }
        let _ = updates.send(status.clone()).await;
        let mut results = direct::Results::new();
        for follow_up in &prepared.plan.spec.after {
            let (op, on) = match follow_up {
                FollowUp::ReconcileOwner => match owner_ref(prepared) {
                    Some(owner) => (DirectOperation::Reconcile, owner),
                    None => {
                        status.steps.push(
                            "no Flux owner to reconcile: the target is not applied by Flux"
                                .to_owned(),
                        );
                        continue;
                    }
                },
                FollowUp::ResetHelmRelease => {
                    (DirectOperation::Reset, prepared.plan.target.rref.clone())
                }
            };
            let mut ctx = Ctx {
                client,
                read: &self.inner.client,
                status,
                updates,
            };
            results.extend(direct::run(op, &[on], &mut ctx).await?);
        }
        Ok(results)
    }

    /// The postconditions of a Job action.
    pub(super) async fn verify_job(
        &self,
        prepared: &Prepared,
        results: &direct::Results,
    ) -> Vec<Check> {
        let plan = &prepared.plan;
        let fallback = Captured {
            action: plan.spec.name.clone(),
            target: plan.target.rref.clone(),
            uid: prepared.uid.clone(),
            resource_version: plan.target.facts.resource_version.clone(),
            values: BTreeMap::new(),
        };
        let captured = prepared.job_capture.as_ref().unwrap_or(&fallback);
        let wait = plan.timeout.min(VERIFY_AT_MOST);
        let mut checks =
            super::workload_checks::verify(&self.inner.client, plan, captured, wait).await;
        let flux_on = if plan.spec.after.contains(&FollowUp::ReconcileOwner) {
            owner_ref(prepared).unwrap_or_else(|| plan.target.rref.clone())
        } else {
            plan.target.rref.clone()
        };
        for condition in &plan.spec.postconditions {
            if !matches!(
                condition,
                Postcondition::FluxReady
                    | Postcondition::ChainReady
                    | Postcondition::SuspendedState
            ) {
                continue;
            }
            let obj = match object::get(&self.inner.client, &flux_on).await {
                Ok(Some(o)) => o,
                Ok(None) => serde_json::Value::Null,
                Err(e) => {
                    checks.push(Check {
                        name: condition.as_str().to_owned(),
                        passed: false,
                        detail: super::run::api_message(&e),
                    });
                    continue;
                }
            };
            checks.push(super::conditions::post(*condition, &obj, results));
        }
        checks
    }
}

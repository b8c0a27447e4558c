//! Executing a prepared action: re-check (the preparation is the executor's own, still allowed, confirmed as
//! asked, the policy decides the same now, preconditions still hold, no other action on the target), record
//! the confirmed decision in the audit log **before** anything mutates (a failed write stops it), derive the
//! execution's permitted client (exactly the plan's requests, `cluster::guard`), run it under its timeout and
//! cancel token, verify the postconditions, record the outcome, and post the `FluxopsAction` Event.
//!
//! By executor: `direct` runs [`super::direct::run`]; `job` runs the Job and its follow-ups
//! (`super::job_steps`).

use super::direct::{self, Ctx};
use super::prepare::Prepared;
use super::report::{ExecutionStatus, Phase, Preparation};
use super::service::Executor;
use super::{conditions, event, object};
use crate::actions::Executor as Runner;
use crate::actions::spec::Postcondition;
use crate::audit::Outcome;
use crate::cluster::guard::{Permit, Stage};
use crate::policy::Confirmation;
use tokio::sync::mpsc::Sender;
use tokio_util::sync::CancellationToken;

/// The server's message of an API error (raw), or the guard's refusal, or what went wrong in words
/// ("cannot reach the API server: Connection refused …", never kube's wrappers).
#[must_use]
pub fn api_message(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
        other => crate::cluster::guard::refusal(other).map_or_else(
            || crate::cluster::failure::Failure::from_kube(other).words(),
            ToString::to_string,
        ),
    }
}

fn fail(status: &mut ExecutionStatus, why: impl Into<String>) -> ExecutionStatus {
    status.phase = Phase::Failed { why: why.into() };
    status.finished = Some(super::now());
    status.clone()
}

impl Executor {
    /// Executes `preparation` (see the module doc). `confirmation` is what the operator typed (the target's
    /// name when the decision asks for typed confirmation; ignored otherwise). Every change of the status is
    /// also sent to `updates`; the final status is returned. `cancel` stops it between requests.
    pub async fn execute(
        &self,
        preparation: &Preparation,
        confirmation: &str,
        updates: Sender<ExecutionStatus>,
        cancel: CancellationToken,
    ) -> ExecutionStatus {
        let mut status = ExecutionStatus {
            execution: preparation.execution.clone(),
            action: preparation.action.clone(),
            target: preparation.target.clone(),
            operator: String::new(),
            phase: Phase::Pending,
            started: super::now(),
            finished: None,
            job: None,
            steps: Vec::new(),
            postconditions: Vec::new(),
            log_tail: Vec::new(),
            rollback_available: false,
        };
        if let Some(kept) = self.take_restore(preparation) {
            return self
                .execute_restore_action(preparation, kept, confirmation, updates, cancel)
                .await;
        }
        let taken = self
            .inner
            .prepared
            .lock()
            .ok()
            .and_then(|mut t| t.remove(&preparation.execution));
        let Some(mut prepared) = taken else {
            return fail(
                &mut status,
                "this preparation is unknown here or was already executed: prepare it again",
            );
        };
        status
            .operator
            .clone_from(&prepared.situation.operator.username);
        if let Err(why) = self.recheck(&prepared, preparation, confirmation).await {
            self.record_outcome(&prepared, Outcome::Cancelled, &why, &mut status);
            return fail(&mut status, why);
        }
        let mut held = prepared.objects.clone();
        held.push(preparation.target.clone());
        let _inflight = match self.hold(&held) {
            Ok(h) => h,
            Err(why) => {
                self.record_outcome(&prepared, Outcome::Cancelled, &why, &mut status);
                return fail(&mut status, why);
            }
        };
        // The confirmed decision is recorded before anything is sent: no record, no mutation.
        let confirmed = crate::audit::Event::decision(
            &prepared.plan.execution,
            &prepared.plan.spec.name,
            &prepared.plan.target.rref,
            &prepared.situation.operator.username,
            prepared.situation.mode,
            &prepared.plan.params,
            &prepared.plan.decision,
        );
        if let Err(e) = self.inner.audit.append(&confirmed, &super::now()) {
            return fail(
                &mut status,
                format!("the audit log could not be written, nothing was changed: {e}"),
            );
        }
        let mut scope: Vec<(http::Method, String)> = match prepared.plan.spec.executor {
            Runner::Direct(_) => prepared
                .objects
                .iter()
                .map(|o| (http::Method::PATCH, object::path(o)))
                .collect(),
            Runner::Job(_) => self.job_scope(&prepared),
        };
        scope.push((http::Method::POST, object::events_path(&preparation.target)));
        let client = Permit::issue(
            preparation.execution.as_str(),
            &prepared.plan.decision,
            Stage::Execute,
            scope,
        )
        .ok_or_else(|| "denied by policy".to_owned())
        .and_then(|permit| {
            self.inner
                .opener
                .permitted(permit)
                .map_err(|e| e.to_string())
        });
        let client = match client {
            Ok(c) => c,
            Err(why) => {
                self.record_outcome(&prepared, Outcome::Failed, &why, &mut status);
                return fail(&mut status, why);
            }
        };
        status.phase = Phase::Running;
        let _ = updates.send(status.clone()).await;
        let timeout = prepared.plan.timeout;
        let result = {
            let run = self.dispatch(&prepared, &client, &mut status, &updates);
            tokio::select! {
                r = tokio::time::timeout(timeout, run) => match r {
                    Ok(r) => r.map_err(|why| Phase::Failed { why }),
                    Err(_) => Err(Phase::Cancelled {
                        why: format!("timed out after {}", humantime::format_duration(timeout)),
                    }),
                },
                () = cancel.cancelled() => Err(Phase::Cancelled { why: "stopped by the operator".to_owned() }),
            }
        };
        match result {
            Ok(results) => {
                status.phase = Phase::Verifying;
                let _ = updates.send(status.clone()).await;
                status.postconditions = self.verify(&prepared, &results).await;
                status.phase = match status.postconditions.iter().find(|c| !c.passed) {
                    None => Phase::Succeeded,
                    Some(c) => Phase::Failed {
                        why: format!("postcondition {} failed: {}", c.name, c.detail),
                    },
                };
            }
            Err(phase) => {
                // A stopped Job is deleted (its pods and input Secret go with it).
                if matches!(phase, Phase::Cancelled { .. })
                    && let Some((ns, name)) = status
                        .job
                        .clone()
                        .as_deref()
                        .and_then(|j| j.split_once('/'))
                {
                    match super::job_run::delete_job(&client, ns, name).await {
                        Ok(()) => status.steps.push(format!("Job {ns}/{name} deleted")),
                        Err(e) => status
                            .steps
                            .push(format!("the Job could not be deleted: {e}")),
                    }
                }
                status.phase = phase;
            }
        }
        let (outcome, detail) = match &status.phase {
            Phase::Succeeded => (Outcome::Succeeded, String::new()),
            Phase::Cancelled { why } => (Outcome::Cancelled, why.clone()),
            Phase::Failed { why } => (Outcome::Failed, why.clone()),
            _ => (Outcome::Failed, "ended unfinished".to_owned()),
        };
        self.record_outcome(&prepared, outcome, &detail, &mut status);
        let message = event::message(
            &prepared.plan.spec.name,
            preparation.execution.as_str(),
            &status.operator,
            outcome.as_str(),
            &detail,
        );
        let body = event::build(
            &preparation.target,
            prepared.uid.as_deref(),
            preparation.execution.as_str(),
            outcome != Outcome::Succeeded,
            &message,
        );
        if let Err(e) = event::post(&client, &preparation.target, &body).await {
            status
                .steps
                .push(format!("the FluxopsAction Event could not be posted: {e}"));
        }
        if outcome == Outcome::Succeeded
            && let Some(original) = prepared.rollback_of.take()
        {
            self.mark_rolled_back(&original, &mut status);
        }
        status.rollback_available = matches!(status.phase, Phase::Succeeded | Phase::Failed { .. })
            && self.keep_rollback(&prepared, &mut status);
        status.finished = Some(super::now());
        let _ = updates.send(status.clone()).await;
        status
    }

    /// Runs the plan by its executor: the seam where Job actions plug in.
    async fn dispatch(
        &self,
        prepared: &Prepared,
        client: &kube::Client,
        status: &mut ExecutionStatus,
        updates: &Sender<ExecutionStatus>,
    ) -> Result<direct::Results, String> {
        match prepared.plan.spec.executor {
            Runner::Direct(op) => {
                let mut ctx = Ctx {
                    client,
                    read: &self.inner.client,
                    status,
                    updates,
                };
                direct::run(op, &prepared.objects, &mut ctx).await
            }
            Runner::Job(_) => self.run_job(prepared, client, status, updates).await,
        }
    }

    async fn recheck(
        &self,
        prepared: &Prepared,
        shown: &Preparation,
        typed: &str,
    ) -> Result<(), String> {
        if self.inner.readonly {
            return Err("read-only mode: nothing may change the cluster".to_owned());
        }
        if prepared.report != *shown {
            return Err("the preparation differs from the one this executor made".to_owned());
        }
        let report = &prepared.report;
        if !report.decision.allow {
            return Err(format!(
                "denied by policy: {}",
                report.decision.deny.join("; ")
            ));
        }
        if let Some(missing) = &report.forbidden {
            return Err(format!("forbidden: {missing}"));
        }
        if let Some(c) = report.preconditions.iter().find(|c| !c.passed) {
            return Err(format!(
                "precondition {} does not hold: {}",
                c.name, c.detail
            ));
        }
        if !report.executable() {
            return Err("the server-side dry-run did not pass".to_owned());
        }
        if report.confirmation == Confirmation::Typed && typed != report.target.name {
            return Err(format!(
                "typed confirmation does not match: type the target's name '{}'",
                report.target.name
            ));
        }
        let live = object::get(&self.inner.client, &report.target)
            .await
            .map_err(|e| api_message(&e))?;
        let mut situation = prepared.situation.clone();
        situation.time = super::now();
        let owner_live = self
            .owner_live(situation.owner.as_ref(), &prepared.plan.spec)
            .await;
        if let (Some(owner), Some(now)) = (situation.owner.as_mut(), owner_live.as_ref()) {
            owner.suspended = object::suspended(now);
        }
        let again = self.decide(
            &prepared.plan.spec,
            &prepared.plan.target,
            &prepared.plan.params,
            &situation,
        );
        if again.digest() != prepared.plan.decision.digest() {
            return Err(format!(
                "the policy decision changed since it was shown ({}); prepare again",
                if again.allow {
                    "now allowed differently"
                } else {
                    "now denied"
                }
            ));
        }
        for condition in &prepared.plan.spec.preconditions {
            let c = conditions::pre(
                *condition,
                live.as_ref(),
                prepared.plan.target.facts.resource_version.as_deref(),
                prepared.situation.owner.as_ref(),
                owner_live.as_ref(),
            );
            if !c.passed && *condition != crate::actions::spec::Precondition::TargetUnchanged {
                return Err(format!(
                    "precondition {} no longer holds: {}",
                    c.name, c.detail
                ));
            }
        }
        Ok(())
    }

    async fn verify(
        &self,
        prepared: &Prepared,
        results: &direct::Results,
    ) -> Vec<super::report::Check> {
        if matches!(prepared.plan.spec.executor, Runner::Job(_)) {
            return self.verify_job(prepared, results).await;
        }
        let mut out = Vec::new();
        let target = &prepared.plan.target.rref;
        for condition in &prepared.plan.spec.postconditions {
            let on = match condition {
                Postcondition::SourceArtifactUpdated => prepared.objects.first().unwrap_or(target),
                _ => target,
            };
            let obj = match object::get(&self.inner.client, on).await {
                Ok(Some(o)) => o,
                Ok(None) => serde_json::Value::Null,
                Err(e) => {
                    out.push(super::report::Check {
                        name: condition.as_str().to_owned(),
                        passed: false,
                        detail: api_message(&e),
                    });
                    continue;
                }
            };
            out.push(conditions::post(*condition, &obj, results));
        }
        out
    }

    fn record_outcome(
        &self,
        prepared: &Prepared,
        outcome: Outcome,
        detail: &str,
        status: &mut ExecutionStatus,
    ) {
        let event = crate::audit::Event::outcome(
            &prepared.plan.execution,
            &prepared.plan.spec.name,
            &prepared.plan.target.rref,
            outcome,
            detail,
        );
        if let Err(e) = self.inner.audit.append(&event, &super::now()) {
            status.steps.push(format!(
                "the outcome could not be recorded in the audit log: {e}"
            ));
        }
    }

    /// Records how a preparation ended without being executed (denied, declined, dry-run only) and forgets
    /// it.
    pub fn close(&self, preparation: &Preparation, outcome: Outcome, detail: &str) {
        if let Some((_, plan)) = self.take_restore(preparation) {
            self.close_restore(&plan, outcome, detail);
            return;
        }
        let taken = self
            .inner
            .prepared
            .lock()
            .ok()
            .and_then(|mut t| t.remove(&preparation.execution));
        if let Some(prepared) = taken {
            let event = crate::audit::Event::outcome(
                &prepared.plan.execution,
                &prepared.plan.spec.name,
                &prepared.plan.target.rref,
                outcome,
                detail,
            );
            if let Err(e) = self.inner.audit.append(&event, &super::now()) {
                tracing::warn!("audit outcome not recorded: {e}");
            }
        }
    }
}

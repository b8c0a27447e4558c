//! Executing a prepared restore (`restore` prepares it): re-check (not read-only, still executable, the policy
//! decides the same now), hold every Flux object involved as in flight, record the confirmed decision in the
//! audit log **before** anything is sent, derive the execution's permitted client (exactly the plan's PATCH
//! paths, `cluster::guard`), then under the timeout: suspend the live owners, server-side apply every object
//! (field manager `fluxops`), resume in dependency order (waiting for Ready), verify (every object exists; a
//! restored Flux object suspended in the snapshot is still suspended, the others Ready), record the outcome.
//!
//! A failure stops it where it is: owners fluxops suspended are left suspended (resuming would re-apply Git
//! over a half-restored state) and the status names them.

use super::object::{self, Readiness};
use super::report::{Check, Phase};
use super::restore::{RestorePlan, api_for, apply_params, decision_event, params_of, scope};
use super::service::Executor;
use crate::actions::TargetRef;
use crate::audit::Outcome;
use crate::cluster::guard::{Permit, Stage};
use kube::api::{Patch, PatchParams};
use serde::Serialize;
use std::time::Duration;
use tokio::sync::mpsc::Sender;

/// How often a wait reads the object again.
const POLL: Duration = Duration::from_millis(500);
/// Verification ends this long before the timeout, so what it found is reported rather than cut off.
const VERIFY_MARGIN: Duration = Duration::from_secs(3);

/// The Ready condition's reason and message (or that there is none).
fn ready_message(obj: &serde_json::Value) -> String {
    obj.pointer("/status/conditions")
        .and_then(serde_json::Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(serde_json::Value::as_str) == Some("Ready"))
        })
        .map_or_else(
            || "no Ready condition yet".to_owned(),
            |c| {
                let text = |k: &str| {
                    c.get(k)
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or_default()
                };
                format!(
                    "Ready={} {}: {}",
                    text("status"),
                    text("reason"),
                    text("message")
                )
            },
        )
}

/// Where a restore stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreStatus {
    pub execution: String,
    pub snapshot: String,
    pub phase: Phase,
    /// What was done, in order.
    pub steps: Vec<String>,
    pub checks: Vec<Check>,
    /// Owners fluxops suspended and did not resume (after a failure).
    pub left_suspended: Vec<String>,
    pub started: String,
    pub finished: Option<String>,
}

impl Executor {
    /// Executes `plan` (see the module doc); `confirmed`: the operator confirmed as the decision asks. Every
    /// change of the status is also sent to `updates`.
    pub async fn execute_restore(
        &self,
        plan: RestorePlan,
        confirmed: bool,
        updates: Sender<RestoreStatus>,
    ) -> RestoreStatus {
        let mut status = RestoreStatus {
            execution: plan.report.execution.to_string(),
            snapshot: plan.report.snapshot.clone(),
            phase: Phase::Pending,
            steps: Vec::new(),
            checks: Vec::new(),
            left_suspended: Vec::new(),
            started: super::now(),
            finished: None,
        };
        if let Err(why) = self.recheck_restore(&plan, confirmed) {
            self.restore_outcome(&plan, Outcome::Cancelled, &why);
            return finish(status, Phase::Failed { why });
        }
        let mut held: Vec<TargetRef> = plan.applies.iter().filter_map(|a| a.flux.clone()).collect();
        held.extend(plan.resume.iter().cloned());
        held.sort();
        held.dedup();
        let _inflight = match self.hold(&held) {
            Ok(h) => h,
            Err(why) => return finish(status, Phase::Failed { why }),
        };
        let params = params_of(&plan.report.snapshot, &plan.report);
        let confirmed_event = decision_event(
            &plan.report.execution,
            &plan.report.snapshot,
            &plan.situation,
            &params,
            &plan.report.decision,
        );
        if let Err(e) = self.inner.audit.append(&confirmed_event, &super::now()) {
            return finish(
                status,
                Phase::Failed {
                    why: format!("the audit log could not be written, nothing was changed: {e}"),
                },
            );
        }
        let client = Permit::issue(
            plan.report.execution.as_str(),
            &plan.report.decision,
            Stage::Execute,
            scope(&plan),
        )
        .ok_or_else(|| "denied by policy".to_owned())
        .and_then(|p| self.inner.opener.permitted(p).map_err(|e| e.to_string()));
        let client = match client {
            Ok(c) => c,
            Err(why) => {
                self.restore_outcome(&plan, Outcome::Failed, &why);
                return finish(status, Phase::Failed { why });
            }
        };
        status.phase = Phase::Running;
        let _ = updates.send(status.clone()).await;
        let mut suspended_here: Vec<TargetRef> = Vec::new();
        // Verification gets what is left of the timeout, less a margin so its findings are reported.
        let verify_deadline =
            tokio::time::Instant::now() + plan.timeout.saturating_sub(VERIFY_MARGIN);
        let run = self.run_restore(
            verify_deadline,
            &plan,
            &client,
            &mut status,
            &updates,
            &mut suspended_here,
        );
        let result = match tokio::time::timeout(plan.timeout, run).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "timed out after {}",
                humantime::format_duration(plan.timeout)
            )),
        };
        let (outcome, phase) = match result {
            Ok(()) if status.checks.iter().all(|c| c.passed) => {
                (Outcome::Succeeded, Phase::Succeeded)
            }
            Ok(()) => {
                let failed: Vec<String> = status
                    .checks
                    .iter()
                    .filter(|c| !c.passed)
                    .map(|c| format!("{}: {}", c.name, c.detail))
                    .collect();
                (
                    Outcome::Failed,
                    Phase::Failed {
                        why: format!("verification failed: {}", failed.join("; ")),
                    },
                )
            }
            Err(why) => {
                status.left_suspended = suspended_here.iter().map(ToString::to_string).collect();
                let why = if status.left_suspended.is_empty() {
                    why
                } else {
                    format!(
                        "{why}; left suspended (resume after checking): {}",
                        status.left_suspended.join(", ")
                    )
                };
                (Outcome::Failed, Phase::Failed { why })
            }
        };
        let detail = match &phase {
            Phase::Failed { why } => why.clone(),
            _ => String::new(),
        };
        self.restore_outcome(&plan, outcome, &detail);
        let status = finish(status, phase);
        let _ = updates.send(status.clone()).await;
        status
    }

    fn recheck_restore(&self, plan: &RestorePlan, confirmed: bool) -> Result<(), String> {
        if self.inner.readonly {
            return Err("read-only mode: nothing may change the cluster".to_owned());
        }
        if let Some(why) = plan.report.not_executable() {
            return Err(why);
        }
        if plan.report.confirmation != crate::policy::Confirmation::None && !confirmed {
            return Err("not confirmed".to_owned());
        }
        let now = super::now();
        let inputs: Vec<_> = plan
            .inputs
            .iter()
            .cloned()
            .map(|mut i| {
                i.time.clone_from(&now);
                i
            })
            .collect();
        let again = self.decide_all(&inputs);
        if again.digest() != plan.report.decision.digest() {
            return Err("the policy decision changed since it was shown; prepare again".to_owned());
        }
        Ok(())
    }

    async fn run_restore(
        &self,
        verify_deadline: tokio::time::Instant,
        plan: &RestorePlan,
        client: &kube::Client,
        status: &mut RestoreStatus,
        updates: &Sender<RestoreStatus>,
        suspended_here: &mut Vec<TargetRef>,
    ) -> Result<(), String> {
        for owner in &plan.suspend {
            merge_suspend(client, owner, true).await?;
            suspended_here.push(owner.clone());
            step(
                status,
                updates,
                format!("{owner}: suspended for the restore"),
            )
            .await;
        }
        for a in &plan.applies {
            api_for(client, &a.resource, &a.key)
                .patch(&a.key.name, &apply_params(), &Patch::Apply(&a.body))
                .await
                .map_err(|e| format!("apply {}: {}", a.key, super::run::api_message(&e)))?;
            if let Some(r) = &a.flux
                && plan.resume.contains(r)
            {
                suspended_here.push(r.clone());
            }
            step(
                status,
                updates,
                format!("{}: applied (server-side, fluxops)", a.key),
            )
            .await;
        }
        for r in &plan.resume {
            merge_suspend(client, r, false).await?;
            suspended_here.retain(|s| s != r);
            step(status, updates, format!("{r}: resumed, waiting for Ready")).await;
            match self.wait_ready(r, verify_deadline).await {
                Ok(message) => step(status, updates, format!("{r}: Ready: {message}")).await,
                Err(why) if plan.ready_before.contains(r) => return Err(why),
                // Not Ready before the restore either (or restored: verified below): said, not fatal.
                Err(why) => {
                    step(
                        status,
                        updates,
                        format!("{why} (it was not Ready before the restore)"),
                    )
                    .await
                }
            }
        }
        status.phase = Phase::Verifying;
        let _ = updates.send(status.clone()).await;
        status.checks = self.verify_restored(&plan.applies, verify_deadline).await;
        Ok(())
    }

    /// One check per applied object: present; a Flux object suspended in the snapshot still suspended, any other
    /// Flux object Ready (polled together until each is decided or `deadline`: then the Ready message says
    /// where it stands).
    async fn verify_restored(
        &self,
        applies: &[super::restore::Apply],
        deadline: tokio::time::Instant,
    ) -> Vec<Check> {
        let mut checks: Vec<Option<Check>> = vec![None; applies.len()];
        loop {
            let mut last_seen: Vec<String> = vec![String::new(); applies.len()];
            for (i, a) in applies.iter().enumerate() {
                if checks[i].is_some() {
                    continue;
                }
                let check = |passed: bool, detail: String| {
                    Some(Check {
                        name: a.key.to_string(),
                        passed,
                        detail,
                    })
                };
                let live = match api_for(&self.inner.client, &a.resource, &a.key)
                    .get_opt(&a.key.name)
                    .await
                {
                    Ok(Some(o)) => serde_json::to_value(o).unwrap_or_default(),
                    Ok(None) => {
                        checks[i] = check(false, "absent after the apply".to_owned());
                        continue;
                    }
                    Err(e) => {
                        checks[i] = check(false, super::run::api_message(&e));
                        continue;
                    }
                };
                checks[i] = match &a.flux {
                    None => check(true, "present".to_owned()),
                    Some(_) if a.suspended => {
                        let kept = object::suspended(&live);
                        check(
                            kept,
                            if kept {
                                "suspended, as in the snapshot".to_owned()
                            } else {
                                "not suspended, but the snapshot has it suspended".to_owned()
                            },
                        )
                    }
                    Some(_) => match object::readiness(&live) {
                        Readiness::Ready { message } => check(true, format!("Ready: {message}")),
                        Readiness::Failed { message } => {
                            check(false, format!("not Ready: {message}"))
                        }
                        Readiness::InProgress => {
                            last_seen[i] = ready_message(&live);
                            None
                        }
                    },
                };
            }
            if checks.iter().all(Option::is_some) || tokio::time::Instant::now() >= deadline {
                return checks
                    .into_iter()
                    .zip(applies)
                    .zip(last_seen)
                    .map(|((c, a), seen)| {
                        c.unwrap_or_else(|| Check {
                            name: a.key.to_string(),
                            passed: false,
                            detail: format!("not Ready in time: {seen}"),
                        })
                    })
                    .collect();
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until `r` is Ready (`Err` when it failed or is not Ready by `deadline`).
    async fn wait_ready(
        &self,
        r: &TargetRef,
        deadline: tokio::time::Instant,
    ) -> Result<String, String> {
        loop {
            match object::get(&self.inner.client, r).await {
                Ok(Some(obj)) => match object::readiness(&obj) {
                    Readiness::Ready { message } => return Ok(message),
                    Readiness::Failed { message } => {
                        return Err(format!("{r} is not Ready: {message}"));
                    }
                    Readiness::InProgress if tokio::time::Instant::now() >= deadline => {
                        return Err(format!("{r} not Ready in time: {}", ready_message(&obj)));
                    }
                    Readiness::InProgress => {}
                },
                Ok(None) => return Err(format!("{r} no longer exists")),
                Err(e) => return Err(format!("GET {r}: {}", super::run::api_message(&e))),
            }
            tokio::time::sleep(POLL).await;
        }
    }

    fn restore_outcome(&self, plan: &RestorePlan, outcome: Outcome, detail: &str) {
        let event = crate::audit::Event::Outcome {
            execution: plan.report.execution.clone(),
            action: super::restore::ACTION.to_owned(),
            target: format!("snapshot {}", plan.report.snapshot),
            outcome,
            detail: detail.to_owned(),
        };
        if let Err(e) = self.inner.audit.append(&event, &super::now()) {
            tracing::warn!("restore outcome not recorded in the audit log: {e}");
        }
    }

    /// Records how a prepared restore ended without being executed (denied, declined, dry-run only).
    pub fn close_restore(&self, plan: &RestorePlan, outcome: Outcome, detail: &str) {
        self.restore_outcome(plan, outcome, detail);
    }
}

async fn merge_suspend(client: &kube::Client, r: &TargetRef, value: bool) -> Result<(), String> {
    let params = PatchParams {
        field_manager: Some(super::patch::FIELD_MANAGER.to_owned()),
        ..PatchParams::default()
    };
    object::api(client, r)
        .patch(
            &r.name,
            &params,
            &Patch::Merge(&super::patch::suspend(value)),
        )
        .await
        .map(|_| ())
        .map_err(|e| format!("PATCH {r}: {}", super::run::api_message(&e)))
}

async fn step(status: &mut RestoreStatus, updates: &Sender<RestoreStatus>, text: String) {
    status.steps.push(text);
    let _ = updates.send(status.clone()).await;
}

fn finish(mut status: RestoreStatus, phase: Phase) -> RestoreStatus {
    status.phase = phase;
    status.finished = Some(super::now());
    status
}

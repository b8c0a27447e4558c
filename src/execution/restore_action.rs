//! The catalog action `snapshot-restore` through the generic pipeline (`Executor::prepare` / `execute`, as the
//! console's action menu and the runbooks call it): `--param snapshot=ID` names the snapshot, the target is the
//! object restored from it. When the snapshot loads and holds the target, the preparation is
//! [`Executor::prepare_restore`]'s for that one object, shown as a [`Preparation`] and kept here until executed
//! ([`Executor::execute_restore`], its status shown as an [`ExecutionStatus`]). When it does not, the generic
//! preparation runs with a failed `snapshot` precondition (the decision is still made and audited; nothing is
//! sent).

use super::prepare::{ActionRequest, PrepareError};
use super::report::{Check, DryRun, ExecutionStatus, Phase, Preparation};
use super::restore::{RestorePlan, RestoreRequest};
use super::restore_run::RestoreStatus;
use super::service::Executor;
use crate::actions::Executor as Runner;
use crate::actions::spec::DirectOperation;
use crate::audit::Outcome;
use crate::policy::Confirmation;
use tokio::sync::mpsc::Sender;
use tokio_util::sync::CancellationToken;

/// The snapshot object `request` names, or why there is none.
pub(super) fn snapshot_object(
    request: &ActionRequest,
) -> Result<(String, crate::snapshot::ObjectKey, serde_json::Value), String> {
    let id = request
        .params
        .iter()
        .find(|(k, _)| k == "snapshot")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| "no snapshot parameter".to_owned())?;
    let root = crate::snapshot::store::root().map_err(|e| e.to_string())?;
    let snapshot = crate::snapshot::store::load(&crate::snapshot::store::resolve(&root, &id))
        .map_err(|e| e.to_string())?;
    let t = &request.target;
    let (key, obj) = snapshot
        .objects
        .iter()
        .find(|(k, _)| {
            k.kind == t.kind.as_str()
                && k.group == t.kind.group()
                && k.name == t.name
                && k.namespace == t.namespace.clone().unwrap_or_default()
        })
        .ok_or_else(|| format!("snapshot {id} does not hold {t}"))?;
    Ok((snapshot.manifest.id, key.clone(), obj.clone()))
}

impl Executor {
    /// `Some` when `request` is a `snapshot-restore` whose snapshot holds the target: its preparation.
    pub(super) async fn prepare_restore_action(
        &self,
        request: &ActionRequest,
    ) -> Option<Result<Preparation, PrepareError>> {
        let spec = self.inner.catalog.get(&request.action)?;
        if spec.executor != Runner::Direct(DirectOperation::Restore) {
            return None;
        }
        let (id, key, obj) = snapshot_object(request).ok()?;
        let restore = RestoreRequest {
            snapshot: id.clone(),
            objects: vec![(key, obj)],
            mode: request.mode,
            break_glass: request.break_glass.clone(),
            timeout: request.timeout,
        };
        let plan = match self.prepare_restore(&restore).await {
            Ok(p) => p,
            Err(e) => {
                return Some(Err(PrepareError::Cluster {
                    target: request.target.to_string(),
                    detail: e.to_string(),
                }));
            }
        };
        let r = plan.preparation();
        let mut preconditions = Vec::new();
        let dry_run = if r.items.is_empty() {
            preconditions.push(Check {
                name: "snapshot".to_owned(),
                passed: false,
                detail: format!("{} equals the snapshot: nothing to restore", request.target),
            });
            DryRun::Skipped {
                why: "nothing to restore".to_owned(),
            }
        } else {
            r.dry_run.clone()
        };
        let preparation = Preparation {
            execution: r.execution.clone(),
            action: request.action.clone(),
            target: request.target.clone(),
            params: vec![("snapshot".to_owned(), id)],
            decision: r.decision.clone(),
            confirmation: r.confirmation,
            forbidden: r.forbidden.clone(),
            preconditions,
            dry_run,
            job_yaml: None,
            rollback: r
                .owners
                .iter()
                .map(|o| format!("owner suspended and resumed: {o}"))
                .collect(),
            inverse: None,
        };
        if let Ok(mut table) = self.inner.restores.lock() {
            table.insert(preparation.execution.clone(), (preparation.clone(), plan));
        }
        Some(Ok(preparation))
    }

    /// The kept restore of `preparation`, taken out (`None`: not a restore).
    pub(super) fn take_restore(
        &self,
        preparation: &Preparation,
    ) -> Option<(Preparation, RestorePlan)> {
        self.inner
            .restores
            .lock()
            .ok()
            .and_then(|mut t| t.remove(&preparation.execution))
    }

    /// Executes a kept restore; the status as an [`ExecutionStatus`].
    pub(super) async fn execute_restore_action(
        &self,
        shown: &Preparation,
        kept: (Preparation, RestorePlan),
        typed: &str,
        updates: Sender<ExecutionStatus>,
        cancel: CancellationToken,
    ) -> ExecutionStatus {
        let (prepared, plan) = kept;
        let operator = plan.situation.operator.username.clone();
        let mut status = ExecutionStatus {
            execution: shown.execution.clone(),
            action: shown.action.clone(),
            target: shown.target.clone(),
            operator,
            phase: Phase::Pending,
            started: super::now(),
            finished: None,
            job: None,
            steps: Vec::new(),
            postconditions: Vec::new(),
            log_tail: Vec::new(),
            rollback_available: false,
        };
        if prepared != *shown || !shown.executable() {
            self.close_restore(&plan, Outcome::Cancelled, "not executable as shown");
            status.phase = Phase::Failed {
                why:
                    "the preparation differs from the one this executor made, or is not executable"
                        .to_owned(),
            };
            status.finished = Some(super::now());
            return status;
        }
        let confirmed = shown.confirmation != Confirmation::Typed || typed == shown.target.name;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<RestoreStatus>(64);
        let base = status.clone();
        let forward = tokio::spawn(async move {
            while let Some(s) = rx.recv().await {
                let _ = updates.send(convert(&base, &s)).await;
            }
        });
        let result = tokio::select! {
            s = self.execute_restore(plan, confirmed, tx) => Some(s),
            () = cancel.cancelled() => None,
        };
        let _ = forward.await;
        match result {
            Some(s) => convert(&status, &s),
            None => {
                status.phase = Phase::Cancelled {
                    why: "stopped by the operator".to_owned(),
                };
                status.finished = Some(super::now());
                status
            }
        }
    }
}

fn convert(base: &ExecutionStatus, s: &RestoreStatus) -> ExecutionStatus {
    let mut out = base.clone();
    out.phase = s.phase.clone();
    out.steps.clone_from(&s.steps);
    out.postconditions.clone_from(&s.checks);
    out.finished.clone_from(&s.finished);
    out
}

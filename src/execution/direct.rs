//! The direct Flux operations, as `flux` does them (FLUX.md §7, flux2 `cmd/flux/reconcile*.go`, `suspend.go`,
//! `resume.go`), through the execution's permitted client:
//! - reconcile (and HelmRelease force/reset): merge-patch `reconcile.fluxcd.io/requestedAt` (with
//!   `forceAt`/`resetAt` equal to it), then wait until `status.lastHandledReconcileAt` equals the token and
//!   Ready is decided (Ready=True done; Ready=False with nothing reconciling, or Stalled, failed); a suspended
//!   object is refused (`resource is suspended`);
//! - reconcile with source: the source first (wait for its handled request and Ready artifact), then the
//!   object;
//! - suspend: merge-patch `spec.suspend=true` and read it back; resume: `spec.suspend=false` (the generation
//!   bump starts a reconcile), then wait for Ready at the new generation;
//! - recover chain: each object of the chain in order, waiting for Ready before the next; the first failure
//!   stops it.
//!
//! Timeouts and cancellation wrap the whole run (`run`): dropping the future stops it between requests.

use super::object::{self, Readiness};
use super::patch;
use super::report::ExecutionStatus;
use crate::actions::TargetRef;
use crate::actions::spec::DirectOperation;
use kube::api::{Patch, PatchParams};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::mpsc::Sender;

/// How often a wait reads the object again.
const POLL: Duration = Duration::from_millis(500);

/// What a direct run works with.
pub(super) struct Ctx<'a> {
    /// The execution's permitted client (patches).
    pub client: &'a kube::Client,
    /// The shared closed client (reads).
    pub read: &'a kube::Client,
    pub status: &'a mut ExecutionStatus,
    pub updates: &'a Sender<ExecutionStatus>,
}

impl Ctx<'_> {
    async fn step(&mut self, text: String) {
        self.status.steps.push(text);
        let _ = self.updates.send(self.status.clone()).await;
    }
}

/// Each object's readiness at the end (for `chain-ready`).
pub(super) type Results = Vec<(String, Readiness)>;

/// Runs `op` over `objects` (the target last); `Err` is why it failed, the steps say how far it got.
pub(super) async fn run(
    op: DirectOperation,
    objects: &[TargetRef],
    ctx: &mut Ctx<'_>,
) -> Result<Results, String> {
    let Some(target) = objects.last() else {
        return Err("nothing to act on".to_owned());
    };
    let mut results = Results::new();
    match op {
        DirectOperation::Suspend => {
            send(ctx, target, &patch::suspend(true)).await?;
            ctx.step(format!("{target}: spec.suspend=true")).await;
            let obj = read(ctx, target).await?;
            if !object::suspended(&obj) {
                return Err(format!("{target} is not suspended after the patch"));
            }
            ctx.step(format!("{target}: suspended")).await;
        }
        DirectOperation::Resume => {
            send(ctx, target, &patch::suspend(false)).await?;
            ctx.step(format!("{target}: spec.suspend=false, waiting for Ready"))
                .await;
            let message = wait_ready(ctx, target, None).await?;
            ctx.step(format!("{target}: Ready: {message}")).await;
            results.push((target.to_string(), Readiness::Ready { message }));
        }
        DirectOperation::Reconcile
        | DirectOperation::Force
        | DirectOperation::Reset
        | DirectOperation::ReconcileWithSource => {
            for o in objects {
                let body_op = if o == target {
                    op
                } else {
                    DirectOperation::Reconcile
                };
                let message = reconcile(ctx, o, body_op).await?;
                results.push((o.to_string(), Readiness::Ready { message }));
            }
        }
        DirectOperation::Restore => {
            return Err(format!(
                "{target}: a restore runs through execution::restore (prepared from its snapshot)"
            ));
        }
        DirectOperation::RecoverChain => {
            for (i, o) in objects.iter().enumerate() {
                match reconcile(ctx, o, DirectOperation::Reconcile).await {
                    Ok(message) => results.push((o.to_string(), Readiness::Ready { message })),
                    Err(e) => {
                        let left = objects.len() - i - 1;
                        return Err(format!(
                            "{e}; the chain stopped there ({left} later object{} not reconciled)",
                            if left == 1 { "" } else { "s" }
                        ));
                    }
                }
            }
        }
    }
    Ok(results)
}

async fn send(ctx: &Ctx<'_>, o: &TargetRef, body: &Value) -> Result<(), String> {
    let params = PatchParams {
        field_manager: Some(patch::FIELD_MANAGER.to_owned()),
        ..PatchParams::default()
    };
    object::api(ctx.client, o)
        .patch(&o.name, &params, &Patch::Merge(body))
        .await
        .map(|_| ())
        .map_err(|e| format!("PATCH {o}: {}", super::run::api_message(&e)))
}

async fn read(ctx: &Ctx<'_>, o: &TargetRef) -> Result<Value, String> {
    match object::get(ctx.read, o).await {
        Ok(Some(obj)) => Ok(obj),
        Ok(None) => Err(format!("{o} no longer exists")),
        Err(e) => Err(format!("GET {o}: {}", super::run::api_message(&e))),
    }
}

/// Requests a reconcile of `o` (with `op`'s annotations) and waits until it was handled and Ready decided.
async fn reconcile(
    ctx: &mut Ctx<'_>,
    o: &TargetRef,
    op: DirectOperation,
) -> Result<String, String> {
    let before = read(ctx, o).await?;
    if object::suspended(&before) {
        return Err(format!("{o}: resource is suspended (resume it first)"));
    }
    let token = patch::token();
    send(ctx, o, &patch::for_operation(op, &token)).await?;
    ctx.step(format!("{o}: reconcile requested at {token}"))
        .await;
    let message = wait_ready(ctx, o, Some(&token)).await?;
    let revision = read(ctx, o)
        .await
        .ok()
        .and_then(|obj| object::revision(&obj).map(str::to_owned));
    ctx.step(match &revision {
        Some(rev) => format!("{o}: Ready at {rev}"),
        None => format!("{o}: Ready: {message}"),
    })
    .await;
    Ok(message)
}

/// Waits until `o` handled `token` (when given) and its readiness is decided: Ready is `Ok(message)`, failed
/// is `Err`.
async fn wait_ready(ctx: &Ctx<'_>, o: &TargetRef, token: Option<&str>) -> Result<String, String> {
    loop {
        let obj = read(ctx, o).await?;
        let handled = token.is_none_or(|t| object::last_handled(&obj) == Some(t));
        if handled {
            match object::readiness(&obj) {
                Readiness::Ready { message } => return Ok(message),
                Readiness::Failed { message } => {
                    return Err(format!("{o} is not Ready: {message}"));
                }
                Readiness::InProgress => {}
            }
        }
        tokio::time::sleep(POLL).await;
    }
}

//! The console's action backend: `app::effects_runner::ActionBackend` over `execution::Executor`. Wiring only:
//! each action effect becomes a tokio task calling the executor, answered with the message the effect names.
//! It keeps the preparations it handed out (an `Execute` names them by id) and a cancel token per running
//! execution. A bulk runs its executions in the order given, each waiting for the one before to end, and stops
//! at the first that does not succeed.

use crate::actions::{ExecutionId, ParamValue, ParamValues, Target, TargetRef};
use crate::app::effect::{Confirmed, Effect};
use crate::app::effects_runner::ActionBackend;
use crate::app::msg::Msg;
use crate::execution::{ActionRequest, Executor, Phase, Preparation};
use crate::policy::Mode;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// See the module doc.
pub struct ConsoleActions {
    executor: Executor,
    prepared: Arc<Mutex<HashMap<ExecutionId, Preparation>>>,
    running: Arc<Mutex<HashMap<ExecutionId, CancellationToken>>>,
}

impl ConsoleActions {
    #[must_use]
    pub fn new(executor: Executor) -> Self {
        Self {
            executor,
            prepared: Arc::default(),
            running: Arc::default(),
        }
    }
}

/// The parameters as `name=value` pairs (secrets included: they go to the executor only).
fn pairs(params: &ParamValues) -> Vec<(String, String)> {
    let secrets: HashMap<&str, &str> = params.secrets().map(|(k, v)| (k, v.expose())).collect();
    params
        .redacted()
        .into_keys()
        .filter_map(|name| {
            let value = match params.get(&name) {
                Some(ParamValue::Secret(_)) => secrets.get(name.as_str()).map(|s| (*s).to_owned()),
                _ => params.text(&name),
            }?;
            Some((name, value))
        })
        .collect()
}

async fn prepare(
    executor: &Executor,
    table: &Mutex<HashMap<ExecutionId, Preparation>>,
    request: ActionRequest,
) -> Result<Preparation, String> {
    let prepared = executor
        .prepare(&request)
        .await
        .map_err(|e| e.to_string())?;
    if let Ok(mut t) = table.lock() {
        t.insert(prepared.execution.clone(), prepared.clone());
    }
    Ok(prepared)
}

fn request(
    action: &str,
    target: TargetRef,
    params: &ParamValues,
    break_glass: Option<String>,
) -> ActionRequest {
    let mut r = ActionRequest::new(action, target, Mode::Interactive);
    r.params = pairs(params);
    r.break_glass = break_glass;
    r
}

/// How often executions found at start and still running are looked at again.
const FOUND_POLL: std::time::Duration = std::time::Duration::from_secs(5);

impl ActionBackend for ConsoleActions {
    /// Executions from before this console (found by their Jobs' labels) go to the Jobs screen; those still
    /// running are listed again every [`FOUND_POLL`] until they end (read-only: this console holds no cancel
    /// token for them).
    fn start(&self, answers: mpsc::Sender<Msg>) {
        let executor = self.executor.clone();
        tokio::spawn(async move {
            // Only the executions found at start are followed: this console reports its own itself.
            let mut followed: Option<std::collections::HashSet<ExecutionId>> = None;
            loop {
                let found = match executor.found().await {
                    Ok(found) => found,
                    Err(e) => {
                        tracing::info!("executions from before this console not found: {e}");
                        return;
                    }
                };
                let ours = followed
                    .get_or_insert_with(|| found.iter().map(|s| s.execution.clone()).collect());
                let mut running = false;
                for status in found.into_iter().filter(|s| ours.contains(&s.execution)) {
                    running |= !status.phase.finished();
                    if answers.send(Msg::Execution(status)).await.is_err() {
                        return;
                    }
                }
                if !running {
                    return;
                }
                tokio::time::sleep(FOUND_POLL).await;
            }
        });
    }

    fn perform(&self, effect: Effect, answers: mpsc::Sender<Msg>) {
        let executor = self.executor.clone();
        let prepared = Arc::clone(&self.prepared);
        let running = Arc::clone(&self.running);
        match effect {
            Effect::ActionMenu { target, owner } => {
                tokio::spawn(async move {
                    let entries = executor
                        .menu(&Target::bare(target.clone()), owner.as_ref())
                        .await;
                    let _ = answers.send(Msg::ActionMenu(target, Ok(entries))).await;
                });
            }
            Effect::Prepare {
                action,
                target,
                params,
                break_glass,
            } => {
                tokio::spawn(async move {
                    let r = request(&action, target, &params, break_glass);
                    let answer = prepare(&executor, &prepared, r).await;
                    let _ = answers.send(Msg::Prepared(answer)).await;
                });
            }
            Effect::Bulk {
                action,
                targets,
                params,
            } => {
                tokio::spawn(async move {
                    let mut all = Vec::new();
                    for target in targets {
                        let r = request(&action, target, &params, None);
                        all.push(prepare(&executor, &prepared, r).await);
                    }
                    let _ = answers.send(Msg::BulkPrepared(all)).await;
                });
            }
            Effect::Execute {
                executions,
                confirmation,
            } => {
                tokio::spawn(async move {
                    for (i, id) in executions.into_iter().enumerate() {
                        let Some(preparation) =
                            prepared.lock().ok().and_then(|mut t| t.remove(&id))
                        else {
                            let _ = answers
                                .send(Msg::ActionFailed(format!(
                                    "execution {id} is not prepared here"
                                )))
                                .await;
                            return;
                        };
                        let typed = match &confirmation {
                            Confirmed::Typed(name) => name.clone(),
                            Confirmed::NotAsked | Confirmed::Yes => String::new(),
                        };
                        let cancel = CancellationToken::new();
                        if let Ok(mut r) = running.lock() {
                            r.insert(id.clone(), cancel.clone());
                        }
                        let (tx, mut rx) = mpsc::channel(16);
                        let forward = answers.clone();
                        let relay = tokio::spawn(async move {
                            while let Some(status) = rx.recv().await {
                                let _ = forward.send(Msg::Execution(status)).await;
                            }
                        });
                        // A bulk's typed confirmation names its first (root) target: the later ones run
                        // only if that one matched and succeeded (the loop stops otherwise).
                        let typed = if i > 0 && !typed.is_empty() {
                            preparation.target.name.clone()
                        } else {
                            typed
                        };
                        let end = executor.execute(&preparation, &typed, tx, cancel).await;
                        let _ = relay.await;
                        if let Ok(mut r) = running.lock() {
                            r.remove(&id);
                        }
                        let ok = end.phase == Phase::Succeeded;
                        let _ = answers.send(Msg::Execution(end)).await;
                        if !ok {
                            break;
                        }
                    }
                });
            }
            Effect::Cancel { execution } => {
                if let Some(token) = running.lock().ok().and_then(|r| r.get(&execution).cloned()) {
                    token.cancel();
                }
            }
            Effect::Rollback { execution } => {
                tokio::spawn(async move {
                    let answer = match executor.rollback(&execution).await {
                        Ok(p) => {
                            if let Ok(mut t) = prepared.lock() {
                                t.insert(p.execution.clone(), p.clone());
                            }
                            Ok(p)
                        }
                        Err(e) => Err(e.to_string()),
                    };
                    let _ = answers.send(Msg::Prepared(answer)).await;
                });
            }
            Effect::Quit
            | Effect::ReloadKubeconfig
            | Effect::Inspect(_)
            | Effect::Suspend
            | Effect::Files(_)
            | Effect::Switch(_)
            | Effect::Copy(_)
            | Effect::Osc52 { .. }
            | Effect::ShowFleet
            | Effect::FollowLogs(_)
            | Effect::StopLogs
            | Effect::Trace(_) => {}
        }
    }
}

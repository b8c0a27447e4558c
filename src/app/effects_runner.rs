//! The effects runner: performs the [`Effect`]s `update` returns, off the run loop. Each fetch runs in its own
//! tokio task and answers with a [`Msg`] on the runner's channel, which `app::run` selects on beside keys and
//! cluster events; only `app::run` applies it to `State`.
//!
//! The log view's stream (`Effect::FollowLogs`) is one task at a time, aborted by `Effect::StopLogs` or the next
//! stream; the trace tab's fetch (`Effect::Trace`) is single-slot. The drill-down's fetch is single-slot: a new `Effect::Inspect` aborts the task of the previous one (it would
//! be dropped by id anyway; aborting saves its remaining GETs). Without a client (a console fed from a channel
//! only, as in some tests) a fetch answers at once with an error saying so. `Effect::Quit` is the run loop's.
//!
//! The action effects (`ActionMenu`, `Prepare`, `Bulk`, `Execute`, `Cancel`, `Rollback`) go through ONE seam:
//! the runner's [`ActionBackend`] ([`EffectsRunner::with_actions`]). Without one, every action effect is answered
//! at once with [`NOT_CONNECTED`] (an empty menu saying so, a preparation that failed, a notice), so nothing
//! can mutate and the console says why.

use super::copy::{ClipboardAnswer, CopyContent, CopyRequest};
use super::effect::Effect;
use super::inspect::TraceAnswer;
use super::logs::{LogEvent, LogsAnswer};
use super::msg::Msg;
use crate::cluster::inspect::{self, FetchError, InspectAnswer};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// What the console says when no action pipeline is wired in.
pub const NOT_CONNECTED: &str = "actions are not connected";

/// The action pipeline as the console sees it (the executor implements it). `perform` gets only the action
/// effects listed in the module doc, returns at once (it spawns what it needs) and answers on `answers` with the
/// message each effect names (`Msg::ActionMenu`, `Msg::Prepared`, `Msg::BulkPrepared`, `Msg::Execution`,
/// `Msg::ActionFailed`).
pub trait ActionBackend: Send + Sync {
    fn perform(&self, effect: Effect, answers: mpsc::Sender<Msg>);

    /// Called once when the runner gets the backend: executions already under way or finished (found in the
    /// cluster) may be reported as `Msg::Execution`s. Returns at once.
    fn start(&self, _answers: mpsc::Sender<Msg>) {}
}

/// Answers in flight at most (a full channel only delays an answer).
pub const CHANNEL_CAPACITY: usize = 16;

/// Performs effects; answers arrive on the receiver [`EffectsRunner::new`] returns.
pub struct EffectsRunner {
    client: Option<kube::Client>,
    tx: mpsc::Sender<Msg>,
    inspecting: Option<AbortHandle>,
    /// The log view's stream task (one at a time; aborted on `StopLogs` or a new `FollowLogs`).
    logs: Option<AbortHandle>,
    /// The trace tab's fetch (single-slot, like the drill-down's).
    tracing: Option<AbortHandle>,
    /// The action pipeline; `None`: every action effect is answered with [`NOT_CONNECTED`].
    actions: Option<Arc<dyn ActionBackend>>,
    /// Runbooks, walks and snapshots (`app::effects_files`), with the walk locks held.
    files: super::effects_files::Files,
}

impl EffectsRunner {
    /// A runner talking to the cluster through `client` (`None`: no cluster to fetch from).
    #[must_use]
    pub fn new(client: Option<kube::Client>) -> (Self, mpsc::Receiver<Msg>) {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        (
            Self {
                client,
                tx,
                inspecting: None,
                logs: None,
                tracing: None,
                actions: None,
                files: super::effects_files::Files::default(),
            },
            rx,
        )
    }

    /// This runner naming `server` (the API server's address) in the snapshots it takes.
    #[must_use]
    pub fn with_server(mut self, server: String) -> Self {
        self.files = super::effects_files::Files::for_server(server);
        self
    }

    /// This runner with the action pipeline wired in.
    #[must_use]
    pub fn with_actions(mut self, actions: Option<Arc<dyn ActionBackend>>) -> Self {
        if let Some(backend) = &actions {
            backend.start(self.tx.clone());
        }
        self.actions = actions;
        self
    }

    /// Starts performing `effect` (returns at once).
    pub fn run(&mut self, effect: Effect) {
        match effect {
            // Handled by the run loop itself.
            Effect::Quit
            | Effect::Suspend
            | Effect::ReloadKubeconfig
            | Effect::Switch(_)
            | Effect::Osc52 { .. }
            | Effect::ShowFleet => {}
            Effect::Copy(request) => self.copy(request),
            Effect::Inspect(req) => {
                if let Some(previous) = self.inspecting.take() {
                    previous.abort();
                }
                let tx = self.tx.clone();
                let client = self.client.clone();
                let task = tokio::spawn(async move {
                    let answer = match client {
                        Some(client) => inspect::inspect(&client, &req).await,
                        None => InspectAnswer {
                            id: req.id,
                            result: Err(FetchError::Other("not connected to a cluster".to_owned())),
                        },
                    };
                    // The console may have quit meanwhile: nobody to tell.
                    let _ = tx.send(Msg::Inspected(answer)).await;
                });
                self.inspecting = Some(task.abort_handle());
            }
            Effect::Files(effect) => self.files.run(effect, self.client.clone(), &self.tx),
            Effect::FollowLogs(req) => {
                if let Some(previous) = self.logs.take() {
                    previous.abort();
                }
                let tx = self.tx.clone();
                let client = self.client.clone();
                let task = tokio::spawn(async move {
                    let id = req.id;
                    let send = |event| {
                        let tx = tx.clone();
                        async move {
                            tx.send(Msg::ControllerLog(LogsAnswer { id, event }))
                                .await
                                .is_ok()
                        }
                    };
                    match client {
                        Some(client) => {
                            crate::cluster::controller_logs::stream(&client, &req.target, send)
                                .await;
                        }
                        None => {
                            let why = "not connected to a cluster".to_owned();
                            send(LogEvent::Problem(why)).await;
                        }
                    }
                });
                self.logs = Some(task.abort_handle());
            }
            Effect::StopLogs => {
                if let Some(task) = self.logs.take() {
                    task.abort();
                }
            }
            Effect::Trace(req) => {
                if let Some(previous) = self.tracing.take() {
                    previous.abort();
                }
                let tx = self.tx.clone();
                let client = self.client.clone();
                let task = tokio::spawn(async move {
                    let result = match client {
                        Some(client) => trace_of(&client, &req.target).await,
                        None => Err("not connected to a cluster".to_owned()),
                    };
                    let _ = tx
                        .send(Msg::Traced(TraceAnswer { id: req.id, result }))
                        .await;
                });
                self.tracing = Some(task.abort_handle());
            }
            Effect::ActionMenu { .. }
            | Effect::Prepare { .. }
            | Effect::Bulk { .. }
            | Effect::Execute { .. }
            | Effect::Cancel { .. }
            | Effect::Rollback { .. } => match &self.actions {
                Some(backend) => backend.perform(effect, self.tx.clone()),
                None => {
                    if let Some(answer) = not_connected(effect) {
                        let tx = self.tx.clone();
                        tokio::spawn(async move {
                            let _ = tx.send(answer).await;
                        });
                    }
                }
            },
        }
    }
}

impl EffectsRunner {
    /// `Effect::Copy`: the content (the YAML fetched with one GET), then the system clipboard when there is one
    /// (`crate::clipboard`), else the answer that sends it with OSC 52.
    fn copy(&self, request: CopyRequest) {
        let tx = self.tx.clone();
        let client = self.client.clone();
        let usable = crate::clipboard::system_clipboard_usable(|k| std::env::var(k).ok());
        tokio::spawn(async move {
            let CopyRequest { what, content } = request;
            let text = match content {
                CopyContent::Text(text) => text,
                CopyContent::Yaml(target) => match yaml(client, target).await {
                    Ok(text) => text,
                    Err(why) => {
                        let _ = tx
                            .send(Msg::Clipboard(ClipboardAnswer::Failed { what, why }))
                            .await;
                        return;
                    }
                },
            };
            let answer = if usable {
                let attempt = text.clone();
                match tokio::task::spawn_blocking(move || crate::clipboard::copy(&attempt)).await {
                    Ok(Ok(())) => ClipboardAnswer::Copied { what },
                    Ok(Err(why)) => ClipboardAnswer::NoClipboard { what, text, why },
                    Err(e) => ClipboardAnswer::NoClipboard {
                        what,
                        text,
                        why: e.to_string(),
                    },
                }
            } else {
                ClipboardAnswer::NoClipboard {
                    what,
                    text,
                    why: "no display (or over SSH, or in tmux)".to_owned(),
                }
            };
            let _ = tx.send(Msg::Clipboard(answer)).await;
        });
    }
}

/// The YAML to copy: the object fetched now, redacted and sanitised (`app::copy::yaml_text`).
async fn yaml(client: Option<kube::Client>, target: inspect::Target) -> Result<String, String> {
    let Some(client) = client else {
        return Err("not connected to a cluster".to_owned());
    };
    let req = inspect::InspectRequest {
        id: 0,
        target,
        inventory: false,
    };
    match inspect::inspect(&client, &req).await.result {
        Ok(found) => Ok(super::copy::yaml_text(&found.object)),
        Err(e) => Err(e.to_string()),
    }
}

/// The trace of a Flux object (its kind is known: no discovery) or of an object named by kind as typed
/// (resolved by discovery, as `fluxops trace` does).
async fn trace_of(
    client: &kube::Client,
    key: &super::inspect::TraceKey,
) -> Result<crate::flux::trace::Trace, String> {
    let start = match key {
        super::inspect::TraceKey::Flux(r) => {
            let gvk = kube::core::GroupVersionKind::gvk(
                r.kind.group(),
                r.kind.preferred_version(),
                r.kind.as_str(),
            );
            crate::cluster::trace::Start {
                resource: kube::core::ApiResource::from_gvk_with_plural(&gvk, r.kind.plural()),
                namespaced: true,
                namespace: r.namespace.clone(),
                name: r.name.clone(),
            }
        }
        super::inspect::TraceKey::Named(n) => {
            crate::cluster::trace::start_for(client, &n.kind, &n.namespace, &n.name)
                .await
                .map_err(|e| e.to_string())?
        }
    };
    crate::cluster::trace::trace(client, &start)
        .await
        .map_err(|e| e.to_string())
}

/// The answer to an action effect when no pipeline is wired in.
#[must_use]
pub fn not_connected(effect: Effect) -> Option<Msg> {
    let why = || NOT_CONNECTED.to_owned();
    Some(match effect {
        Effect::ActionMenu { target, .. } => Msg::ActionMenu(target, Err(why())),
        Effect::Prepare { .. } | Effect::Rollback { .. } => Msg::Prepared(Err(why())),
        Effect::Bulk { targets, .. } => {
            Msg::BulkPrepared(targets.iter().map(|_| Err(why())).collect())
        }
        Effect::Execute { .. } | Effect::Cancel { .. } => Msg::ActionFailed(why()),
        Effect::Quit
        | Effect::Suspend
        | Effect::ReloadKubeconfig
        | Effect::Inspect(_)
        | Effect::Files(_)
        | Effect::Switch(_)
        | Effect::Copy(_)
        | Effect::Osc52 { .. }
        | Effect::ShowFleet
        | Effect::FollowLogs(_)
        | Effect::StopLogs
        | Effect::Trace(_) => {
            return None;
        }
    })
}

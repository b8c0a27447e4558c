//! The log view's reads: the pods of the object's Flux controller, listed by label (`app=<controller>` in
//! `flux-system`, `flux::controller_log::pod_selector`), then each pod's `manager` log through kube-rs
//! `log_stream` (`follow=true`, the last [`TAIL_LINES`] lines first), merged.
//! Only the lines that name the object are sent on (`flux::controller_log::entry_for`). Every request is a
//! GET, so the view works under `--readonly`.
//!
//! What cannot be read is said in words: no pods, no access (403), an unreachable server, a stream that ended.
//! The stream runs until the receiver is dropped or the task is aborted (the runner aborts it on `StopLogs`).

use crate::flux::ResourceRef;
use crate::flux::controller_log::{self, CONTAINER, Entry, FLUX_NAMESPACE};
use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};

/// Lines asked of each pod's log when the stream starts (`tailLines`), before following.
pub const TAIL_LINES: i64 = 5000;

/// What the stream reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    /// Reading these pods (names), following.
    Started(Vec<String>),
    /// One line that names the object.
    Line(Entry),
    /// Why there is nothing (more) to read, in words: no pods, forbidden, unreachable, the stream ended.
    Problem(String),
}

/// Words for a failed request about `what`.
fn words(err: &kube::Error, what: &str) -> String {
    match err {
        kube::Error::Api(s) if s.code == 403 => {
            format!(
                "no access to {what} (forbidden): the log view needs get/list on pods and pods/log in {FLUX_NAMESPACE}"
            )
        }
        kube::Error::Api(s) if s.code == 404 => format!("{what}: not found"),
        kube::Error::Api(s) => format!("{what}: {} ({})", s.message, s.code),
        other => format!("{what}: the API server cannot be reached ({other})"),
    }
}

/// Streams the lines about `target` into `send` until `send` says stop (returns false) or every pod's stream
/// ended. `send` gets a [`LogEvent`] at a time.
pub async fn stream<F, Fut>(client: &kube::Client, target: &ResourceRef, mut send: F)
where
    F: FnMut(LogEvent) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let controller = controller_log::controller_of(target.kind);
    let selector = controller_log::pod_selector(target.kind);
    let pods: Api<Pod> = Api::namespaced(client.clone(), FLUX_NAMESPACE);
    let list = match pods.list(&ListParams::default().labels(&selector)).await {
        Ok(l) => l,
        Err(e) => {
            let _ = send(LogEvent::Problem(words(
                &e,
                &format!("pods in {FLUX_NAMESPACE}"),
            )))
            .await;
            return;
        }
    };
    let names: Vec<String> = list
        .items
        .iter()
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    if names.is_empty() {
        let _ = send(LogEvent::Problem(format!(
            "no {controller} pods in {FLUX_NAMESPACE} (label {selector}): is Flux installed there?"
        )))
        .await;
        return;
    }
    if !send(LogEvent::Started(names.clone())).await {
        return;
    }
    let params = LogParams {
        follow: true,
        container: Some(CONTAINER.to_owned()),
        tail_lines: Some(TAIL_LINES),
        ..LogParams::default()
    };
    let mut streams = Vec::new();
    for name in &names {
        match pods.log_stream(name, &params).await {
            Ok(reader) => {
                let pod = name.clone();
                streams.push(reader.lines().map(move |l| (pod.clone(), l)).boxed());
            }
            Err(e) => {
                if !send(LogEvent::Problem(words(
                    &e,
                    &format!("the log of pod {name}"),
                )))
                .await
                {
                    return;
                }
            }
        }
    }
    if streams.is_empty() {
        return;
    }
    let mut merged = futures::stream::select_all(streams);
    while let Some((pod, line)) = merged.next().await {
        let event = match line {
            Ok(line) => match controller_log::entry_for(&line, target, &pod) {
                Some(entry) => LogEvent::Line(entry),
                None => continue,
            },
            Err(e) => LogEvent::Problem(format!("the log of pod {pod} stopped: {e}")),
        };
        if !send(event).await {
            return;
        }
    }
    let _ = send(LogEvent::Problem(
        "the log streams ended (the pods went away?): L reads them again".to_owned(),
    ))
    .await;
}

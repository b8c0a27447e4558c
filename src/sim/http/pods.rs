//! The pod subresources the kubelet and the eviction API serve: `pods/<name>/log` (the text a container
//! printed, from `PodLogs`; `follow=true` streams until the pod finishes, `tailLines` and `container` as
//! kubectl sends them, the real 400 wordings for an unknown or missing container name) and `pods/<name>/eviction`
//! (policy/v1 Eviction: deletes the pod, respecting nothing but its existence; 201 with a Success Status).

use super::status::{StatusBody, from_store_error};
use super::write::parse_body;
use super::{Ctx, Req, json_response, status_response, with_common_headers};
use crate::sim::store::{StoreError, WriteOptions};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use std::time::Duration;

fn not_found(ctx: &Ctx<'_>, req: &Req) -> Response {
    let key = ctx.key();
    status_response(
        &from_store_error(&StoreError::NotFound {
            resource: key.resource,
            name: key.name,
        }),
        req.pretty,
    )
}

fn bad_request(message: String, req: &Req) -> Response {
    status_response(
        &StatusBody::failure(400, "BadRequest", message, None),
        req.pretty,
    )
}

/// POST `pods/<name>/eviction`.
pub(super) fn evict(ctx: &Ctx<'_>, req: &Req) -> Response {
    if req.method != Method::POST {
        return status_response(
            &StatusBody::method_not_allowed(req.method.as_str()),
            req.pretty,
        );
    }
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(e) => return status_response(&from_store_error(&e), req.pretty),
    };
    let key = ctx.key();
    if let Some(name) = body.pointer("/metadata/name").and_then(Value::as_str)
        && name != key.name
    {
        return bad_request(
            "name in URL does not match name in Eviction object".to_owned(),
            req,
        );
    }
    let dry_run = req.dry_run()
        || body
            .pointer("/deleteOptions/dryRun")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v == "All"));
    if ctx.state.store.get(&key).is_none() {
        return not_found(ctx, req);
    }
    let opts = WriteOptions {
        dry_run,
        field_manager: None,
    };
    if let Err(e) = ctx.state.store.delete(&key, &opts) {
        return status_response(&from_store_error(&e), req.pretty);
    }
    let status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                        "code": 201});
    json_response(StatusCode::CREATED, &status, req.pretty)
}

/// The container a log request reads, or the 400 the kubelet answers.
fn container(pod: &Value, requested: Option<&str>) -> Result<String, String> {
    let name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let names: Vec<&str> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    match (requested, names.as_slice()) {
        (Some(c), _) if names.contains(&c) => Ok(c.to_owned()),
        (Some(c), _) => Err(format!("container {c} is not valid for pod {name}")),
        (None, [only]) => Ok((*only).to_owned()),
        (None, many) => Err(format!(
            "a container name must be specified for pod {name}, choose one of: [{}]",
            many.join(" ")
        )),
    }
}

fn tail(text: &str, lines: Option<usize>) -> String {
    match lines {
        None => text.to_owned(),
        Some(n) => {
            let all: Vec<&str> = text.split_inclusive('\n').collect();
            all[all.len().saturating_sub(n)..].concat()
        }
    }
}

fn finished(pod: Option<&Value>) -> bool {
    pod.is_none_or(|p| {
        matches!(
            p.pointer("/status/phase").and_then(Value::as_str),
            Some("Succeeded" | "Failed")
        )
    })
}

/// GET `pods/<name>/log`.
pub(super) fn log(ctx: &Ctx<'_>, req: &Req) -> Response {
    if req.method != Method::GET {
        return status_response(
            &StatusBody::method_not_allowed(req.method.as_str()),
            req.pretty,
        );
    }
    let key = ctx.key();
    let Some(pod) = ctx.state.store.get(&key) else {
        return not_found(ctx, req);
    };
    let container = match container(&pod, req.param("container")) {
        Ok(c) => c,
        Err(message) => return bad_request(message, req),
    };
    let logs = ctx.state.logs.clone();
    let text = logs.get(&key.namespace, &key.name, &container);
    if text.is_none() && pod.pointer("/status/phase").and_then(Value::as_str) == Some("Pending") {
        return bad_request(
            format!(
                "container \"{container}\" in pod \"{}\" is waiting to start: ContainerCreating",
                key.name
            ),
            req,
        );
    }
    let lines = req.param("tailLines").and_then(|t| t.parse().ok());
    let full = text.unwrap_or_default();
    let mut sent = full.len();
    let first = tail(&full, lines);
    let follow = matches!(req.param("follow"), Some("true" | "1"));
    if !follow || finished(Some(&pod)) {
        return with_common_headers(Response::new(Body::from(first)), "text/plain");
    }
    let store = ctx.state.store.clone();
    let shutdown = ctx.state.shutdown.clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(64);
    tokio::spawn(async move {
        if tx.send(Ok(first)).await.is_err() {
            return;
        }
        loop {
            let done = finished(store.get(&key).as_deref());
            let now = logs
                .get(&key.namespace, &key.name, &container)
                .unwrap_or_default();
            if let Some(new) = now.get(sent..).filter(|n| !n.is_empty()) {
                if tx.send(Ok(new.to_owned())).await.is_err() {
                    return;
                }
                sent = now.len();
            }
            if done || shutdown.is_cancelled() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let body = Body::from_stream(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }));
    with_common_headers(Response::new(body), "text/plain")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_containers_are_chosen_like_the_kubelet() {
        let pod = json!({"metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        assert_eq!(container(&pod, Some("b")).unwrap(), "b");
        assert_eq!(
            container(&pod, None).unwrap_err(),
            "a container name must be specified for pod p, choose one of: [a b]"
        );
        assert_eq!(
            container(&pod, Some("c")).unwrap_err(),
            "container c is not valid for pod p"
        );
        assert_eq!(tail("1\n2\n3\n", Some(2)), "2\n3\n");
    }
}

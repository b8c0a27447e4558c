//! The pod subresources the kubelet and the eviction API serve: `pods/<name>/log` (the lines a container
//! printed, from `PodLogs`; `follow=true` streams until the pod finishes or goes, `tailLines`, `sinceSeconds` /
//! `sinceTime`, `timestamps`, `limitBytes`, `previous` and `container` as kube-apiserver reads them, its 422
//! for invalid options and the kubelet's 400 wordings for an unknown or missing container name) and `pods/<name>/eviction`
//! (policy/v1 Eviction: deletes the pod, respecting nothing but its existence; 201 with a Success Status).

use super::status::{CauseBody, Details, StatusBody, from_store_error};
use super::write::parse_body;
use super::{Ctx, Req, json_response, status_response, with_common_headers};
use crate::sim::store::{StoreError, WriteOptions};
use crate::sim::workloads::logs::{LogLine, LogRead};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
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

/// The log options of a request, checked as kube-apiserver's `ValidatePodLogOptions` checks them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct LogOptions {
    container: Option<String>,
    follow: bool,
    previous: bool,
    timestamps: bool,
    tail_lines: Option<usize>,
    limit_bytes: Option<usize>,
    /// Lines stamped before this are left out (`sinceSeconds` / `sinceTime`).
    since: Option<Timestamp>,
}

/// A query flag as the API server converts it (`Convert_Slice_string_To_bool`): absent, `0` and `false` (any
/// case) are false; anything else, the empty string included, is true.
fn flag(req: &Req, name: &str) -> bool {
    req.query
        .get(name)
        .is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"))
}

fn int(req: &Req, name: &str) -> Result<Option<i64>, String> {
    match req.param(name) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            format!(
                "{name}: Invalid value: \"{v}\": strconv.ParseInt: parsing \"{v}\": invalid syntax"
            )
        }),
    }
}

/// The 422 kube-apiserver answers for invalid `PodLogOptions` (`causes`: field, message).
fn invalid(pod: &str, causes: Vec<(&'static str, &'static str, String)>) -> StatusBody {
    let message = causes
        .iter()
        .map(|(field, _, body)| format!("{field}: {body}"))
        .collect::<Vec<_>>();
    let message = if message.len() == 1 {
        message.concat()
    } else {
        format!("[{}]", message.join(", "))
    };
    StatusBody::failure(
        422,
        "Invalid",
        format!("PodLogOptions \"{pod}\" is invalid: {message}"),
        Some(Details {
            name: Some(pod.to_owned()),
            kind: Some("PodLogOptions".to_owned()),
            causes: causes
                .into_iter()
                .map(|(field, reason, message)| CauseBody {
                    reason: reason.to_owned(),
                    message,
                    field: field.to_owned(),
                })
                .collect(),
            ..Details::default()
        }),
    )
}

fn log_options(req: &Req, pod: &str, now: Timestamp) -> Result<LogOptions, Box<StatusBody>> {
    let bad = |m: String| Box::new(StatusBody::failure(400, "BadRequest", m, None));
    let tail = int(req, "tailLines").map_err(bad)?;
    let limit = int(req, "limitBytes").map_err(bad)?;
    let since_seconds = int(req, "sinceSeconds").map_err(bad)?;
    let since_time = match req.param("sinceTime") {
        None => None,
        Some(t) => Some(t.parse::<Timestamp>().map_err(|_| {
            bad(format!(
                "sinceTime: Invalid value: \"{t}\": parsing time \"{t}\" as \"2006-01-02T15:04:05Z07:00\": cannot parse"
            ))
        })?),
    };
    let mut causes = Vec::new();
    if let Some(t) = tail.filter(|t| *t < 0) {
        causes.push((
            "tailLines",
            "FieldValueInvalid",
            format!("Invalid value: {t}: must be greater than or equal to 0"),
        ));
    }
    if let Some(l) = limit.filter(|l| *l < 1) {
        causes.push((
            "limitBytes",
            "FieldValueInvalid",
            format!("Invalid value: {l}: must be greater than 0"),
        ));
    }
    match (since_seconds, since_time) {
        (Some(_), Some(_)) => causes.push((
            "",
            "FieldValueForbidden",
            "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified".to_owned(),
        )),
        (Some(s), None) if s < 1 => causes.push((
            "sinceSeconds",
            "FieldValueInvalid",
            format!("Invalid value: {s}: must be greater than 0"),
        )),
        _ => {}
    }
    if !causes.is_empty() {
        return Err(Box::new(invalid(pod, causes)));
    }
    let since = since_time
        .or_else(|| since_seconds.and_then(|s| now.checked_sub(SignedDuration::from_secs(s)).ok()));
    Ok(LogOptions {
        container: req.param("container").map(str::to_owned),
        follow: flag(req, "follow"),
        previous: flag(req, "previous"),
        timestamps: flag(req, "timestamps"),
        tail_lines: tail.and_then(|t| usize::try_from(t).ok()),
        limit_bytes: limit.and_then(|l| usize::try_from(l).ok()),
        since,
    })
}

/// The text of `lines` as the kubelet writes it: one line each, with its RFC 3339 time first if `timestamps`.
fn render(lines: &[LogLine], timestamps: bool) -> String {
    let mut out = String::new();
    for l in lines {
        if timestamps {
            out.push_str(&l.at.to_string());
            out.push(' ');
        }
        out.push_str(&l.text);
        out.push('\n');
    }
    out
}

/// The lines of a first read that `options` keep: not before `since`, the last `tail_lines`.
fn select(mut lines: Vec<LogLine>, options: &LogOptions) -> Vec<LogLine> {
    if let Some(since) = options.since {
        lines.retain(|l| l.at >= since);
    }
    if let Some(n) = options.tail_lines {
        let drop = lines.len().saturating_sub(n);
        lines.drain(..drop);
    }
    lines
}

fn cut(mut text: String, limit: Option<usize>) -> String {
    if let Some(n) = limit
        && text.len() > n
    {
        let mut at = n;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
    }
    text
}

fn finished(pod: Option<&Value>) -> bool {
    pod.is_none_or(|p| {
        matches!(
            p.pointer("/status/phase").and_then(Value::as_str),
            Some("Succeeded" | "Failed")
        )
    })
}

/// GET `pods/<name>/log`: the options validated first (a 422 even for a pod that does not exist, as the real
/// server), then the pod, its container, the lines.
pub(super) fn log(ctx: &Ctx<'_>, req: &Req) -> Response {
    if req.method != Method::GET {
        return status_response(
            &StatusBody::method_not_allowed(req.method.as_str()),
            req.pretty,
        );
    }
    let key = ctx.key();
    let options = match log_options(req, &key.name, Timestamp::now()) {
        Ok(o) => o,
        Err(status) => return status_response(&status, req.pretty),
    };
    let Some(pod) = ctx.state.store.get(&key) else {
        return not_found(ctx, req);
    };
    let container = match container(&pod, options.container.as_deref()) {
        Ok(c) => c,
        Err(message) => return bad_request(message, req),
    };
    if options.previous {
        return bad_request(
            format!(
                "previous terminated container \"{container}\" in pod \"{}\" not found",
                key.name
            ),
            req,
        );
    }
    let logs = ctx.state.logs.clone();
    let read = logs.read(&key.namespace, &key.name, &container, 0);
    if read.is_none() && pod.pointer("/status/phase").and_then(Value::as_str) == Some("Pending") {
        return bad_request(
            format!(
                "container \"{container}\" in pod \"{}\" is waiting to start: ContainerCreating",
                key.name
            ),
            req,
        );
    }
    let read = read.unwrap_or_default();
    let mut next = read.next;
    let mut first = render(&select(read.lines, &options), options.timestamps);
    if !options.follow || finished(Some(&pod)) {
        if let Some(p) = read
            .partial
            .filter(|p| options.since.is_none_or(|s| p.at >= s))
        {
            if options.timestamps {
                first.push_str(&p.at.to_string());
                first.push(' ');
            }
            first.push_str(&p.text);
        }
        let text = cut(first, options.limit_bytes);
        return with_common_headers(Response::new(Body::from(text)), "text/plain");
    }
    let store = ctx.state.store.clone();
    let shutdown = ctx.state.shutdown.clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(64);
    let mut budget = options.limit_bytes.unwrap_or(usize::MAX);
    tokio::spawn(async move {
        let mut chunk = first;
        loop {
            if !chunk.is_empty() {
                let piece = cut(std::mem::take(&mut chunk), Some(budget));
                budget -= piece.len();
                if tx.send(Ok(piece)).await.is_err() || budget == 0 {
                    return;
                }
            }
            let done = finished(store.get(&key).as_deref());
            // Nothing printed yet is an empty read: the stream ends with the pod, not before its first line.
            let now = logs
                .read(&key.namespace, &key.name, &container, next)
                .unwrap_or(LogRead {
                    next,
                    ..LogRead::default()
                });
            next = now.next;
            chunk = render(&now.lines, options.timestamps);
            if done {
                if let Some(p) = now.partial {
                    chunk.push_str(&p.text);
                }
                if !chunk.is_empty() {
                    let _ = tx.send(Ok(cut(chunk, Some(budget)))).await;
                }
                return;
            }
            if shutdown.is_cancelled() {
                return;
            }
            if chunk.is_empty() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
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
    }
}

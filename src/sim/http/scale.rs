//! The `…/scale` subresource (autoscaling/v1 Scale) of Deployments: GET, PATCH, PUT change
//! `spec.replicas` of the Deployment.

use super::status::{StatusBody, from_store_error};
use super::write::{options, parse_body};
use super::{Ctx, Req, json_response, status_response};
use crate::sim::store::{Patch, StoreError, Subresource};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

/// The Scale view of a Deployment.
fn scale_of(obj: &Value) -> Value {
    let meta = |f: &str| {
        obj.pointer(&format!("/metadata/{f}"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let selector = obj
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let mut spec = json!({});
    if let Some(r) = obj
        .pointer("/spec/replicas")
        .filter(|r| r.as_i64() != Some(0))
    {
        spec["replicas"] = r.clone();
    }
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta("name"), "namespace": meta("namespace"), "uid": meta("uid"),
            "resourceVersion": meta("resourceVersion"), "creationTimestamp": meta("creationTimestamp"),
        },
        "spec": spec,
        "status": {
            "replicas": obj.pointer("/status/replicas").cloned().unwrap_or(json!(0)),
            "selector": selector,
        },
    })
}

/// GET/PATCH/PUT `…/deployments/<name>/scale`.
pub(super) fn scale(ctx: &Ctx<'_>, req: &Req) -> Response {
    let key = ctx.key();
    let store = &ctx.state.store;
    let Some(current) = store.get(&key) else {
        let err = StoreError::NotFound {
            resource: key.resource.clone(),
            name: key.name.clone(),
        };
        return status_response(&from_store_error(&err), req.pretty);
    };
    let wanted = match req.method {
        Method::GET => return json_response(StatusCode::OK, &scale_of(&current), req.pretty),
        Method::PUT | Method::PATCH => match parse_body(req) {
            Ok(body) if req.method == Method::PUT => body,
            Ok(body) => {
                let mut scale = scale_of(&current);
                let is_json_patch = req
                    .content_type
                    .as_deref()
                    .is_some_and(|c| c.starts_with("application/json-patch+json"));
                if is_json_patch {
                    let applied = serde_json::from_value::<json_patch::Patch>(body)
                        .map_err(|e| e.to_string())
                        .and_then(|p| {
                            json_patch::patch(&mut scale, &p.0).map_err(|e| e.to_string())
                        });
                    if let Err(e) = applied {
                        return status_response(
                            &from_store_error(&StoreError::Unprocessable(e)),
                            req.pretty,
                        );
                    }
                } else {
                    json_patch::merge(&mut scale, &body);
                }
                scale
            }
            Err(e) => return status_response(&from_store_error(&e), req.pretty),
        },
        ref other => {
            return status_response(&StatusBody::method_not_allowed(other.as_str()), req.pretty);
        }
    };
    let replicas = wanted
        .pointer("/spec/replicas")
        .cloned()
        .unwrap_or(json!(0));
    match store.patch(
        &key,
        &Patch::Merge(json!({ "spec": { "replicas": replicas } })),
        Subresource::Main,
        &options(req),
    ) {
        Ok(updated) => json_response(StatusCode::OK, &scale_of(&updated), req.pretty),
        Err(e) => status_response(&from_store_error(&e), req.pretty),
    }
}

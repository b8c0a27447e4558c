//! POST (create), PUT (update, `…/status`), PATCH (merge, JSON, apply; 415 for strategic merge on
//! custom resources), DELETE (with DeleteOptions), and SelfSubjectAccessReview.

use super::encode;
use super::path::ResourcePath;
use super::status::{Details, StatusBody, from_store_error};
use super::{ApiState, Ctx, Req, bytes_response, json_response, status_response};
use crate::sim::resource::GroupResource;
use crate::sim::store::meta::now_rfc3339;
use crate::sim::store::{Patch, StoreError, Subresource, WriteOptions};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

/// Parses a request body as JSON, or YAML (apply patches, `application/yaml`).
pub(super) fn parse_body(req: &Req) -> Result<Value, StoreError> {
    if let Ok(v) = serde_json::from_slice::<Value>(&req.body) {
        return Ok(v);
    }
    let text = std::str::from_utf8(&req.body)
        .map_err(|_| StoreError::BadRequest("the request body is not UTF-8".to_owned()))?;
    serde_saphyr::from_str::<Value>(text).map_err(|e| {
        StoreError::BadRequest(format!(
            "the object provided is unrecognized (must be of type {}): {e}",
            "JSON or YAML"
        ))
    })
}

/// Whether a DELETE body (DeleteOptions) asks for `dryRun: ["All"]`.
pub(super) fn body_requests_dry_run(req: &Req) -> bool {
    if req.body.is_empty() {
        return false;
    }
    serde_json::from_slice::<Value>(&req.body)
        .ok()
        .and_then(|v| v.get("dryRun").cloned())
        .and_then(|d| d.as_array().cloned())
        .is_some_and(|a| a.iter().any(|x| x == "All"))
}

pub(super) fn options(req: &Req) -> WriteOptions {
    WriteOptions {
        dry_run: req.dry_run() || body_requests_dry_run(req),
        field_manager: Some(req.field_manager()),
    }
}

fn error(err: &StoreError, req: &Req) -> Response {
    status_response(&from_store_error(err), req.pretty)
}

fn subresource(ctx: &Ctx<'_>) -> Subresource {
    if ctx.path.subresource.as_deref() == Some("status") {
        Subresource::Status
    } else {
        Subresource::Main
    }
}

/// The 404 a create gets when its namespace does not exist (with `require_namespaces`).
fn missing_namespace(ctx: &Ctx<'_>) -> Option<StoreError> {
    let ns = ctx.path.namespace.as_deref()?;
    let check = ctx.state.config.require_namespaces && ctx.def.namespaced;
    let key = crate::sim::store::ObjectKey::core("namespaces", "", ns);
    (check && ctx.state.store.get(&key).is_none()).then(|| StoreError::NotFound {
        resource: GroupResource::new("", "namespaces"),
        name: ns.to_owned(),
    })
}

/// POST to a collection.
pub(super) fn create(ctx: &Ctx<'_>, req: &Req) -> Response {
    if ctx.def.namespaced && ctx.path.namespace.is_none() {
        return status_response(&StatusBody::method_not_allowed("POST"), req.pretty);
    }
    if let Some(err) = missing_namespace(ctx) {
        return error(&err, req);
    }
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(e) => return error(&e, req),
    };
    match ctx.state.store.create(
        &ctx.def.group_resource(),
        ctx.namespace(),
        body,
        &options(req),
    ) {
        Ok(obj) => bytes_response(StatusCode::CREATED, encode::object(ctx.view(req), &obj)),
        Err(e) => error(&e, req),
    }
}

/// PUT an object or its status.
pub(super) fn update(ctx: &Ctx<'_>, req: &Req) -> Response {
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(e) => return error(&e, req),
    };
    match ctx
        .state
        .store
        .put(&ctx.key(), body, subresource(ctx), &options(req))
    {
        Ok(obj) => bytes_response(StatusCode::OK, encode::object(ctx.view(req), &obj)),
        Err(e) => error(&e, req),
    }
}

/// PATCH an object or its status.
pub(super) fn patch(ctx: &Ctx<'_>, req: &Req) -> Response {
    let content_type = req
        .content_type
        .as_deref()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(e) => return error(&e, req),
    };
    let patch = match content_type.as_str() {
        "application/merge-patch+json" => Patch::Merge(body),
        "application/strategic-merge-patch+json" if !ctx.def.custom => Patch::Merge(body),
        "application/json-patch+json" => match serde_json::from_value(body) {
            Ok(p) => Patch::Json(p),
            Err(e) => return error(&StoreError::BadRequest(e.to_string()), req),
        },
        "application/apply-patch+yaml" => {
            if req.param("fieldManager").is_none() {
                let err = StoreError::Unprocessable(
                    "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch".to_owned(),
                );
                return error(&err, req);
            }
            Patch::Apply(body)
        }
        _ => return status_response(&StatusBody::unsupported_media_type(), req.pretty),
    };
    let existed = ctx.state.store.get(&ctx.key()).is_some();
    if !existed && let Some(err) = missing_namespace(ctx) {
        return error(&err, req);
    }
    match ctx
        .state
        .store
        .patch(&ctx.key(), &patch, subresource(ctx), &options(req))
    {
        Ok(obj) => {
            let code = if existed {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            bytes_response(code, encode::object(ctx.view(req), &obj))
        }
        Err(e) => error(&e, req),
    }
}

/// DELETE an object: a Success Status naming it (pods, deleted gracefully, answer with the object).
pub(super) fn delete(ctx: &Ctx<'_>, req: &Req) -> Response {
    let key = ctx.key();
    match ctx.state.store.delete(&key, &options(req)) {
        Ok(obj) => {
            if ctx.def.kind == "Pod" {
                return bytes_response(StatusCode::OK, encode::object(ctx.view(req), &obj));
            }
            let details = Details {
                name: Some(key.name.clone()),
                group: (!ctx.def.group.is_empty()).then(|| ctx.def.group.to_owned()),
                kind: Some(ctx.def.plural.to_owned()),
                uid: obj
                    .pointer("/metadata/uid")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                causes: Vec::new(),
                retry_after_seconds: None,
            };
            status_response(&StatusBody::deleted(details), req.pretty)
        }
        Err(e) => error(&e, req),
    }
}

/// POST `/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`: allowed unless the kind is
/// forbidden by the test controls.
pub(super) fn access_review(state: &ApiState, path: &ResourcePath, req: &Req) -> Response {
    if path.resource != "selfsubjectaccessreviews" || path.name.is_some() {
        return status_response(&StatusBody::not_served(), req.pretty);
    }
    if req.method != axum::http::Method::POST {
        return status_response(
            &StatusBody::method_not_allowed(req.method.as_str()),
            req.pretty,
        );
    }
    let mut review = match parse_body(req) {
        Ok(b) => b,
        Err(e) => return error(&e, req),
    };
    let attrs = review.pointer("/spec/resourceAttributes");
    let field = |name: &str| {
        attrs
            .and_then(|a| a.get(name))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let resource = GroupResource::new(&field("group"), &field("resource"));
    let allowed = !state.controls.is_forbidden(&resource);
    if let Some(map) = review.as_object_mut() {
        map.insert("kind".to_owned(), json!("SelfSubjectAccessReview"));
        map.insert("apiVersion".to_owned(), json!("authorization.k8s.io/v1"));
        let mut metadata = json!({ "creationTimestamp": null });
        metadata["managedFields"] = json!([{
            "manager": req.field_manager(),
            "operation": "Update",
            "apiVersion": "authorization.k8s.io/v1",
            "time": now_rfc3339(),
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:resourceAttributes": {}}}
        }]);
        map.insert("metadata".to_owned(), metadata);
        map.insert("status".to_owned(), json!({ "allowed": allowed }));
    }
    json_response(StatusCode::CREATED, &review, req.pretty)
}

//! The HTTP side of authentication and authorization (`sim::auth` decides): the authorizer's attributes of a
//! request, the 403 Status kube-apiserver writes for a denied one (`deployments.apps "x" is forbidden: User "u"
//! cannot patch resource "deployments/scale" in API group "apps" in the namespace "ns"`, the authorizer's
//! reason appended after `: ` when it has one), SelfSubjectAccessReview (RBAC evaluated for the caller, the
//! allow reason included), SelfSubjectReview (`authentication.k8s.io/v1`, the caller's `UserInfo`) and the
//! TokenRequest subresource `serviceaccounts/<name>/token`.

use super::path::ResourcePath;
use super::status::{Details, StatusBody};
use super::write::parse_body;
use super::{ApiState, Ctx, Req, json_response, status_response};
use crate::sim::auth::{self, UserInfo};
use crate::sim::http::status::from_store_error;
use crate::sim::store::StoreError;
use crate::sim::store::meta::{format_time, now_rfc3339};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Default and minimum lifetime of a TokenRequest token.
const TOKEN_SECONDS: u64 = 3600;
const MIN_TOKEN_SECONDS: u64 = 600;

/// The authorization verb of a request (`get`, `list`, `watch`, `create`, … as the request-info resolver).
#[must_use]
pub fn verb(req: &Req, path: &ResourcePath) -> &'static str {
    let watch = matches!(
        req.query.get("watch").map(String::as_str),
        Some("true" | "1" | "True")
    );
    match (&req.method, path.name.is_some()) {
        (&Method::GET, _) if watch => "watch",
        (&Method::GET, true) => "get",
        (&Method::GET, false) => "list",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, true) => "delete",
        (&Method::DELETE, false) => "deletecollection",
        _ => "unknown",
    }
}

/// The authorizer's attributes of a resource request.
#[must_use]
pub fn attributes(req: &Req, path: &ResourcePath) -> auth::Request {
    auth::Request::resource(
        verb(req, path),
        &path.group,
        &path.resource,
        path.subresource.as_deref().unwrap_or_default(),
        path.namespace.as_deref().unwrap_or_default(),
        path.name.as_deref().unwrap_or_default(),
    )
}

/// The 403 of a denied request, as `responsewriters.Forbidden` writes it.
#[must_use]
pub fn forbidden(user: &str, request: &auth::Request, reason: &str) -> StatusBody {
    let auth::Request::Resource {
        verb,
        group,
        resource,
        subresource,
        namespace,
        name,
    } = request
    else {
        let (verb, path) = match request {
            auth::Request::NonResource { verb, path } => (verb.as_str(), path.as_str()),
            auth::Request::Resource { .. } => ("", ""),
        };
        let mut message = format!("forbidden: User \"{user}\" cannot {verb} path \"{path}\"");
        if !reason.is_empty() {
            message = format!("{message}: {reason}");
        }
        return StatusBody::failure(403, "Forbidden", message, Some(Details::default()));
    };
    let shown = if subresource.is_empty() {
        resource.clone()
    } else {
        format!("{resource}/{subresource}")
    };
    let scope = if namespace.is_empty() {
        "at the cluster scope".to_owned()
    } else {
        format!("in the namespace \"{namespace}\"")
    };
    let mut why = format!(
        "User \"{user}\" cannot {verb} resource \"{shown}\" in API group \"{group}\" {scope}"
    );
    if !reason.is_empty() {
        why = format!("{why}: {reason}");
    }
    let qualified = if group.is_empty() {
        resource.clone()
    } else {
        format!("{resource}.{group}")
    };
    let subject = if name.is_empty() {
        qualified
    } else {
        format!("{qualified} \"{name}\"")
    };
    StatusBody::failure(
        403,
        "Forbidden",
        format!("{subject} is forbidden: {why}"),
        Some(Details {
            name: (!name.is_empty()).then(|| name.clone()),
            group: (!group.is_empty()).then(|| group.clone()),
            kind: Some(resource.clone()),
            ..Details::default()
        }),
    )
}

/// `None` when `user` may make the request, else the 403 response.
pub(super) fn check(
    state: &ApiState,
    user: &UserInfo,
    path: &ResourcePath,
    req: &Req,
) -> Option<Response> {
    let request = attributes(req, path);
    let decision = auth::authorize(&state.store, user, &request);
    (!decision.allowed).then(|| {
        status_response(
            &forbidden(&user.username, &request, &decision.reason),
            req.pretty,
        )
    })
}

fn only_create(path: &ResourcePath, req: &Req) -> Option<Response> {
    if path.name.is_some() {
        return Some(status_response(&StatusBody::not_served(), req.pretty));
    }
    (req.method != Method::POST).then(|| {
        status_response(
            &StatusBody::method_not_allowed(req.method.as_str()),
            req.pretty,
        )
    })
}

/// `metadata` of a review answer: no name, `creationTimestamp: null`, the caller's managed fields over `spec`.
fn review_metadata(api_version: &str, spec: &Value, req: &Req) -> Value {
    fn fields(v: &Value) -> Value {
        match v.as_object() {
            Some(map) if !map.is_empty() => {
                let mut out = Map::new();
                out.insert(".".to_owned(), json!({}));
                for (k, inner) in map {
                    out.insert(format!("f:{k}"), fields(inner));
                }
                Value::Object(out)
            }
            _ => json!({}),
        }
    }
    let mut spec_fields = fields(spec);
    if let Some(map) = spec_fields.as_object_mut() {
        map.remove(".");
    }
    json!({
        "creationTimestamp": null,
        "managedFields": [{
            "manager": req.field_manager(),
            "operation": "Update",
            "apiVersion": api_version,
            "time": now_rfc3339(),
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": spec_fields}
        }]
    })
}

/// POST `/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`: RBAC evaluated for the caller (kinds made
/// forbidden by the test controls are denied too).
pub(super) fn access_review(
    state: &ApiState,
    user: &UserInfo,
    path: &ResourcePath,
    req: &Req,
) -> Response {
    if path.resource != "selfsubjectaccessreviews" {
        return status_response(&StatusBody::not_served(), req.pretty);
    }
    if let Some(refused) = only_create(path, req) {
        return refused;
    }
    let review = match parse_body(req) {
        Ok(b) => b,
        Err(e) => return status_response(&from_store_error(&e), req.pretty),
    };
    let spec = review.get("spec").cloned().unwrap_or_else(|| json!({}));
    let field = |attrs: &Value, name: &str| {
        attrs
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (request, controlled) = if let Some(a) = spec.get("resourceAttributes") {
        let resource = field(a, "resource");
        let group = field(a, "group");
        let forbidden = state
            .controls
            .is_forbidden(&crate::sim::GroupResource::new(&group, &resource));
        (
            auth::Request::resource(
                &field(a, "verb"),
                &group,
                &resource,
                &field(a, "subresource"),
                &field(a, "namespace"),
                &field(a, "name"),
            ),
            forbidden,
        )
    } else if let Some(a) = spec.get("nonResourceAttributes") {
        let request = auth::Request::NonResource {
            verb: field(a, "verb"),
            path: field(a, "path"),
        };
        (request, false)
    } else {
        let body = StatusBody::failure(
            422,
            "Invalid",
            "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified".to_owned(),
            None,
        );
        return status_response(&body, req.pretty);
    };
    let decision = auth::authorize(&state.store, user, &request);
    let mut status = json!({ "allowed": decision.allowed && !controlled });
    if !decision.reason.is_empty() && !controlled {
        status["reason"] = json!(decision.reason);
    }
    let body = json!({
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": review_metadata("authorization.k8s.io/v1", &spec, req),
        "spec": spec,
        "status": status,
    });
    json_response(StatusCode::CREATED, &body, req.pretty)
}

/// POST `/apis/authentication.k8s.io/v1/selfsubjectreviews`: who the caller is.
pub(super) fn self_review(user: &UserInfo, path: &ResourcePath, req: &Req) -> Response {
    if path.resource != "selfsubjectreviews" || path.version != "v1" {
        return status_response(&StatusBody::not_served(), req.pretty);
    }
    if let Some(refused) = only_create(path, req) {
        return refused;
    }
    let body = json!({
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": null},
        "status": {"userInfo": user},
    });
    json_response(StatusCode::CREATED, &body, req.pretty)
}

/// POST `…/serviceaccounts/<name>/token`: a token for the ServiceAccount, valid `expirationSeconds` (default
/// one hour, at least ten minutes).
pub(super) fn token_request(ctx: &Ctx<'_>, req: &Req) -> Response {
    if req.method != Method::POST {
        return status_response(
            &StatusBody::method_not_allowed(req.method.as_str()),
            req.pretty,
        );
    }
    let key = ctx.key();
    let Some(sa) = ctx.state.store.get(&key) else {
        return status_response(
            &from_store_error(&StoreError::NotFound {
                resource: key.resource.clone(),
                name: key.name.clone(),
            }),
            req.pretty,
        );
    };
    let body = if req.body.is_empty() {
        json!({})
    } else {
        match parse_body(req) {
            Ok(b) => b,
            Err(e) => return status_response(&from_store_error(&e), req.pretty),
        }
    };
    let seconds = body
        .pointer("/spec/expirationSeconds")
        .and_then(Value::as_u64)
        .unwrap_or(TOKEN_SECONDS);
    if seconds < MIN_TOKEN_SECONDS {
        let body = StatusBody::failure(
            422,
            "Invalid",
            format!(
                "TokenRequest.authentication.k8s.io \"{}\" is invalid: spec.expirationSeconds: Invalid value: {seconds}: may not specify a duration less than 10 minutes",
                key.name
            ),
            None,
        );
        return status_response(&body, req.pretty);
    }
    let uid = sa.pointer("/metadata/uid").and_then(Value::as_str);
    let issued = ctx.state.auth.tokens().issue(
        &key.namespace,
        &key.name,
        uid,
        Some(Duration::from_secs(seconds)),
        None,
    );
    let expires = issued.expires.unwrap_or_else(|| {
        Timestamp::now()
            .checked_add(SignedDuration::from_secs(3600))
            .unwrap_or_else(|_| Timestamp::now())
    });
    let audiences = body
        .pointer("/spec/audiences")
        .filter(|a| a.as_array().is_some_and(|a| !a.is_empty()))
        .cloned()
        .unwrap_or_else(|| json!([auth::token::ISSUER]));
    let answer = json!({
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": key.name, "namespace": key.namespace, "creationTimestamp": null},
        "spec": {"audiences": audiences, "expirationSeconds": seconds,
                 "boundObjectRef": body.pointer("/spec/boundObjectRef").cloned().unwrap_or(Value::Null)},
        "status": {"token": issued.token, "expirationTimestamp": format_time(expires)},
    });
    json_response(StatusCode::CREATED, &answer, req.pretty)
}

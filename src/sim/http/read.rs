//! GET of one object and of collections (JSON list or server-side Table), with label/field
//! selectors and `limit`/`continue` paging.

use super::encode::{self, ListMeta, continue_token, parse_continue};
use super::status::{StatusBody, from_store_error};
use super::table::{IncludeObject, table, wants_table};
use super::{Ctx, Req, bytes_response, json_response, status_response};
use crate::sim::store::{Selector, StoreError};
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::Arc;

/// GET `…/<resource>/<name>` (and `…/status`).
pub(super) fn get(ctx: &Ctx<'_>, req: &Req) -> Response {
    let key = ctx.key();
    let Some(obj) = ctx.state.store.get(&key) else {
        let err = StoreError::NotFound {
            resource: key.resource,
            name: key.name,
        };
        return status_response(&from_store_error(&err), req.pretty);
    };
    if wants_table(&req.accept) {
        let rv = obj
            .pointer("/metadata/resourceVersion")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let doc = table(
            ctx.def,
            ctx.api_version,
            &[Arc::clone(&obj)],
            &rv,
            None,
            IncludeObject::from_query(req.param("includeObject")),
        );
        return json_response(StatusCode::OK, &doc, req.pretty);
    }
    bytes_response(StatusCode::OK, encode::object(ctx.view(req), &obj))
}

/// The selector of a list or watch request.
pub(super) fn selector(ctx: &Ctx<'_>, req: &Req) -> Result<Selector, Box<Response>> {
    Selector::parse_for(
        ctx.def.kind,
        req.param("labelSelector"),
        req.param("fieldSelector"),
    )
    .map_err(|e| Box::new(status_response(&from_store_error(&e), req.pretty)))
}

/// GET a collection.
pub(super) fn list(ctx: &Ctx<'_>, req: &Req) -> Response {
    let selector = match selector(ctx, req) {
        Ok(s) => s,
        Err(response) => return *response,
    };
    let start_after = match req.param("continue") {
        None => None,
        Some(token) => match parse_continue(token) {
            Some(after) => Some(after),
            None => {
                let body = StatusBody::failure(
                    400,
                    "BadRequest",
                    "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)".to_owned(),
                    None,
                );
                return status_response(&body, req.pretty);
            }
        },
    };
    let limit = req.param("limit").and_then(|l| l.parse::<usize>().ok());
    let page = ctx.state.store.list_page(
        &ctx.def.group_resource(),
        ctx.path.namespace.as_deref(),
        &selector,
        limit,
        start_after.as_ref(),
    );
    let token = page.continue_after.as_ref().map(continue_token);
    if wants_table(&req.accept) {
        let doc = table(
            ctx.def,
            ctx.api_version,
            &page.items,
            &page.resource_version.to_string(),
            token.as_deref(),
            IncludeObject::from_query(req.param("includeObject")),
        );
        return json_response(StatusCode::OK, &doc, req.pretty);
    }
    let meta = ListMeta {
        resource_version: page.resource_version,
        remaining: token.as_ref().map(|_| page.remaining),
        continue_token: token,
    };
    bytes_response(
        StatusCode::OK,
        encode::list(ctx.view(req), &page.items, &meta),
    )
}

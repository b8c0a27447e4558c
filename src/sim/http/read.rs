//! GET of one object and of collections (JSON list or server-side Table), with label/field
//! selectors, `limit`/`continue` paging and the v1.28 resourceVersion semantics (`list_options`: the watch cache
//! or storage, snapshots, waiting for freshness).

use super::encode::{self, ListMeta, continue_token, parse_continue};
use super::list_options::{self, ReadFrom};
use super::status::{StatusBody, from_store_error};
use super::table::{IncludeObject, table, wants_table};
use super::{Ctx, Req, bytes_response, json_response, status_response};
use crate::sim::store::{Selector, StoreError};
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::Arc;
use std::time::Duration;

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
    Selector::parse(
        req.param("labelSelector"),
        req.param("fieldSelector"),
        ctx.def.kind == "Event",
    )
    .map_err(|e| Box::new(status_response(&from_store_error(&e), req.pretty)))
}

/// How long a cache read waits for the cache to reach the requested resourceVersion (the real `blockTimeout`).
const FRESHNESS_WAIT: Duration = Duration::from_secs(3);

/// GET a collection, from the watch cache or from storage as a v1.28 server decides (`list_options`).
pub(super) async fn list(ctx: &Ctx<'_>, req: &Req) -> Response {
    let selector = match selector(ctx, req) {
        Ok(s) => s,
        Err(response) => return *response,
    };
    let read_from = match list_options::list(req) {
        Ok(r) => r,
        Err(body) => return status_response(&body, req.pretty),
    };
    let store = &ctx.state.store;
    let resource = ctx.def.group_resource();
    let namespace = ctx.path.namespace.as_deref();
    let limit = req.param("limit").and_then(|l| l.parse::<usize>().ok());
    let page = match read_from {
        ReadFrom::Cache { not_older_than } => {
            // The cache is the store, or a snapshot of it when a test froze it (a lagging cache).
            let cache_rv = |store: &crate::sim::Store| {
                ctx.state.controls.frozen_cache().map_or_else(
                    || store.resource_version(),
                    |f| f.min(store.resource_version()),
                )
            };
            let deadline = tokio::time::Instant::now() + FRESHNESS_WAIT;
            while cache_rv(store) < not_older_than {
                if tokio::time::Instant::now() >= deadline {
                    let body = list_options::too_large(not_older_than, cache_rv(store));
                    return status_response(&body, req.pretty);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            // One piece: the watch cache ignores the limit.
            match store.list_page_at(
                &resource,
                namespace,
                &selector,
                None,
                None,
                Some(cache_rv(store)),
            ) {
                Ok(page) => page,
                Err(_) => return status_response(&list_options::list_expired(), req.pretty),
            }
        }
        ReadFrom::Latest { not_older_than } => {
            let page = store.list_page(&resource, namespace, &selector, limit, None);
            if page.resource_version < not_older_than {
                let body = list_options::too_large(not_older_than, page.resource_version);
                return status_response(&body, req.pretty);
            }
            page
        }
        ReadFrom::Exact(rv) => {
            let current = store.resource_version();
            if rv > current {
                return status_response(&list_options::too_large(rv, current), req.pretty);
            }
            match store.list_page_at(&resource, namespace, &selector, limit, None, Some(rv)) {
                Ok(page) => page,
                Err(_) => return status_response(&list_options::list_expired(), req.pretty),
            }
        }
        ReadFrom::Continue => {
            let Some((rv, after)) = req.param("continue").and_then(parse_continue) else {
                let body = StatusBody::failure(
                    400,
                    "BadRequest",
                    "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)".to_owned(),
                    None,
                );
                return status_response(&body, req.pretty);
            };
            match store.list_page_at(
                &resource,
                namespace,
                &selector,
                limit,
                Some(&after),
                Some(rv),
            ) {
                Ok(page) => page,
                Err(_) => return status_response(&list_options::continue_expired(), req.pretty),
            }
        }
    };
    let token = page
        .continue_after
        .as_ref()
        .map(|after| continue_token(page.resource_version, after));
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

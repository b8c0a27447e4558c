//! The HTTP face of the simulated API server: one axum fallback handler that parses Kubernetes
//! paths itself and dispatches to discovery, reads (`read.rs`), watches (`watch.rs`) and writes
//! (`write.rs`), answering with the real server's headers, Status bodies and formats. Every
//! request is appended to the `RequestLog`.

pub mod discovery;
pub mod encode;
mod list_options;
pub mod path;
mod read;
mod scale;
pub mod status;
pub mod table;
mod watch;
mod write;

use crate::sim::controls::Controls;
use crate::sim::request_log::{LoggedRequest, RequestLog};
use crate::sim::resource::ResourceDef;
use crate::sim::store::Store;
use crate::sim::store::meta::{new_uid, now_rfc3339};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use path::{ResourcePath, Route, parse_query, parse_route};
use serde::Serialize;
use status::StatusBody;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Largest request body accepted.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// Fixed settings of one server.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The user named in Forbidden messages.
    pub user: String,
    /// How often watches with `allowWatchBookmarks=true` get a BOOKMARK.
    pub bookmark_interval: Duration,
    /// `host:port` shown in `/api` `serverAddressByClientCIDRs`.
    pub server_address: String,
    /// Creating in a namespace that does not exist is a 404 (as on a real server).
    pub require_namespaces: bool,
    /// The bearer token the kubeconfig carries; a request with another token gets 401.
    pub token: String,
    /// The WatchList feature gate (streaming lists); off, as on a default 1.28 server.
    pub watch_list: bool,
}

/// Everything a request handler needs (cheap to clone).
#[derive(Debug, Clone)]
pub struct ApiState {
    pub store: Store,
    pub controls: Controls,
    pub log: RequestLog,
    pub config: Arc<ApiConfig>,
    /// Cancelled on server shutdown (ends watches).
    pub shutdown: CancellationToken,
}

/// The parts of a request the handlers read.
#[derive(Debug)]
pub(crate) struct Req {
    pub method: Method,
    pub query: HashMap<String, String>,
    pub accept: String,
    pub content_type: Option<String>,
    pub user_agent: String,
    pub body: Bytes,
    pub pretty: bool,
}

impl Req {
    fn flag(&self, name: &str) -> bool {
        matches!(
            self.query.get(name).map(String::as_str),
            Some("true" | "1" | "True")
        )
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// `dryRun=All` in the query.
    pub fn dry_run(&self) -> bool {
        self.query.get("dryRun").is_some_and(|v| v == "All")
    }

    /// `fieldManager`, else the user agent's product name, as the real server defaults it.
    pub fn field_manager(&self) -> String {
        self.param("fieldManager").map_or_else(
            || {
                self.user_agent
                    .split('/')
                    .next()
                    .filter(|s| !s.is_empty())
                    .unwrap_or("unknown")
                    .to_owned()
            },
            str::to_owned,
        )
    }
}

/// Builds the router serving the Kubernetes API.
pub fn router(state: ApiState) -> Router {
    Router::new().fallback(handle).with_state(state)
}

async fn handle(State(state): State<ApiState>, request: Request) -> Response {
    let timestamp = now_rfc3339();
    let (parts, body) = request.into_parts();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), ToString::to_string);
    let header = |name: header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    let user_agent = header(header::USER_AGENT).unwrap_or_default();
    let query = parse_query(parts.uri.query());
    let pretty = query.get("pretty").map_or_else(
        || user_agent.starts_with("curl") || user_agent.starts_with("Wget"),
        |v| v == "true" || v == "1",
    );
    let req = Req {
        method: parts.method.clone(),
        query,
        accept: header(header::ACCEPT).unwrap_or_default(),
        content_type: header(header::CONTENT_TYPE),
        user_agent,
        body,
        pretty,
    };
    let authorization = header(header::AUTHORIZATION);
    let bad_token = authorization
        .as_deref()
        .is_some_and(|a| a != format!("Bearer {}", state.config.token));
    // A stalled server accepted the connection and answers nothing until it is let go.
    state.controls.wait_unstalled().await;
    let latency = state.controls.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = if let Some(code) = state.controls.failing() {
        failing_response(code, &req, &parts.uri, &state.config.user)
    } else if state.controls.garbage() {
        garbage_response()
    } else if state.controls.is_unavailable() {
        status_response(
            &StatusBody::failure(
                503,
                "ServiceUnavailable",
                "the server is currently unable to handle the request".to_owned(),
                Some(status::Details::default()),
            ),
            req.pretty,
        )
    } else if bad_token || state.controls.is_unauthorized() {
        status_response(
            &StatusBody::failure(401, "Unauthorized", "Unauthorized".to_owned(), None),
            req.pretty,
        )
    } else {
        dispatch(&state, parse_route(parts.uri.path()), &req).await
    };
    let dry_run = req.dry_run() || write::body_requests_dry_run(&req);
    state.log.push(LoggedRequest {
        method: parts.method.to_string(),
        path_and_query,
        content_type: req.content_type.clone(),
        accept: (!req.accept.is_empty()).then(|| req.accept.clone()),
        body_bytes: req.body.len(),
        status: response.status().as_u16(),
        dry_run,
        timestamp,
    });
    response
}

async fn dispatch(state: &ApiState, route: Route, req: &Req) -> Response {
    let store = &state.store;
    let registry = store.registry();
    let controls = &state.controls;
    match route {
        Route::Version => json_response(StatusCode::OK, &discovery::version(), req.pretty),
        Route::Health => {
            with_common_headers(Response::new(Body::from("ok")), "text/plain; charset=utf-8")
        }
        // An empty `openapi_v2.Document` is a valid (empty) protobuf message: clients find no
        // schemas and fall back to JSON merge patches, as they do for custom resources.
        Route::OpenApiV2 => with_common_headers(
            Response::new(Body::empty()),
            "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
        ),
        Route::CoreGroups | Route::Groups => {
            let core = route == Route::CoreGroups;
            if discovery::wants_aggregated(&req.accept) {
                let doc = discovery::aggregated(registry, controls, core);
                aggregated_response(&doc, req.pretty)
            } else if core {
                json_response(
                    StatusCode::OK,
                    &discovery::core_versions(&state.config.server_address),
                    req.pretty,
                )
            } else {
                json_response(
                    StatusCode::OK,
                    &discovery::group_list(registry, controls),
                    req.pretty,
                )
            }
        }
        Route::Group { group } => match discovery::group(registry, controls, &group) {
            Some(doc) => json_response(StatusCode::OK, &doc, req.pretty),
            None => page_not_found(),
        },
        Route::ResourceList { group, version } => {
            match discovery::resource_list(registry, controls, &group, &version) {
                Some(doc) => json_response(StatusCode::OK, &doc, req.pretty),
                None if group_known(state, &group) => {
                    status_response(&StatusBody::not_served(), req.pretty)
                }
                None => page_not_found(),
            }
        }
        Route::Resource(path) => resource(state, &path, req).await,
        Route::Unknown => page_not_found(),
    }
}

fn group_known(state: &ApiState, group: &str) -> bool {
    group.is_empty()
        || discovery::served_groups(state.store.registry(), &state.controls)
            .iter()
            .any(|(g, _)| g == group)
}

/// The verb RBAC would check for this request.
fn verb(req: &Req, path: &ResourcePath) -> &'static str {
    match (&req.method, path.name.is_some()) {
        (&Method::GET, true) => "get",
        (&Method::GET, false) if req.flag("watch") => "watch",
        (&Method::GET, false) => "list",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, true) => "delete",
        (&Method::DELETE, false) => "deletecollection",
        _ => "unknown",
    }
}

async fn resource(state: &ApiState, path: &ResourcePath, req: &Req) -> Response {
    if path.group == "authorization.k8s.io" && path.version == "v1" {
        return write::access_review(state, path, req);
    }
    let registry = state.store.registry();
    let def = registry
        .lookup(&path.group, &path.version, &path.resource)
        .filter(|d| !state.controls.is_missing(&d.group_resource()));
    let Some(def) = def else {
        return if group_known(state, &path.group) {
            status_response(&StatusBody::not_served(), req.pretty)
        } else {
            page_not_found()
        };
    };
    if state.controls.is_forbidden(&def.group_resource()) {
        let body = StatusBody::forbidden(
            &state.config.user,
            verb(req, path),
            def.group,
            def.plural,
            path.namespace.as_deref(),
            path.name.as_deref(),
        );
        return status_response(&body, req.pretty);
    }
    let bad_scope = (!def.namespaced && path.namespace.is_some())
        || (def.namespaced && path.name.is_some() && path.namespace.is_none());
    let bad_sub = match path.subresource.as_deref() {
        None => false,
        Some("status") => !def.status_subresource,
        Some("scale") => !def.scale_subresource,
        Some(_) => true,
    };
    if bad_scope || bad_sub {
        return status_response(&StatusBody::not_served(), req.pretty);
    }
    let api_version = def.api_version(&path.version);
    let ctx = Ctx {
        state,
        def,
        path,
        api_version: &api_version,
    };
    if path.subresource.as_deref() == Some("scale") {
        return scale::scale(&ctx, req);
    }
    match (&req.method, path.name.is_some()) {
        (&Method::GET, true) => read::get(&ctx, req),
        (&Method::GET, false) if req.flag("watch") => watch::watch(&ctx, req),
        (&Method::GET, false) => read::list(&ctx, req).await,
        (&Method::POST, false) => write::create(&ctx, req),
        (&Method::PUT, true) => write::update(&ctx, req),
        (&Method::PATCH, true) => write::patch(&ctx, req),
        (&Method::DELETE, true) => write::delete(&ctx, req),
        (method, _) => {
            status_response(&StatusBody::method_not_allowed(method.as_str()), req.pretty)
        }
    }
}

/// A request resolved to one served resource type.
pub(crate) struct Ctx<'a> {
    pub state: &'a ApiState,
    pub def: &'a ResourceDef,
    pub path: &'a ResourcePath,
    /// The `apiVersion` the client addressed.
    pub api_version: &'a str,
}

impl Ctx<'_> {
    pub fn view(&self, req: &Req) -> encode::View<'_> {
        encode::View {
            api_version: self.api_version,
            def: self.def,
            pretty: req.pretty,
            metadata_only: encode::wants_metadata(&req.accept),
        }
    }

    /// The namespace objects live in (empty for cluster-scoped kinds).
    pub fn namespace(&self) -> &str {
        self.path.namespace.as_deref().unwrap_or_default()
    }

    pub fn key(&self) -> crate::sim::store::ObjectKey {
        crate::sim::store::ObjectKey::new(
            self.def.group_resource(),
            self.namespace(),
            self.path.name.as_deref().unwrap_or_default(),
        )
    }
}

/// The answer of a server that fails every request with `code` (the `status=CODE` fault), as the real server
/// words each: 401 Unauthorized, 403 for the request's verb and resource, 429 with Retry-After, 500 from a
/// timing-out etcd, 503 while unavailable.
fn failing_response(code: u16, req: &Req, uri: &axum::http::Uri, user: &str) -> Response {
    let body = match code {
        401 => StatusBody::failure(401, "Unauthorized", "Unauthorized".to_owned(), None),
        403 => {
            let route = parse_route(uri.path());
            match &route {
                Route::Resource(path) => StatusBody::forbidden(
                    user,
                    verb(req, path),
                    &path.group,
                    &path.resource,
                    path.namespace.as_deref(),
                    path.name.as_deref(),
                ),
                _ => StatusBody::failure(
                    403,
                    "Forbidden",
                    format!(
                        "forbidden: User \"{user}\" cannot get path \"{}\"",
                        uri.path()
                    ),
                    Some(status::Details::default()),
                ),
            }
        }
        429 => StatusBody::failure(
            429,
            "TooManyRequests",
            "Too many requests, please try again later.".to_owned(),
            Some(status::Details {
                retry_after_seconds: Some(1),
                ..status::Details::default()
            }),
        ),
        503 => StatusBody::failure(
            503,
            "ServiceUnavailable",
            "the server is currently unable to handle the request".to_owned(),
            Some(status::Details::default()),
        ),
        _ => StatusBody::failure(
            500,
            "InternalError",
            "Internal error occurred: etcdserver: request timed out".to_owned(),
            Some(status::Details {
                causes: vec![status::CauseBody {
                    reason: String::new(),
                    message: "etcdserver: request timed out".to_owned(),
                    field: String::new(),
                }],
                ..status::Details::default()
            }),
        ),
    };
    let mut response = status_response(&body, req.pretty);
    if code == 429 {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

/// What a broken proxy in front of the API server answers: an HTML error page (the `garbage` fault).
pub(crate) const GARBAGE: &str = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n";

fn garbage_response() -> Response {
    let mut response = Response::new(Body::from(GARBAGE));
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    response
}

/// Sets the headers every API response carries.
fn with_common_headers(mut response: Response, content_type: &str) -> Response {
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&new_uid()) {
        headers.insert("audit-id", v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    response
}

/// A JSON response.
pub(crate) fn bytes_response(code: StatusCode, bytes: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = code;
    with_common_headers(response, "application/json")
}

pub(crate) fn json_response<T: Serialize>(code: StatusCode, value: &T, pretty: bool) -> Response {
    bytes_response(code, encode::to_bytes(value, pretty))
}

/// A Status response with the HTTP code the Status names.
pub(crate) fn status_response(body: &StatusBody, pretty: bool) -> Response {
    let code = body
        .code
        .and_then(|c| StatusCode::from_u16(c).ok())
        .unwrap_or(StatusCode::OK);
    json_response(code, body, pretty)
}

fn aggregated_response(doc: &serde_json::Value, pretty: bool) -> Response {
    let mut response = with_common_headers(
        Response::new(Body::from(encode::to_bytes(doc, pretty))),
        discovery::AGGREGATED_CONTENT_TYPE,
    );
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public"));
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

/// The plain-text 404 of a path no API group serves (a missing CRD).
pub(crate) fn page_not_found() -> Response {
    let mut response = with_common_headers(
        Response::new(Body::from("404 page not found\n")),
        "text/plain; charset=utf-8",
    );
    *response.status_mut() = StatusCode::NOT_FOUND;
    response.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

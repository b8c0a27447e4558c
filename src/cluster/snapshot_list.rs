//! The lists a snapshot is taken from (`snapshot::capture`): every object of one resource, raw JSON, paged by
//! [`PAGE_SIZE`] through continue tokens, read from storage at one resourceVersion where the server allows it.
//!
//! The first list of a snapshot is a consistent read (no resourceVersion); its resourceVersion is then asked
//! of every other list with `resourceVersionMatch=Exact`, so the whole snapshot is the cluster at one instant
//! (resourceVersions are etcd revisions, shared by every resource). A server that cannot answer at that
//! version (410 Expired: compacted; 400/422: not supported) is asked for a consistent read instead and the
//! snapshot is marked not consistent. Also: the resource of an inventory entry's group, version and kind
//! (discovery), for listing the objects inventories name.
//!
//! Must not live here: what is kept of an object, files.

use super::PAGE_SIZE;
use super::failure::Failure;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams, VersionMatch};
use kube::core::{ListMeta, Resource};
use serde_json::Value;

/// One resource listed.
#[derive(Debug, Default)]
pub struct RawList {
    pub items: Vec<Value>,
    /// The resourceVersion of the list (its first page).
    pub resource_version: Option<String>,
    /// Whether it was read at exactly the version asked for.
    pub exact: bool,
}

/// Why a resource could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// 403: the operator may not list it.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: not served.
    #[error("not served by the API server")]
    NotServed,
    #[error("{0}")]
    Other(String),
}

fn list_error(e: &kube::Error) -> ListError {
    match e {
        kube::Error::Api(s) if s.code == 403 => ListError::Forbidden(s.message.clone()),
        kube::Error::Api(s) if s.code == 404 => ListError::NotServed,
        other => ListError::Other(Failure::from_kube(other).words()),
    }
}

/// Lists `resource` (in `namespace`, or everywhere) at `at` (exactly) when given, else as a consistent read;
/// see the module doc.
///
/// # Errors
/// The list is refused or fails.
pub async fn list(
    client: &kube::Client,
    resource: &ApiResource,
    namespace: Option<&str>,
    at: Option<&str>,
) -> Result<RawList, ListError> {
    let api = Lister {
        client,
        request: kube::core::Request::new(DynamicObject::url_path(resource, namespace)),
    };
    if let Some(version) = at {
        let params = ListParams::default()
            .limit(PAGE_SIZE)
            .at(version)
            .matching(VersionMatch::Exact);
        match pages(&api, params).await {
            Ok(mut list) => {
                list.exact = true;
                return Ok(list);
            }
            Err(kube::Error::Api(s)) if matches!(s.code, 400 | 410 | 422 | 504) => {
                tracing::debug!(
                    "{}: no list at resourceVersion {version} ({}): a consistent read instead",
                    resource.plural,
                    s.message
                );
            }
            Err(e) => return Err(list_error(&e)),
        }
    }
    match pages(&api, ListParams::default().limit(PAGE_SIZE)).await {
        // A continue token that expired mid-way (the history was compacted while paging): once more in one
        // piece, which has no token to expire.
        Err(kube::Error::Api(s)) if s.code == 410 => {
            tracing::debug!(
                "{}: continue token expired ({}): listing in one piece",
                resource.plural,
                s.message
            );
            pages(&api, ListParams::default())
                .await
                .map_err(|e| list_error(&e))
        }
        other => other.map_err(|e| list_error(&e)),
    }
}

/// One resource's list endpoint.
struct Lister<'c> {
    client: &'c kube::Client,
    request: kube::core::Request,
}

/// A list page as the server sends it: the items are decoded once, straight into JSON values (through
/// `DynamicObject` they were decoded into typed metadata and then serialised back into values).
#[derive(serde::Deserialize)]
struct Page {
    #[serde(default)]
    metadata: ListMeta,
    #[serde(default)]
    items: Vec<Value>,
}

impl Lister<'_> {
    async fn list(&self, params: &ListParams) -> Result<Page, kube::Error> {
        let mut request = self
            .request
            .list(params)
            .map_err(kube::Error::BuildRequest)?;
        request.extensions_mut().insert("list");
        self.client.request::<Page>(request).await
    }
}

async fn pages(api: &Lister<'_>, first: ListParams) -> Result<RawList, kube::Error> {
    let mut out = RawList::default();
    let mut params = first;
    loop {
        let page = api.list(&params).await?;
        if out.resource_version.is_none() {
            out.resource_version = page.metadata.resource_version;
        }
        if out.items.is_empty() {
            out.items = page.items;
        } else {
            out.items.extend(page.items);
        }
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => {
                params = ListParams::default()
                    .limit(PAGE_SIZE)
                    .continue_token(&token);
            }
            None => return Ok(out),
        }
    }
}

/// The resource of `group`/`version`/`kind` and whether it is namespaced, from discovery.
///
/// # Errors
/// Not served, or discovery fails.
pub async fn resource(
    client: &kube::Client,
    group: &str,
    version: &str,
    kind: &str,
) -> Result<(ApiResource, bool), ListError> {
    let gvk = GroupVersionKind::gvk(group, version, kind);
    match kube::discovery::pinned_kind(client, &gvk).await {
        Ok((ar, caps)) => Ok((ar, caps.scope == kube::discovery::Scope::Namespaced)),
        Err(e) => Err(list_error(&e)),
    }
}

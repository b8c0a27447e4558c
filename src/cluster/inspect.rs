//! The drill-down's reads, fetched on demand: one Flux object in full (for its YAML and the spec facts the
//! watchers do not keep) and, for a Kustomization or HelmRelease, the live status of every object its
//! `status.inventory` lists. The only place that makes these kube calls; every one is a GET.
//!
//! - The object: `GET` through kube-rs (`Api<DynamicObject>`), `metadata.managedFields` removed.
//! - Inventory entries (`<namespace>_<name>_<group>_<kind>` + `v`, parsed by `flux::inventory`): the kind's
//!   plural and scope from the served API resources of its group version (one discovery GET per group version,
//!   cached for the inspection), then a `GET` of each object, [`CONCURRENCY`] at a time, at most [`MAX_ENTRIES`];
//!   a workload that is not current also gets its pods listed (its `matchLabels`, at most [`MAX_PODS`]) so the
//!   reason a pod crash-loops is shown. Live status is judged by `flux::live_status`.
//! - **Secrets are never read**: a Secret (core group) is fetched with metadata only (`PartialObjectMetadata`,
//!   kube's `get_metadata`), whatever asked for it, so its data never leaves the API server.
//! - Errors name what went wrong per object: 403 → "no access to <kind>", 404 → "not found", a group version
//!   the server does not serve → "not served". One object failing never fails the others. An applier with
//!   `spec.kubeConfig` applies to another cluster: its inventory is not looked up in this one.
//!
//! Must not live here: drawing, what the console does with the answer (`app::inspect`).

use crate::flux::FluxKind;
use crate::flux::inventory::InventoryId;
use crate::flux::live_status::{self, LiveStatus};
use futures::StreamExt;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::Value;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;

/// Inventory entries fetched at most per inspection (the rest are listed as not fetched).
pub const MAX_ENTRIES: usize = 300;

/// GETs in flight at once for one inspection.
pub const CONCURRENCY: usize = 8;

/// Pods listed per workload that is not current.
pub const MAX_PODS: u32 = 50;

/// The Flux object to inspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: FluxKind,
    /// `group/version` as served (the watcher's version), e.g. `kustomize.toolkit.fluxcd.io/v1`.
    pub api_version: String,
    pub namespace: String,
    pub name: String,
}

/// One inspection to perform: `id` is the app's request id, echoed in the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectRequest {
    pub id: u64,
    pub target: Target,
    /// Also fetch the live status of the inventory (Kustomization, HelmRelease).
    pub inventory: bool,
}

/// Why something could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// HTTP 403.
    NoAccess { kind: String },
    /// HTTP 404 on the object.
    NotFound,
    /// The group version (or the kind in it) is not served.
    NotServed { api_version: String, kind: String },
    /// An inventory id that does not parse.
    BadId(String),
    /// Listed beyond [`MAX_ENTRIES`].
    NotFetched,
    /// The applier deploys to another cluster (`spec.kubeConfig`): its inventory is there, not here.
    RemoteCluster,
    /// Anything else (connection, decoding, other HTTP status).
    Other(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::NoAccess { kind } => write!(f, "no access to {kind}"),
            FetchError::NotFound => f.write_str("not found"),
            FetchError::NotServed { api_version, kind } => {
                write!(f, "{kind} ({api_version}) is not served by the API server")
            }
            FetchError::BadId(e) => write!(f, "unreadable inventory entry: {e}"),
            FetchError::NotFetched => write!(f, "not fetched (only the first {MAX_ENTRIES} are)"),
            FetchError::RemoteCluster => {
                f.write_str("in the remote cluster of spec.kubeConfig (not read from this one)")
            }
            FetchError::Other(e) => f.write_str(e),
        }
    }
}

impl FetchError {
    fn from_kube(err: &kube::Error, kind: &str) -> Self {
        match err {
            kube::Error::Api(s) if s.code == 403 => FetchError::NoAccess {
                kind: kind.to_owned(),
            },
            kube::Error::Api(s) if s.code == 404 => FetchError::NotFound,
            kube::Error::Api(s) => {
                FetchError::Other(format!("{} {}: {}", s.code, s.reason, s.message))
            }
            other => FetchError::Other(other.to_string()),
        }
    }
}

/// One inventory entry and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveObject {
    /// The entry's id as stored (shown when it does not parse).
    pub raw_id: String,
    pub id: Option<InventoryId>,
    /// The entry's API version (`v`).
    pub version: String,
    pub status: Result<LiveStatus, FetchError>,
}

/// What an inspection found.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    /// The object as served, without `metadata.managedFields`.
    pub object: Value,
    /// The inventory's live status, when asked for (empty when the object has no inventory).
    pub inventory: Option<Vec<LiveObject>>,
}

/// The answer to one [`InspectRequest`].
#[derive(Debug, Clone, PartialEq)]
pub struct InspectAnswer {
    pub id: u64,
    pub result: Result<Inspection, FetchError>,
}

/// Performs `req` (GETs only).
pub async fn inspect(client: &kube::Client, req: &InspectRequest) -> InspectAnswer {
    InspectAnswer {
        id: req.id,
        result: inspect_target(client, req).await,
    }
}

async fn inspect_target(
    client: &kube::Client,
    req: &InspectRequest,
) -> Result<Inspection, FetchError> {
    let t = &req.target;
    let (group, version) = t
        .api_version
        .rsplit_once('/')
        .unwrap_or(("", t.api_version.as_str()));
    let gvk = GroupVersionKind::gvk(group, version, t.kind.as_str());
    let resource = ApiResource::from_gvk_with_plural(&gvk, t.kind.plural());
    let object = get(client, &resource, true, &t.namespace, &t.name).await?;
    let inventory = if req.inventory {
        Some(live_inventory(client, &object).await)
    } else {
        None
    };
    Ok(Inspection { object, inventory })
}

/// Whether `resource` is the core Secret (read with metadata only, always).
fn is_secret(resource: &ApiResource) -> bool {
    resource.group.is_empty() && resource.kind == "Secret"
}

fn api(
    client: &kube::Client,
    resource: &ApiResource,
    namespaced: bool,
    ns: &str,
) -> Api<DynamicObject> {
    if namespaced && !ns.is_empty() {
        Api::namespaced_with(client.clone(), ns, resource)
    } else {
        Api::all_with(client.clone(), resource)
    }
}

/// GETs one object as JSON without `metadata.managedFields`; a Secret is read with metadata only.
async fn get(
    client: &kube::Client,
    resource: &ApiResource,
    namespaced: bool,
    ns: &str,
    name: &str,
) -> Result<Value, FetchError> {
    let api = api(client, resource, namespaced, ns);
    let mut value = if is_secret(resource) {
        let meta = api
            .get_metadata(name)
            .await
            .map_err(|e| FetchError::from_kube(&e, &resource.kind))?;
        serde_json::json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta.metadata})
    } else {
        let obj = api
            .get(name)
            .await
            .map_err(|e| FetchError::from_kube(&e, &resource.kind))?;
        serde_json::to_value(&obj).map_err(|e| FetchError::Other(e.to_string()))?
    };
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    Ok(value)
}

/// (plural, namespaced) per kind of one group version, or why it cannot be used.
type Served = Result<HashMap<String, (String, bool)>, FetchError>;

async fn served_kinds(client: &kube::Client, group: &str, version: &str) -> Served {
    let api_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    let list = if group.is_empty() {
        client.list_core_api_resources(version).await
    } else {
        client.list_api_group_resources(&api_version).await
    };
    match list {
        Ok(list) => Ok(list
            .resources
            .into_iter()
            .filter(|r| !r.name.contains('/'))
            .map(|r| (r.kind, (r.name, r.namespaced)))
            .collect()),
        Err(kube::Error::Api(s)) if s.code == 404 => Err(FetchError::NotServed {
            api_version,
            kind: String::new(),
        }),
        Err(e) => Err(FetchError::from_kube(&e, &api_version)),
    }
}

/// The live status of every entry of `object`'s `status.inventory` (in inventory order).
async fn live_inventory(client: &kube::Client, object: &Value) -> Vec<LiveObject> {
    // An applier with `spec.kubeConfig` applies to another cluster: its inventory names objects there.
    let remote = object
        .pointer("/spec/kubeConfig")
        .is_some_and(|k| !k.is_null());
    let entries: Vec<(String, String)> = object
        .pointer("/status/inventory/entries")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|e| {
                    let field = |k: &str| {
                        e.get(k)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    (field("id"), field("v"))
                })
                .collect()
        })
        .unwrap_or_default();
    let parsed: Vec<(String, String, Result<InventoryId, String>)> = entries
        .into_iter()
        .map(|(raw, v)| {
            let id = InventoryId::parse(&raw).map_err(|e| e.to_string());
            (raw, v, id)
        })
        .collect();
    let mut served: HashMap<(String, String), Served> = HashMap::new();
    let looked_up = if remote { 0 } else { MAX_ENTRIES };
    for (_, v, id) in parsed.iter().take(looked_up) {
        if let Ok(id) = id
            && let Entry::Vacant(slot) = served.entry((id.group.clone(), v.clone()))
        {
            slot.insert(served_kinds(client, &id.group, v).await);
        }
    }
    let served = &served;
    let fetches = parsed
        .into_iter()
        .enumerate()
        .map(|(i, (raw_id, version, id))| async move {
            let status = match (&id, i < MAX_ENTRIES) {
                (Err(e), _) => Err(FetchError::BadId(e.clone())),
                (Ok(_), _) if remote => Err(FetchError::RemoteCluster),
                (Ok(_), false) => Err(FetchError::NotFetched),
                (Ok(id), true) => live_one(client, served, id, &version).await,
            };
            LiveObject {
                raw_id,
                id: id.ok(),
                version,
                status,
            }
        });
    futures::stream::iter(fetches)
        .buffered(CONCURRENCY)
        .collect()
        .await
}

async fn live_one(
    client: &kube::Client,
    served: &HashMap<(String, String), Served>,
    id: &InventoryId,
    version: &str,
) -> Result<LiveStatus, FetchError> {
    let api_version = if id.group.is_empty() {
        version.to_owned()
    } else {
        format!("{}/{version}", id.group)
    };
    let not_served = || FetchError::NotServed {
        api_version: api_version.clone(),
        kind: id.kind.clone(),
    };
    let kinds = match served.get(&(id.group.clone(), version.to_owned())) {
        Some(Ok(kinds)) => kinds,
        Some(Err(FetchError::NotServed { .. })) | None => return Err(not_served()),
        Some(Err(e)) => return Err(e.clone()),
    };
    let (plural, namespaced) = kinds.get(&id.kind).ok_or_else(not_served)?;
    let gvk = GroupVersionKind::gvk(&id.group, version, &id.kind);
    let resource = ApiResource::from_gvk_with_plural(&gvk, plural);
    let object = get(client, &resource, *namespaced, &id.namespace, &id.name).await?;
    if is_secret(&resource) {
        return Ok(LiveStatus::metadata_only());
    }
    let mut status = live_status::of(&object);
    if status.state != live_status::LiveState::Current
        && live_status::has_pods(&id.kind)
        && let Some(selector) = live_status::pod_selector(&object)
    {
        let pods =
            ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("", "v1", "Pod"), "pods");
        let params = ListParams::default().labels(&selector).limit(MAX_PODS);
        match api(client, &pods, true, &id.namespace).list(&params).await {
            Ok(list) => {
                let pods: Vec<Value> = list
                    .items
                    .iter()
                    .filter_map(|p| serde_json::to_value(p).ok())
                    .collect();
                live_status::pod_problems(&mut status, &pods);
            }
            Err(e) => status
                .details
                .push(format!("pods: {}", FetchError::from_kube(&e, "Pod"))),
        }
    }
    Ok(status)
}

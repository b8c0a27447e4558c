//! Taking a snapshot from the cluster (thin I/O over `cluster::snapshot_list`): every served Flux kind
//! (`cluster::discovery`), one paged list each, all at the resourceVersion of the first list where the server
//! allows it; with inventories, the live objects the Kustomizations' and HelmReleases' `status.inventory`
//! entries name (FLUX.md §4), one list per kind at the same version, kept when an entry names them. Secrets are
//! never listed or read: an inventory's Secrets are named in the manifest as left out. Every object is
//! [`clean`]ed. The same reading gives the live side of a diff ([`live_for`]).

use super::object::{ObjectKey, clean};
use crate::cluster::Scope;
use crate::cluster::discovery;
use crate::cluster::snapshot_list::{self, ListError};
use crate::flux::FluxKind;
use crate::flux::inventory::InventoryId;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Inventory entries to read: (group, version, kind) → (namespace, name).
type Wanted = BTreeMap<(String, String, String), BTreeSet<(String, String)>>;

/// What was read.
#[derive(Debug, Default)]
pub struct Captured {
    pub objects: BTreeMap<ObjectKey, Value>,
    /// The resourceVersion of the first list.
    pub resource_version: Option<String>,
    /// Every list read at that version.
    pub consistent: bool,
    /// Secrets inventories name, not read.
    pub excluded: Vec<String>,
    /// Inventory entries or kinds that could not be read, with why.
    pub unreadable: Vec<String>,
}

/// Why nothing could be captured.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(transparent)]
    Discovery(#[from] discovery::Error),
    #[error("cannot list {what}: {error}")]
    List { what: String, error: ListError },
}

fn namespace_of(scope: &Scope) -> Option<&str> {
    match scope {
        Scope::All => None,
        Scope::Namespace(ns) => Some(ns.as_str()),
    }
}

/// Lists every served Flux kind in `scope`; with `with_inventory`, also the objects their inventories list.
///
/// # Errors
/// Discovery fails, or a Flux kind's list fails for another reason than being forbidden or not served (those
/// are named in [`Captured::unreadable`]).
pub async fn capture(
    client: &kube::Client,
    scope: &Scope,
    with_inventory: bool,
) -> Result<Captured, CaptureError> {
    let found = discovery::discover(client).await?;
    let mut out = Captured {
        consistent: true,
        ..Captured::default()
    };
    let namespace = namespace_of(scope);
    let mut raw: Vec<(FluxKind, Vec<Value>)> = Vec::new();
    let mut served = found.served.iter();
    if let Some(first) = served.next() {
        let list = snapshot_list::list(client, &first.resource, namespace, None)
            .await
            .map_err(|error| CaptureError::List {
                what: first.kind.to_string(),
                error,
            })?;
        out.resource_version.clone_from(&list.resource_version);
        raw.push((first.kind, list.items));
    }
    let at = out.resource_version.clone();
    let rest = futures::future::join_all(served.map(|s| {
        let at = at.clone();
        async move {
            (
                s,
                snapshot_list::list(client, &s.resource, namespace, at.as_deref()).await,
            )
        }
    }))
    .await;
    for (s, result) in rest {
        match result {
            Ok(list) => {
                out.consistent &= list.exact;
                raw.push((s.kind, list.items));
            }
            Err(e @ (ListError::Forbidden(_) | ListError::NotServed)) => {
                out.unreadable.push(format!("{}: {e}", s.kind));
            }
            Err(error) => {
                return Err(CaptureError::List {
                    what: s.kind.to_string(),
                    error,
                });
            }
        }
    }
    let mut entries: Wanted = BTreeMap::new();
    for (kind, items) in raw {
        for item in items {
            if with_inventory {
                inventory_entries(&item, &mut entries, &mut out);
            }
            let api_version = item
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let api_version = if api_version.is_empty() {
                format!("{}/{}", kind.group(), kind.preferred_version())
            } else {
                api_version
            };
            let obj = clean(item, &api_version, kind.as_str());
            if let Some(key) = ObjectKey::of(&obj) {
                out.objects.insert(key, obj);
            }
        }
    }
    if with_inventory {
        read_inventory(client, entries, at.as_deref(), &mut out).await;
    }
    Ok(out)
}

/// Adds `item`'s inventory entries to `entries` by (group, version, kind); Secrets go to `excluded`, Flux
/// objects are left to the Flux lists.
fn inventory_entries(item: &Value, entries: &mut Wanted, out: &mut Captured) {
    let Some(list) = item
        .pointer("/status/inventory/entries")
        .and_then(Value::as_array)
    else {
        return;
    };
    for entry in list {
        let Some(id) = entry.get("id").and_then(Value::as_str) else {
            continue;
        };
        let Ok(parsed) = InventoryId::parse(id) else {
            out.unreadable.push(format!(
                "inventory id '{}': not <namespace>_<name>_<group>_<kind>",
                crate::text::sanitize(id)
            ));
            continue;
        };
        if parsed.group.is_empty() && parsed.kind == "Secret" {
            let shown = ObjectKey {
                group: String::new(),
                kind: "Secret".to_owned(),
                namespace: parsed.namespace.clone(),
                name: parsed.name.clone(),
            };
            let text = shown.to_string();
            if !out.excluded.contains(&text) {
                out.excluded.push(text);
            }
            continue;
        }
        let version = entry
            .get("v")
            .and_then(Value::as_str)
            .unwrap_or("v1")
            .to_owned();
        entries
            .entry((parsed.group, version, parsed.kind))
            .or_default()
            .insert((parsed.namespace, parsed.name));
    }
}

async fn read_inventory(
    client: &kube::Client,
    entries: Wanted,
    at: Option<&str>,
    out: &mut Captured,
) {
    for ((group, version, kind), names) in entries {
        let already = |ns: &str, name: &str| {
            out.objects.contains_key(&ObjectKey {
                group: group.clone(),
                kind: kind.clone(),
                namespace: ns.to_owned(),
                name: name.to_owned(),
            })
        };
        let wanted: BTreeSet<(String, String)> = names
            .into_iter()
            .filter(|(ns, name)| !already(ns, name))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let shown = super::manifest::kind_key(&group, &kind);
        let (resource, _) = match snapshot_list::resource(client, &group, &version, &kind).await {
            Ok(r) => r,
            Err(e) => {
                out.unreadable
                    .push(format!("{shown} ({} objects): {e}", wanted.len()));
                continue;
            }
        };
        let list = match snapshot_list::list(client, &resource, None, at).await {
            Ok(l) => l,
            Err(e) => {
                out.unreadable
                    .push(format!("{shown} ({} objects): {e}", wanted.len()));
                continue;
            }
        };
        out.consistent &= at.is_none() || list.exact;
        let mut seen = BTreeSet::new();
        for item in list.items {
            let obj = clean(item, &resource.api_version, &kind);
            let Some(key) = ObjectKey::of(&obj) else {
                continue;
            };
            let id = (key.namespace.clone(), key.name.clone());
            if wanted.contains(&id) {
                seen.insert(id);
                out.objects.insert(key, obj);
            }
        }
        for (ns, name) in wanted.difference(&seen) {
            let key = ObjectKey {
                group: group.clone(),
                kind: kind.clone(),
                namespace: ns.clone(),
                name: name.clone(),
            };
            out.unreadable
                .push(format!("{key}: listed in an inventory, not found"));
        }
    }
}

/// The live objects to compare a snapshot with: every Flux object in `scope` now, and the live objects of the
/// snapshot's other (inventory) keys.
///
/// # Errors
/// As [`capture`].
pub async fn live_for(
    client: &kube::Client,
    scope: &Scope,
    keys: &BTreeSet<ObjectKey>,
    versions: &BTreeMap<ObjectKey, String>,
) -> Result<Captured, CaptureError> {
    let mut live = capture(client, scope, false).await?;
    let mut entries: Wanted = BTreeMap::new();
    for key in keys {
        if FluxKind::from_kind(&key.kind).is_some_and(|k| k.group() == key.group) {
            continue;
        }
        let version = versions
            .get(key)
            .map(|v| super::object::version_of(v).to_owned())
            .unwrap_or_else(|| "v1".to_owned());
        entries
            .entry((key.group.clone(), version, key.kind.clone()))
            .or_default()
            .insert((key.namespace.clone(), key.name.clone()));
    }
    read_inventory(client, entries, None, &mut live).await;
    // Absent objects are what a diff reports; they are not unreadable.
    live.unreadable
        .retain(|u| !u.ends_with("listed in an inventory, not found"));
    Ok(live)
}

/// A snapshot to take: of what, and where it goes.
#[derive(Debug, Clone, Copy)]
pub struct Take<'a> {
    pub scope: &'a Scope,
    pub with_inventory: bool,
    /// The new snapshot directory (its name is the id).
    pub dir: &'a std::path::Path,
    /// The API server's address and the context, for the manifest.
    pub cluster: &'a str,
    pub context: &'a str,
}

/// Why a snapshot was not taken.
#[derive(Debug, thiserror::Error)]
pub enum TakeError {
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error(transparent)]
    Write(#[from] super::store::WriteError),
}

/// Takes a snapshot: [`capture`], then the manifest, then the directory written whole
/// (`store::write`). `fluxops snapshot create` and the console's snapshot screen both take them so.
///
/// # Errors
/// Reading the cluster or writing the directory fails.
pub async fn take(client: &kube::Client, take: Take<'_>) -> Result<super::Manifest, TakeError> {
    let captured = capture(client, take.scope, take.with_inventory).await?;
    let id = take
        .dir
        .file_name()
        .map_or_else(super::store::new_id, |n| n.to_string_lossy().into_owned());
    let manifest = super::Manifest {
        format: super::manifest::FORMAT_VERSION,
        tool: format!("fluxops {}", env!("CARGO_PKG_VERSION")),
        id,
        created: crate::execution::now(),
        cluster: take.cluster.to_owned(),
        context: take.context.to_owned(),
        scope: match take.scope {
            Scope::All => "all namespaces".to_owned(),
            Scope::Namespace(ns) => format!("namespace {ns}"),
        },
        with_inventory: take.with_inventory,
        resource_version: captured.resource_version.clone(),
        consistent: captured.consistent,
        counts: BTreeMap::new(),
        objects: 0,
        excluded: captured.excluded.clone(),
        unreadable: captured.unreadable.clone(),
        files: Vec::new(),
    };
    Ok(super::store::write(take.dir, manifest, &captured.objects)?)
}

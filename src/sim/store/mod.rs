//! The simulated cluster's object store: `serde_json::Value` objects keyed by (group, resource,
//! namespace, name), one global resourceVersion, a bounded change history for watches, and a
//! broadcast of every change.
//!
//! Everything the HTTP layer does goes through these methods, and the simulated controllers call
//! the same methods in-process (`get`, `list`, `create`, `update_status`, `patch_status`,
//! `patch_metadata_annotations`, `record_event`, `subscribe`). Objects are shared as `Arc<Value>`:
//! reads never clone the store. The write path is in `write.rs`, event aggregation in `recorder.rs`.

mod defaults;
pub mod error;
pub mod history;
pub mod key;
pub mod meta;
mod recorder;
mod secret;
pub mod selector;
pub mod validation;
mod write;

pub use error::{Cause, Result, StoreError};
pub use history::{Change, ChangeType};
pub use key::ObjectKey;
pub use recorder::EventRecord;
pub use selector::Selector;

use crate::sim::resource::{GroupResource, Registry, ResourceDef};
use history::History;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use tokio::sync::broadcast;

/// Tuning of a `Store`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// How many changes watches can resume over before they get 410 Expired.
    pub history_capacity: usize,
    /// Buffer of the change broadcast; a subscriber that falls further behind sees `Lagged`.
    pub broadcast_capacity: usize,
    /// The resourceVersion of the first write.
    pub first_resource_version: u64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            history_capacity: 10_000,
            broadcast_capacity: 16_384,
            first_resource_version: 1000,
        }
    }
}

/// How a write is made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// `dryRun=All`: validate and return the result, store nothing.
    pub dry_run: bool,
    /// `fieldManager` (defaults to `fluxops-sim`).
    pub field_manager: Option<String>,
}

impl WriteOptions {
    #[must_use]
    pub fn dry_run() -> Self {
        Self {
            dry_run: true,
            field_manager: None,
        }
    }

    #[must_use]
    pub fn manager(name: &str) -> Self {
        Self {
            dry_run: false,
            field_manager: Some(name.to_owned()),
        }
    }
}

/// A patch body, by content type.
#[derive(Debug, Clone, PartialEq)]
pub enum Patch {
    /// `application/merge-patch+json` (RFC 7386).
    Merge(Value),
    /// `application/json-patch+json` (RFC 6902).
    Json(json_patch::Patch),
    /// `application/apply-patch+yaml`, simplified: create if missing, else merge.
    Apply(Value),
}

/// Which part of an object a write addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subresource {
    /// The object itself: `status` is ignored where a status subresource exists.
    Main,
    /// `…/status`: only `status` changes; `generation` is untouched.
    Status,
}

/// A consistent list result.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    pub items: Vec<Arc<Value>>,
    /// The store's resourceVersion when the list was taken.
    pub resource_version: u64,
    /// `(namespace, name)` of the last item returned when more remain (for `continue`).
    pub continue_after: Option<(String, String)>,
    /// Items left after this page (only when `continue_after` is set).
    pub remaining: u64,
}

/// Where a watch starts: the changes already missed, and the live feed after them.
#[derive(Debug)]
pub struct WatchStart {
    pub backlog: Vec<Change>,
    pub receiver: broadcast::Receiver<Change>,
}

type Objects = BTreeMap<(String, String), Arc<Value>>;

#[derive(Debug)]
struct State {
    resource_version: u64,
    objects: HashMap<GroupResource, Objects>,
    history: History,
    /// Event aggregation key → event key (see `recorder.rs`).
    event_index: HashMap<String, ObjectKey>,
}

#[derive(Debug)]
struct Shared {
    registry: Registry,
    state: RwLock<State>,
    changes: broadcast::Sender<Change>,
}

/// The in-memory object store. Cheap to clone (all clones share one store).
#[derive(Debug, Clone)]
pub struct Store {
    shared: Arc<Shared>,
}

impl Store {
    /// A store for the standard registry (built-ins + all Flux kinds at current versions).
    #[must_use]
    pub fn standard() -> Self {
        Self::new(Registry::standard(), StoreOptions::default())
    }

    #[must_use]
    pub fn new(registry: Registry, options: StoreOptions) -> Self {
        let (changes, _) = broadcast::channel(options.broadcast_capacity.max(16));
        let state = State {
            resource_version: options.first_resource_version.saturating_sub(1),
            objects: HashMap::new(),
            history: History::new(options.history_capacity),
            event_index: HashMap::new(),
        };
        Self {
            shared: Arc::new(Shared {
                registry,
                state: RwLock::new(state),
                changes,
            }),
        }
    }

    /// The resource types this store holds.
    #[must_use]
    pub fn registry(&self) -> &Registry {
        &self.shared.registry
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.shared
            .state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.shared
            .state
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn def(&self, resource: &GroupResource) -> Result<&ResourceDef> {
        self.shared
            .registry
            .by_resource(resource)
            .ok_or_else(|| StoreError::UnknownResource(resource.clone()))
    }

    /// The current (latest) resourceVersion.
    #[must_use]
    pub fn resource_version(&self) -> u64 {
        self.read().resource_version
    }

    /// The oldest resourceVersion a watch can still resume from.
    #[must_use]
    pub fn compacted_resource_version(&self) -> u64 {
        self.read().history.compacted()
    }

    /// One object.
    #[must_use]
    pub fn get(&self, key: &ObjectKey) -> Option<Arc<Value>> {
        self.read()
            .objects
            .get(&key.resource)?
            .get(&(key.namespace.clone(), key.name.clone()))
            .cloned()
    }

    /// Every object of `resource` (in `namespace`, or all namespaces) that `selector` selects,
    /// ordered by namespace then name.
    #[must_use]
    pub fn list(
        &self,
        resource: &GroupResource,
        namespace: Option<&str>,
        selector: &Selector,
    ) -> ListPage {
        self.list_page(resource, namespace, selector, None, None)
    }

    /// A page of `list`: at most `limit` items after `start_after` (exclusive).
    #[must_use]
    pub fn list_page(
        &self,
        resource: &GroupResource,
        namespace: Option<&str>,
        selector: &Selector,
        limit: Option<usize>,
        start_after: Option<&(String, String)>,
    ) -> ListPage {
        let state = self.read();
        let empty = Objects::new();
        let objects = state.objects.get(resource).unwrap_or(&empty);
        page_of(
            objects,
            state.resource_version,
            namespace,
            selector,
            limit,
            start_after,
        )
    }

    /// `list_page` of the store as it was at resourceVersion `at` (`None`, or a version not older than now: as
    /// it is), as etcd reads at a revision: the current objects with every later change undone from the
    /// history. Every page of a paged list reads the same snapshot this way.
    ///
    /// # Errors
    /// `Expired` when the history no longer reaches back to `at`.
    pub fn list_page_at(
        &self,
        resource: &GroupResource,
        namespace: Option<&str>,
        selector: &Selector,
        limit: Option<usize>,
        start_after: Option<&(String, String)>,
        at: Option<u64>,
    ) -> Result<ListPage> {
        let state = self.read();
        let current = state.resource_version;
        let empty = Objects::new();
        let objects = state.objects.get(resource).unwrap_or(&empty);
        let at = match at {
            Some(at) if at < current => at,
            _ => {
                return Ok(page_of(
                    objects,
                    current,
                    namespace,
                    selector,
                    limit,
                    start_after,
                ));
            }
        };
        // The objects changed since `at`, as they were at `at` (`None`: created since): the earliest change
        // after `at` holds that state. The page merges them over the current objects, so a read at a past
        // version costs the changes since, not a copy of every object.
        let mut then: BTreeMap<Key<'_>, Option<&Arc<Value>>> = BTreeMap::new();
        for change in state.history.since_ref(at, resource)?.rev() {
            let before = match (&change.type_, &change.previous) {
                (ChangeType::Modified | ChangeType::Deleted, Some(before)) => Some(before),
                _ => None,
            };
            then.insert((change.namespace.as_str(), change.name.as_str()), before);
        }
        if then.is_empty() {
            return Ok(page_of(
                objects,
                at,
                namespace,
                selector,
                limit,
                start_after,
            ));
        }
        let lower = key_bound(start_after, namespace);
        let current = objects
            .range::<(String, String), _>((owned_bound(&lower), Bound::Unbounded))
            .map(|((ns, name), obj)| ((ns.as_str(), name.as_str()), obj));
        let changed = then.range((lower, Bound::Unbounded)).map(|(k, v)| (*k, *v));
        Ok(page_from(
            merged(current, changed),
            at,
            namespace,
            selector,
            limit,
        ))
    }

    /// A feed of every committed change (all resources). Lagging receivers see `Lagged`.
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.shared.changes.subscribe()
    }

    /// Starts a watch of `resource` (in `namespace`) after `resource_version`: the missed changes
    /// plus a live receiver, with no gap and no duplicate between them.
    ///
    /// # Errors
    /// `Expired` when `resource_version` is older than the compaction point.
    pub fn watch_from(
        &self,
        resource: &GroupResource,
        namespace: Option<&str>,
        resource_version: u64,
    ) -> Result<WatchStart> {
        let state = self.read();
        let backlog = state.history.since(resource_version, resource, namespace)?;
        let receiver = self.shared.changes.subscribe();
        Ok(WatchStart { backlog, receiver })
    }

    /// Forgets the change history up to now: a watch resuming from any earlier
    /// resourceVersion gets 410 Expired.
    pub fn compact(&self) {
        let mut state = self.write();
        let rv = state.resource_version;
        state.history.compact_to(rv);
    }

    /// Number of objects of `resource` (all namespaces).
    #[must_use]
    pub fn count(&self, resource: &GroupResource) -> usize {
        self.read().objects.get(resource).map_or(0, BTreeMap::len)
    }
}

/// `(namespace, name)`, borrowed.
type Key<'a> = (&'a str, &'a str);

/// Where a page starts: after `start_after`, else at the first object of `namespace`, else at the first.
fn key_bound<'a>(
    start_after: Option<&'a (String, String)>,
    namespace: Option<&'a str>,
) -> Bound<Key<'a>> {
    match (start_after, namespace) {
        (Some((ns, name)), _) => Bound::Excluded((ns.as_str(), name.as_str())),
        (None, Some(ns)) => Bound::Included((ns, "")),
        (None, None) => Bound::Unbounded,
    }
}

fn owned_bound(bound: &Bound<Key<'_>>) -> Bound<(String, String)> {
    match bound {
        Bound::Excluded((ns, name)) => Bound::Excluded(((*ns).to_owned(), (*name).to_owned())),
        Bound::Included((ns, name)) => Bound::Included(((*ns).to_owned(), (*name).to_owned())),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// The objects of `current` with `changed` laid over them (both in key order): a changed key takes its
/// value there (`None`: it did not exist), every other key keeps its current object.
fn merged<'a>(
    current: impl Iterator<Item = (Key<'a>, &'a Arc<Value>)>,
    changed: impl Iterator<Item = (Key<'a>, Option<&'a Arc<Value>>)>,
) -> impl Iterator<Item = (Key<'a>, &'a Arc<Value>)> {
    let mut current = current.peekable();
    let mut changed = changed.peekable();
    std::iter::from_fn(move || {
        loop {
            let order = match (current.peek(), changed.peek()) {
                (None, None) => return None,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some((a, _)), Some((b, _))) => a.cmp(b),
            };
            if order == std::cmp::Ordering::Equal {
                // The current object was changed since: the changed side holds it as it was.
                current.next();
            }
            let take_changed = order != std::cmp::Ordering::Less;
            if take_changed {
                if let Some((k, Some(obj))) = changed.next() {
                    return Some((k, obj));
                }
            } else {
                return current.next();
            }
        }
    })
}

/// A page of `objects` (ordered by namespace, then name) as of `resource_version`.
fn page_of(
    objects: &Objects,
    resource_version: u64,
    namespace: Option<&str>,
    selector: &Selector,
    limit: Option<usize>,
    start_after: Option<&(String, String)>,
) -> ListPage {
    let lower = key_bound(start_after, namespace);
    let items = objects
        .range::<(String, String), _>((owned_bound(&lower), Bound::Unbounded))
        .map(|((ns, name), obj)| ((ns.as_str(), name.as_str()), obj));
    page_from(items, resource_version, namespace, selector, limit)
}

/// A page of `objects` (in key order, from where the page starts).
fn page_from<'a>(
    objects: impl Iterator<Item = (Key<'a>, &'a Arc<Value>)>,
    resource_version: u64,
    namespace: Option<&str>,
    selector: &Selector,
    limit: Option<usize>,
) -> ListPage {
    let mut selected = objects
        .take_while(|((ns, _), _)| namespace.is_none_or(|want| *ns == want))
        .filter(|(_, obj)| selector.matches(obj));
    let limit = limit.filter(|l| *l > 0).unwrap_or(usize::MAX);
    let mut items = Vec::new();
    let mut last = None;
    for (k, obj) in selected.by_ref() {
        items.push(Arc::clone(obj));
        last = Some(k);
        if items.len() >= limit {
            break;
        }
    }
    let remaining = selected.count() as u64;
    let continue_after = if remaining > 0 {
        last.map(|(ns, name)| (ns.to_owned(), name.to_owned()))
    } else {
        None
    };
    ListPage {
        items,
        resource_version,
        continue_after,
        remaining,
    }
}

#[cfg(test)]
mod tests;

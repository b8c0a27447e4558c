//! Running the controllers: one tokio task per Flux object that reconciles on its requeue time or when
//! woken, a dispatcher that follows the store's change feed (new objects, deletions, generation and
//! `reconcile.fluxcd.io/*` annotation changes, source revision changes waking the objects that use the
//! source), and per-controller concurrency limits like the controllers' `--concurrent` workers.

use super::clock::SimClock;
use super::input::PlanInput;
use super::plan::{HealthWait, Plan, Timeline};
use super::view::{OwnerIndex, View};
use super::{events, helm, kustomize, object, source};
use crate::flux::{FluxKind, ResourceRef};
use crate::sim::resource::GroupResource;
use crate::sim::scenario::Behaviour;
use crate::sim::store::{
    Change, ChangeType, ObjectKey, Patch, Selector, Store, StoreError, Subresource, WriteOptions,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, broadcast};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Everything the tasks share.
#[derive(Debug)]
pub struct Shared {
    pub store: Store,
    pub clock: SimClock,
    pub behaviours: BTreeMap<ResourceRef, Behaviour>,
    pub owners: OwnerIndex,
    pub cancel: CancellationToken,
    /// Where the controllers print (`None`: nowhere).
    pub logbook: Option<super::logs::Logbook>,
    limits: [Arc<Semaphore>; 3],
    /// Behaviours set at run time; they win over `behaviours`.
    overrides: std::sync::Mutex<BTreeMap<ResourceRef, Behaviour>>,
}

impl Shared {
    #[must_use]
    pub fn new(
        store: Store,
        clock: SimClock,
        behaviours: BTreeMap<ResourceRef, Behaviour>,
        workers: usize,
        cancel: CancellationToken,
        logbook: Option<super::logs::Logbook>,
    ) -> Self {
        let sem = || Arc::new(Semaphore::new(workers.max(1)));
        Self {
            store,
            clock,
            behaviours,
            owners: OwnerIndex::default(),
            cancel,
            logbook,
            limits: [sem(), sem(), sem()],
            overrides: std::sync::Mutex::default(),
        }
    }

    /// The behaviour of `r`: set at run time, else the scenario's, else the default.
    #[must_use]
    pub fn behaviour_of(&self, r: &ResourceRef) -> Behaviour {
        let overridden = self.overrides.lock().ok().and_then(|o| o.get(r).cloned());
        overridden
            .or_else(|| self.behaviours.get(r).cloned())
            .unwrap_or_default()
    }

    /// Sets the behaviour of `r` at run time.
    pub fn set_behaviour(&self, r: ResourceRef, behaviour: Behaviour) {
        if let Ok(mut o) = self.overrides.lock() {
            o.insert(r, behaviour);
        }
    }

    fn limit(&self, kind: FluxKind) -> Arc<Semaphore> {
        let i = match kind {
            FluxKind::Kustomization => 0,
            FluxKind::HelmRelease => 1,
            _ => 2,
        };
        Arc::clone(&self.limits[i])
    }

    /// The object's scenario behaviour; a generated HelmChart inherits its HelmRelease's chart settings.
    fn behaviour_for(&self, r: &ResourceRef, obj: &Value) -> Behaviour {
        let overridden = self.overrides.lock().ok().and_then(|o| o.get(r).cloned());
        if let Some(b) = overridden.or_else(|| self.behaviours.get(r).cloned()) {
            return b;
        }
        if r.kind == FluxKind::HelmChart
            && let (Some(name), Some(ns)) = (
                object::label(obj, super::view::HR_OWNER_NAME),
                object::label(obj, super::view::HR_OWNER_NAMESPACE),
            )
            && let Some(owner) =
                self.behaviours
                    .get(&ResourceRef::new(FluxKind::HelmRelease, ns, name))
        {
            return Behaviour {
                chart_version: owner.chart_version.clone(),
                revisions: owner.revisions,
                ..Behaviour::default()
            };
        }
        Behaviour::default()
    }
}

/// What the dispatcher remembers of an object to decide whom to wake.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Snapshot {
    generation: i64,
    annotations: [Option<String>; 3],
    revision: Option<String>,
    /// Sources whose new revisions wake this object.
    watches: Vec<ResourceRef>,
}

impl Snapshot {
    fn of(obj: &Value, r: &ResourceRef) -> Self {
        let ns = r.namespace.as_str();
        let mut watches = Vec::new();
        let reference = |p: &str| obj.pointer(p).and_then(|v| object::reference(v, None, ns));
        match r.kind {
            FluxKind::Kustomization => watches.extend(reference("/spec/sourceRef")),
            FluxKind::HelmRelease => {
                watches.extend(reference("/spec/chartRef"));
                watches.extend(helm::chart_template(obj, Duration::ZERO).map(|(c, _)| c));
            }
            FluxKind::HelmChart => watches.extend(reference("/spec/sourceRef")),
            _ => {}
        }
        let ann = |k| object::annotation(obj, k).map(str::to_owned);
        Self {
            generation: object::generation(obj),
            annotations: [
                ann(object::REQUESTED_AT),
                ann(object::FORCE_AT),
                ann(object::RESET_AT),
            ],
            revision: object::str_at(obj, "/status/artifact/revision").map(str::to_owned),
            watches,
        }
    }
}

struct Worker {
    notify: Arc<Notify>,
    cancel: CancellationToken,
    snapshot: Snapshot,
}

/// Follows the store and keeps one worker per Flux object. Runs until `shared.cancel`.
pub async fn dispatch(shared: Arc<Shared>) {
    let mut changes = shared.store.subscribe();
    let mut workers: HashMap<ResourceRef, Worker> = HashMap::new();
    resync(&shared, &mut workers);
    loop {
        let change = tokio::select! {
            () = shared.cancel.cancelled() => break,
            change = changes.recv() => change,
        };
        match change {
            Ok(change) => on_change(&shared, &mut workers, &change),
            Err(broadcast::error::RecvError::Lagged(_)) => resync(&shared, &mut workers),
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
    for w in workers.values() {
        w.cancel.cancel();
    }
}

fn flux_kind_of(resource: &GroupResource) -> Option<FluxKind> {
    FluxKind::ALL
        .into_iter()
        .find(|k| k.group() == resource.group && k.plural() == resource.resource)
}

fn resync(shared: &Arc<Shared>, workers: &mut HashMap<ResourceRef, Worker>) {
    // A set: a resync follows a lagging feed during a burst of writes, and a linear `contains` per worker made
    // it quadratic in the fleet (11,000 objects: ~10^8 comparisons), which made the feed lag further.
    let mut present = std::collections::HashSet::new();
    for kind in FluxKind::ALL {
        let page = shared
            .store
            .list(&GroupResource::flux(kind), None, &Selector::everything());
        for obj in page.items {
            if let Some(r) = object::resource_ref(&obj) {
                upsert(shared, workers, &r, &obj);
                present.insert(r);
            }
        }
    }
    workers.retain(|r, w| {
        let keep = present.contains(r);
        if !keep {
            w.cancel.cancel();
        }
        keep
    });
}

fn on_change(shared: &Arc<Shared>, workers: &mut HashMap<ResourceRef, Worker>, change: &Change) {
    let Some(kind) = flux_kind_of(&change.resource) else {
        return;
    };
    let r = ResourceRef::new(kind, &change.namespace, &change.name);
    if change.type_ == ChangeType::Deleted {
        shared.owners.remove(&r);
        if let Some(w) = workers.remove(&r) {
            w.cancel.cancel();
        }
        return;
    }
    upsert(shared, workers, &r, &change.object);
}

fn upsert(
    shared: &Arc<Shared>,
    workers: &mut HashMap<ResourceRef, Worker>,
    r: &ResourceRef,
    obj: &Value,
) {
    shared.owners.update(obj);
    let snapshot = Snapshot::of(obj, r);
    let Some(w) = workers.get_mut(r) else {
        let notify = Arc::new(Notify::new());
        let cancel = shared.cancel.child_token();
        tokio::spawn(work(
            Arc::clone(shared),
            r.clone(),
            Arc::clone(&notify),
            cancel.clone(),
        ));
        workers.insert(
            r.clone(),
            Worker {
                notify,
                cancel,
                snapshot,
            },
        );
        return;
    };
    if w.snapshot.generation != snapshot.generation
        || w.snapshot.annotations != snapshot.annotations
    {
        w.notify.notify_one();
    }
    let new_revision = w.snapshot.revision != snapshot.revision && snapshot.revision.is_some();
    w.snapshot = snapshot;
    if new_revision {
        for other in workers.values() {
            if other.snapshot.watches.contains(r) {
                other.notify.notify_one();
            }
        }
    }
}

/// Far enough to mean "only when woken".
const NEVER: Duration = Duration::from_secs(60 * 60 * 24 * 365);

async fn work(shared: Arc<Shared>, r: ResourceRef, notify: Arc<Notify>, cancel: CancellationToken) {
    let mut state = WorkerState::default();
    let mut due = Instant::now();
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep_until(due) => {}
            () = notify.notified() => {}
        }
        let limit = shared.limit(r.kind);
        let permit = tokio::select! {
            () = cancel.cancelled() => return,
            permit = limit.acquire_owned() => permit,
        };
        let Ok(_permit) = permit else { return };
        let requeue = tokio::select! {
            () = cancel.cancelled() => return,
            requeue = reconcile_once(&shared, &r, &mut state) => requeue,
        };
        due = requeue.map_or_else(
            || Instant::now() + NEVER,
            |d| shared.clock.deadline_after(d),
        );
    }
}

/// Plans and plays one reconcile; returns the requeue delay (`None`: wait for a change).
/// What a worker remembers between reconciles of its object.
#[derive(Debug, Default)]
struct WorkerState {
    /// Reconciles that reached the act phase (failure plans count them).
    attempts: u32,
    health_wait: Option<HealthWait>,
    /// A `stuckAfter` reconcile has hung (nothing more is written).
    hung: bool,
}

async fn reconcile_once(
    shared: &Shared,
    r: &ResourceRef,
    state: &mut WorkerState,
) -> Option<Duration> {
    let key = ObjectKey::flux(r.kind, &r.namespace, &r.name);
    let obj = shared.store.get(&key)?;
    if object::suspended(&obj) {
        tracing::debug!(%r, "Reconciliation is suspended for this object");
        if let Some(book) = &shared.logbook {
            let id = crate::sim::store::meta::new_uid();
            let subject = super::logs::Subject {
                kind: r.kind,
                namespace: &r.namespace,
                name: &r.name,
                reconcile_id: &id,
            };
            let now = k8s_openapi::jiff::Timestamp::now();
            let text = super::logs::line(
                now,
                super::logs::Level::Info,
                "Reconciliation is suspended for this object",
                &subject,
                &[],
                None,
            );
            book.write(events::component(r.kind), now, &text);
        }
        return None;
    }
    let behaviour = shared.behaviour_for(r, &obj);
    if state.hung || behaviour.stop_after.is_some_and(|n| state.attempts >= n) {
        tracing::debug!(%r, "simulated controller does not reconcile this object any more");
        return None;
    }
    let hangs = behaviour.stuck_after.is_some_and(|n| state.attempts >= n);
    let input = PlanInput {
        obj: &obj,
        kind: r.kind,
        view: View {
            store: &shared.store,
            owners: &shared.owners,
        },
        behaviour: &behaviour,
        attempts: state.attempts,
        timeline: Timeline {
            start: shared.clock.now(),
            scale: shared.clock.scale(),
        },
        elapsed: shared.clock.elapsed(),
        health_wait: state.health_wait.as_ref(),
    };
    let mut plan = match r.kind {
        FluxKind::Kustomization => kustomize::plan(&input),
        FluxKind::HelmRelease => helm::plan(&input),
        _ => source::plan(&input),
    };
    if hangs && plan.attempted {
        // The attempt starts and never ends (waiting on a dependency or an artifact is not an attempt).
        state.hung = true;
        plan = super::stall::hung(&input);
    }
    if plan.attempted {
        state.attempts = state.attempts.saturating_add(1);
    }
    state.health_wait.clone_from(&plan.health_wait);
    let retry = object::duration_at(&obj, "/spec/retryInterval")
        .or_else(|| object::duration_at(&obj, "/spec/interval"))
        .unwrap_or(Duration::from_secs(60));
    play(shared, r, &key, plan, retry).await
}

/// The finalizer every Flux controller adds on its first reconcile.
pub const FINALIZER: &str = "finalizers.fluxcd.io";

async fn play(
    shared: &Shared,
    r: &ResourceRef,
    key: &ObjectKey,
    plan: Plan,
    retry: Duration,
) -> Option<Duration> {
    let reconcile_id = crate::sim::store::meta::new_uid();
    let mut took = Duration::ZERO;
    let manager = WriteOptions::manager(events::component(r.kind));
    add_finalizer(shared, key, &manager);
    for manifest in plan.creates {
        let Some(created) = object::resource_ref(&manifest) else {
            continue;
        };
        let chart_key = ObjectKey::flux(created.kind, &created.namespace, &created.name);
        if let Err(err) = shared.store.patch(
            &chart_key,
            &Patch::Apply(manifest),
            Subresource::Main,
            &manager,
        ) {
            tracing::warn!(%err, %created, "simulated controller could not apply an object");
        }
    }
    // Applied when planned: the planner's dry-run saw the cluster as it is now.
    for applied in plan.applies {
        if let Err(err) = super::apply::write(&shared.store, &applied.object, applied.manager) {
            tracing::warn!(%err, %r, "simulated controller could not apply an object");
        }
    }
    for step in plan.steps {
        if !step.after.is_zero() {
            shared.clock.sleep(step.after).await;
        }
        took += step.after;
        let written = match shared.store.update_status(key, Value::Object(step.status)) {
            Ok(obj) => obj,
            Err(err @ StoreError::NotFound { .. }) => {
                tracing::debug!(%err, %r, "object gone during reconcile");
                return None;
            }
            Err(err) => {
                tracing::warn!(%err, %r, "simulated controller could not write status");
                return plan.requeue;
            }
        };
        for e in &step.events {
            events::record(&shared.store, &written, r.kind, e);
            if let Some(book) = &shared.logbook {
                let subject = super::logs::Subject {
                    kind: r.kind,
                    namespace: &r.namespace,
                    name: &r.name,
                    reconcile_id: &reconcile_id,
                };
                let now = k8s_openapi::jiff::Timestamp::now();
                let text = super::logs::for_event(now, &subject, e, took, retry);
                book.write(events::component(r.kind), now, &text);
            }
        }
    }
    plan.requeue
}

fn add_finalizer(shared: &Shared, key: &ObjectKey, manager: &WriteOptions) {
    let Some(obj) = shared.store.get(key) else {
        return;
    };
    // Static OCI HelmRepositories are left alone by source-controller.
    if object::str_at(&obj, "/spec/type") == Some("oci")
        && object::str_at(&obj, "/kind") == Some("HelmRepository")
    {
        return;
    }
    let mut finalizers: Vec<Value> = obj
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if finalizers.iter().any(|f| f == FINALIZER) {
        return;
    }
    finalizers.push(Value::from(FINALIZER));
    let patch = Patch::Merge(serde_json::json!({"metadata": {"finalizers": finalizers}}));
    if let Err(err) = shared.store.patch(key, &patch, Subresource::Main, manager) {
        tracing::debug!(%err, %key, "could not add the Flux finalizer");
    }
}

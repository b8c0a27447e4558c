//! Prometheus exposition of what fluxops computes and Flux itself no longer exports (docs/metrics.md): per
//! object ready, suspended, stuck and overdue; each root cause (one series per cause, whatever waits behind it,
//! so a cascade pages once); reconcile durations as a histogram; fleet counts per status; whether the data is
//! live and how old it is. Labels follow kube-state-metrics' `gotk_resource_info` where they overlap
//! (`customresource_group`, `customresource_kind`, `customresource_version`, `exported_namespace`, `name`,
//! `ready`, `suspended`) plus `cluster` (the kubeconfig context).
//!
//! **Cardinality is bounded by construction**: label values come only from the object's identity (kind,
//! namespace, name) and from closed sets (health, problem kind, the diagnosis classes, `True`/`False`/`Unknown`,
//! `true`/`false`); never from free text (messages, revisions, reasons, URLs), which would mint a series per
//! commit or per error. Per object there are at most [`SERIES_PER_OBJECT`] series, and at most
//! [`MAX_OBJECTS`] objects get them (the rest are counted in `fluxops_metrics_objects_dropped`; fleet counts
//! still include them). The duration histogram is per kind, not per object.
//!
//! Computed on demand: a scrape (`server`) asks the loop that owns the state ([`Exporter::next_ask`]) and the
//! loop answers with [`Exporter::answer`], so nothing is computed while nobody scrapes. The encoding itself is
//! pure: the console's `State` and the clock in, text out.

pub mod server;

use crate::app::State;
use crate::app::problems::{Problem, ProblemKind};
use crate::app::state::KindState;
use crate::flux::{FluxKind, Health, ResourceRef};
use crate::text::sanitize_line;
use k8s_openapi::jiff::Timestamp;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets_range};
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use tokio::sync::{mpsc, oneshot};

/// A scrape waiting for the text.
pub type Ask = oneshot::Sender<String>;

/// Objects that get per-object series at most.
pub const MAX_OBJECTS: usize = 20_000;
/// Per-object series at most: info, ready, suspended, stuck, overdue, and root cause when it is one.
pub const SERIES_PER_OBJECT: usize = 6;

type Labels = Vec<(&'static str, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;

fn buckets() -> Histogram {
    // Flux's own buckets (fluxcd/pkg runtime/metrics: ExponentialBucketsRange(0.01, 1800, 10)).
    Histogram::new(exponential_buckets_range(0.01, 1800.0, 10))
}

/// Builds the exposition text from the console's state (one cluster's, or every cluster's of a fleet: one text,
/// each series labelled with its `cluster`), keeping the reconcile-duration histograms (cumulative, as
/// Prometheus needs) from one publish to the next.
pub struct Exporter {
    /// The clusters' names (their contexts), in the order their states are given.
    clusters: Vec<String>,
    durations: Family<Labels, Histogram, fn() -> Histogram>,
    /// Per cluster: the newest finished sample already counted, per object.
    counted: Vec<HashMap<ResourceRef, Timestamp>>,
    asks: mpsc::Receiver<Ask>,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exporter")
            .field("clusters", &self.clusters)
            .finish_non_exhaustive()
    }
}

/// What the exporter is told besides the state.
#[derive(Debug, Clone, Copy)]
pub struct Freshness {
    /// Every watched kind is live.
    pub live: bool,
    /// The last time it was.
    pub as_of: Option<Timestamp>,
}

/// The families of one scrape, filled cluster by cluster, then registered once (a family appears once in the
/// text, whatever the number of clusters).
#[derive(Default)]
struct Families {
    info: Family<Labels, Gauge>,
    ready: Family<Labels, Gauge>,
    suspended: Family<Labels, Gauge>,
    stuck: Family<Labels, Gauge>,
    overdue: Family<Labels, Gauge>,
    causes: Family<Labels, Gauge>,
    per_problem: Family<Labels, Gauge>,
    counts: Family<Labels, Gauge>,
    flagged: Family<Labels, Gauge>,
    up: Family<Labels, Gauge>,
    age: Family<Labels, FloatGauge>,
    dropped: Family<Labels, Gauge>,
    /// Objects given per-object series so far, over every cluster (the cap is for the whole text).
    objects: usize,
}

impl Exporter {
    /// An exporter for the cluster named `cluster` (the context), and the sender the server asks through.
    #[must_use]
    pub fn new(cluster: &str) -> (Self, mpsc::Sender<Ask>) {
        Self::for_clusters(&[cluster.to_owned()])
    }

    /// An exporter for several clusters at once (`--context a --context b`): their states are given in this
    /// order to [`Self::answer_all`] / [`Self::encode_all`].
    #[must_use]
    pub fn for_clusters(clusters: &[String]) -> (Self, mpsc::Sender<Ask>) {
        let (tx, asks) = mpsc::channel(8);
        let durations: Family<Labels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(buckets);
        (
            Self {
                clusters: clusters
                    .iter()
                    .map(|c| sanitize_line(c).into_owned())
                    .collect(),
                durations,
                counted: vec![HashMap::new(); clusters.len()],
                asks,
            },
            tx,
        )
    }

    /// The next scrape asking (for `select!`); never ready once the server is gone.
    pub async fn next_ask(&mut self) -> Ask {
        match self.asks.recv().await {
            Some(ask) => ask,
            None => std::future::pending().await,
        }
    }

    /// Answers a scrape with `state` at `now` (one cluster).
    pub fn answer(&mut self, ask: Ask, state: &mut State, now: Timestamp, fresh: Freshness) {
        self.answer_all(ask, &mut [(state, fresh)], now);
    }

    /// Answers a scrape with every cluster's state (in the order of [`Self::for_clusters`]) at `now`.
    pub fn answer_all(&mut self, ask: Ask, parts: &mut [(&mut State, Freshness)], now: Timestamp) {
        for (state, _) in parts.iter_mut() {
            crate::app::problems::refresh(state);
        }
        let shared: Vec<(&State, Freshness)> = parts.iter().map(|(s, f)| (&**s, *f)).collect();
        let text = self.encode_all(&shared, now);
        // The scrape may have given up: nothing to do.
        let _ = ask.send(text);
    }

    /// The exposition text (OpenMetrics text format, which Prometheus reads) of one cluster.
    #[must_use]
    pub fn encode(&mut self, state: &State, now: Timestamp, fresh: Freshness) -> String {
        self.encode_all(&[(state, fresh)], now)
    }

    /// The exposition text of every cluster: one text, each family once, every series with its `cluster`.
    /// States beyond the clusters named are ignored.
    #[must_use]
    pub fn encode_all(&mut self, parts: &[(&State, Freshness)], now: Timestamp) -> String {
        let mut f = Families::default();
        for (i, (state, fresh)) in parts.iter().enumerate().take(self.clusters.len()) {
            self.count_durations(i, state);
            let name = self.clusters.get(i).cloned().unwrap_or_default();
            fill(&mut f, &name, state, now, *fresh);
        }
        let mut registry = Registry::default();
        registry.register(
            "fluxops_resource_info",
            "Flux objects, gotk_resource_info's labels (value 1)",
            f.info,
        );
        registry.register("fluxops_resource_ready", "1 when Ready", f.ready);
        registry.register(
            "fluxops_resource_suspended",
            "1 when spec.suspend is true",
            f.suspended,
        );
        registry.register(
            "fluxops_resource_stuck",
            "1 when stuck (reconciling past its timeout, a request or a generation not handled)",
            f.stuck,
        );
        registry.register(
            "fluxops_resource_overdue",
            "1 when its next reconcile is overdue (interval plus grace passed)",
            f.overdue,
        );
        registry.register(
            "fluxops_root_cause",
            "A root cause (broken by its own fault, or stuck/overdue with nothing broken upstream); value: objects waiting behind it",
            f.causes,
        );
        registry.register(
            "fluxops_root_causes",
            "Root causes per problem kind",
            f.per_problem,
        );
        registry.register("fluxops_resources", "Flux objects per status", f.counts);
        registry.register(
            "fluxops_resources_flagged",
            "Stuck and overdue objects",
            f.flagged,
        );
        registry.register(
            "fluxops_cluster_live",
            "1 when every watched kind is live",
            f.up,
        );
        registry.register(
            "fluxops_data_age_seconds",
            "Seconds since the data was last known live",
            f.age,
        );
        registry.register(
            "fluxops_metrics_objects_dropped",
            "Objects beyond the per-object series cap (counted in fluxops_resources only)",
            f.dropped,
        );
        registry.register(
            "fluxops_reconcile_duration_seconds",
            "Reconcile durations per kind (Flux's buckets), from events, history and status",
            self.durations.clone(),
        );
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &registry);
        text
    }

    /// Counts cluster `i`'s reconcile samples finished since the last publish into the per-kind histograms.
    fn count_durations(&mut self, i: usize, state: &State) {
        let (Some(cluster), Some(counted)) = (self.clusters.get(i), self.counted.get_mut(i)) else {
            return;
        };
        counted.retain(|r, _| state.timings.get(r).is_some());
        for (r, timing) in state.timings.iter() {
            let seen = counted.get(r).copied();
            let mut newest = seen;
            for sample in timing.ring.iter() {
                let Some(finished) = sample.finished else {
                    continue;
                };
                if seen.is_some_and(|s| finished <= s) {
                    continue;
                }
                self.durations
                    .get_or_create(&vec![
                        ("cluster", cluster.clone()),
                        ("customresource_kind", r.kind.as_str().to_owned()),
                    ])
                    .observe(sample.took.as_secs_f64());
                newest = Some(newest.map_or(finished, |n: Timestamp| n.max(finished)));
            }
            if let Some(n) = newest {
                counted.insert(r.clone(), n);
            }
        }
    }
}

/// One cluster's series into the scrape's families.
fn fill(f: &mut Families, name: &str, state: &State, now: Timestamp, fresh: Freshness) {
    let cluster = || ("cluster", name.to_owned());
    let versions: HashMap<FluxKind, String> = state
        .kinds
        .iter()
        .filter_map(|(k, s)| match s {
            KindState::Synced { api_version } => Some((
                *k,
                api_version
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            )),
            _ => None,
        })
        .collect();
    let mut dropped = 0usize;
    for (r, entry) in &state.objects {
        if f.objects >= MAX_OBJECTS {
            dropped += 1;
            continue;
        }
        f.objects += 1;
        let id = identity(name, r);
        let health = entry.status.health;
        let flags = state.timings.get(r).map(|t| t.flags_at(Some(now)));
        let mut labels = vec![
            cluster(),
            ("customresource_group", r.kind.group().to_owned()),
            ("customresource_kind", r.kind.as_str().to_owned()),
            (
                "customresource_version",
                versions.get(&r.kind).cloned().unwrap_or_else(|| {
                    r.kind
                        .versions()
                        .first()
                        .copied()
                        .unwrap_or_default()
                        .to_owned()
                }),
            ),
            (
                "exported_namespace",
                sanitize_line(&r.namespace).into_owned(),
            ),
            ("name", sanitize_line(&r.name).into_owned()),
        ];
        labels.push(("ready", ready_condition(health).to_owned()));
        labels.push(("suspended", (health == Health::Suspended).to_string()));
        f.info.get_or_create(&labels).set(1);
        f.ready
            .get_or_create(&id)
            .set(i64::from(health == Health::Ready));
        f.suspended
            .get_or_create(&id)
            .set(i64::from(health == Health::Suspended));
        f.stuck
            .get_or_create(&id)
            .set(i64::from(flags.is_some_and(|f| f.stuck.is_some())));
        f.overdue
            .get_or_create(&id)
            .set(i64::from(flags.is_some_and(|f| f.overdue)));
    }
    for p in state.problems.list() {
        f.per_problem
            .get_or_create(&vec![cluster(), ("problem", p.kind.label().to_owned())])
            .inc();
        if state.objects.contains_key(&p.target) || p.kind == ProblemKind::Missing {
            let mut labels = identity(name, &p.target);
            labels.push(("problem", p.kind.label().to_owned()));
            labels.push(("class", class(state, p).to_owned()));
            f.causes
                .get_or_create(&labels)
                .set(i64::try_from(p.blast).unwrap_or(i64::MAX));
        }
    }
    for h in Health::ALL {
        let n = state.health_counts().get(&h).copied().unwrap_or(0);
        f.counts
            .get_or_create(&vec![cluster(), ("status", status_label(h).to_owned())])
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }
    f.counts
        .get_or_create(&vec![cluster(), ("status", "invalid".to_owned())])
        .set(i64::try_from(state.invalid.len()).unwrap_or(i64::MAX));
    let totals = state.timings.totals();
    for (flag, n) in [("stuck", totals.stuck), ("overdue", totals.overdue)] {
        f.flagged
            .get_or_create(&vec![cluster(), ("flag", flag.to_owned())])
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }
    f.up.get_or_create(&vec![cluster()])
        .set(i64::from(fresh.live));
    if let Some(t) = fresh.as_of {
        f.age
            .get_or_create(&vec![cluster()])
            .set(now.duration_since(t).as_secs_f64().max(0.0));
    }
    f.dropped
        .get_or_create(&vec![cluster()])
        .set(i64::try_from(dropped).unwrap_or(i64::MAX));
}

fn identity(cluster: &str, r: &ResourceRef) -> Labels {
    vec![
        ("cluster", cluster.to_owned()),
        ("customresource_kind", r.kind.as_str().to_owned()),
        (
            "exported_namespace",
            sanitize_line(&r.namespace).into_owned(),
        ),
        ("name", sanitize_line(&r.name).into_owned()),
    ]
}

/// The Ready condition's status as kube-state-metrics writes it (`True`, `False`, `Unknown`).
fn ready_condition(h: Health) -> &'static str {
    match h {
        Health::Ready => "True",
        Health::Failing | Health::Stalled | Health::Blocked => "False",
        Health::InProgress | Health::Suspended | Health::Unknown => "Unknown",
    }
}

fn status_label(h: Health) -> &'static str {
    match h {
        Health::Ready => "ready",
        Health::Failing => "failing",
        Health::Blocked => "blocked",
        Health::Stalled => "stalled",
        Health::InProgress => "progressing",
        Health::Suspended => "suspended",
        Health::Unknown => "unknown",
    }
}

/// The diagnosis class of a root cause (a closed set), or what the problem kind says.
fn class(state: &State, p: &Problem) -> &'static str {
    match p.kind {
        ProblemKind::Failing | ProblemKind::Stalled => state
            .objects
            .get(&p.target)
            .and_then(|e| crate::diagnosis::diagnose_object(&e.object))
            .map_or("unclassified", |d| d.class.as_str()),
        ProblemKind::Missing => "missing",
        ProblemKind::Suspended => "suspended",
        ProblemKind::Stuck => "stuck",
        ProblemKind::Overdue => "overdue",
    }
}

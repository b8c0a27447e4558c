//! The detail pane's view model for the selected object: status, message, revision, source, interval,
//! conditions with ages, recent events, the root cause with the key that jumps to it, and the diagnosis of a
//! failing object (class, facts, next step, with the key that walks its runbook when the detail has the
//! keyboard and nothing blocks the object).

use super::action::Action;
use super::state::State;
use super::topology::Topology;
use super::view::age;
use crate::diagnosis::{Confidence, FailureClass};
use crate::flux::{EventType, FluxObject, Health, ResourceRef, StatusSummary};
use crate::graph::NodeState;
use crate::text::{sanitize, sanitize_line, sanitize_name};
use k8s_openapi::jiff::Timestamp;

/// Events shown in the detail pane, newest first.
pub const DETAIL_EVENTS: usize = 8;

/// The detail pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailView {
    /// `Kind namespace/name`.
    pub title: String,
    /// `None` for an object that could not be parsed.
    pub health: Option<Health>,
    pub retrying: bool,
    /// (label, value) lines: reason, revision, source, interval, suspended, depends on.
    pub fields: Vec<(String, String)>,
    /// The status message (may span lines; wrapped by the pane).
    pub message: String,
    /// What keeps the object from being ready (`Kind/ns/name`), first one reached by the jump key.
    pub root_causes: Vec<String>,
    /// The key that jumps to the first root cause.
    pub jump_key: Option<String>,
    /// The key that walks the diagnosis' next step (the detail's enter when nothing blocks the object).
    pub walk_key: Option<String>,
    /// What is wrong and what to do, for a failing object.
    pub diagnosis: Option<DiagnosisView>,
    pub conditions: Vec<ConditionView>,
    pub events: Vec<EventView>,
    /// Durations (sparkline), p50/p95 and timing flags, when there are any.
    pub timing: Option<super::timings_view::TimingDetailView>,
    /// On the Problems screen: what waits behind the object (`glyph Kind/ns/name`, the first ones) and how
    /// many objects that is.
    pub waiting: Vec<String>,
    pub waiting_total: usize,
}

/// The diagnosis of a failing object (`crate::diagnosis`); every text is sanitised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosisView {
    /// `immutable field`, with `maybe` for a low-confidence class.
    pub class: String,
    /// `high`, `medium`, `low`.
    pub confidence: String,
    /// (label, value): object, field, dependency, waited on, chart, url, detail.
    pub facts: Vec<(String, String)>,
    pub runbook: String,
    pub advice: String,
}

impl DiagnosisView {
    /// The diagnosis of `obj`; between two attempts of a failure the object no longer shows (`flux::retry`), that
    /// of the failure kept in `status`.
    fn of(obj: &FluxObject, status: &StatusSummary) -> Option<DiagnosisView> {
        let d = crate::diagnosis::diagnose_object(obj).or_else(|| {
            (status.health == Health::Failing).then(|| {
                crate::diagnosis::diagnose(&crate::diagnosis::FailureInput {
                    kind: obj.flux_kind(),
                    reason: Some(status.reason.as_str()),
                    message: &status.message,
                })
            })
        })?;
        let maybe = if d.confidence == Confidence::Low && d.class != FailureClass::Unclassified {
            "maybe "
        } else {
            ""
        };
        Some(DiagnosisView {
            class: format!("{maybe}{}", d.class.label()),
            confidence: d.confidence.as_str().to_owned(),
            facts: d
                .facts
                .pairs()
                .into_iter()
                .map(|(label, value)| (label.to_owned(), sanitize_line(&value).into_owned()))
                .collect(),
            runbook: d.next_step.runbook.to_owned(),
            advice: d.next_step.advice.to_owned(),
        })
    }
}

/// One status condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionView {
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub age: String,
    pub message: String,
}

/// One Kubernetes event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventView {
    pub warning: bool,
    pub age: String,
    pub reason: String,
    pub message: String,
    pub count: i32,
}

/// Builds the detail view of `r`.
#[must_use]
pub fn build(state: &State, r: &ResourceRef, now: Timestamp) -> DetailView {
    let title = format!("{} {}", r.kind, sanitize_name(&r.namespaced_name()));
    let Some(entry) = state.objects.get(r) else {
        let (health, problem, message) = match (state.invalid.get(r), state.graph.placeholder(r)) {
            (Some(e), _) => (
                None,
                "the object could not be parsed",
                sanitize(e).into_owned(),
            ),
            (None, Some(NodeState::Implied)) => (
                Some(Health::Unknown),
                "not seen yet",
                "helm-controller creates this HelmChart from a HelmRelease's spec.chart."
                    .to_owned(),
            ),
            (None, Some(NodeState::NoAccess)) => (
                Some(Health::Unknown),
                "unknown (no access)",
                format!(
                    "Listing {} is forbidden for this user, so whether this object exists and how it is doing is not known.",
                    super::view::plural(r.kind)
                ),
            ),
            (None, _) => (
                None,
                "referenced but not found",
                "Something waits on or lists this object, but the cluster has no such object."
                    .to_owned(),
            ),
        };
        let mut fields = vec![("Problem".to_owned(), problem.to_owned())];
        let dependents: Vec<String> = state
            .graph
            .dependents(r)
            .iter()
            .map(|d| sanitize_name(&d.to_string()).into_owned())
            .collect();
        for (i, d) in dependents.into_iter().enumerate() {
            fields.push((if i == 0 { "Needed by" } else { "" }.to_owned(), d));
        }
        return DetailView {
            title,
            health,
            retrying: false,
            fields,
            message,
            root_causes: Vec::new(),
            jump_key: None,
            walk_key: None,
            diagnosis: None,
            conditions: Vec::new(),
            events: events(state, r, now),
            timing: None,
            waiting: Vec::new(),
            waiting_total: 0,
        };
    };
    let obj = &entry.object;
    let root_causes: Vec<String> = Topology::root_causes(&state.graph, r)
        .iter()
        .map(|c| sanitize_name(&c.to_string()).into_owned())
        .collect();
    // With the keyboard in the detail, its enter follows the "Blocked by" line, else the "Next step" one.
    let in_detail = state.mode() == crate::config::Mode::Detail;
    let jump_action = if in_detail {
        Action::FollowNextStep
    } else {
        Action::JumpToRootCause
    };
    let jump_key = (!root_causes.is_empty())
        .then(|| state.keymap.key_for(state.mode(), jump_action))
        .flatten()
        .map(|k| sanitize_line(&k).into_owned());
    let diagnosis = DiagnosisView::of(obj, &entry.status);
    let walk_key = (in_detail && root_causes.is_empty() && diagnosis.is_some())
        .then(|| state.keymap.key_for(state.mode(), Action::FollowNextStep))
        .flatten()
        .map(|k| sanitize_line(&k).into_owned());
    DetailView {
        title,
        health: Some(entry.status.health),
        retrying: entry.status.retrying,
        fields: fields(obj, &entry.status.reason, state, r),
        message: sanitize(&entry.status.message).into_owned(),
        root_causes,
        jump_key,
        walk_key,
        diagnosis,
        conditions: obj
            .status
            .conditions
            .iter()
            .map(|c| ConditionView {
                type_: sanitize_line(&c.type_).into_owned(),
                status: sanitize_line(&c.status).into_owned(),
                reason: sanitize_line(&c.reason).into_owned(),
                age: c
                    .last_transition_time
                    .as_deref()
                    .map_or_else(|| "-".to_owned(), |t| age(now, t)),
                message: sanitize_line(&c.message).into_owned(),
            })
            .collect(),
        events: events(state, r, now),
        timing: super::timings_view::detail(state, r, now),
        waiting: Vec::new(),
        waiting_total: 0,
    }
}

fn fields(obj: &FluxObject, reason: &str, state: &State, r: &ResourceRef) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |label: &str, value: &str| {
        if !value.is_empty() {
            out.push((label.to_owned(), sanitize_line(value).into_owned()));
        }
    };
    if let Some(super::state::KindState::Unavailable { problem, since }) = state.kinds.get(&r.kind)
    {
        let why = match problem {
            crate::cluster::KindProblem::Forbidden(_) => "access forbidden",
            crate::cluster::KindProblem::MissingCrd => "its CRD is no longer served",
        };
        let since = since.map_or_else(String::new, |t| format!(" since {}", super::view::clock(t)));
        push("Data", &format!("stale: {why}{since}, shown as last seen"));
    }
    push("Reason", reason);
    let st = &obj.status;
    let revision = super::view::revision(obj);
    push("Revision", revision);
    if let Some(attempted) = st
        .last_attempted_revision
        .as_deref()
        .filter(|a| *a != revision)
    {
        push("Attempted", attempted);
    }
    out.extend(super::rollout_view::fields(state, r));
    let mut push = |label: &str, value: &str| {
        if !value.is_empty() {
            out.push((label.to_owned(), sanitize_line(value).into_owned()));
        }
    };
    push("Source", &source(obj, &r.namespace));
    push("URL", obj.spec.url.as_deref().unwrap_or_default());
    push("Path", obj.spec.path.as_deref().unwrap_or_default());
    push("Interval", obj.spec.interval.as_deref().unwrap_or_default());
    if r.kind.is_suspendable() {
        push("Suspended", if obj.is_suspended() { "yes" } else { "no" });
    }
    // Each dependency with its health glyph: what is it waiting for, and how is that doing.
    let deps: Vec<String> = state
        .graph
        .dependencies(r)
        .iter()
        .map(|d| {
            let glyph = super::view::glyph(super::view::graph_health(state, d));
            format!("{glyph} {}", sanitize_name(&d.to_string()))
        })
        .collect();
    for (i, dep) in deps.iter().enumerate() {
        push(if i == 0 { "Waits on" } else { "" }, dep);
    }
    out
}

fn source(obj: &FluxObject, ns: &str) -> String {
    let spec = &obj.spec;
    let fmt = |kind: &str, name: &str, other_ns: Option<&str>| {
        format!(
            "{kind}/{}/{name}",
            other_ns.filter(|n| !n.is_empty()).unwrap_or(ns)
        )
    };
    if let Some(s) = &spec.source_ref {
        return fmt(&s.kind, &s.name, s.namespace.as_deref());
    }
    if let Some(c) = &spec.chart {
        let s = &c.spec.source_ref;
        let version = c
            .spec
            .version
            .as_deref()
            .map(|v| format!("@{v}"))
            .unwrap_or_default();
        return format!(
            "{} (chart {}{version})",
            fmt(&s.kind, &s.name, s.namespace.as_deref()),
            c.spec.chart
        );
    }
    if let Some(c) = &spec.chart_ref {
        return fmt(&c.kind, &c.name, c.namespace.as_deref());
    }
    String::new()
}

fn events(state: &State, r: &ResourceRef, now: Timestamp) -> Vec<EventView> {
    let Some(ring) = state.events.get(r) else {
        return Vec::new();
    };
    let mut list: Vec<_> = ring.iter().collect();
    list.sort_by(|a, b| b.last_seen.cmp(&a.last_seen));
    list.into_iter()
        .take(DETAIL_EVENTS)
        .map(|e| EventView {
            warning: e.type_ == EventType::Warning,
            age: e
                .last_seen
                .as_deref()
                .map_or_else(|| "-".to_owned(), |t| age(now, t)),
            reason: sanitize_line(&e.reason).into_owned(),
            message: sanitize_line(&e.message).into_owned(),
            count: e.count,
        })
        .collect()
}

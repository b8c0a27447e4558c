//! A check's condition evaluated over what is observed: the live objects the walk asked for (JSON as the API
//! server returns them) and the dependency graph. Pure and cheap: a re-evaluation on a cluster change is a few
//! map lookups (benches/runbook_check.rs).

use super::bind::Binding;
use super::model::{CheckSpec, Condition, CountState};
use crate::actions::TargetRef;
use crate::execution::object::{self, Readiness};
use crate::flux::{FluxKind, Health, ResourceRef};
use crate::graph::{EdgeKind, Graph};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// What is known about the cluster. The graph is either shared ([`World::set_graph`]) or lent for one
/// evaluation ([`World::lend_graph`]: the console's own graph, never copied).
#[derive(Debug, Clone, Default)]
pub struct World<'g> {
    objects: HashMap<TargetRef, Option<Value>>,
    graph: Option<GraphRef<'g>>,
}

/// The graph a [`World`] reads.
#[derive(Debug, Clone)]
enum GraphRef<'g> {
    Shared(Arc<Graph>),
    Lent(&'g Graph),
}

/// One object as observed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Observation<'a> {
    /// Not read yet.
    Unknown,
    Absent,
    Present(&'a Value),
}

impl<'g> World<'g> {
    /// Records `object` as read (`None`: it does not exist).
    pub fn set(&mut self, rref: TargetRef, object: Option<Value>) {
        self.objects.insert(rref, object);
    }

    pub fn set_graph(&mut self, graph: Arc<Graph>) {
        self.graph = Some(GraphRef::Shared(graph));
    }

    /// The graph borrowed for as long as the world lives (a check re-evaluated on every tick reads the
    /// console's graph in place).
    pub fn lend_graph(&mut self, graph: &'g Graph) {
        self.graph = Some(GraphRef::Lent(graph));
    }

    #[must_use]
    pub fn graph(&self) -> Option<&Graph> {
        match &self.graph {
            Some(GraphRef::Shared(g)) => Some(g),
            Some(GraphRef::Lent(g)) => Some(g),
            None => None,
        }
    }

    #[must_use]
    pub fn get(&self, rref: &TargetRef) -> Observation<'_> {
        match self.objects.get(rref) {
            None => Observation::Unknown,
            Some(None) => Observation::Absent,
            Some(Some(v)) => Observation::Present(v),
        }
    }
}

/// A check with its templates rendered for one binding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Resolved {
    pub condition: String,
    pub object: TargetRef,
    /// `Some("source")`: the source's artifact revision.
    pub revision: Option<String>,
    pub namespace: Option<String>,
    pub kind: Option<String>,
    pub state: Option<CountState>,
    pub min: Option<u64>,
    pub max: Option<u64>,
}

/// What evaluating a check says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass(String),
    /// Not (yet) holding, and why.
    Wait(String),
}

/// What a check needs read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    pub objects: Vec<TargetRef>,
    pub graph: bool,
}

/// Renders `spec` for `binding`.
///
/// # Errors
/// A template that does not render or an object that is not `Kind/ns/name`.
pub fn resolve(spec: &CheckSpec, binding: &Binding) -> Result<Resolved, String> {
    let object = binding.render(&spec.object).map_err(|e| e.to_string())?;
    let object = TargetRef::parse(&object).map_err(|e| e.to_string())?;
    let mut resolved = Resolved {
        condition: spec.condition.name().to_owned(),
        object,
        revision: None,
        namespace: None,
        kind: None,
        state: None,
        min: None,
        max: None,
    };
    match &spec.condition {
        Condition::Ready { revision: Some(r) } => {
            resolved.revision = Some(if r.source() == "source" {
                "source".to_owned()
            } else {
                binding.render(r).map_err(|e| e.to_string())?
            });
        }
        Condition::Count {
            kind,
            namespace,
            state,
            min,
            max,
        } => {
            resolved.kind = kind.map(|k| k.as_str().to_owned());
            resolved.namespace = namespace
                .as_ref()
                .map(|n| binding.render(n))
                .transpose()
                .map_err(|e| e.to_string())?;
            resolved.state = Some(*state);
            resolved.min = *min;
            resolved.max = *max;
        }
        _ => {}
    }
    Ok(resolved)
}

/// What `check` needs read in `world` (a `revision: source` check needs the source once the object is known).
#[must_use]
pub fn needs(check: &Resolved, world: &World<'_>) -> Needs {
    let graph = matches!(check.condition.as_str(), "no-dependent-blocked" | "count");
    let mut objects = Vec::new();
    if check.condition != "count" {
        objects.push(check.object.clone());
    }
    if check.revision.as_deref() == Some("source")
        && let Observation::Present(obj) = world.get(&check.object)
        && let Some(source) = object::source_of(&check.object, obj)
    {
        objects.push(source);
    }
    Needs { objects, graph }
}

fn resource(rref: &TargetRef) -> Option<ResourceRef> {
    Some(ResourceRef::new(
        rref.kind.flux()?,
        rref.namespace.clone().unwrap_or_default(),
        rref.name.clone(),
    ))
}

fn condition_status<'a>(obj: &'a Value, kind: &str) -> Option<&'a str> {
    obj.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))?
        .get("status")?
        .as_str()
}

/// Evaluates `check` over `world`.
#[must_use]
pub fn evaluate(check: &Resolved, world: &World<'_>) -> Verdict {
    let target = &check.object;
    let observed = world.get(target);
    let present = |f: &dyn Fn(&Value) -> Verdict| match observed {
        Observation::Unknown => Verdict::Wait(format!("{target} not read yet")),
        Observation::Absent => Verdict::Wait(format!("{target} does not exist")),
        Observation::Present(obj) => f(obj),
    };
    match check.condition.as_str() {
        "present" => present(&|_| Verdict::Pass(format!("{target} exists"))),
        "absent" => match observed {
            Observation::Absent => Verdict::Pass(format!("{target} is gone")),
            Observation::Unknown => Verdict::Wait(format!("{target} not read yet")),
            Observation::Present(_) => Verdict::Wait(format!("{target} still exists")),
        },
        "suspended" | "not-suspended" => present(&|obj| {
            let suspended = object::suspended(obj);
            if suspended == (check.condition == "suspended") {
                Verdict::Pass(format!(
                    "{target} is {}",
                    if suspended {
                        "suspended"
                    } else {
                        "not suspended"
                    }
                ))
            } else {
                Verdict::Wait(format!(
                    "{target} is {}",
                    if suspended {
                        "suspended"
                    } else {
                        "not suspended"
                    }
                ))
            }
        }),
        "ready" => present(&|obj| ready(check, obj, world)),
        "not-failing" => present(&|obj| match object::readiness(obj) {
            Readiness::Failed { message } => {
                Verdict::Wait(format!("{target} is failing: {message}"))
            }
            _ => Verdict::Pass(format!("{target} is not failing")),
        }),
        "job-succeeded" => present(&|obj| match (
            condition_status(obj, "Complete"),
            condition_status(obj, "Failed"),
        ) {
            (Some("True"), _) => Verdict::Pass(format!("{target} completed")),
            (_, Some("True")) => Verdict::Wait(format!("{target} failed")),
            _ => Verdict::Wait(format!("{target} is still running")),
        }),
        "no-dependent-blocked" => no_dependent_blocked(target, world),
        "count" => count(check, world),
        other => Verdict::Wait(format!("unknown check '{other}'")),
    }
}

fn ready(check: &Resolved, obj: &Value, world: &World<'_>) -> Verdict {
    let target = &check.object;
    match object::readiness(obj) {
        Readiness::Ready { .. } => {}
        Readiness::InProgress => return Verdict::Wait(format!("{target} is reconciling")),
        Readiness::Failed { message } => {
            return Verdict::Wait(format!(
                "{target} is not Ready: {}",
                crate::text::sanitize(&message)
            ));
        }
    }
    let revision = object::revision(obj).unwrap_or_default();
    let wanted = match check.revision.as_deref() {
        None => return Verdict::Pass(format!("{target} is Ready at {revision}")),
        Some("source") => {
            let Some(source) = object::source_of(target, obj) else {
                return Verdict::Pass(format!("{target} is Ready at {revision} (no source)"));
            };
            match world.get(&source) {
                Observation::Present(src) => match src
                    .pointer("/status/artifact/revision")
                    .and_then(Value::as_str)
                {
                    Some(r) => r.to_owned(),
                    None => return Verdict::Wait(format!("{source} has no artifact")),
                },
                _ => return Verdict::Wait(format!("{source} not read yet")),
            }
        }
        Some(r) => r.to_owned(),
    };
    if revision == wanted {
        Verdict::Pass(format!("{target} is Ready at {revision}"))
    } else {
        Verdict::Wait(format!(
            "{target} is Ready at {revision}, not yet at {wanted}"
        ))
    }
}

fn no_dependent_blocked(target: &TargetRef, world: &World<'_>) -> Verdict {
    let Some(graph) = world.graph() else {
        return Verdict::Wait("the dependency graph is not read yet".to_owned());
    };
    let Some(node) = resource(target).filter(|r| graph.node(r).is_some()) else {
        return Verdict::Wait(format!("{target} is not in the dependency graph"));
    };
    let waits = [
        EdgeKind::DependsOn,
        EdgeKind::SourceRef,
        EdgeKind::ChartRef,
        EdgeKind::ChartSource,
    ];
    let blocked: Vec<String> = graph
        .in_edges(&node)
        .filter(|(kind, _)| waits.contains(kind))
        .filter(|(_, r)| graph.node(r).and_then(|n| n.health) == Some(Health::Blocked))
        .map(|(_, r)| r.to_string())
        .collect();
    if blocked.is_empty() {
        Verdict::Pass(format!("no object waiting on {target} is blocked"))
    } else {
        Verdict::Wait(format!(
            "still blocked behind {target}: {}",
            blocked.join(", ")
        ))
    }
}

fn counts_as(state: CountState, health: Option<Health>) -> bool {
    match state {
        CountState::Any => true,
        CountState::Ready => health == Some(Health::Ready),
        CountState::NotReady => health.is_some_and(Health::is_not_ready),
        CountState::Failing => health.is_some_and(Health::is_failure),
        CountState::Blocked => health == Some(Health::Blocked),
        CountState::Suspended => health == Some(Health::Suspended),
    }
}

fn count(check: &Resolved, world: &World<'_>) -> Verdict {
    let Some(graph) = world.graph() else {
        return Verdict::Wait("the dependency graph is not read yet".to_owned());
    };
    let kind = check.kind.as_deref().and_then(FluxKind::from_kind);
    let state = check.state.unwrap_or(CountState::Any);
    let n = graph
        .nodes()
        .filter(|n| n.object.is_some())
        .filter(|n| kind.is_none_or(|k| n.rref.kind == k))
        .filter(|n| {
            check
                .namespace
                .as_deref()
                .is_none_or(|ns| n.rref.namespace == ns)
        })
        .filter(|n| counts_as(state, n.health))
        .count() as u64;
    let within = check.min.is_none_or(|m| n >= m) && check.max.is_none_or(|m| n <= m);
    let what = format!(
        "{n} {}{} {}",
        check.kind.as_deref().unwrap_or("Flux object"),
        if n == 1 { "" } else { "s" },
        serde_json::to_value(state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    );
    if within {
        Verdict::Pass(what)
    } else {
        Verdict::Wait(what)
    }
}

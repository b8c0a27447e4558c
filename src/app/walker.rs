//! A runbook walk in the console (the walker screen): the pure `runbook::walk::Walk` fed with what the app
//! already receives — the watch's objects (a check is re-evaluated when an object it reads changes, and on every
//! tick), the objects of kinds the watch does not carry (read by `Effect::Files(FetchObjects)` every
//! [`FETCH_EVERY`]), the clock, the answers typed here and the executions the Jobs screen follows.
//!
//! An action step goes through the action menu's own path: `actions::prepare` opens the confirm view with the
//! pipeline's preparation (policy, permission, dry-run), the operator confirms there, the `Execute` effect runs
//! it, and its status (`Msg::Execution`) ends the step. A confirm view closed without executing leaves the step
//! waiting (`enter` prepares it again, `f` fails it into its on-failure branch).
//!
//! A check past its timeout does not fail on its own here: the walk holds it and offers what the runbook gives
//! (`enter`: fail it, so the walk takes the step's on-failure branch or fails; `r`: check again with a new
//! timeout; `X`: abort). The walk is saved (fsync) whenever it asks to be, kept locked while the console walks
//! it and released when paused or ended, so a CLI walk (`fluxops runbook run`) resumes it and vice versa.

use super::effect::Effect;
use super::effects_files::FileEffect;
use super::state::{ObjectEntry, Screen, State};
use crate::actions::TargetRef;
use crate::execution::{ExecutionStatus, Phase as ExecPhase};
use crate::runbook::check::{self, Needs, Verdict};
use crate::runbook::walk::{self, Millis, Msg as WalkMsg, Phase};
use crate::runbook::{Runbook, Walk, World};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

/// How often objects of kinds the watch does not carry are read again while a check waits on them.
pub const FETCH_EVERY: Millis = 2_000;

/// A check past its timeout, waiting for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// What the check saw last.
    pub why: String,
    /// The step the runbook's on-failure goes to: (id, title); `None`: the walk fails.
    pub branch: Option<(String, String)>,
}

/// The walk shown on the walker screen.
#[derive(Debug, Clone)]
pub struct WalkerState {
    pub runbook: Arc<Runbook>,
    pub walk: Walk,
    /// Objects of kinds the watch does not carry, as last read (`None`: absent).
    pub fetched: HashMap<TargetRef, Option<Value>>,
    pub held: Option<Held>,
    /// The typed answer to a confirm block asking for one.
    pub typed: String,
    /// The action step's confirm view was closed without executing: why.
    pub unconfirmed: Option<String>,
    /// The confirm view of the current action step is open.
    pub awaiting_confirm: bool,
    /// Paused: nothing is fed to the walk; the lock is released.
    pub paused: bool,
    /// First prose row shown.
    pub scroll: u16,
    /// The graph changed since a graph check was last evaluated.
    pub graph_stale: bool,
    pub last_fetch: Option<Millis>,
    /// The last thing to tell (a refused answer, a note).
    pub note: Option<String>,
}

/// Milliseconds of the app's clock (the last tick; 0 before the first).
#[must_use]
pub fn now_ms(state: &State) -> Millis {
    state
        .now
        .map_or(0, |t| u64::try_from(t.as_millisecond()).unwrap_or(0))
}

/// Shows `walk` of `runbook` on the walker screen and starts (or resumes) it.
pub fn begin(state: &mut State, runbook: Arc<Runbook>, walk: Walk, resume: bool) -> Vec<Effect> {
    let now = now_ms(state);
    state.runbooks.walker = Some(WalkerState {
        runbook,
        walk,
        fetched: HashMap::new(),
        held: None,
        typed: String::new(),
        unconfirmed: None,
        awaiting_confirm: false,
        paused: false,
        scroll: 0,
        graph_stale: true,
        last_fetch: None,
        note: None,
    });
    super::switch::show(state, Screen::Walk);
    let msg = if resume {
        WalkMsg::Resume { now }
    } else {
        WalkMsg::Start { now }
    };
    feed(state, msg)
}

/// Feeds `msg` to the walk and performs what it asks.
fn feed(state: &mut State, msg: WalkMsg<'_>) -> Vec<Effect> {
    let Some(w) = state.runbooks.walker.as_mut() else {
        return Vec::new();
    };
    let runbook = Arc::clone(&w.runbook);
    let first = w.walk.update(&runbook, msg);
    drain(state, first)
}

/// Performs the walk's effects (observations answered at once from the app's state, which may pass a check and
/// start the next block), then saves the walk once if it asked to be saved.
pub(super) fn drain(state: &mut State, first: Vec<walk::Effect>) -> Vec<Effect> {
    let mut out = Vec::new();
    let mut queue: VecDeque<walk::Effect> = first.into();
    let mut persist = false;
    let mut observed: Vec<Needs> = Vec::new();
    while let Some(effect) = queue.pop_front() {
        match effect {
            walk::Effect::Persist => persist = true,
            walk::Effect::Say(_) | walk::Effect::Ask { .. } => {}
            walk::Effect::Observe(needs) => {
                if observed.contains(&needs) {
                    continue;
                }
                observed.push(needs.clone());
                queue.extend(observe(state, &needs, &mut out));
            }
            walk::Effect::RunAction(call) => queue.extend(run_action(state, call, &mut out)),
            walk::Effect::Reattach { call, execution } => {
                queue.extend(reattach(state, call, &execution, &mut out));
            }
            walk::Effect::Finished(outcome) => {
                if let Some(w) = state.runbooks.walker.as_mut() {
                    w.held = None;
                    w.unconfirmed = None;
                    out.push(Effect::Files(FileEffect::ReleaseWalk(
                        w.walk.binding.target.clone(),
                    )));
                }
                state.input_note = Some(format!(
                    "runbook: {}",
                    crate::runbook::transcript::outcome_text(Some(&outcome))
                ));
            }
        }
    }
    if persist && let Some(w) = &state.runbooks.walker {
        out.insert(
            0,
            Effect::Files(FileEffect::SaveWalk(Box::new(w.walk.clone()))),
        );
    }
    state.dirty = true;
    out
}

/// What the app knows of `needs`: Flux objects from the watch (absent once their kind is listed), other
/// objects from the last reads; the objects still unknown are returned to be read. The graph is lent, never
/// copied (a graph check is evaluated again on the tick after every change).
fn world<'s>(state: &'s State, needs: &Needs) -> (World<'s>, Vec<TargetRef>) {
    world_of(
        &state.objects,
        &state.kinds,
        state.runbooks.walker.as_ref().map(|w| &w.fetched),
        &state.graph,
        needs,
    )
}

/// [`world`] from the parts of the state it reads, so the walker can be updated while the world borrows the
/// graph.
fn world_of<'g>(
    objects: &BTreeMap<crate::flux::ResourceRef, ObjectEntry>,
    kinds: &BTreeMap<crate::flux::FluxKind, crate::app::state::KindState>,
    fetched: Option<&HashMap<TargetRef, Option<Value>>>,
    graph: &'g crate::graph::Graph,
    needs: &Needs,
) -> (World<'g>, Vec<TargetRef>) {
    let mut world = World::default();
    let mut unread = Vec::new();
    for t in &needs.objects {
        if let Some(kind) = t.kind.flux() {
            let r = crate::flux::ResourceRef::new(
                kind,
                t.namespace.clone().unwrap_or_default(),
                t.name.clone(),
            );
            match objects.get(&r) {
                Some(e) => world.set(t.clone(), serde_json::to_value(&*e.object).ok()),
                None if kinds.get(&kind).is_some_and(|k| k.is_live()) => {
                    world.set(t.clone(), None);
                }
                None => {}
            }
        } else {
            match fetched.and_then(|f| f.get(t)) {
                Some(obj) => world.set(t.clone(), obj.clone()),
                None => unread.push(t.clone()),
            }
        }
    }
    if needs.graph {
        world.lend_graph(graph);
    }
    (world, unread)
}

/// The objects of `needs` the watch does not carry.
fn foreign(needs: &Needs) -> Vec<TargetRef> {
    needs
        .objects
        .iter()
        .filter(|t| t.kind.flux().is_none())
        .cloned()
        .collect()
}

/// Evaluates the waiting check over what the app knows; past its timeout and still not holding, it is held
/// for the operator instead of failing.
fn observe(state: &mut State, needs: &Needs, out: &mut Vec<Effect>) -> Vec<walk::Effect> {
    let now = now_ms(state);
    let (world, unread) = world_of(
        &state.objects,
        &state.kinds,
        state.runbooks.walker.as_ref().map(|w| &w.fetched),
        &state.graph,
        needs,
    );
    let Some(w) = state.runbooks.walker.as_mut() else {
        return Vec::new();
    };
    if w.paused || w.walk.done() {
        return Vec::new();
    }
    // Objects the watch does not carry are read again every FETCH_EVERY while the check waits (at once when
    // not read yet).
    let others = foreign(needs);
    let due = w.last_fetch.is_none_or(|t| t + FETCH_EVERY <= now);
    if !others.is_empty() && (due || (!unread.is_empty() && w.last_fetch.is_none())) {
        w.last_fetch = Some(now);
        out.push(Effect::Files(FileEffect::FetchObjects(others)));
    }
    if needs.graph {
        w.graph_stale = false;
    }
    let Some(Phase::Checking {
        check: c, deadline, ..
    }) = &w.walk.phase
    else {
        return Vec::new();
    };
    if *deadline <= now
        && let Verdict::Wait(why) = check::evaluate(c, &world)
    {
        if w.held.is_none() {
            w.held = Some(Held {
                why,
                branch: branch_of(&w.runbook, &w.walk),
            });
        }
        return Vec::new();
    }
    let runbook = Arc::clone(&w.runbook);
    w.walk
        .update(&runbook, WalkMsg::Observed { now, world: &world })
}

/// The current step's on-failure step: (id, title).
fn branch_of(runbook: &Runbook, walk: &Walk) -> Option<(String, String)> {
    let (s, _) = walk.cursor?;
    let goto = runbook.steps.get(s)?.on_failure.as_ref()?;
    let (_, step) = runbook.step(&goto.step)?;
    Some((step.id.clone(), step.title.clone()))
}

/// An action step: the confirm view of the action menu, waiting for the pipeline's preparation.
pub(super) fn run_action(
    state: &mut State,
    call: walk::ActionCall,
    out: &mut Vec<Effect>,
) -> Vec<walk::Effect> {
    let now = now_ms(state);
    let params = match state.actions.catalog.as_ref().map(|c| c.get(&call.action)) {
        Some(Some(spec)) => crate::actions::params::ParamValues::from_pairs(spec, &call.params)
            .map_err(|e| e.to_string()),
        Some(None) => Err(format!("no action '{}' in the catalog", call.action)),
        None => Err("the action catalog did not load".to_owned()),
    };
    let params = match params {
        Ok(p) => p,
        Err(why) => {
            return finish_action(state, now, false, format!("not prepared: {why}"), vec![]);
        }
    };
    let Some(w) = state.runbooks.walker.as_mut() else {
        return Vec::new();
    };
    if state.actions.open() {
        w.unconfirmed = Some("another action's view was open: enter prepares this one".to_owned());
        return Vec::new();
    }
    w.unconfirmed = None;
    w.awaiting_confirm = true;
    out.extend(super::actions::prepare(
        state,
        call.action,
        vec![call.target],
        params,
        None,
    ));
    Vec::new()
}

/// An action started before a restart: its status as the Jobs screen knows it; an execution not known (a
/// direct action, or a Job gone) is prepared again.
fn reattach(
    state: &mut State,
    call: walk::ActionCall,
    execution: &str,
    out: &mut Vec<Effect>,
) -> Vec<walk::Effect> {
    let known = state
        .jobs
        .executions
        .iter()
        .find(|e| e.execution.to_string() == execution)
        .cloned();
    match known {
        Some(status) if status.phase.finished() => finished(state, &status),
        Some(_) => Vec::new(),
        None => run_action(state, call, out),
    }
}

pub(super) fn finish_action(
    state: &mut State,
    now: Millis,
    succeeded: bool,
    summary: String,
    lines: Vec<String>,
) -> Vec<walk::Effect> {
    let Some(w) = state.runbooks.walker.as_mut() else {
        return Vec::new();
    };
    w.awaiting_confirm = false;
    w.unconfirmed = None;
    forget_reads(w);
    let runbook = Arc::clone(&w.runbook);
    w.walk.update(
        &runbook,
        WalkMsg::ActionFinished {
            now,
            succeeded,
            summary,
            lines,
        },
    )
}

/// Forgets the objects read for checks: after an action they may have changed (a deleted object must not
/// look present from an earlier read); the next check reads them again at once.
pub(super) fn forget_reads(w: &mut WalkerState) {
    w.fetched.clear();
    w.last_fetch = None;
}

/// The walk told how its action ended (as `fluxops runbook run` tells it).
fn finished(state: &mut State, status: &ExecutionStatus) -> Vec<walk::Effect> {
    let (succeeded, summary) = match &status.phase {
        ExecPhase::Succeeded => (true, "succeeded".to_owned()),
        ExecPhase::Failed { why } | ExecPhase::Cancelled { why } => (false, why.clone()),
        other => (false, format!("ended as {other:?}")),
    };
    let mut lines = status.steps.clone();
    lines.extend(
        status
            .postconditions
            .iter()
            .map(|c| format!("{} {}", if c.passed { "✓" } else { "✗" }, c.name)),
    );
    finish_action(state, now_ms(state), succeeded, summary, lines)
}

/// An execution's status: ends the walk's action step when it is that step's execution and has finished.
pub fn on_execution(state: &mut State, status: &ExecutionStatus) -> Vec<Effect> {
    let ours = state.runbooks.walker.as_ref().is_some_and(|w| {
        !w.paused
            && matches!(&w.walk.phase, Some(Phase::Acting { execution: Some(id), .. }) if *id == status.execution.to_string())
    });
    if !ours || !status.phase.finished() {
        return Vec::new();
    }
    let first = finished(state, status);
    drain(state, first)
}

/// After a key: the confirm view of the walk's action executed it (the walk records the execution and the
/// walker screen stays shown), or was closed without executing.
pub fn after_input(state: &mut State, effects: &mut Vec<Effect>) {
    let awaiting = state
        .runbooks
        .walker
        .as_ref()
        .is_some_and(|w| w.awaiting_confirm);
    if !awaiting {
        return;
    }
    let started = effects.iter().find_map(|e| match e {
        Effect::Execute { executions, .. } => executions.first().cloned(),
        _ => None,
    });
    if let Some(id) = started {
        let now = now_ms(state);
        if let Some(w) = state.runbooks.walker.as_mut() {
            w.awaiting_confirm = false;
            let runbook = Arc::clone(&w.runbook);
            let first = w.walk.update(
                &runbook,
                WalkMsg::ActionStarted {
                    now,
                    execution: id.to_string(),
                },
            );
            effects.extend(drain(state, first));
        }
        state.screen = Screen::Walk;
    } else if !state.actions.open()
        && let Some(w) = state.runbooks.walker.as_mut()
    {
        w.awaiting_confirm = false;
        w.unconfirmed = Some(
            "the action was not confirmed: enter prepares it again, f fails the step".to_owned(),
        );
    }
}

/// A cluster change: the waiting check is evaluated again when it reads the changed object (a graph check at
/// the next tick).
pub fn on_cluster(state: &mut State, changed: Option<&crate::flux::ResourceRef>) -> Vec<Effect> {
    let Some(w) = state.runbooks.walker.as_ref() else {
        return Vec::new();
    };
    let Some(c) = w.walk.waiting_check() else {
        return Vec::new();
    };
    if w.paused {
        return Vec::new();
    }
    let needs = check::needs(c, &World::default());
    if needs.graph {
        if let Some(w) = state.runbooks.walker.as_mut() {
            w.graph_stale = true;
        }
        return Vec::new();
    }
    let reads = changed
        .is_some_and(|r| super::actions::target_of(r).is_some_and(|t| needs.objects.contains(&t)));
    if !reads {
        return Vec::new();
    }
    refresh(state)
}

/// Evaluates the waiting check again with everything known (a source's revision needs the object first).
fn refresh(state: &mut State) -> Vec<Effect> {
    let Some(needs) = state.runbooks.walker.as_ref().and_then(|w| {
        let c = w.walk.waiting_check()?;
        let (first, _) = world(state, &check::needs(c, &World::default()));
        Some(check::needs(c, &first))
    }) else {
        return Vec::new();
    };
    drain(state, vec![walk::Effect::Observe(needs)])
}

/// The clock: the waiting check evaluated again (the graph only when it changed), objects the watch does not
/// carry read again.
pub fn on_tick(state: &mut State) -> Vec<Effect> {
    let Some(w) = state.runbooks.walker.as_ref() else {
        return Vec::new();
    };
    let Some(c) = w.walk.waiting_check() else {
        return Vec::new();
    };
    let needs = check::needs(c, &World::default());
    if w.paused || w.held.is_some() || (needs.graph && !w.graph_stale && foreign(&needs).is_empty())
    {
        // A graph check that saw no change still times out.
        let due = matches!(&w.walk.phase, Some(Phase::Checking { deadline, .. }) if *deadline <= now_ms(state));
        if !(due && !w.paused && w.held.is_none()) {
            return Vec::new();
        }
    }
    refresh(state)
}

/// Objects read for a check (`FetchObjects`' answer).
pub fn on_fetched(state: &mut State, objects: Vec<(TargetRef, Option<Value>)>) -> Vec<Effect> {
    let Some(w) = state.runbooks.walker.as_mut() else {
        return Vec::new();
    };
    w.fetched.extend(objects);
    refresh(state)
}
